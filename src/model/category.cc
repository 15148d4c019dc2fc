#include "model/category.h"

namespace sextant::model {

namespace {
struct CategoryNames {
  Category category;
  std::string_view name;
  std::string_view alias;
};
constexpr CategoryNames kNames[] = {
    {Category::kMetric, "metric", "M"},
    {Category::kNetwork, "network", "N"},
    {Category::kKeyEvent, "keyevent", "E"},
    {Category::kObject, "object", "O"},
    {Category::kCustomObject, "custom_object", "CO"},
    {Category::kLogging, "logging", "L"},
    {Category::kTracing, "tracing", "T"},
    {Category::kRum, "rum", "R"},
    {Category::kSecurity, "security", "S"},
    {Category::kProfiling, "profiling", "P"},
    {Category::kDialTesting, "dialtesting", "DT"},
};
}  // namespace

std::string_view categoryName(Category c) { return kNames[static_cast<int>(c)].name; }

std::string_view categoryAlias(Category c) { return kNames[static_cast<int>(c)].alias; }

std::optional<Category> parseCategory(std::string_view s) {
  for (const auto& n : kNames) {
    if (s == n.name || s == n.alias) return n.category;
  }
  return std::nullopt;
}

bool acceptedByWriteApi(Category c) {
  return c != Category::kProfiling && c != Category::kDialTesting;
}

}  // namespace sextant::model

// Category: the kind of data a point is (DataKit's "category"), with its wire names.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sextant::model {

enum class Category : uint8_t {
  kMetric,
  kNetwork,
  kKeyEvent,
  kObject,
  kCustomObject,
  kLogging,
  kTracing,
  kRum,
  kSecurity,
  kProfiling,
  kDialTesting,
};

inline constexpr std::array<Category, 11> kAllCategories = {
    Category::kMetric,       Category::kNetwork,   Category::kKeyEvent,   Category::kObject,
    Category::kCustomObject, Category::kLogging,   Category::kTracing,    Category::kRum,
    Category::kSecurity,     Category::kProfiling, Category::kDialTesting};

// "metric", "custom_object", ... as used in /v1/write/<name>.
std::string_view categoryName(Category c);
// "M", "CO", ... (DataKit's short aliases, used in config such as no_drop_categories).
std::string_view categoryAlias(Category c);
// Accepts a name or an alias (exact, case-sensitive as DataKit).
std::optional<Category> parseCategory(std::string_view s);
// The categories the generic /v1/write/:category handler accepts (not profiling, dialtesting).
bool acceptedByWriteApi(Category c);

}  // namespace sextant::model

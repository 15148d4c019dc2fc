#include "query/promql/functions.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace sextant::query::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType T = ValueType::kString;

constexpr std::array<ValueType, 0> kNone{};
constexpr std::array<ValueType, 1> kV{V};
constexpr std::array<ValueType, 1> kM{M};
constexpr std::array<ValueType, 1> kS{S};
constexpr std::array<ValueType, 2> kVS{V, S};
constexpr std::array<ValueType, 3> kVSS{V, S, S};
constexpr std::array<ValueType, 2> kSV{S, V};
constexpr std::array<ValueType, 3> kSSV{S, S, V};
constexpr std::array<ValueType, 2> kMS{M, S};
constexpr std::array<ValueType, 2> kSM{S, M};
constexpr std::array<ValueType, 3> kMSS{M, S, S};
constexpr std::array<ValueType, 4> kVTTT{V, T, T, T};
constexpr std::array<ValueType, 5> kVTTTT{V, T, T, T, T};

// Sorted by name (findFunction binary-searches).
constexpr Function kFunctions[] = {
    {"abs", kV},
    {"absent", kV},
    {"absent_over_time", kM},
    {"acos", kV},
    {"acosh", kV},
    {"asin", kV},
    {"asinh", kV},
    {"atan", kV},
    {"atanh", kV},
    {"avg_over_time", kM},
    {"ceil", kV},
    {"changes", kM},
    {"clamp", kVSS},
    {"clamp_max", kVS},
    {"clamp_min", kVS},
    {"cos", kV},
    {"cosh", kV},
    {"count_over_time", kM},
    {"day_of_month", kV, 1},
    {"day_of_week", kV, 1},
    {"day_of_year", kV, 1},
    {"days_in_month", kV, 1},
    {"deg", kV},
    {"delta", kM},
    {"deriv", kM},
    {"exp", kV},
    {"floor", kV},
    {"histogram_count", kV},
    {"histogram_fraction", kSSV},
    {"histogram_quantile", kSV},
    {"histogram_sum", kV},
    {"holt_winters", kMSS},
    {"hour", kV, 1},
    {"idelta", kM},
    {"increase", kM},
    {"irate", kM},
    {"label_join", kVTTT, -1},
    {"label_replace", kVTTTT},
    {"last_over_time", kM},
    {"ln", kV},
    {"log10", kV},
    {"log2", kV},
    {"max_over_time", kM},
    {"min_over_time", kM},
    {"minute", kV, 1},
    {"month", kV, 1},
    {"pi", kNone, 0, S},
    {"predict_linear", kMS},
    {"present_over_time", kM},
    {"quantile_over_time", kSM},
    {"rad", kV},
    {"rate", kM},
    {"resets", kM},
    {"round", kVS, 1},
    {"scalar", kV, 0, S},
    {"sgn", kV},
    {"sin", kV},
    {"sinh", kV},
    {"sort", kV},
    {"sort_desc", kV},
    {"sqrt", kV},
    {"stddev_over_time", kM},
    {"stdvar_over_time", kM},
    {"sum_over_time", kM},
    {"tan", kV},
    {"tanh", kV},
    {"time", kNone, 0, S},
    {"timestamp", kV},
    {"vector", kS},
    {"year", kV, 1},
};

constexpr bool sortedByName() {
  for (size_t i = 1; i < std::size(kFunctions); ++i) {
    if (!(kFunctions[i - 1].name < kFunctions[i].name)) return false;
  }
  return true;
}
static_assert(sortedByName(), "kFunctions must be sorted by name");

constexpr std::span<const Function> kTable(kFunctions);

}  // namespace

const Function* findFunction(std::string_view name) {
  auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                             [](const Function& f, std::string_view n) { return f.name < n; });
  if (it == kTable.end() || it->name != name) return nullptr;
  return &*it;
}

std::span<const Function> allFunctions() { return kTable; }

}  // namespace sextant::query::promql

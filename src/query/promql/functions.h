// The PromQL function set (Prometheus 2.42's promql/parser/functions.go): names, argument types and
// return types, used by the parser to type-check calls.
//
// Thread-safety: an immutable static table.
#pragma once

#include <span>
#include <string_view>

#include "query/promql/ast.h"

namespace sextant::query::promql {

struct Function {
  std::string_view name;
  std::span<const ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. n > 0: the last argument may be repeated up to n times
  // in total or left out (e.g. round(v[, s]), hour([v])). -1: the last one repeats without limit
  // (label_join). The arguments before the last are required either way.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
};

// nullptr when `name` is not a PromQL function (names are case-sensitive, as in Prometheus).
const Function* findFunction(std::string_view name);

// Every function, sorted by name.
std::span<const Function> allFunctions();

}  // namespace sextant::query::promql

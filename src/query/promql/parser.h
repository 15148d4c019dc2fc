// PromQL parser: query text -> type-checked AST (ast.h), with Prometheus 2.x's grammar, operator
// precedence, type rules and error messages.
//
//   Result<ExprPtr> r = parse("sum by (job) (rate(http_requests_total[5m]))");
//   if (!r.isOk()) return r.status();  // InvalidArgument "1:5: parse error: unexpected ..."
//
// A hand-written recursive-descent parser with precedence climbing for the binary operators
// (lowest to highest: `or`; `and` `unless`; comparisons; `+` `-`; `*` `/` `%` `atan2`; `^`, the
// only right-associative one; unary `-`/`+` bind like `*` but looser than `^`; postfix `[..]`,
// `offset` and `@` bind tightest). After a syntactically clean parse the tree is type-checked
// like Prometheus' checkAST. Only the first error is reported, as Prometheus does.
//
// Beyond Prometheus: expressions nested deeper than kMaxDepth levels are rejected, so hostile
// input cannot exhaust the stack (here or in the printer, evaluator and destructor).
//
// Thread-safety: parse() is a pure function; safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "query/promql/ast.h"

namespace sextant::query::promql {

inline constexpr uint32_t kMaxDepth = 1024;

// Where and why a query was rejected.
struct ParseError {
  uint32_t offset = 0;  // byte offset in the query
  uint32_t line = 0;    // 1-based; 0 for an empty query ("unknown position")
  uint32_t column = 0;  // 1-based, in bytes
  std::string message;  // e.g. `unexpected identifier "foo"`

  // Prometheus' form: "1:5: parse error: <message>".
  std::string toString() const;
};

// Parses and type-checks a PromQL expression. On error the Status is kInvalidArgument with
// ParseError::toString() as its message, and `*error` (when given) gets the details.
Result<ExprPtr> parse(std::string_view query, ParseError* error = nullptr);

}  // namespace sextant::query::promql

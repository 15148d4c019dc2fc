// Value helpers and the expression evaluator shared by the DQL planner/evaluator: conversions,
// comparisons, arithmetic, regex and wildcard matching, full-text matching, and evalExpr() over a
// Resolver (what names and aggregate calls mean in the current context: a row, a group, an
// output row). Internal to query/dql_exec.
//
// Thread-safety: an ExprEvaluator (it caches compiled regexes and records the first error) is
// used by one thread; the free functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/point.h"
#include "query/dql/ast.h"
#include "query/dql_exec/evaluator.h"

namespace re2 {
class RE2;
}

namespace sextant::query::dql_exec {

// "line:col: " for a node with a position (errors name where in the statement they are), else "".
inline std::string at(const dql::Pos& p) {
  if (p.line == 0) return "";
  return std::to_string(p.line) + ":" + std::to_string(p.col) + ": ";
}

inline bool isNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }
bool isNumeric(const Value& v);  // int64, double or bool
std::optional<double> toDouble(const Value& v);
// The text form of a value ("" for null; integers in decimal; doubles shortest round trip).
std::string toText(const Value& v);
bool truthy(const Value& v);
Value fromFieldValue(const model::FieldValue& v);
// A double as an int64, truncated and clamped to the int64 range (NaN: 0).
std::int64_t clampToInt64(double d);
// Saturating int64 arithmetic (time computations on untrusted bounds).
std::int64_t satAdd(std::int64_t a, std::int64_t b);
std::int64_t satMul(std::int64_t a, std::int64_t b);
// Orders two values: numbers numerically, strings bytewise, a string against a number by the
// string's numeric value when it has one (else by text). nullopt when either is null.
std::optional<int> compareValues(const Value& a, const Value& b);
// Sort order for ORDER BY / SORDER BY: like compareValues, nulls after everything.
int sortCompare(const Value& a, const Value& b);

// A glob (`*` any run, `?` one byte) as an anchored RE2 pattern.
std::string wildcardToRegex(std::string_view glob);
// Every full-text token (storage::encoding::forEachToken) of `needle` occurs in `text`.
bool fullTextMatch(std::string_view text, std::string_view needle);

// What names mean where an expression is evaluated.
class Resolver {
 public:
  virtual ~Resolver() = default;
  // A field, tag, alias or column name (kIdent, or a string in a name position).
  virtual Value name(std::string_view n) const = 0;
  // A call the context computes itself (aggregates in a group): nullopt = not intercepted.
  virtual std::optional<Value> call(const dql::Expr&) const { return std::nullopt; }
  // Full-text condition on the message (match('..'), and message = '..' outside metrics).
  virtual bool fullText(std::string_view) const { return false; }
  // Whether `message = 'x'` means full text here.
  virtual bool messageIsFullText() const { return false; }
};

class ExprEvaluator {
 public:
  ExprEvaluator();
  ~ExprEvaluator();
  // Evaluates e. Errors (bad regex, unknown function, unsubstituted variable) make the result
  // null and are kept in status() (the first one).
  Value eval(const dql::Expr& e, const Resolver& r);
  bool test(const dql::Expr& e, const Resolver& r) { return truthy(eval(e, r)); }
  const Status& status() const { return status_; }
  void fail(std::string message) {
    if (status_.isOk()) status_ = invalidArgument(std::move(message));
  }
  // RE2 full match ('.' matches '\n'); false (and an error) for a bad pattern.
  bool regexMatch(const std::string& pattern, std::string_view text);

 private:
  Value compare(const dql::Expr& e, const Resolver& r);
  Value inList(const dql::Expr& e, const Resolver& r);
  Value callScalar(const dql::Expr& e, const Resolver& r);
  Value nameOrValue(const dql::Expr& e, const Resolver& r);

  std::map<std::string, std::unique_ptr<re2::RE2>, std::less<>> regexes_;
  Status status_;
};

// Arithmetic on values: null when either is null or not numeric; integers stay integers for
// + - * % unless they overflow; / and ^ give doubles; division by zero gives null.
Value arith(dql::Op op, const Value& a, const Value& b);

}  // namespace sextant::query::dql_exec

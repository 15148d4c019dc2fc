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
#include <unordered_map>
#include <unordered_set>
#include <vector>

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

// The items of an `IN [...]` list whose items are all literals (string, int, float, bool, duration,
// nil), prepared once: contains(a) is true exactly when some item b has compareValues(x, b) == 0,
// x being a with null read as '' against string items (ExprEvaluator's linear IN), in a few hash
// lookups instead of one comparison per item. nil items match nothing.
class ConstInList {
 public:
  // Null when an item is not a literal.
  static std::unique_ptr<ConstInList> make(const std::vector<dql::Expr>& items);
  bool contains(const Value& a) const;

 private:
  std::unordered_set<std::string> strings_;       // string items, bytewise
  bool has_empty_string_ = false;                 // '' is an item: a null value matches it
  std::unordered_set<std::int64_t> ints_;         // int (and duration) items, exactly
  std::unordered_set<double> int_numbers_;        // int items as doubles
  std::unordered_set<double> other_numbers_;      // float and bool items as doubles
  std::unordered_set<double> string_numbers_;     // string items that are numbers (not NaN)
  std::unordered_set<std::string> number_texts_;  // toText() of the int, float and bool items
  std::unordered_set<std::string> text_strings_;  // string items that are not numbers
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
  // Prepares a ConstInList for every IN whose list is all literals in q (its clauses, targets,
  // arguments, subqueries and joined queries); eval() then uses it for those nodes. q must
  // stay alive (and unchanged) while this evaluator evaluates (its nodes are looked up by
  // address). IN nodes elsewhere (copies,
  // conditions parsed while evaluating) compare item by item with the same result.
  void prepareInLists(const dql::Query& q);

 private:
  Value compare(const dql::Expr& e, const Resolver& r);
  Value inList(const dql::Expr& e, const Resolver& r);
  Value callScalar(const dql::Expr& e, const Resolver& r);
  Value nameOrValue(const dql::Expr& e, const Resolver& r);

  void prepareInLists(const dql::Expr& e);

  std::map<std::string, std::unique_ptr<re2::RE2>, std::less<>> regexes_;
  // By the address of the kIn node (prepareInLists).
  std::unordered_map<const dql::Expr*, std::unique_ptr<ConstInList>> in_lists_;
  Status status_;
};

// Arithmetic on values: null when either is null or not numeric; integers stay integers for
// + - * % unless they overflow; / and ^ give doubles; division by zero gives null.
Value arith(dql::Op op, const Value& a, const Value& b);

}  // namespace sextant::query::dql_exec

// PromQL abstract syntax tree: what parse() (parser.h) produces and the evaluator walks.
//
// An expression is an `Expr`: a position range in the query text plus one node alternative in a
// std::variant (NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, SubqueryExpr, Call,
// AggregateExpr, BinaryExpr, UnaryExpr, ParenExpr). Children are owned through ExprPtr
// (std::unique_ptr<Expr>); a tree is a plain value owned by whoever holds the root.
//
// The shapes follow Prometheus' promql/parser AST (2.x), with two simplifications an evaluator
// likes: a MatrixSelector holds its VectorSelector by value, and the @ / offset modifiers are one
// `AtModifier` plus an `offset_ms` on the nodes that may carry them. Times and durations are int64
// milliseconds, as in Prometheus.
//
// toString() prints the canonical PromQL text (Prometheus' String() form), so
// parse(toString(e)) gives a tree equal to e (see equal()).
//
// Thread-safety: trees are plain data; concurrent reads are safe. LabelMatcher's compiled regex is
// immutable and shared between copies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace re2 {
class RE2;
}

namespace sextant::query::promql {

// The type of value an expression evaluates to.
enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string", "none" (Prometheus' DocumentedType).
std::string_view documentedType(ValueType t);

// Byte offsets [start, end) of a node in the query text.
struct PosRange {
  uint32_t start = 0;
  uint32_t end = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;  // unquoted
};

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
std::string_view matchOpString(MatchOp op);  // "=", "!=", "=~", "!~"

// One label matcher. For the regex ops, `regex` is the compiled, fully anchored pattern
// (`^(?:value)$`, RE2 syntax, like Go's regexp).
struct LabelMatcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::shared_ptr<const re2::RE2> regex;  // set for kRegexMatch / kRegexNoMatch

  // Whether a label value satisfies this matcher (a missing label has the value "").
  bool matches(std::string_view v) const;
};

// The @ modifier: none, an absolute time, or start() / end() of the query range.
struct AtModifier {
  enum class Kind { kNone, kTimestamp, kStart, kEnd };
  Kind kind = Kind::kNone;
  int64_t timestamp_ms = 0;  // for kTimestamp

  bool isSet() const { return kind != Kind::kNone; }
  bool operator==(const AtModifier&) const = default;
};

// metric{matchers} [@ t] [offset d]. When `name` is set, `matchers` ends with the implicit
// __name__="name" equality matcher (as in Prometheus), so evaluators only look at `matchers`.
struct VectorSelector {
  std::string name;
  std::vector<LabelMatcher> matchers;
  int64_t offset_ms = 0;
  AtModifier at;
};

// selector[range]; the selector carries the @ / offset written after the range.
struct MatrixSelector {
  VectorSelector selector;
  int64_t range_ms = 0;
};

// expr[range:step] [@ t] [offset d]; step_ms 0 means "the default evaluation interval".
struct SubqueryExpr {
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;
  int64_t offset_ms = 0;
  AtModifier at;
};

// A function of the Prometheus function set (functions.h).
struct Function;

struct Call {
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
};

enum class AggOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kCountValues,
  kQuantile,
};
std::string_view aggOpString(AggOp op);  // "sum", "count_values", ...
// topk, bottomk, count_values and quantile take a parameter before the expression.
bool aggOpHasParam(AggOp op);

struct AggregateExpr {
  AggOp op = AggOp::kSum;
  ExprPtr expr;
  ExprPtr param;                      // topk/bottomk/quantile (scalar), count_values (string)
  std::vector<std::string> grouping;  // labels of by (...) / without (...)
  bool without = false;
};

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};
std::string_view binOpString(BinOp op);  // "+", "==", "and", "atan2", ...
bool isComparison(BinOp op);
bool isSetOperator(BinOp op);

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// How the two sides of a vector-vector binary operation are matched.
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;  // set operators: kManyToMany
  std::vector<std::string> matching_labels;   // of on (...) / ignoring (...)
  bool on = false;                            // on (...) rather than ignoring (...)
  std::vector<std::string> include;           // labels of group_left (...) / group_right (...)
};

struct BinaryExpr {
  BinOp op = BinOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // comparison with the `bool` modifier
  // Set only when both sides are instant vectors (as Prometheus does after type checking).
  std::unique_ptr<VectorMatching> matching;
  uint32_t op_pos = 0;  // byte offset of the operator
};

struct UnaryExpr {
  bool negate = false;  // `-expr`; `+expr` keeps negate false
  ExprPtr expr;
};

struct ParenExpr {
  ExprPtr expr;
};

using ExprNode = std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector,
                              SubqueryExpr, Call, AggregateExpr, BinaryExpr, UnaryExpr, ParenExpr>;

struct Expr {
  PosRange pos;
  ExprNode node;
  uint32_t height = 1;  // 1 + the largest height of the children (the parser bounds it)

  template <typename T>
  const T* as() const {
    return std::get_if<T>(&node);
  }
  template <typename T>
  T* as() {
    return std::get_if<T>(&node);
  }
};

template <typename T>
ExprPtr makeExpr(PosRange pos, T node, uint32_t height = 1) {
  return std::make_unique<Expr>(Expr{pos, ExprNode(std::move(node)), height});
}

// The type an expression evaluates to (Prometheus' Expr.Type()).
ValueType valueType(const Expr& e);

// Canonical PromQL text of an expression (Prometheus' String()).
std::string toString(const Expr& e);

// Structural equality ignoring positions; label matchers compare as multisets (the printer sorts
// them).
bool equal(const Expr& a, const Expr& b);

}  // namespace sextant::query::promql

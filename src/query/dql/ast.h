// The syntax tree of a DQL (Guance's DataFlux Query Language) statement, as parse() builds it and
// toString() prints it. The grammar, the canonical form and every normalisation are described in
// docs/dql.md.
//
// Plain value types: every node owns its children (Box<T> is a deep-copying owning pointer), so a
// Query can be copied, compared and moved freely. Every node carries the 1-based line:col (in
// bytes) where it starts in the text it was parsed from; positions do NOT take part in equality
// (Pos::operator== is always true), so parse(toString(q)) == q for every q that parse() returns.
// Thread-safety: plain values, no shared state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sextant::query::dql {

// Where a node starts in the source text (1-based; col counts bytes). Ignored by ==.
struct Pos {
  uint32_t line = 0;
  uint32_t col = 0;
  friend bool operator==(const Pos&, const Pos&) { return true; }
};

// An owning, deep-copying, deep-comparing pointer (for recursive nodes). May be empty.
template <typename T>
class Box {
 public:
  Box() = default;
  explicit Box(T value) : p_(std::make_unique<T>(std::move(value))) {}
  Box(const Box& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Box& operator=(const Box& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Box(Box&&) noexcept = default;
  Box& operator=(Box&&) noexcept = default;
  ~Box() = default;

  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_.get(); }
  T* get() const { return p_.get(); }

  friend bool operator==(const Box& a, const Box& b) {
    if (!a.p_ || !b.p_) return !a.p_ && !b.p_;
    return *a.p_ == *b.p_;
  }

 private:
  std::unique_ptr<T> p_;
};

struct Query;

enum class ExprKind {
  kIdent,     // a field, tag or alias name: text (`*` is kStar, never an Ident "*")
  kString,    // text (escapes resolved; b64'..' decoded). May hold `#{var}` references.
  kInt,       // int_value
  kFloat,     // float_value (always finite)
  kBool,      // bool_value
  kNil,       // nil
  kDuration,  // int_value nanoseconds (may be negative after a folded unary minus)
  kRegex,     // text is the pattern: re('..'), re'..', re"..", re`..`, or the right side of =~
  kStar,      // *
  kVar,       // an unquoted dashboard variable #{text}
  kList,      // [args...]
  kCall,      // text is the function name, lower-cased; args (arg_names[i] non-empty: name=arg)
  kUnary,     // op (kNeg or kNot) applied to args[0]
  kBinary,    // args[0] op args[1]
  kIn,        // args[0] IN args[1] (a kList); negated: NOT IN
  kAlias,     // args[0] AS text (in target lists and call arguments only)
  kQuery,     // a DQL query used as a function argument (quoted or bare): query
};

enum class Op {
  kNone,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNeg,  // unary minus (only on non-literals: -<number> is folded into the literal)
  kNot,
};

struct Expr {
  ExprKind kind = ExprKind::kNil;
  Pos pos;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  Op op = Op::kNone;
  bool negated = false;                // kIn: NOT IN
  std::vector<Expr> args;              // operands, list items, call arguments
  std::vector<std::string> arg_names;  // kCall: one per arg, "" for positional arguments
  Box<Query> query;                    // kQuery

  bool operator==(const Expr&) const = default;
};

// Data categories. Long names (metric, logging, ...) parse to the same value; CI is kept apart
// (its data lives under L; the planner maps it).
enum class Namespace {
  kM,    // metric
  kL,    // logging
  kBL,   // backup log
  kO,    // object
  kOH,   // object history
  kCO,   // custom object
  kCOH,  // custom object history
  kE,    // event (keyevent)
  kT,    // tracing
  kP,    // profiling
  kR,    // rum
  kS,    // security
  kN,    // network
  kF,    // func
  kTM,   // APM service-list pre-aggregates
  kTSM,  // APM topology pre-aggregates
  kCI,   // alias for the GitLab CI documents (gitlab_pipeline / gitlab_job) under L
};

// One data source of a select: a name (`cpu`, `*`), a regex (re('db.*')), or one subquery.
struct Source {
  enum class Kind { kName, kRegex, kSubquery };
  Kind kind = Kind::kName;
  Pos pos;
  std::string name;  // kName: the measurement/source/class; kRegex: the pattern
  Box<Query> subquery;
  bool operator==(const Source&) const = default;
};

// One bound of a time expression.
struct TimeBound {
  enum class Kind {
    kNone,      // left empty: the default (request time_range, or now)
    kRelative,  // value: offset from now in ns (`5m` = -300e9, `now()` = 0, `now()+1h` > 0)
    kAbsolute,  // value: unix time in ms (epoch seconds, epoch ms or `2006-01-02[ 15:04:05]` UTC)
  };
  Kind kind = Kind::kNone;
  int64_t value = 0;
  Pos pos;
  bool operator==(const TimeBound&) const = default;
};

// [start:end:interval:rollup]; every part optional.
struct TimeRange {
  Pos pos;
  TimeBound start;
  TimeBound end;
  std::optional<int64_t> interval_ns;  // the bucket width
  bool interval_auto = false;          // `auto` given as the interval
  std::string rollup;                  // lower-cased function name (irate, p99, ...); "" = none
  bool operator==(const TimeRange&) const = default;
};

// One ORDER BY / SORDER BY key.
struct OrderKey {
  enum class Dir { kDefault, kAsc, kDesc };
  Expr expr;
  Dir dir = Dir::kDefault;
  bool operator==(const OrderKey&) const = default;
};

// A whole statement: either a select (`NS::sources:(targets) ...`) or a function call statement
// (`series_sum("..")`, `eval(A/B, A="..")`, `show_tag_value(..)`, a chain `irate("..").sum()`:
// the receiver becomes the first argument, a kQuery). Both may carry the trailing clauses.
struct Query {
  enum class Kind { kSelect, kCall };
  enum class Join { kNone, kFilter, kLink };

  Kind kind = Kind::kSelect;
  Pos pos;

  // kSelect
  Namespace ns = Namespace::kM;
  std::optional<std::string> index;  // L('default')::...
  std::vector<Source> sources;       // at least one; a kSubquery source is alone
  bool has_targets = false;          // `:(...)` was written (possibly empty: all fields)
  std::vector<Expr> targets;

  // kCall: `func(args)`; func lower-cased, arguments as in a kCall Expr.
  std::string func;
  std::vector<Expr> args;
  std::vector<std::string> arg_names;

  // Trailing clauses (both kinds), in their fixed order.
  std::optional<Expr> filter;  // `{...}`; commas are AND; `{}` is no filter
  std::optional<TimeRange> time;
  std::vector<Expr> by;
  std::optional<Expr> having;
  std::vector<OrderKey> order_by;
  std::optional<int64_t> limit;
  std::optional<int64_t> offset;
  std::vector<OrderKey> sorder_by;
  std::optional<int64_t> slimit;
  std::optional<int64_t> soffset;
  // `tz('Asia/Shanghai')` (last): the time zone time buckets are aligned in. Names are checked
  // by the evaluator (an IANA name from the zoneinfo directory, "UTC" or an offset "+8", "-05:30").
  std::optional<std::string> tz;
  Pos tz_pos;  // of the name

  // kSelect only: `FILTER q WITH {..}` (semi-join) or `LINK q [LINK q...] WITH {..}`.
  Join join = Join::kNone;
  std::vector<Query> joined;
  std::optional<Expr> join_on;

  bool operator==(const Query&) const = default;
};

// Short upper-case name: "M", "L", "OH", ...
const char* namespaceName(Namespace ns);

}  // namespace sextant::query::dql

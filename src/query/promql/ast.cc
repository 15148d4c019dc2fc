#include "query/promql/ast.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "query/promql/functions.h"
#include "query/promql/text.h"

namespace sextant::query::promql {

std::string_view documentedType(ValueType t) {
  switch (t) {
    case ValueType::kNone: return "none";
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "none";
}

std::string_view matchOpString(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual: return "=";
    case MatchOp::kNotEqual: return "!=";
    case MatchOp::kRegexMatch: return "=~";
    case MatchOp::kRegexNoMatch: return "!~";
  }
  return "=";
}

bool LabelMatcher::matches(std::string_view v) const {
  switch (op) {
    case MatchOp::kEqual: return v == value;
    case MatchOp::kNotEqual: return v != value;
    case MatchOp::kRegexMatch: return regex != nullptr && RE2::FullMatch(v, *regex);
    case MatchOp::kRegexNoMatch: return regex == nullptr || !RE2::FullMatch(v, *regex);
  }
  return false;
}

std::string_view aggOpString(AggOp op) {
  switch (op) {
    case AggOp::kSum: return "sum";
    case AggOp::kAvg: return "avg";
    case AggOp::kCount: return "count";
    case AggOp::kMin: return "min";
    case AggOp::kMax: return "max";
    case AggOp::kGroup: return "group";
    case AggOp::kStddev: return "stddev";
    case AggOp::kStdvar: return "stdvar";
    case AggOp::kTopk: return "topk";
    case AggOp::kBottomk: return "bottomk";
    case AggOp::kCountValues: return "count_values";
    case AggOp::kQuantile: return "quantile";
  }
  return "sum";
}

bool aggOpHasParam(AggOp op) {
  return op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kCountValues ||
         op == AggOp::kQuantile;
}

std::string_view binOpString(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kMod: return "%";
    case BinOp::kPow: return "^";
    case BinOp::kAtan2: return "atan2";
    case BinOp::kEql: return "==";
    case BinOp::kNeq: return "!=";
    case BinOp::kGtr: return ">";
    case BinOp::kLss: return "<";
    case BinOp::kGte: return ">=";
    case BinOp::kLte: return "<=";
    case BinOp::kAnd: return "and";
    case BinOp::kOr: return "or";
    case BinOp::kUnless: return "unless";
  }
  return "+";
}

bool isComparison(BinOp op) { return op >= BinOp::kEql && op <= BinOp::kLte; }
bool isSetOperator(BinOp op) {
  return op == BinOp::kAnd || op == BinOp::kOr || op == BinOp::kUnless;
}

ValueType valueType(const Expr& e) {
  struct Visitor {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
    ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
    ValueType operator()(const Call& c) const {
      return c.func != nullptr ? c.func->return_type : ValueType::kNone;
    }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const BinaryExpr& b) const {
      if (valueType(*b.lhs) == ValueType::kScalar && valueType(*b.rhs) == ValueType::kScalar) {
        return ValueType::kScalar;
      }
      return ValueType::kVector;
    }
    ValueType operator()(const UnaryExpr& u) const { return valueType(*u.expr); }
    ValueType operator()(const ParenExpr& p) const { return valueType(*p.expr); }
  };
  return std::visit(Visitor{}, e.node);
}

namespace {

void joinLabels(std::string* out, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) *out += ", ";
    *out += labels[i];
  }
}

void appendAt(std::string* out, const AtModifier& at) {
  switch (at.kind) {
    case AtModifier::Kind::kNone: return;
    case AtModifier::Kind::kTimestamp: {
      char buf[64];
      snprintf(buf, sizeof(buf), " @ %.3f", static_cast<double>(at.timestamp_ms) / 1000.0);
      *out += buf;
      return;
    }
    case AtModifier::Kind::kStart: *out += " @ start()"; return;
    case AtModifier::Kind::kEnd: *out += " @ end()"; return;
  }
}

void appendOffset(std::string* out, int64_t offset_ms) {
  if (offset_ms > 0) {
    *out += " offset ";
    *out += formatDuration(offset_ms);
  } else if (offset_ms < 0) {
    *out += " offset -";
    *out += formatDuration(-offset_ms);
  }
}

std::string matcherString(const LabelMatcher& m) {
  std::string s = m.name;
  s += matchOpString(m.op);
  s += goQuote(m.value);
  return s;
}

// The selector without its modifiers: name{sorted matchers}.
void appendSelectorBody(std::string* out, const VectorSelector& vs) {
  std::vector<std::string> strs;
  strs.reserve(vs.matchers.size());
  for (const LabelMatcher& m : vs.matchers) {
    if (!vs.name.empty() && m.name == "__name__" && m.op == MatchOp::kEqual && m.value == vs.name) {
      continue;
    }
    strs.push_back(matcherString(m));
  }
  *out += vs.name;
  if (strs.empty()) return;
  std::sort(strs.begin(), strs.end());
  out->push_back('{');
  for (size_t i = 0; i < strs.size(); ++i) {
    if (i > 0) out->push_back(',');
    *out += strs[i];
  }
  out->push_back('}');
}

void print(std::string* out, const Expr& e);

struct Printer {
  std::string* out;

  void operator()(const NumberLiteral& n) const { *out += goFormatFloat(n.value); }
  void operator()(const StringLiteral& s) const { *out += goQuote(s.value); }
  void operator()(const VectorSelector& vs) const {
    appendSelectorBody(out, vs);
    appendAt(out, vs.at);
    appendOffset(out, vs.offset_ms);
  }
  void operator()(const MatrixSelector& ms) const {
    appendSelectorBody(out, ms.selector);
    out->push_back('[');
    *out += formatDuration(ms.range_ms);
    out->push_back(']');
    appendAt(out, ms.selector.at);
    appendOffset(out, ms.selector.offset_ms);
  }
  void operator()(const SubqueryExpr& sq) const {
    print(out, *sq.expr);
    out->push_back('[');
    *out += formatDuration(sq.range_ms);
    out->push_back(':');
    if (sq.step_ms != 0) *out += formatDuration(sq.step_ms);
    out->push_back(']');
    appendAt(out, sq.at);
    appendOffset(out, sq.offset_ms);
  }
  void operator()(const Call& c) const {
    *out += c.func->name;
    out->push_back('(');
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) *out += ", ";
      print(out, *c.args[i]);
    }
    out->push_back(')');
  }
  void operator()(const AggregateExpr& a) const {
    *out += aggOpString(a.op);
    if (a.without) {
      *out += " without (";
      joinLabels(out, a.grouping);
      *out += ") ";
    } else if (!a.grouping.empty()) {
      *out += " by (";
      joinLabels(out, a.grouping);
      *out += ") ";
    }
    out->push_back('(');
    if (a.param != nullptr) {
      print(out, *a.param);
      *out += ", ";
    }
    print(out, *a.expr);
    out->push_back(')');
  }
  void operator()(const BinaryExpr& b) const {
    // Prometheus prints +Inf as "+Inf", which before `^` would re-parse as a unary plus applied
    // to the whole power (`+Inf ^ 2` is `+(Inf ^ 2)`); print "Inf" there so the tree round-trips.
    const NumberLiteral* n = b.lhs->as<NumberLiteral>();
    if (b.op == BinOp::kPow && n != nullptr && std::isinf(n->value) && n->value > 0) {
      *out += "Inf";
    } else {
      print(out, *b.lhs);
    }
    out->push_back(' ');
    *out += binOpString(b.op);
    if (b.return_bool) *out += " bool";
    const VectorMatching* vm = b.matching.get();
    bool grouped = vm != nullptr &&
                   (vm->card == Cardinality::kManyToOne || vm->card == Cardinality::kOneToMany);
    // Prometheus prints group_x only after a non-empty on/ignoring; printing it whenever the
    // cardinality is grouped keeps `a * ignoring () group_left () b` round-tripping.
    if (vm != nullptr && (!vm->matching_labels.empty() || vm->on || grouped)) {
      *out += vm->on ? " on (" : " ignoring (";
      joinLabels(out, vm->matching_labels);
      out->push_back(')');
      if (grouped) {
        *out += vm->card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
        joinLabels(out, vm->include);
        out->push_back(')');
      }
    }
    out->push_back(' ');
    print(out, *b.rhs);
  }
  void operator()(const UnaryExpr& u) const {
    out->push_back(u.negate ? '-' : '+');
    print(out, *u.expr);
  }
  void operator()(const ParenExpr& p) const {
    out->push_back('(');
    print(out, *p.expr);
    out->push_back(')');
  }
};

void print(std::string* out, const Expr& e) { std::visit(Printer{out}, e.node); }

bool equalExpr(const Expr* a, const Expr* b);

bool equalMatchers(const std::vector<LabelMatcher>& a, const std::vector<LabelMatcher>& b) {
  if (a.size() != b.size()) return false;
  std::vector<std::string> sa, sb;
  for (const auto& m : a) sa.push_back(matcherString(m));
  for (const auto& m : b) sb.push_back(matcherString(m));
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  return sa == sb;
}

bool equalSelector(const VectorSelector& a, const VectorSelector& b) {
  return a.name == b.name && a.offset_ms == b.offset_ms && a.at == b.at &&
         equalMatchers(a.matchers, b.matchers);
}

bool equalNumbers(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

struct EqualVisitor {
  const Expr& other;

  template <typename T>
  const T& o() const {
    return std::get<T>(other.node);
  }
  bool operator()(const NumberLiteral& n) const {
    return equalNumbers(n.value, o<NumberLiteral>().value);
  }
  bool operator()(const StringLiteral& s) const { return s.value == o<StringLiteral>().value; }
  bool operator()(const VectorSelector& vs) const { return equalSelector(vs, o<VectorSelector>()); }
  bool operator()(const MatrixSelector& ms) const {
    const auto& x = o<MatrixSelector>();
    return ms.range_ms == x.range_ms && equalSelector(ms.selector, x.selector);
  }
  bool operator()(const SubqueryExpr& sq) const {
    const auto& x = o<SubqueryExpr>();
    return sq.range_ms == x.range_ms && sq.step_ms == x.step_ms && sq.offset_ms == x.offset_ms &&
           sq.at == x.at && equalExpr(sq.expr.get(), x.expr.get());
  }
  bool operator()(const Call& c) const {
    const auto& x = o<Call>();
    if (c.func != x.func || c.args.size() != x.args.size()) return false;
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (!equalExpr(c.args[i].get(), x.args[i].get())) return false;
    }
    return true;
  }
  bool operator()(const AggregateExpr& a) const {
    const auto& x = o<AggregateExpr>();
    return a.op == x.op && a.without == x.without && a.grouping == x.grouping &&
           equalExpr(a.param.get(), x.param.get()) && equalExpr(a.expr.get(), x.expr.get());
  }
  bool operator()(const BinaryExpr& b) const {
    const auto& x = o<BinaryExpr>();
    if (b.op != x.op || b.return_bool != x.return_bool) return false;
    if ((b.matching == nullptr) != (x.matching == nullptr)) return false;
    if (b.matching != nullptr) {
      const VectorMatching& m = *b.matching;
      const VectorMatching& n = *x.matching;
      if (m.card != n.card || m.on != n.on || m.matching_labels != n.matching_labels ||
          m.include != n.include) {
        return false;
      }
    }
    return equalExpr(b.lhs.get(), x.lhs.get()) && equalExpr(b.rhs.get(), x.rhs.get());
  }
  bool operator()(const UnaryExpr& u) const {
    const auto& x = o<UnaryExpr>();
    return u.negate == x.negate && equalExpr(u.expr.get(), x.expr.get());
  }
  bool operator()(const ParenExpr& p) const {
    return equalExpr(p.expr.get(), o<ParenExpr>().expr.get());
  }
};

bool equalExpr(const Expr* a, const Expr* b) {
  if (a == nullptr || b == nullptr) return a == b;
  if (a->node.index() != b->node.index()) return false;
  return std::visit(EqualVisitor{*b}, a->node);
}

}  // namespace

std::string toString(const Expr& e) {
  std::string out;
  print(&out, e);
  return out;
}

bool equal(const Expr& a, const Expr& b) { return equalExpr(&a, &b); }

}  // namespace sextant::query::promql

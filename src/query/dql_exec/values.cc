#include "query/dql_exec/values.h"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <set>

#include "storage/encoding/block.h"

namespace sextant::query::dql_exec {

using dql::Expr;
using dql::ExprKind;
using dql::Op;

bool isNumeric(const Value& v) {
  return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v) ||
         std::holds_alternative<bool>(v);
}

std::optional<double> toDouble(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
  return std::nullopt;
}

namespace {

std::optional<double> parseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return d;
}

}  // namespace

std::int64_t clampToInt64(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<std::int64_t>(d);
}

std::int64_t satAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

std::int64_t satMul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
  return r;
}

std::string toText(const Value& v) {
  switch (v.index()) {
    case 1: return std::to_string(std::get<std::int64_t>(v));
    case 2: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
      return std::string(buf, r.ptr);
    }
    case 3: return std::get<bool>(v) ? "true" : "false";
    case 4: return std::get<std::string>(v);
    default: return "";
  }
}

bool truthy(const Value& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  if (auto d = toDouble(v)) return *d != 0;
  if (const auto* s = std::get_if<std::string>(&v)) return !s->empty();
  return false;
}

Value fromFieldValue(const model::FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kInt: return std::get<std::int64_t>(v);
    case model::FieldType::kUint: {
      std::uint64_t u = std::get<std::uint64_t>(v);
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
      return static_cast<double>(u);
    }
    case model::FieldType::kFloat: return std::get<double>(v);
    case model::FieldType::kBool: return std::get<bool>(v);
    case model::FieldType::kString: return std::get<std::string>(v);
    case model::FieldType::kBytes: return std::get<model::Bytes>(v).data;
    case model::FieldType::kArray: {
      // Arrays are shown as JSON-like text; they take no part in arithmetic.
      std::string out = "[";
      std::visit(
          [&](const auto& items) {
            bool first = true;
            for (const auto& it : items) {
              if (!first) out += ",";
              first = false;
              using T = std::decay_t<decltype(it)>;
              if constexpr (std::is_same_v<T, std::string>) {
                out += "\"" + it + "\"";
              } else if constexpr (std::is_same_v<T, model::Bytes>) {
                out += "\"" + it.data + "\"";
              } else if constexpr (std::is_same_v<T, bool>) {
                out += it ? "true" : "false";
              } else {
                out += toText(Value(static_cast<double>(it)));
              }
            }
          },
          std::get<model::Array>(v).items);
      return out + "]";
    }
  }
  return std::monostate{};
}

std::optional<int> compareValues(const Value& a, const Value& b) {
  if (isNull(a) || isNull(b)) return std::nullopt;
  const auto* sa = std::get_if<std::string>(&a);
  const auto* sb = std::get_if<std::string>(&b);
  if (sa && sb) return sa->compare(*sb) < 0 ? -1 : (*sa == *sb ? 0 : 1);
  if (sa || sb) {
    // A string against a number: numerically when the string is a number, else as text.
    const std::string& s = sa ? *sa : *sb;
    std::optional<double> sv = parseNumber(s);
    double n = *toDouble(sa ? b : a);
    if (sv && std::isnan(*sv)) return std::nullopt;
    if (sv) {
      double x = sa ? *sv : n;
      double y = sa ? n : *sv;
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    std::string other = toText(sa ? b : a);
    int c = sa ? s.compare(other) : other.compare(s);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  // Integers exactly, else as doubles.
  if (std::holds_alternative<std::int64_t>(a) && std::holds_alternative<std::int64_t>(b)) {
    std::int64_t x = std::get<std::int64_t>(a);
    std::int64_t y = std::get<std::int64_t>(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = *toDouble(a);
  double y = *toDouble(b);
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y ? -1 : (x > y ? 1 : 0);
}

int sortCompare(const Value& a, const Value& b) {
  bool na = isNull(a);
  bool nb = isNull(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  std::optional<int> c = compareValues(a, b);
  return c ? *c : 0;
}

std::string wildcardToRegex(std::string_view glob) {
  std::string out;
  for (char c : glob) {
    if (c == '*') {
      out += ".*";
    } else if (c == '?') {
      out += ".";
    } else {
      out += RE2::QuoteMeta(std::string_view(&c, 1));
    }
  }
  return out;
}

bool fullTextMatch(std::string_view text, std::string_view needle) {
  std::set<std::string, std::less<>> want;
  storage::encoding::forEachToken(needle, [&](std::string_view t) { want.emplace(t); });
  if (want.empty()) return true;
  storage::encoding::forEachToken(text, [&](std::string_view t) {
    auto it = want.find(t);
    if (it != want.end()) want.erase(it);
  });
  return want.empty();
}

Value arith(Op op, const Value& a, const Value& b) {
  if (!isNumeric(a) || !isNumeric(b)) return std::monostate{};
  const auto* ia = std::get_if<std::int64_t>(&a);
  const auto* ib = std::get_if<std::int64_t>(&b);
  if (ia && ib && (op == Op::kAdd || op == Op::kSub || op == Op::kMul || op == Op::kMod)) {
    std::int64_t r = 0;
    bool overflow = false;
    switch (op) {
      case Op::kAdd: overflow = __builtin_add_overflow(*ia, *ib, &r); break;
      case Op::kSub: overflow = __builtin_sub_overflow(*ia, *ib, &r); break;
      case Op::kMul: overflow = __builtin_mul_overflow(*ia, *ib, &r); break;
      default:
        if (*ib == 0) return std::monostate{};
        if (*ib == -1) return std::int64_t{0};
        return *ia % *ib;
    }
    if (!overflow) return r;
  }
  double x = *toDouble(a);
  double y = *toDouble(b);
  switch (op) {
    case Op::kAdd: return x + y;
    case Op::kSub: return x - y;
    case Op::kMul: return x * y;
    case Op::kDiv:
      if (y == 0) return std::monostate{};
      return x / y;
    case Op::kMod:
      if (y == 0) return std::monostate{};
      return std::fmod(x, y);
    case Op::kPow: return std::pow(x, y);
    default: return std::monostate{};
  }
}

ExprEvaluator::ExprEvaluator() = default;
ExprEvaluator::~ExprEvaluator() = default;

bool ExprEvaluator::regexMatch(const std::string& pattern, std::string_view text) {
  auto it = regexes_.find(pattern);
  if (it == regexes_.end()) {
    RE2::Options o;
    o.set_dot_nl(true);
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, o);
    if (!re->ok()) {
      fail("bad regex '" + pattern + "': " + re->error());
      return false;
    }
    it = regexes_.emplace(pattern, std::move(re)).first;
  }
  return RE2::FullMatch(text, *it->second);
}

// An identifier or a string in a name position names a column; anything else is a value.
Value ExprEvaluator::nameOrValue(const Expr& e, const Resolver& r) {
  if (e.kind == ExprKind::kIdent || e.kind == ExprKind::kString) return r.name(e.text);
  return eval(e, r);
}

Value ExprEvaluator::compare(const Expr& e, const Resolver& r) {
  const Expr& lhs = e.args[0];
  const Expr& rhs = e.args[1];
  bool eq = e.op == Op::kEq;
  bool ne = e.op == Op::kNe;
  if (eq || ne) {
    // Value matchers on the right: re('..'), wildcard('..'); full text on message.
    if (rhs.kind == ExprKind::kRegex ||
        (rhs.kind == ExprKind::kCall && rhs.text == "wildcard" && rhs.args.size() == 1 &&
         rhs.args[0].kind == ExprKind::kString)) {
      std::string pattern =
          rhs.kind == ExprKind::kRegex ? rhs.text : wildcardToRegex(rhs.args[0].text);
      Value v = nameOrValue(lhs, r);
      bool m = regexMatch(pattern, toText(v));
      return eq ? m : !m;
    }
    if (rhs.kind == ExprKind::kCall && rhs.text == "match" && rhs.args.size() == 1) {
      Value v = nameOrValue(lhs, r);
      bool m = fullTextMatch(toText(v), toText(eval(rhs.args[0], r)));
      return eq ? m : !m;
    }
    if (r.messageIsFullText() && lhs.kind == ExprKind::kIdent && lhs.text == "message" &&
        rhs.kind == ExprKind::kString) {
      bool m = r.fullText(rhs.text);
      return eq ? m : !m;
    }
  }
  Value a = nameOrValue(lhs, r);
  Value b = eval(rhs, r);
  // A missing value equals the empty string (tag semantics, as the series index matches).
  if ((eq || ne) && isNull(a) && std::holds_alternative<std::string>(b)) a = std::string();
  std::optional<int> c = compareValues(a, b);
  if (!c) return ne && (isNull(a) != isNull(b));
  switch (e.op) {
    case Op::kEq: return *c == 0;
    case Op::kNe: return *c != 0;
    case Op::kLt: return *c < 0;
    case Op::kLe: return *c <= 0;
    case Op::kGt: return *c > 0;
    case Op::kGe: return *c >= 0;
    default: return std::monostate{};
  }
}

namespace {

// Hash keys of doubles: -0 and 0 are one key (they compare equal).
double numberKey(double d) { return d == 0 ? 0.0 : d; }

}  // namespace

std::unique_ptr<ConstInList> ConstInList::make(const std::vector<Expr>& items) {
  auto out = std::make_unique<ConstInList>();
  for (const Expr& item : items) {
    switch (item.kind) {
      case ExprKind::kString: {
        out->strings_.insert(item.text);
        if (item.text.empty()) out->has_empty_string_ = true;
        std::optional<double> n = parseNumber(item.text);
        if (!n) {
          out->text_strings_.insert(item.text);
        } else if (!std::isnan(*n)) {
          out->string_numbers_.insert(numberKey(*n));
        }
        break;
      }
      case ExprKind::kInt:
      case ExprKind::kDuration:
        out->ints_.insert(item.int_value);
        out->int_numbers_.insert(numberKey(static_cast<double>(item.int_value)));
        out->number_texts_.insert(toText(item.int_value));
        break;
      case ExprKind::kFloat:
      case ExprKind::kBool: {
        Value v = item.kind == ExprKind::kFloat ? Value(item.float_value) : Value(item.bool_value);
        double d = *toDouble(v);
        // NaN compares unlike any hash lookup (a string number against it is equal): item by
        // item. Literals are finite; this only guards the rule.
        if (std::isnan(d)) return nullptr;
        out->other_numbers_.insert(numberKey(d));
        out->number_texts_.insert(toText(v));
        break;
      }
      case ExprKind::kNil: break;  // null matches nothing
      default: return nullptr;
    }
  }
  return out;
}

// compareValues(x, b) == 0 for some item b, case by case:
// - null x: only '' (null reads as '' against strings; null against a number is no order).
// - string x: equal strings; a number item when x is a number (not NaN) of the same value, else
//   when x is the item's text.
// - int x: equal int items exactly; float/bool items and number strings as doubles; strings
//   that are not numbers against x's text.
// - float/bool x: any number item or number string as doubles; a NaN x against a number string
//   is neither less nor greater, so equal; strings that are not numbers against x's text.
bool ConstInList::contains(const Value& a) const {
  if (isNull(a)) return has_empty_string_;
  if (const auto* s = std::get_if<std::string>(&a)) {
    if (strings_.count(*s) != 0) return true;
    std::optional<double> n = parseNumber(*s);
    if (!n) return number_texts_.count(*s) != 0;
    if (std::isnan(*n)) return false;
    return int_numbers_.count(numberKey(*n)) != 0 || other_numbers_.count(numberKey(*n)) != 0;
  }
  if (!text_strings_.empty() && text_strings_.count(toText(a)) != 0) return true;
  if (const auto* i = std::get_if<std::int64_t>(&a)) {
    if (ints_.count(*i) != 0) return true;
    double d = numberKey(static_cast<double>(*i));
    return other_numbers_.count(d) != 0 || string_numbers_.count(d) != 0;
  }
  double d = *toDouble(a);
  if (std::isnan(d)) return !string_numbers_.empty();
  d = numberKey(d);
  return int_numbers_.count(d) != 0 || other_numbers_.count(d) != 0 ||
         string_numbers_.count(d) != 0;
}

void ExprEvaluator::prepareInLists(const dql::Query& q) {
  auto exprs = [&](const std::vector<Expr>& v) {
    for (const Expr& e : v) prepareInLists(e);
  };
  exprs(q.targets);
  exprs(q.args);
  exprs(q.by);
  for (const std::optional<Expr>* e : {&q.filter, &q.having, &q.join_on}) {
    if (e->has_value()) prepareInLists(**e);
  }
  for (const dql::OrderKey& k : q.order_by) prepareInLists(k.expr);
  for (const dql::OrderKey& k : q.sorder_by) prepareInLists(k.expr);
  for (const dql::Source& s : q.sources) {
    if (s.subquery) prepareInLists(*s.subquery);
  }
  for (const dql::Query& j : q.joined) prepareInLists(j);
}

void ExprEvaluator::prepareInLists(const Expr& e) {
  if (e.kind == ExprKind::kIn && e.args.size() == 2 && e.args[1].kind == ExprKind::kList &&
      in_lists_.count(&e) == 0) {
    if (std::unique_ptr<ConstInList> l = ConstInList::make(e.args[1].args)) {
      in_lists_.emplace(&e, std::move(l));
    }
  }
  for (const Expr& a : e.args) prepareInLists(a);
  if (e.query) prepareInLists(*e.query);
}

Value ExprEvaluator::inList(const Expr& e, const Resolver& r) {
  Value a = nameOrValue(e.args[0], r);
  if (!in_lists_.empty()) {
    auto it = in_lists_.find(&e);
    if (it != in_lists_.end()) {
      bool found = it->second->contains(a);
      return e.negated ? !found : found;
    }
  }
  bool found = false;
  for (const Expr& item : e.args[1].args) {
    Value b = eval(item, r);
    Value x = a;
    if (isNull(x) && std::holds_alternative<std::string>(b)) x = std::string();
    std::optional<int> c = compareValues(x, b);
    if (c && *c == 0) {
      found = true;
      break;
    }
  }
  return e.negated ? !found : found;
}

Value ExprEvaluator::callScalar(const Expr& e, const Resolver& r) {
  const std::string& f = e.text;
  auto num = [&](std::size_t i) -> std::optional<double> {
    if (i >= e.args.size()) return std::nullopt;
    return toDouble(eval(e.args[i], r));
  };
  if (f == "match" && e.args.size() == 1) return r.fullText(toText(eval(e.args[0], r)));
  if (f == "exists" && e.args.size() == 1) return !isNull(nameOrValue(e.args[0], r));
  if (f == "wildcard" || f == "query_string") {
    fail(at(e.pos) + f + "() is only supported as the right side of = or != (" + dql::toString(e) +
         ")");
    return std::monostate{};
  }
  if ((f == "int" || f == "float") && e.args.size() == 1) {
    Value v = nameOrValue(e.args[0], r);
    std::optional<double> d = toDouble(v);
    if (!d) {
      if (const auto* s = std::get_if<std::string>(&v)) {
        double x = 0;
        auto res = std::from_chars(s->data(), s->data() + s->size(), x);
        if (res.ec == std::errc() && res.ptr == s->data() + s->size()) d = x;
      }
    }
    if (!d) return std::monostate{};
    if (f == "int") return clampToInt64(*d);
    return *d;
  }
  static const std::set<std::string, std::less<>> kUnary = {"abs",  "ceil", "floor", "log10",
                                                            "log2", "sqrt", "exp",   "ln"};
  if (kUnary.count(f) && e.args.size() == 1) {
    Value v = eval(e.args[0], r);
    if (f == "abs") {
      if (const auto* i = std::get_if<std::int64_t>(&v)) {
        if (*i != INT64_MIN) return *i < 0 ? -*i : *i;
      }
    }
    std::optional<double> d = toDouble(v);
    if (!d) return std::monostate{};
    if (f == "abs") return std::fabs(*d);
    if (f == "ceil") return std::ceil(*d);
    if (f == "floor") return std::floor(*d);
    if (f == "log10") return std::log10(*d);
    if (f == "log2") return std::log2(*d);
    if (f == "sqrt") return std::sqrt(*d);
    if (f == "exp") return std::exp(*d);
    return std::log(*d);
  }
  if (f == "log" && (e.args.size() == 1 || e.args.size() == 2)) {
    std::optional<double> d = num(0);
    if (!d) return std::monostate{};
    if (e.args.size() == 1) return std::log(*d);
    std::optional<double> base = num(1);
    if (!base) return std::monostate{};
    return std::log(*d) / std::log(*base);
  }
  if (f == "round" && (e.args.size() == 1 || e.args.size() == 2)) {
    std::optional<double> d = num(0);
    if (!d) return std::monostate{};
    double digits = e.args.size() == 2 ? num(1).value_or(0) : 0;
    double scale = std::pow(10.0, digits);
    return std::round(*d * scale) / scale;
  }
  fail(at(e.pos) + "unsupported function " + f + "() in an expression (" + dql::toString(e) + ")");
  return std::monostate{};
}

Value ExprEvaluator::eval(const Expr& e, const Resolver& r) {
  switch (e.kind) {
    case ExprKind::kIdent: return r.name(e.text);
    case ExprKind::kString: return e.text;
    case ExprKind::kInt: return e.int_value;
    case ExprKind::kFloat: return e.float_value;
    case ExprKind::kBool: return e.bool_value;
    case ExprKind::kNil: return std::monostate{};
    case ExprKind::kDuration: return e.int_value;
    case ExprKind::kStar: return std::monostate{};
    case ExprKind::kRegex: return e.text;
    case ExprKind::kVar:
      fail(at(e.pos) + "dashboard variable #{" + e.text + "} has no value");
      return std::monostate{};
    case ExprKind::kAlias: return eval(e.args[0], r);
    case ExprKind::kUnary: {
      if (e.op == Op::kNot) return !truthy(eval(e.args[0], r));
      Value v = eval(e.args[0], r);
      return arith(Op::kSub, std::int64_t{0}, v);
    }
    case ExprKind::kIn: return inList(e, r);
    case ExprKind::kBinary:
      switch (e.op) {
        case Op::kAnd: return test(e.args[0], r) && test(e.args[1], r);
        case Op::kOr: return test(e.args[0], r) || test(e.args[1], r);
        case Op::kEq:
        case Op::kNe:
        case Op::kLt:
        case Op::kLe:
        case Op::kGt:
        case Op::kGe: return compare(e, r);
        default: return arith(e.op, eval(e.args[0], r), eval(e.args[1], r));
      }
    case ExprKind::kCall: {
      if (std::optional<Value> v = r.call(e)) return std::move(*v);
      return callScalar(e, r);
    }
    case ExprKind::kList:
    case ExprKind::kQuery:
      fail(at(e.pos) + "unexpected " + dql::toString(e) + " in an expression");
      return std::monostate{};
  }
  return std::monostate{};
}

}  // namespace sextant::query::dql_exec

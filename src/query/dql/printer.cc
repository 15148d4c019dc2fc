// Canonical DQL printing (see docs/dql.md, "Canonical form"). Parenthesises by precedence only
// where the parser needs it, so parse(toString(q)) == q.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "query/dql/dql.h"
#include "query/dql/lexer.h"

namespace sextant::query::dql {
namespace {

// Precedence levels, loosest first (mirrors parser.cc).
enum Prec : int {
  kPrecOr = 1,
  kPrecAnd = 2,
  kPrecNot = 3,
  kPrecCmp = 4,
  kPrecAdd = 5,
  kPrecMul = 6,
  kPrecUnary = 7,
  kPrecPow = 8,
  kPrecPrimary = 9,
};

// A name the lexer reads back as one bare identifier.
bool isBareName(std::string_view s) {
  if (s.empty() || isReservedWord(s)) return false;
  bool seg_start = true;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (seg_start || i + 1 == s.size()) return false;
      seg_start = true;
      continue;
    }
    if (!isIdentByte(c)) return false;
    if (seg_start && c >= '0' && c <= '9') return false;
    seg_start = false;
  }
  return true;
}

void appendQuoted(std::string* out, std::string_view s, char quote) {
  out->push_back(quote);
  for (char c : s) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      default:
        if (c == quote) out->push_back('\\');
        out->push_back(c);
    }
  }
  out->push_back(quote);
}

void appendName(std::string* out, std::string_view s) {
  if (isBareName(s)) {
    *out += s;
  } else if (s.find('`') == std::string_view::npos) {
    *out += '`';
    *out += s;
    *out += '`';
  } else {
    *out += "identifier(";
    appendQuoted(out, s, '"');
    *out += ')';
  }
}

// An alias: like a name, but AS takes a string where a backtick name cannot hold the text.
void appendAlias(std::string* out, std::string_view s) {
  if (s.find('`') == std::string_view::npos) {
    appendName(out, s);
  } else {
    appendQuoted(out, s, '\'');
  }
}

std::string durationText(int64_t ns) {
  std::string out;
  uint64_t v;
  if (ns < 0) {
    out = "-";
    v = static_cast<uint64_t>(0) - static_cast<uint64_t>(ns);
  } else {
    v = static_cast<uint64_t>(ns);
  }
  if (v == 0) return "0s";
  struct Unit {
    uint64_t ns;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{7 * 86400'000'000'000ull, "w"},
                                    {86400'000'000'000ull, "d"},
                                    {3600'000'000'000ull, "h"},
                                    {60'000'000'000ull, "m"},
                                    {1000'000'000ull, "s"},
                                    {1000'000ull, "ms"},
                                    {1000ull, "us"},
                                    {1ull, "ns"}};
  for (const auto& u : kUnits) {
    if (v % u.ns == 0) {
      out += std::to_string(v / u.ns);
      out += u.name;
      break;
    }
  }
  return out;
}

std::string floatText(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

int precOf(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kInt:
    case ExprKind::kDuration: return e.int_value < 0 ? kPrecUnary : kPrecPrimary;
    case ExprKind::kFloat: return std::signbit(e.float_value) ? kPrecUnary : kPrecPrimary;
    case ExprKind::kUnary: return e.op == Op::kNot ? kPrecNot : kPrecUnary;
    case ExprKind::kIn: return kPrecCmp;
    case ExprKind::kAlias: return 0;
    case ExprKind::kBinary:
      switch (e.op) {
        case Op::kOr: return kPrecOr;
        case Op::kAnd: return kPrecAnd;
        case Op::kAdd:
        case Op::kSub: return kPrecAdd;
        case Op::kMul:
        case Op::kDiv:
        case Op::kMod: return kPrecMul;
        case Op::kPow: return kPrecPow;
        default: return kPrecCmp;
      }
    default: return kPrecPrimary;
  }
}

const char* opText(Op op) {
  switch (op) {
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kMod: return "%";
    case Op::kPow: return "^";
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kAnd: return "AND";
    case Op::kOr: return "OR";
    case Op::kNeg: return "-";
    case Op::kNot: return "NOT";
    case Op::kNone: break;
  }
  return "?";
}

void printQuery(std::string* out, const Query& q);
void printExpr(std::string* out, const Expr& e, int min_prec);

// Whether parse() reads argument i of call statement `func` as a DQL query when it is written as
// a string or bare (see parseArgs in parser.cc).
bool isQueryPosition(const std::string& func, const std::vector<std::string>& names, size_t i) {
  if (func.rfind("show_", 0) == 0) return false;
  if (func == "eval") return !names[i].empty() && names[i] != "alias";
  if (!names[i].empty()) return names[i] == "dql";
  for (size_t k = 0; k < i; ++k) {
    if (names[k].empty()) return false;  // not the first positional argument
  }
  return true;
}

// `statement_func` is the function of a call statement, or nullptr for calls in expressions.
void printArgs(std::string* out, const std::vector<Expr>& args,
               const std::vector<std::string>& names, size_t from,
               const std::string* statement_func) {
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) *out += ", ";
    const bool named = i < names.size() && !names[i].empty();
    if (named) {
      *out += names[i];
      *out += '=';
    }
    std::string text;
    printExpr(&text, args[i], 0);
    // Text that would read back differently gets parentheses: a positional `name = ...` (it
    // would become a named argument) and, where a query is expected, anything starting like a
    // query string or a nested call (`'..'`, `` `..` ``, `f(`).
    size_t n = 0;
    while (n < text.size() &&
           (isIdentByte(static_cast<unsigned char>(text[n])) || text[n] == '.')) {
      ++n;
    }
    bool wrap = !named && n > 0 && text.compare(n, 3, " = ") == 0;
    if (statement_func != nullptr && args[i].kind != ExprKind::kQuery && i < names.size() &&
        isQueryPosition(*statement_func, names, i)) {
      wrap = wrap || (!text.empty() && (text[0] == '\'' || text[0] == '"' || text[0] == '`')) ||
             (n > 0 && n < text.size() && text[n] == '(');
    }
    if (!wrap) {
      *out += text;
    } else if (args[i].kind == ExprKind::kAlias && !args[i].args.empty()) {
      *out += '(';
      printExpr(out, args[i].args[0], 0);
      *out += ") AS ";
      appendAlias(out, args[i].text);
    } else {
      *out += '(' + text + ')';
    }
  }
}

bool hasClauses(const Query& q) {
  return q.filter || q.time || !q.by.empty() || q.having || !q.order_by.empty() || q.limit ||
         q.offset || !q.sorder_by.empty() || q.slimit || q.soffset || q.tz;
}

// A call whose first argument is a clause-free call query prints as a chain: `a("..").b()`.
bool isChain(const Query& q) {
  if (q.args.empty() || !q.arg_names[0].empty() || q.args[0].kind != ExprKind::kQuery) {
    return false;
  }
  const Query& r = *q.args[0].query;
  return r.kind == Query::Kind::kCall && !hasClauses(r);
}

void printCall(std::string* out, const Query& q) {
  size_t from = 0;
  if (isChain(q)) {
    printCall(out, *q.args[0].query);
    *out += '.';
    from = 1;
  }
  *out += q.func;
  *out += '(';
  printArgs(out, q.args, q.arg_names, from, &q.func);
  *out += ')';
}

void printExpr(std::string* out, const Expr& e, int min_prec) {
  int prec = precOf(e);
  bool paren = prec < min_prec;
  if (paren) *out += '(';
  switch (e.kind) {
    case ExprKind::kIdent: appendName(out, e.text); break;
    case ExprKind::kString: appendQuoted(out, e.text, '\''); break;
    case ExprKind::kInt: *out += std::to_string(e.int_value); break;
    case ExprKind::kFloat: *out += floatText(e.float_value); break;
    case ExprKind::kBool: *out += e.bool_value ? "true" : "false"; break;
    case ExprKind::kNil: *out += "nil"; break;
    case ExprKind::kDuration: *out += durationText(e.int_value); break;
    case ExprKind::kRegex:
      *out += "re(";
      appendQuoted(out, e.text, '\'');
      *out += ')';
      break;
    case ExprKind::kStar: *out += '*'; break;
    case ExprKind::kVar:
      *out += "#{";
      *out += e.text;
      *out += '}';
      break;
    case ExprKind::kList:
      *out += '[';
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) *out += ", ";
        printExpr(out, e.args[i], 0);
      }
      *out += ']';
      break;
    case ExprKind::kCall:
      *out += e.text;
      *out += '(';
      printArgs(out, e.args, e.arg_names, 0, nullptr);
      *out += ')';
      break;
    case ExprKind::kUnary:
      if (e.op == Op::kNot) {
        *out += "NOT ";
        if (!e.args.empty()) printExpr(out, e.args[0], kPrecNot);
      } else {
        *out += '-';
        if (!e.args.empty()) printExpr(out, e.args[0], kPrecUnary);
      }
      break;
    case ExprKind::kBinary: {
      if (e.args.size() != 2) break;
      int lp = prec, rp = prec + 1;
      if (prec == kPrecCmp) {
        lp = rp = kPrecAdd;
      } else if (prec == kPrecPow) {
        lp = kPrecPrimary;
        rp = kPrecUnary;
      }
      printExpr(out, e.args[0], lp);
      *out += ' ';
      *out += opText(e.op);
      *out += ' ';
      printExpr(out, e.args[1], rp);
      break;
    }
    case ExprKind::kIn:
      if (e.args.size() != 2) break;
      printExpr(out, e.args[0], kPrecAdd);
      *out += e.negated ? " NOT IN " : " IN ";
      printExpr(out, e.args[1], kPrecPrimary);
      break;
    case ExprKind::kAlias:
      if (!e.args.empty()) printExpr(out, e.args[0], 1);
      *out += " AS ";
      appendAlias(out, e.text);
      break;
    case ExprKind::kQuery:
      if (e.query) appendQuoted(out, toString(*e.query), '"');
      break;
  }
  if (paren) *out += ')';
}

// Top-level filter: the left spine of ANDs prints as commas.
void printFilter(std::string* out, const Expr& e) {
  if (e.kind == ExprKind::kBinary && e.op == Op::kAnd && e.args.size() == 2) {
    printFilter(out, e.args[0]);
    *out += ", ";
    printExpr(out, e.args[1], kPrecOr);
    return;
  }
  printExpr(out, e, kPrecOr);
}

void printBound(std::string* out, const TimeBound& b) {
  switch (b.kind) {
    case TimeBound::Kind::kNone: break;
    case TimeBound::Kind::kRelative:
      if (b.value < 0) {
        *out += durationText(-b.value);
      } else {
        *out += "now()";
        if (b.value > 0) {
          *out += '+';
          *out += durationText(b.value);
        }
      }
      break;
    case TimeBound::Kind::kAbsolute:
      if (b.value % 1000 == 0 && b.value / 1000 < 100'000'000'000) {
        *out += std::to_string(b.value / 1000);
      } else {
        *out += std::to_string(b.value);
      }
      break;
  }
}

void printOrderKeys(std::string* out, const std::vector<OrderKey>& keys) {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) *out += ", ";
    printExpr(out, keys[i].expr, 0);
    if (keys[i].dir == OrderKey::Dir::kAsc) *out += " ASC";
    if (keys[i].dir == OrderKey::Dir::kDesc) *out += " DESC";
  }
}

void appendCount(std::string* out, const char* keyword, const std::optional<int64_t>& n) {
  if (!n) return;
  *out += keyword;
  *out += std::to_string(*n);
}

void printClauses(std::string* out, const Query& q) {
  if (q.filter) {
    *out += " {";
    printFilter(out, *q.filter);
    *out += '}';
  }
  if (q.time) {
    *out += ' ';
    *out += toString(*q.time);
  }
  if (!q.by.empty()) {
    *out += " BY ";
    for (size_t i = 0; i < q.by.size(); ++i) {
      if (i > 0) *out += ", ";
      printExpr(out, q.by[i], 0);
    }
  }
  if (q.having) {
    *out += " HAVING ";
    printExpr(out, *q.having, 0);
  }
  if (!q.order_by.empty()) {
    *out += " ORDER BY ";
    printOrderKeys(out, q.order_by);
  }
  appendCount(out, " LIMIT ", q.limit);
  appendCount(out, " OFFSET ", q.offset);
  if (!q.sorder_by.empty()) {
    *out += " SORDER BY ";
    printOrderKeys(out, q.sorder_by);
  }
  appendCount(out, " SLIMIT ", q.slimit);
  appendCount(out, " SOFFSET ", q.soffset);
  if (q.tz) {
    *out += " tz(";
    appendQuoted(out, *q.tz, '\'');
    *out += ')';
  }
}

void printQuery(std::string* out, const Query& q) {
  if (q.kind == Query::Kind::kCall) {
    printCall(out, q);
    printClauses(out, q);
    return;
  }
  *out += namespaceName(q.ns);
  if (q.index) {
    *out += '(';
    appendQuoted(out, *q.index, '\'');
    *out += ')';
  }
  *out += "::";
  for (size_t i = 0; i < q.sources.size(); ++i) {
    if (i > 0) *out += ',';
    const Source& s = q.sources[i];
    switch (s.kind) {
      case Source::Kind::kName:
        if (s.name == "*" || isBareName(s.name)) {
          *out += s.name;
        } else if (s.name.find('`') == std::string::npos) {
          *out += '`' + s.name + '`';
        } else {
          appendQuoted(out, s.name, '\'');
        }
        break;
      case Source::Kind::kRegex:
        *out += "re(";
        appendQuoted(out, s.name, '\'');
        *out += ')';
        break;
      case Source::Kind::kSubquery:
        *out += '(';
        if (s.subquery) printQuery(out, *s.subquery);
        *out += ')';
        break;
    }
  }
  if (q.has_targets) {
    *out += ":(";
    for (size_t i = 0; i < q.targets.size(); ++i) {
      if (i > 0) *out += ", ";
      printExpr(out, q.targets[i], 0);
    }
    *out += ')';
  }
  printClauses(out, q);
  if (q.join != Query::Join::kNone) {
    for (const Query& j : q.joined) {
      *out += q.join == Query::Join::kFilter ? " FILTER " : " LINK ";
      printQuery(out, j);
    }
    *out += " WITH {";
    if (q.join_on) printFilter(out, *q.join_on);
    *out += '}';
  }
}

}  // namespace

std::string toString(const TimeRange& t) {
  std::string parts[4];
  printBound(&parts[0], t.start);
  printBound(&parts[1], t.end);
  if (t.interval_auto) {
    parts[2] = "auto";
  } else if (t.interval_ns) {
    parts[2] = durationText(*t.interval_ns);
  }
  parts[3] = t.rollup;
  int n = 4;
  while (n > 1 && parts[n - 1].empty()) --n;
  std::string out = "[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ':';
    out += parts[i];
  }
  out += ']';
  return out;
}

std::string toString(const Expr& e) {
  std::string out;
  printExpr(&out, e, 0);
  return out;
}

std::string toString(const Query& q) {
  std::string out;
  printQuery(&out, q);
  return out;
}

}  // namespace sextant::query::dql

#include "query/promql/parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

#include "query/promql/functions.h"
#include "query/promql/lexer.h"
#include "query/promql/text.h"

namespace sextant::query::promql {
namespace {

// Binding powers of the binary operators (Prometheus' yacc precedence declarations).
constexpr int kPrecOr = 1;
constexpr int kPrecAnd = 2;  // and, unless
constexpr int kPrecCmp = 3;
constexpr int kPrecAdd = 4;
constexpr int kPrecMul = 5;  // * / % atan2; also unary - and +
constexpr int kPrecPow = 6;

std::optional<BinOp> binOpOf(Tok t) {
  switch (t) {
    case Tok::kAdd: return BinOp::kAdd;
    case Tok::kSub: return BinOp::kSub;
    case Tok::kMul: return BinOp::kMul;
    case Tok::kDiv: return BinOp::kDiv;
    case Tok::kMod: return BinOp::kMod;
    case Tok::kPow: return BinOp::kPow;
    case Tok::kAtan2: return BinOp::kAtan2;
    case Tok::kEqlc: return BinOp::kEql;
    case Tok::kNeq: return BinOp::kNeq;
    case Tok::kGtr: return BinOp::kGtr;
    case Tok::kLss: return BinOp::kLss;
    case Tok::kGte: return BinOp::kGte;
    case Tok::kLte: return BinOp::kLte;
    case Tok::kLand: return BinOp::kAnd;
    case Tok::kLor: return BinOp::kOr;
    case Tok::kLunless: return BinOp::kUnless;
    default: return std::nullopt;
  }
}

int precedence(BinOp op) {
  switch (op) {
    case BinOp::kOr: return kPrecOr;
    case BinOp::kAnd:
    case BinOp::kUnless: return kPrecAnd;
    case BinOp::kEql:
    case BinOp::kNeq:
    case BinOp::kGtr:
    case BinOp::kLss:
    case BinOp::kGte:
    case BinOp::kLte: return kPrecCmp;
    case BinOp::kAdd:
    case BinOp::kSub: return kPrecAdd;
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kMod:
    case BinOp::kAtan2: return kPrecMul;
    case BinOp::kPow: return kPrecPow;
  }
  return kPrecOr;
}

std::optional<AggOp> aggOpOf(Tok t) {
  switch (t) {
    case Tok::kSum: return AggOp::kSum;
    case Tok::kAvg: return AggOp::kAvg;
    case Tok::kCount: return AggOp::kCount;
    case Tok::kMin: return AggOp::kMin;
    case Tok::kMax: return AggOp::kMax;
    case Tok::kGroup: return AggOp::kGroup;
    case Tok::kStddev: return AggOp::kStddev;
    case Tok::kStdvar: return AggOp::kStdvar;
    case Tok::kTopk: return AggOp::kTopk;
    case Tok::kBottomk: return AggOp::kBottomk;
    case Tok::kCountValues: return AggOp::kCountValues;
    case Tok::kQuantile: return AggOp::kQuantile;
    default: return std::nullopt;
  }
}

// Tokens that may name a metric (Prometheus' metric_identifier rule).
bool isMetricIdentifier(Tok t) {
  switch (t) {
    case Tok::kIdentifier:
    case Tok::kMetricIdentifier:
    case Tok::kBy:
    case Tok::kWithout:
    case Tok::kLand:
    case Tok::kLor:
    case Tok::kLunless:
    case Tok::kOffset:
    case Tok::kStart:
    case Tok::kEnd: return true;
    default: return isAggregator(t);
  }
}

// Tokens that may be a label in by/without/on/ignoring/group_x lists (the maybe_label rule).
bool isMaybeLabel(Tok t) {
  switch (t) {
    case Tok::kIdentifier:
    case Tok::kMetricIdentifier:
    case Tok::kLand:
    case Tok::kLor:
    case Tok::kLunless:
    case Tok::kAtan2:
    case Tok::kStart:
    case Tok::kEnd: return true;
    default: return isAggregator(t) || isKeyword(t);
  }
}

bool isLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Go's strconv.ParseInt(s, 0, 64) for the forms the lexer produces (decimal, 0x hex, 0 octal).
std::optional<int64_t> parseIntBase0(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Go's fmt %f: 6 decimals, "+Inf", "-Inf", "NaN".
std::string goFormatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in), lex_(in) { advance(); }

  ExprPtr parseTop() {
    if (tok_.type == Tok::kEof) {
      semanticError(0, "no expression found in input");
      return nullptr;
    }
    ExprPtr e = parseExpr(0);
    if (e == nullptr) return nullptr;
    if (tok_.type != Tok::kEof) {
      unexpected("", "");
      return nullptr;
    }
    if (error_.has_value()) return nullptr;
    check(*e);
    if (error_.has_value()) return nullptr;
    return e;
  }

  const std::optional<ParseError>& error() const { return error_; }

 private:
  void advance() {
    prev_end_ = tok_.pos + static_cast<uint32_t>(tok_.text.size());
    tok_ = lex_.next();
    if (tok_.type == Tok::kError) semanticError(tok_.pos, std::string(tok_.text));
  }

  // Records an error unless one was recorded already (Prometheus reports the first).
  void semanticError(uint32_t pos, std::string msg) {
    if (error_.has_value()) return;
    ParseError e;
    e.offset = pos;
    e.message = std::move(msg);
    error_ = std::move(e);
  }

  // A syntax error at the current token: "unexpected <token>[ in <context>][, expected <what>]".
  // Inside an aggregation's modifier and body, errors without a closer context get
  // " in aggregation" (Prometheus' `aggregate_op error` rule catches them).
  void unexpected(std::string_view context, std::string_view expected) {
    if (tok_.type == Tok::kError) return;  // the lexer error is already recorded
    if (context.empty() && agg_depth_ > 0) context = "aggregation";
    std::string msg = "unexpected " + describeToken(tok_);
    if (!context.empty()) {
      msg += " in ";
      msg += context;
    }
    if (!expected.empty()) {
      msg += ", expected ";
      msg += expected;
    }
    semanticError(tok_.pos, std::move(msg));
  }

  // Bounds the height of the tree; false (with an error) when exceeded.
  bool checkHeight(uint32_t height, uint32_t pos) {
    if (height <= kMaxDepth) return true;
    semanticError(
        pos, "expression nesting is too deep (more than " + std::to_string(kMaxDepth) + " levels)");
    return false;
  }

  ExprPtr parseExpr(int min_prec) {
    if (++depth_ > kMaxDepth) {
      semanticError(tok_.pos, "expression nesting is too deep (more than " +
                                  std::to_string(kMaxDepth) + " levels)");
      return nullptr;
    }
    ExprPtr lhs = parseUnary();
    while (lhs != nullptr) {
      if (tok_.type == Tok::kLeftBracket) {
        lhs = parseRangeOrSubquery(std::move(lhs));
        continue;
      }
      if (tok_.type == Tok::kOffset) {
        lhs = parseOffset(std::move(lhs));
        continue;
      }
      if (tok_.type == Tok::kAt) {
        lhs = parseAt(std::move(lhs));
        continue;
      }
      std::optional<BinOp> op = binOpOf(tok_.type);
      if (!op.has_value()) break;
      int prec = precedence(*op);
      if (prec < min_prec) break;
      uint32_t op_pos = tok_.pos;
      advance();
      BinaryExpr b;
      b.op = *op;
      b.op_pos = op_pos;
      b.matching = std::make_unique<VectorMatching>();
      if (!parseBinModifiers(b)) return nullptr;
      ExprPtr rhs = parseExpr(*op == BinOp::kPow ? prec : prec + 1);
      if (rhs == nullptr) return nullptr;
      PosRange pos{lhs->pos.start, rhs->pos.end};
      uint32_t height = std::max(lhs->height, rhs->height) + 1;
      if (!checkHeight(height, op_pos)) return nullptr;
      b.lhs = std::move(lhs);
      b.rhs = std::move(rhs);
      lhs = makeExpr(pos, std::move(b), height);
    }
    --depth_;
    return lhs;
  }

  // bool? (on|ignoring) (labels) (group_left|group_right) (labels)?
  bool parseBinModifiers(BinaryExpr& b) {
    if (tok_.type == Tok::kBool) {
      b.return_bool = true;
      advance();
    }
    if (tok_.type != Tok::kOn && tok_.type != Tok::kIgnoring) return true;
    b.matching->on = tok_.type == Tok::kOn;
    advance();
    if (!parseGroupingLabels(&b.matching->matching_labels)) return false;
    if (tok_.type != Tok::kGroupLeft && tok_.type != Tok::kGroupRight) return true;
    b.matching->card =
        tok_.type == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
    advance();
    if (tok_.type == Tok::kLeftParen) return parseGroupingLabels(&b.matching->include);
    return true;
  }

  // ( label, ... [,] ) -- Prometheus' grouping_labels rule and its messages.
  bool parseGroupingLabels(std::vector<std::string>* out) {
    if (tok_.type != Tok::kLeftParen) {
      unexpected("grouping opts", "\"(\"");
      return false;
    }
    advance();
    if (tok_.type == Tok::kRightParen) {
      advance();
      return true;
    }
    for (;;) {
      if (!isMaybeLabel(tok_.type) || !isLabelName(tok_.text)) {
        unexpected("grouping opts", "label");
        return false;
      }
      out->emplace_back(tok_.text);
      advance();
      if (tok_.type == Tok::kComma) {
        advance();
        if (tok_.type == Tok::kRightParen) break;
        continue;
      }
      if (tok_.type == Tok::kRightParen) break;
      unexpected("grouping opts", "\",\" or \")\"");
      return false;
    }
    advance();
    return true;
  }

  ExprPtr parseUnary() {
    if (tok_.type != Tok::kAdd && tok_.type != Tok::kSub) return parsePrimary();
    bool negate = tok_.type == Tok::kSub;
    uint32_t start = tok_.pos;
    advance();
    ExprPtr operand = parseExpr(kPrecPow);
    if (operand == nullptr) return nullptr;
    if (NumberLiteral* n = operand->as<NumberLiteral>()) {
      if (negate) n->value = -n->value;
      operand->pos.start = start;
      return operand;
    }
    uint32_t height = operand->height + 1;
    if (!checkHeight(height, start)) return nullptr;
    PosRange pos{start, operand->pos.end};
    return makeExpr(pos, UnaryExpr{negate, std::move(operand)}, height);
  }

  ExprPtr parsePrimary() {
    Token t = tok_;
    PosRange pos{t.pos, t.pos + static_cast<uint32_t>(t.text.size())};
    switch (t.type) {
      case Tok::kNumber: {
        double v = parseNumber(t);
        advance();
        return makeExpr(pos, NumberLiteral{v});
      }
      case Tok::kString: {
        std::string v = unquoteToken(t);
        advance();
        return makeExpr(pos, StringLiteral{std::move(v)});
      }
      case Tok::kLeftParen: {
        advance();
        ExprPtr inner = parseExpr(0);
        if (inner == nullptr) return nullptr;
        if (tok_.type != Tok::kRightParen) {
          unexpected("", "");
          return nullptr;
        }
        pos.end = tok_.pos + 1;
        advance();
        uint32_t height = inner->height + 1;
        if (!checkHeight(height, t.pos)) return nullptr;
        return makeExpr(pos, ParenExpr{std::move(inner)}, height);
      }
      case Tok::kLeftBrace: return parseSelector(Token{}, t.pos);
      default: break;
    }
    if (isMetricIdentifier(t.type)) {
      advance();
      if (std::optional<AggOp> agg = aggOpOf(t.type)) {
        if (tok_.type == Tok::kLeftParen || tok_.type == Tok::kBy || tok_.type == Tok::kWithout) {
          return parseAggregation(*agg, t.pos);
        }
      }
      if (t.type == Tok::kIdentifier && tok_.type == Tok::kLeftParen) return parseCall(t);
      return parseSelector(t, t.pos);
    }
    unexpected("", "");
    return nullptr;
  }

  double parseNumber(const Token& t) {
    if (std::optional<int64_t> i = parseIntBase0(t.text)) return static_cast<double>(*i);
    std::string_view s = t.text;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
    bool syntax_ok = p == s.data() + s.size() && ec != std::errc::invalid_argument;
    if (syntax_ok && ec == std::errc::result_out_of_range) {
      // Overflow is an error in Go; underflow is not (strtod tells them apart).
      std::string copy(s);
      v = std::strtod(copy.c_str(), nullptr);
      if (!std::isinf(v)) return v;
      semanticError(t.pos, "error parsing number: strconv.ParseFloat: parsing " + goQuote(s) +
                               ": value out of range");
      return v;
    }
    if (!syntax_ok) {
      semanticError(t.pos, "error parsing number: strconv.ParseFloat: parsing " + goQuote(s) +
                               ": invalid syntax");
      return 0;
    }
    return v;
  }

  std::string unquoteToken(const Token& t) {
    std::optional<std::string> v = unquote(t.text);
    if (!v.has_value()) {
      semanticError(t.pos, "error unquoting string " + goQuote(t.text) + ": invalid syntax");
      return {};
    }
    return std::move(*v);
  }

  // Prometheus' parseDuration: model.ParseDuration, and zero is not a duration.
  int64_t parseDurationToken(const Token& t) {
    std::string err;
    std::optional<int64_t> d = parseDuration(t.text, &err);
    if (!d.has_value()) {
      semanticError(t.pos, err);
      return 0;
    }
    if (*d == 0) semanticError(t.pos, "duration must be greater than 0");
    return *d;
  }

  // [name] [{matchers}]; `name` is an empty token for a bare {..}.
  ExprPtr parseSelector(const Token& name, uint32_t start) {
    VectorSelector vs;
    vs.name = std::string(name.text);
    PosRange pos{start, start + static_cast<uint32_t>(name.text.size())};
    if (tok_.type == Tok::kLeftBrace) {
      if (!parseMatchers(&vs.matchers)) return nullptr;
      pos.end = prev_end_;
    }
    if (!vs.name.empty()) {
      vs.matchers.push_back(LabelMatcher{"__name__", MatchOp::kEqual, vs.name, nullptr});
    }
    return makeExpr(pos, std::move(vs));
  }

  // { name op "value", ... [,] } -- Prometheus' label_matchers rule and its messages.
  bool parseMatchers(std::vector<LabelMatcher>* out) {
    advance();  // {
    if (tok_.type == Tok::kRightBrace) {
      advance();
      return true;
    }
    for (;;) {
      if (tok_.type != Tok::kIdentifier) {
        unexpected("label matching", "identifier or \"}\"");
        return false;
      }
      Token name = tok_;
      advance();
      MatchOp op;
      switch (tok_.type) {
        case Tok::kEql: op = MatchOp::kEqual; break;
        case Tok::kNeq: op = MatchOp::kNotEqual; break;
        case Tok::kEqlRegex: op = MatchOp::kRegexMatch; break;
        case Tok::kNeqRegex: op = MatchOp::kRegexNoMatch; break;
        default: unexpected("label matching", "label matching operator"); return false;
      }
      advance();
      if (tok_.type != Tok::kString) {
        unexpected("label matching", "string");
        return false;
      }
      LabelMatcher m{std::string(name.text), op, unquoteToken(tok_), nullptr};
      if (op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch) {
        RE2::Options opts;
        opts.set_log_errors(false);
        auto re = std::make_shared<RE2>("^(?:" + m.value + ")$", opts);
        if (!re->ok()) {
          semanticError(name.pos, "error parsing regexp: " + re->error());
        }
        m.regex = std::move(re);
      }
      out->push_back(std::move(m));
      advance();
      if (tok_.type == Tok::kComma) {
        advance();
        if (tok_.type == Tok::kRightBrace) break;
        continue;
      }
      if (tok_.type == Tok::kRightBrace) break;
      unexpected("label matching", "\",\" or \"}\"");
      return false;
    }
    advance();
    return true;
  }

  // ( expr, ... ) of a call or an aggregation; nullopt after a syntax error.
  std::optional<std::vector<ExprPtr>> parseArgs(uint32_t* height) {
    if (tok_.type != Tok::kLeftParen) {
      unexpected("", "");
      return std::nullopt;
    }
    advance();
    std::vector<ExprPtr> args;
    *height = 1;
    if (tok_.type == Tok::kRightParen) {
      advance();
      return args;
    }
    for (;;) {
      ExprPtr arg = parseExpr(0);
      if (arg == nullptr) return std::nullopt;
      *height = std::max(*height, arg->height + 1);
      args.push_back(std::move(arg));
      if (tok_.type == Tok::kComma) {
        uint32_t comma = tok_.pos;
        advance();
        if (tok_.type == Tok::kRightParen) {
          semanticError(comma, "trailing commas not allowed in function call args");
          break;
        }
        continue;
      }
      if (tok_.type == Tok::kRightParen) break;
      unexpected("", "");
      return std::nullopt;
    }
    advance();
    return args;
  }

  ExprPtr parseCall(const Token& name) {
    uint32_t height = 1;
    std::optional<std::vector<ExprPtr>> args = parseArgs(&height);
    if (!args.has_value()) return nullptr;
    if (!checkHeight(height, name.pos)) return nullptr;
    const Function* f = findFunction(name.text);
    if (f == nullptr) {
      semanticError(name.pos, "unknown function with name " + goQuote(name.text));
    }
    return makeExpr(PosRange{name.pos, prev_end_}, Call{f, std::move(*args)}, height);
  }

  ExprPtr parseAggregation(AggOp op, uint32_t start) {
    AggregateExpr a;
    a.op = op;
    ++agg_depth_;
    bool modifier_first = tok_.type == Tok::kBy || tok_.type == Tok::kWithout;
    if (modifier_first) {
      a.without = tok_.type == Tok::kWithout;
      advance();
      if (!parseGroupingLabels(&a.grouping)) return nullptr;
    }
    uint32_t height = 1;
    std::optional<std::vector<ExprPtr>> args = parseArgs(&height);
    if (!args.has_value()) return nullptr;
    --agg_depth_;
    if (!modifier_first && (tok_.type == Tok::kBy || tok_.type == Tok::kWithout)) {
      a.without = tok_.type == Tok::kWithout;
      advance();
      if (!parseGroupingLabels(&a.grouping)) return nullptr;
    }
    if (!checkHeight(height, start)) return nullptr;
    PosRange pos{start, prev_end_};
    if (args->empty()) {
      semanticError(start, "no arguments for aggregate expression provided");
      return makeExpr(pos, std::move(a), height);
    }
    size_t want = aggOpHasParam(op) ? 2 : 1;
    if (args->size() != want) {
      semanticError(start,
                    "wrong number of arguments for aggregate expression provided, expected " +
                        std::to_string(want) + ", got " + std::to_string(args->size()));
      return makeExpr(pos, std::move(a), height);
    }
    if (want == 2) a.param = std::move((*args)[0]);
    a.expr = std::move(args->back());
    return makeExpr(pos, std::move(a), height);
  }

  ExprPtr parseRangeOrSubquery(ExprPtr lhs) {
    uint32_t open = tok_.pos;
    advance();  // [
    if (tok_.type != Tok::kDuration) {
      unexpected("subquery selector", "duration");
      return nullptr;
    }
    int64_t range = parseDurationToken(tok_);
    advance();
    if (tok_.type == Tok::kRightBracket) {
      PosRange pos{lhs->pos.start, tok_.pos + 1};
      advance();
      VectorSelector* vs = lhs->as<VectorSelector>();
      if (vs == nullptr) {
        semanticError(open, "ranges only allowed for vector selectors");
        return lhs;
      }
      if (vs->offset_ms != 0) {
        semanticError(open, "no offset modifiers allowed before range");
      } else if (vs->at.kind == AtModifier::Kind::kTimestamp) {
        semanticError(open, "no @ modifiers allowed before range");
      }
      return makeExpr(pos, MatrixSelector{std::move(*vs), range});
    }
    if (tok_.type != Tok::kColon) {
      unexpected("subquery or range", "\":\" or \"]\"");
      return nullptr;
    }
    advance();
    int64_t step = 0;
    if (tok_.type == Tok::kDuration) {
      step = parseDurationToken(tok_);
      advance();
      if (tok_.type != Tok::kRightBracket) {
        unexpected("subquery selector", "\"]\"");
        return nullptr;
      }
    } else if (tok_.type != Tok::kRightBracket) {
      unexpected("subquery selector", "duration or \"]\"");
      return nullptr;
    }
    PosRange pos{lhs->pos.start, tok_.pos + 1};
    advance();
    uint32_t height = lhs->height + 1;
    if (!checkHeight(height, open)) return nullptr;
    SubqueryExpr sq;
    sq.expr = std::move(lhs);
    sq.range_ms = range;
    sq.step_ms = step;
    return makeExpr(pos, std::move(sq), height);
  }

  ExprPtr parseOffset(ExprPtr lhs) {
    advance();  // offset
    bool negative = false;
    if (tok_.type == Tok::kSub) {
      negative = true;
      advance();
    }
    if (tok_.type != Tok::kDuration) {
      unexpected("offset", "duration");
      return nullptr;
    }
    int64_t d = parseDurationToken(tok_);
    if (negative) d = -d;
    uint32_t end = tok_.pos + static_cast<uint32_t>(tok_.text.size());
    advance();
    int64_t* target = nullptr;
    if (auto* vs = lhs->as<VectorSelector>()) {
      target = &vs->offset_ms;
    } else if (auto* ms = lhs->as<MatrixSelector>()) {
      target = &ms->selector.offset_ms;
    } else if (auto* sq = lhs->as<SubqueryExpr>()) {
      target = &sq->offset_ms;
    } else {
      semanticError(lhs->pos.start,
                    "offset modifier must be preceded by an instant vector selector or range "
                    "vector selector or a subquery");
      return lhs;
    }
    if (*target != 0) {
      semanticError(lhs->pos.start, "offset may not be set multiple times");
    } else {
      *target = d;
    }
    lhs->pos.end = end;
    return lhs;
  }

  ExprPtr parseAt(ExprPtr lhs) {
    advance();  // @
    AtModifier at;
    if (tok_.type == Tok::kStart || tok_.type == Tok::kEnd) {
      at.kind = tok_.type == Tok::kStart ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
      advance();
      if (tok_.type != Tok::kLeftParen) {
        unexpected("@", "timestamp");
        return nullptr;
      }
      advance();
      if (tok_.type != Tok::kRightParen) {
        unexpected("@", "timestamp");
        return nullptr;
      }
      advance();
    } else {
      bool negative = false;
      if (tok_.type == Tok::kAdd || tok_.type == Tok::kSub) {
        negative = tok_.type == Tok::kSub;
        advance();
      }
      if (tok_.type != Tok::kNumber) {
        unexpected("@", "timestamp");
        return nullptr;
      }
      double ts = parseNumber(tok_);
      if (negative) ts = -ts;
      advance();
      constexpr double kMax = static_cast<double>(std::numeric_limits<int64_t>::max());
      constexpr double kMin = static_cast<double>(std::numeric_limits<int64_t>::min());
      if (std::isinf(ts) || std::isnan(ts) || ts >= kMax || ts <= kMin) {
        semanticError(lhs->pos.start, "timestamp out of bounds for @ modifier: " + goFormatF(ts));
      }
      // timestamp.FromFloatSeconds: int64(math.Round(ts * 1000)); out-of-range conversions give
      // math.MinInt64 as on amd64 (instead of undefined behaviour).
      double ms = std::round(ts * 1000.0);
      at.kind = AtModifier::Kind::kTimestamp;
      at.timestamp_ms = (std::isnan(ms) || ms >= 0x1p63 || ms < -0x1p63)
                            ? std::numeric_limits<int64_t>::min()
                            : static_cast<int64_t>(ms);
    }
    AtModifier* target = nullptr;
    if (auto* vs = lhs->as<VectorSelector>()) {
      target = &vs->at;
    } else if (auto* ms = lhs->as<MatrixSelector>()) {
      target = &ms->selector.at;
    } else if (auto* sq = lhs->as<SubqueryExpr>()) {
      target = &sq->at;
    } else {
      semanticError(lhs->pos.start,
                    "@ modifier must be preceded by an instant vector selector or range vector "
                    "selector or a subquery");
      return lhs;
    }
    if (target->isSet()) {
      semanticError(lhs->pos.start, "@ <timestamp> may not be set multiple times");
      return lhs;
    }
    *target = at;
    lhs->pos.end = prev_end_;
    return lhs;
  }

  // ---- Type checking (Prometheus' checkAST), after a clean parse. ----

  void expectType(Expr& e, ValueType want, std::string_view context) {
    ValueType t = check(e);
    if (t != want) {
      semanticError(e.pos.start, "expected type " + std::string(documentedType(want)) + " in " +
                                     std::string(context) + ", got " +
                                     std::string(documentedType(t)));
    }
  }

  ValueType check(Expr& e) {
    ValueType type = valueType(e);
    if (auto* a = e.as<AggregateExpr>()) {
      expectType(*a->expr, ValueType::kVector, "aggregation expression");
      if (a->op == AggOp::kTopk || a->op == AggOp::kBottomk || a->op == AggOp::kQuantile) {
        expectType(*a->param, ValueType::kScalar, "aggregation parameter");
      }
      if (a->op == AggOp::kCountValues) {
        expectType(*a->param, ValueType::kString, "aggregation parameter");
      }
    } else if (auto* b = e.as<BinaryExpr>()) {
      checkBinary(e, *b);
    } else if (auto* c = e.as<Call>()) {
      checkCall(e, *c);
    } else if (auto* p = e.as<ParenExpr>()) {
      check(*p->expr);
    } else if (auto* u = e.as<UnaryExpr>()) {
      ValueType t = check(*u->expr);
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        semanticError(e.pos.start,
                      "unary expression only allowed on expressions of type scalar or instant "
                      "vector, got " +
                          goQuote(documentedType(t)));
      }
    } else if (auto* sq = e.as<SubqueryExpr>()) {
      ValueType t = check(*sq->expr);
      if (t != ValueType::kVector) {
        static constexpr std::string_view kRaw[] = {"none", "scalar", "vector", "matrix", "string"};
        semanticError(e.pos.start, "subquery is only allowed on instant vector, got " +
                                       std::string(kRaw[static_cast<int>(t)]) + " instead");
      }
    } else if (auto* ms = e.as<MatrixSelector>()) {
      checkSelector(e, ms->selector);
    } else if (auto* vs = e.as<VectorSelector>()) {
      checkSelector(e, *vs);
    }
    return type;
  }

  void checkSelector(const Expr& e, const VectorSelector& vs) {
    if (!vs.name.empty()) {
      // The last matcher is the implicit __name__ one.
      for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name == "__name__") {
          semanticError(e.pos.start, "metric name must not be set twice: " + goQuote(vs.name) +
                                         " or " + goQuote(vs.matchers[i].value));
        }
      }
      return;
    }
    bool not_empty = std::any_of(vs.matchers.begin(), vs.matchers.end(),
                                 [](const LabelMatcher& m) { return !m.matches(""); });
    if (!not_empty) {
      semanticError(e.pos.start, "vector selector must contain at least one non-empty matcher");
    }
  }

  void checkBinary(const Expr& e, BinaryExpr& b) {
    ValueType lt = check(*b.lhs);
    ValueType rt = check(*b.rhs);
    std::string op_quoted = goQuote(binOpString(b.op));
    if (b.return_bool && !isComparison(b.op)) {
      semanticError(b.op_pos, "bool modifier can only be used on comparison operators");
    }
    if (isComparison(b.op) && !b.return_bool && valueType(*b.rhs) == ValueType::kScalar &&
        valueType(*b.lhs) == ValueType::kScalar) {
      semanticError(b.op_pos, "comparisons between scalars must use BOOL modifier");
    }
    VectorMatching* vm = b.matching.get();
    if (isSetOperator(b.op) && vm->card == Cardinality::kOneToOne) {
      vm->card = Cardinality::kManyToMany;
    }
    if (vm->on) {
      for (const std::string& l1 : vm->matching_labels) {
        for (const std::string& l2 : vm->include) {
          if (l1 == l2) {
            semanticError(b.op_pos, "label " + goQuote(l1) +
                                        " must not occur in ON and GROUP clause at once");
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      semanticError(b.lhs->pos.start,
                    "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      semanticError(b.rhs->pos.start,
                    "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!vm->matching_labels.empty()) {
        semanticError(e.pos.start, "vector matching only allowed between instant vectors");
      }
      b.matching.reset();
    } else if (isSetOperator(b.op)) {
      if (vm->card == Cardinality::kOneToMany || vm->card == Cardinality::kManyToOne) {
        semanticError(e.pos.start, "no grouping allowed for " + op_quoted + " operation");
      }
      if (vm->card != Cardinality::kManyToMany) {
        semanticError(e.pos.start, "set operations must always be many-to-many");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && isSetOperator(b.op)) {
      semanticError(e.pos.start,
                    "set operator " + op_quoted + " not allowed in binary scalar expression");
    }
  }

  void checkCall(const Expr& e, Call& c) {
    const Function& f = *c.func;
    size_t nargs = f.arg_types.size();
    if (f.variadic == 0) {
      if (nargs != c.args.size()) {
        semanticError(e.pos.start, "expected " + std::to_string(nargs) +
                                       " argument(s) in call to " + goQuote(f.name) + ", got " +
                                       std::to_string(c.args.size()));
      }
    } else {
      size_t na = nargs - 1;
      if (na > c.args.size()) {
        semanticError(e.pos.start, "expected at least " + std::to_string(na) +
                                       " argument(s) in call to " + goQuote(f.name) + ", got " +
                                       std::to_string(c.args.size()));
      } else if (size_t max = na + static_cast<size_t>(f.variadic);
                 f.variadic > 0 && max < c.args.size()) {
        semanticError(e.pos.start, "expected at most " + std::to_string(max) +
                                       " argument(s) in call to " + goQuote(f.name) + ", got " +
                                       std::to_string(c.args.size()));
      }
    }
    for (size_t i = 0; i < c.args.size(); ++i) {
      size_t k = i;
      if (k >= nargs) {
        if (f.variadic == 0) break;
        k = nargs - 1;
      }
      ValueType t = check(*c.args[i]);
      if (t != f.arg_types[k]) {
        semanticError(c.args[i]->pos.start, "expected type " +
                                                std::string(documentedType(f.arg_types[k])) +
                                                " in call to function " + goQuote(f.name) +
                                                ", got " + std::string(documentedType(t)));
      }
    }
  }

  std::string_view in_;
  Lexer lex_;
  Token tok_;
  uint32_t prev_end_ = 0;  // end offset of the last consumed token
  uint32_t depth_ = 0;
  int agg_depth_ = 0;
  std::optional<ParseError> error_;
};

}  // namespace

std::string ParseError::toString() const {
  std::string pos =
      line == 0 ? "unknown position" : std::to_string(line) + ":" + std::to_string(column);
  return pos + ": parse error: " + message;
}

Result<ExprPtr> parse(std::string_view query, ParseError* error) {
  Parser p(query);
  ExprPtr e = p.parseTop();
  if (e != nullptr) return e;
  ParseError err = p.error().value_or(ParseError{0, 0, 0, "unexpected error"});
  if (!query.empty()) {
    uint32_t off = std::min<uint32_t>(err.offset, static_cast<uint32_t>(query.size()));
    std::string_view before = query.substr(0, off);
    size_t last_nl = before.rfind('\n');
    err.line = static_cast<uint32_t>(std::count(before.begin(), before.end(), '\n')) + 1;
    err.column = last_nl == std::string_view::npos ? off + 1 : off - static_cast<uint32_t>(last_nl);
  }
  Status st = invalidArgument(err.toString());
  if (error != nullptr) *error = std::move(err);
  return st;
}

}  // namespace sextant::query::promql

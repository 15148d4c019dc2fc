// Recursive-descent parser for DQL (see docs/dql.md for the grammar). One Parser per statement;
// the first error wins and turns the current token into kEnd, so every loop unwinds quickly.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "query/dql/dql.h"
#include "query/dql/lexer.h"

namespace sextant::query::dql {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct NsName {
  std::string_view name;
  Namespace ns;
};
constexpr NsName kNamespaces[] = {
    {"m", Namespace::kM},         {"metric", Namespace::kM},
    {"l", Namespace::kL},         {"logging", Namespace::kL},
    {"bl", Namespace::kBL},       {"backup_log", Namespace::kBL},
    {"o", Namespace::kO},         {"object", Namespace::kO},
    {"oh", Namespace::kOH},       {"object_history", Namespace::kOH},
    {"co", Namespace::kCO},       {"custom_object", Namespace::kCO},
    {"coh", Namespace::kCOH},     {"custom_object_history", Namespace::kCOH},
    {"e", Namespace::kE},         {"event", Namespace::kE},
    {"keyevent", Namespace::kE},  {"t", Namespace::kT},
    {"tracing", Namespace::kT},   {"p", Namespace::kP},
    {"profiling", Namespace::kP}, {"r", Namespace::kR},
    {"rum", Namespace::kR},       {"s", Namespace::kS},
    {"security", Namespace::kS},  {"n", Namespace::kN},
    {"network", Namespace::kN},   {"f", Namespace::kF},
    {"func", Namespace::kF},      {"tm", Namespace::kTM},
    {"tsm", Namespace::kTSM},     {"ci", Namespace::kCI},
};

bool lookupNamespace(std::string_view word, Namespace* ns) {
  for (const auto& n : kNamespaces) {
    if (iequals(word, n.name)) {
      *ns = n.ns;
      return true;
    }
  }
  return false;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

Expr makeExpr(ExprKind kind, Pos pos) {
  Expr e;
  e.kind = kind;
  e.pos = pos;
  return e;
}

Expr makeBinary(Op op, Expr l, Expr r) {
  Expr e = makeExpr(ExprKind::kBinary, l.pos);
  e.op = op;
  e.args.push_back(std::move(l));
  e.args.push_back(std::move(r));
  return e;
}

class Parser {
 public:
  Parser(std::string_view src, int depth) : lex_(src), depth_(depth) {}

  Result<Query> parseAll() {
    advance();
    Query q = parseQuery(/*allow_join=*/true);
    if (!failed_ && tok_.kind != Tok::kEnd) fail(tok_.pos, "unexpected " + describe(tok_));
    if (failed_) return err_;
    return q;
  }

 private:
  // Depth guard for every recursive production.
  struct Nest {
    explicit Nest(Parser* p) : p_(p) {
      if (++p_->depth_ > kMaxDepth) p_->fail(p_->tok_.pos, "query nested too deeply");
    }
    ~Nest() { --p_->depth_; }
    Parser* p_;
  };

  bool ok() const { return !failed_; }

  void fail(Pos pos, const std::string& what) {
    if (failed_) return;
    failed_ = true;
    err_ = invalidArgument(std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": " + what);
    tok_ = Token{};
    tok_.pos = pos;
  }

  void advance() {
    if (failed_) return;
    tok_ = lex_.next();
    if (tok_.kind == Tok::kError) {
      failed_ = true;
      err_ = invalidArgument(tok_.text);
      Pos p = tok_.pos;
      tok_ = Token{};
      tok_.pos = p;
    }
  }

  bool is(Tok k) const { return tok_.kind == k; }
  bool isKw(std::string_view kw) const {
    return tok_.kind == Tok::kIdent && iequals(tok_.text, kw);
  }
  // A bare word usable as a function or argument name: not a keyword, not a `@json.path`.
  bool isWord() const {
    return tok_.kind == Tok::kIdent && !isReservedWord(tok_.text) &&
           tok_.text.find('@') == std::string::npos;
  }

  bool accept(Tok k) {
    if (!is(k)) return false;
    advance();
    return true;
  }

  void expect(Tok k, std::string_view what) {
    if (is(k)) {
      advance();
      return;
    }
    fail(tok_.pos, "expected " + std::string(what) + ", got " + describe(tok_));
  }

  // Looks at the token after the current one without consuming anything.
  Token peekNext() {
    Lexer::State s = lex_.state();
    Token t = lex_.next();
    lex_.restore(s);
    return t;
  }

  // Current token starts `NS::` or `NS('index')::`.
  bool atNamespace() {
    if (!is(Tok::kIdent)) return false;
    Namespace ns;
    if (!lookupNamespace(tok_.text, &ns)) {
      return peekNext().kind == Tok::kDoubleColon;  // unknown NS: reported by parseSelect
    }
    Lexer::State s = lex_.state();
    Token t1 = lex_.next();
    bool yes = false;
    if (t1.kind == Tok::kDoubleColon) {
      yes = true;
    } else if (t1.kind == Tok::kLParen) {
      Token t2 = lex_.next();
      Token t3 = lex_.next();
      Token t4 = lex_.next();
      yes = t2.kind == Tok::kString && t3.kind == Tok::kRParen && t4.kind == Tok::kDoubleColon;
    }
    lex_.restore(s);
    return yes;
  }

  // ---- statements -------------------------------------------------------------------------

  Query parseQuery(bool allow_join) {
    Nest nest(this);
    Query q;
    q.pos = tok_.pos;
    if (!ok()) return q;
    if (isWord() && !iequals(tok_.text, "re") && peekNext().kind == Tok::kLParen &&
        !atNamespace()) {
      q = parseCallStatement();
    } else {
      parseSelect(&q);
    }
    parseClauses(&q);
    if (allow_join && q.kind == Query::Kind::kSelect) parseJoin(&q);
    return q;
  }

  void parseSelect(Query* q) {
    q->kind = Query::Kind::kSelect;
    if (atNamespace()) {
      if (!lookupNamespace(tok_.text, &q->ns)) {
        fail(tok_.pos, "unknown namespace '" + tok_.text + "'");
        return;
      }
      advance();
      if (accept(Tok::kLParen)) {
        q->index = tok_.text;
        advance();  // the string (checked by atNamespace)
        expect(Tok::kRParen, "')'");
      }
      expect(Tok::kDoubleColon, "'::'");
    }
    while (ok()) {
      q->sources.push_back(parseSource());
      if (!accept(Tok::kComma)) break;
    }
    if (ok() && q->sources.size() > 1) {
      for (const auto& s : q->sources) {
        if (s.kind == Source::Kind::kSubquery) {
          fail(s.pos, "a subquery cannot have sibling data sources");
          return;
        }
      }
    }
    if (accept(Tok::kColon)) {
      q->has_targets = true;
      expect(Tok::kLParen, "'(' after ':'");
      if (!is(Tok::kRParen)) {
        while (ok()) {
          q->targets.push_back(parseAliased());
          if (!accept(Tok::kComma)) break;
        }
      }
      expect(Tok::kRParen, "',' or ')' in the target list");
    }
  }

  Source parseSource() {
    Source s;
    s.pos = tok_.pos;
    switch (tok_.kind) {
      case Tok::kLParen: {
        advance();
        s.kind = Source::Kind::kSubquery;
        s.subquery = Box<Query>(parseQuery(/*allow_join=*/true));
        expect(Tok::kRParen, "')' after the subquery");
        return s;
      }
      case Tok::kIdent:
        if (iequals(tok_.text, "re") && peekNext().kind == Tok::kLParen) {
          advance();
          advance();
          s.kind = Source::Kind::kRegex;
          if (!is(Tok::kString)) {
            fail(tok_.pos, "expected a string in re(...), got " + describe(tok_));
            return s;
          }
          s.name = tok_.text;
          advance();
          expect(Tok::kRParen, "')'");
          return s;
        }
        if (isReservedWord(tok_.text)) break;
        s.name = tok_.text;
        advance();
        return s;
      case Tok::kQuotedIdent:
      case Tok::kString:
        s.name = tok_.text;
        advance();
        return s;
      case Tok::kStar:
        s.name = "*";
        advance();
        return s;
      case Tok::kRegex:
        s.kind = Source::Kind::kRegex;
        s.name = tok_.text;
        advance();
        return s;
      default: break;
    }
    fail(tok_.pos, "expected a data source, got " + describe(tok_));
    return s;
  }

  Query parseCallStatement() {
    Query q;
    q.kind = Query::Kind::kCall;
    q.pos = tok_.pos;
    q.func = lower(tok_.text);
    advance();
    expect(Tok::kLParen, "'('");
    parseArgs(q.func, /*statement=*/true, &q.args, &q.arg_names);
    expect(Tok::kRParen, "',' or ')' after the arguments");
    while (ok() && is(Tok::kDot)) {
      advance();
      if (!isWord()) {
        fail(tok_.pos, "expected a function name after '.', got " + describe(tok_));
        break;
      }
      Query outer;
      outer.kind = Query::Kind::kCall;
      outer.pos = q.pos;
      outer.func = lower(tok_.text);
      Expr recv = makeExpr(ExprKind::kQuery, q.pos);
      recv.query = Box<Query>(std::move(q));
      outer.args.push_back(std::move(recv));
      outer.arg_names.emplace_back();
      advance();
      expect(Tok::kLParen, "'('");
      parseArgs(outer.func, /*statement=*/true, &outer.args, &outer.arg_names);
      expect(Tok::kRParen, "',' or ')' after the arguments");
      q = std::move(outer);
    }
    return q;
  }

  // The clause ranks give the fixed order; SORDER BY is also accepted after SLIMIT/SOFFSET.
  void parseClauses(Query* q) {
    int last = 0;
    auto order = [&](int rank, Pos pos, std::string_view name) {
      bool late_sorder = rank == 8 && q->sorder_by.empty() && last > 8;
      if (rank <= last && !late_sorder) {
        fail(pos, rank == last || rank == 8 ? "duplicate " + std::string(name)
                                            : std::string(name) +
                                                  " is out of order (the clauses go {filter} "
                                                  "[time] BY HAVING ORDER BY LIMIT OFFSET "
                                                  "SORDER BY SLIMIT SOFFSET tz())");
        return false;
      }
      last = std::max(last, rank);
      return true;
    };
    while (ok()) {
      Pos pos = tok_.pos;
      if (is(Tok::kLBrace)) {
        if (!order(1, pos, "filter {...}")) return;
        q->filter = parseFilterBlock();
      } else if (is(Tok::kLBracket)) {
        if (!order(2, pos, "time expression [...]")) return;
        q->time = parseTimeRange();
      } else if (isKw("by")) {
        if (!order(3, pos, "BY")) return;
        advance();
        while (ok()) {
          q->by.push_back(parseExpr());
          if (!accept(Tok::kComma)) break;
        }
      } else if (isKw("having")) {
        if (!order(4, pos, "HAVING")) return;
        advance();
        q->having = parseExpr();
      } else if (isKw("order")) {
        if (!order(5, pos, "ORDER BY")) return;
        advance();
        parseOrderKeys(&q->order_by, "ORDER");
      } else if (isKw("limit")) {
        if (!order(6, pos, "LIMIT")) return;
        q->limit = parseCount();
      } else if (isKw("offset")) {
        if (!order(7, pos, "OFFSET")) return;
        q->offset = parseCount();
      } else if (isKw("sorder")) {
        if (!order(8, pos, "SORDER BY")) return;
        advance();
        parseOrderKeys(&q->sorder_by, "SORDER");
      } else if (isKw("slimit")) {
        if (!order(9, pos, "SLIMIT")) return;
        q->slimit = parseCount();
      } else if (isKw("soffset")) {
        if (!order(10, pos, "SOFFSET")) return;
        q->soffset = parseCount();
      } else if (isKw("tz") && peekNext().kind == Tok::kLParen) {
        if (!order(11, pos, "tz()")) return;
        advance();
        advance();
        if (!is(Tok::kString)) {
          fail(tok_.pos, "expected a time zone name in tz('...'), got " + describe(tok_));
          return;
        }
        q->tz = tok_.text;
        q->tz_pos = tok_.pos;
        advance();
        expect(Tok::kRParen, "')' after the time zone");
      } else {
        return;
      }
    }
  }

  void parseJoin(Query* q) {
    if (!isKw("filter") && !isKw("link")) return;
    q->join = isKw("filter") ? Query::Join::kFilter : Query::Join::kLink;
    if (q->join == Query::Join::kFilter) {
      advance();
      q->joined.push_back(parseJoinedQuery());
    } else {
      while (ok() && isKw("link")) {
        advance();
        q->joined.push_back(parseJoinedQuery());
      }
    }
    if (!isKw("with")) {
      fail(tok_.pos, "expected WITH {...} after " +
                         std::string(q->join == Query::Join::kFilter ? "FILTER" : "LINK") +
                         ", got " + describe(tok_));
      return;
    }
    advance();
    if (!is(Tok::kLBrace)) {
      fail(tok_.pos, "expected '{' after WITH, got " + describe(tok_));
      return;
    }
    Pos brace = tok_.pos;
    q->join_on = parseFilterBlock();
    if (!ok()) return;
    if (!q->join_on) {
      fail(brace, "WITH {...} needs at least one key pair: {left_name = right_name}");
      return;
    }
    checkJoinKeys(*q->join_on);
  }

  // WITH {a = b, c = d}: every AND-ed condition pairs a name of the outer statement (left) with
  // a name of the joined one (right).
  void checkJoinKeys(const Expr& e) {
    if (e.kind == ExprKind::kBinary && e.op == Op::kAnd) {
      checkJoinKeys(e.args[0]);
      if (ok()) checkJoinKeys(e.args[1]);
      return;
    }
    auto isName = [](const Expr& x) { return x.kind == ExprKind::kIdent; };
    if (e.kind == ExprKind::kBinary && e.op == Op::kEq && isName(e.args[0]) && isName(e.args[1])) {
      return;
    }
    fail(e.pos, "WITH takes key pairs left_name = right_name joined by ',' or AND");
  }

  Query parseJoinedQuery() {
    Pos pos = tok_.pos;
    Query j = parseQuery(/*allow_join=*/false);
    if (ok() && j.kind != Query::Kind::kSelect) fail(pos, "FILTER and LINK take a select");
    return j;
  }

  int64_t parseCount() {
    Token kw = tok_;
    advance();
    if (!is(Tok::kInt)) {
      fail(tok_.pos,
           "expected a non-negative integer after " + lower(kw.text) + ", got " + describe(tok_));
      return 0;
    }
    int64_t v = tok_.int_value;
    advance();
    return v;
  }

  void parseOrderKeys(std::vector<OrderKey>* keys, std::string_view kw) {
    if (!isKw("by")) {
      fail(tok_.pos, "expected BY after " + std::string(kw) + ", got " + describe(tok_));
      return;
    }
    advance();
    while (ok()) {
      OrderKey k;
      k.expr = parseExpr();
      if (isKw("asc")) {
        k.dir = OrderKey::Dir::kAsc;
        advance();
      } else if (isKw("desc")) {
        k.dir = OrderKey::Dir::kDesc;
        advance();
      }
      keys->push_back(std::move(k));
      if (!accept(Tok::kComma)) break;
    }
  }

  // `{` [expr {`,` expr}] `}`: commas are AND (left-associative). `{}` is no filter.
  std::optional<Expr> parseFilterBlock() {
    Nest nest(this);
    advance();  // {
    if (accept(Tok::kRBrace)) return std::nullopt;
    Expr e = parseExpr();
    while (ok() && accept(Tok::kComma)) e = makeBinary(Op::kAnd, std::move(e), parseExpr());
    expect(Tok::kRBrace, "',' or '}' in the filter");
    if (!ok()) return std::nullopt;
    return e;
  }

  // ---- time expression: scanned from the raw text (dates contain ':' and '-') ---------------

  TimeRange parseTimeRange() {
    TimeRange tr;
    tr.pos = tok_.pos;
    std::string_view src = lex_.src();
    size_t i = tok_.offset + 1;
    auto skipWs = [&] {
      while (i < src.size() &&
             (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n')) {
        ++i;
      }
    };
    auto at = [&](size_t k) -> char { return k < src.size() ? src[k] : '\0'; };
    auto failAt = [&](size_t k, const std::string& what) { fail(lex_.posAt(k), what); };

    int part = 0;
    while (ok()) {
      skipWs();
      if (part < 2) {
        TimeBound& b = part == 0 ? tr.start : tr.end;
        b.pos = lex_.posAt(i);
        scanBound(&i, &b);
      } else if (part == 2) {
        size_t s = i;
        while (i < src.size() && isIdentByte(static_cast<unsigned char>(src[i]))) ++i;
        std::string_view word = src.substr(s, i - s);
        if (iequals(word, "auto")) {
          tr.interval_auto = true;
        } else if (!word.empty()) {
          int64_t ns;
          if (!parseDuration(word, &ns)) {
            failAt(s, "invalid interval '" + std::string(word) + "'");
          } else if (ns <= 0) {
            failAt(s, "the interval must be positive");
          } else {
            tr.interval_ns = ns;
          }
        }
      } else {
        size_t s = i;
        while (i < src.size() && isIdentByte(static_cast<unsigned char>(src[i]))) ++i;
        std::string_view word = src.substr(s, i - s);
        if (!word.empty() && (word[0] >= '0' && word[0] <= '9')) {
          failAt(s, "invalid rollup '" + std::string(word) + "'");
        }
        tr.rollup = lower(word);
      }
      if (!ok()) break;
      skipWs();
      if (at(i) == ']') {
        ++i;
        break;
      }
      if (at(i) == ':' && part < 3) {
        ++i;
        ++part;
        continue;
      }
      failAt(i, i >= src.size() ? "unterminated time expression '['"
                                : std::string("unexpected '") + at(i) + "' in the time expression");
    }
    if (!ok()) return tr;
    lex_.skipTo(i);
    advance();
    return tr;
  }

  // One of: nothing, `now()` [(+|-) duration], a duration (ago), epoch s/ms, a date
  // `2006-01-02[ 15:04:05]` (also quoted).
  void scanBound(size_t* ip, TimeBound* b) {
    std::string_view src = lex_.src();
    size_t& i = *ip;
    auto at = [&](size_t k) -> char { return k < src.size() ? src[k] : '\0'; };
    auto digit = [&](size_t k) { return at(k) >= '0' && at(k) <= '9'; };
    auto skipWs = [&] {
      while (at(i) == ' ' || at(i) == '\t' || at(i) == '\r' || at(i) == '\n') ++i;
    };
    char c = at(i);
    if (c == ':' || c == ']') return;
    if (i + 3 <= src.size() && iequals(src.substr(i, 3), "now")) {
      size_t s = i;
      i += 3;
      skipWs();
      if (at(i) != '(') return fail(lex_.posAt(s), "expected now()");
      ++i;
      skipWs();
      if (at(i) != ')') return fail(lex_.posAt(s), "expected now()");
      ++i;
      b->kind = TimeBound::Kind::kRelative;
      b->value = 0;
      skipWs();
      if (at(i) == '+' || at(i) == '-') {
        bool minus = at(i) == '-';
        ++i;
        skipWs();
        size_t d = i;
        while (isIdentByte(static_cast<unsigned char>(at(i)))) ++i;
        int64_t ns;
        if (!parseDuration(src.substr(d, i - d), &ns)) {
          return fail(lex_.posAt(d),
                      "expected a duration after now() " + std::string(minus ? "-" : "+"));
        }
        b->value = minus ? -ns : ns;
      }
      return;
    }
    bool quoted = c == '\'' || c == '"';
    size_t s = quoted ? i + 1 : i;
    if (digit(s) && digit(s + 1) && digit(s + 2) && digit(s + 3) && at(s + 4) == '-') {
      // A date.
      auto num = [&](size_t k, int n) {
        int v = 0;
        for (int j = 0; j < n; ++j) {
          if (!digit(k + j)) return -1;
          v = v * 10 + (at(k + j) - '0');
        }
        return v;
      };
      int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
      size_t e = s + 10;
      int h = 0, mi = 0, se = 0;
      if (at(s + 7) != '-' || mo < 0 || d < 0) return fail(lex_.posAt(s), "invalid date");
      size_t t = e;
      while (at(t) == ' ' || at(t) == 'T') ++t;
      if (t > e && digit(t) && digit(t + 1) && at(t + 2) == ':' && digit(t + 3) && digit(t + 4) &&
          at(t + 5) == ':' && digit(t + 6) && digit(t + 7)) {
        h = num(t, 2);
        mi = num(t + 3, 2);
        se = num(t + 6, 2);
        e = t + 8;
      }
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
          d > kDays[mo - 1] + (mo == 2 && isLeap(y) ? 1 : 0) || h > 23 || mi > 59 || se > 59) {
        return fail(lex_.posAt(s), "invalid date (UTC, 1970 or later)");
      }
      if (quoted) {
        if (at(e) != c) return fail(lex_.posAt(i), "unterminated date string");
        ++e;
      }
      b->kind = TimeBound::Kind::kAbsolute;
      b->value = (daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                  h * 3600 + mi * 60 + se) *
                 1000;
      i = e;
      return;
    }
    if (quoted) return fail(lex_.posAt(i), "expected a date in the quotes");
    if (!digit(i)) {
      return fail(lex_.posAt(i), std::string("unexpected ") +
                                     (i >= src.size() ? std::string("end of query")
                                                      : "'" + std::string(1, c) + "'") +
                                     " in the time expression");
    }
    size_t d = i;
    while (isIdentByte(static_cast<unsigned char>(at(i)))) ++i;
    std::string_view word = src.substr(d, i - d);
    bool all_digits =
        std::all_of(word.begin(), word.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (all_digits) {
      int64_t v = 0;
      for (char ch : word) {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, ch - '0', &v)) {
          return fail(lex_.posAt(d), "timestamp out of range");
        }
      }
      b->kind = TimeBound::Kind::kAbsolute;
      b->value = v < kEpochMsThreshold ? v * 1000 : v;  // epoch seconds or ms
      return;
    }
    int64_t ns;
    if (!parseDuration(word, &ns)) {
      return fail(lex_.posAt(d), "invalid time '" + std::string(word) + "'");
    }
    b->kind = TimeBound::Kind::kRelative;
    b->value = -ns;
  }

 public:
  // Bare integers below this are epoch seconds, others epoch milliseconds (1e11 s is year 5138,
  // 1e11 ms is 1973).
  static constexpr int64_t kEpochMsThreshold = 100'000'000'000;

 private:
  // ---- expressions --------------------------------------------------------------------------

  Expr parseExpr() { return parseOr(); }

  Expr parseOr() {
    Expr l = parseAnd();
    while (ok() && (isKw("or") || is(Tok::kOrOr))) {
      advance();
      l = makeBinary(Op::kOr, std::move(l), parseAnd());
    }
    return l;
  }

  Expr parseAnd() {
    Expr l = parseNot();
    while (ok() && (isKw("and") || is(Tok::kAndAnd))) {
      advance();
      l = makeBinary(Op::kAnd, std::move(l), parseNot());
    }
    return l;
  }

  Expr parseNot() {
    if (isKw("not")) {
      Nest nest(this);
      Expr e = makeExpr(ExprKind::kUnary, tok_.pos);
      advance();
      e.op = Op::kNot;
      e.args.push_back(parseNot());
      return e;
    }
    return parseComparison();
  }

  Expr parseComparison() {
    Expr l = parseAdditive();
    if (!ok()) return l;
    Op op = Op::kNone;
    switch (tok_.kind) {
      case Tok::kEq: op = Op::kEq; break;
      case Tok::kNe: op = Op::kNe; break;
      case Tok::kLt: op = Op::kLt; break;
      case Tok::kLe: op = Op::kLe; break;
      case Tok::kGt: op = Op::kGt; break;
      case Tok::kGe: op = Op::kGe; break;
      default: break;
    }
    if (op != Op::kNone) {
      advance();
      return makeBinary(op, std::move(l), parseAdditive());
    }
    if (is(Tok::kRegexEq) || is(Tok::kRegexNe)) {
      op = is(Tok::kRegexEq) ? Op::kEq : Op::kNe;
      advance();
      Expr r = parseAdditive();
      if (r.kind == ExprKind::kString) {
        r.kind = ExprKind::kRegex;
      } else if (r.kind != ExprKind::kRegex && ok()) {
        fail(r.pos, "expected a pattern string after =~ or !~");
      }
      return makeBinary(op, std::move(l), std::move(r));
    }
    bool negated = false;
    if (isKw("not") && peekNext().kind == Tok::kIdent && iequals(peekNext().text, "in")) {
      advance();
      negated = true;
    }
    if (isKw("in")) {
      advance();
      Expr e = makeExpr(ExprKind::kIn, l.pos);
      e.negated = negated;
      e.args.push_back(std::move(l));
      if (!is(Tok::kLBracket)) {
        fail(tok_.pos, "expected '[' after IN, got " + describe(tok_));
        return e;
      }
      e.args.push_back(parseList());
      return e;
    }
    return l;
  }

  Expr parseAdditive() {
    Expr l = parseMultiplicative();
    while (ok() && (is(Tok::kPlus) || is(Tok::kMinus))) {
      Op op = is(Tok::kPlus) ? Op::kAdd : Op::kSub;
      advance();
      l = makeBinary(op, std::move(l), parseMultiplicative());
    }
    return l;
  }

  Expr parseMultiplicative() {
    Expr l = parseUnary();
    while (ok() && (is(Tok::kStar) || is(Tok::kSlash) || is(Tok::kPercent))) {
      Op op = is(Tok::kStar) ? Op::kMul : is(Tok::kSlash) ? Op::kDiv : Op::kMod;
      advance();
      l = makeBinary(op, std::move(l), parseUnary());
    }
    return l;
  }

  Expr parseUnary() {
    if (is(Tok::kMinus) || is(Tok::kPlus)) {
      Nest nest(this);
      bool minus = is(Tok::kMinus);
      Pos pos = tok_.pos;
      advance();
      Expr operand = parseUnary();
      if (!minus) return operand;
      // Fold -<number> into the literal (planners and printers see one constant).
      if (operand.kind == ExprKind::kInt || operand.kind == ExprKind::kDuration) {
        if (operand.int_value == INT64_MIN) {
          fail(pos, "number out of range");
          return operand;
        }
        operand.int_value = -operand.int_value;
        operand.pos = pos;
        return operand;
      }
      if (operand.kind == ExprKind::kFloat) {
        operand.float_value = -operand.float_value;
        operand.pos = pos;
        return operand;
      }
      Expr e = makeExpr(ExprKind::kUnary, pos);
      e.op = Op::kNeg;
      e.args.push_back(std::move(operand));
      return e;
    }
    return parsePower();
  }

  // `^` is right-associative and binds tighter than unary minus: -2^2 is -(2^2).
  Expr parsePower() {
    Expr base = parsePrimary();
    if (ok() && is(Tok::kCaret)) {
      Nest nest(this);
      advance();
      return makeBinary(Op::kPow, std::move(base), parseUnary());
    }
    return base;
  }

  Expr parseList() {
    Nest nest(this);
    Expr e = makeExpr(ExprKind::kList, tok_.pos);
    advance();  // [
    if (accept(Tok::kRBracket)) return e;
    while (ok()) {
      e.args.push_back(parseExpr());
      if (!accept(Tok::kComma)) break;
    }
    expect(Tok::kRBracket, "',' or ']' in the list");
    return e;
  }

  // expr [AS alias]: target list items and call arguments.
  Expr parseAliased() {
    Expr e = parseExpr();
    if (!ok() || !isKw("as")) return e;
    Expr a = makeExpr(ExprKind::kAlias, e.pos);
    advance();
    if (is(Tok::kQuotedIdent) || is(Tok::kString) ||
        (is(Tok::kIdent) && !isReservedWord(tok_.text))) {
      a.text = tok_.text;
      advance();
    } else {
      fail(tok_.pos, "expected a name after AS, got " + describe(tok_));
    }
    a.args.push_back(std::move(e));
    return a;
  }

  Expr parsePrimary() {
    Expr e = makeExpr(ExprKind::kNil, tok_.pos);
    switch (tok_.kind) {
      case Tok::kLParen: {
        Nest nest(this);
        advance();
        e = parseExpr();
        expect(Tok::kRParen, "')'");
        return e;
      }
      case Tok::kInt:
        e.kind = ExprKind::kInt;
        e.int_value = tok_.int_value;
        advance();
        return e;
      case Tok::kFloat:
        e.kind = ExprKind::kFloat;
        e.float_value = tok_.float_value;
        advance();
        return e;
      case Tok::kDuration:
        e.kind = ExprKind::kDuration;
        e.int_value = tok_.int_value;
        advance();
        return e;
      case Tok::kString:
        e.kind = ExprKind::kString;
        e.text = tok_.text;
        advance();
        return e;
      case Tok::kRegex:
        e.kind = ExprKind::kRegex;
        e.text = tok_.text;
        advance();
        return e;
      case Tok::kVar:
        e.kind = ExprKind::kVar;
        e.text = tok_.text;
        advance();
        return e;
      case Tok::kStar:
        e.kind = ExprKind::kStar;
        advance();
        return e;
      case Tok::kLBracket: return parseList();
      case Tok::kQuotedIdent:
        e.kind = tok_.text == "*" ? ExprKind::kStar : ExprKind::kIdent;
        if (e.kind == ExprKind::kIdent) e.text = tok_.text;
        advance();
        return e;
      case Tok::kIdent: {
        if (isKw("true") || isKw("false")) {
          e.kind = ExprKind::kBool;
          e.bool_value = isKw("true");
          advance();
          return e;
        }
        if (isKw("nil")) {
          advance();
          return e;
        }
        if (isReservedWord(tok_.text)) break;
        if (isWord() && peekNext().kind == Tok::kLParen) return parseCall();
        e.kind = ExprKind::kIdent;
        e.text = tok_.text;
        advance();
        return e;
      }
      default: break;
    }
    fail(tok_.pos, "expected an expression, got " + describe(tok_));
    return e;
  }

  Expr parseCall() {
    Nest nest(this);
    Expr e = makeExpr(ExprKind::kCall, tok_.pos);
    e.text = lower(tok_.text);
    advance();  // name
    advance();  // (
    parseArgs(e.text, /*statement=*/false, &e.args, &e.arg_names);
    expect(Tok::kRParen, "',' or ')' after the arguments");
    if (!ok()) return e;
    bool one_string =
        e.args.size() == 1 && e.arg_names[0].empty() && e.args[0].kind == ExprKind::kString;
    if (e.text == "re") {
      if (!one_string) {
        fail(e.pos, "re() takes one pattern string");
        return e;
      }
      Expr r = makeExpr(ExprKind::kRegex, e.pos);
      r.text = std::move(e.args[0].text);
      return r;
    }
    if (e.text == "identifier") {
      if (!one_string) {
        fail(e.pos, "identifier() takes one string");
        return e;
      }
      Expr r = makeExpr(e.args[0].text == "*" ? ExprKind::kStar : ExprKind::kIdent, e.pos);
      if (r.kind == ExprKind::kIdent) r.text = std::move(e.args[0].text);
      return r;
    }
    if (e.text == "fill" && e.args.size() == 2 && e.args[1].kind == ExprKind::kIdent) {
      Expr& mode = e.args[1];
      if (iequals(mode.text, "linear") || iequals(mode.text, "previous")) {
        mode.text = lower(mode.text);
      } else if (iequals(mode.text, "null")) {
        mode = makeExpr(ExprKind::kNil, mode.pos);
      }
    }
    return e;
  }

  // Arguments up to (not including) ')'. In call statements (outer functions), the first
  // positional argument and a `dql=` argument are DQL queries when written as a string, a
  // backtick string or bare; for eval() every named argument but alias is; show_* take none.
  void parseArgs(const std::string& func, bool statement, std::vector<Expr>* args,
                 std::vector<std::string>* names) {
    if (is(Tok::kRParen)) return;
    size_t positional = 0;
    for (const auto& n : *names) positional += n.empty() ? 1 : 0;  // a chain's receiver
    while (ok()) {
      std::string name;
      // `name=value` (a `@json.path` is never a name: it prints in backticks).
      if (isWord() && peekNext().kind == Tok::kEq) {
        name = tok_.text;
        advance();
        advance();
      }
      bool query_arg = false;
      if (statement && func.rfind("show_", 0) != 0) {
        if (func == "eval") {
          query_arg = !name.empty() && name != "alias";
        } else {
          query_arg = (name.empty() && positional == 0) || name == "dql";
        }
      }
      if (query_arg && (is(Tok::kString) || is(Tok::kQuotedIdent))) {
        args->push_back(parseQueryString());
      } else if (query_arg && (atNamespace() || (isWord() && peekNext().kind == Tok::kLParen))) {
        // A bare query or a nested outer function: `series_sum(M::cpu ...)`, `a(b("..."))`.
        Expr q = makeExpr(ExprKind::kQuery, tok_.pos);
        q.query = Box<Query>(parseQuery(/*allow_join=*/true));
        args->push_back(std::move(q));
      } else {
        args->push_back(parseAliased());
      }
      if (name.empty()) ++positional;
      names->push_back(std::move(name));
      if (!accept(Tok::kComma)) break;
    }
  }

  Expr parseQueryString() {
    Expr e = makeExpr(ExprKind::kQuery, tok_.pos);
    Parser sub(tok_.text, depth_ + 1);
    Result<Query> r = sub.parseAll();
    if (!r.isOk()) {
      fail(e.pos, "in query string: " + r.status().message());
      return e;
    }
    e.query = Box<Query>(std::move(r).value());
    advance();
    return e;
  }

  Lexer lex_;
  Token tok_;
  bool failed_ = false;
  Status err_;
  int depth_;
};

}  // namespace

const char* namespaceName(Namespace ns) {
  switch (ns) {
    case Namespace::kM: return "M";
    case Namespace::kL: return "L";
    case Namespace::kBL: return "BL";
    case Namespace::kO: return "O";
    case Namespace::kOH: return "OH";
    case Namespace::kCO: return "CO";
    case Namespace::kCOH: return "COH";
    case Namespace::kE: return "E";
    case Namespace::kT: return "T";
    case Namespace::kP: return "P";
    case Namespace::kR: return "R";
    case Namespace::kS: return "S";
    case Namespace::kN: return "N";
    case Namespace::kF: return "F";
    case Namespace::kTM: return "TM";
    case Namespace::kTSM: return "TSM";
    case Namespace::kCI: return "CI";
  }
  return "M";
}

Result<Query> parse(std::string_view text) { return Parser(text, 0).parseAll(); }

}  // namespace sextant::query::dql

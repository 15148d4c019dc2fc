#include "query/promql/lexer.h"

#include <array>
#include <utility>

#include "query/promql/text.h"

namespace sextant::query::promql {
namespace {

constexpr int kEofRune = -1;
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kHexDigits = "0123456789abcdefABCDEF";

bool isSpace(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool isAlpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool isDigit(int r) { return r >= '0' && r <= '9'; }
bool isAlphaNumeric(int r) { return isAlpha(r) || isDigit(r); }

bool contains(std::string_view set, int r) {
  return r >= 0 && r < 0x80 && set.find(static_cast<char>(r)) != std::string_view::npos;
}

struct Keyword {
  std::string_view word;
  Tok tok;
};

// Prometheus' `key` map (lower case; matched case-insensitively), plus inf/nan as numbers.
constexpr std::array<Keyword, 28> kKeywords{{
    {"and", Tok::kLand},
    {"or", Tok::kLor},
    {"unless", Tok::kLunless},
    {"atan2", Tok::kAtan2},
    {"sum", Tok::kSum},
    {"avg", Tok::kAvg},
    {"count", Tok::kCount},
    {"min", Tok::kMin},
    {"max", Tok::kMax},
    {"group", Tok::kGroup},
    {"stddev", Tok::kStddev},
    {"stdvar", Tok::kStdvar},
    {"topk", Tok::kTopk},
    {"bottomk", Tok::kBottomk},
    {"count_values", Tok::kCountValues},
    {"quantile", Tok::kQuantile},
    {"offset", Tok::kOffset},
    {"by", Tok::kBy},
    {"without", Tok::kWithout},
    {"on", Tok::kOn},
    {"ignoring", Tok::kIgnoring},
    {"group_left", Tok::kGroupLeft},
    {"group_right", Tok::kGroupRight},
    {"bool", Tok::kBool},
    {"start", Tok::kStart},
    {"end", Tok::kEnd},
    {"inf", Tok::kNumber},
    {"nan", Tok::kNumber},
}};

bool equalsLower(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

int digitVal(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return 16;
}

}  // namespace

bool isOperator(Tok t) { return t >= Tok::kAdd && t <= Tok::kAtan2; }
bool isAggregator(Tok t) { return t >= Tok::kAvg && t <= Tok::kTopk; }
bool isKeyword(Tok t) { return t >= Tok::kBool && t <= Tok::kWithout; }

std::string describeToken(const Token& t) {
  // Go's `%.10q...` for long values, `%q` otherwise.
  auto quoted = [](std::string_view v) {
    if (runeCount(v) > 10) return goQuote(truncateRunes(v, 10)) + "...";
    return goQuote(v);
  };
  switch (t.type) {
    case Tok::kEof: return "end of input";
    case Tok::kError: return std::string(t.text);
    case Tok::kIdentifier: return "identifier " + goQuote(t.text);
    case Tok::kMetricIdentifier: return "metric identifier " + goQuote(t.text);
    case Tok::kString: return "string " + quoted(t.text);
    case Tok::kNumber: return "number " + quoted(t.text);
    case Tok::kDuration: return "duration " + quoted(t.text);
    default: break;
  }
  if (isKeyword(t.type)) return "<" + std::string(t.text) + ">";
  if (isOperator(t.type)) return "<op:" + std::string(t.text) + ">";
  if (isAggregator(t.type)) return "<aggr:" + std::string(t.text) + ">";
  return quoted(t.text);
}

int Lexer::nextRune() {
  if (pos_ >= in_.size()) {
    width_ = 0;
    return kEofRune;
  }
  auto [r, w] = decodeRune(in_, pos_);
  width_ = w;
  pos_ += w;
  return r;
}

bool Lexer::accept(std::string_view valid) {
  if (contains(valid, nextRune())) return true;
  backup();
  return false;
}

void Lexer::acceptRun(std::string_view valid) {
  while (contains(valid, nextRune())) {
  }
  backup();
}

Token Lexer::emit(Tok t) {
  Token tok{t, start_, in_.substr(start_, pos_ - start_)};
  start_ = pos_;
  return tok;
}

Token Lexer::error(std::string msg) {
  error_ = std::move(msg);
  done_ = true;
  return Token{Tok::kError, start_, error_};
}

Token Lexer::next() {
  if (done_) return Token{Tok::kEof, static_cast<uint32_t>(in_.size()), {}};
  for (;;) {
    if (brace_open_) {
      if (in_.substr(pos_).starts_with('#')) {
        skipComment();
        continue;
      }
      if (isSpace(peek())) {
        nextRune();
        continue;
      }
      return lexInsideBraces();
    }
    if (after_bracket_) {
      after_bracket_ = false;
      start_ = pos_;
      return lexDuration();
    }
    if (in_.substr(pos_).starts_with('#')) {
      skipComment();
      continue;
    }
    start_ = pos_;
    int r = nextRune();
    if (isSpace(r)) {
      while (isSpace(peek())) nextRune();
      continue;
    }
    return lexStatement(r);
  }
}

void Lexer::skipComment() {
  while (pos_ < in_.size() && in_[pos_] != '\n' && in_[pos_] != '\r') ++pos_;
  start_ = pos_;
}

Token Lexer::lexStatement(int r) {
  switch (r) {
    case kEofRune:
      if (paren_depth_ != 0) return error("unclosed left parenthesis");
      if (bracket_open_) return error("unclosed left bracket");
      done_ = true;
      return emit(Tok::kEof);
    case ',': return emit(Tok::kComma);
    case '*': return emit(Tok::kMul);
    case '/': return emit(Tok::kDiv);
    case '%': return emit(Tok::kMod);
    case '+': return emit(Tok::kAdd);
    case '-': return emit(Tok::kSub);
    case '^': return emit(Tok::kPow);
    case '@': return emit(Tok::kAt);
    case '=': {
      int t = peek();
      if (t == '=') {
        nextRune();
        return emit(Tok::kEqlc);
      }
      if (t == '~') return error("unexpected character after '=': " + goQuoteRune(t));
      return emit(Tok::kEql);
    }
    case '!': {
      int t = nextRune();
      if (t != '=') return error("unexpected character after '!': " + goQuoteRune(t));
      return emit(Tok::kNeq);
    }
    case '<':
      if (peek() == '=') {
        nextRune();
        return emit(Tok::kLte);
      }
      return emit(Tok::kLss);
    case '>':
      if (peek() == '=') {
        nextRune();
        return emit(Tok::kGte);
      }
      return emit(Tok::kGtr);
    case '"':
    case '\'': return lexString(r);
    case '`': return lexRawString();
    case '(': ++paren_depth_; return emit(Tok::kLeftParen);
    case ')': {
      Token t = emit(Tok::kRightParen);
      if (--paren_depth_ < 0) return error("unexpected right parenthesis ')'");
      return t;
    }
    case '{': brace_open_ = true; return emit(Tok::kLeftBrace);
    case '[': {
      if (bracket_open_) return error("unexpected left bracket '['");
      got_colon_ = false;
      Token t = emit(Tok::kLeftBracket);
      while (isSpace(peek())) nextRune();
      start_ = pos_;
      bracket_open_ = true;
      after_bracket_ = true;
      return t;
    }
    case ']': {
      if (!bracket_open_) return error("unexpected right bracket ']'");
      bracket_open_ = false;
      return emit(Tok::kRightBracket);
    }
    default: break;
  }
  if (isDigit(r) || (r == '.' && isDigit(peek()))) {
    backup();
    return lexNumberOrDuration();
  }
  if (isAlpha(r) || r == ':') {
    if (!bracket_open_) {
      backup();
      return lexWord();
    }
    if (r != ':') return error("unexpected character: " + goQuoteRune(r) + ", expected ':'");
    if (got_colon_) return error("unexpected colon ':'");
    got_colon_ = true;
    return emit(Tok::kColon);
  }
  return error("unexpected character: " + goQuoteRune(r));
}

Token Lexer::lexInsideBraces() {
  start_ = pos_;
  int r = nextRune();
  if (r == kEofRune) return error("unexpected end of input inside braces");
  if (isAlpha(r)) {
    while (isAlphaNumeric(nextRune())) {
    }
    backup();
    return emit(Tok::kIdentifier);
  }
  switch (r) {
    case ',': return emit(Tok::kComma);
    case '"':
    case '\'': return lexString(r);
    case '`': return lexRawString();
    case '=':
      if (nextRune() == '~') return emit(Tok::kEqlRegex);
      backup();
      return emit(Tok::kEql);
    case '!': {
      int nr = nextRune();
      if (nr == '~') return emit(Tok::kNeqRegex);
      if (nr == '=') return emit(Tok::kNeq);
      return error("unexpected character after '!' inside braces: " + goQuoteRune(nr));
    }
    case '{': return error("unexpected left brace '{'");
    case '}': brace_open_ = false; return emit(Tok::kRightBrace);
    default: return error("unexpected character inside braces: " + goQuoteRune(r));
  }
}

bool Lexer::scanNumber() {
  std::string_view digits = kDigits;
  if (accept("0") && accept("xX")) digits = kHexDigits;
  acceptRun(digits);
  if (accept(".")) acceptRun(digits);
  if (accept("eE")) {
    accept("+-");
    acceptRun(kDigits);
  }
  return !isAlphaNumeric(peek());
}

bool Lexer::acceptRemainingDuration() {
  if (!accept("smhdwy")) return false;
  accept("s");  // ms; bad units like "hs" are caught when the duration is parsed
  while (accept(kDigits)) {
    acceptRun(kDigits);
    if (!accept("smhdwy")) return false;
    accept("s");
  }
  return !isAlphaNumeric(nextRune());
}

Token Lexer::lexNumberOrDuration() {
  if (scanNumber()) return emit(Tok::kNumber);
  if (acceptRemainingDuration()) {
    backup();
    return emit(Tok::kDuration);
  }
  return error("bad number or duration syntax: " + goQuote(in_.substr(start_, pos_ - start_)));
}

Token Lexer::lexDuration() {
  if (scanNumber()) return error("missing unit character in duration");
  if (!acceptRemainingDuration()) {
    return error("bad duration syntax: " + goQuote(in_.substr(start_, pos_ - start_)));
  }
  backup();
  return emit(Tok::kDuration);
}

Token Lexer::lexString(int quote) {
  for (;;) {
    int r = nextRune();
    if (r == '\\') {
      std::string err = lexEscape(quote);
      if (!err.empty()) return error(std::move(err));
      continue;
    }
    if (r == kRuneError) return error("invalid UTF-8 rune");
    if (r == kEofRune || r == '\n') return error("unterminated quoted string");
    if (r == quote) break;
  }
  return emit(Tok::kString);
}

std::string Lexer::lexEscape(int quote) {
  int ch = nextRune();
  int n = 0;
  uint32_t base = 0;
  uint32_t max = 0;
  switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\': return {};
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': n = 3, base = 8, max = 255; break;
    case 'x':
      ch = nextRune();
      n = 2, base = 16, max = 255;
      break;
    case 'u':
      ch = nextRune();
      n = 4, base = 16, max = 0x10FFFF;
      break;
    case 'U':
      ch = nextRune();
      n = 8, base = 16, max = 0x10FFFF;
      break;
    case kEofRune: return "escape sequence not terminated";
    default:
      if (ch == quote) return {};
      return "unknown escape sequence " + goFormatRuneU(ch);
  }
  uint32_t x = 0;
  while (n > 0) {
    uint32_t d = static_cast<uint32_t>(digitVal(ch));
    if (d >= base) {
      if (ch == kEofRune) return "escape sequence not terminated";
      return "illegal character " + goFormatRuneU(ch) + " in escape sequence";
    }
    x = x * base + d;
    if (x > 0x7FFFFFF) x = 0x7FFFFFF;  // stays > any max; avoids overflow on 8 digits
    --n;
    if (n > 0) ch = nextRune();
  }
  if (x > max || (x >= 0xD800 && x < 0xE000)) {
    return "escape sequence is an invalid Unicode code point";
  }
  return {};
}

Token Lexer::lexRawString() {
  for (;;) {
    int r = nextRune();
    if (r == kRuneError) return error("invalid UTF-8 rune");
    if (r == kEofRune) return error("unterminated raw string");
    if (r == '`') break;
  }
  return emit(Tok::kString);
}

Token Lexer::lexWord() {
  for (;;) {
    int r = nextRune();
    if (!(isAlphaNumeric(r) || r == ':')) break;
  }
  backup();
  std::string_view word = in_.substr(start_, pos_ - start_);
  for (const Keyword& k : kKeywords) {
    if (equalsLower(word, k.word)) return emit(k.tok);
  }
  if (word.find(':') != std::string_view::npos) return emit(Tok::kMetricIdentifier);
  return emit(Tok::kIdentifier);
}

}  // namespace sextant::query::promql

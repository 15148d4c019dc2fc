#include "query/dql/lexer.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace sextant::query::dql {
namespace {

bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool isIdentStart(unsigned char c) { return isIdentByte(c) && !isDigit(c); }

// Multiplies and adds with overflow checks (values are non-negative).
bool mulAdd(int64_t* acc, int64_t mul, int64_t add) {
  int64_t r;
  if (__builtin_mul_overflow(*acc, mul, &r) || __builtin_add_overflow(r, add, &r)) return false;
  *acc = r;
  return true;
}

int base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Standard or URL-safe base64, '=' padding optional. False on a bad character or length.
bool decodeBase64(std::string_view in, std::string* out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    int v = base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

}  // namespace

bool parseDuration(std::string_view s, int64_t* ns) {
  if (s.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (!isDigit(static_cast<unsigned char>(s[i]))) return false;
    int64_t n = 0;
    while (i < s.size() && isDigit(static_cast<unsigned char>(s[i]))) {
      if (!mulAdd(&n, 10, s[i] - '0')) return false;
      ++i;
    }
    size_t u = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    std::string_view unit = s.substr(u, i - u);
    int64_t mul;
    if (unit == "ns") {
      mul = 1;
    } else if (unit == "us") {
      mul = 1000;
    } else if (unit == "ms") {
      mul = 1000'000;
    } else if (unit == "s") {
      mul = 1000'000'000;
    } else if (unit == "m") {
      mul = 60'000'000'000;
    } else if (unit == "h") {
      mul = 3600'000'000'000;
    } else if (unit == "d") {
      mul = 86400'000'000'000;
    } else if (unit == "w") {
      mul = 7 * 86400'000'000'000;
    } else if (unit == "y") {
      mul = 365 * 86400'000'000'000;
    } else {
      return false;
    }
    if (!mulAdd(&n, mul, 0) || !mulAdd(&total, 1, n)) return false;
  }
  *ns = total;
  return true;
}

bool isReservedWord(std::string_view word) {
  static constexpr std::string_view kWords[] = {
      "and",   "or",     "not",   "in",     "as",     "by",      "having",
      "order", "sorder", "limit", "offset", "slimit", "soffset", "asc",
      "desc",  "filter", "link",  "with",   "true",   "false",   "nil"};
  for (std::string_view k : kWords) {
    if (k.size() != word.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(word[i])) == k[i];
    }
    if (same) return true;
  }
  return false;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of query";
    case Tok::kError: return "error";
    case Tok::kIdent: return "'" + t.text + "'";
    case Tok::kQuotedIdent: return "`" + t.text + "`";
    case Tok::kString: return "string";
    case Tok::kRegex: return "regex";
    case Tok::kInt: return "number";
    case Tok::kFloat: return "number";
    case Tok::kDuration: return "duration";
    case Tok::kVar: return "variable #{" + t.text + "}";
    case Tok::kDoubleColon: return "'::'";
    case Tok::kColon: return "':'";
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kLBrace: return "'{'";
    case Tok::kRBrace: return "'}'";
    case Tok::kLBracket: return "'['";
    case Tok::kRBracket: return "']'";
    case Tok::kComma: return "','";
    case Tok::kDot: return "'.'";
    case Tok::kPlus: return "'+'";
    case Tok::kMinus: return "'-'";
    case Tok::kStar: return "'*'";
    case Tok::kSlash: return "'/'";
    case Tok::kPercent: return "'%'";
    case Tok::kCaret: return "'^'";
    case Tok::kEq: return "'='";
    case Tok::kNe: return "'!='";
    case Tok::kLt: return "'<'";
    case Tok::kLe: return "'<='";
    case Tok::kGt: return "'>'";
    case Tok::kGe: return "'>='";
    case Tok::kRegexEq: return "'=~'";
    case Tok::kRegexNe: return "'!~'";
    case Tok::kAndAnd: return "'&&'";
    case Tok::kOrOr: return "'||'";
  }
  return "token";
}

Pos Lexer::posAt(size_t off) const {
  uint32_t line = st_.line;
  size_t line_start = st_.line_start;
  for (size_t i = st_.off; i < off && i < src_.size(); ++i) {
    if (src_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return Pos{line, static_cast<uint32_t>(off - line_start + 1)};
}

void Lexer::skipTo(size_t off) {
  for (; st_.off < off && st_.off < src_.size(); ++st_.off) {
    if (src_[st_.off] == '\n') {
      ++st_.line;
      st_.line_start = st_.off + 1;
    }
  }
}

Token Lexer::make(Tok kind, size_t start) const {
  Token t;
  t.kind = kind;
  t.offset = start;
  t.pos = Pos{st_.line, static_cast<uint32_t>(start - st_.line_start + 1)};
  return t;
}

Token Lexer::error(size_t at, std::string what) const {
  Token t = make(Tok::kError, at);
  t.text = std::to_string(t.pos.line) + ":" + std::to_string(t.pos.col) + ": " + what;
  return t;
}

void Lexer::skipBlanks() {
  while (st_.off < src_.size()) {
    char c = src_[st_.off];
    if (c == '\n') {
      ++st_.off;
      ++st_.line;
      st_.line_start = st_.off;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++st_.off;
    } else if (c == '#' && !(st_.off + 1 < src_.size() && src_[st_.off + 1] == '{')) {
      while (st_.off < src_.size() && src_[st_.off] != '\n') ++st_.off;
    } else {
      break;
    }
  }
}

Token Lexer::lexNumber(size_t start) {
  size_t i = start;
  while (i < src_.size() && isDigit(src_[i])) ++i;
  bool is_float = false;
  if (i + 1 < src_.size() && src_[i] == '.' && isDigit(src_[i + 1])) {
    is_float = true;
    ++i;
    while (i < src_.size() && isDigit(src_[i])) ++i;
  }
  if (i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
    size_t j = i + 1;
    if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
    if (j < src_.size() && isDigit(src_[j])) {
      is_float = true;
      i = j;
      while (i < src_.size() && isDigit(src_[i])) ++i;
    }
  }
  if (i < src_.size() && isIdentByte(src_[i])) {
    // A duration (`5m`, `1h30m`) or garbage (`12abc`).
    size_t j = i;
    while (j < src_.size() && isIdentByte(src_[j])) ++j;
    int64_t ns;
    if (is_float || !parseDuration(src_.substr(start, j - start), &ns)) {
      return error(start, "invalid number '" + std::string(src_.substr(start, j - start)) + "'");
    }
    Token t = make(Tok::kDuration, start);
    t.int_value = ns;
    st_.off = j;
    return t;
  }
  std::string text(src_.substr(start, i - start));
  if (is_float) {
    errno = 0;
    double v = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(v)) return error(start, "number out of range: " + text);
    Token t = make(Tok::kFloat, start);
    t.float_value = v;
    st_.off = i;
    return t;
  }
  int64_t v = 0;
  for (char c : text) {
    if (!mulAdd(&v, 10, c - '0')) return error(start, "number out of range: " + text);
  }
  Token t = make(Tok::kInt, start);
  t.int_value = v;
  st_.off = i;
  return t;
}

// `start` is the offset of the opening quote. Backticks take no escapes; quotes resolve \\ \' \"
// \n \t \r and keep any other backslash pair as written (so regexes like '\d+' survive).
Token Lexer::lexQuoted(size_t start, char quote, Tok kind) {
  Token t = make(kind, start);
  size_t i = start + 1;
  std::string out;
  while (true) {
    if (i >= src_.size()) {
      return error(start, quote == '`' ? "unterminated `quoted name`" : "unterminated string");
    }
    char c = src_[i];
    if (c == quote) {
      ++i;
      break;
    }
    if (c == '\\' && quote != '`' && i + 1 < src_.size()) {
      char n = src_[i + 1];
      switch (n) {
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case '`': out.push_back('`'); break;
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        default: out.push_back('\\'); out.push_back(n);
      }
      i += 2;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  // Newlines inside the quotes move the line counter.
  skipTo(i);
  t.text = std::move(out);
  return t;
}

Token Lexer::next() {
  skipBlanks();
  size_t s = st_.off;
  if (s >= src_.size()) return make(Tok::kEnd, s);
  auto c = static_cast<unsigned char>(src_[s]);
  auto peek = [&](size_t k) -> char { return s + k < src_.size() ? src_[s + k] : '\0'; };
  auto punct = [&](Tok kind, size_t len) {
    Token t = make(kind, s);
    st_.off = s + len;
    return t;
  };

  if (isDigit(c)) return lexNumber(s);
  if (isIdentStart(c) || c == '@') {
    size_t i = s + 1;
    while (i < src_.size()) {
      auto b = static_cast<unsigned char>(src_[i]);
      if (isIdentByte(b)) {
        ++i;
      } else if (b == '.' && i + 1 < src_.size() &&
                 isIdentStart(static_cast<unsigned char>(src_[i + 1]))) {
        i += 2;
      } else {
        break;
      }
    }
    std::string_view word = src_.substr(s, i - s);
    char q = i < src_.size() ? src_[i] : '\0';
    if ((q == '\'' || q == '"' || q == '`') && (word == "re" || word == "b64")) {
      Pos prefix_pos = make(Tok::kEnd, s).pos;
      st_.off = i;
      Token t = lexQuoted(i, q, word == "re" ? Tok::kRegex : Tok::kString);
      if (t.kind == Tok::kError) return t;
      t.offset = s;
      t.pos = prefix_pos;
      if (word == "b64") {
        std::string decoded;
        if (!decodeBase64(t.text, &decoded)) return error(s, "invalid base64 string");
        t.text = std::move(decoded);
      }
      return t;
    }
    if (c == '@') {
      if (word.size() == 1) return error(s, "expected a JSON path after '@'");
      Token t = make(Tok::kIdent, s);
      t.text = "message@json." + std::string(word.substr(1));
      st_.off = i;
      return t;
    }
    Token t = make(Tok::kIdent, s);
    t.text = std::string(word);
    st_.off = i;
    return t;
  }
  switch (c) {
    case '\'':
    case '"': return lexQuoted(s, static_cast<char>(c), Tok::kString);
    case '`': return lexQuoted(s, '`', Tok::kQuotedIdent);
    case '#': {  // only `#{` gets here
      size_t i = s + 2;
      while (i < src_.size() && src_[i] != '}' && src_[i] != '\n') ++i;
      if (i >= src_.size() || src_[i] != '}') return error(s, "unterminated variable '#{'");
      if (i == s + 2) return error(s, "empty variable name '#{}'");
      Token t = make(Tok::kVar, s);
      t.text = std::string(src_.substr(s + 2, i - s - 2));
      st_.off = i + 1;
      return t;
    }
    case ':': return peek(1) == ':' ? punct(Tok::kDoubleColon, 2) : punct(Tok::kColon, 1);
    case '(': return punct(Tok::kLParen, 1);
    case ')': return punct(Tok::kRParen, 1);
    case '{': return punct(Tok::kLBrace, 1);
    case '}': return punct(Tok::kRBrace, 1);
    case '[': return punct(Tok::kLBracket, 1);
    case ']': return punct(Tok::kRBracket, 1);
    case ',': return punct(Tok::kComma, 1);
    case '.': return punct(Tok::kDot, 1);
    case '+': return punct(Tok::kPlus, 1);
    case '-': return punct(Tok::kMinus, 1);
    case '*': return punct(Tok::kStar, 1);
    case '/': return punct(Tok::kSlash, 1);
    case '%': return punct(Tok::kPercent, 1);
    case '^': return punct(Tok::kCaret, 1);
    case '=':
      if (peek(1) == '=') return punct(Tok::kEq, 2);
      if (peek(1) == '~') return punct(Tok::kRegexEq, 2);
      return punct(Tok::kEq, 1);
    case '!':
      if (peek(1) == '=') return punct(Tok::kNe, 2);
      if (peek(1) == '~') return punct(Tok::kRegexNe, 2);
      break;
    case '<':
      if (peek(1) == '=') return punct(Tok::kLe, 2);
      if (peek(1) == '>') return punct(Tok::kNe, 2);
      return punct(Tok::kLt, 1);
    case '>': return peek(1) == '=' ? punct(Tok::kGe, 2) : punct(Tok::kGt, 1);
    case '&':
      if (peek(1) == '&') return punct(Tok::kAndAnd, 2);
      break;
    case '|':
      if (peek(1) == '|') return punct(Tok::kOrOr, 2);
      break;
    default: break;
  }
  std::string shown = c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
                                            : "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) +
                                                  std::string(1, "0123456789abcdef"[c & 15]);
  return error(s, "unexpected character '" + shown + "'");
}

}  // namespace sextant::query::dql

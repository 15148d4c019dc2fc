// PromQL lexer: a pull scanner over the query text with Prometheus' lexer states (inside braces,
// inside brackets, parenthesis depth), so it accepts and rejects exactly what Prometheus' lexer
// does and reports the same messages ("unclosed left parenthesis", "bad duration syntax: ...").
//
// Tokens point into the input (no copies); the input must outlive the lexer and its tokens.
// Comments are skipped. After a kError token (its `text` is the message) the lexer only returns
// kEof. Thread-safety: one lexer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sextant::query::promql {

enum class Tok : uint8_t {
  kEof,
  kError,
  kIdentifier,        // foo (also every word inside braces)
  kMetricIdentifier,  // foo:bar (contains ':')
  kNumber,            // 1, 1.5e3, 0x1f, Inf, NaN
  kString,            // "..", '..', `..` (text keeps the quotes)
  kDuration,          // 5m, 1h30m
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kEql,  // =  (label matcher / label set)
  kColon,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kEqlRegex,
  kNeqRegex,
  kAt,
  kLand,
  kLor,
  kLunless,
  kAtan2,
  // Aggregators.
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  // @ modifier preprocessors.
  kStart,
  kEnd,
};

bool isOperator(Tok t);    // kAdd .. kAtan2
bool isAggregator(Tok t);  // kAvg .. kTopk
bool isKeyword(Tok t);     // kBool .. kWithout

struct Token {
  Tok type = Tok::kEof;
  uint32_t pos = 0;       // byte offset of the token (of the problem, for kError)
  std::string_view text;  // the token's text; the message for kError
};

// "unexpected <desc>" wording of Prometheus: `identifier "foo"`, `number "5"`, `"("`, `<op:+>`,
// `<aggr:sum>`, `<by>`, `end of input`.
std::string describeToken(const Token& t);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  // The next token (comments skipped).
  Token next();

 private:
  Token lexStatement(int r);
  Token lexInsideBraces();
  Token lexNumberOrDuration();
  Token lexDuration();
  Token lexString(int quote);
  std::string lexEscape(int quote);  // "" or the error message
  Token lexRawString();
  Token lexWord();
  Token emit(Tok t);
  Token error(std::string msg);
  bool scanNumber();
  bool acceptRemainingDuration();
  void skipComment();
  int nextRune();  // -1 at the end
  void backup() { pos_ -= width_; }
  int peek() {
    int r = nextRune();
    backup();
    return r;
  }
  bool accept(std::string_view valid);
  void acceptRun(std::string_view valid);

  std::string_view in_;
  uint32_t pos_ = 0;
  uint32_t start_ = 0;
  uint32_t width_ = 0;  // of the last rune nextRune() read
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool after_bracket_ = false;  // the next token starts the duration right after '['
  bool done_ = false;
  std::string error_;  // storage for the message of the kError token
};

}  // namespace sextant::query::promql

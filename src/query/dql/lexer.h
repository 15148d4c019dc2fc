// The DQL lexer: turns query text into tokens, one at a time, on demand.
//
// Skips blanks (space, tab, CR, LF) and `#` comments (to the end of the line; `#{` starts a
// dashboard variable instead). Keywords are not special here: they come out as kIdent and the
// parser compares them case-insensitively. Errors come out as a kError token whose text is
// "line:col: <what>". The lexer borrows the text (it must outlive the lexer); its state is a few
// integers, so the parser backtracks by copying it.
// Thread-safety: one lexer per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/dql/ast.h"

namespace sextant::query::dql {

enum class Tok {
  kEnd,
  kError,        // text: "line:col: <what>"
  kIdent,        // bare identifier (UTF-8 allowed; `@a.b` gives `message@json.a.b`); text
  kQuotedIdent,  // `...` (no escapes); text
  kString,       // '...' or "..." (escapes resolved) or b64'...' (decoded); text
  kRegex,        // re'...', re"...", re`...`; text is the pattern
  kInt,          // int_value
  kFloat,        // float_value
  kDuration,     // int_value ns (`1h30m`, units ns us ms s m h d w y; y = 365d)
  kVar,          // #{name}; text is the name
  kDoubleColon,  // ::
  kColon,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kCaret,
  kEq,  // =  (also ==)
  kNe,  // != (also <>)
  kLt,
  kLe,
  kGt,
  kGe,
  kRegexEq,  // =~
  kRegexNe,  // !~
  kAndAnd,   // &&
  kOrOr,     // ||
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  size_t offset = 0;  // byte offset of the token's first byte
  Pos pos;
};

// Human-readable token description for error messages ("'::'", "identifier 'cpu'", "end of
// query").
std::string describe(const Token& t);

class Lexer {
 public:
  struct State {
    size_t off = 0;
    uint32_t line = 1;
    size_t line_start = 0;
  };

  explicit Lexer(std::string_view src) : src_(src) {}

  Token next();

  State state() const { return st_; }
  void restore(const State& s) { st_ = s; }
  // Moves to byte offset `off` (>= the current one), keeping line numbers right.
  void skipTo(size_t off);
  // The position of byte offset `off` (>= the current line start).
  Pos posAt(size_t off) const;
  std::string_view src() const { return src_; }

 private:
  Token make(Tok kind, size_t start) const;
  Token error(size_t at, std::string what) const;
  void skipBlanks();
  Token lexNumber(size_t start);
  Token lexQuoted(size_t start, char quote, Tok kind);

  std::string_view src_;
  State st_;
};

// Parses a duration like `5m`, `1h30m`, `100ms` (the whole of `s`) into ns. False on bad syntax or
// overflow.
bool parseDuration(std::string_view s, int64_t* ns);

// True for the reserved words (any case): AND OR NOT IN AS BY HAVING ORDER SORDER LIMIT OFFSET
// SLIMIT SOFFSET ASC DESC FILTER LINK WITH TRUE FALSE NIL. They are names only in backticks.
bool isReservedWord(std::string_view word);

// True for bytes that may appear in a bare identifier ([_a-zA-Z0-9] and any byte >= 0x80).
inline bool isIdentByte(unsigned char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c >= 0x80;
}

}  // namespace sextant::query::dql

// Platypus lexer and recursive-descent parser (parser.h).
//
// Grammar (DataKit's pipeline-platypus-grammar.md), lowest precedence first:
//   assignment = += -= *= /= %= (right) ; || ; && ; in ; == != < <= > >= ; + - ; * / % ;
//   unary ! + - ; postfix a[i] a.b f(...)
// Statements end at a newline, ';' or '}'; newlines inside ( ) and [ ] are ignored, and so are
// newlines inside map literals and after an operator.
#include "pipeline/parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sextant::pipeline {
namespace {

enum class Tok : uint8_t {
  kEof,
  kNewline,
  kIdent,
  kInt,
  kFloat,
  kStr,
  kIf,
  kElif,
  kElse,
  kFor,
  kIn,
  kBreak,
  kContinue,
  kNil,
  kTrue,
  kFalse,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kComma,
  kSemicolon,
  kColon,
  kDot,
  kAssign,
  kAddAssign,
  kSubAssign,
  kMulAssign,
  kDivAssign,
  kModAssign,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAndAnd,
  kOrOr,
  kBang,
};

struct Token {
  Tok kind = Tok::kEof;
  int line = 1;
  int col = 1;
  std::string text;  // identifier name or decoded string
  int64_t i = 0;
  double f = 0;
};

std::string_view tokName(Tok t) {
  switch (t) {
    case Tok::kEof: return "end of script";
    case Tok::kNewline: return "newline";
    case Tok::kIdent: return "identifier";
    case Tok::kInt: return "integer";
    case Tok::kFloat: return "float";
    case Tok::kStr: return "string";
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kLBracket: return "'['";
    case Tok::kRBracket: return "']'";
    case Tok::kLBrace: return "'{'";
    case Tok::kRBrace: return "'}'";
    case Tok::kComma: return "','";
    case Tok::kColon: return "':'";
    case Tok::kSemicolon: return "';'";
    default: return "operator or keyword";
  }
}

class Lexer {
 public:
  Lexer(std::string_view name, std::string_view text) : name_(name), src_(text) {}

  Status run(std::vector<Token>* out) {
    int depth = 0;  // ( and [ nesting: newlines inside are not statement ends
    while (true) {
      skipSpaceAndComments();
      Token t;
      t.line = line_;
      t.col = col();
      if (pos_ >= src_.size()) {
        t.kind = Tok::kEof;
        out->push_back(std::move(t));
        return Status::ok();
      }
      char c = src_[pos_];
      if (c == '\n') {
        advance();
        if (depth == 0 && !out->empty() && out->back().kind != Tok::kNewline) {
          t.kind = Tok::kNewline;
          out->push_back(std::move(t));
        }
        continue;
      }
      if (isIdentStart(c)) {
        size_t start = pos_;
        while (pos_ < src_.size() && isIdentChar(src_[pos_])) advance();
        std::string_view word = src_.substr(start, pos_ - start);
        t.kind = keyword(word);
        if (t.kind == Tok::kIdent) t.text = std::string(word);
      } else if (c == '`') {
        advance();
        size_t start = pos_;
        while (pos_ < src_.size() && src_[pos_] != '`' && src_[pos_] != '\n') advance();
        if (pos_ >= src_.size() || src_[pos_] != '`') {
          return error(t.line, t.col, "unterminated quoted identifier");
        }
        t.kind = Tok::kIdent;
        t.text = std::string(src_.substr(start, pos_ - start));
        advance();
      } else if (c >= '0' && c <= '9') {
        SEXTANT_RETURN_IF_ERROR(number(&t));
      } else if (c == '"' || c == '\'') {
        SEXTANT_RETURN_IF_ERROR(string(&t));
      } else {
        SEXTANT_RETURN_IF_ERROR(punct(&t));
        if (t.kind == Tok::kLParen || t.kind == Tok::kLBracket) ++depth;
        if ((t.kind == Tok::kRParen || t.kind == Tok::kRBracket) && depth > 0) --depth;
      }
      out->push_back(std::move(t));
    }
  }

 private:
  static bool isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  static bool isIdentChar(char c) { return isIdentStart(c) || (c >= '0' && c <= '9'); }

  static Tok keyword(std::string_view w) {
    if (w == "if") return Tok::kIf;
    if (w == "elif") return Tok::kElif;
    if (w == "else") return Tok::kElse;
    if (w == "for") return Tok::kFor;
    if (w == "in") return Tok::kIn;
    if (w == "break") return Tok::kBreak;
    if (w == "continue") return Tok::kContinue;
    if (w == "nil") return Tok::kNil;
    if (w == "true") return Tok::kTrue;
    if (w == "false") return Tok::kFalse;
    return Tok::kIdent;
  }

  int col() const { return static_cast<int>(pos_ - line_start_) + 1; }
  void advance() {
    if (src_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  Status error(int line, int c, std::string_view msg) const {
    return invalidArgument(std::string(name_) + ":" + std::to_string(line) + ":" +
                           std::to_string(c) + ": " + std::string(msg));
  }

  void skipSpaceAndComments() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        advance();
      } else if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') advance();
      } else if (c == '\\' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '\n') {
        advance();  // a line continuation
        advance();
      } else {
        return;
      }
    }
  }

  Status number(Token* t) {
    size_t start = pos_;
    while (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') advance();
    bool is_float = false;
    if (pos_ < src_.size() && src_[pos_] == '.') {
      is_float = true;
      advance();
      while (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') advance();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t save = pos_;
      advance();
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) advance();
      if (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') {
        is_float = true;
        while (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') advance();
      } else {
        pos_ = save;
      }
    }
    if (pos_ < src_.size() && isIdentChar(src_[pos_])) {
      return error(t->line, t->col, "malformed number");
    }
    std::string text(src_.substr(start, pos_ - start));
    errno = 0;
    if (is_float) {
      t->kind = Tok::kFloat;
      t->f = std::strtod(text.c_str(), nullptr);
    } else {
      t->kind = Tok::kInt;
      t->i = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return error(t->line, t->col, "integer literal out of range");
    }
    return Status::ok();
  }

  static int hexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static void appendUtf8(uint32_t cp, std::string* out) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Status string(Token* t) {
    char q = src_[pos_];
    bool triple = pos_ + 2 < src_.size() && src_[pos_ + 1] == q && src_[pos_ + 2] == q;
    advance();
    if (triple) {
      advance();
      advance();
    }
    t->kind = Tok::kStr;
    std::string& out = t->text;
    while (true) {
      if (pos_ >= src_.size()) return error(t->line, t->col, "unterminated string");
      char c = src_[pos_];
      if (c == q) {
        if (!triple) {
          advance();
          return Status::ok();
        }
        if (pos_ + 2 < src_.size() + 0 && src_[pos_ + 1] == q && src_[pos_ + 2] == q) {
          advance();
          advance();
          advance();
          return Status::ok();
        }
        out.push_back(c);
        advance();
        continue;
      }
      if (c == '\n' && !triple) return error(t->line, t->col, "newline in string");
      if (c != '\\') {
        out.push_back(c);
        advance();
        continue;
      }
      int esc_line = line_;
      int esc_col = col();
      advance();
      if (pos_ >= src_.size()) return error(t->line, t->col, "unterminated string");
      char e = src_[pos_];
      advance();
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case '\n': break;  // a line continuation inside a string
        case 'x': {
          int h1 = pos_ < src_.size() ? hexVal(src_[pos_]) : -1;
          int h2 = pos_ + 1 < src_.size() ? hexVal(src_[pos_ + 1]) : -1;
          if (h1 < 0 || h2 < 0) return error(esc_line, esc_col, "malformed \\x escape");
          advance();
          advance();
          out.push_back(static_cast<char>(h1 * 16 + h2));
          break;
        }
        case 'u':
        case 'U': {
          int n = e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < n; ++k) {
            int h = pos_ < src_.size() ? hexVal(src_[pos_]) : -1;
            if (h < 0) return error(esc_line, esc_col, "malformed unicode escape");
            cp = cp * 16 + static_cast<uint32_t>(h);
            advance();
          }
          appendUtf8(cp, &out);
          break;
        }
        default:
          // Unknown escapes keep the backslash (grok and regex patterns such as "\[" or "\d"
          // then work without doubling it).
          out.push_back('\\');
          out.push_back(e);
          break;
      }
    }
  }

  Status punct(Token* t) {
    char c = src_[pos_];
    char n = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
    auto two = [&](Tok k) {
      advance();
      advance();
      t->kind = k;
      return Status::ok();
    };
    auto one = [&](Tok k) {
      advance();
      t->kind = k;
      return Status::ok();
    };
    switch (c) {
      case '(': return one(Tok::kLParen);
      case ')': return one(Tok::kRParen);
      case '[': return one(Tok::kLBracket);
      case ']': return one(Tok::kRBracket);
      case '{': return one(Tok::kLBrace);
      case '}': return one(Tok::kRBrace);
      case ',': return one(Tok::kComma);
      case ';': return one(Tok::kSemicolon);
      case ':': return one(Tok::kColon);
      case '.': return one(Tok::kDot);
      case '=': return n == '=' ? two(Tok::kEq) : one(Tok::kAssign);
      case '!': return n == '=' ? two(Tok::kNe) : one(Tok::kBang);
      case '<': return n == '=' ? two(Tok::kLe) : one(Tok::kLt);
      case '>': return n == '=' ? two(Tok::kGe) : one(Tok::kGt);
      case '+': return n == '=' ? two(Tok::kAddAssign) : one(Tok::kPlus);
      case '-': return n == '=' ? two(Tok::kSubAssign) : one(Tok::kMinus);
      case '*': return n == '=' ? two(Tok::kMulAssign) : one(Tok::kStar);
      case '/': return n == '=' ? two(Tok::kDivAssign) : one(Tok::kSlash);
      case '%': return n == '=' ? two(Tok::kModAssign) : one(Tok::kPercent);
      case '&':
        if (n == '&') return two(Tok::kAndAnd);
        break;
      case '|':
        if (n == '|') return two(Tok::kOrOr);
        break;
      default: break;
    }
    std::string msg = "unexpected character ";
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
      msg += "'" + std::string(1, c) + "'";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "0x%02x", static_cast<unsigned char>(c));
      msg += buf;
    }
    return error(t->line, t->col, msg);
  }

  std::string_view name_;
  std::string_view src_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
};

class Parser {
 public:
  Parser(std::string_view name, std::vector<Token> toks) : name_(name), toks_(std::move(toks)) {}

  Result<Program> run() {
    Program prog;
    Status st = block(&prog.body, /*top=*/true);
    if (!st.isOk()) return st;
    return prog;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  bool at(Tok k) const { return peek().kind == k; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  void skipNewlines() {
    while (at(Tok::kNewline)) next();
  }
  Status error(const Token& t, std::string_view msg) const {
    return invalidArgument(std::string(name_) + ":" + std::to_string(t.line) + ":" +
                           std::to_string(t.col) + ": " + std::string(msg));
  }
  Status expect(Tok k, std::string_view what) {
    if (!at(k)) {
      return error(peek(),
                   "expected " + std::string(what) + ", got " + std::string(tokName(peek().kind)));
    }
    next();
    return Status::ok();
  }
  std::unique_ptr<Expr> node(ExprKind k, const Token& at_tok) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = at_tok.line;
    e->col = at_tok.col;
    return e;
  }

  // Statements until '}' (or the end of the script at top level).
  Status block(Block* out, bool top) {
    if (++depth_ > kMaxDepth) return error(peek(), "nesting too deep");
    while (true) {
      while (at(Tok::kNewline) || at(Tok::kSemicolon)) next();
      if (at(Tok::kEof)) {
        if (!top) return error(peek(), "expected '}', got end of script");
        break;
      }
      if (at(Tok::kRBrace)) {
        if (top) return error(peek(), "unexpected '}'");
        break;
      }
      std::unique_ptr<Stmt> s;
      SEXTANT_RETURN_IF_ERROR(statement(&s));
      out->push_back(std::move(s));
      if (!at(Tok::kNewline) && !at(Tok::kSemicolon) && !at(Tok::kRBrace) && !at(Tok::kEof)) {
        return error(peek(), "expected end of statement, got " + std::string(tokName(peek().kind)));
      }
    }
    --depth_;
    return Status::ok();
  }

  Status braced(Block* out) {
    skipNewlines();
    SEXTANT_RETURN_IF_ERROR(expect(Tok::kLBrace, "'{'"));
    SEXTANT_RETURN_IF_ERROR(block(out, false));
    return expect(Tok::kRBrace, "'}'");
  }

  Status statement(std::unique_ptr<Stmt>* out) {
    const Token& t = peek();
    auto s = std::make_unique<Stmt>();
    s->line = t.line;
    s->col = t.col;
    switch (t.kind) {
      case Tok::kIf: {
        s->kind = StmtKind::kIf;
        next();
        while (true) {
          std::unique_ptr<Expr> cond;
          SEXTANT_RETURN_IF_ERROR(expr(&cond));
          s->conds.push_back(std::move(cond));
          s->blocks.emplace_back();
          SEXTANT_RETURN_IF_ERROR(braced(&s->blocks.back()));
          // elif / else may follow on the next line.
          size_t save = pos_;
          skipNewlines();
          if (at(Tok::kElif)) {
            next();
            continue;
          }
          if (at(Tok::kElse)) {
            next();
            s->blocks.emplace_back();
            SEXTANT_RETURN_IF_ERROR(braced(&s->blocks.back()));
          } else {
            pos_ = save;
          }
          break;
        }
        break;
      }
      case Tok::kFor: {
        next();
        if (at(Tok::kIdent) && peek(1).kind == Tok::kIn) {
          s->kind = StmtKind::kForIn;
          s->var = node(ExprKind::kIdent, peek());
          s->var->s = next().text;
          next();  // in
          SEXTANT_RETURN_IF_ERROR(expr(&s->expr));
        } else {
          s->kind = StmtKind::kFor;
          if (!at(Tok::kSemicolon)) SEXTANT_RETURN_IF_ERROR(expr(&s->init));
          SEXTANT_RETURN_IF_ERROR(expect(Tok::kSemicolon, "';'"));
          if (!at(Tok::kSemicolon)) SEXTANT_RETURN_IF_ERROR(expr(&s->expr));
          SEXTANT_RETURN_IF_ERROR(expect(Tok::kSemicolon, "';'"));
          if (!at(Tok::kLBrace)) SEXTANT_RETURN_IF_ERROR(expr(&s->step));
        }
        s->blocks.emplace_back();
        SEXTANT_RETURN_IF_ERROR(braced(&s->blocks.back()));
        break;
      }
      case Tok::kBreak:
      case Tok::kContinue:
        s->kind = t.kind == Tok::kBreak ? StmtKind::kBreak : StmtKind::kContinue;
        next();
        break;
      case Tok::kElif:
      case Tok::kElse: return error(t, "'elif' or 'else' without 'if'");
      default:
        s->kind = StmtKind::kExpr;
        SEXTANT_RETURN_IF_ERROR(expr(&s->expr));
        break;
    }
    *out = std::move(s);
    return Status::ok();
  }

  Status expr(std::unique_ptr<Expr>* out) {
    if (++depth_ > kMaxDepth) return error(peek(), "nesting too deep");
    Status st = assignment(out);
    --depth_;
    return st;
  }

  Status assignment(std::unique_ptr<Expr>* out) {
    std::unique_ptr<Expr> lhs;
    SEXTANT_RETURN_IF_ERROR(orExpr(&lhs));
    Op op = Op::kNone;
    switch (peek().kind) {
      case Tok::kAssign: op = Op::kNone; break;
      case Tok::kAddAssign: op = Op::kAdd; break;
      case Tok::kSubAssign: op = Op::kSub; break;
      case Tok::kMulAssign: op = Op::kMul; break;
      case Tok::kDivAssign: op = Op::kDiv; break;
      case Tok::kModAssign: op = Op::kMod; break;
      default: *out = std::move(lhs); return Status::ok();
    }
    const Token& t = next();
    if (lhs->kind != ExprKind::kIdent && lhs->kind != ExprKind::kIndex &&
        lhs->kind != ExprKind::kAttr) {
      return error(t, "cannot assign to this expression");
    }
    skipNewlines();
    auto e = node(ExprKind::kAssign, t);
    e->op = op;
    std::unique_ptr<Expr> rhs;
    SEXTANT_RETURN_IF_ERROR(expr(&rhs));
    e->kids.push_back(std::move(lhs));
    e->kids.push_back(std::move(rhs));
    *out = std::move(e);
    return Status::ok();
  }

  using Level = Status (Parser::*)(std::unique_ptr<Expr>*);

  Status binaryLevel(std::unique_ptr<Expr>* out, Level next_level,
                     std::initializer_list<std::pair<Tok, Op>> ops) {
    std::unique_ptr<Expr> lhs;
    SEXTANT_RETURN_IF_ERROR((this->*next_level)(&lhs));
    int chained = 0;
    while (true) {
      Op op = Op::kNone;
      for (auto [tk, o] : ops) {
        if (at(tk)) op = o;
      }
      if (op == Op::kNone) break;
      ++chained;
      if (++depth_ > kMaxDepth) return error(peek(), "nesting too deep");
      const Token& t = next();
      skipNewlines();
      auto e = node(ExprKind::kBinary, t);
      e->op = op;
      std::unique_ptr<Expr> rhs;
      SEXTANT_RETURN_IF_ERROR((this->*next_level)(&rhs));
      e->kids.push_back(std::move(lhs));
      e->kids.push_back(std::move(rhs));
      lhs = std::move(e);
    }
    depth_ -= chained;
    *out = std::move(lhs);
    return Status::ok();
  }

  Status orExpr(std::unique_ptr<Expr>* out) {
    return binaryLevel(out, &Parser::andExpr, {{Tok::kOrOr, Op::kOr}});
  }
  Status andExpr(std::unique_ptr<Expr>* out) {
    return binaryLevel(out, &Parser::inExpr, {{Tok::kAndAnd, Op::kAnd}});
  }
  Status inExpr(std::unique_ptr<Expr>* out) {
    return binaryLevel(out, &Parser::cmpExpr, {{Tok::kIn, Op::kIn}});
  }
  Status cmpExpr(std::unique_ptr<Expr>* out) {
    return binaryLevel(out, &Parser::addExpr,
                       {{Tok::kEq, Op::kEq},
                        {Tok::kNe, Op::kNe},
                        {Tok::kLt, Op::kLt},
                        {Tok::kLe, Op::kLe},
                        {Tok::kGt, Op::kGt},
                        {Tok::kGe, Op::kGe}});
  }
  Status addExpr(std::unique_ptr<Expr>* out) {
    return binaryLevel(out, &Parser::mulExpr, {{Tok::kPlus, Op::kAdd}, {Tok::kMinus, Op::kSub}});
  }
  Status mulExpr(std::unique_ptr<Expr>* out) {
    return binaryLevel(
        out, &Parser::unary,
        {{Tok::kStar, Op::kMul}, {Tok::kSlash, Op::kDiv}, {Tok::kPercent, Op::kMod}});
  }

  Status unary(std::unique_ptr<Expr>* out) {
    if (at(Tok::kBang) || at(Tok::kMinus) || at(Tok::kPlus)) {
      if (++depth_ > kMaxDepth) return error(peek(), "nesting too deep");
      const Token& t = next();
      auto e = node(ExprKind::kUnary, t);
      e->op = t.kind == Tok::kBang ? Op::kNot : (t.kind == Tok::kMinus ? Op::kSub : Op::kAdd);
      std::unique_ptr<Expr> operand;
      SEXTANT_RETURN_IF_ERROR(unary(&operand));
      --depth_;
      // Fold a sign into a number literal so -9223372036854775808 style limits stay literals.
      if (e->op != Op::kNot &&
          (operand->kind == ExprKind::kInt || operand->kind == ExprKind::kFloat)) {
        if (e->op == Op::kSub) {
          if (operand->kind == ExprKind::kInt) {
            operand->i = static_cast<int64_t>(0ULL - static_cast<uint64_t>(operand->i));
          } else {
            operand->f = -operand->f;
          }
        }
        operand->line = e->line;
        operand->col = e->col;
        *out = std::move(operand);
        return Status::ok();
      }
      e->kids.push_back(std::move(operand));
      *out = std::move(e);
      return Status::ok();
    }
    return postfix(out);
  }

  Status postfix(std::unique_ptr<Expr>* out) {
    std::unique_ptr<Expr> e;
    SEXTANT_RETURN_IF_ERROR(primary(&e));
    int extra = 0;
    while (true) {
      if (at(Tok::kLBracket)) {
        const Token& t = next();
        auto ix = node(ExprKind::kIndex, t);
        std::unique_ptr<Expr> idx;
        SEXTANT_RETURN_IF_ERROR(expr(&idx));
        SEXTANT_RETURN_IF_ERROR(expect(Tok::kRBracket, "']'"));
        ix->kids.push_back(std::move(e));
        ix->kids.push_back(std::move(idx));
        e = std::move(ix);
      } else if (at(Tok::kDot)) {
        const Token& t = next();
        if (!at(Tok::kIdent)) return error(peek(), "expected a name after '.'");
        auto a = node(ExprKind::kAttr, t);
        a->s = next().text;
        a->kids.push_back(std::move(e));
        e = std::move(a);
      } else if (at(Tok::kLParen)) {
        if (e->kind != ExprKind::kIdent)
          return error(peek(), "only built-in functions can be called");
        SEXTANT_RETURN_IF_ERROR(callArgs(e.get()));
      } else {
        break;
      }
      if (++extra > kMaxDepth) return error(peek(), "nesting too deep");
    }
    *out = std::move(e);
    return Status::ok();
  }

  Status callArgs(Expr* e) {
    next();  // (
    e->kind = ExprKind::kCall;
    bool named_seen = false;
    while (!at(Tok::kRParen)) {
      std::string name;
      if (at(Tok::kIdent) && peek(1).kind == Tok::kAssign) {
        name = next().text;
        next();
        named_seen = true;
      } else if (named_seen) {
        return error(peek(), "positional argument after a named argument");
      }
      std::unique_ptr<Expr> a;
      SEXTANT_RETURN_IF_ERROR(expr(&a));
      e->kids.push_back(std::move(a));
      e->arg_names.push_back(std::move(name));
      if (at(Tok::kComma)) {
        next();
        continue;
      }
      if (!at(Tok::kRParen)) {
        return error(peek(), "expected ',' or ')', got " + std::string(tokName(peek().kind)));
      }
    }
    next();  // )
    return Status::ok();
  }

  Status primary(std::unique_ptr<Expr>* out) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kInt:
        *out = node(ExprKind::kInt, t);
        (*out)->i = t.i;
        next();
        return Status::ok();
      case Tok::kFloat:
        *out = node(ExprKind::kFloat, t);
        (*out)->f = t.f;
        next();
        return Status::ok();
      case Tok::kStr:
        *out = node(ExprKind::kStr, t);
        (*out)->s = t.text;
        next();
        return Status::ok();
      case Tok::kTrue:
      case Tok::kFalse:
        *out = node(ExprKind::kBool, t);
        (*out)->b = t.kind == Tok::kTrue;
        next();
        return Status::ok();
      case Tok::kNil:
        *out = node(ExprKind::kNil, t);
        next();
        return Status::ok();
      case Tok::kIdent:
        *out = node(ExprKind::kIdent, t);
        (*out)->s = t.text;
        next();
        return Status::ok();
      case Tok::kLParen: {
        next();
        SEXTANT_RETURN_IF_ERROR(expr(out));
        return expect(Tok::kRParen, "')'");
      }
      case Tok::kLBracket: {
        auto e = node(ExprKind::kList, t);
        next();
        while (!at(Tok::kRBracket)) {
          std::unique_ptr<Expr> item;
          SEXTANT_RETURN_IF_ERROR(expr(&item));
          e->kids.push_back(std::move(item));
          if (at(Tok::kComma)) {
            next();
            continue;
          }
          if (!at(Tok::kRBracket)) {
            return error(peek(), "expected ',' or ']', got " + std::string(tokName(peek().kind)));
          }
        }
        next();
        *out = std::move(e);
        return Status::ok();
      }
      case Tok::kLBrace: {
        auto e = node(ExprKind::kMap, t);
        next();
        skipNewlines();
        while (!at(Tok::kRBrace)) {
          std::unique_ptr<Expr> k;
          std::unique_ptr<Expr> v;
          SEXTANT_RETURN_IF_ERROR(expr(&k));
          skipNewlines();
          SEXTANT_RETURN_IF_ERROR(expect(Tok::kColon, "':'"));
          skipNewlines();
          SEXTANT_RETURN_IF_ERROR(expr(&v));
          skipNewlines();
          e->kids.push_back(std::move(k));
          e->kids.push_back(std::move(v));
          if (at(Tok::kComma)) {
            next();
            skipNewlines();
            continue;
          }
          if (!at(Tok::kRBrace)) {
            return error(peek(), "expected ',' or '}', got " + std::string(tokName(peek().kind)));
          }
        }
        next();
        *out = std::move(e);
        return Status::ok();
      }
      default: return error(t, "unexpected " + std::string(tokName(t.kind)));
    }
  }

  std::string_view name_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Program> parseScript(std::string_view script_name, std::string_view text) {
  std::vector<Token> toks;
  Lexer lx(script_name, text);
  Status st = lx.run(&toks);
  if (!st.isOk()) return st;
  Parser p(script_name, std::move(toks));
  return p.run();
}

}  // namespace sextant::pipeline

#include "server/log_api/log_query.h"

#include <charconv>
#include <cstdio>

namespace sextant::server::log_api {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Bytes a full-text token is made of (storage::encoding::forEachToken's rule).
bool isTokenByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct Token {
  enum Kind : std::uint8_t {
    kEnd,
    kLParen,
    kRParen,
    kPhrase,
    kWord,
    kKey,
    kAnd,
    kOr,
    kNot,
    kMinus
  };
  Kind kind = kEnd;
  std::string text;
  bool wildcard = false;          // kWord: an unescaped '*' or '?'
  bool escaped_wildcard = false;  // kWord: an escaped '*' or '?'
  std::size_t position = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view q) : q_(q) {}

  Result<QueryNode> parse(std::size_t* error_position) {
    QueryNode root;
    if (q_.size() > kMaxQueryBytes) {
      fail(kMaxQueryBytes, "query longer than " + std::to_string(kMaxQueryBytes) + " bytes");
    } else {
      advance();
      if (ok()) {
        if (tok_.kind == Token::kEnd) {
          root.kind = QueryNode::kAnd;
        } else {
          root = parseOr(0);
          if (ok() && tok_.kind != Token::kEnd) {
            fail(tok_.position,
                 tok_.kind == Token::kRParen ? "unbalanced ')'" : "unexpected " + describe(tok_));
          }
        }
      }
    }
    if (!ok()) {
      if (error_position != nullptr) *error_position = error_pos_;
      return invalidArgument(error_ + " at position " + std::to_string(error_pos_));
    }
    return root;
  }

 private:
  bool ok() const { return error_.empty(); }
  void fail(std::size_t pos, std::string message) {
    if (!ok()) return;
    error_ = std::move(message);
    error_pos_ = pos;
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::kEnd: return "end of query";
      case Token::kLParen: return "'('";
      case Token::kRParen: return "')'";
      case Token::kAnd: return "AND";
      case Token::kOr: return "OR";
      case Token::kNot: return "NOT";
      case Token::kMinus: return "'-'";
      case Token::kKey: return "'" + t.text + ":'";
      default: return "'" + t.text + "'";
    }
  }

  // Reads the next token into tok_.
  void advance() {
    while (pos_ < q_.size() && isSpace(q_[pos_])) ++pos_;
    tok_ = Token{};
    tok_.position = pos_;
    if (pos_ >= q_.size()) return;
    const char c = q_[pos_];
    if (c == '(') {
      tok_.kind = Token::kLParen;
      ++pos_;
      return;
    }
    if (c == ')') {
      tok_.kind = Token::kRParen;
      ++pos_;
      return;
    }
    if (c == '"') {
      lexPhrase();
      return;
    }
    if (c == '-' && !after_key_) {
      if (pos_ + 1 >= q_.size() || isSpace(q_[pos_ + 1]) || q_[pos_ + 1] == ')') {
        fail(pos_, "'-' without a term after it");
        return;
      }
      tok_.kind = Token::kMinus;
      ++pos_;
      return;
    }
    lexWord();
  }

  void lexPhrase() {
    tok_.kind = Token::kPhrase;
    ++pos_;
    for (;;) {
      if (pos_ >= q_.size()) {
        fail(tok_.position, "unterminated quote");
        return;
      }
      char c = q_[pos_++];
      if (c == '"') break;
      if (c == '\\' && pos_ < q_.size()) c = q_[pos_++];
      tok_.text.push_back(c);
    }
    after_key_ = false;
  }

  void lexWord() {
    tok_.kind = Token::kWord;
    const bool value = after_key_;
    after_key_ = false;
    bool any_escape = false;
    while (pos_ < q_.size()) {
      char c = q_[pos_];
      if (isSpace(c) || c == '(' || c == ')' || c == '"') break;
      if (c == '\\') {
        if (pos_ + 1 >= q_.size()) {
          fail(pos_, "'\\' at the end of the query");
          return;
        }
        char e = q_[pos_ + 1];
        if (e == '*' || e == '?') tok_.escaped_wildcard = true;
        tok_.text.push_back(e);
        any_escape = true;
        pos_ += 2;
        continue;
      }
      if (c == ':' && !value && !tok_.text.empty()) {
        ++pos_;
        tok_.kind = Token::kKey;
        after_key_ = true;
        if (pos_ >= q_.size() || isSpace(q_[pos_]) || q_[pos_] == ')') {
          fail(pos_, "missing value after '" + tok_.text + ":'");
        }
        return;
      }
      if (c == '*' || c == '?') tok_.wildcard = true;
      tok_.text.push_back(c);
      ++pos_;
    }
    if (tok_.text.empty()) {
      fail(tok_.position, "empty term");
      return;
    }
    if (!any_escape && !value) {
      if (tok_.text == "AND") tok_.kind = Token::kAnd;
      if (tok_.text == "OR") tok_.kind = Token::kOr;
      if (tok_.text == "NOT") tok_.kind = Token::kNot;
    }
    if (tok_.wildcard && tok_.escaped_wildcard) {
      fail(tok_.position, "a term cannot mix escaped and unescaped wildcards");
    }
  }

  bool count(std::size_t pos) {
    if (++nodes_ > kMaxQueryNodes) {
      fail(pos, "more than " + std::to_string(kMaxQueryNodes) + " items");
      return false;
    }
    return true;
  }

  QueryNode parseOr(std::size_t depth) {
    QueryNode first = parseAnd(depth);
    if (!ok() || tok_.kind != Token::kOr) return first;
    QueryNode n;
    n.kind = QueryNode::kOr;
    n.position = first.position;
    addChild(&n, std::move(first));
    while (ok() && tok_.kind == Token::kOr) {
      advance();
      if (!ok()) break;
      addChild(&n, parseAnd(depth));
    }
    return n;
  }

  QueryNode parseAnd(std::size_t depth) {
    QueryNode first = parseUnary(depth);
    QueryNode n;
    n.kind = QueryNode::kAnd;
    n.position = first.position;
    addChild(&n, std::move(first));
    while (ok()) {
      if (tok_.kind == Token::kAnd) {
        advance();
        if (!ok()) break;
      } else if (tok_.kind == Token::kEnd || tok_.kind == Token::kRParen ||
                 tok_.kind == Token::kOr) {
        break;
      }
      addChild(&n, parseUnary(depth));
    }
    if (n.children.size() == 1) return std::move(n.children[0]);
    return n;
  }

  // Adds c to n (of the same kind: its children are added instead).
  static void addChild(QueryNode* n, QueryNode c) {
    if (c.kind == n->kind && (c.kind == QueryNode::kAnd || c.kind == QueryNode::kOr)) {
      for (QueryNode& g : c.children) n->children.push_back(std::move(g));
    } else {
      n->children.push_back(std::move(c));
    }
  }

  QueryNode parseUnary(std::size_t depth) {
    if (depth > kMaxQueryDepth) {
      fail(tok_.position, "nesting deeper than " + std::to_string(kMaxQueryDepth));
      return {};
    }
    if (tok_.kind == Token::kNot || tok_.kind == Token::kMinus) {
      QueryNode n;
      n.kind = QueryNode::kNot;
      n.position = tok_.position;
      if (!count(n.position)) return {};
      advance();
      if (!ok()) return {};
      n.children.push_back(parseUnary(depth + 1));
      return n;
    }
    return parsePrimary(depth);
  }

  QueryNode parsePrimary(std::size_t depth) {
    QueryNode n;
    n.position = tok_.position;
    if (!ok()) return n;
    // Groups are not items (toString may add or drop parentheses); nesting bounds them.
    if (tok_.kind != Token::kLParen && !count(n.position)) return n;
    switch (tok_.kind) {
      case Token::kLParen: {
        const std::size_t open = tok_.position;
        advance();
        if (!ok()) return n;
        if (tok_.kind == Token::kRParen) {
          fail(tok_.position, "empty parentheses");
          return n;
        }
        n = parseOr(depth + 1);
        if (!ok()) return n;
        if (tok_.kind != Token::kRParen) {
          fail(open, "unbalanced '('");
          return n;
        }
        advance();
        return n;
      }
      case Token::kPhrase:
        n.kind = QueryNode::kPhrase;
        n.text = std::move(tok_.text);
        advance();
        return n;
      case Token::kWord:
        makeTerm(&n);
        advance();
        return n;
      case Token::kKey:
        n.kind = QueryNode::kField;
        n.key = std::move(tok_.text);
        advance();
        parseValues(&n);
        return n;
      default: fail(tok_.position, "unexpected " + describe(tok_)); return n;
    }
  }

  void makeTerm(QueryNode* n) {
    if (!tok_.wildcard) {
      n->kind = QueryNode::kTerm;
      n->text = std::move(tok_.text);
      return;
    }
    n->kind = QueryNode::kWildcard;
    for (char c : tok_.text) {
      if (c != '*' && c != '?' && !isTokenByte(static_cast<unsigned char>(c))) {
        fail(tok_.position,
             "wildcard term '" + tok_.text +
                 "' has a character other than letters, digits, '_' and wildcards (quote a "
                 "phrase or use a key:value filter)");
        return;
      }
      n->text.push_back(lower(c));
    }
  }

  QueryValue valueOf(Token& t) {
    QueryValue v;
    v.text = std::move(t.text);
    v.wildcard = t.kind == Token::kWord && t.wildcard;
    return v;
  }

  void parseValues(QueryNode* n) {
    if (!ok()) return;
    if (tok_.kind == Token::kWord || tok_.kind == Token::kPhrase || tok_.kind == Token::kAnd ||
        tok_.kind == Token::kOr || tok_.kind == Token::kNot) {
      n->values.push_back(valueOf(tok_));
      advance();
      return;
    }
    if (tok_.kind != Token::kLParen) {
      fail(tok_.position, "missing value after '" + n->key + ":'");
      return;
    }
    const std::size_t open = tok_.position;
    advance();
    for (;;) {
      if (!ok()) return;
      if (tok_.kind == Token::kEnd) {
        fail(open, "unbalanced '('");
        return;
      }
      if (tok_.kind != Token::kWord && tok_.kind != Token::kPhrase) {
        fail(tok_.position, "expected a value in '" + n->key + ":(...)', got " + describe(tok_));
        return;
      }
      if (!count(tok_.position)) return;
      n->values.push_back(valueOf(tok_));
      advance();
      if (!ok()) return;
      if (tok_.kind == Token::kRParen) {
        advance();
        return;
      }
      if (tok_.kind == Token::kEnd) {
        fail(open, "unbalanced '('");
        return;
      }
      if (tok_.kind != Token::kOr) {
        fail(tok_.position, "values in '" + n->key + ":(...)' are separated by OR");
        return;
      }
      advance();
    }
  }

  std::string_view q_;
  std::size_t pos_ = 0;
  bool after_key_ = false;  // the next word is the value of a key
  Token tok_;
  std::size_t nodes_ = 0;
  std::string error_;
  std::size_t error_pos_ = 0;
};

// Escapes the bytes the lexer treats specially (wildcards too unless keep_wildcards).
std::string escapeWord(std::string_view s, bool keep_wildcards) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool special = isSpace(c) || c == '(' || c == ')' || c == '"' || c == '\\' || c == ':' ||
                   (!keep_wildcards && (c == '*' || c == '?')) || (i == 0 && c == '-');
    if (special) out.push_back('\\');
    out.push_back(c);
  }
  if (out == "AND" || out == "OR" || out == "NOT") out.insert(out.begin(), '\\');
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string valueString(const QueryValue& v) {
  if (!v.wildcard) return quote(v.text);
  // Keep wildcards; ':' needs no escape in a value but escaping it is harmless.
  return escapeWord(v.text, /*keep_wildcards=*/true);
}

}  // namespace

Result<QueryNode> parseLogQuery(std::string_view q, std::size_t* error_position) {
  return Parser(q).parse(error_position);
}

std::string toString(const QueryNode& n) {
  switch (n.kind) {
    case QueryNode::kTerm: return escapeWord(n.text, false);
    case QueryNode::kPhrase: return quote(n.text);
    case QueryNode::kWildcard: return n.text;
    case QueryNode::kField: {
      std::string out = escapeWord(n.key, false) + ":";
      if (n.values.size() == 1) return out + valueString(n.values[0]);
      out += "(";
      for (std::size_t i = 0; i < n.values.size(); ++i) {
        if (i > 0) out += " OR ";
        out += valueString(n.values[i]);
      }
      return out + ")";
    }
    case QueryNode::kNot: {
      if (n.children.empty()) return "";
      const QueryNode& c = n.children[0];
      bool group = c.kind == QueryNode::kAnd || c.kind == QueryNode::kOr;
      return group ? "-(" + toString(c) + ")" : "-" + toString(c);
    }
    case QueryNode::kAnd:
    case QueryNode::kOr: {
      std::string out;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out += n.kind == QueryNode::kAnd ? " " : " OR ";
        const QueryNode& c = n.children[i];
        bool group = c.kind == QueryNode::kAnd || c.kind == QueryNode::kOr;
        out += group ? "(" + toString(c) + ")" : toString(c);
      }
      return out;
    }
  }
  return "";
}

bool globMatch(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string encodeCursor(const LogCursor& c) {
  char buf[80];
  int n = std::snprintf(buf, sizeof buf, "c1.%lld.%016llx.%u", static_cast<long long>(c.time_ns),
                        static_cast<unsigned long long>(c.hash), c.dups);
  return std::string(buf, static_cast<std::size_t>(n));
}

Result<LogCursor> parseCursor(std::string_view s) {
  auto bad = [&] { return invalidArgument("invalid search_after cursor"); };
  if (!s.starts_with("c1.")) return bad();
  s.remove_prefix(3);
  LogCursor c;
  std::size_t d1 = s.find('.');
  if (d1 == std::string_view::npos) return bad();
  std::size_t d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos || d2 - d1 - 1 != 16) return bad();
  std::string_view t = s.substr(0, d1), h = s.substr(d1 + 1, 16), d = s.substr(d2 + 1);
  auto r1 = std::from_chars(t.data(), t.data() + t.size(), c.time_ns);
  if (t.empty() || r1.ec != std::errc() || r1.ptr != t.data() + t.size()) return bad();
  for (char ch : h) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return bad();
  }
  auto r2 = std::from_chars(h.data(), h.data() + h.size(), c.hash, 16);
  if (r2.ec != std::errc() || r2.ptr != h.data() + h.size()) return bad();
  if (d.empty() || d.front() == '+' || d.front() == '-') return bad();
  auto r3 = std::from_chars(d.data(), d.data() + d.size(), c.dups);
  if (r3.ec != std::errc() || r3.ptr != d.data() + d.size()) return bad();
  return c;
}

}  // namespace sextant::server::log_api

// The log search query language of /v1/logs/* (docs/api/logs.md) and the search cursor: pure
// parsers of untrusted text, with no storage dependency (fuzzed by log_query_fuzz.cc).
//
//   timeout "connection reset" time* -debug status:(error OR warn) service:web* host:"a b"
//   (foo OR bar) AND NOT source:nginx
//
// Grammar (whitespace separates items; AND, OR, NOT are upper-case keywords, juxtaposition is
// AND, AND binds tighter than OR):
//   query   := or
//   or      := and ("OR" and)*
//   and     := unary (["AND"] unary)*
//   unary   := ("NOT" | "-") unary | primary
//   primary := "(" or ")" | PHRASE | WORD | KEY ":" value
//   value   := PHRASE | WORD | "(" (PHRASE | WORD) ("OR" (PHRASE | WORD))* ")"
// A WORD is a run of bytes other than whitespace, '(', ')' and '"'; a backslash makes the next
// byte literal. A WORD with an unescaped ':' after a non-empty key is a KEY:value. A PHRASE is
// "..." with \" and \\ escapes. In a bare WORD and an unquoted value, '*' (any run) and '?' (one
// byte) are wildcards; quoted text is always literal.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::server::log_api {

constexpr std::size_t kMaxQueryBytes = 8192;
constexpr std::size_t kMaxQueryNodes = 512;
constexpr std::size_t kMaxQueryDepth = 32;

// One value of a key:value condition.
struct QueryValue {
  std::string text;       // unescaped; a glob when wildcard
  bool wildcard = false;  // has an unescaped, unquoted '*' or '?'
  bool operator==(const QueryValue&) const = default;
};

struct QueryNode {
  enum Kind : std::uint8_t {
    kTerm,      // text: a full-text term, every token of which is in the message
    kPhrase,    // text: its tokens appear in the message consecutively, in order
    kWildcard,  // text: a glob (lowercased) that some token of the message matches
    kField,     // key: values (any of them): the column `key` (or the source) equals / matches
    kAnd,       // children (none: matches everything)
    kOr,        // children
    kNot,       // children[0]
  };
  Kind kind = kAnd;
  std::string text;
  std::string key;
  std::vector<QueryValue> values;
  std::vector<QueryNode> children;
  std::size_t position = 0;  // byte offset of the item in the query
  bool operator==(const QueryNode&) const = default;
};

// Parses a query. Blank: an empty kAnd. Nested single-child AND/OR nodes are flattened.
// InvalidArgument with "... at position N" (N a byte offset, also stored in *error_position
// when given) for unbalanced parentheses or quotes, a dangling operator, an empty key or value,
// a wildcard term with bytes other than letters, digits, '_', UTF-8 and wildcards (terms are
// matched token by token), more than kMaxQueryBytes bytes, kMaxQueryNodes items or
// kMaxQueryDepth nesting.
Result<QueryNode> parseLogQuery(std::string_view q, std::size_t* error_position = nullptr);

// The query written back in the grammar above (for messages and tests; parses to the same tree).
std::string toString(const QueryNode& n);

// Glob match over bytes: '*' any run (also empty), '?' exactly one byte. Worst case
// O(|pattern| * |text|), no recursion.
bool globMatch(std::string_view pattern, std::string_view text);

// A position in the order of search results, (time, row hash, duplicates): the page after it
// starts with the rows that sort after (time_ns, hash), then skips `dups` more rows equal to it
// (identical rows share a hash). Encoded as an opaque ASCII token.
struct LogCursor {
  std::int64_t time_ns = 0;
  std::uint64_t hash = 0;
  std::uint32_t dups = 0;
  bool operator==(const LogCursor&) const = default;
};
std::string encodeCursor(const LogCursor& c);
// InvalidArgument for anything encodeCursor did not produce.
Result<LogCursor> parseCursor(std::string_view s);

}  // namespace sextant::server::log_api

// The DQL front end: parse Guance's DataFlux Query Language into a syntax tree (ast.h), print a
// tree back as canonical DQL, and substitute dashboard variables. Grammar and canonical form:
// docs/dql.md; a map of the code: README.md beside this file.
//
//   Result<Query> q = dql::parse("M::cpu:(avg(usage_total)) {host='#{host}'} [1h::1m] BY host");
//   Result<Query> s = dql::substituteVariables(*q, {{"host", {"web-1"}}});
//   std::string text = dql::toString(*s);  // M::cpu:(avg(usage_total)) {host = 'web-1'} ...
//
// All functions are pure (no I/O, no globals), never throw on bad input and are safe to call
// concurrently. parse() bounds nesting (kMaxDepth) so hostile input cannot exhaust the stack.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "query/dql/ast.h"

namespace sextant::query::dql {

// The deepest nesting parse() accepts (parentheses, unary operators, lists, calls, subqueries and
// query strings all count).
inline constexpr int kMaxDepth = 64;

// Parses one statement. Errors are InvalidArgument with the message "line:col: <what>" (1-based,
// columns in bytes); for errors inside a quoted query argument the position is that of the string
// followed by the inner position: "1:12: in query string: 1:5: <what>".
Result<Query> parse(std::string_view text);

// Canonical DQL for a tree: explicit namespace, upper-case keywords, lower-case function names,
// single-quoted strings, query arguments in double quotes, chains for call-on-call. For any tree
// parse() returned, parse(toString(q)) == q and toString(parse(toString(q))) == toString(q).
std::string toString(const Query& q);
std::string toString(const Expr& e);
std::string toString(const TimeRange& t);

// Dashboard variables: name -> selected values. One value is the usual case; several values come
// from multi-select variables; no values or a value "__all__" mean "all" (no filter).
using Variables = std::map<std::string, std::vector<std::string>, std::less<>>;

// The value meaning "every value": a filter condition using such a variable is dropped.
inline constexpr std::string_view kAllValue = "__all__";

// Replaces `#{name}` references (unquoted #{x}, and inside strings and regexes, e.g. '#{x}') in the
// query and in every nested query. Rules (docs/dql.md, "Dashboard variables"):
//  - a condition (comparison, IN, or a bare predicate call in a filter, HAVING or WITH clause)
//    that references an "all" variable is dropped; AND/OR with a dropped side become the other
//    side, NOT of a dropped condition is dropped, and a filter left with nothing is removed;
//  - `f = '#{x}'` / `f != '#{x}'` with several values become `f IN [...]` / `f NOT IN [...]`;
//    `IN ['#{x}']` expands to every value; in a regex several values are joined with '|';
//  - an "all" variable outside a condition, or a multi-value one embedded in a longer string, is
//    an error; variables not in `vars` are left as they are.
Result<Query> substituteVariables(const Query& q, const Variables& vars);

// The names of every variable the query references (sorted, unique).
std::vector<std::string> referencedVariables(const Query& q);

}  // namespace sextant::query::dql

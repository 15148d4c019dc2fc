// The query language and cursor (log_query.h): trees written by hand for each construct,
// errors with their positions, the glob matcher and the cursor encoding.
#include "server/log_api/log_query.h"

#include <gtest/gtest.h>

namespace sextant::server::log_api {
namespace {

QueryNode term(std::string t) { return {QueryNode::kTerm, std::move(t)}; }
QueryNode phrase(std::string t) { return {QueryNode::kPhrase, std::move(t)}; }
QueryNode wild(std::string t) { return {QueryNode::kWildcard, std::move(t)}; }
QueryNode field(std::string k, std::vector<QueryValue> v) {
  QueryNode n{QueryNode::kField};
  n.key = std::move(k);
  n.values = std::move(v);
  return n;
}
QueryNode group(QueryNode::Kind k, std::vector<QueryNode> c) {
  QueryNode n{k};
  n.children = std::move(c);
  return n;
}
QueryNode notOf(QueryNode c) { return group(QueryNode::kNot, {std::move(c)}); }

// Positions are checked separately: clear them to compare shapes.
QueryNode shape(QueryNode n) {
  n.position = 0;
  for (QueryNode& c : n.children) c = shape(std::move(c));
  return n;
}

QueryNode parseOk(std::string_view q) {
  Result<QueryNode> r = parseLogQuery(q);
  EXPECT_TRUE(r.isOk()) << q << ": " << r.status().toString();
  return r.isOk() ? shape(*r) : QueryNode{};
}

std::size_t errorAt(std::string_view q) {
  std::size_t pos = 999;
  Result<QueryNode> r = parseLogQuery(q, &pos);
  EXPECT_FALSE(r.isOk()) << q;
  if (!r.isOk()) {
    EXPECT_NE(r.status().message().find("at position " + std::to_string(pos)), std::string::npos)
        << r.status().message();
  }
  return pos;
}

TEST(LogQueryTest, BlankIsAnEmptyAnd) {
  EXPECT_EQ(parseOk(""), group(QueryNode::kAnd, {}));
  EXPECT_EQ(parseOk("  \t "), group(QueryNode::kAnd, {}));
}

TEST(LogQueryTest, TermsPhrasesAndWildcards) {
  EXPECT_EQ(parseOk("timeout"), term("timeout"));
  EXPECT_EQ(parseOk("timeout \"connection reset\" Time* *OUT t?me"),
            group(QueryNode::kAnd, {term("timeout"), phrase("connection reset"), wild("time*"),
                                    wild("*out"), wild("t?me")}));
  // Escapes: a literal star, quote and backslash; keywords as terms.
  EXPECT_EQ(
      parseOk(R"(a\*b "say \"hi\" \\" \AND and)"),
      group(QueryNode::kAnd, {term("a*b"), phrase(R"(say "hi" \)"), term("AND"), term("and")}));
  EXPECT_EQ(parseOk("10.0.0.1"), term("10.0.0.1"));
}

TEST(LogQueryTest, BooleanStructure) {
  // AND binds tighter than OR; NOT and '-' negate one item.
  EXPECT_EQ(parseOk("a b OR c"),
            group(QueryNode::kOr, {group(QueryNode::kAnd, {term("a"), term("b")}), term("c")}));
  EXPECT_EQ(parseOk("a AND (b OR c) -d NOT e"),
            group(QueryNode::kAnd, {term("a"), group(QueryNode::kOr, {term("b"), term("c")}),
                                    notOf(term("d")), notOf(term("e"))}));
  EXPECT_EQ(parseOk("-(a b)"), notOf(group(QueryNode::kAnd, {term("a"), term("b")})));
  // Nested groups of the same kind flatten.
  EXPECT_EQ(parseOk("(a (b c)) d"),
            group(QueryNode::kAnd, {term("a"), term("b"), term("c"), term("d")}));
  EXPECT_EQ(parseOk("a OR (b OR c)"), group(QueryNode::kOr, {term("a"), term("b"), term("c")}));
}

TEST(LogQueryTest, KeyValues) {
  EXPECT_EQ(parseOk("service:web"), field("service", {{"web", false}}));
  EXPECT_EQ(
      parseOk("host:\"a b\" service:web* k:-1"),
      group(QueryNode::kAnd, {field("host", {{"a b", false}}), field("service", {{"web*", true}}),
                              field("k", {{"-1", false}})}));
  EXPECT_EQ(parseOk("status:(error OR warn OR \"x y\")"),
            field("status", {{"error", false}, {"warn", false}, {"x y", false}}));
  EXPECT_EQ(parseOk("-status:info"), notOf(field("status", {{"info", false}})));
  EXPECT_EQ(parseOk("url:http://x/y"), field("url", {{"http://x/y", false}}));
  EXPECT_EQ(parseOk(R"(a\:b:c)"), field("a:b", {{"c", false}}));
  EXPECT_EQ(parseOk("k:*"), field("k", {{"*", true}}));
  // A value may be a keyword.
  EXPECT_EQ(parseOk("op:AND"), field("op", {{"AND", false}}));
}

TEST(LogQueryTest, ErrorsSayWhere) {
  EXPECT_EQ(errorAt("a (b c"), 2u);
  EXPECT_EQ(errorAt("a b)"), 3u);
  EXPECT_EQ(errorAt("x \"open"), 2u);
  EXPECT_EQ(errorAt("a OR"), 4u);
  EXPECT_EQ(errorAt("NOT"), 3u);
  EXPECT_EQ(errorAt("service: web"), 8u);
  EXPECT_EQ(errorAt("status:(a b)"), 10u);
  EXPECT_EQ(errorAt("status:(a OR"), 7u);
  EXPECT_EQ(errorAt("a - b"), 2u);
  EXPECT_EQ(errorAt("()"), 1u);
  EXPECT_EQ(errorAt("foo.*"), 0u);  // wildcard terms are single words
  EXPECT_EQ(errorAt("a\\*b*"), 0u);
  EXPECT_EQ(errorAt("x\\"), 1u);
  std::string deep(40, '(');
  deep += "a" + std::string(40, ')');
  errorAt(deep);
  errorAt(std::string(kMaxQueryBytes + 1, 'a'));
  std::string many;
  for (int i = 0; i < 600; ++i) many += "a ";
  errorAt(many);
}

TEST(LogQueryTest, ToStringParsesBack) {
  for (std::string_view q :
       {"timeout \"connection reset\" time* -debug", "status:(error OR warn) service:web*",
        "(a b) OR c", R"(\AND a\*b "q\"x" k:"v w" \-x)", "-(a OR -b) NOT c:*", R"(a\:b:c\(d)"}) {
    QueryNode n = parseOk(q);
    EXPECT_EQ(parseOk(toString(n)), n) << q << " -> " << toString(n);
  }
}

TEST(LogQueryTest, Glob) {
  EXPECT_TRUE(globMatch("time*", "timeout"));
  EXPECT_TRUE(globMatch("*out", "timeout"));
  EXPECT_TRUE(globMatch("t*e*t", "timeout"));
  EXPECT_TRUE(globMatch("t?meout", "timeout"));
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_FALSE(globMatch("time", "timeout"));
  EXPECT_FALSE(globMatch("*in", "timeout"));
  EXPECT_FALSE(globMatch("?", ""));
  EXPECT_FALSE(globMatch("a*b*c", "aXbX"));
  // A '*' in the text is not a wildcard (found by the fuzzer).
  EXPECT_TRUE(globMatch("??*???", "??*8??\n????"));
  EXPECT_TRUE(globMatch("a*", "a*b"));
  // Linear enough on the classic backtracking trap.
  EXPECT_FALSE(globMatch(std::string(200, '*') + "b", std::string(10000, 'a')));
}

TEST(LogQueryTest, Cursor) {
  LogCursor c{1'763'700'000'123'456'789, 0xdeadbeef00112233ULL, 3};
  std::string s = encodeCursor(c);
  EXPECT_EQ(s, "c1.1763700000123456789.deadbeef00112233.3");
  Result<LogCursor> back = parseCursor(s);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, c);
  LogCursor neg{-5, 1, 0};
  EXPECT_EQ(*parseCursor(encodeCursor(neg)), neg);
  for (std::string_view bad :
       {"", "c1.", "c1.1.2.3", "c2.1.0000000000000001.0", "c1.x.0000000000000001.0",
        "c1.1.000000000000000G.0", "c1.1.0000000000000001.", "c1.1.0000000000000001.-1",
        "c1.1.0000000000000001.1x", "c1.99999999999999999999.0000000000000001.0"}) {
    EXPECT_FALSE(parseCursor(bad).isOk()) << bad;
  }
}

}  // namespace
}  // namespace sextant::server::log_api

// Dashboard variable substitution: single, multi and __all__ values, in filters, nested queries
// and show_* variable queries. Expected texts are written by hand.
#include <gtest/gtest.h>

#include <string>

#include "query/dql/dql.h"

namespace sextant::query::dql {
namespace {

std::string subst(std::string_view text, const Variables& vars) {
  Result<Query> q = parse(text);
  EXPECT_TRUE(q.isOk()) << text << ": " << q.status().message();
  if (!q.isOk()) return "";
  Result<Query> s = substituteVariables(*q, vars);
  EXPECT_TRUE(s.isOk()) << text << ": " << s.status().message();
  if (!s.isOk()) return "";
  // The result prints to text that parses back to the same tree.
  std::string out = toString(*s);
  Result<Query> again = parse(out);
  EXPECT_TRUE(again.isOk()) << out;
  if (again.isOk()) {
    EXPECT_EQ(*again, *s) << out;
  }
  return out;
}

std::string substError(std::string_view text, const Variables& vars) {
  Result<Query> q = parse(text);
  EXPECT_TRUE(q.isOk()) << text;
  if (!q.isOk()) return "";
  Result<Query> s = substituteVariables(*q, vars);
  EXPECT_FALSE(s.isOk()) << text << " gave " << (s.isOk() ? toString(*s) : "");
  return s.isOk() ? "" : s.status().message();
}

TEST(DqlVariables, SingleValues) {
  Variables v{{"host", {"web-1"}}, {"n", {"7"}}};
  EXPECT_EQ(subst("M::cpu {host = '#{host}'}", v), "M::cpu {host = 'web-1'}");
  EXPECT_EQ(subst("M::cpu {host = \"#{host}\"}", v), "M::cpu {host = 'web-1'}");
  EXPECT_EQ(subst("M::cpu {host = #{host}}", v), "M::cpu {host = 'web-1'}");
  EXPECT_EQ(subst("M::cpu {host = 'pre-#{host}-#{n}'}", v), "M::cpu {host = 'pre-web-1-7'}");
  EXPECT_EQ(subst("M::cpu {host = re('#{host}.*')}", v), "M::cpu {host = re('web-1.*')}");
  EXPECT_EQ(subst("M::cpu {host IN ['#{host}', 'b']}", v), "M::cpu {host IN ['web-1', 'b']}");
  EXPECT_EQ(subst("M::cpu:(x) BY host HAVING x > #{n}", v), "M::cpu:(x) BY host HAVING x > '7'");
}

TEST(DqlVariables, AllDropsTheCondition) {
  Variables v{{"host", {"__all__"}}, {"dc", {"eu"}}};
  EXPECT_EQ(subst("M::cpu {host = '#{host}', dc = '#{dc}'}", v), "M::cpu {dc = 'eu'}");
  EXPECT_EQ(subst("M::cpu {dc = '#{dc}', host = '#{host}'}", v), "M::cpu {dc = 'eu'}");
  EXPECT_EQ(subst("M::cpu {host = '#{host}'} [5m]", v), "M::cpu [5m]");
  EXPECT_EQ(subst("M::cpu {host = #{host}}", v), "M::cpu");
  EXPECT_EQ(subst("M::cpu {host != '#{host}', a = 1}", v), "M::cpu {a = 1}");
  EXPECT_EQ(subst("M::cpu {host IN ['#{host}'], a = 1}", v), "M::cpu {a = 1}");
  EXPECT_EQ(subst("M::cpu {host = re('#{host}'), a = 1}", v), "M::cpu {a = 1}");
  EXPECT_EQ(subst("M::cpu {host = wildcard('#{host}*'), a = 1}", v), "M::cpu {a = 1}");
  // OR and NOT: the condition is removed from the tree, its parent collapses.
  EXPECT_EQ(subst("M::cpu {host = '#{host}' OR a = 1}", v), "M::cpu {a = 1}");
  EXPECT_EQ(subst("M::cpu {(host = '#{host}' OR a = 1), b = 2}", v), "M::cpu {a = 1, b = 2}");
  EXPECT_EQ(subst("M::cpu {NOT host = '#{host}', a = 1}", v), "M::cpu {a = 1}");
  EXPECT_EQ(subst("M::cpu {host = '#{host}' OR host = '#{host}'}", v), "M::cpu");
  // Empty value lists and a "__all__" among several values mean all too.
  EXPECT_EQ(subst("M::cpu {host = '#{host}', a = 1}", {{"host", {}}}), "M::cpu {a = 1}");
  EXPECT_EQ(subst("M::cpu {host = '#{host}', a = 1}", {{"host", {"x", "__all__"}}}),
            "M::cpu {a = 1}");
  // HAVING is a condition too, and the filters of FILTER/LINK queries are substituted (WITH
  // holds only name pairs).
  EXPECT_EQ(subst("M::cpu:(max(x) AS m) BY host HAVING m > #{host}", v),
            "M::cpu:(max(x) AS m) BY host");
  EXPECT_EQ(subst("M::a:(x) FILTER O::b:(y) {z = '#{host}'} WITH {x = y}", v),
            "M::a:(x) FILTER O::b:(y) WITH {x = y}");
}

TEST(DqlVariables, MultipleValues) {
  Variables v{{"host", {"a", "b"}}};
  EXPECT_EQ(subst("M::cpu {host = '#{host}'}", v), "M::cpu {host IN ['a', 'b']}");
  EXPECT_EQ(subst("M::cpu {host = #{host}}", v), "M::cpu {host IN ['a', 'b']}");
  EXPECT_EQ(subst("M::cpu {host != '#{host}'}", v), "M::cpu {host NOT IN ['a', 'b']}");
  EXPECT_EQ(subst("M::cpu {host IN ['#{host}', 'c']}", v), "M::cpu {host IN ['a', 'b', 'c']}");
  EXPECT_EQ(subst("M::cpu {host NOT IN [#{host}]}", v), "M::cpu {host NOT IN ['a', 'b']}");
  EXPECT_EQ(subst("M::cpu {host = re('^(#{host})$')}", v), "M::cpu {host = re('^(a|b)$')}");
  EXPECT_NE(substError("M::cpu {host = 'x-#{host}'}", v).find("has several values"),
            std::string::npos);
  EXPECT_NE(substError("M::cpu {host > '#{host}'}", v).find("1:16: variable 'host' has several"),
            std::string::npos);
}

TEST(DqlVariables, NestedQueriesAndShowFunctions) {
  Variables v{{"cluster", {"__all__"}}, {"ns", {"prod"}}};
  EXPECT_EQ(subst("eval(A/B, A=\"M::cpu:(avg(x)) {cluster_name_k8s = '#{cluster}', namespace = "
                  "'#{ns}'}\", B=\"M::mem:(avg(y)) {cluster_name_k8s = '#{cluster}'}\")",
                  v),
            "eval(A / B, A=\"M::cpu:(avg(x)) {namespace = 'prod'}\", B=\"M::mem:(avg(y))\")");
  EXPECT_EQ(subst("series_sum(\"M::kubernetes:(last(pod)) {cluster_name_k8s = '#{cluster}'} BY "
                  "namespace\")",
                  v),
            "series_sum(\"M::kubernetes:(last(pod)) BY namespace\")");
  EXPECT_EQ(subst("irate(\"M::etcd:(avg(x)) {namespace = '#{ns}'} BY host\").series_sum()", v),
            "irate(\"M::etcd:(avg(x)) {namespace = 'prod'} BY host\").series_sum()");
  EXPECT_EQ(subst("show_tag_value(from=['kube_pod'], keyin=['namespace']) "
                  "{cluster_name_k8s = '#{cluster}'} [5m]",
                  v),
            "show_tag_value(from=['kube_pod'], keyin=['namespace']) [5m]");
  EXPECT_EQ(subst("M::(M::cpu:(x) {ns = '#{ns}'}):(last(x))", v),
            "M::(M::cpu:(x) {ns = 'prod'}):(last(x))");
}

TEST(DqlVariables, AVariableWhereAQueryIsExpectedStaysAValue) {
  EXPECT_EQ(subst("series_sum(#{x})", {{"x", {"v"}}}), "series_sum(('v'))");
}

TEST(DqlVariables, UnknownVariablesAreKept) {
  EXPECT_EQ(subst("M::cpu {host = '#{other}', a = #{x}}", {{"host", {"a"}}}),
            "M::cpu {host = '#{other}', a = #{x}}");
}

TEST(DqlVariables, AllOutsideAConditionIsAnError) {
  Variables v{{"f", {"__all__"}}};
  EXPECT_NE(substError("M::cpu:(#{f})", v).find("1:9: variable 'f' is __all__"), std::string::npos);
  EXPECT_NE(substError("M::cpu BY #{f}", v).find("is __all__"), std::string::npos);
  EXPECT_NE(substError("show_tag_value(from=['#{f}'])", v).find("is __all__"), std::string::npos);
}

TEST(DqlVariables, ReferencedVariables) {
  Result<Query> q =
      parse("eval(A/B, A=\"M::cpu {a = '#{x}', b = #{y}}\", B=\"M::mem {c = re('#{z}|#{x}')}\")");
  ASSERT_TRUE(q.isOk());
  EXPECT_EQ(referencedVariables(*q), (std::vector<std::string>{"x", "y", "z"}));
  Result<Query> none = parse("M::cpu {a = 1}");
  ASSERT_TRUE(none.isOk());
  EXPECT_TRUE(referencedVariables(*none).empty());
}

TEST(DqlVariables, TheInputIsNotModified) {
  Result<Query> q = parse("M::cpu {host = '#{host}'}");
  ASSERT_TRUE(q.isOk());
  Query before = *q;
  Result<Query> s = substituteVariables(*q, {{"host", {"__all__"}}});
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(*q, before);
  EXPECT_FALSE(s->filter.has_value());
}

}  // namespace
}  // namespace sextant::query::dql

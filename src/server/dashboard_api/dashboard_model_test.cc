#include "server/dashboard_api/dashboard_model.h"

#include <gtest/gtest.h>

#include "core/file_system.h"

namespace sextant::server::dashboard {
namespace {

std::string errorOf(std::string_view json, const Limits& limits = {}) {
  Result<Dashboard> d = parseDashboard(json, limits);
  return d.isOk() ? std::string("ok") : d.status().message();
}

TEST(DashboardModel, AcceptsAFullDocument) {
  Result<Dashboard> d = parseDashboard(R"json({
    "title": "Hosts", "tags": ["host", "linux"], "version": 3, "schema_version": 1,
    "variables": [{"name": "host", "type": "query", "lang": "dql",
                   "query": "show_tag_value(from=['cpu'], keyin=['host'])", "multi": true}],
    "groups": [{"title": "CPU", "charts": [
      {"title": "usage", "type": "timeseries", "unit": "percent",
       "queries": [{"lang": "dql", "q": "M::cpu:(avg(usage_total)) BY host"}]},
      {"type": "gauge", "queries": [{"lang": "promql", "q": "up"}]}]},
      {"title": "empty"}]
})json");
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_EQ(d->title, "Hosts");
  EXPECT_EQ(d->tags, (std::vector<std::string>{"host", "linux"}));
  EXPECT_EQ(d->version, 3);
  EXPECT_EQ(d->charts, 2u);
  EXPECT_EQ(d->members.find("\"version\""), std::string::npos);
  EXPECT_EQ(d->members.rfind("\"title\":\"Hosts\",\"tags\":[\"host\",\"linux\"]", 0), 0u);
}

TEST(DashboardModel, ClearErrors) {
  EXPECT_EQ(errorOf("{\"title\":"),
            "bad JSON: The JSON document has an improper structure: "
            "missing or superfluous commas, braces, missing keys, etc.");
  EXPECT_EQ(errorOf("[1]"), "the dashboard must be a JSON object");
  EXPECT_EQ(errorOf("{}"), "title: missing");
  EXPECT_EQ(errorOf(R"({"title": "  "})"), "title: must not be empty");
  EXPECT_EQ(errorOf(R"({"title": 5})"), "title: must be a string");
  EXPECT_EQ(errorOf(R"({"title": "t", "tags": "x"})"), "tags: must be an array");
  EXPECT_EQ(errorOf(R"({"title": "t", "version": 0})"), "version: must be an integer >= 1");
  EXPECT_EQ(errorOf(R"({"title": "t", "groups": [{"charts": [{"type": "pies"}]}]})"),
            "groups[0].charts[0].type: unknown chart type \"pies\" (timeseries, bar, stat, "
            "table, pie, toplist, gauge)");
  EXPECT_EQ(errorOf(R"({"title": "t", "groups": [{"charts": [{"title": "x"}]}]})"),
            "groups[0].charts[0].type: missing");
  EXPECT_EQ(errorOf(R"({"title": "t", "groups": [{}, {"charts": [{"type": "bar",
              "queries": [{"lang": "sql", "q": "x"}]}]}]})"),
            "groups[1].charts[0].queries[0].lang: must be \"dql\" or \"promql\", not \"sql\"");
  EXPECT_EQ(errorOf(R"({"title": "t", "groups": [{"charts": [{"type": "bar",
              "queries": [{"lang": "dql"}]}]}]})"),
            "groups[0].charts[0].queries[0].q: missing (the query text)");
  EXPECT_EQ(errorOf(R"({"title": "t", "variables": [{"name": "a b"}]})"),
            "variables[0].name: \"a b\" is not [A-Za-z0-9_.-]{1,64}");
  EXPECT_EQ(errorOf(R"({"title": "t", "variables": [{"name": "h"}, {"name": "h"}]})"),
            "variables[1].name: \"h\" is defined twice");
}

TEST(DashboardModel, Limits) {
  Limits small;
  small.max_charts = 2;
  EXPECT_EQ(errorOf(R"({"title": "t", "groups": [{"charts": [{"type": "bar"}]},
                      {"charts": [{"type": "pie"}, {"type": "stat"}]}]})",
                    small),
            "too many charts: more than 2");
  std::string big = R"({"title": "t", "description": ")" + std::string(1 << 20, 'x') + "\"}";
  EXPECT_EQ(errorOf(big),
            "dashboard too big: " + std::to_string(big.size()) + " bytes, the limit is 1048576");
}

TEST(DashboardModel, RenderPutsTheServerFieldsFirstAndRoundTrips) {
  Result<Dashboard> d = parseDashboard(
      R"({"id": "evil/../x", "title": "T", "created": 5, "version": 9, "groups": []})");
  ASSERT_TRUE(d.isOk());
  std::string text = renderDashboard(*d, Meta{"abc", 2, 100, 200});
  EXPECT_EQ(text,
            R"({"id":"abc","version":2,"created":100,"updated":200,"title":"T","groups":[]})");
  Result<Dashboard> back = parseDashboard(text);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(back->id, "abc");
  EXPECT_EQ(back->version, 2);
  EXPECT_EQ(back->created_ms, 100);
  EXPECT_EQ(back->updated_ms, 200);
  EXPECT_EQ(back->members, d->members);
}

TEST(DashboardModel, TheBuiltInDashboardsAreValid) {
  Result<std::string> text =
      realFileSystem().readFile(std::string(SEXTANT_SOURCE_DIR) + "/dashboards/host_overview.json");
  ASSERT_TRUE(text.isOk()) << text.status().message();
  Result<Dashboard> d = parseDashboard(*text);
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_EQ(d->title, "Host Overview");
  EXPECT_EQ(d->charts, 14u);
}

TEST(DashboardModel, Ids) {
  EXPECT_TRUE(isValidDashboardId("a1_B-2"));
  EXPECT_FALSE(isValidDashboardId(""));
  EXPECT_FALSE(isValidDashboardId("../x"));
  EXPECT_FALSE(isValidDashboardId("a.json"));
  EXPECT_FALSE(isValidDashboardId(std::string(65, 'a')));
}

}  // namespace
}  // namespace sextant::server::dashboard

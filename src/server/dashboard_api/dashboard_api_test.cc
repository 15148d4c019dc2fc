#include "server/dashboard_api/dashboard_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"

namespace sextant::server {
namespace {

using net::testing::callRoute;
using net::testing::makeRequest;

constexpr std::string_view kDoc =
    R"json({"title":"Web","tags":["web"],"groups":[{"title":"g","charts":[{"type":"stat",)json"
    R"json("queries":[{"lang":"dql","q":"M::cpu:(last(usage_total))"}]}]}]})json";

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir_.path());
    ASSERT_TRUE(s.isOk()) << s.status().message();
    store_ = std::move(*s);
    auto a = store_->create("alpha");
    auto b = store_->create("beta");
    ASSERT_TRUE(a.isOk() && b.isOk());
    alpha_ = *a;
    beta_ = *b;
    DashboardApiOptions o;
    o.now_ms = [this] { return now_ms_; };
    o.new_id = [this] { return "d" + std::to_string(++ids_); };
    o.limits.max_charts = 3;
    registerDashboardApi(router_, *store_, dir_.path(), o);
  }

  net::HttpResponse call(std::string method, std::string target, std::string body = {},
                         const workspace::Workspace* ws = nullptr) {
    net::KeyValues headers;
    headers.emplace_back("Authorization", "Bearer " + (ws ? ws : &alpha_)->token);
    net::HttpRequest req = makeRequest(std::move(method), std::move(target), headers, body);
    auto r = callRoute(router_, req);
    EXPECT_TRUE(r.has_value());
    return r ? *r : net::HttpResponse{};
  }

  // A top-level member of a JSON answer, as minified JSON text.
  static std::string member(const std::string& json, std::string_view key) {
    simdjson::dom::parser p;
    simdjson::dom::element e;
    if (p.parse(json).get(e) != simdjson::SUCCESS) return "<bad json>";
    simdjson::dom::element v;
    if (e[key].get(v) != simdjson::SUCCESS) return "<absent>";
    return simdjson::to_string(v);
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<workspace::WorkspaceStore> store_;
  workspace::Workspace alpha_, beta_;
  net::Router router_;
  std::int64_t now_ms_ = 1'000;
  int ids_ = 0;
};

TEST_F(DashboardApiTest, CreateGetListUpdateDelete) {
  net::HttpResponse c = call("POST", "/v1/dashboards", std::string(kDoc));
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(member(c.body, "id"), "\"d1\"");
  EXPECT_EQ(member(c.body, "version"), "1");
  EXPECT_EQ(member(c.body, "created"), "1000");
  EXPECT_EQ(member(c.body, "title"), "\"Web\"");
  EXPECT_TRUE(realFileSystem().exists(dir_.path() + "/dashboards/" + alpha_.id + "/d1.json"));

  net::HttpResponse g = call("GET", "/v1/dashboards/d1");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.body, c.body);

  call("POST", "/v1/dashboards", R"({"title":"Api"})");
  net::HttpResponse l = call("GET", "/v1/dashboards");
  ASSERT_EQ(l.status, 200);
  EXPECT_EQ(l.body, R"({"dashboards":[{"id":"d2","title":"Api","tags":[],"version":1,"charts":0,)"
                    R"("created":1000,"updated":1000},{"id":"d1","title":"Web","tags":["web"],)"
                    R"("version":1,"charts":1,"created":1000,"updated":1000}]})");

  now_ms_ = 5'000;
  net::HttpResponse u = call("PUT", "/v1/dashboards/d1", R"({"title":"Web 2","version":1})");
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(u.body, R"({"id":"d1","version":2,"created":1000,"updated":5000,"title":"Web 2"})");
  EXPECT_EQ(call("GET", "/v1/dashboards/d1").body, u.body);

  net::HttpResponse d = call("DELETE", "/v1/dashboards/d1");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, R"({"deleted":"d1"})");
  EXPECT_EQ(call("GET", "/v1/dashboards/d1").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/dashboards/d1").status, 404);
}

TEST_F(DashboardApiTest, StaleVersionIsAConflict) {
  ASSERT_EQ(call("POST", "/v1/dashboards", std::string(kDoc)).status, 201);
  ASSERT_EQ(call("PUT", "/v1/dashboards/d1", R"({"title":"A","version":1})").status, 200);
  net::HttpResponse stale = call("PUT", "/v1/dashboards/d1", R"({"title":"B","version":1})");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(member(stale.body, "error_code"), "\"sextant.versionConflict\"");
  EXPECT_EQ(member(stale.body, "message"),
            "\"dashboard d1 was changed since you loaded it (version 1, now 2): reload it, or "
            "save a copy\"");
  EXPECT_EQ(member(call("GET", "/v1/dashboards/d1").body, "title"), "\"A\"");
  net::HttpResponse missing = call("PUT", "/v1/dashboards/d1", R"({"title":"B"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(call("PUT", "/v1/dashboards/nope", R"({"title":"B","version":1})").status, 404);
}

TEST_F(DashboardApiTest, ValidationErrorsAre400) {
  struct Case {
    std::string body;
    std::string message;
  };
  std::string big = R"({"title":"t","x":")" + std::string(1 << 20, 'y') + "\"}";
  for (const Case& c : std::vector<Case>{
           {"{nope",
            "\"bad JSON: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.\""},
           {R"({"groups":[]})", "\"title: missing\""},
           {R"({"title":"t","groups":[{"charts":[{"type":"radar"}]}]})",
            "\"groups[0].charts[0].type: unknown chart type \\\"radar\\\" (timeseries, bar, "
            "stat, table, pie, toplist, gauge)\""},
           {R"({"title":"t","groups":[{"charts":[{"type":"bar"},{"type":"bar"},{"type":"bar"},)"
            R"({"type":"bar"}]}]})",
            "\"too many charts: more than 3\""},
           {big, "\"dashboard too big: " + std::to_string(big.size()) +
                     " bytes, the limit is 1048576\""},
       }) {
    net::HttpResponse r = call("POST", "/v1/dashboards", c.body);
    EXPECT_EQ(r.status, 400) << c.message;
    EXPECT_EQ(member(r.body, "error_code"), "\"sextant.badRequest\"");
    EXPECT_EQ(member(r.body, "message"), c.message);
  }
  EXPECT_EQ(call("GET", "/v1/dashboards").body, R"({"dashboards":[]})");
}

TEST_F(DashboardApiTest, WorkspacesAreSeparateAndTokensRequired) {
  ASSERT_EQ(call("POST", "/v1/dashboards", std::string(kDoc)).status, 201);
  EXPECT_EQ(call("GET", "/v1/dashboards/d1", "", &beta_).status, 404);
  EXPECT_EQ(call("GET", "/v1/dashboards", "", &beta_).body, R"({"dashboards":[]})");
  EXPECT_EQ(call("PUT", "/v1/dashboards/d1", R"({"title":"x","version":1})", &beta_).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/dashboards/d1", "", &beta_).status, 404);

  net::HttpRequest none = makeRequest("GET", "/v1/dashboards");
  EXPECT_EQ(callRoute(router_, none)->status, 401);
  net::HttpRequest bad = makeRequest("GET", "/v1/dashboards?token=tkn_0123");
  EXPECT_EQ(callRoute(router_, bad)->status, 403);
  net::HttpRequest by_query = makeRequest("GET", "/v1/dashboards/d1?token=" + alpha_.token);
  EXPECT_EQ(callRoute(router_, by_query)->status, 200);
  // Ids never leave the workspace's folder.
  EXPECT_EQ(call("GET", "/v1/dashboards/..").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/dashboards/d1.json").status, 404);
}

TEST_F(DashboardApiTest, ServerFieldsInTheBodyAreIgnored) {
  net::HttpResponse c =
      call("POST", "/v1/dashboards", R"({"id":"../../etc","version":7,"created":1,"title":"t"})");
  ASSERT_EQ(c.status, 201);
  EXPECT_EQ(c.body, R"({"id":"d1","version":1,"created":1000,"updated":1000,"title":"t"})");
}

}  // namespace
}  // namespace sextant::server

#include "server/query_raw_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "codec/point_pb/point_pb.h"
#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"

namespace sextant::server {
namespace {

constexpr std::int64_t kT0Ms = 1'763'700'000'000;

class QueryRawApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StorageOptions o;
    o.data_dir = dir_.path() + "/data";
    o.background = false;
    o.retention.fill(std::chrono::hours(24 * 365 * 100));
    auto e = storage::StorageEngine::open(realFileSystem(), o);
    ASSERT_TRUE(e.isOk()) << e.status().toString();
    engine_ = std::move(e).value();
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir_.path() + "/ws");
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    store_ = std::move(s).value();
    ASSERT_EQ(store_->list().size(), 1u);
    ws_ = store_->list()[0];
    registerQueryRawApi(router_, *engine_, *store_);

    model::Point p;
    p.category = model::Category::kMetric;
    p.measurement = "cpu";
    p.tags = {{"host", "a"}};
    p.fields = {{"usage", 42.0}};
    p.time_ns = (kT0Ms + 1'000) * 1'000'000;
    std::vector<model::Point> pts = {p};
    std::string pb;
    codec::pb::encode(pts, &pb);
    ASSERT_TRUE(engine_->write(ws_.id, model::Category::kMetric, pb, pts).isOk());
  }

  net::HttpResponse post(const std::string& target, std::string body) {
    net::HttpRequest req = net::testing::makeRequest("POST", target, {}, std::move(body));
    std::optional<net::HttpResponse> r = net::testing::callRoute(router_, req);
    EXPECT_TRUE(r.has_value());
    return r.value_or(net::HttpResponse{});
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
  std::unique_ptr<workspace::WorkspaceStore> store_;
  workspace::Workspace ws_;
  net::Router router_;
};

TEST_F(QueryRawApiTest, AnswersWithTheTokensWorkspace) {
  std::string body = R"({"queries":[{"qtype":"dql","query":{"q":"M::cpu:(last(usage)) BY host",)"
                     R"("time_range":[)" +
                     std::to_string(kT0Ms) + "," + std::to_string(kT0Ms + 60'000) + "]}}]}";
  net::HttpResponse r = post("/v1/query/raw?token=" + ws_.token, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.content_type.find("json"), std::string::npos);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element doc = parser.parse(padded).value();
  simdjson::dom::element s = doc["content"].at(0)["series"].at(0).value();
  EXPECT_EQ(s["tags"]["host"].get_string().value(), "a");
  // last() without an interval carries its point's time.
  EXPECT_EQ(s["values"].at(0).at(0).get_int64().value(), kT0Ms + 1'000);
  EXPECT_EQ(s["values"].at(0).at(1).get_double().value(), 42.0);
}

TEST_F(QueryRawApiTest, TokensAndErrors) {
  EXPECT_EQ(post("/v1/query/raw", R"({"queries":[]})").status, 401);
  EXPECT_EQ(post("/v1/query/raw?token=tkn_00000000000000000000000000000000", "{}").status, 403);
  net::HttpResponse r =
      post("/v1/query/raw?token=" + ws_.token, R"({"queries":[{"query":"M::"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"error_code\":\"dql.ParseError\""), std::string::npos) << r.body;
  // A per-query limit (here: 600 000 one-millisecond buckets, over the default 100 000) is 422.
  r = post("/v1/query/raw?token=" + ws_.token,
           R"({"queries":[{"qtype":"dql","query":{"q":"M::cpu:(avg(usage)) [::1ms]",)"
           R"("time_range":[)" +
               std::to_string(kT0Ms) + "," + std::to_string(kT0Ms + 600'000) + "]}}]}");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body,
            R"({"error_code":"dql.QueryLimitExceeded","message":"too many time buckets: the )"
            R"(interval is too small for the time range"})");
}

// FILTER and LINK through the HTTP API: cpu hosts a (42) and b (7); one ecs object for host a.
TEST_F(QueryRawApiTest, FilterAndLinkJoins) {
  auto write = [&](model::Category c, model::Point p) {
    p.category = c;
    std::vector<model::Point> pts = {std::move(p)};
    std::string pb;
    codec::pb::encode(pts, &pb);
    ASSERT_TRUE(engine_->write(ws_.id, c, pb, pts).isOk());
  };
  model::Point b;
  b.measurement = "cpu";
  b.tags = {{"host", "b"}};
  b.fields = {{"usage", 7.0}};
  b.time_ns = (kT0Ms + 2'000) * 1'000'000;
  write(model::Category::kMetric, b);
  model::Point ecs;
  ecs.measurement = "ecs";
  ecs.tags = {{"name", "e1"}};
  ecs.fields = {{"hostname", std::string("a")}, {"region", std::string("r1")}};
  ecs.time_ns = kT0Ms * 1'000'000;
  write(model::Category::kObject, ecs);

  const std::string range =
      R"("time_range":[)" + std::to_string(kT0Ms) + "," + std::to_string(kT0Ms + 60'000) + "]";
  std::string body =
      R"({"queries":[)"
      R"({"qtype":"dql","query":{"q":"M::cpu:(last(usage)) BY host FILTER O::ecs:(hostname) )"
      R"(WITH {host = hostname}",)" +
      range +
      R"(}},{"qtype":"dql","query":{"q":"O::ecs:(hostname, region) LINK M::cpu:(last(usage) )"
      R"(AS u) BY host WITH {hostname = host}",)" +
      range + "}}]}";
  net::HttpResponse r = post("/v1/query/raw?token=" + ws_.token, body);
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element doc = parser.parse(padded).value();
  // FILTER: only host a, whose name is among the ecs hostnames.
  simdjson::dom::array series = doc["content"].at(0)["series"].get_array().value();
  ASSERT_EQ(series.size(), 1u) << r.body;
  EXPECT_EQ(series.at(0)["tags"]["host"].get_string().value(), "a");
  EXPECT_EQ(series.at(0)["values"].at(0).at(1).get_double().value(), 42.0);
  // LINK: the ecs row with cpu's u for its host.
  simdjson::dom::element l = doc["content"].at(1)["series"].at(0).value();
  simdjson::dom::array cols = l["columns"].get_array().value();
  ASSERT_EQ(cols.size(), 4u) << r.body;
  EXPECT_EQ(cols.at(3).get_string().value(), "u");
  simdjson::dom::array row = l["values"].at(0).get_array().value();
  EXPECT_EQ(row.at(0).get_int64().value(), kT0Ms);
  EXPECT_EQ(row.at(1).get_string().value(), "a");
  EXPECT_EQ(row.at(2).get_string().value(), "r1");
  EXPECT_EQ(row.at(3).get_double().value(), 42.0);

  // A WITH that is not name pairs: 400 with the position.
  r = post("/v1/query/raw?token=" + ws_.token,
           R"({"queries":[{"query":"M::cpu FILTER O::ecs WITH {host = 'a'}"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"error_code\":\"dql.ParseError\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("1:28: WITH takes key pairs"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sextant::server

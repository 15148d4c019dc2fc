#include "server/prom_api.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <limits>

#include "core/testing/temp_dir.h"
#include "net/testing/raw_http.h"
#include "server/server.h"

namespace sextant::server {
namespace {

TEST(PromApiParams, Times) {
  EXPECT_EQ(parsePromTime("1435781451.781"), 1435781451781);
  EXPECT_EQ(parsePromTime("1435781451"), 1435781451000);
  EXPECT_EQ(parsePromTime("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(parsePromTime("2015-07-01T22:10:51+02:00"), 1435781451000);
  EXPECT_EQ(parsePromTime("-1.5"), -1500);
  for (const char* bad : {"", "abc", "2015-07-01", "2015-13-01T00:00:00Z", "1e400", "NaN"}) {
    EXPECT_FALSE(parsePromTime(bad).has_value()) << bad;
  }
}

TEST(PromApiParams, Durations) {
  EXPECT_EQ(parsePromDuration("15s"), 15000);
  EXPECT_EQ(parsePromDuration("1m30s"), 90000);
  EXPECT_EQ(parsePromDuration("0.5"), 500);
  EXPECT_EQ(parsePromDuration("60"), 60000);
  EXPECT_FALSE(parsePromDuration("abc").has_value());
  EXPECT_FALSE(parsePromDuration("").has_value());
}

TEST(PromApiParams, ValuesAsPrometheusWritesThem) {
  EXPECT_EQ(formatPromValue(1), "1");
  EXPECT_EQ(formatPromValue(0.1), "0.1");
  EXPECT_EQ(formatPromValue(-2.5), "-2.5");
  EXPECT_EQ(formatPromValue(1e6), "1000000");
  EXPECT_EQ(formatPromValue(1e-7), "0.0000001");
  EXPECT_EQ(formatPromValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(formatPromValue(INFINITY), "+Inf");
  EXPECT_EQ(formatPromValue(-INFINITY), "-Inf");
}

// The API over HTTP against a real server: what Grafana's Prometheus data source does.
class PromApiHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { start(QueryLimits{}); }
  // A server with these query limits and the samples below (a fresh data dir each time).
  void start(const QueryLimits& limits) {
    if (server_) server_->stop();
    ServerOptions o;
    o.data_dir = dir_.path() + "/data" + std::to_string(++starts_);
    o.listen = "127.0.0.1:0";
    o.query_limits = limits;
    server_ = std::make_unique<Server>(o);
    ASSERT_TRUE(server_->start().isOk());
    const std::string& a = server_->listenAddress();
    port_ = static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
    token_ = server_->defaultToken();
    now_s_ = std::time(nullptr) / 60 * 60;
    // cpu usage of two hosts at now-120s, now-60s, now: a counter growing 60 per minute on a.
    std::string lp;
    for (int i = 0; i < 3; ++i) {
      std::string t = std::to_string(now_s_ - 120 + 60 * i) + "000000000";
      lp += "cpu,host=a,region=eu total=" + std::to_string(60 * i) + " " + t + "\n";
      lp += "cpu,host=b,region=us total=" + std::to_string(10 * i) + " " + t + "\n";
    }
    std::string r =
        net::testing::simpleRequest(port_, "POST", "/v1/write/metric?token=" + token_, lp);
    ASSERT_EQ(net::testing::statusOf(r), 200) << r;
  }
  std::string get(const std::string& target) {
    return net::testing::simpleRequest(port_, "GET", target + "&token=" + token_);
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::string token_;
  std::int64_t now_s_ = 0;
  int starts_ = 0;
};

TEST_F(PromApiHttpTest, InstantAndRangeQueries) {
  std::string r =
      get("/api/v1/query?query=sum%20by%20(region)%20(cpu_total)&time=" + std::to_string(now_s_));
  ASSERT_EQ(net::testing::statusOf(r), 200) << r;
  std::string body = net::testing::bodyOf(r);
  EXPECT_NE(body.find("\"resultType\":\"vector\""), std::string::npos) << body;
  EXPECT_NE(body.find("{\"metric\":{\"region\":\"eu\"},\"value\":[" + std::to_string(now_s_) +
                      ",\"120\"]}"),
            std::string::npos)
      << body;
  // rate over the two minutes: a grows 1/s.
  r = get("/api/v1/query?query=rate(cpu_total%7Bhost%3D%22a%22%7D%5B2m%5D)&time=" +
          std::to_string(now_s_));
  body = net::testing::bodyOf(r);
  EXPECT_NE(body.find("\"value\":[" + std::to_string(now_s_) + ",\"1\"]"), std::string::npos)
      << body;
  r = get("/api/v1/query_range?query=cpu_total%7Bhost%3D%22b%22%7D&start=" +
          std::to_string(now_s_ - 120) + "&end=" + std::to_string(now_s_) + "&step=60");
  body = net::testing::bodyOf(r);
  EXPECT_NE(body.find("\"resultType\":\"matrix\""), std::string::npos) << body;
  EXPECT_NE(
      body.find("\"values\":[[" + std::to_string(now_s_ - 120) + ",\"0\"],[" +
                std::to_string(now_s_ - 60) + ",\"10\"],[" + std::to_string(now_s_) + ",\"20\"]]"),
      std::string::npos)
      << body;
}

TEST_F(PromApiHttpTest, MetadataEndpointsAndErrors) {
  std::string body = net::testing::bodyOf(get("/api/v1/label/__name__/values?x=1"));
  EXPECT_EQ(body, "{\"status\":\"success\",\"data\":[\"cpu_total\"]}");
  body = net::testing::bodyOf(get("/api/v1/labels?x=1"));
  EXPECT_EQ(body, "{\"status\":\"success\",\"data\":[\"__name__\",\"host\",\"region\"]}");
  body = net::testing::bodyOf(get("/api/v1/label/host/values?x=1"));
  EXPECT_EQ(body, "{\"status\":\"success\",\"data\":[\"a\",\"b\"]}");
  body = net::testing::bodyOf(get("/api/v1/series?match[]=cpu_total%7Bregion%3D%22us%22%7D"));
  EXPECT_EQ(body,
            "{\"status\":\"success\",\"data\":[{\"__name__\":\"cpu_total\",\"host\":\"b\","
            "\"region\":\"us\"}]}");
  std::string r = get("/api/v1/query?query=sum(");
  EXPECT_EQ(net::testing::statusOf(r), 400);
  EXPECT_NE(net::testing::bodyOf(r).find("\"errorType\":\"bad_data\""), std::string::npos) << r;
  EXPECT_NE(net::testing::bodyOf(r).find("parse error"), std::string::npos) << r;
  r = get("/api/v1/query_range?query=up&start=10&end=5&step=1");
  EXPECT_NE(net::testing::bodyOf(r).find("end timestamp must not be before start time"),
            std::string::npos);
  // Another workspace's token sees nothing; no token is 401.
  EXPECT_EQ(net::testing::statusOf(
                net::testing::simpleRequest(port_, "GET", "/api/v1/query?query=cpu_total")),
            401);
  // POST form bodies, as Grafana sends them ('+' is a space).
  r = net::testing::rawExchange(port_,
                                "POST /api/v1/query?token=" + token_ +
                                    " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                                    "application/x-www-form-urlencoded\r\nContent-Length: "
                                    "33\r\n\r\nquery=count+by+(host)+(cpu_total)");
  EXPECT_EQ(net::testing::statusOf(r), 200) << r;
  EXPECT_NE(net::testing::bodyOf(r).find("\"metric\":{\"host\":\"a\"}"), std::string::npos) << r;
}

TEST_F(PromApiHttpTest, QueryLimitsAre422AndTimeouts503) {
  // A 1 ms subquery step over a day is 86.4 M points per series: over --query.max-samples.
  std::string r = get("/api/v1/query?query=sum_over_time(cpu_total%5B1d:1ms%5D)&time=" +
                      std::to_string(now_s_));
  EXPECT_EQ(net::testing::statusOf(r), 422) << r;
  EXPECT_EQ(net::testing::bodyOf(r),
            "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query processing "
            "would load too many samples into memory in query execution\"}");
  // 2.6 M subquery steps per series cannot run in the 1 ms asked for.
  r = get("/api/v1/query?query=sum_over_time(cpu_total%5B30d:1s%5D)&timeout=1ms&time=" +
          std::to_string(now_s_));
  EXPECT_EQ(net::testing::statusOf(r), 503) << r;
  EXPECT_EQ(net::testing::bodyOf(r),
            "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in "
            "query execution\"}");
}

// The server's limits (sextant server --query-max-series, ...) apply to PromQL and DQL alike.
TEST_F(PromApiHttpTest, ServerLimitsApplyToBothQueryApis) {
  QueryLimits limits;
  limits.max_series = 1;  // the data has two hosts
  start(limits);
  std::string r = get("/api/v1/query?query=cpu_total&time=" + std::to_string(now_s_));
  EXPECT_EQ(net::testing::statusOf(r), 422) << r;
  EXPECT_NE(net::testing::bodyOf(r).find("series"), std::string::npos) << r;
  r = get("/api/v1/query?query=cpu_total%7Bhost%3D%22a%22%7D&time=" + std::to_string(now_s_));
  EXPECT_EQ(net::testing::statusOf(r), 200) << r;  // one series is within the limit
  const std::string dql =
      "{\"queries\":[{\"qtype\":\"dql\",\"query\":\"M::cpu:(last(total)) BY host\","
      "\"time_range\":[" +
      std::to_string((now_s_ - 600) * 1000) + "," + std::to_string((now_s_ + 60) * 1000) + "]}]}";
  r = net::testing::simpleRequest(port_, "POST", "/v1/query/raw?token=" + token_, dql);
  EXPECT_EQ(net::testing::statusOf(r), 422) << r;
  EXPECT_NE(net::testing::bodyOf(r).find("QueryLimitExceeded"), std::string::npos) << r;
}

}  // namespace
}  // namespace sextant::server

#include "net/api_counters.h"

#include <gtest/gtest.h>

#include <thread>

#include "net/router.h"

namespace sextant::net {
namespace {

TEST(ApiCountersTest, CountsPerRouteMethodAndStatus) {
  ApiCounters c;
  c.count("/b", "GET", 200, 0.5);
  c.count("/a", "POST", 400, 0.25);
  c.count("/b", "GET", 200, 1.0);
  c.count("/b", "GET", 500, 0.125);
  std::vector<ApiCounter> s = c.snapshot();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].api, "/a");
  EXPECT_EQ(s[0].method, "POST");
  EXPECT_EQ(s[0].status, 400);
  EXPECT_EQ(s[0].count, 1u);
  EXPECT_EQ(s[1].api, "/b");
  EXPECT_EQ(s[1].status, 200);
  EXPECT_EQ(s[1].count, 2u);
  EXPECT_DOUBLE_EQ(s[1].elapsed_seconds, 1.5);
  EXPECT_EQ(s[2].status, 500);
}

TEST(ApiCountersTest, RendersTotalsAndElapsedSummary) {
  ApiCounters c;
  c.count("/v1/x", "GET", 404, 0.5);
  c.count("/v1/x", "GET", 404, 0.25);
  MetricsText m;
  c.render("svc_http_api", &m);
  std::string text = m.take();
  EXPECT_NE(text.find("# TYPE svc_http_api_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("svc_http_api_total{api=\"/v1/x\",method=\"GET\",status=\"404\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("svc_http_api_elapsed_seconds_sum{api=\"/v1/x\",method=\"GET\","
                      "status=\"404\"} 0.75\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("svc_http_api_elapsed_seconds_count{api=\"/v1/x\",method=\"GET\","
                      "status=\"404\"} 2\n"),
            std::string::npos)
      << text;
}

TEST(ApiCountersTest, ConcurrentCountsAreNotLost) {
  ApiCounters c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) c.count("/x", "GET", 200, 0);
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(c.snapshot().size(), 1u);
  EXPECT_EQ(c.snapshot()[0].count, 4000u);
}

TEST(RouterTest, WrapSeesEachPatternAndWrapsItsHandler) {
  Router r;
  r.add("GET", "/a/:x", [](HttpRequest&) { return HttpResponse::text(200, "a"); });
  r.add("POST", "/b", [](HttpRequest&) { return HttpResponse::text(201, "b"); });
  std::vector<std::string> seen;
  r.wrap([&](const std::string& pattern, Handler h) -> Handler {
    seen.push_back(pattern);
    return [pattern, h](HttpRequest& req) {
      HttpResponse resp = h(req);
      resp.body += "|" + pattern;
      return resp;
    };
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"/a/:x", "/b"}));
  HttpRequest req;
  req.method = "GET";
  req.path = "/a/1";
  const Handler* h = r.match(req);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ((*h)(req).body, "a|/a/:x");
  req.method = "POST";
  req.path = "/b";
  h = r.match(req);
  ASSERT_NE(h, nullptr);
  HttpResponse resp = (*h)(req);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, "b|/b");
}

}  // namespace
}  // namespace sextant::net

#include "agent/http_front.h"

#include <gtest/gtest.h>

namespace sextant::agent {
namespace {

net::HttpRequest request(std::string method, std::string path, std::string ip,
                         net::KeyValues headers = {}) {
  net::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.remote_ip = std::move(ip);
  r.remote_is_loopback = r.remote_ip.starts_with("127.") || r.remote_ip == "::1";
  r.headers = std::move(headers);
  return r;
}

net::Handler ok(std::string body) {
  return [body](net::HttpRequest&) { return net::HttpResponse::text(200, body); };
}

std::unique_ptr<HttpFront> makeFront(HttpFrontOptions o = {}) {
  o.not_found = [] { return net::HttpResponse::text(404, "welcome page"); };
  auto f = std::make_unique<HttpFront>(std::move(o));
  f->setRoutes({{"GET", "/v1/ping", ok("ping"), true},
                {"POST", "/v1/write/:category", ok("write"), false},
                {"GET", "/metrics", ok("metrics"), false},
                {"POST", "/v1/gitlab", ok("gitlab"), true}});
  return f;
}

TEST(HttpFrontTest, RemoteClientsReachOnlyPublicRoutes) {
  auto f = makeFront();
  auto r = request("GET", "/metrics", "10.1.2.3");
  net::HttpResponse resp = f->handle(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(resp.body,
            "{\"error_code\":\"datakit.publicAccessDisabled\",\"message\":\"api /metrics disabled "
            "from external IP, only loopback(localhost) allowed\"}");
  for (auto [method, path] : {std::pair{"GET", "/v1/ping"}, std::pair{"POST", "/v1/write/metric"},
                              std::pair{"POST", "/v1/gitlab"}}) {
    r = request(method, path, "10.1.2.3");
    EXPECT_EQ(f->handle(r).status, 200) << path;
  }
  r = request("GET", "/metrics", "127.0.0.1");
  EXPECT_EQ(f->handle(r).body, "metrics");
  r = request("GET", "/metrics", "::1");
  EXPECT_EQ(f->handle(r).status, 200);
  EXPECT_EQ(f->accessDenied(), 1u);
}

TEST(HttpFrontTest, PublicApisReplaceTheWriteDefault) {
  HttpFrontOptions o;
  o.public_apis = {"/v1/write/logging", "/metrics"};
  auto f = makeFront(o);
  auto r = request("POST", "/v1/write/metric", "10.0.0.9");
  EXPECT_EQ(f->handle(r).status, 403);
  r = request("POST", "/v1/write/logging", "10.0.0.9");
  EXPECT_EQ(f->handle(r).status, 200);
  r = request("GET", "/metrics", "10.0.0.9");
  EXPECT_EQ(f->handle(r).status, 200);
  r = request("GET", "/v1/ping", "10.0.0.9");  // always public
  EXPECT_EQ(f->handle(r).status, 200);
}

TEST(HttpFrontTest, ProxiedRemoteClientIsNotLocal) {
  auto f = makeFront();
  auto r = request("GET", "/metrics", "127.0.0.1", {{"X-Forwarded-For", "203.0.113.7, 127.0.0.1"}});
  EXPECT_EQ(f->handle(r).status, 403);
  r = request("GET", "/metrics", "127.0.0.1", {{"X-Real-IP", "127.0.0.1"}});
  EXPECT_EQ(f->handle(r).status, 200);
  // A remote client claiming to be local is still remote.
  r = request("GET", "/metrics", "198.51.100.1", {{"X-Forwarded-For", "127.0.0.1"}});
  EXPECT_EQ(f->handle(r).status, 403);
}

TEST(HttpFrontTest, RateLimitCoversInputRoutesPerClient) {
  HttpFrontOptions o;
  o.rate_limit.rate = 1;
  o.rate_limit.burst = 2;
  auto t = std::chrono::steady_clock::time_point(std::chrono::seconds(100));
  o.rate_limit.clock = [&t] { return t; };
  auto f = makeFront(o);
  for (int i = 0; i < 2; ++i) {
    auto r = request("POST", "/v1/gitlab", "10.0.0.1");
    EXPECT_EQ(f->handle(r).status, 200);
  }
  auto r = request("POST", "/v1/gitlab", "10.0.0.1");
  net::HttpResponse resp = f->handle(r);
  EXPECT_EQ(resp.status, 429);
  EXPECT_EQ(resp.body,
            "{\"error_code\":\"datakit.reachMaxAPILimit\",\"message\":\"reach max API limit\"}");
  r = request("POST", "/v1/gitlab", "10.0.0.2");  // another client has its own bucket
  EXPECT_EQ(f->handle(r).status, 200);
  r = request("POST", "/v1/write/metric", "10.0.0.1");  // and another route
  EXPECT_EQ(f->handle(r).status, 200);
  EXPECT_EQ(f->rateLimited(), 1u);
}

TEST(HttpFrontTest, OptionsIsAPreflightAndCorsIsEchoed) {
  HttpFrontOptions o;
  o.allowed_cors_origins = {"https://app.example.com"};
  auto f = makeFront(o);
  auto r = request(
      "OPTIONS", "/anything", "10.0.0.1",
      {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Headers", "content-type"}});
  net::HttpResponse resp = f->handle(r);
  EXPECT_EQ(resp.status, 204);
  net::KeyValues want = {{"Access-Control-Allow-Origin", "https://app.example.com"},
                         {"Access-Control-Allow-Credentials", "true"},
                         {"Access-Control-Allow-Methods", "POST, OPTIONS, GET, PUT"},
                         {"Access-Control-Max-Age", "7200"},
                         {"Access-Control-Allow-Headers", "content-type"}};
  EXPECT_EQ(resp.headers, want);
  r = request("GET", "/v1/ping", "10.0.0.1", {{"Origin", "https://evil.example.com"}});
  resp = f->handle(r);
  EXPECT_EQ(resp.status, 200);
  EXPECT_TRUE(resp.headers.empty());
}

TEST(HttpFrontTest, UnknownRoutesGetTheNotFoundPageAndRoutesCanBeSwapped) {
  auto f = makeFront();
  auto r = request("GET", "/nope", "127.0.0.1");
  EXPECT_EQ(f->handle(r).body, "welcome page");
  f->setRoutes({{"GET", "/nope", ok("now here"), false}});
  r = request("GET", "/nope", "127.0.0.1");
  EXPECT_EQ(f->handle(r).body, "now here");
  r = request("GET", "/v1/ping", "127.0.0.1");
  EXPECT_EQ(f->handle(r).status, 404);
}

TEST(HttpFrontTest, CountsRequestsPerRouteMethodAndStatus) {
  auto f = makeFront();
  for (int i = 0; i < 3; ++i) {
    auto r = request("POST", "/v1/write/metric", "127.0.0.1");
    (void)f->handle(r);
  }
  auto r = request("GET", "/metrics", "10.0.0.1");
  (void)f->handle(r);
  std::vector<net::ApiCounter> s = f->apiCounters().snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].api, "/metrics");
  EXPECT_EQ(s[0].status, 403);
  EXPECT_EQ(s[1].api, "/v1/write/:category");
  EXPECT_EQ(s[1].method, "POST");
  EXPECT_EQ(s[1].count, 3u);
}

}  // namespace
}  // namespace sextant::agent

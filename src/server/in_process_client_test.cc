// InProcessClient against a real started Server: the answers equal the socket path's (status,
// Content-Type and body bytes), writes are stored without touching the listener, and every other
// URL goes to the forward client.
#include "server/in_process_client.h"

#include <gtest/gtest.h>

#include <mutex>

#include "codec/compression/compression.h"
#include "core/testing/temp_dir.h"
#include "net/testing/raw_http.h"
#include "server/server.h"

namespace sextant::server {
namespace {

using net::testing::bodyOf;
using net::testing::simpleRequest;
using net::testing::statusOf;

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

// The Content-Type header of a raw HTTP response, empty when absent.
std::string contentTypeOf(const std::string& raw) {
  size_t at = raw.find("\r\nContent-Type: ");
  if (at == std::string::npos) return "";
  at += 16;
  return raw.substr(at, raw.find("\r\n", at) - at);
}

// Records what it is sent and answers 299 "forwarded".
class RecordingClient final : public net::HttpClient {
 public:
  Result<net::ClientResponse> send(const net::ClientRequest& request) override {
    std::lock_guard lock(mu_);
    urls_.push_back(request.url);
    net::ClientResponse r;
    r.status = 299;
    r.body = "forwarded";
    return r;
  }
  std::vector<std::string> urls() const {
    std::lock_guard lock(mu_);
    return urls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> urls_;
};

class InProcessClientTest : public ::testing::Test {
 protected:
  void SetUp() override { startServer(ServerOptions{}); }

  void startServer(ServerOptions o) {
    o.data_dir = dir_.path() + "/data";
    o.listen = "127.0.0.1:0";
    o.retention.fill(std::chrono::hours(24 * 365 * 100));  // fixed 2023 times stay
    server_ = std::make_unique<Server>(o);
    ASSERT_TRUE(server_->start().isOk());
    port_ = portOf(server_->listenAddress());
    token_ = server_->defaultToken();
    client_ = std::make_unique<InProcessClient>(*server_, forward_);
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  net::ClientResponse send(std::string method, std::string url, std::string body = "",
                           net::KeyValues headers = {}) {
    net::ClientRequest req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.body = std::move(body);
    req.headers = std::move(headers);
    Result<net::ClientResponse> r = client_->send(req);
    EXPECT_TRUE(r.isOk()) << r.status().toString();
    return r.isOk() ? std::move(r).value() : net::ClientResponse{};
  }

  // Asserts the in-process answer equals the socket's for the same request.
  void expectSameAsHttp(const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& extra_headers = "") {
    SCOPED_TRACE(method + " " + target);
    std::string raw = simpleRequest(port_, method, target, body, extra_headers);
    net::ClientResponse in = send(method, base() + target, body);
    EXPECT_EQ(in.status, statusOf(raw));
    EXPECT_EQ(in.body, bodyOf(raw));
    EXPECT_EQ(std::string(in.header("Content-Type")), contentTypeOf(raw));
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<Server> server_;
  RecordingClient forward_;
  std::unique_ptr<InProcessClient> client_;
  uint16_t port_ = 0;
  std::string token_;
};

TEST_F(InProcessClientTest, InterceptsTheServersOwnAddress) {
  EXPECT_EQ(client_->authority(), "127.0.0.1:" + std::to_string(port_));
  net::ClientResponse r = send("GET", base() + "/v1/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"version\""), std::string::npos) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  // Path parameters and the query reach the handler as over HTTP; the scheme is case-insensitive.
  r = send("GET", "HTTP://127.0.0.1:" + std::to_string(port_) + "/v1/check/token/" + token_);
  EXPECT_EQ(r.status, 200) << r.body;
  r = send("GET", base() + "/v1/workspace?token=" + token_ + "#fragment");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(token_), std::string::npos) << r.body;
  EXPECT_TRUE(forward_.urls().empty());
}

TEST_F(InProcessClientTest, WritesAreStoredWithoutTheListener) {
  const std::string lp =
      "cpu,host=a usage=1 1700000000000000000\ncpu,host=b usage=2 1700000000000000000\n";
  net::ClientResponse r = send("POST", base() + "/v1/write/metric?token=" + token_, lp);
  EXPECT_EQ(r.status, 200) << r.body;
  // gzip and the Bearer header, as DataKit sends them.
  r = send(
      "POST", base() + "/v1/write/metric",
      codec::compress("cpu,host=c usage=3 1700000000000000000\n", codec::ContentEncoding::kGzip),
      {{"Content-Encoding", "gzip"}, {"Authorization", "Bearer " + token_}});
  EXPECT_EQ(r.status, 200) << r.body;
  ServerStats s = server_->stats();
  EXPECT_EQ(s.accepted_points, 3u);
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.in_process_write_requests, 2u);
  EXPECT_EQ(s.http_write_requests, 0u);

  // The socket path counts as HTTP.
  std::string raw = simpleRequest(port_, "POST", "/v1/write/metric?token=" + token_, lp);
  EXPECT_EQ(statusOf(raw), 200) << raw;
  s = server_->stats();
  EXPECT_EQ(s.http_write_requests, 1u);
  EXPECT_EQ(s.in_process_write_requests, 2u);

  server_->stop();
  size_t stored = 0;
  ASSERT_TRUE(readStoredPoints(dir_.path() + "/data", [&](const std::string&, model::Category c,
                                                          std::vector<model::Point>&& pts) {
                EXPECT_EQ(c, model::Category::kMetric);
                stored += pts.size();
                return Status::ok();
              }).isOk());
  EXPECT_EQ(stored, 5u);
}

TEST_F(InProcessClientTest, ErrorsAreTheHttpPathsBytes) {
  const std::string lp = "cpu usage=1 1700000000000000000\n";
  expectSameAsHttp("POST", "/v1/write/metric", lp);  // 401
  expectSameAsHttp("POST", "/v1/write/metric?token=tkn_ffffffffffffffffffffffffffffffff",
                   lp);                                                      // 403
  expectSameAsHttp("POST", "/v1/write/metricz?token=" + token_, lp);         // 400
  expectSameAsHttp("POST", "/v1/write/metric?token=" + token_, "bad line");  // 400
  expectSameAsHttp("GET", "/no/such/route");                                 // 404
  expectSameAsHttp("DELETE", "/v1/ping");  // no route for the method: 404 as over HTTP
  net::ClientResponse r = send("POST", base() + "/v1/write/metric", lp);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("\"code\":401"), std::string::npos) << r.body;
  r = send("GET", base() + "/no/such/route");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("dataway.notFound"), std::string::npos) << r.body;
  EXPECT_EQ(server_->stats().auth_failures, 5u);  // socket and in-process, and the last 401
}

TEST_F(InProcessClientTest, BodyCapIsTheHttpPaths) {
  server_->stop();
  client_.reset();
  ServerOptions o;
  o.max_body_bytes = 64;
  startServer(o);
  const std::string big(65, 'x');
  std::string raw = simpleRequest(port_, "POST", "/v1/write/metric?token=" + token_, big);
  net::ClientResponse r = send("POST", base() + "/v1/write/metric?token=" + token_, big);
  EXPECT_EQ(statusOf(raw), 413);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, bodyOf(raw));
}

TEST_F(InProcessClientTest, ForwardsEveryOtherUrl) {
  const std::string other_port = std::to_string(port_ == 65535 ? 65534 : port_ + 1);
  const std::vector<std::string> urls = {
      "http://127.0.0.1:" + other_port + "/v1/write/metric?token=x",  // another port
      "http://localhost:" + std::to_string(port_) + "/v1/ping",       // another spelling
      "https://127.0.0.1:" + std::to_string(port_) + "/v1/ping",      // TLS is never ours
      "http://10.0.0.1:9528/v1/election?token=x",
      "not a url",
  };
  for (const std::string& url : urls) {
    net::ClientResponse r = send("POST", url, "cpu usage=1");
    EXPECT_EQ(r.status, 299) << url;
    EXPECT_EQ(r.body, "forwarded");
  }
  EXPECT_EQ(forward_.urls(), urls);
  EXPECT_EQ(server_->stats().in_process_write_requests, 0u);
}

}  // namespace
}  // namespace sextant::server

#include "net/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "net/testing/raw_http.h"

namespace sextant::net {
namespace {

using testing::bodyOf;
using testing::rawExchange;
using testing::simpleRequest;
using testing::statusOf;

class HttpServerTest : public ::testing::Test {
 protected:
  void startServer(HttpServerOptions opts = {}) {
    Router router;
    router.add("GET", "/v1/ping",
               [](HttpRequest&) { return HttpResponse::json(200, R"({"ok":1})"); });
    router.add("POST", "/v1/write/:category", [](HttpRequest& req) {
      std::string out = std::string(req.pathParam("category")) + "|" + req.body + "|";
      bool present = false;
      std::string_view p = req.queryValue("precision", &present);
      out += present ? std::string(p) : "-";
      out += req.hasQuery("dry") ? "|dry" : "|wet";
      out += "|" + std::string(req.header("content-type"));
      out += req.remote_is_loopback ? "|lo" : "|remote";
      return HttpResponse::text(200, out);
    });
    router.add("GET", "/static/*", [](HttpRequest& req) {
      return HttpResponse::text(200, std::string(req.pathParam("*")));
    });
    opts.listen = "127.0.0.1:0";
    opts.extra_headers = {{"X-DataKit", "test/host"}};
    server_ = std::make_unique<HttpServer>(std::move(opts), std::move(router));
    ASSERT_TRUE(server_->start().isOk());
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpServerTest, RoutesAndExtraHeaders) {
  startServer();
  std::string r = simpleRequest(port_, "GET", "/v1/ping");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), R"({"ok":1})");
  EXPECT_NE(r.find("X-DataKit: test/host"), std::string::npos);
  EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos);
}

TEST_F(HttpServerTest, PathParamsQueryAndHeaders) {
  startServer();
  std::string r = simpleRequest(port_, "POST", "/v1/write/metric?precision=ms&dry", "cpu x=1",
                                "Content-Type: text/plain\r\n");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), "metric|cpu x=1|ms|dry|text/plain|lo");
  r = simpleRequest(port_, "POST", "/v1/write/logging%2Fx?a=%41", "");
  EXPECT_EQ(statusOf(r), 404) << "percent-decoded path has an extra segment";
}

TEST_F(HttpServerTest, WildcardRoute) {
  startServer();
  EXPECT_EQ(bodyOf(simpleRequest(port_, "GET", "/static/js/app.js")), "js/app.js");
}

TEST_F(HttpServerTest, UnknownRouteAndWrongMethodAre404) {
  startServer();
  EXPECT_EQ(statusOf(simpleRequest(port_, "GET", "/nope")), 404);
  EXPECT_EQ(statusOf(simpleRequest(port_, "GET", "/v1/write/metric")), 404);
}

TEST_F(HttpServerTest, ChunkedRequestBody) {
  startServer();
  std::string req =
      "POST /v1/write/logging HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Transfer-Encoding: chunked\r\n\r\n"
      "4\r\nab c\r\n3\r\n=1i\r\n0\r\n\r\n";
  std::string r = rawExchange(port_, req);
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), "logging|ab c=1i|-|wet||lo");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
  startServer();
  std::string one = "GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string last = "GET /v1/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string r = rawExchange(port_, one + one + last);
  size_t count = 0;
  for (size_t p = r.find("HTTP/1.1 200"); p != std::string::npos; p = r.find("HTTP/1.1 200", p + 1))
    ++count;
  EXPECT_EQ(count, 3u);
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  HttpServerOptions opts;
  opts.max_body_bytes = 100;
  startServer(opts);
  std::string r = simpleRequest(port_, "POST", "/v1/write/metric", std::string(101, 'x'));
  EXPECT_EQ(statusOf(r), 413);
  r = simpleRequest(port_, "POST", "/v1/write/metric", std::string(100, 'x'));
  EXPECT_EQ(statusOf(r), 200);
}

TEST_F(HttpServerTest, SlowRequestTimesOutWith408) {
  HttpServerOptions opts;
  opts.timeout = std::chrono::milliseconds(300);
  startServer(opts);
  // Headers promise 10 bytes of body; only 3 arrive.
  std::string r = rawExchange(
      port_, "POST /v1/write/metric HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
      std::chrono::seconds(5));
  EXPECT_EQ(statusOf(r), 408);
  EXPECT_NE(bodyOf(r).find("timeout"), std::string::npos);
}

TEST_F(HttpServerTest, GarbageIs400AndServerKeepsServing) {
  startServer();
  EXPECT_EQ(statusOf(rawExchange(port_, "NOT HTTP AT ALL\r\n\r\n")), 400);
  EXPECT_EQ(statusOf(simpleRequest(port_, "GET", "/v1/ping")), 200);
}

TEST_F(HttpServerTest, ConcurrentClients) {
  HttpServerOptions opts;
  opts.threads = 2;
  startServer(opts);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        if (statusOf(simpleRequest(port_, "GET", "/v1/ping")) == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST(SplitHostPortTest, Forms) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(splitHostPort("localhost:9529", &host, &port).isOk());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9529);
  ASSERT_TRUE(splitHostPort("[::]:9529", &host, &port).isOk());
  EXPECT_EQ(host, "::");
  ASSERT_TRUE(splitHostPort("0.0.0.0:0", &host, &port).isOk());
  EXPECT_EQ(port, 0);
  EXPECT_FALSE(splitHostPort("9529", &host, &port).isOk());
  EXPECT_FALSE(splitHostPort("a:99999", &host, &port).isOk());
  EXPECT_FALSE(splitHostPort("a:12x", &host, &port).isOk());
}

// A client connection kept open: sends a request and reads what arrives until `want` is in
// the bytes read or the time is up.
class OpenConnection {
 public:
  OpenConnection(uint16_t port, const std::string& request) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    (void)!::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~OpenConnection() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string readUntil(std::string_view want, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (data_.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      data_.append(buf, static_cast<std::size_t>(n));
    }
    return data_;
  }

 private:
  int fd_ = -1;
  std::string data_;
};

TEST(HttpServerStreamTest, SendsChunksThenEndsTheBody) {
  Router router;
  router.add("GET", "/s", [](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.stream = [](const HttpResponse::StreamWrite& write) {
      return write("a") && write("") && write("bc");
    };
    return r;
  });
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  HttpServer server(o, std::move(router));
  ASSERT_TRUE(server.start().isOk());
  std::string r = testing::simpleRequest(server.port(), "GET", "/s");
  EXPECT_EQ(testing::statusOf(r), 200);
  EXPECT_NE(r.find("Transfer-Encoding: chunked"), std::string::npos) << r;
  EXPECT_NE(r.find("Content-Type: text/event-stream"), std::string::npos) << r;
  std::size_t body = r.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(r.substr(body + 4), "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n");
}

TEST(HttpServerStreamTest, EndsWhenTheClientLeavesBoundsStreamsAndStops) {
  std::atomic<int> ended{0};
  Router router;
  router.add("GET", "/s", [&ended](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain";
    r.stream = [&ended](const HttpResponse::StreamWrite& write) {
      bool ok = write("hello");
      while (ok) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ok = write("");
      }
      ++ended;
      return false;
    };
    return r;
  });
  router.add("GET", "/ping", [](HttpRequest&) { return HttpResponse::text(200, "pong"); });
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  o.max_streams = 1;
  HttpServer server(o, std::move(router));
  ASSERT_TRUE(server.start().isOk());
  const std::string req = "GET /s HTTP/1.1\r\nHost: x\r\n\r\n";
  {
    OpenConnection a(server.port(), req);
    EXPECT_NE(a.readUntil("hello", std::chrono::seconds(5)).find("5\r\nhello\r\n"),
              std::string::npos);
    // The one stream slot is taken; ordinary routes still answer (the I/O thread is free).
    EXPECT_EQ(testing::statusOf(testing::simpleRequest(server.port(), "GET", "/s")), 503);
    EXPECT_EQ(testing::bodyOf(testing::simpleRequest(server.port(), "GET", "/ping")), "pong");
    a.close();
    for (int i = 0; i < 500 && ended.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(ended.load(), 1);
  }
  // The slot is free again; stop() ends the open stream and waits for it.
  OpenConnection b(server.port(), req);
  EXPECT_NE(b.readUntil("hello", std::chrono::seconds(5)).find("hello"), std::string::npos);
  server.stop();
  EXPECT_EQ(ended.load(), 2);
}

// A handler that works until its client leaves (a long query) sees client_gone() turn true once
// the client closes; a client that waits for the answer is never reported gone.
TEST(HttpServerCancelTest, ClientGoneTurnsTrueOnlyWhenTheClientCloses) {
  std::atomic<int> gone_seen{0};
  std::atomic<int> finished{0};
  Router router;
  router.add("GET", "/long", [&](HttpRequest& req) {
    EXPECT_TRUE(static_cast<bool>(req.client_gone));
    for (int i = 0; i < 1000; ++i) {  // at most ~10 s
      if (req.client_gone()) {
        ++gone_seen;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ++finished;
    return HttpResponse::text(499, "gone");
  });
  router.add("GET", "/short", [](HttpRequest& req) {
    for (int i = 0; i < 10; ++i) {  // ~100 ms of work, polling as a query does
      if (req.client_gone()) return HttpResponse::text(500, "reported gone");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return HttpResponse::text(200, "done");
  });
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  HttpServer server(o, std::move(router));
  ASSERT_TRUE(server.start().isOk());
  EXPECT_EQ(testing::bodyOf(testing::simpleRequest(server.port(), "GET", "/short")), "done");
  {
    OpenConnection c(server.port(), "GET /long HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.close();
  }
  for (int i = 0; i < 1200 && finished.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(finished.load(), 1);
  EXPECT_EQ(gone_seen.load(), 1);
}

TEST(ParseQueryTest, DecodesAndKeepsFlags) {
  KeyValues q = parseQuery("a=1&dry&b=%20x+y&&c=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>("dry", "")));
  EXPECT_EQ(q[2].second, " x+y");
  EXPECT_EQ(percentDecode("%zz%4"), "%zz%4");
}

TEST(RouterTest, FirstMatchWinsAndParams) {
  Router r;
  r.add("GET", "/a/:x", [](HttpRequest&) { return HttpResponse::text(200, "param"); });
  r.add("GET", "/a/b", [](HttpRequest&) { return HttpResponse::text(200, "literal"); });
  HttpRequest req;
  req.method = "GET";
  req.path = "/a/b";
  std::string_view pattern;
  const Handler* h = r.match(req, &pattern);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ((*h)(req).body, "param");
  EXPECT_EQ(req.pathParam("x"), "b");
  EXPECT_EQ(pattern, "/a/:x");
  req.path = "/a/b/c";
  EXPECT_EQ(r.match(req), nullptr);
}

}  // namespace
}  // namespace sextant::net

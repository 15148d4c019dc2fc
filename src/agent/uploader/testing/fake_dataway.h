// FakeDataway: a DataWay stand-in for tests, on our own net::HttpServer (127.0.0.1, port 0).
//
// It answers POST /v1/write/:category?token=T like DataWay: checks the token (401 otherwise),
// decompresses the body (Content-Encoding gzip/deflate/zstd/br or none), decodes it by
// Content-Type ("application/protobuf; proto=com.guance.Point" as protobuf, anything else as line
// protocol; 400 when it does not decode) and records the points per category, in arrival order.
// It can be told to answer every write with a given status instead (503, 429, 400...), and to
// stop and restart on the same port (an outage).
//
//   FakeDataway dw;                       // token "tkn_test"
//   ASSERT_TRUE(dw.start().isOk());
//   options.urls = {dw.url()};            // "http://127.0.0.1:<port>?token=tkn_test"
//   ...
//   dw.waitForPoints(model::Category::kMetric, 100, 5s);
//   EXPECT_EQ(dw.points(model::Category::kMetric).size(), 100u);
//
// Thread-safety: every accessor may be called from any thread while the server runs;
// start/stop/restart from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "net/http_server.h"
#include "net/http_types.h"

namespace sextant::agent::testing {

class FakeDataway {
 public:
  // One body as received (also the rejected ones).
  struct Body {
    std::string category;  // the :category path segment
    std::string target;    // path and query as sent
    net::KeyValues headers;
    std::size_t bytes = 0;  // as sent (compressed)
    std::size_t points = 0;
    int answered = 0;  // the status we answered
  };

  explicit FakeDataway(std::string token = "tkn_test");
  ~FakeDataway();
  FakeDataway(const FakeDataway&) = delete;
  FakeDataway& operator=(const FakeDataway&) = delete;

  // Listens on 127.0.0.1: a free port the first time, the same port afterwards.
  Status start();
  void stop();
  Status restart() {
    stop();
    return start();
  }

  uint16_t port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>?token=<token>"

  // Answer every write with `status` (and `body`) without recording points; 0 = normal again.
  void failWith(int status, std::string body = "");

  std::vector<model::Point> points(model::Category category) const;
  std::size_t pointCount(model::Category category) const;
  std::size_t pointCount() const;  // all categories
  std::vector<Body> bodies() const;
  std::size_t bodyCount() const;     // accepted bodies (2xx)
  std::size_t requestCount() const;  // every write request, answered with anything
  Body lastBody() const;             // the last accepted one; empty Body when none
  void clear();
  // Waits until at least n points of the category were accepted; false on timeout.
  bool waitForPoints(model::Category category, std::size_t n,
                     std::chrono::milliseconds timeout) const;
  // Waits until at least n write requests arrived (whatever was answered); false on timeout.
  bool waitForRequests(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  net::HttpResponse handleWrite(net::HttpRequest& req);

  const std::string token_;
  uint16_t port_ = 0;
  std::unique_ptr<net::HttpServer> server_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  int fail_status_ = 0;
  std::string fail_body_;
  std::map<model::Category, std::vector<model::Point>> points_;
  std::vector<Body> bodies_;  // all requests
  std::size_t accepted_ = 0;
};

}  // namespace sextant::agent::testing

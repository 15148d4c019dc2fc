// FakeElectionServer: DataWay's election API for tests, on our HttpServer (127.0.0.1, port 0).
//
// POST /v1/election?token=T&namespace=NS&id=ID      campaign
// POST /v1/election/heartbeat?token=T&namespace=NS&id=ID
// Both answer 200 {"content":{"status":"success"|"defeat","namespace":NS,"id":ID,
// "incumbency_id":<leader or "">,"error_msg":"","interval":<reply_interval>}}, the shape
// DataKit's client reads. One seat per (token, namespace). A campaign wins when the seat is
// empty, held by the caller, or its lease expired; a heartbeat succeeds only for the holder
// (renewing an expired lease nobody took is allowed). The lease runs from the holder's last
// successful campaign or heartbeat. Missing token: 401 {"message":"token missing"}; missing id:
// 400 {"message":"id missing"}.
//
// Thread-safety: every method may be called from any thread while the server runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "net/http_server.h"

namespace sextant::agent::election::testing {

struct FakeElectionServerOptions {
  std::chrono::milliseconds lease{10'000};
  // Seconds written as "interval" in every reply. 0 lets clients keep their own tick (tests use
  // that with millisecond ticks; DataKit itself would not accept 0).
  int reply_interval = 4;
};

class FakeElectionServer {
 public:
  explicit FakeElectionServer(FakeElectionServerOptions options = {});
  ~FakeElectionServer();
  FakeElectionServer(const FakeElectionServer&) = delete;
  FakeElectionServer& operator=(const FakeElectionServer&) = delete;

  Status start();
  void stop();
  uint16_t port() const;
  // "http://127.0.0.1:<port>?token=<token>": what an agent has as its DataWay URL.
  std::string datawayUrl(std::string_view token) const;

  // The holder of (token, namespace) whose lease has not expired; "" when none.
  std::string leader(const std::string& token, const std::string& election_namespace) const;
  // Until called again with status 0, every request is answered `status` with `body`.
  void failRequests(int status, std::string body = "");
  void setReplyInterval(int seconds);
  uint64_t campaigns() const;
  uint64_t heartbeats() const;

 private:
  struct Seat {
    std::string holder;
    std::chrono::steady_clock::time_point expires;
  };
  net::HttpResponse handle(const net::HttpRequest& req, bool heartbeat);

  FakeElectionServerOptions options_;
  std::unique_ptr<net::HttpServer> server_;

  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Seat> seats_;  // (token, namespace)
  int fail_status_ = 0;
  std::string fail_body_;
  uint64_t campaigns_ = 0;
  uint64_t heartbeats_ = 0;
};

}  // namespace sextant::agent::election::testing

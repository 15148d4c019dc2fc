// HttpFront: what every request to the agent's port goes through before and after its handler,
// as DataKit's gin middlewares: access control (clients not on loopback reach only public
// routes: 403 datakit.publicAccessDisabled), the per-client rate limit (429
// datakit.reachMaxAPILimit, applied to input-registered routes too), CORS headers, and the
// datakit_http_api_total / elapsed self-metrics. Then it dispatches to the current route table,
// which reload() may replace while requests are served (input routes change on SIGHUP).
//
// Public routes: every route marked always_public (/v1/ping, /v1/ntp, routes inputs register)
// plus `public_apis` paths; when public_apis is empty, every /v1/write/<category> path.
// A client is local when its socket peer is loopback and no X-Forwarded-For / X-Real-IP header
// names a non-loopback address (a proxy on the same host does not make the internet local).
// Thread-safety: handle() from any thread; setRoutes() from any thread (copy-on-write).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/api_counters.h"
#include "net/rate_limiter.h"
#include "net/router.h"

namespace sextant::agent {

struct FrontRoute {
  std::string method;
  std::string pattern;
  net::Handler handler;
  bool always_public = false;
};

struct HttpFrontOptions {
  std::vector<std::string> public_apis;
  std::vector<std::string> allowed_cors_origins;  // empty = every origin
  net::RateLimiterOptions rate_limit;
  // Answers unknown routes (DataKit's 404 page).
  std::function<net::HttpResponse()> not_found;
};

class HttpFront {
 public:
  explicit HttpFront(HttpFrontOptions options);

  // Replaces the route table; returns once no request still runs a handler of the old one (so
  // the caller may then destroy what those handlers use). Not from inside a handler.
  void setRoutes(std::vector<FrontRoute> routes);
  // The router to give net::HttpServer: every method and path lands in handle().
  net::Router serverRouter();
  net::HttpResponse handle(net::HttpRequest& req);

  const net::ApiCounters& apiCounters() const { return counters_; }
  uint64_t rateLimited() const;
  uint64_t accessDenied() const;

  // True when the request comes from this host (see the header comment).
  static bool isLocalClient(const net::HttpRequest& req);

 private:
  struct Table {
    net::Router router;
    std::map<std::string, bool> always_public;  // pattern -> flag
  };
  bool isPublic(const Table& t, std::string_view pattern, std::string_view path) const;
  void addCors(const net::HttpRequest& req, net::HttpResponse* resp) const;

  const HttpFrontOptions options_;
  net::RateLimiter limiter_;
  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_;
  net::ApiCounters counters_;
  uint64_t rate_limited_ = 0;
  uint64_t access_denied_ = 0;
};

}  // namespace sextant::agent

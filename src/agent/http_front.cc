#include "agent/http_front.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "agent/api_error.h"

namespace sextant::agent {

namespace {

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};

bool isLoopbackAddress(std::string_view ip) {
  while (!ip.empty() && ip.front() == ' ') ip.remove_prefix(1);
  while (!ip.empty() && ip.back() == ' ') ip.remove_suffix(1);
  std::string s(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return s == "localhost";
}

}  // namespace

HttpFront::HttpFront(HttpFrontOptions options)
    : options_(std::move(options)),
      limiter_(options_.rate_limit),
      table_(std::make_shared<Table>()) {}

void HttpFront::setRoutes(std::vector<FrontRoute> routes) {
  auto t = std::make_shared<Table>();
  for (FrontRoute& r : routes) {
    t->always_public[r.pattern] = t->always_public[r.pattern] || r.always_public;
    t->router.add(std::move(r.method), std::move(r.pattern), std::move(r.handler));
  }
  std::shared_ptr<const Table> old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(table_, std::move(t));
  }
  // Requests hold the table they were dispatched with until their handler returns: wait for
  // them, so that the caller may destroy what the old handlers use (reload: the old inputs).
  while (old && old.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

net::Router HttpFront::serverRouter() {
  net::Router r;
  for (const char* m : kMethods) {
    r.add(m, "/*", [this](net::HttpRequest& req) { return handle(req); });
  }
  return r;
}

bool HttpFront::isLocalClient(const net::HttpRequest& req) {
  if (!req.remote_is_loopback) return false;
  for (std::string_view name : {"X-Forwarded-For", "X-Real-IP"}) {
    std::string_view v = req.header(name);
    while (!v.empty()) {
      size_t comma = v.find(',');
      if (!isLoopbackAddress(v.substr(0, comma))) return false;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return true;
}

bool HttpFront::isPublic(const Table& t, std::string_view pattern, std::string_view path) const {
  if (auto it = t.always_public.find(std::string(pattern));
      it != t.always_public.end() && it->second) {
    return true;
  }
  if (options_.public_apis.empty()) return path.starts_with("/v1/write/");
  return std::find(options_.public_apis.begin(), options_.public_apis.end(), path) !=
         options_.public_apis.end();
}

void HttpFront::addCors(const net::HttpRequest& req, net::HttpResponse* resp) const {
  std::string_view origin = req.header("Origin");
  if (origin.empty()) return;
  const auto& allowed = options_.allowed_cors_origins;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
    return;
  }
  resp->headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  resp->headers.emplace_back("Access-Control-Allow-Credentials", "true");
  resp->headers.emplace_back("Access-Control-Allow-Methods", "POST, OPTIONS, GET, PUT");
  resp->headers.emplace_back("Access-Control-Max-Age", "7200");
  if (std::string_view h = req.header("Access-Control-Request-Headers"); !h.empty()) {
    resp->headers.emplace_back("Access-Control-Allow-Headers", std::string(h));
  }
}

net::HttpResponse HttpFront::handle(net::HttpRequest& req) {
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const Table> table;
  {
    std::lock_guard lock(mu_);
    table = table_;
  }
  net::HttpResponse resp;
  std::string_view pattern;
  if (req.method == "OPTIONS") {
    // Any OPTIONS request is a CORS preflight: 204 and stop (DataKit).
    resp.status = 204;
    pattern = "OPTIONS";
  } else if (const net::Handler* h = table->router.match(req, &pattern); h == nullptr) {
    resp = options_.not_found ? options_.not_found() : net::HttpResponse::text(404, "not found");
    pattern = "404";
  } else if (!isLocalClient(req) && !isPublic(*table, pattern, req.path)) {
    resp = apiError(403, "datakit.publicAccessDisabled",
                    "api " + req.path +
                        " disabled from external IP, only loopback(localhost) "
                        "allowed");
    std::lock_guard lock(mu_);
    ++access_denied_;
  } else if (!limiter_.allow(req.remote_ip, pattern)) {
    resp = apiError(429, "datakit.reachMaxAPILimit", "reach max API limit");
    std::lock_guard lock(mu_);
    ++rate_limited_;
  } else {
    resp = (*h)(req);
  }
  addCors(req, &resp);
  counters_.count(
      pattern, req.method, resp.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return resp;
}

uint64_t HttpFront::rateLimited() const {
  std::lock_guard lock(mu_);
  return rate_limited_;
}

uint64_t HttpFront::accessDenied() const {
  std::lock_guard lock(mu_);
  return access_denied_;
}

}  // namespace sextant::agent

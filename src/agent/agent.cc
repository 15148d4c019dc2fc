#include "agent/agent.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "agent/write_api.h"
#include "codec/point_json/json_writer.h"
#include "config/main_config.h"
#include "core/version.h"
#include "net/http_server.h"

namespace sextant::agent {

namespace {

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

int64_t wallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Go's time.Duration String() shape, e.g. "1h2m3.5s", as DataKit's /v1/ping shows uptime.
std::string goDuration(std::chrono::steady_clock::duration d) {
  double secs = std::chrono::duration<double>(d).count();
  long h = static_cast<long>(secs / 3600);
  secs -= static_cast<double>(h) * 3600;
  long m = static_cast<long>(secs / 60);
  secs -= static_cast<double>(m) * 60;
  char buf[64];
  if (h > 0) {
    snprintf(buf, sizeof(buf), "%ldh%ldm%.3fs", h, m, secs);
  } else if (m > 0) {
    snprintf(buf, sizeof(buf), "%ldm%.3fs", m, secs);
  } else {
    snprintf(buf, sizeof(buf), "%.3fs", secs);
  }
  return buf;
}

std::string page404(std::chrono::steady_clock::duration uptime) {
  return "<!DOCTYPE html><html><head><title>Sextant</title></head><body>"
         "<h1>Welcome to use DataKit</h1><p>This is Sextant " +
         std::string(kVersion) + " (" + kGitCommit +
         "), a DataKit-compatible agent.</p><p>Uptime: " + goDuration(uptime) +
         "</p><p>The page you asked for does not exist.</p></body></html>";
}

}  // namespace

struct Agent::Impl {
  AgentOptions options;
  config::MainConfig config;
  std::unique_ptr<net::HttpServer> server;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string host = hostName();
  std::atomic<uint64_t> accepted_points{0};
  std::atomic<uint64_t> accepted_requests{0};

  // CORS as DataKit: when the request has an Origin that is allowed (an empty list allows all),
  // echo it back with credentials, DataKit's method list and a 2 h preflight cache.
  void addCors(const net::HttpRequest& req, net::HttpResponse* resp) const {
    std::string_view origin = req.header("Origin");
    if (origin.empty()) return;
    const auto& allowed = config.http_api.allowed_cors_origins;
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

  net::Handler withCors(net::Handler handler) {
    return [this, handler = std::move(handler)](net::HttpRequest& req) {
      net::HttpResponse resp = handler(req);
      addCors(req, &resp);
      return resp;
    };
  }

  net::Router buildRouter() {
    net::Router router;
    // Any OPTIONS request is a CORS preflight: 204 and stop (DataKit).
    router.add("OPTIONS", "/*", withCors([](net::HttpRequest&) { return net::HttpResponse{204}; }));
    router.add("GET", "/v1/ping", withCors([this](net::HttpRequest&) {
                 std::string body;
                 codec::json::JsonWriter w(&body);
                 w.beginObject();
                 w.key("content");
                 w.beginObject();
                 w.key("version");
                 w.string(kVersion);
                 w.key("uptime");
                 w.string(goDuration(std::chrono::steady_clock::now() - started));
                 w.key("host");
                 w.string(host);
                 w.key("commit");
                 w.string(kGitCommit);
                 w.endObject();
                 w.endObject();
                 return net::HttpResponse::json(200, std::move(body));
               }));
    router.add("GET", "/v1/ntp", withCors([](net::HttpRequest&) {
                 int64_t secs = wallNowNs() / 1'000'000'000;
                 return net::HttpResponse::json(200,
                                                "{\"timestamp_sec\":" + std::to_string(secs) + "}");
               }));
    WriteContext write_ctx;
    write_ctx.now_ns = wallNowNs;
    write_ctx.sink = [this](model::Category, std::string_view, std::vector<model::Point>&& pts) {
      accepted_points += pts.size();
      ++accepted_requests;
    };
    router.add("POST", "/v1/write/:category", withCors([write_ctx](net::HttpRequest& req) {
                 return handleWrite(req, write_ctx);
               }));
    return router;
  }

  net::HttpResponse transportError(int status, std::string message) {
    switch (status) {
      case 404:
        if (config.http_api.disable_404page)
          return net::HttpResponse::text(404, "404 page not found");
        return net::HttpResponse{404,
                                 "text/html; charset=utf-8",
                                 page404(std::chrono::steady_clock::now() - started),
                                 {}};
      case 408: return net::HttpResponse::text(408, std::move(message));
      case 413: return apiError(413, "datakit.requestEntityTooLarge", message);
      default: return apiError(status, "datakit.badRequest", message);
    }
  }
};

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Agent::~Agent() { stop(); }

Status Agent::start() {
  const std::string conf = impl_->options.install_dir + "/conf.d/datakit.conf";
  Result<config::MainConfig> cfg = config::loadMainConfig(conf);
  if (!cfg.isOk()) return cfg.status();
  impl_->config = std::move(cfg).value();
  if (impl_->options.container) {
    if (const char* listen = std::getenv("ENV_HTTP_LISTEN"); listen && *listen) {
      impl_->config.http_api.listen = listen;
    }
  }
  if (!impl_->options.listen.empty()) impl_->config.http_api.listen = impl_->options.listen;

  net::HttpServerOptions http;
  http.listen = impl_->config.http_api.listen;
  http.timeout = impl_->config.http_api.timeout;
  http.threads = 2;
  http.extra_headers = {{"X-DataKit", std::string(kVersion) + "/" + impl_->host}};
  http.error_response = [impl = impl_.get()](int status, std::string message) {
    return impl->transportError(status, std::move(message));
  };
  impl_->server = std::make_unique<net::HttpServer>(std::move(http), impl_->buildRouter());
  return impl_->server->start();
}

void Agent::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

std::string Agent::listenAddress() const {
  return impl_->server ? impl_->server->boundAddress() : "";
}

}  // namespace sextant::agent

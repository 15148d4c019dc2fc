#include "server/server.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>

#include "codec/compression/compression.h"
#include "codec/line_protocol/line_protocol.h"
#include "codec/point_json/json_writer.h"
#include "codec/point_json/point_json.h"
#include "codec/point_pb/point_pb.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "core/metrics_text.h"
#include "core/version.h"
#include "net/http_server.h"
#include "net/rate_limiter.h"
#include "server/election/election_api.h"
#include "server/election/election_service.h"
#include "server/ingest/ingest_record.h"
#include "server/workspace/workspace_api.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server {

namespace {

storage::WalOptions walOptions(const std::string& data_dir, storage::SyncPolicy sync) {
  storage::WalOptions o;
  o.dir = data_dir + "/wal";
  o.sync = sync;
  return o;
}

net::HttpResponse badRequest(std::string_view code, std::string_view message) {
  return workspace::kodoError(400, code, message);
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unique_ptr<workspace::WorkspaceStore> workspaces;
  std::unique_ptr<storage::Wal> wal;
  election::ElectionService elections;
  std::unique_ptr<net::HttpServer> http;
  std::unique_ptr<net::RateLimiter> limiter;

  std::atomic<uint64_t> requests{0}, accepted_points{0}, rejected_requests{0}, auth_failures{0},
      rate_limited{0};
  std::mutex counters_mu;
  std::map<std::pair<std::string, model::Category>, uint64_t> points_by_workspace;

  net::HttpResponse write(net::HttpRequest& req) {
    ++requests;
    std::string_view name = req.pathParam("category");
    std::optional<model::Category> category = model::parseCategory(name);
    if (!category || model::categoryName(*category) != name) {
      ++rejected_requests;
      return badRequest("dataway.invalidCategory", "invalid category '" + std::string(name) + "'");
    }
    Result<workspace::Workspace> ws = workspace::authenticate(req, *workspaces);
    if (!ws.isOk()) {
      ++auth_failures;
      return workspace::authFailure(ws.status());
    }
    if (!limiter->allow(ws->token, "write")) {
      ++rate_limited;
      return workspace::kodoError(429, "dataway.tooManyRequests",
                                  "over " + std::to_string(options.write_rate_limit) +
                                      " write requests per second for this token");
    }
    std::optional<codec::ContentEncoding> enc =
        codec::parseContentEncoding(req.header("Content-Encoding"));
    if (!enc) {
      ++rejected_requests;
      return badRequest(
          "dataway.badContentEncoding",
          "unsupported Content-Encoding '" + std::string(req.header("Content-Encoding")) + "'");
    }
    std::string plain;
    std::string_view body = req.body;
    if (*enc != codec::ContentEncoding::kIdentity) {
      auto r = codec::decompress(body, *enc, options.max_decompressed_bytes);
      if (!r.isOk()) {
        ++rejected_requests;
        return badRequest("dataway.badBody", r.status().message());
      }
      plain = std::move(r).value();
      body = plain;
    }
    Result<std::vector<model::Point>> points = decode(body, req.header("Content-Type"), *category);
    if (!points.isOk()) {
      ++rejected_requests;
      return badRequest("dataway.badBody", points.status().message());
    }
    if (points->empty()) return net::HttpResponse{200, "", "", {}};
    // Stored as sent: agents normalise (DataKit's point check) before uploading, and a DataKit
    // upload may carry what the agent-side rules would change (e.g. string fields of metrics).
    std::string pb;
    codec::pb::encode(*points, &pb);
    Result<uint64_t> lsn = wal->append(encodeIngestRecord(ws->id, *category, pb));
    if (!lsn.isOk()) {
      ++rejected_requests;
      return workspace::kodoError(503, "dataway.walFailed", lsn.status().message());
    }
    accepted_points += points->size();
    {
      std::lock_guard lock(counters_mu);
      points_by_workspace[{ws->name, *category}] += points->size();
    }
    return net::HttpResponse{200, "", "", {}};
  }

  static Result<std::vector<model::Point>> decode(std::string_view body,
                                                  std::string_view content_type,
                                                  model::Category category) {
    if (content_type.find("protobuf") != std::string_view::npos) {
      return codec::pb::decode(body, category);
    }
    if (content_type.find("pbjson") != std::string_view::npos) {
      return codec::json::decodePbJson(body, category);
    }
    if (content_type.find("json") != std::string_view::npos) {
      return codec::json::decodeJson(body, category, wallNowNs(), 1);
    }
    codec::lp::DecodeOptions o;
    o.category = category;
    o.now_ns = wallNowNs();
    codec::lp::DecodeResult r = codec::lp::decode(body, o);
    if (!r.ok()) return invalidArgument(r.errorMessage());
    return std::move(r.points);
  }

  net::HttpResponse metrics() {
    MetricsText m;
    m.family("sextant_server_uptime_seconds", "gauge", "Server uptime");
    m.sample("sextant_server_uptime_seconds", {{"version", kVersion}},
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    m.family("sextant_ingest_requests_total", "counter", "Write requests by outcome");
    m.sample("sextant_ingest_requests_total", {{"outcome", "all"}},
             static_cast<double>(requests.load()));
    m.sample("sextant_ingest_requests_total", {{"outcome", "rejected"}},
             static_cast<double>(rejected_requests.load()));
    m.sample("sextant_ingest_requests_total", {{"outcome", "auth_failed"}},
             static_cast<double>(auth_failures.load()));
    m.sample("sextant_ingest_requests_total", {{"outcome", "rate_limited"}},
             static_cast<double>(rate_limited.load()));
    m.family("sextant_ingest_points_total", "counter", "Accepted points by workspace and category");
    {
      std::lock_guard lock(counters_mu);
      for (const auto& [key, n] : points_by_workspace) {
        m.sample("sextant_ingest_points_total",
                 {{"workspace", key.first}, {"category", model::categoryName(key.second)}},
                 static_cast<double>(n));
      }
    }
    storage::WalStats ws = wal->stats();
    m.family("sextant_wal_appends_total", "counter", "WAL records appended");
    m.sample("sextant_wal_appends_total", {}, static_cast<double>(ws.appends));
    m.family("sextant_wal_syncs_total", "counter", "WAL fdatasyncs (group commits share one)");
    m.sample("sextant_wal_syncs_total", {}, static_cast<double>(ws.syncs));
    election::ElectionStats es = elections.stats();
    m.family("sextant_election_seats", "gauge", "Live election seats");
    m.sample("sextant_election_seats", {}, static_cast<double>(es.seats));
    return net::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", m.take(), {}};
  }

  net::Router routes() {
    net::Router r;
    r.add("POST", "/v1/write/heartbeat", [this](net::HttpRequest& req) {
      Result<workspace::Workspace> ws = workspace::authenticate(req, *workspaces);
      if (!ws.isOk()) return workspace::authFailure(ws.status());
      return net::HttpResponse::json(200, "{\"content\":{}}");
    });
    r.add("POST", "/v1/write/:category", [this](net::HttpRequest& req) { return write(req); });
    r.add("GET", "/v1/ping", [this](net::HttpRequest&) {
      std::string body;
      codec::json::JsonWriter w(&body);
      w.beginObject();
      w.key("content");
      w.beginObject();
      w.key("version");
      w.string(kVersion);
      w.key("uptime_seconds");
      w.integer(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                 started)
                    .count());
      w.endObject();
      w.endObject();
      return net::HttpResponse::json(200, std::move(body));
    });
    r.add("GET", "/v1/ntp", [](net::HttpRequest&) {
      return net::HttpResponse::json(
          200, "{\"timestamp_sec\":" + std::to_string(wallNowNs() / 1'000'000'000) + "}");
    });
    // What a real DataKit calls around its uploads: answered so it runs without errors.
    r.add("GET", "/v1/datakit/pull",
          [](net::HttpRequest&) { return net::HttpResponse::json(200, "{\"content\":{}}"); });
    r.add("POST", "/v1/datakit/pull",
          [](net::HttpRequest&) { return net::HttpResponse::json(200, "{\"content\":{}}"); });
    r.add("GET", "/metrics", [this](net::HttpRequest&) { return metrics(); });
    workspace::addWorkspaceRoutes(r, *workspaces);
    election::registerElectionRoutes(
        r, elections, [store = workspaces.get()](std::string_view token) {
          std::optional<workspace::Workspace> w = store->byToken(token);
          return w ? std::optional<std::string>(w->id) : std::nullopt;
        });
    return r;
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() { stop(); }

Status Server::start() {
  Impl& s = *impl_;
  auto store = workspace::WorkspaceStore::open(realFileSystem(), s.options.data_dir);
  if (!store.isOk()) return store.status();
  s.workspaces = std::move(store).value();
  auto wal =
      storage::Wal::open(realFileSystem(), walOptions(s.options.data_dir, s.options.wal_sync));
  if (!wal.isOk()) return wal.status();
  s.wal = std::move(wal).value();
  net::RateLimiterOptions rl;
  rl.rate = s.options.write_rate_limit;
  rl.burst = 2 * s.options.write_rate_limit;
  s.limiter = std::make_unique<net::RateLimiter>(rl);

  net::HttpServerOptions http;
  http.listen = s.options.listen;
  http.max_body_bytes = s.options.max_body_bytes;
  http.threads = s.options.threads;
  http.error_response = [](int status, std::string message) {
    return workspace::kodoError(status, status == 404 ? "dataway.notFound" : "dataway.badRequest",
                                message);
  };
  s.http = std::make_unique<net::HttpServer>(std::move(http), s.routes());
  return s.http->start();
}

Status Server::reload() {
  if (!impl_->workspaces) return Status(StatusCode::kInternal, "server not started");
  return impl_->workspaces->reload();
}

void Server::stop() {
  if (!impl_) return;
  if (impl_->http) impl_->http->stop();
  if (impl_->wal) (void)impl_->wal->sync();
}

std::string Server::listenAddress() const { return impl_->http ? impl_->http->boundAddress() : ""; }

std::string Server::defaultToken() const {
  if (!impl_->workspaces) return "";
  std::optional<workspace::Workspace> w = impl_->workspaces->byName("default");
  return w ? w->token : "";
}

ServerStats Server::stats() const {
  return ServerStats{impl_->requests.load(), impl_->accepted_points.load(),
                     impl_->rejected_requests.load(), impl_->auth_failures.load(),
                     impl_->rate_limited.load()};
}

Status replayWal(
    const std::string& data_dir,
    const std::function<Status(const std::string&, model::Category, std::string_view)>& fn) {
  auto wal =
      storage::Wal::open(realFileSystem(), walOptions(data_dir, storage::SyncPolicy::kEveryCommit));
  if (!wal.isOk()) return wal.status();
  return (*wal)->replay(0, [&](uint64_t, std::string_view payload) {
    Result<IngestRecord> r = decodeIngestRecord(payload);
    if (!r.isOk()) return r.status();
    return fn(r->workspace_id, r->category, r->points_pb);
  });
}

}  // namespace sextant::server

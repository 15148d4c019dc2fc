#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "codec/compression/compression.h"
#include "codec/line_protocol/line_protocol.h"
#include "codec/point_json/json_writer.h"
#include "codec/point_json/point_json.h"
#include "codec/point_pb/point_pb.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "core/metrics_text.h"
#include "core/version.h"
#include "net/api_counters.h"
#include "net/http_server.h"
#include "net/rate_limiter.h"
#include "server/ci_api/ci_api.h"
#include "server/dashboard_api/dashboard_api.h"
#include "server/election/election_api.h"
#include "server/election/election_service.h"
#include "server/log_api/log_api.h"
#include "server/prom_api.h"
#include "server/query_raw_api.h"
#include "server/rum_api/rum_api.h"
#include "server/trace_api/trace_api.h"
#include "server/ui_assets/ui_assets.h"
#include "server/workspace/workspace_api.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server {

namespace {

net::HttpResponse badRequest(std::string_view code, std::string_view message) {
  return workspace::kodoError(400, code, message);
}

// Transport-level errors (no route, body too large, ...), for the HTTP listener and handle().
net::HttpResponse transportError(int status, std::string message) {
  return workspace::kodoError(status, status == 404 ? "dataway.notFound" : "dataway.badRequest",
                              message);
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unique_ptr<workspace::WorkspaceStore> workspaces;
  std::unique_ptr<storage::StorageEngine> engine;
  election::ElectionService elections;
  std::unique_ptr<net::HttpServer> http;
  std::unique_ptr<net::Router> router;  // handle()'s: the same routes as http's
  std::unique_ptr<net::RateLimiter> limiter;
  std::shared_ptr<const UiAssets> ui_assets;  // null: no --ui-dir
  // APM: the deriver and the thread that ticks it.
  std::unique_ptr<apm::ApmDeriver> apm;
  std::thread apm_thread;
  std::mutex apm_mu;
  std::condition_variable apm_cv;
  bool apm_stopping = false;

  std::atomic<uint64_t> requests{0}, accepted_points{0}, rejected_requests{0}, auth_failures{0},
      rate_limited{0}, rejected_points{0}, http_write_requests{0}, in_process_write_requests{0};
  std::mutex counters_mu;
  std::map<std::pair<std::string, model::Category>, uint64_t> points_by_workspace;
  net::ApiCounters api_counters;  // every route, both transports

  static constexpr size_t kMaxRejectionMessages = 10;

  // {"content":{"accepted":N,"rejected":M,"messages":[...]}} (error_code too when nothing was
  // accepted).
  static net::HttpResponse rejectionResponse(int status, size_t accepted, size_t rejected,
                                             const std::vector<std::string>& messages) {
    std::string body;
    codec::json::JsonWriter w(&body);
    w.beginObject();
    if (status != 200) {
      w.key("errorCode");
      w.string("dataway.pointsRejected");
      w.key("message");
      w.string(messages.empty() ? "points rejected" : messages.front());
    }
    w.key("content");
    w.beginObject();
    w.key("accepted");
    w.unsignedInteger(accepted);
    w.key("rejected");
    w.unsignedInteger(rejected);
    w.key("messages");
    w.beginArray();
    for (const std::string& m : messages) w.string(m);
    w.endArray();
    w.endObject();
    w.endObject();
    return net::HttpResponse::json(status, std::move(body));
  }

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
    // Points older than what retention keeps are rejected (they would be dropped at once), with a
    // message per point (the first few) and a count in /metrics. Objects are exempt: their latest
    // state counts whatever their time (DataKit sends some with times near 1970).
    std::vector<std::string> rejections;
    size_t rejected = 0;
    const bool object =
        *category == model::Category::kObject || *category == model::Category::kCustomObject;
    const int64_t cutoff = object ? INT64_MIN : engine->retentionCutoffNs(ws->id, *category);
    size_t index = 0;
    std::erase_if(*points, [&](const model::Point& p) {
      bool old = p.time_ns < cutoff;
      if (old && ++rejected <= kMaxRejectionMessages) {
        rejections.push_back("point " + std::to_string(index) + " (" + p.measurement + "): time " +
                             std::to_string(p.time_ns) + " is older than the retention of " +
                             std::string(model::categoryName(*category)) + " data (cutoff " +
                             std::to_string(cutoff) + ")");
      }
      ++index;
      return old;
    });
    rejected_points += rejected;
    if (points->empty() && rejected > 0) {
      ++rejected_requests;
      return rejectionResponse(400, 0, rejected, rejections);
    }
    if (points->empty()) return net::HttpResponse{200, "", "", {}};
    // Stored as sent: agents normalise (DataKit's point check) before uploading, and a DataKit
    // upload may carry what the agent-side rules would change (e.g. string fields of metrics).
    std::string pb;
    codec::pb::encode(*points, &pb);
    if (Status st = engine->write(ws->id, *category, pb, *points); !st.isOk()) {
      ++rejected_requests;
      return workspace::kodoError(503, "dataway.storageFailed", st.message());
    }
    accepted_points += points->size();
    if (*category == model::Category::kTracing) apm->observe(ws->id, *points);
    if (rejected > 0) {
      std::lock_guard lock(counters_mu);
      points_by_workspace[{ws->name, *category}] += points->size();
      return rejectionResponse(200, points->size(), rejected, rejections);
    }
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
    m.family("sextant_ingest_write_requests_total", "counter",
             "Write requests by transport (in_process: sextant standalone's own agent)");
    m.sample("sextant_ingest_write_requests_total", {{"transport", "http"}},
             static_cast<double>(http_write_requests.load()));
    m.sample("sextant_ingest_write_requests_total", {{"transport", "in_process"}},
             static_cast<double>(in_process_write_requests.load()));
    m.family("sextant_ingest_rejected_points_total", "counter",
             "Points rejected at ingest, by reason");
    m.sample("sextant_ingest_rejected_points_total", {{"reason", "older_than_retention"}},
             static_cast<double>(rejected_points.load()));
    m.family("sextant_ingest_points_total", "counter", "Accepted points by workspace and category");
    {
      std::lock_guard lock(counters_mu);
      for (const auto& [key, n] : points_by_workspace) {
        m.sample("sextant_ingest_points_total",
                 {{"workspace", key.first}, {"category", model::categoryName(key.second)}},
                 static_cast<double>(n));
      }
    }
    storage::WalStats ws = engine->walStats();
    m.family("sextant_wal_appends_total", "counter", "WAL records appended");
    m.sample("sextant_wal_appends_total", {}, static_cast<double>(ws.appends));
    m.family("sextant_wal_syncs_total", "counter", "WAL fdatasyncs (group commits share one)");
    m.sample("sextant_wal_syncs_total", {}, static_cast<double>(ws.syncs));
    api_counters.render("sextant_http_api", &m);
    storageMetrics(m);
    apmMetrics(m);
    election::ElectionStats es = elections.stats();
    m.family("sextant_election_seats", "gauge", "Live election seats");
    m.sample("sextant_election_seats", {}, static_cast<double>(es.seats));
    return net::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", m.take(), {}};
  }

  void storageMetrics(MetricsText& m) {
    storage::StorageStats st = engine->stats();
    auto gauge = [&](const char* name, const char* help, uint64_t v) {
      m.family(name, "gauge", help);
      m.sample(name, {}, static_cast<double>(v));
    };
    auto counter = [&](const char* name, const char* help, uint64_t v) {
      m.family(name, "counter", help);
      m.sample(name, {}, static_cast<double>(v));
    };
    gauge("sextant_storage_head_rows", "Rows in the in-memory head", st.head_rows);
    gauge("sextant_storage_head_bytes", "Estimated bytes of the head", st.head_bytes);
    gauge("sextant_storage_parts", "Part files", st.parts);
    gauge("sextant_storage_part_bytes", "Bytes of the part files", st.part_bytes);
    gauge("sextant_storage_partitions", "Day partitions with parts", st.partitions);
    gauge("sextant_storage_series", "Metrics series", st.series);
    gauge("sextant_storage_checkpoint_lsn", "WAL LSN the parts cover", st.checkpoint_lsn);
    counter("sextant_storage_rows_total", "Rows stored (WAL replay included)", st.rows_written);
    counter("sextant_storage_flushes_total", "Head flushes", st.flushes);
    counter("sextant_storage_flush_failures_total", "Failed head flushes", st.flush_failures);
    counter("sextant_storage_merges_total", "Part merges", st.merges);
    counter("sextant_storage_partitions_dropped_total", "Partitions dropped by retention",
            st.partitions_dropped);
    counter("sextant_storage_quarantined_parts_total", "Damaged parts set aside",
            st.quarantined_parts);
  }

  void apmMetrics(MetricsText& m) {
    apm::DeriverStats st = apm->stats();
    auto add = [&](const char* name, const char* type, const char* help, uint64_t v) {
      m.family(name, type, help);
      m.sample(name, {}, static_cast<double>(v));
    };
    add("sextant_apm_spans_total", "counter", "Tracing spans seen by the APM deriver",
        st.spans_observed);
    add("sextant_apm_spans_ignored_total", "counter", "Spans without ids or with a bad time",
        st.spans_ignored);
    add("sextant_apm_traces_total", "counter", "Traces aggregated", st.traces_processed);
    add("sextant_apm_traces_forced_total", "counter", "Traces aggregated early by the memory bound",
        st.traces_forced);
    add("sextant_apm_points_written_total", "counter", "apm_service/apm_edge points written",
        st.points_written);
    add("sextant_apm_late_points_total", "counter", "Extra points for already-written minutes",
        st.late_points);
    add("sextant_apm_write_failures_total", "counter", "Failed writes of derived points",
        st.write_failures);
    add("sextant_apm_points_dropped_total", "counter", "Derived points given up after retries",
        st.points_dropped);
    add("sextant_apm_buffered_spans", "gauge", "Spans waiting for their trace to complete",
        st.buffered_spans);
  }

  // Writes the deriver's points into the workspace's metrics.
  Status writeDerived(const std::string& workspace_id, std::vector<model::Point>&& pts) {
    std::string pb;
    codec::pb::encode(pts, &pb);
    return engine->write(workspace_id, model::Category::kMetric, pb, pts);
  }

  void startApm() {
    apm = std::make_unique<apm::ApmDeriver>(
        options.apm,
        [this](const std::string& ws, std::vector<model::Point>&& pts) {
          return writeDerived(ws, std::move(pts));
        },
        wallNowNs);
    apm_stopping = false;
    // Ticks every second, or faster when traces are declared complete sooner (tests).
    auto period = std::clamp<std::chrono::milliseconds>(
        options.apm.trace_idle / 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    apm_thread = std::thread([this, period] {
      std::unique_lock lock(apm_mu);
      while (!apm_cv.wait_for(lock, period, [this] { return apm_stopping; })) {
        lock.unlock();
        (void)apm->tick();  // failures are counted and retried by the deriver
        lock.lock();
      }
    });
  }

  void stopApm() {
    if (!apm) return;
    {
      std::lock_guard lock(apm_mu);
      apm_stopping = true;
    }
    apm_cv.notify_all();
    if (apm_thread.joinable()) apm_thread.join();
    (void)apm->flushAll();
    apm.reset();
  }

  // The routes; `via_http` only picks which transport counter writes bump.
  net::Router routes(bool via_http) {
    net::Router r;
    r.add("POST", "/v1/write/heartbeat", [this](net::HttpRequest& req) {
      Result<workspace::Workspace> ws = workspace::authenticate(req, *workspaces);
      if (!ws.isOk()) return workspace::authFailure(ws.status());
      return net::HttpResponse::json(200, "{\"content\":{}}");
    });
    r.add("POST", "/v1/write/:category", [this, via_http](net::HttpRequest& req) {
      ++(via_http ? http_write_requests : in_process_write_requests);
      return write(req);
    });
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
    registerPromApi(r, *engine, *workspaces, options.query_limits);
    registerQueryRawApi(r, *engine, *workspaces, options.query_limits);
    registerTraceApi(r, *engine, *workspaces);
    LogApiOptions logs;
    logs.max_rows_scanned = options.query_limits.max_rows;
    logs.timeout = options.query_limits.timeout;
    registerLogApi(r, *engine, *workspaces, std::move(logs));
    registerCiApi(r, *engine, *workspaces);
    RumApiOptions rum;
    rum.data_dir = options.data_dir;
    registerRumApi(r, *engine, *workspaces, std::move(rum));
    election::registerElectionRoutes(
        r, elections, [store = workspaces.get()](std::string_view token) {
          std::optional<workspace::Workspace> w = store->byToken(token);
          return w ? std::optional<std::string>(w->id) : std::nullopt;
        });
    registerDashboardApi(r, *workspaces, options.data_dir);
    registerUiRoutes(r, ui_assets);  // last: "/*" must not shadow an API route
    r.wrap([this](const std::string& pattern, net::Handler h) -> net::Handler {
      return [this, pattern, h = std::move(h)](net::HttpRequest& req) {
        const auto t0 = std::chrono::steady_clock::now();
        net::HttpResponse resp = h(req);
        api_counters.count(
            pattern, req.method, resp.status,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        return resp;
      };
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
  storage::StorageOptions so;
  so.data_dir = s.options.data_dir;
  so.wal_sync = s.options.wal_sync;
  so.head_bytes_limit = s.options.head_bytes_limit;
  so.flush_interval = s.options.flush_interval;
  so.retention = s.options.retention;
  so.merge_interval = std::min<std::chrono::milliseconds>(so.merge_interval, so.flush_interval);
  auto engine = storage::StorageEngine::open(realFileSystem(), std::move(so));
  if (!engine.isOk()) return engine.status();
  s.engine = std::move(engine).value();
  net::RateLimiterOptions rl;
  rl.rate = s.options.write_rate_limit;
  rl.burst = 2 * s.options.write_rate_limit;
  s.limiter = std::make_unique<net::RateLimiter>(rl);
  if (!s.options.ui_dir.empty()) {
    auto ui = UiAssets::load(s.options.ui_dir);
    if (!ui.isOk()) return ui.status();
    s.ui_assets = std::move(ui).value();
  }

  net::HttpServerOptions http;
  http.listen = s.options.listen;
  http.max_body_bytes = s.options.max_body_bytes;
  http.threads = s.options.threads;
  http.error_response = transportError;
  s.startApm();
  s.router = std::make_unique<net::Router>(s.routes(/*via_http=*/false));
  s.http = std::make_unique<net::HttpServer>(std::move(http), s.routes(/*via_http=*/true));
  return s.http->start();
}

Status Server::reload() {
  if (!impl_->workspaces) return Status(StatusCode::kInternal, "server not started");
  return impl_->workspaces->reload();
}

void Server::stop() {
  if (!impl_) return;
  if (impl_->http) impl_->http->stop();
  impl_->http.reset();
  impl_->stopApm();       // writes what the deriver holds
  impl_->engine.reset();  // flushes the head to parts
}

std::string Server::listenAddress() const { return impl_->http ? impl_->http->boundAddress() : ""; }

net::HttpResponse Server::handle(net::HttpRequest& request) {
  Impl& s = *impl_;
  if (!s.router || !s.engine) {
    return workspace::kodoError(503, "dataway.unavailable", "server not started");
  }
  // As net::HttpServer: the body cap first (413), then the route (404).
  if (request.body.size() > s.options.max_body_bytes) {
    return transportError(
        413, "request body over " + std::to_string(s.options.max_body_bytes) + " bytes");
  }
  const net::Handler* handler = s.router->match(request);
  if (handler == nullptr) return transportError(404, "no route for " + request.path);
  return (*handler)(request);
}

std::string Server::defaultToken() const {
  if (!impl_->workspaces) return "";
  std::optional<workspace::Workspace> w = impl_->workspaces->byName("default");
  return w ? w->token : "";
}

ServerStats Server::stats() const {
  return ServerStats{impl_->requests.load(),
                     impl_->accepted_points.load(),
                     impl_->rejected_requests.load(),
                     impl_->auth_failures.load(),
                     impl_->rate_limited.load(),
                     impl_->http_write_requests.load(),
                     impl_->in_process_write_requests.load()};
}

storage::StorageEngine* Server::storage() { return impl_->engine.get(); }

Status readStoredPoints(const std::string& data_dir,
                        const std::function<Status(const std::string&, model::Category,
                                                   std::vector<model::Point>&&)>& fn) {
  storage::StorageOptions o;
  o.data_dir = data_dir;
  o.background = false;
  auto engine = storage::StorageEngine::open(realFileSystem(), std::move(o));
  if (!engine.isOk()) return engine.status();
  for (const std::string& ws : (*engine)->workspaces()) {
    for (model::Category c : model::kAllCategories) {
      storage::ScanRequest req;
      req.workspace_id = ws;
      req.category = c;
      Status st = (*engine)->scan(req, [&](storage::ColumnBatch&& b) {
        std::vector<model::Point> pts;
        pts.reserve(b.rows());
        for (size_t r = 0; r < b.rows(); ++r) pts.push_back(storage::rowToPoint(b, r, c));
        return fn(ws, c, std::move(pts));
      });
      SEXTANT_RETURN_IF_ERROR(st);
    }
  }
  return Status::ok();
}

}  // namespace sextant::server

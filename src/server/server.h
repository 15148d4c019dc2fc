// Server: the `sextant server` process as far as it is built: DataWay-compatible ingest into the
// storage engine (storage/engine), workspaces and tokens, the election service, and the routes a
// real DataKit calls around its uploads. (The query APIs come next; readStoredPoints() reads the
// stored points back through the engine's scan API.)
//
// APM: accepted tracing points also go to the APM deriver (server/apm), whose per-minute
// apm_service / apm_edge points are written back into the workspace's metrics by a background
// thread (and at stop()); the APM and Zipkin query APIs (server/trace_api) read them.
// Ingest: POST /v1/write/<category>?token=<tkn> (or Authorization: Bearer): the token picks the
// workspace (401 missing, 403 unknown); the body (gzip/deflate/zstd/br, capped) is protobuf
// PBPoints (DataKit's upload), line protocol or JSON by Content-Type; points are stored as sent;
// the request is answered 200 only after its record is durable in the engine's WAL (group commit;
// sync policy configurable). Also /v1/ping, /v1/ntp, /v1/check/token/:token, /v1/workspace,
// /v1/datakit/pull (nothing new), /v1/write/heartbeat, /v1/election[/heartbeat], /metrics.
// The same router also answers in-process requests (handle(): `sextant standalone`'s agent through
// server/in_process_client.h), with the same handlers and so the same semantics.
// Thread-safety: start/stop from one thread; handlers run on the HTTP server's threads and on
// the threads calling handle().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "net/http_types.h"
#include "server/apm/apm_deriver.h"
#include "server/query_limits.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

struct ServerOptions {
  std::string data_dir = "/var/lib/sextant";
  std::string listen = "127.0.0.1:9528";
  size_t max_body_bytes = 64u << 20;
  size_t max_decompressed_bytes = 256u << 20;
  storage::SyncPolicy wal_sync = storage::SyncPolicy::kEveryCommit;
  int threads = 2;
  // Write requests per second per token (burst: twice that); <= 0 disables. Over it: 429.
  double write_rate_limit = 1000;
  // The storage engine's head cap (flush to parts above it) and flush interval.
  size_t head_bytes_limit = 256u << 20;
  std::chrono::milliseconds flush_interval{std::chrono::minutes(5)};
  // How long each category is kept; points older than that are rejected at ingest.
  storage::RetentionTable retention = storage::defaultRetention();
  // APM: per-minute service and edge aggregates derived from the tracing points accepted
  // (server/apm/apm_deriver.h, docs/apm.md).
  apm::DeriverOptions apm;
  // Per-query limits of the query APIs.
  QueryLimits query_limits;
  // The web UI's built bundle (ui/ built by Vite: index.html + assets/), served at "/"
  // (server/ui_assets/ui_assets.h). Empty: "/" says how to build it. A dir without index.html
  // fails start().
  std::string ui_dir;
};

struct ServerStats {
  uint64_t requests = 0;
  uint64_t accepted_points = 0;
  uint64_t rejected_requests = 0;  // bad body, bad category, WAL failure
  uint64_t auth_failures = 0;
  uint64_t rate_limited = 0;
  // Write requests by transport: through the HTTP listener, and through handle().
  uint64_t http_write_requests = 0;
  uint64_t in_process_write_requests = 0;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Status start();
  // Re-reads workspaces.json (SIGHUP: `sextant workspace` changes take effect).
  Status reload();
  void stop();
  std::string listenAddress() const;
  // Answers one request on the calling thread with the HTTP listener's router and handlers, and
  // its transport errors (404 no route, 413 over max_body_bytes) in the same envelope. `request`
  // is what net::HttpServer builds from the wire (path decoded, query parsed; path_params are
  // filled here); its body may be moved from. Between start() and stop() only (503 otherwise;
  // stop the callers before stop()). Thread-safe.
  net::HttpResponse handle(net::HttpRequest& request);
  // The default workspace's token (DIR/default.token), empty when it was deleted.
  std::string defaultToken() const;
  ServerStats stats() const;
  // The storage engine (null before start() and after stop()).
  storage::StorageEngine* storage();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads every stored point of a data dir back through the storage engine's scan API (the server
// must be stopped): fn(workspace id, category, a batch of points).
Status readStoredPoints(
    const std::string& data_dir,
    const std::function<Status(const std::string& workspace_id, model::Category category,
                               std::vector<model::Point>&& points)>& fn);

}  // namespace sextant::server

// Server: the `sextant server` process as far as it is built: DataWay-compatible ingest into a
// write-ahead log, workspaces and tokens, the election service, and the routes a real DataKit
// calls around its uploads. (The storage engine and the query APIs come next; until then the WAL
// is where accepted points live, and replayWal() reads them back.)
//
// Ingest: POST /v1/write/<category>?token=<tkn> (or Authorization: Bearer): the token picks the
// workspace (401 missing, 403 unknown); the body (gzip/deflate/zstd/br, capped) is protobuf
// PBPoints (DataKit's upload), line protocol or JSON by Content-Type; points are stored as sent;
// the request is answered 200 only after its record is durable in the WAL (group commit; sync
// policy configurable). Also /v1/ping, /v1/ntp, /v1/check/token/:token, /v1/workspace,
// /v1/datakit/pull (nothing new), /v1/write/heartbeat, /v1/election[/heartbeat], /metrics.
// Thread-safety: start/stop from one thread; handlers run on the HTTP server's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "model/category.h"
#include "storage/wal/wal.h"

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
};

struct ServerStats {
  uint64_t requests = 0;
  uint64_t accepted_points = 0;
  uint64_t rejected_requests = 0;  // bad body, bad category, WAL failure
  uint64_t auth_failures = 0;
  uint64_t rate_limited = 0;
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
  // The default workspace's token (DIR/default.token), empty when it was deleted.
  std::string defaultToken() const;
  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads every accepted batch back from a data dir's WAL (the server must be stopped):
// fn(workspace id, category, PBPoints bytes).
Status replayWal(
    const std::string& data_dir,
    const std::function<Status(const std::string& workspace_id, model::Category category,
                               std::string_view points_pb)>& fn);

}  // namespace sextant::server

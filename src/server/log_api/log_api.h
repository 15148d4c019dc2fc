// The log search API of the server over the storage engine (user docs: docs/api/logs.md).
// Token: Authorization: Bearer <token> or ?token=. Times: Unix ms or RFC 3339.
//
//   GET|POST /v1/logs/search     q source filter=k:v start end limit search_after sort=asc|desc
//   GET      /v1/logs/facets     (same filters) facet=key (repeatable) top
//   GET      /v1/logs/histogram  (same filters) interval=1m|auto split=status
//   GET      /v1/logs/tail       (same filters but start/end) since; server-sent events, resumed
//                                by Last-Event-ID
//
// Logs are the `logging` category: measurement = source, fields message and status, tags host,
// service, filepath, ... The query language is in log_query.h, how it runs in log_search.h.
// Errors: {"error_code":"...","message":"..."} (a bad q also has "position") with 400 (bad
// parameter or query), 401 (no token), 403 (unknown token), 422 (the search read more than
// max_rows_scanned rows), 503 (timeout), 500 (storage error).
//
// Thread-safety: the handlers may run concurrently. The engine and the store are borrowed and
// must outlive the router and every tail stream (the HTTP server's stop() waits for its streams).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "net/router.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

struct LogApiOptions {
  // Wall clock (ns since the epoch) for default ranges and the tail; empty: the system clock.
  std::function<std::int64_t()> now_ns;
  // Per request (QueryLimits::max_rows and ::timeout fit here): rows the engine hands over, and
  // wall time. Past them: 422 / 503.
  std::size_t max_rows_scanned = 10'000'000;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // /v1/logs/tail: how often the engine is polled, the idle time after which a heartbeat
  // comment is sent, and how late (older than the newest row sent) a row may arrive and still
  // be sent.
  std::chrono::milliseconds tail_poll{500};
  std::chrono::milliseconds tail_heartbeat{std::chrono::seconds(15)};
  std::chrono::milliseconds tail_lookback{std::chrono::seconds(5)};
};

void registerLogApi(net::Router& r, storage::StorageEngine& engine,
                    const workspace::WorkspaceStore& store, LogApiOptions options = {});

}  // namespace sextant::server

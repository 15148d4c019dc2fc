// The RUM analytics API of the server over the storage engine (user docs: docs/api/rum.md).
//
// Reads the rum category the browser SDK writes (measurements view, resource, action, long_task,
// error), token: Authorization: Bearer <token> or ?token=; times Unix ms or RFC 3339; default
// range the last hour; filters app_id env version service view_path_group view_url browser os
// country (repeatable: any of the values):
//   GET /v1/rum/overview            UV, PV, sessions, error rates, per-interval series (interval=)
//   GET /v1/rum/sessions            derived sessions, newest first (limit offset has_error userid)
//   GET /v1/rum/sessions/:id        one session's timeline (id: session_id or session_id#N)
//   GET /v1/rum/performance         per page percentiles of the web vitals (limit)
//   GET /v1/rum/resources           per resource group: count, duration percentiles, size, errors
//   GET /v1/rum/errors              error groups (type, normalised message, first stack frame)
//   POST /v1/write/rum/replay       a session-replay segment upload (multipart/form-data)
//   GET /v1/rum/replay/:session_id            the stored segments of a session (app_id=)
//   GET /v1/rum/replay/:session_id/:segment   one segment's bytes, with its content type
//
// Errors: {"error_code":"...","message":"..."} with 400 (bad parameter or upload), 401 (no
// token), 403 (unknown token), 404 (no such session or segment), 413 (upload too large),
// 500 (storage error), 503 (replays not configured).
//
// Thread-safety: the handlers may run concurrently. The engine and the store are borrowed and
// must outlive the router; the replay store is owned by the routes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/file_system.h"
#include "net/router.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

struct RumApiOptions {
  // Replays are stored under <data_dir>/rum_replay; empty: the replay routes answer 503.
  std::string data_dir;
  // Wall clock (ns since the epoch) for default time ranges and replay retention; empty: the
  // system clock.
  std::function<std::int64_t()> now_ns;
  // File system of the replay store; nullptr: realFileSystem().
  FileSystem* fs = nullptr;
  // Largest replay upload body (DataKit's limit); larger: 413.
  std::size_t max_replay_bytes = 32u << 20;
  // Replay sessions whose newest segment is older than this are removed (checked at most once an
  // hour, on upload). Zero: kept forever.
  std::chrono::hours replay_retention{24 * 30};
  // A query reading more rum rows than this stops there and answers "truncated": true.
  std::int64_t max_scan_rows = 20'000'000;
};

void registerRumApi(net::Router& r, storage::StorageEngine& engine,
                    const workspace::WorkspaceStore& store, RumApiOptions options);

}  // namespace sextant::server

// The APM query APIs of the server over the storage engine (user docs: docs/api/apm.md):
//
// Sextant APM API (token: Authorization: Bearer <token> or ?token=; times Unix ms or RFC 3339;
// default range the last 15 minutes):
//   GET /v1/apm/services       start end env version service split=env,version
//   GET /v1/apm/resources      start end service env version split=env,version
//   GET /v1/apm/service_map    start end env version split=true|false
//   GET /v1/apm/trace/:id      start end (default: the last 7 days)
//   GET /v1/apm/traces         service resource status env version min_duration_us
//                              max_duration_us tag=k:v (repeatable) start end limit
// Zipkin v2 query API (https://zipkin.io/zipkin-api/, so Grafana's Zipkin data source and the
// Zipkin UI work; without a token the workspace named `default` answers):
//   GET /api/v2/services, /spans, /remoteServices, /traces, /trace/:id, /traceMany,
//       /dependencies, /autocompleteKeys, /autocompleteValues
//
// Services, resources and the service map read the derived apm_service / apm_edge metric points
// (summing counts and merging the sketches of every point in the range); traces read the tracing
// points themselves. Errors: {"error_code":"...","message":"..."} with 400 (bad parameter),
// 401 (no token), 403 (unknown token), 404 (no such trace), 500 (storage error).
//
// Thread-safety: the handlers may run concurrently. The engine and the store are borrowed and
// must outlive the router.
#pragma once

#include <cstdint>
#include <functional>

#include "net/router.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

struct TraceApiOptions {
  // Wall clock (ns since the epoch) for the default time ranges; empty: the system clock.
  std::function<std::int64_t()> now_ns;
};

void registerTraceApi(net::Router& r, storage::StorageEngine& engine,
                      const workspace::WorkspaceStore& store);
void registerTraceApi(net::Router& r, storage::StorageEngine& engine,
                      const workspace::WorkspaceStore& store, TraceApiOptions options);

}  // namespace sextant::server

// The Prometheus HTTP API over the storage engine, so Grafana (and anything else that speaks it)
// can use Sextant as a Prometheus data source. GET and POST (form bodies) of:
//   /api/v1/query              query, time                       instant evaluation
//   /api/v1/query_range        query, start, end, step           range evaluation
//   /api/v1/series             match[] (1+), start, end          label sets
//   /api/v1/labels             [match[]], start, end             label names
//   /api/v1/label/:name/values [match[]], start, end             label values (__name__: metrics)
//   /api/v1/metadata           (best effort: {})
//   /api/v1/query_exemplars    (none: [])
//   /api/v1/status/buildinfo   (what Grafana asks for the version)
// The token (Authorization: Bearer <token>, or ?token=) picks the workspace. Field f of measurement
// m is the metric m_f (query/exec/series_source.h). Responses and errors are Prometheus' JSON:
// {"status":"success","data":...} or {"status":"error","errorType":"bad_data","error":"..."}
// (400 bad_data, 422 execution, 503 timeout, 401/403 for tokens).
//
// Thread-safety: the handlers may run concurrently; the engine and store are borrowed and must
// outlive the router.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/router.h"
#include "server/query_limits.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

void registerPromApi(net::Router& r, storage::StorageEngine& engine,
                     const workspace::WorkspaceStore& store, const QueryLimits& limits = {});

// Prometheus' time parameter: Unix seconds (fractions allowed) or RFC 3339; milliseconds.
std::optional<std::int64_t> parsePromTime(std::string_view s);
// Prometheus' step / timeout: a duration ("15s", "1m30s") or seconds ("15", "0.5"); milliseconds.
std::optional<std::int64_t> parsePromDuration(std::string_view s);
// A sample value as Prometheus writes it: shortest decimal without exponent, "NaN", "+Inf", "-Inf".
std::string formatPromValue(double v);

}  // namespace sextant::server

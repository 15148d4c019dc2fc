// Per-query limits of the server's query APIs (Prometheus HTTP API, /v1/query/raw), set by
// `sextant server|standalone --query-max-samples/--query-max-series/--query-max-rows/
// --query-timeout` (Prometheus' --query.max-samples and --query.timeout, VictoriaMetrics'
// -search.maxUniqueTimeseries). docs/promql.md and docs/dql.md ("Limits") say what each counts.
// Plain value.
#pragma once

#include <chrono>
#include <cstddef>

#include "query/dql_exec/query_raw.h"
#include "query/exec/promql_engine.h"

namespace sextant::server {

struct QueryLimits {
  std::size_t max_samples = 50'000'000;  // PromQL: samples held at once
  std::size_t max_series = 300'000;      // PromQL and DQL: series one query reads
  std::size_t max_rows = 10'000'000;     // DQL: rows one query reads
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};

  query::promql::EngineOptions promql() const {
    query::promql::EngineOptions o;
    o.max_samples = max_samples;
    o.max_series = max_series;
    o.timeout = timeout;
    return o;
  }
  query::dql_exec::QueryRawOptions queryRaw() const {
    query::dql_exec::QueryRawOptions o;
    o.dql.max_rows = max_rows;
    o.dql.max_series = max_series;
    o.dql.timeout = timeout;
    o.promql = promql();
    return o;
  }
};

}  // namespace sextant::server

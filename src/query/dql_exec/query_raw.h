// Guance's query API, POST /v1/query/raw, as a pure function over a request body: the HTTP
// wrapper (server/query_raw_api.h) authenticates and calls handleQueryRaw().
//
// Request (platform.md §1.8; both shapes of a query entry are accepted):
//   {"echo_explain":false,"queries":[
//     {"qtype":"dql","query":{"q":"M::cpu:(avg(usage)) BY host","time_range":[start_ms,end_ms],
//                              "limit":10,"offset":0,"slimit":5,"soffset":0,
//                              "search_after":[t_ms,n],"variables":{"host":"web-1"}}},
//     {"qtype":"dql","query":"L::nginx","time_range":[...],"limit":..},      // flat form
//     {"qtype":"promql","query":{"q":"sum(rate(cpu_usage[5m]))","time_range":[..],"interval":60}}]}
// `variables` (a Sextant extension): name -> string or array of strings, substituted as
// dashboard variables (__all__ drops the condition). PromQL entries are range queries with step
// `interval` seconds (default: the range / 360, at least 1 s). DQL entries use `interval` as the
// bucket width when the query's time clause has none ([start:end] or no clause).
// Response (200): {"content":[{"series":[{"name","tags":{},"columns":["time",...],
//   "values":[[...]]}],"cost":"1.2ms","total_hits":N,"query_type":"guancedb",
//   "search_after":[...] (when there may be more rows),"raw_query":"..." (echo_explain)}]}
// Errors: {"error_code":"...","message":"..."} with 400 (bad body "dql.BadRequest", parse error
// "dql.ParseError", evaluation error "dql.QueryError", PromQL "promql.ParseError" /
// "promql.QueryError"), 422 for a per-query limit ("dql.QueryLimitExceeded" /
// "promql.QueryLimitExceeded": rows, series, buckets, samples), 503 for the timeout
// ("dql.QueryTimeout" / "promql.QueryTimeout") or 500 ("dql.InternalError"). One failing query
// fails the request.
//
// Thread-safety: pure over a thread-safe engine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "query/dql_exec/evaluator.h"
#include "query/exec/promql_engine.h"
#include "storage/engine/storage_engine.h"

namespace sextant::query::dql_exec {

struct QueryRawOptions {
  std::int64_t now_ms = 0;  // 0: the wall clock
  // Per-query limits. DQL entries take max_rows, max_series, max_buckets, timeout and cancelled
  // from `dql` (its other fields come from the request); PromQL entries use `promql` as is.
  EvalOptions dql;
  promql::EngineOptions promql;
};

struct QueryRawResponse {
  int status = 200;
  std::string body;  // JSON
};

QueryRawResponse handleQueryRaw(std::string_view body, std::string_view workspace_id,
                                storage::StorageEngine& engine,
                                const QueryRawOptions& options = {});

}  // namespace sextant::query::dql_exec

// The DQL evaluator: runs a parsed DQL statement (query/dql/ast.h) over the storage engine and
// returns Guance-shaped series (name, tags, columns, values). What each clause and function
// computes, and every choice made where Guance's docs are silent: README.md beside this file and
// docs/dql.md, "Evaluation".
//
//   EvalOptions o;
//   o.start_ms = ...; o.end_ms = ...;                       // the request's time_range
//   o.variables = {{"host", {"web-1"}}};                      // dashboard variables
//   Result<QueryOutput> r = evaluateText(engine, ws_id, "M::cpu:(avg(usage)) [::1m] BY host", o);
//
// Metrics are read per (field, series) through query::fetchFieldSeries; events (L, E, T, R, N, S,
// BL, P, CI, OH, COH) by StorageEngine::scan; objects (O, CO) from latestObjects(). Everything is
// then rows (time + named values) that go through filter → rollup → aggregate or project →
// HAVING → fill → ORDER BY / LIMIT / OFFSET per series → SORDER BY / SLIMIT / SOFFSET.
//
// Thread-safety: pure functions over a thread-safe engine; safe to call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "query/dql/ast.h"
#include "query/dql/dql.h"
#include "storage/engine/storage_engine.h"

namespace sextant::query::dql_exec {

// One cell of a result: null, an integer, a float, a boolean or a string.
using Value = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

// One result series, as Guance's /v1/query/raw returns it. `columns` starts with "time" (epoch
// ms, an int64 cell) whenever rows have a time (every select; show_* listings do not).
struct Series {
  std::string name;
  std::vector<model::Tag> tags;  // the BY keys (in BY order) and their values
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> values;  // one row per entry, one cell per column
  bool operator==(const Series&) const = default;
};

struct QueryOutput {
  std::vector<Series> series;
  // Rows that matched before LIMIT/OFFSET/SLIMIT/search_after paging (all series).
  std::int64_t total_hits = 0;
  // Cursor for the next page of a row listing (non-metrics without aggregates):
  // [time_ms of the last row returned, rows returned with that time]. Empty: no more pages known.
  std::vector<Value> search_after;
};

struct EvalOptions {
  // "now" for relative time bounds, epoch ms; 0 = the wall clock.
  std::int64_t now_ms = 0;
  // The request's time_range: used for bounds the query leaves empty. Without them: the last
  // default_range_ms before now.
  std::optional<std::int64_t> start_ms;
  std::optional<std::int64_t> end_ms;
  std::int64_t default_range_ms = 15 * 60 * 1000;
  // The request's bucket width (Guance's query entry "interval", ms): used when the query's time
  // clause gives none, so a dashboard's `M::cpu:(avg(usage))` draws as a series.
  std::optional<std::int64_t> interval_ms;
  // Request-level paging; the query's own LIMIT/OFFSET/SLIMIT/SOFFSET win.
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
  std::optional<std::int64_t> slimit;
  std::optional<std::int64_t> soffset;
  // Rows per series of a non-metrics row listing when no limit is given (Guance: 1000).
  std::int64_t default_limit = 1000;
  // Paging cursor from a previous answer's search_after (row listings only).
  std::vector<Value> search_after;
  // Dashboard variables, substituted before planning (dql::substituteVariables; __all__ drops).
  dql::Variables variables;
  // Per-query limits (docs/dql.md, "Limits"); a statement's subqueries share them.
  // Rows read from storage (metrics: points of every field series). Over: OutOfRange
  // "the query reads more than N rows; ...".
  std::size_t max_rows = 10'000'000;
  // Series read from storage (metrics: series x field) plus result groups (BY values). Over:
  // OutOfRange "the query reads or groups more than N series; ...".
  std::size_t max_series = 300'000;
  // Buckets per group of a time-bucketed query (also with fill()). Over: OutOfRange.
  std::size_t max_buckets = 100'000;
  // Checked between storage batches and every few thousand rows. Over: DeadlineExceeded
  // "the query timed out after N ms; ...".
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  // Checked with the timeout: true ends the query with Cancelled "the query was cancelled: ..."
  // (the HTTP API passes net::HttpRequest::client_gone). Null: never.
  std::function<bool()> cancelled;
  // Aggregates over event scans (L, E, T, R, ... without first/last or a rollup) are computed
  // straight from storage's column batches; false forces the row path (tests compare the two).
  bool columnar = true;
};

// Parses (dql::parse), substitutes the variables and evaluates. Errors: InvalidArgument for
// parse errors ("line:col: ..."), unknown or unsupported functions and bad arguments;
// Unimplemented for language features not supported yet (F/TM/TSM, ...);
// OutOfRange for the limits, DeadlineExceeded for the timeout; the engine's errors.
Result<QueryOutput> evaluateText(storage::StorageEngine& engine, std::string_view workspace_id,
                                 std::string_view text, const EvalOptions& options);

// Evaluates an already parsed statement (variables in `options` are substituted first).
Result<QueryOutput> evaluate(storage::StorageEngine& engine, std::string_view workspace_id,
                             const dql::Query& query, const EvalOptions& options);

}  // namespace sextant::query::dql_exec

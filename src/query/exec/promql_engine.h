// PromQL evaluator: a type-checked AST (query/promql/ast.h) evaluated over series read from a
// Queryable, with Prometheus 2.x (2.42) semantics: lookback and staleness, offset and @,
// subqueries aligned to absolute multiples of their step, the function set, aggregations and
// binary operators with vector matching, and Prometheus' error messages.
//
//   auto expr = promql::parse("sum by (job) (rate(http_requests_total[5m]))");
//   auto q = promql::storageQueryable(engine, "ws");
//   auto r = promql::evalRange(*q, **expr, start_ms, end_ms, 60'000);
//
// Like Prometheus' engine, every node is evaluated over all steps of the query at once; each
// selector fetches its series once over the whole time range it needs, then every step reads
// from those samples (no re-fetch per step). See README.md for what is and is not supported.
//
// Thread-safety: evalInstant/evalRange are re-entrant; one Queryable is used from the calling
// thread only. The tree is read, never modified.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "query/exec/series_source.h"
#include "query/promql/ast.h"
#include "storage/engine/storage_engine.h"

namespace sextant::query::promql {

using query::PromSeries;

// Where the evaluator reads series: matchers (Prometheus semantics, __name__ included) and a
// closed time range in ms. Results: labels sorted by name, samples ascending by time. `limits`
// is what is left of the query's budget: an implementation should stop early with the errors of
// query::FetchLimits (series_source.h) once over it; the evaluator checks the result anyway.
class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual Result<std::vector<PromSeries>> select(const std::vector<LabelMatcher>& matchers,
                                                 int64_t min_ms, int64_t max_ms,
                                                 const query::FetchLimits& limits) = 0;
  // The series of select(), handed to `sink` one by one (query::PromSeriesSink: on up to
  // limits.threads workers, in no particular order) so that the caller never holds all of them.
  // By default select(), then its series on contiguous slices of threads.
  virtual Status selectEach(const std::vector<LabelMatcher>& matchers, int64_t min_ms,
                            int64_t max_ms, const query::FetchLimits& limits,
                            const query::PromSeriesSink& sink);
};

// The storage engine as a Queryable (workspace-scoped; uses query::fetchPromSeries, converting
// LabelMatcher to storage::TagMatcher). The engine must outlive the Queryable.
std::unique_ptr<Queryable> storageQueryable(storage::StorageEngine& engine,
                                            std::string workspace_id);

// Series held in memory (tests, benches). select() filters by matchers and time; series must be
// given with labels sorted by name and samples ascending by time. Not thread-safe to mutate.
class MemoryQueryable : public Queryable {
 public:
  MemoryQueryable() = default;
  explicit MemoryQueryable(std::vector<PromSeries> series) : series_(std::move(series)) {}
  void add(PromSeries s) { series_.push_back(std::move(s)); }
  void clear() { series_.clear(); }
  Result<std::vector<PromSeries>> select(const std::vector<LabelMatcher>& matchers, int64_t min_ms,
                                         int64_t max_ms,
                                         const query::FetchLimits& limits = {}) override;
  // How many select() calls were made (tests check "fetch once per selector").
  int selects() const { return selects_; }

 private:
  std::vector<PromSeries> series_;
  int selects_ = 0;
};

// Prometheus' stale marker (value.StaleNaN): a sample with this bit pattern ends a series.
double staleNaN();
bool isStaleNaN(double v);

// Per-query limits (docs/promql.md, "Limits"). Defaults are Prometheus' and VictoriaMetrics'.
inline constexpr std::string_view kTooManySamplesError =
    "query processing would load too many samples into memory in query execution";
inline constexpr std::string_view kTimeoutError = "query timed out in query execution";
inline constexpr std::string_view kCancelledError =
    "query cancelled in query execution: the client went away";

struct EngineOptions {
  int64_t lookback_ms = 5 * 60 * 1000;  // staleness: the lookback delta
  // Prometheus' --query.max-samples: samples held in memory at once by one query (fetched
  // samples until their selector or range function is done, plus the points of every instant
  // vector that selectors, range functions and subqueries produce). Over it: OutOfRange
  // kTooManySamplesError.
  size_t max_samples = 50'000'000;
  // VictoriaMetrics' -search.maxUniqueTimeseries: series fetched by all selectors of one query
  // together. Over it: OutOfRange "the query selects more than N series; ...".
  size_t max_series = 300'000;
  // Prometheus' --query.timeout: checked between fetch batches, series and steps. Over it:
  // DeadlineExceeded kTimeoutError.
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  // Checked with the timeout: true ends the query with Cancelled kCancelledError (the HTTP API
  // passes net::HttpRequest::client_gone). Null: never.
  std::function<bool()> cancelled;
  // The step of a subquery written without one (`x[1h:]`): Prometheus' global
  // evaluation_interval, 1m by default.
  int64_t default_subquery_step_ms = 60 * 1000;
  // Prometheus 2.x selects range vectors and the lookback window closed on both ends,
  // [t - range, t]; Prometheus 3 made them left-open, (t - range, t]. false = 2.x (the oracle).
  bool left_open_ranges = false;
  // Threads one query may use at once (the calling one included) for its storage scans and per
  // series work (range functions): the series are cut into contiguous slices, so results do not
  // depend on it. 0: the machine's hardware threads, at most 8.
  unsigned threads = 0;
  // Instant vector selectors and range functions over a matrix selector (rate(x[5m]),
  // avg_over_time(x[10m]), ...) take each series as the fetch reads it (Queryable::selectEach)
  // and never hold all selected samples at once. false: the whole selection is fetched first
  // (the same results; tests compare them).
  bool stream_selections = true;
};

struct SeriesValues {
  std::vector<model::Tag> labels;
  std::vector<int64_t> t_ms;
  std::vector<double> v;
};

struct QueryResult {
  ValueType type = ValueType::kNone;  // kScalar, kVector, kMatrix, kString
  double scalar = 0;                  // kScalar
  int64_t t_ms = 0;                   // kScalar, kString and kVector: the evaluation time
  std::string string;                 // kString
  // kVector: one sample each at t_ms (in Prometheus' result order); kMatrix: many (range
  // queries: sorted by labels; instant queries of a range vector: raw samples).
  std::vector<SeriesValues> series;
  std::vector<std::string> warnings;
  // The most samples the query held at once, as counted for EngineOptions::max_samples.
  size_t peak_samples = 0;
};

// Evaluates `e` at one time. Errors: InvalidArgument for evaluation errors Prometheus reports
// (e.g. "vector cannot contain metrics with the same labelset"), OutOfRange for the sample and
// series limits, DeadlineExceeded for the timeout, and the Queryable's errors.
Result<QueryResult> evalInstant(Queryable& q, const Expr& e, int64_t t_ms,
                                const EngineOptions& o = {});

// Evaluates `e` at start, start+step, ... <= end. The result is kMatrix (a scalar expression gives
// one series without labels), sorted by labels. Range vectors and strings are rejected, as in
// Prometheus ("invalid expression type ... for range query").
Result<QueryResult> evalRange(Queryable& q, const Expr& e, int64_t start_ms, int64_t end_ms,
                              int64_t step_ms, const EngineOptions& o = {});

}  // namespace sextant::query::promql

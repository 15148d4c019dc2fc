// Series sources: numeric time series read from the storage engine, for PromQL and DQL metrics
// queries. A metrics field is a series per storage series: (measurement, tags) x field, with its
// samples in time order (rows of one timestamp collapse to the last written, as Prometheus and
// VictoriaMetrics do). Integers, unsigned integers and booleans (0/1) read as doubles; string
// fields are not series.
//
// PromQL names (VictoriaMetrics' convention): field f of measurement m is the metric `m_f`; the
// tags are its labels. A name that several (measurement, field) pairs produce (`a_b_c` from a/b_c
// and a_b/c) reads all of them.
//
// Thread-safety: pure functions over a thread-safe engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "storage/engine/storage_engine.h"

namespace sextant::query {

// Caps on one fetch (what is left of a query's budget), so that a query over its limits stops
// while scanning instead of after every sample is in memory. Counted once per scan batch, never
// per sample. Over a cap: OutOfRange with kFetchTooManySeries or kFetchTooManySamples as the
// message (callers put their own words on it); past the deadline (checked between batches):
// DeadlineExceeded with kFetchTimedOut.
struct FetchLimits {
  std::size_t max_series = SIZE_MAX;   // series x field pairs
  std::size_t max_samples = SIZE_MAX;  // samples kept
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Checked per storage batch with the deadline, on the calling thread only: true ends the
  // fetch (the client went away).
  std::function<bool()> cancelled;
  // Threads scanning at once (the calling one included): the selected series are cut into this
  // many slices (storage::ScanRequest::series_shard), each scanned on its own thread. The caps
  // above hold for all of them together.
  unsigned threads = 1;
};
inline constexpr std::string_view kFetchTooManySeries = "fetch: too many series";
inline constexpr std::string_view kFetchTooManySamples = "fetch: too many samples";
inline constexpr std::string_view kFetchTimedOut = "fetch: deadline exceeded";
inline constexpr std::string_view kFetchCancelled = "fetch: cancelled";

struct FieldSeries {
  std::string measurement;
  std::string field;
  std::vector<model::Tag> tags;       // sorted by key
  std::vector<std::int64_t> time_ns;  // in FieldSelector::time_unit_ns units
  std::vector<double> values;
};

struct FieldSelector {
  std::string workspace_id;
  std::string measurement;
  std::vector<std::string> fields;  // empty: every numeric field
  std::vector<storage::TagMatcher> tags;
  std::int64_t min_time_ns = INT64_MIN;  // inclusive
  std::int64_t max_time_ns = INT64_MAX;  // inclusive
  FetchLimits limits;
  // The unit of the returned times, in ns: each time is floored to a multiple of it and divided
  // (1: ns; 1'000'000: ms, as PromQL). Done while samples are copied out of storage's batches;
  // the same as sorting and collapsing in ns, dividing, then sorting and collapsing again.
  std::int64_t time_unit_ns = 1;
};

// The series of a measurement's numeric fields, ordered by (field, tags).
Result<std::vector<FieldSeries>> fetchFieldSeries(storage::StorageEngine& engine,
                                                  const FieldSelector& sel);

struct PromSeries {
  std::vector<model::Tag> labels;  // sorted by name, __name__ included
  std::vector<std::int64_t> time_ms;
  std::vector<double> values;
};

// The (measurement, field) pairs whose PromQL name `m_f` matches every matcher on __name__.
Result<std::vector<std::pair<std::string, std::string>>> resolveMetricNames(
    storage::StorageEngine& engine, const std::string& workspace_id,
    const std::vector<storage::TagMatcher>& name_matchers);

// PromQL selection: matchers on __name__ and on labels; samples with min_ms <= t <= max_ms.
// Ordered by labels. `limits` caps the whole selection (all measurements together).
Result<std::vector<PromSeries>> fetchPromSeries(storage::StorageEngine& engine,
                                                const std::string& workspace_id,
                                                const std::vector<storage::TagMatcher>& matchers,
                                                std::int64_t min_ms, std::int64_t max_ms,
                                                const FetchLimits& limits = {});

// Takes one complete series of forEachPromSeries, on one of the fetch's threads: `worker` <
// FetchLimits::threads names it, and calls with the same worker never overlap. The sink may move
// anything out of `s`; the vectors it leaves are reused for later series. A non-ok Status ends
// the fetch with it.
using PromSeriesSink = std::function<Status(std::size_t worker, PromSeries& s)>;

// fetchPromSeries without holding every selected series at once: each thread reads its slice of
// the series in passes of kPromSeriesPerPass series (storage::ScanRequest::series_per_pass) and
// hands each series of a pass to `sink` as soon as the pass is read, in no particular order. The
// same series, labels, samples, limits and errors as fetchPromSeries (which sorts them by labels).
inline constexpr std::size_t kPromSeriesPerPass = 16;
Status forEachPromSeries(storage::StorageEngine& engine, const std::string& workspace_id,
                         const std::vector<storage::TagMatcher>& matchers, std::int64_t min_ms,
                         std::int64_t max_ms, const FetchLimits& limits,
                         const PromSeriesSink& sink);

// Whether value v satisfies the matcher (Prometheus semantics; "" for a missing label).
// InvalidArgument for a bad regex.
Result<bool> matches(const storage::TagMatcher& m, std::string_view v);

}  // namespace sextant::query

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

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "storage/engine/storage_engine.h"

namespace sextant::query {

struct FieldSeries {
  std::string measurement;
  std::string field;
  std::vector<model::Tag> tags;  // sorted by key
  std::vector<std::int64_t> time_ns;
  std::vector<double> values;
};

struct FieldSelector {
  std::string workspace_id;
  std::string measurement;
  std::vector<std::string> fields;  // empty: every numeric field
  std::vector<storage::TagMatcher> tags;
  std::int64_t min_time_ns = INT64_MIN;  // inclusive
  std::int64_t max_time_ns = INT64_MAX;  // inclusive
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
// Ordered by labels.
Result<std::vector<PromSeries>> fetchPromSeries(storage::StorageEngine& engine,
                                                const std::string& workspace_id,
                                                const std::vector<storage::TagMatcher>& matchers,
                                                std::int64_t min_ms, std::int64_t max_ms);

// Whether value v satisfies the matcher (Prometheus semantics; "" for a missing label).
// InvalidArgument for a bad regex.
Result<bool> matches(const storage::TagMatcher& m, std::string_view v);

}  // namespace sextant::query

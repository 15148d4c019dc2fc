// Reading the APM data of a workspace back from the storage engine: tracing points as SpanRows
// (whole traces by id, or filtered span scans) and the derived apm_service / apm_edge metric
// points as rows with their decoded sketch. Internal to this folder; the routes in trace_api.cc
// and zipkin_api.cc aggregate what these return.
//
// Ownership: borrows the engine. Thread-safety: stateless; the engine is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "server/apm/sketch.h"
#include "server/trace_api/trace_model.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server::trace_api {

// The spans of one trace stored in [min_ns, max_ns]. The token bloom filters over `message`
// prune the first scan (ScanRequest::text = id); when it finds nothing (spans stored without the
// id in their message), a second pass reads only the trace_id column over the whole range and
// then the rows of the time span where it matched. Ids compare case-insensitively. Empty when
// absent.
Result<std::vector<SpanRow>> findTrace(storage::StorageEngine& engine, const std::string& ws,
                                       std::string_view trace_id, std::int64_t min_ns,
                                       std::int64_t max_ns);

struct SpanScan {
  std::int64_t min_ns = INT64_MIN;
  std::int64_t max_ns = INT64_MAX;
  std::vector<storage::TagMatcher> tags;  // on tag columns
  std::vector<std::string> columns;       // projection; empty: every column
};

// Calls fn for every tracing row matching the scan, in no particular order.
Status scanSpans(storage::StorageEngine& engine, const std::string& ws, const SpanScan& scan,
                 const std::function<Status(SpanRow&&)>& fn);

// One apm_service or apm_edge point (see docs/api/apm.md, "Data").
struct ApmRow {
  const std::vector<model::Tag>* tags = nullptr;  // the series' tags (valid during the call)
  std::int64_t time_ns = 0;
  std::int64_t count = 0;  // requests (apm_service) or calls (apm_edge)
  std::int64_t errors = 0;
  std::int64_t duration_sum = 0;
  std::int64_t duration_max = 0;
  std::optional<apm::Sketch> sketch;  // absent or undecodable: nullopt
};

// Calls fn for every point of `measurement` (apm_service / apm_edge) in [min_ns, max_ns] whose
// series matches `tags`. `count_field` names the count field ("requests" / "calls").
Status scanApm(storage::StorageEngine& engine, const std::string& ws, std::string_view measurement,
               std::string_view count_field, std::int64_t min_ns, std::int64_t max_ns,
               const std::vector<storage::TagMatcher>& tags,
               const std::function<void(const ApmRow&)>& fn);

// The value of tag `key` in a sorted or unsorted tag list ("" when absent).
std::string_view tagValue(const std::vector<model::Tag>& tags, std::string_view key);

}  // namespace sextant::server::trace_api

// DataKit's tracing filter chain (datakit-inputs.md §2.4), applied per trace to the points of
// one request (spans of one trace_id), in this order:
//   1. close_resource: a span whose service matches a key (or the key "*") and whose resource
//      matches one of its regular expressions drops its whole trace;
//   2. error penetration: a trace with a span whose status is error/critical is kept and skips
//      the rest — except spans whose http_status_code tag is listed in omit_err_status, which do
//      not count as errors here;
//   3. keep_rare_resource: a trace whose entry span's (service, resource, source_type) was not
//      seen in the last hour is kept and skips the rest;
//   4. sampler: keeps the trace when unifyTraceId(trace_id) % 10000 <= sampling_rate * 10000
//      (DataKit's rule, so the same traces are kept on every agent); the first kept span gets
//      the field dk_sampling_rate.
// Thread-safety: apply() may run concurrently (the rare-resource memory is locked).
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/point.h"

namespace sextant::agent::inputs::tracing {

struct TraceFilterOptions {
  // service (or "*") -> resource regular expressions (RE2, unanchored).
  std::map<std::string, std::vector<std::shared_ptr<const re2::RE2>>> close_resource;
  std::vector<std::string> omit_err_status;  // http_status_code values
  bool keep_rare_resource = false;
  bool sampler = false;  // [sampler] configured
  double sampling_rate = 1.0;
};

struct TraceFilterStats {
  uint64_t traces_in = 0;
  uint64_t closed = 0;  // dropped by close_resource
  uint64_t sampled_out = 0;
  uint64_t kept_for_error = 0;
  uint64_t kept_as_rare = 0;
};

// DataKit's UnifyToUint64ID: the id as decimal, else as hexadecimal, else the last 16 hex
// digits of the hex encoding of its bytes.
uint64_t unifyTraceId(std::string_view id);

class TraceFilter {
 public:
  TraceFilter(TraceFilterOptions options, std::function<int64_t()> now_ns);
  // Removes the points of dropped traces from *points (order of the rest kept).
  void apply(std::vector<model::Point>* points);
  TraceFilterStats stats() const;

 private:
  bool keep(std::vector<model::Point*>& trace);

  const TraceFilterOptions options_;
  const std::function<int64_t()> now_ns_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> rare_seen_;  // service\0resource\0source_type -> ns
  int64_t rare_pruned_ns_ = 0;
  TraceFilterStats stats_;
};

}  // namespace sextant::agent::inputs::tracing

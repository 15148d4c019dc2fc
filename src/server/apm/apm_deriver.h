// ApmDeriver: turns the tracing points the server accepts into per-minute APM metric points
// (docs/apm.md has the full contract):
//   apm_service{service,resource,env,version}: requests, errors, duration_sum, duration_max,
//       p50, p75, p90, p99, sketch   -- over the service's entry spans of that minute
//   apm_edge{source_*,target_*}: calls, errors, duration_sum, duration_max, p99, sketch
//       -- one per span whose parent span is in another service (the callee's durations)
//
// How it works. observe() copies the few values it needs of each tracing point into a compact
// per-span record (binary ids, interned strings) buffered per (workspace, trace). tick() takes the
// traces that went idle (no span for trace_idle) or got old (first span trace_max_wait ago),
// resolves every span's parent inside its trace (Zipkin/Envoy shared span ids included: among
// spans sharing the parent id, the `entry` one / the SERVER one wins), and adds each entry span
// and each cross-service edge to the bucket of its span-start minute. A bucket is written through
// the Sink once its minute is closed (minute end + minute_grace <= now), then forgotten; spans
// whose minute was already closed when they were processed make a new bucket, written at the
// next tick as an extra point for the same minute, stamped 1..59999 ms into it so that no two
// points of a series share a (millisecond) timestamp (stats().late_points). A failed Sink write
// keeps the buckets for the next tick; after kMaxWriteAttempts failures they are dropped
// (stats().points_dropped). Above max_buffered_spans the oldest traces are processed early.
//
// Spans of one trace may come in any order and over several observe() calls (several agents).
// A span that arrives after its trace was processed is processed on its own later: its parent is
// then unknown, so it counts as an entry span (docs/apm.md, "late spans").
//
// Memory: ~80 bytes per buffered span plus one copy of each distinct service / env / version /
// resource string per workspace (kept for the deriver's lifetime; once a workspace holds
// max_interned_strings of them, new values are recorded as kOtherResource).
//
// Thread-safety: observe() and stats() may be called from any thread at any time; tick() and
// flushAll() are serialised with each other and never block observe() while the Sink runs. The
// Sink is called only from tick()/flushAll(), on the calling thread, with no internal lock but
// the tick lock held (it must not call tick()/flushAll()).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"

namespace sextant::apm {

struct DeriverOptions {
  // A trace is processed when no span arrived for this long...
  std::chrono::milliseconds trace_idle{10000};
  // ... or when its first span is this old.
  std::chrono::milliseconds trace_max_wait{60000};
  // A minute's buckets are written this long after the minute ended (wall clock).
  std::chrono::milliseconds minute_grace{30000};
  // Above it the oldest traces are processed early (memory bound).
  size_t max_buffered_spans = 500000;
  // Distinct service/env/version/resource strings kept per workspace; see kOtherResource.
  size_t max_interned_strings = 1000000;
};

struct DeriverStats {
  uint64_t spans_observed = 0;
  uint64_t spans_ignored = 0;  // no trace_id/span_id, or a start time out of range
  uint64_t traces_processed = 0;
  uint64_t traces_forced = 0;  // processed early by the memory bound
  uint64_t late_points = 0;    // points for a minute that was already closed
  uint64_t points_written = 0;
  uint64_t write_failures = 0;  // failed Sink calls
  uint64_t points_dropped = 0;  // given up after kMaxWriteAttempts failed writes
  size_t buffered_spans = 0;    // observed, not yet processed
  size_t buffered_traces = 0;
};

// Measurement and key names of the derived points (the contract of docs/apm.md).
inline constexpr std::string_view kServiceMeasurement = "apm_service";
inline constexpr std::string_view kEdgeMeasurement = "apm_edge";
// The value recorded for a new service/env/version/resource string once a workspace holds
// max_interned_strings distinct strings (a bound against runaway cardinality).
inline constexpr std::string_view kOtherResource = "__other__";
inline constexpr int kMaxWriteAttempts = 3;

class ApmDeriver {
 public:
  // Writes derived metric points of one workspace (the server: engine write, category metric).
  // Called from tick()/flushAll() only.
  using Sink =
      std::function<Status(const std::string& workspace_id, std::vector<model::Point>&& points)>;

  ApmDeriver(DeriverOptions options, Sink sink, std::function<int64_t()> now_ns);
  ~ApmDeriver();
  ApmDeriver(const ApmDeriver&) = delete;
  ApmDeriver& operator=(const ApmDeriver&) = delete;

  // Records the tracing points of one accepted write (thread-safe; cheap: copies only the few
  // tags/fields it needs). Non-tracing points are ignored.
  void observe(std::string_view workspace_id, std::span<const model::Point> points);

  // Processes idle/old traces into minute buckets and writes the buckets whose minute is closed
  // (minute end + grace <= now). The server calls it every second from its own thread. Returns
  // the first Sink error (the buckets are kept and retried at the next tick).
  Status tick();

  // Processes every buffered trace and writes every bucket (shutdown, tests). Returns the first
  // Sink error; failed buckets stay buffered (and count an attempt) as in tick().
  Status flushAll();

  DeriverStats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sextant::apm

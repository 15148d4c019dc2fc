// Test-only generator of Bookinfo-shaped traces (Istio's sample app) as DataKit tracing points,
// with the aggregates a correct APM derivation must produce, computed from the generator's own
// knowledge of which span serves which request (not by the deriver's rules). Used by apm_test
// and apm_bench.
//
// Shape of one trace: productpage v1 (root, entry) with a local child "render"; productpage ->
// details v1; productpage -> reviews v1 (90%) or v2 (10%); reviews v2 -> ratings v1; reviews v1
// never calls ratings. Every RPC is either a Zipkin pair (a CLIENT span in the caller, a SERVER
// child span in the callee with its own id) or, in shared-id mode, the Istio/Envoy style where
// the client and server spans carry the same span id and parent (span_type exit / entry, as
// DataKit computes them from each sidecar's batch).
//
// Thread-safety: plain values; one generator per thread.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "model/point.h"

namespace sextant::apm::testing {

struct SpanSpec {
  std::string trace_id;
  std::string span_id;
  std::string parent_id;  // "0": root
  std::string service;
  std::string version;
  std::string env = "prod";
  std::string resource;
  std::string span_type = "entry";
  std::string status = "ok";
  std::string kind;  // "SERVER" / "CLIENT" / "" in the message JSON
  int64_t start_us = 0;
  int64_t duration_us = 0;
};

// A DataKit tracing point (measurement zipkin) for one span, as the server stores it.
model::Point tracingPoint(const SpanSpec& s);

// Sets span_type on each span of one batch the way DataKit does (datakit-inputs.md §2.3): parent
// in the batch and in another service -> entry; same service -> local when the span has children
// in the batch, else exit; parent not in the batch (or none) -> entry. DataKit looks parents up
// in a span-id map, so with shared span ids the last span of an id wins.
void assignDataKitSpanTypes(std::vector<SpanSpec>& batch);

// Expected aggregates of one service (version) or edge.
struct ExpectedAgg {
  int64_t count = 0;
  int64_t errors = 0;
  int64_t duration_sum = 0;
  int64_t duration_max = 0;
  std::map<int64_t, std::vector<double>> durations_by_minute;  // minute start (ns) -> µs
  void add(int64_t start_us, int64_t duration_us, bool error);
};

class Bookinfo {
 public:
  // Traces start at base_us + i * spacing_us. Generators with different `stream`s make
  // different trace ids.
  Bookinfo(bool shared_ids, uint64_t seed, int64_t base_us, int64_t spacing_us,
           uint64_t stream = 0);

  // Generates the next trace: its spans, in generation order (parents first).
  std::vector<SpanSpec> next();

  // Keyed by (service, version).
  std::map<std::pair<std::string, std::string>, ExpectedAgg> services;
  // Keyed by (source service, source version, target service, target version).
  std::map<std::tuple<std::string, std::string, std::string, std::string>, ExpectedAgg> edges;
  int reviews_v1 = 0;
  int reviews_v2 = 0;
  int traces = 0;

 private:
  std::string newSpanId();
  // One RPC from caller span `caller` (its id is the parent of the RPC spans); returns the
  // callee's server span (whose span_id is the parent of the callee's own children).
  SpanSpec rpc(const SpanSpec& caller, std::vector<SpanSpec>* out, const std::string& service,
               const std::string& version, const std::string& resource, int64_t start_us,
               int64_t duration_us, bool error);

  bool shared_ids_;
  std::mt19937_64 rng_;
  int64_t base_us_;
  int64_t spacing_us_;
  uint64_t stream_;
  uint64_t next_span_ = 1;
};

}  // namespace sextant::apm::testing

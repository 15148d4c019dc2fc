// TracingInput: the agent Input shared by the span receivers (zipkin, opentelemetry). It owns
// what DataKit's "itrace" does for every tracing input: the common options, the routes' request
// handling (decompression, decoding by the route's SpanDecoder, spans -> points, the filter
// chain, normalisation, feeding), the optional disk buffer and the optional extra listener.
//
// Request handling (each route): Content-Encoding gzip/deflate/zstd/br bodies are decompressed
// (capped); the route's decoder turns (Content-Type, body) into spans (an error: 400
// datakit.badRequest with the decoder's message; counted); the points are fed durably, so 200
// (empty body) means they are in the agent's point path / disk queue (503 datakit.queueFull
// when the agent is full, 500 datakit.feedFailed otherwise).
// With [inputs.<x>.storage] (DataKit's local disk buffer of raw requests) the decoded-and-checked
// request is put on a disk queue and answered 200 at once; a worker feeds the queue into the
// agent, retrying while upstream is slow (the feed fails), so clients never wait on upstream.
// With `listen` (a Sextant option, e.g. "0.0.0.0:9411"), the same routes are also served on that
// address by the input's own HTTP server (what Zipkin clients call without a 9411 -> 9529
// Service mapping).
//
// Ownership: the input owns its filter, disk queue, worker and listener. Thread-safety: route
// handlers run concurrently on the HTTP threads; start/stop from the runner's owner thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/inputs/host_common/plugin_util.h"
#include "agent/inputs/tracing/span_points.h"
#include "agent/inputs/tracing/trace_filter.h"
#include "agent/runtime/input.h"
#include "config/config_table.h"
#include "core/status.h"
#include "model/span.h"
#include "net/http_types.h"

namespace sextant::agent {
class DiskQueue;
}
namespace sextant::net {
class HttpServer;
}

namespace sextant::agent::inputs::tracing {

struct TracingConfig {
  SpanPointOptions points;
  TraceFilterOptions filter;
  std::string storage_path;         // [storage] path (relative: under the install dir's cache)
  int64_t storage_capacity_mb = 0;  // [storage] capacity (MiB); 0: 5120 as DataKit
  std::string listen;               // Sextant: extra listen address for the routes
  size_t max_decompressed_bytes = 64u << 20;
};

// Reads the keys every tracing input shares from `t`, then ENV_INPUT_<INPUT>_* (DataKit's
// variables: IGNORE_TAGS, KEEP_RARE_RESOURCE, DEL_MESSAGE, OMIT_ERR_STATUS, CLOSE_RESOURCE,
// SAMPLER, TAGS, CUSTOMER_TAGS, STORAGE; JSON values where DataKit takes JSON). Keys:
// ignore_tags, keep_rare_resource, del_message, omit_err_status, [close_resource],
// [sampler] sampling_rate, [tags], customer_tags, [storage] path/capacity, listen; [threads]
// is accepted and ignored (Sextant sizes its own threads). Errors name the file, line and key
// (or the variable).
Status parseTracingConfig(std::string_view input, const config::ConfigTable& t, const EnvMap& env,
                          TracingConfig* c);

// Decodes one request body (already decompressed) of a route. The content type is the
// request's Content-Type header as sent (parameters included).
using SpanDecoder = std::function<Result<std::vector<model::Span>>(std::string_view content_type,
                                                                   std::string_view body)>;

struct TracingRoute {
  std::string path;  // "/api/v2/spans"
  SpanDecoder decode;
};

struct TracingStats {
  uint64_t requests = 0;
  uint64_t bad_requests = 0;  // 400s: undecodable body, bad encoding, unsupported content type
  uint64_t spans = 0;         // decoded
  uint64_t points_fed = 0;    // after the filters
  uint64_t feed_failures = 0;
  uint64_t buffered = 0;  // requests put on the disk buffer
  TraceFilterStats filter;
};

class TracingInput final : public Input {
 public:
  TracingInput(std::string name, TracingConfig config, std::vector<TracingRoute> routes,
               const InputEnv& env);
  ~TracingInput() override;

  std::string_view name() const override { return name_; }
  model::Category category() const override { return model::Category::kTracing; }
  std::vector<InputRoute> routes() override;
  Status start() override;
  void stop() override;

  // One request to route `route` (an index into the routes given at construction).
  net::HttpResponse handle(size_t route, const net::HttpRequest& req);
  TracingStats stats() const;
  std::vector<InputCounter> counters() const override;
  // The extra listener's bound address ("" without `listen` or before start()).
  std::string listenAddress() const;

 private:
  Status process(size_t route, std::string_view content_type, std::string_view body, bool durable);
  void drainBuffer();

  const std::string name_;
  const TracingConfig config_;
  const std::vector<TracingRoute> routes_;
  Feeder* const feeder_;
  const std::function<int64_t()> now_ns_;
  const std::string install_dir_;
  TraceFilter filter_;

  std::unique_ptr<DiskQueue> buffer_;
  std::thread worker_;
  std::mutex worker_mu_;
  std::condition_variable worker_cv_;
  bool stopping_ = false;
  std::unique_ptr<net::HttpServer> listener_;

  mutable std::mutex stats_mu_;
  TracingStats stats_;
};

}  // namespace sextant::agent::inputs::tracing

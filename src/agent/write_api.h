// The agent's POST /v1/write/:category handler, DataKit-compatible (reference §1.3).
//
// Body format from Content-Type: contains "application/json" -> simple JSON;
// "application/pbjson; proto=com.guance.Point" -> PBJSON; "application/protobuf;
// proto=com.guance.Point" -> protobuf PBPoints; anything else -> line protocol.
// Compression from ?encoding= or Content-Encoding (gzip, deflate, zstd, br).
// Query: precision, echo=lp|json|pbjson (and deprecated echo_line_proto, echo_json), dry,
// strict, input, source (the pipeline script <source>.p runs on the points). Boolean params are
// "present = on", as in DataKit. Every point is normalised (model/check.h); accepted points go to
// `sink` unless dry, and the answer waits for the sink (the agent's durable feed). Thread-safety:
// handleWrite is reentrant; the sink must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/api_error.h"
#include "agent/runtime/input.h"
#include "codec/line_protocol/line_protocol.h"
#include "model/check.h"
#include "model/point.h"
#include "net/http_types.h"

namespace sextant::agent {

struct WriteContext {
  std::function<int64_t()> now_ns;  // clock seam
  size_t max_decompressed_bytes = 64u << 20;
  // Receives the normalised points of a request that is not dry, with FeedOptions from the query:
  // input = ?input= (default: the category name), durable, ignore_global_tags =
  // ?ignore_global_host_tags (or the older ?ignore_global_tags), election = ?global_election_tags.
  // An error is answered 503 datakit.queueFull (ResourceExhausted) or 500 datakit.feedFailed.
  std::function<Status(model::Category, std::vector<model::Point>&&, const FeedOptions&)> sink;
  // Optional fast path for line-protocol bodies without echo or dry (PointPath::feedLineProtocol):
  // given the body, the decode and normalisation options the ordinary path would use and the
  // FeedOptions it would give `sink`, it either feeds the points itself and returns the outcome
  // (answered as `sink`'s), or returns nullopt having fed nothing, and the ordinary path runs.
  std::function<std::optional<Status>(model::Category, std::string_view body,
                                      const codec::lp::DecodeOptions&, const model::CheckOptions&,
                                      const FeedOptions&)>
      line_protocol_feed;
};

net::HttpResponse handleWrite(const net::HttpRequest& req, const WriteContext& ctx);

}  // namespace sextant::agent

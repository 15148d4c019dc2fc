// Spans -> DataKit tracing points (datakit-inputs.md §2.3–2.4), shared by the zipkin and
// opentelemetry inputs.
//
// One point per span, category tracing, measurement = `source` ("zipkin", "opentelemetry"):
//   tags   [inputs.<x>.tags] first, then the span's tags (Zipkin: every tag; OpenTelemetry: the
//          canonical keys below plus customer_tags), keys with '.' replaced by '_', minus
//          ignore_tags; then service, operation, span_type, source, source_type, status.
//   fields trace_id, span_id, parent_id ("0" for a root), resource, start (µs), duration (µs),
//          message (the span as one Zipkin v2 JSON object, unless del_message), error_message
//          for error spans with a message.
//   time   the span's start (the receive time when the span has none).
// span_type follows DataKit's batch rule: a span whose parent is in the batch and in another
// service, or whose parent is absent from the batch, is `entry`; a span whose parent is in the
// same service is `local` when a span of its service has it as parent, else `exit`. With B3
// shared client/server span ids (Zipkin's join, Istio's sidecars) several spans have the
// parent's id: the one in the child's service is its parent when there is one.
// Format differences kept from DataKit: the unknown-service names differ per format, v1 spans
// take `resource` from the `path.http` tag when present. Sextant differences (docs/compat.md):
// start/duration are µs for v1 too, `operation` is set for v2 as well, message is Zipkin v2 JSON
// for OpenTelemetry spans too.
//
// Thread-safety: spansToPoints is reentrant; SpanPointOptions is immutable once built.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/point.h"
#include "model/span.h"

namespace sextant::agent::inputs::tracing {

struct SpanPointOptions {
  std::string source = "zipkin";                          // measurement and `source` tag
  std::vector<std::pair<std::string, std::string>> tags;  // [inputs.<x>.tags]
  // Regular expressions (RE2, unanchored) on tag keys: matching span tags are dropped.
  std::vector<std::shared_ptr<const re2::RE2>> ignore_tags;
  bool del_message = false;
  // true (Zipkin): every span tag becomes a point tag. false (OpenTelemetry): only the
  // canonical keys and the attributes named by customer_tags (exact keys, or "reg:<RE2>").
  bool all_span_tags = true;
  std::vector<std::string> customer_tags;                         // exact attribute keys
  std::vector<std::shared_ptr<const re2::RE2>> customer_tag_res;  // "reg:" entries
};

// DataKit's tag key form: '.' -> '_'.
std::string tagKey(std::string_view key);

// Appends one point per span to *out (the spans are read, not kept). now_ns stamps spans
// without a start.
void spansToPoints(const std::vector<model::Span>& spans, const SpanPointOptions& options,
                   int64_t now_ns, std::vector<model::Point>* out);

}  // namespace sextant::agent::inputs::tracing

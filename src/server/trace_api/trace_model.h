// The trace side of the APM query APIs: stored tracing points read back as spans (SpanRow), the
// tree of one trace (parents, entry spans, depth, self time), and the small parsers of the trace
// query parameters (Zipkin's annotationQuery, `tag=k:v`, times). Pure functions over values: no
// storage, no HTTP; trace_api.cc does the scanning and the JSON.
//
// SpanRow follows the APM data contract (docs/api/apm.md, "Data"): a tracing point's tags
// `service`, `operation`, `span_type`, `status`, `env`, `version` and its fields `trace_id`,
// `span_id`, `parent_id` ("0" or "" for a root), `resource` (a tag is accepted too), `start` and
// `duration` (µs) and `message` (the raw span, a Zipkin v2 JSON object for Zipkin and our
// OpenTelemetry input).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"

namespace sextant::server::trace_api {

// One stored span, as the query APIs see it.
struct SpanRow {
  std::string source;  // the point's measurement (zipkin, opentelemetry, ddtrace, ...)
  std::string trace_id;
  std::string span_id;
  std::string parent_id;  // "" for a root ("0" is normalised to "")
  std::string service;
  std::string resource;
  std::string operation;
  std::string span_type;  // entry / local / exit / unknown, as stored
  std::string status;     // ok / info / warning / error / critical, as stored
  std::string env;
  std::string version;
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;  // negative durations are read as 0
  std::vector<model::Tag> tags;  // every tag of the point, in stored order
  std::string message;           // the raw span ("" when not stored or not projected)

  // status `error` or `critical`.
  bool error() const { return status == "error" || status == "critical"; }
  // start + duration, saturating (stored values are untrusted).
  std::int64_t endUs() const {
    std::int64_t e = 0;
    return __builtin_add_overflow(start_us, duration_us, &e) ? INT64_MAX : e;
  }
};

// Reads a tracing point. Missing keys are left empty / 0; `start` falls back to the point's time
// when absent. Never fails: the APIs show what they can of odd points.
SpanRow spanRowFromPoint(const model::Point& p);

// One span of a trace in tree order (see buildTraceTree).
struct TreeSpan {
  std::size_t row = 0;  // index into the SpanRows given to buildTraceTree
  int parent = -1;      // index into TraceTree::spans of the parent; -1 for a root
  int depth = 0;        // 0 for roots
  std::int64_t self_us = 0;
  bool entry = false;  // an entry span of its service: root, or parent in another service
};

struct ServiceTime {
  std::string service;
  std::int64_t self_us = 0;
  double share = 0;  // self_us / trace duration (0 when the trace lasts 0 µs)
};

struct TraceTree {
  std::int64_t start_us = 0;          // earliest span start
  std::int64_t duration_us = 0;       // latest span end - start_us
  std::vector<TreeSpan> spans;        // depth first; roots and siblings by start (then span id)
  std::vector<ServiceTime> services;  // by self_us descending, then name
};

// Builds the tree of one trace's spans (any order, any number; all of one trace id).
// Parents: a span's parent is the span whose span_id is its parent_id. When several spans share
// that id (Zipkin's shared client/server spans), the first of these wins: span_type `entry` (the
// server side), a raw span of kind SERVER, a span in the child's own service, the earliest (the
// order docs/apm.md gives the deriver). The server side (`entry`) of a shared id then nests under
// its client side (same id and parent, another service), as the Zipkin UI shows it, so service
// self times add up to the trace's duration. A span whose parent is absent, or which sits on a
// parent cycle, becomes a root (cycles are broken at their earliest span). Self time: duration
// minus the union of the children's intervals clipped to the span (so clock skew never makes it
// negative). Entry: no parent, or a parent of another service. Iterative: no recursion, whatever
// the depth.
TraceTree buildTraceTree(const std::vector<SpanRow>& rows);

// ASCII case-insensitive equality (trace ids, Zipkin's annotationQuery keywords).
bool equalsNoCase(std::string_view a, std::string_view b);

// Keeps the first of spans repeated with the same span id, parent id, service, start and
// duration (an agent's retried upload), as the deriver counts them once. Order kept.
void dropDuplicateSpans(std::vector<SpanRow>* rows);

// One term of Zipkin's annotationQuery: `key=value` (a tag with that value) or a bare word
// (an annotation with that value, or a tag with that key).
struct AnnotationTerm {
  std::string key;
  std::optional<std::string> value;
};

// Parses "error and http.method=GET" (terms separated by the word `and`, any case, surrounded by
// whitespace). Empty or blank input: no terms. InvalidArgument for an empty term ("a and and b",
// "=x") or more than 64 terms.
Result<std::vector<AnnotationTerm>> parseAnnotationQuery(std::string_view q);

// `tag=k:v` of /v1/apm/traces: key and value split at the first ':'. InvalidArgument when there
// is no ':' or the key is empty.
Result<model::Tag> parseTagFilter(std::string_view s);

// A time of the Sextant APM API: Unix milliseconds (an integer, optionally negative) or RFC 3339,
// within ±9e12 ms (so that it fits int64 nanoseconds).
std::optional<std::int64_t> parseApmTimeMs(std::string_view s);

// A non-negative decimal integer (no sign, no spaces, fits int64), e.g. durations and limits.
std::optional<std::int64_t> parseNonNegative(std::string_view s);

// a + b and a - b, saturating at the int64 bounds.
std::int64_t addSaturating(std::int64_t a, std::int64_t b);
std::int64_t subSaturating(std::int64_t a, std::int64_t b);

// Splits "a,b,,c" at commas, dropping empty items.
std::vector<std::string> splitList(std::string_view s);

}  // namespace sextant::server::trace_api

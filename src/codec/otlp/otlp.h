// OTLP trace decoders: opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest, as
// binary protobuf (application/x-protobuf) or OTLP/JSON (application/json), into the neutral
// model::Span (model/span.h) the tracing inputs and the server share. The mapping and every
// error are listed in README.md.
//
// Both decoders are pure functions over caller-owned bytes built for untrusted bodies: every
// length is checked against the bytes left before anything is allocated for it, attribute
// values nest at most kMaxValueDepth deep, and malformed input gives InvalidArgument naming
// the resource/scope/span index that failed; they never crash. The resource tags every span
// copies are capped at 64 MiB + 16 x the body (OutOfRange beyond). Decompression (gzip...) is
// the caller's job (codec/compression).
//
// Thread-safety: reentrant; no shared state.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/span.h"

namespace sextant::codec::otlp {

// Deepest AnyValue nesting accepted (a scalar attribute value is depth 1, an array of scalars
// depth 2, ...).
inline constexpr int kMaxValueDepth = 16;

// ExportTraceServiceRequest, binary protobuf. An empty body is zero spans.
Result<std::vector<model::Span>> decodeTracesProto(std::string_view body);

// The same message in OTLP/JSON: the proto3 JSON mapping with OTLP's rules (trace and span ids
// as hex strings, not base64; enums as integers or names; 64-bit integers as strings or
// numbers; lowerCamelCase and snake_case keys; unknown keys ignored).
Result<std::vector<model::Span>> decodeTracesJson(std::string_view body);

}  // namespace sextant::codec::otlp

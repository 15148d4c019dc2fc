// Zipkin span codecs: decoders for the four formats Zipkin collectors accept on
// /api/v1/spans and /api/v2/spans (v1 JSON, v1 Thrift, v2 JSON, v2 proto3) into the neutral
// model::Span, and the v2 JSON encoder the Zipkin query API answers with.
//
// Decoders are pure functions over caller-owned bytes (no I/O). They return every span of the
// body normalised as model/span.h documents (lowercase hex ids, 16-digit span ids, 16- or
// 32-digit trace ids, parent "" for roots, microseconds, tags in source order) with
// Span::format set, or InvalidArgument naming the span index and the problem. v1 spans are
// converted to the v2 shape as Zipkin's V1SpanConverter does (README.md: mapping rules).
// Memory is bounded by the body: no length field is trusted before it is checked against the
// bytes that remain.
//
// Thread-safety: all functions are pure and may be called concurrently.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/span.h"

namespace sextant::codec::zipkin {

// Zipkin v1 JSON: an array of v1 spans (annotations + binaryAnnotations).
Result<std::vector<model::Span>> decodeV1Json(std::string_view body);
// Zipkin v1 Thrift (application/x-thrift): TBinaryProtocol list<zipkincore.Span>.
Result<std::vector<model::Span>> decodeV1Thrift(std::string_view body);
// Zipkin v2 JSON (zipkin2-api.yaml ListOfSpans).
Result<std::vector<model::Span>> decodeV2Json(std::string_view body);
// Zipkin v2 protobuf (application/x-protobuf): zipkin.proto3.ListOfSpans.
Result<std::vector<model::Span>> decodeV2Proto(std::string_view body);

// Appends a Zipkin v2 JSON array of the spans, as the Zipkin API returns them: keys omitted
// when empty or zero; tags object; annotations array; localEndpoint/remoteEndpoint objects;
// "kind" as CLIENT/SERVER/PRODUCER/CONSUMER (omitted for unspecified and internal);
// "debug"/"shared" only when true. A span with `error` set and no "error" tag gets an "error"
// tag holding error_message. resource_tags and format are not written.
void encodeV2Json(std::span<const model::Span> spans, std::string* out);
// Appends one span as a JSON object (what encodeV2Json puts between the brackets).
void encodeV2JsonSpan(const model::Span& span, std::string* out);

}  // namespace sextant::codec::zipkin

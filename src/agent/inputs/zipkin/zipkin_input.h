// The `zipkin` input ([[inputs.zipkin]], datakit-inputs.md §2): Zipkin span receivers on the
// agent's port, DataKit's routes and encodings:
//   POST pathV1 (default /api/v1/spans): application/json -> v1 JSON, application/x-thrift ->
//        v1 Thrift (TBinaryProtocol list of zipkincore.Span);
//   POST pathV2 (default /api/v2/spans): application/json -> v2 JSON, application/x-protobuf
//        (or application/protobuf) -> proto3 ListOfSpans.
// A request without Content-Type is read as JSON; any other type is 400. Spans become points of
// measurement `zipkin` (tracing/span_points.h; every span tag is promoted, so customer_tags is
// accepted and has nothing left to add); the common options and the request handling are
// tracing/tracing_input.h's. Extra keys: pathV1, pathV2 (ENV_INPUT_ZIPKIN_PATH_V1/_PATH_V2).
#pragma once

#include <string_view>
#include <vector>

#include "agent/runtime/input.h"
#include "core/status.h"
#include "model/span.h"

namespace sextant::agent::inputs::zipkin {

// The decoders of the two routes, by Content-Type (InvalidArgument for others).
Result<std::vector<model::Span>> decodeV1Request(std::string_view content_type,
                                                 std::string_view body);
Result<std::vector<model::Span>> decodeV2Request(std::string_view content_type,
                                                 std::string_view body);

void registerZipkinInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs::zipkin

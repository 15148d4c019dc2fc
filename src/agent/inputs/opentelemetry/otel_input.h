// The `opentelemetry` input ([[inputs.opentelemetry]]): OTLP/HTTP traces on the agent's port at
// /otel/v1/traces (DataKit's route; [inputs.opentelemetry.http] trace_api overrides it) and at
// /v1/traces (the OTLP exporters' default path, so an exporter pointed at the agent's base URL
// works). Bodies: application/x-protobuf (or application/protobuf) -> protobuf
// ExportTraceServiceRequest, application/json -> OTLP/JSON; gzip as Content-Encoding.
// Spans become points of measurement `opentelemetry` (tracing/span_points.h: the canonical tags
// from semantic-convention attributes, plus customer_tags); the common options and the request
// handling are tracing/tracing_input.h's. OTLP/gRPC (DataKit's 4317) is not served.
#pragma once

#include <string_view>
#include <vector>

#include "agent/runtime/input.h"
#include "core/status.h"
#include "model/span.h"

namespace sextant::agent::inputs::opentelemetry {

// By Content-Type (InvalidArgument for others; none = protobuf, OTLP's default).
Result<std::vector<model::Span>> decodeTracesRequest(std::string_view content_type,
                                                     std::string_view body);

void registerOpenTelemetryInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs::opentelemetry

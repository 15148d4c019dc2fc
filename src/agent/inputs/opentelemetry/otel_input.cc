#include "agent/inputs/opentelemetry/otel_input.h"

#include "agent/inputs/tracing/media_type.h"
#include "agent/inputs/tracing/tracing_input.h"
#include "codec/otlp/otlp.h"

namespace sextant::agent::inputs::opentelemetry {

Result<std::vector<model::Span>> decodeTracesRequest(std::string_view content_type,
                                                     std::string_view body) {
  std::string type = tracing::mediaType(content_type);
  if (type.empty() || type == "application/x-protobuf" || type == "application/protobuf")
    return codec::otlp::decodeTracesProto(body);
  if (type == "application/json") return codec::otlp::decodeTracesJson(body);
  return invalidArgument("unsupported Content-Type '" + std::string(content_type) +
                         "' for OTLP traces (application/x-protobuf or application/json)");
}

void registerOpenTelemetryInput(std::vector<InputFactory>* list) {
  list->push_back(InputFactory{
      "opentelemetry",
      [](const config::ConfigTable& t, const InputEnv& env) -> Result<std::unique_ptr<Input>> {
        tracing::TracingConfig c;
        c.points.source = "opentelemetry";
        c.points.all_span_tags = false;
        std::string trace_api = "/otel/v1/traces";
        auto http = t.table("http");
        if (!http.isOk()) return http.status();
        if (*http) SEXTANT_RETURN_IF_ERROR((*http)->get("trace_api", &trace_api));
        SEXTANT_RETURN_IF_ERROR(tracing::parseTracingConfig("opentelemetry", t, env.env, &c));
        std::vector<tracing::TracingRoute> routes = {{trace_api, decodeTracesRequest}};
        if (trace_api != "/v1/traces") routes.push_back({"/v1/traces", decodeTracesRequest});
        return std::unique_ptr<Input>(
            new tracing::TracingInput("opentelemetry", std::move(c), std::move(routes), env));
      }});
}

}  // namespace sextant::agent::inputs::opentelemetry

#include "agent/inputs/zipkin/zipkin_input.h"

#include "agent/inputs/tracing/media_type.h"
#include "agent/inputs/tracing/tracing_input.h"
#include "codec/zipkin/zipkin.h"

namespace sextant::agent::inputs::zipkin {

Result<std::vector<model::Span>> decodeV1Request(std::string_view content_type,
                                                 std::string_view body) {
  std::string type = tracing::mediaType(content_type);
  if (type.empty() || type == "application/json") return codec::zipkin::decodeV1Json(body);
  if (type == "application/x-thrift") return codec::zipkin::decodeV1Thrift(body);
  return invalidArgument("unsupported Content-Type '" + std::string(content_type) +
                         "' for Zipkin v1 (application/json or application/x-thrift)");
}

Result<std::vector<model::Span>> decodeV2Request(std::string_view content_type,
                                                 std::string_view body) {
  std::string type = tracing::mediaType(content_type);
  if (type.empty() || type == "application/json") return codec::zipkin::decodeV2Json(body);
  if (type == "application/x-protobuf" || type == "application/protobuf")
    return codec::zipkin::decodeV2Proto(body);
  return invalidArgument("unsupported Content-Type '" + std::string(content_type) +
                         "' for Zipkin v2 (application/json or application/x-protobuf)");
}

void registerZipkinInput(std::vector<InputFactory>* list) {
  list->push_back(InputFactory{
      "zipkin",
      [](const config::ConfigTable& t, const InputEnv& env) -> Result<std::unique_ptr<Input>> {
        tracing::TracingConfig c;
        c.points.source = "zipkin";
        c.points.all_span_tags = true;
        std::string v1 = "/api/v1/spans", v2 = "/api/v2/spans";
        SEXTANT_RETURN_IF_ERROR(t.get("pathV1", &v1));
        SEXTANT_RETURN_IF_ERROR(t.get("pathV2", &v2));
        EnvOverrides e("zipkin", env.env);
        e.nonEmptyString("PATH_V1", &v1);
        e.nonEmptyString("PATH_V2", &v2);
        SEXTANT_RETURN_IF_ERROR(tracing::parseTracingConfig("zipkin", t, env.env, &c));
        std::vector<tracing::TracingRoute> routes = {{v1, decodeV1Request}, {v2, decodeV2Request}};
        return std::unique_ptr<Input>(
            new tracing::TracingInput("zipkin", std::move(c), std::move(routes), env));
      }});
}

}  // namespace sextant::agent::inputs::zipkin

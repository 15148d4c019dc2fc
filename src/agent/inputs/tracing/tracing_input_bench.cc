// Spans per CPU-second through a tracing input's request path (decode, spans -> points, filter
// chain, normalisation, feed into a feeder that keeps nothing): Zipkin v2 JSON and OTLP
// protobuf bodies of ~100 spans built from the real captures in ../shared/fixtures/tracing.
// Issue 6's goal: >= 100 k spans/s per core.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "agent/inputs/opentelemetry/otel_input.h"
#include "agent/inputs/tracing/tracing_input.h"
#include "agent/inputs/zipkin/zipkin_input.h"

namespace sextant::agent::inputs::tracing {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/tracing/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class NullFeeder final : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& points, const FeedOptions&) override {
    benchmark::DoNotOptimize(points.data());
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}
};

void run(benchmark::State& state, SpanDecoder decode, const std::string& content_type,
         const std::string& body, size_t spans) {
  NullFeeder feeder;
  InputEnv env;
  env.feeder = &feeder;
  env.now_ns = [] { return int64_t{1'800'000'000'000'000'000}; };
  TracingConfig c;
  c.points.all_span_tags = true;
  TracingInput input("bench", c, {{"/spans", std::move(decode)}}, env);
  net::HttpRequest req;
  req.method = "POST";
  req.headers = {{"Content-Type", content_type}};
  req.body = body;
  for (auto _ : state) {
    net::HttpResponse r = input.handle(0, req);
    if (r.status != 200) state.SkipWithError(r.body.c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * spans));
  state.counters["spans_per_request"] = static_cast<double>(spans);
}

// 33 copies of the 3-span capture: a JSON array of 99 spans.
void BM_ZipkinV2Json(benchmark::State& state) {
  std::string one = fixture("zipkin-js_v2_spans.json");
  std::string inner = one.substr(1, one.rfind(']') - 1);
  std::string body = "[";
  for (int i = 0; i < 33; ++i) body += (i ? "," : "") + inner;
  body += "]";
  run(state, zipkin::decodeV2Request, "application/json", body, 99);
}

// Protobuf messages concatenated merge their repeated fields: 33 copies of the capture make one
// ExportTraceServiceRequest of 99 spans.
void BM_OtlpProtobuf(benchmark::State& state) {
  std::string one = fixture("otel-js_otlp_traces.pb");
  std::string body;
  for (int i = 0; i < 33; ++i) body += one;
  run(state, opentelemetry::decodeTracesRequest, "application/x-protobuf", body, 99);
}

BENCHMARK(BM_ZipkinV2Json)->MeasureProcessCPUTime();
BENCHMARK(BM_OtlpProtobuf)->MeasureProcessCPUTime();

}  // namespace
}  // namespace sextant::agent::inputs::tracing

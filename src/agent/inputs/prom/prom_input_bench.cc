// Parse + convert CPU per sample on the fixtures' real exporters (kube-state-metrics,
// node-exporter): what one scrape costs the agent beyond the HTTP exchange. Each iteration
// converts into the points of the previous one (convertInto at 0), as the prom input does: it
// keeps one vector per instance across scrapes and feeds it with Feeder::feedReusable, so a
// steady-state scrape reuses the points' strings and vectors instead of allocating them. The
// *Protobuf variants decode the same families as the delimited protobuf exposition (encoded
// once by libprotobuf) instead of parsing text.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "agent/inputs/prom/prom_convert.h"
#include "codec/prometheus_text/prometheus_proto.h"
#include "codec/prometheus_text/prometheus_proto_testing.h"

namespace sextant::agent::inputs::prom {
namespace {

std::string readFixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void parseAndConvert(benchmark::State& state, const std::string& rel, bool protobuf = false) {
  const std::string text = readFixture(rel);
  std::string body = text;
  if (protobuf) {
    auto parsed =
        codec::prom::parse(text, codec::prom::Format::kText004, codec::prom::ErrorPolicy::kLenient);
    body = codec::prom::testing::delimited(codec::prom::testing::toMetricFamilies(*parsed));
  }
  ConvertOptions o;
  ScrapeTags st;
  st.tags = {{"instance", "10.0.0.1:9100"}};
  size_t samples = 0;
  std::vector<model::Point> out;
  for (auto _ : state) {
    auto exp = protobuf ? codec::prom::parseProtobuf(body, codec::prom::ErrorPolicy::kLenient)
                        : codec::prom::parse(body, codec::prom::Format::kText004,
                                             codec::prom::ErrorPolicy::kLenient);
    samples = exp->sampleCount();
    out.resize(convertInto(*exp, o, st, 1, 0, &out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["points"] = static_cast<double>(out.size());
}

void BM_KubeStateMetrics(benchmark::State& s) {
  parseAndConvert(s, "k8s/kube-state-metrics_metrics_v1.35.txt");
}
void BM_NodeExporter(benchmark::State& s) {
  parseAndConvert(s, "prometheus/node-exporter-1.5.0_metrics.txt");
}
void BM_KubeStateMetricsProtobuf(benchmark::State& s) {
  parseAndConvert(s, "k8s/kube-state-metrics_metrics_v1.35.txt", true);
}
void BM_NodeExporterProtobuf(benchmark::State& s) {
  parseAndConvert(s, "prometheus/node-exporter-1.5.0_metrics.txt", true);
}
BENCHMARK(BM_KubeStateMetrics);
BENCHMARK(BM_NodeExporter);
BENCHMARK(BM_KubeStateMetricsProtobuf);
BENCHMARK(BM_NodeExporterProtobuf);

}  // namespace
}  // namespace sextant::agent::inputs::prom

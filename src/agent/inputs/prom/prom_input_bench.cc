// Parse + convert CPU per sample on the fixtures' real exporters (kube-state-metrics,
// node-exporter): what one scrape costs the agent beyond the HTTP exchange.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "agent/inputs/prom/prom_convert.h"

namespace sextant::agent::inputs::prom {
namespace {

std::string readFixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void parseAndConvert(benchmark::State& state, const std::string& rel) {
  const std::string body = readFixture(rel);
  ConvertOptions o;
  ScrapeTags st;
  st.tags = {{"instance", "10.0.0.1:9100"}};
  size_t samples = 0;
  std::vector<model::Point> out;
  for (auto _ : state) {
    out.clear();
    auto exp =
        codec::prom::parse(body, codec::prom::Format::kText004, codec::prom::ErrorPolicy::kLenient);
    samples = exp->sampleCount();
    convert(*exp, o, st, 1, &out);
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
BENCHMARK(BM_KubeStateMetrics);
BENCHMARK(BM_NodeExporter);

}  // namespace
}  // namespace sextant::agent::inputs::prom

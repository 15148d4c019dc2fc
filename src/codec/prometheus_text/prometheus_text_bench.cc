// Prometheus exposition parse throughput (MB/s, samples/s, ns per sample) on the real outputs in
// ../shared/fixtures: kube-state-metrics (the biggest, 277 KB, 1698 samples), node-exporter, etcd
// and the Istio sidecar excerpt (24 labels per sample); and on a 100 k-sample target made of
// kube-state-metrics copies with renamed families (the scrape size of issue 5's speed goal).
// BM_ParseAndOwn adds copying every name, label and help into owning std::strings: the cost the
// zero-copy API avoids. BM_DecodeProtobuf decodes the same families as the delimited protobuf
// exposition (encoded once by libprotobuf from the text parse). When SEXTANT_BENCH_SMOKE is set
// (ctest's smoke run under ASan) the large target is one copy only.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/prometheus_text/prometheus_proto.h"
#include "codec/prometheus_text/prometheus_proto_testing.h"
#include "codec/prometheus_text/prometheus_text.h"

namespace sextant::codec::prom {
namespace {

std::string readFixture(const char* rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kFixtures[] = {
    "k8s/kube-state-metrics_metrics_v1.35.txt",
    "prometheus/node-exporter-1.5.0_metrics.txt",
    "prometheus/etcd-3.4.23_metrics_mtls.txt",
    "istio/istio-1.5-proxy_stats_prometheus.EXCERPT.txt",
};

// kube-state-metrics repeated with `kube_` renamed `kube<i>_`: 59 copies are 100,182 samples.
std::string largeTarget() {
  std::string ksm = readFixture(kFixtures[0]);
  size_t copies = std::getenv("SEXTANT_BENCH_SMOKE") != nullptr ? 1 : 59;
  std::string out;
  out.reserve(ksm.size() * copies * 11 / 10);
  for (size_t i = 0; i < copies; ++i) {
    std::string prefix = "kube" + std::to_string(i) + "_";
    size_t pos = 0;
    for (size_t hit; (hit = ksm.find("kube_", pos)) != std::string::npos; pos = hit + 5) {
      out.append(ksm, pos, hit - pos);
      out += prefix;
    }
    out.append(ksm, pos);
  }
  return out;
}

const std::string& body(int64_t index) {
  static std::vector<std::string> bodies = [] {
    std::vector<std::string> v;
    for (const char* f : kFixtures) v.push_back(readFixture(f));
    v.push_back(largeTarget());
    return v;
  }();
  return bodies[static_cast<size_t>(index)];
}

void bodies(benchmark::internal::Benchmark* b) {
  b->ArgName("body");
  for (int64_t i = 0; i < 5; ++i) b->Arg(i);
  b->Unit(benchmark::kMicrosecond);
}

void report(benchmark::State& state, size_t bytes, size_t samples) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * samples), benchmark::Counter::kIsRate);
  state.counters["ns/sample"] =
      benchmark::Counter(static_cast<double>(state.iterations() * samples),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["samples"] = static_cast<double>(samples);
}

void BM_Parse(benchmark::State& state) {
  const std::string& text = body(state.range(0));
  size_t samples = 0;
  for (auto _ : state) {
    Result<Exposition> r = parse(text, Format::kText004, ErrorPolicy::kLenient);
    if (!r.isOk() || r->errorCount() != 0) {
      state.SkipWithError("parse failed");
      return;
    }
    samples = r->sampleCount();
    benchmark::DoNotOptimize(r->families().data());
  }
  report(state, text.size(), samples);
}
BENCHMARK(BM_Parse)->Apply(bodies);

// What an owning API would cost: every string copied out of the body.
struct OwnedSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
};
struct OwnedFamily {
  std::string name, help;
  std::vector<OwnedSample> samples;
};

void BM_ParseAndOwn(benchmark::State& state) {
  const std::string& text = body(state.range(0));
  size_t samples = 0;
  for (auto _ : state) {
    Result<Exposition> r = parse(text, Format::kText004, ErrorPolicy::kLenient);
    if (!r.isOk()) {
      state.SkipWithError("parse failed");
      return;
    }
    std::vector<OwnedFamily> owned;
    owned.reserve(r->families().size());
    for (const Family& f : r->families()) {
      OwnedFamily& o = owned.emplace_back();
      o.name = f.name;
      o.help = f.help.value_or("");
      o.samples.reserve(f.samples.size());
      for (const Sample& s : f.samples) {
        OwnedSample& os = o.samples.emplace_back();
        os.name = s.name;
        os.value = s.value;
        os.labels.reserve(s.labels.size());
        for (const Label& l : s.labels) os.labels.emplace_back(l.name, l.value);
      }
    }
    samples = r->sampleCount();
    benchmark::DoNotOptimize(owned.data());
  }
  report(state, text.size(), samples);
}
BENCHMARK(BM_ParseAndOwn)->Apply(bodies);

// The same families as the protobuf exposition, encoded once by libprotobuf.
const std::string& protobufBody(int64_t index) {
  static std::vector<std::string> bodies = [] {
    std::vector<std::string> v;
    for (int64_t i = 0; i < 5; ++i) {
      Result<Exposition> r = parse(body(i), Format::kText004, ErrorPolicy::kLenient);
      v.push_back(testing::delimited(testing::toMetricFamilies(*r)));
    }
    return v;
  }();
  return bodies[static_cast<size_t>(index)];
}

void BM_DecodeProtobuf(benchmark::State& state) {
  const std::string& pb = protobufBody(state.range(0));
  size_t samples = 0;
  for (auto _ : state) {
    Result<Exposition> r = parseProtobuf(pb, ErrorPolicy::kLenient);
    if (!r.isOk() || r->errorCount() != 0) {
      state.SkipWithError("decode failed");
      return;
    }
    samples = r->sampleCount();
    benchmark::DoNotOptimize(r->families().data());
  }
  report(state, pb.size(), samples);
}
BENCHMARK(BM_DecodeProtobuf)->Apply(bodies);

}  // namespace
}  // namespace sextant::codec::prom

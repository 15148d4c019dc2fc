// Simple JSON and PBJSON decode/encode speed over the metric benchmark corpus
// (10,000 series x 100 steps), cut into bodies of 5,000 points (about 1 MiB of simple JSON).
#include <benchmark/benchmark.h>

#include "bench/metric_corpus.h"
#include "codec/point_json/point_json.h"

namespace sextant::codec::json {
namespace {

constexpr size_t kPointsPerBody = 5000;

const std::vector<model::Point>& corpus() {
  static const auto* pts = new std::vector<model::Point>(bench::metricCorpus(10000, 100));
  return *pts;
}

std::span<const model::Point> batch(size_t i) {
  std::span<const model::Point> all(corpus());
  size_t start = i * kPointsPerBody;
  return all.subspan(start, std::min(kPointsPerBody, all.size() - start));
}

size_t batches() { return (corpus().size() + kPointsPerBody - 1) / kPointsPerBody; }

// The corpus encoded by `encode`, one body per batch.
template <typename Encode>
std::vector<std::string> bodies(Encode encode) {
  std::vector<std::string> out;
  for (size_t i = 0; i < batches(); ++i) encode(batch(i), &out.emplace_back());
  return out;
}

const std::vector<std::string>& jsonBodies() {
  static const auto* b = new std::vector<std::string>(
      bodies([](std::span<const model::Point> pts, std::string* out) { encodeJson(pts, out); }));
  return *b;
}

const std::vector<std::string>& pbJsonBodies() {
  static const auto* b = new std::vector<std::string>(bodies(
      [](std::span<const model::Point> pts, std::string* out) { encodePbJson(pts, {}, out); }));
  return *b;
}

size_t totalBytes(const std::vector<std::string>& bodies) {
  size_t n = 0;
  for (const auto& b : bodies) n += b.size();
  return n;
}

void setCounters(benchmark::State& state, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["points/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * corpus().size()), benchmark::Counter::kIsRate);
}

void BM_JsonDecode(benchmark::State& state) {
  const auto& b = jsonBodies();
  for (auto _ : state) {
    for (const std::string& body : b) {
      auto r = decodeJson(body, model::Category::kMetric, 0);
      if (!r.isOk()) state.SkipWithError(r.status().toString().c_str());
      benchmark::DoNotOptimize(r);
    }
  }
  setCounters(state, totalBytes(b));
}
BENCHMARK(BM_JsonDecode)->Unit(benchmark::kMillisecond);

void BM_JsonEncode(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    for (size_t i = 0; i < batches(); ++i) {
      out.clear();
      encodeJson(batch(i), &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  setCounters(state, totalBytes(jsonBodies()));
}
BENCHMARK(BM_JsonEncode)->Unit(benchmark::kMillisecond);

void BM_PbJsonDecode(benchmark::State& state) {
  const auto& b = pbJsonBodies();
  for (auto _ : state) {
    for (const std::string& body : b) {
      auto r = decodePbJson(body, model::Category::kMetric);
      if (!r.isOk()) state.SkipWithError(r.status().toString().c_str());
      benchmark::DoNotOptimize(r);
    }
  }
  setCounters(state, totalBytes(b));
}
BENCHMARK(BM_PbJsonDecode)->Unit(benchmark::kMillisecond);

void BM_PbJsonEncode(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    for (size_t i = 0; i < batches(); ++i) {
      out.clear();
      encodePbJson(batch(i), {}, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  setCounters(state, totalBytes(pbJsonBodies()));
}
BENCHMARK(BM_PbJsonEncode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::codec::json

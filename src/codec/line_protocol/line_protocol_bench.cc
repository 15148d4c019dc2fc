// Line protocol decode/encode throughput over the metric corpus (bench/metric_corpus.h): 4 tags and
// 5 float fields per point, ~126 bytes per line. Each benchmark runs on the 10,000 series x 100
// steps corpus (126 MB of text, the reference size) and on a 1,000 x 1 corpus whose text and
// points stay in the CPU caches (parser cost without memory bandwidth). Sanitizer builds (the bench
// smoke test of the test tree) use 100 x 10 only, so the smoke run stays quick.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/metric_corpus.h"
#include "codec/line_protocol/line_protocol.h"

namespace sextant::codec::lp {
namespace {

struct Corpus {
  std::vector<model::Point> points;
  std::string text;  // encode(points)
};

// The corpus of state.range(0) series x state.range(1) steps, built once.
const Corpus& corpus(const benchmark::State& state) {
  static std::map<std::pair<int64_t, int64_t>, Corpus> built;
  auto key = std::make_pair(state.range(0), state.range(1));
  auto it = built.find(key);
  if (it == built.end()) {
    Corpus c;
    c.points = bench::metricCorpus(static_cast<size_t>(key.first), static_cast<size_t>(key.second));
    encode(c.points, &c.text);
    it = built.emplace(key, std::move(c)).first;
  }
  return it->second;
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMillisecond)->ArgNames({"series", "steps"});
#if defined(__SANITIZE_ADDRESS__)
  b->Args({100, 10});
#else
  b->Args({10'000, 100})->Args({1'000, 1})->MinWarmUpTime(1);  // warm-up: heap faulted in
#endif
}

void reportRates(benchmark::State& state, size_t bytes, size_t points) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["points/s"] = benchmark::Counter(static_cast<double>(state.iterations() * points),
                                                  benchmark::Counter::kIsRate);
  state.counters["bytes/line"] = static_cast<double>(bytes) / static_cast<double>(points);
}

DecodeOptions nanosecondOptions() {
  DecodeOptions opts;
  opts.precision = Precision::kNanosecond;
  return opts;
}

// Decoding only: freeing the previous iteration's points is not timed.
void BM_Decode(benchmark::State& state) {
  const Corpus& c = corpus(state);
  const DecodeOptions opts = nanosecondOptions();
  DecodeResult result;
  for (auto _ : state) {
    state.PauseTiming();
    result = DecodeResult{};
    state.ResumeTiming();
    result = decode(c.text, opts);
    benchmark::DoNotOptimize(result.points.data());
  }
  if (!result.ok() || result.points.size() != c.points.size()) {
    state.SkipWithError("decode failed");
    return;
  }
  reportRates(state, c.text.size(), c.points.size());
}
BENCHMARK(BM_Decode)->Apply(sizes);

// Decoding and freeing the points: what a caller that drops the batch pays in total.
void BM_DecodeAndFree(benchmark::State& state) {
  const Corpus& c = corpus(state);
  const DecodeOptions opts = nanosecondOptions();
  for (auto _ : state) {
    DecodeResult result = decode(c.text, opts);
    benchmark::DoNotOptimize(result.points.data());
  }
  reportRates(state, c.text.size(), c.points.size());
}
BENCHMARK(BM_DecodeAndFree)->Apply(sizes);

// The corpus as DataKit uploads it: bodies of at most 1 MiB (max_raw_body_size), each decoded and
// freed in turn, so the heap stays warm as in a long-running server.
void BM_DecodeBodies1MiB(benchmark::State& state) {
  const Corpus& c = corpus(state);
  std::vector<std::string_view> bodies;
  for (size_t start = 0; start < c.text.size();) {
    size_t end = std::min(c.text.size(), start + (size_t{1} << 20));
    if (end < c.text.size()) end = c.text.rfind('\n', end - 1) + 1;
    bodies.push_back(std::string_view(c.text).substr(start, end - start));
    start = end;
  }
  const DecodeOptions opts = nanosecondOptions();
  for (auto _ : state) {
    for (std::string_view body : bodies) {
      DecodeResult result = decode(body, opts);
      benchmark::DoNotOptimize(result.points.data());
    }
  }
  reportRates(state, c.text.size(), c.points.size());
}
BENCHMARK(BM_DecodeBodies1MiB)->Apply(sizes);

void BM_Encode(benchmark::State& state) {
  const Corpus& c = corpus(state);
  std::string out;
  out.reserve(c.text.size());
  for (auto _ : state) {
    out.clear();
    encode(c.points, &out);
    benchmark::DoNotOptimize(out.data());
  }
  reportRates(state, out.size(), c.points.size());
}
BENCHMARK(BM_Encode)->Apply(sizes);

}  // namespace
}  // namespace sextant::codec::lp

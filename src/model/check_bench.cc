// Benchmarks of normalize() (model/check.h) on the metric corpus (bench/metric_corpus.h).
//
// BM_NormalizeValidMetrics/cold: 100,000 valid points (~70 MB, streamed from memory on every
//   pass). normalize() leaves valid points untouched, so the same vector is normalised again on
//   every iteration.
// BM_NormalizeValidMetrics/hot: 5,000 valid points (~3.5 MB) that stay in the CPU caches, as
//   points do when they are normalised right after decoding.
// BM_NormalizeRepairLogging: every point needs repairs (logging category: a dotted tag key, a
//   forbidden field, no status); each batch is copied with the timer paused.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/metric_corpus.h"
#include "model/check.h"

namespace sextant::model {
namespace {

std::vector<Point> validCorpus(size_t series, size_t steps) {
  std::vector<Point> pts = bench::metricCorpus(series, steps);
  for (const Point& p : pts) {
    if (!isNormalized(p, CheckOptions{})) {
      std::fprintf(stderr, "corpus point is not normalised: %s\n", debugString(p).c_str());
      std::abort();
    }
  }
  return pts;
}

void BM_NormalizeValidMetrics(benchmark::State& state) {
  const bool hot = state.range(0) == 1;
  // A copy lays each point's tag and field arrays out one after the other, as a decoder that
  // builds points in order does (the generator's growing vectors leave them scattered).
  std::vector<Point> pts;
  {
    const std::vector<Point> generated = hot ? validCorpus(5'000, 1) : validCorpus(10'000, 10);
    pts = generated;
  }
  const CheckOptions opts;
  std::vector<Warning> warnings;
  for (auto _ : state) {
    for (Point& p : pts) {
      Status s = normalize(p, opts, &warnings);
      benchmark::DoNotOptimize(s);
    }
  }
  if (!warnings.empty()) state.SkipWithError("valid corpus produced warnings");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pts.size()));
  state.SetLabel(hot ? "hot" : "cold");
}
BENCHMARK(BM_NormalizeValidMetrics)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_NormalizeRepairLogging(benchmark::State& state) {
  std::vector<Point> source = bench::metricCorpus(10'000, 1);
  for (Point& p : source) {
    p.category = Category::kLogging;
    p.tags[1].key = "cloud.region";
    p.addField("source", std::string("bench"));
    p.addField("message", std::string("GET /index.html 200"));
  }
  const CheckOptions opts;
  std::vector<Point> pts;
  std::vector<Warning> warnings;
  for (auto _ : state) {
    state.PauseTiming();
    pts = source;
    warnings.clear();
    state.ResumeTiming();
    for (Point& p : pts) {
      Status s = normalize(p, opts, &warnings);
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * source.size()));
}
BENCHMARK(BM_NormalizeRepairLogging)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::model

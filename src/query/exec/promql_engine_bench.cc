// evalRange of `sum by (region) (rate(bench_f0[1m]))` over 1000 series x 1 h at 10 s, from an
// in-memory Queryable (the evaluator alone, no storage). SEXTANT_BENCH_SMOKE: 50 series.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "query/exec/promql_engine.h"
#include "query/promql/parser.h"

namespace sextant::query::promql {
namespace {

constexpr int64_t kStep = 10'000;
constexpr int64_t kHour = 3'600'000;

int seriesCount() { return std::getenv("SEXTANT_BENCH_SMOKE") ? 50 : 1000; }

MemoryQueryable& data() {
  static MemoryQueryable* q = [] {
    int series = seriesCount();
    auto* m = new MemoryQueryable();
    for (int i = 0; i < series; ++i) {
      PromSeries s;
      s.labels = {{"__name__", "bench_f0"},
                  {"host", "host-" + std::to_string(i)},
                  {"region", "region-" + std::to_string(i % 10)}};
      double v = 0;
      for (int64_t t = 0; t <= kHour; t += kStep) {
        v += static_cast<double>((i * 7 + t / kStep) % 13);
        s.time_ms.push_back(t);
        s.values.push_back(v);
      }
      m->add(std::move(s));
    }
    return m;
  }();
  return *q;
}

void runQuery(benchmark::State& state, const char* query) {
  MemoryQueryable& q = data();
  auto e = parse(query);
  if (!e.isOk()) {
    state.SkipWithError("parse");
    return;
  }
  size_t points = 0;
  for (auto _ : state) {
    auto r = evalRange(q, **e, 0, kHour, kStep);
    if (!r.isOk()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    points = 0;
    for (const auto& s : r->series) points += s.v.size();
    benchmark::DoNotOptimize(points);
  }
  state.counters["out_points"] = static_cast<double>(points);
  state.counters["in_samples/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) *
                             static_cast<double>(kHour / kStep + 1) * seriesCount(),
                         benchmark::Counter::kIsRate);
}

void BM_SumByRegionRate(benchmark::State& state) {
  runQuery(state, "sum by (region) (rate(bench_f0[1m]))");
}
BENCHMARK(BM_SumByRegionRate)->Unit(benchmark::kMillisecond);

void BM_HistogramLikeTopk(benchmark::State& state) {
  runQuery(state, "topk(5, avg_over_time(bench_f0[5m]))");
}
BENCHMARK(BM_HistogramLikeTopk)->Unit(benchmark::kMillisecond);

void BM_BinaryGroupLeft(benchmark::State& state) {
  runQuery(state,
           "rate(bench_f0[1m]) / on(region) group_left sum by (region) (rate(bench_f0[1m]))");
}
BENCHMARK(BM_BinaryGroupLeft)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::query::promql

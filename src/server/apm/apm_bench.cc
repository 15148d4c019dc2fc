// apm_bench: spans per second through ApmDeriver::observe() + tick() for Bookinfo-shaped traces
// (6 or 8 spans each, as the server's ingest hands them over: one observe() per batch).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "server/apm/apm_deriver.h"
#include "server/apm/bookinfo_testing.h"

namespace sextant::apm {
namespace {

constexpr int64_t kBaseUs = 1'700'000'040'000'000;

// Pre-generated batches of tracing points (100 traces per batch, like one agent upload).
std::vector<std::vector<model::Point>> makeBatches(int traces, bool shared_ids) {
  testing::Bookinfo gen(shared_ids, 7, kBaseUs, 1000);
  std::vector<std::vector<model::Point>> batches;
  for (int t = 0; t < traces; ++t) {
    if (t % 100 == 0) batches.emplace_back();
    for (const testing::SpanSpec& s : gen.next())
      batches.back().push_back(testing::tracingPoint(s));
  }
  return batches;
}

void BM_ObserveAndTick(benchmark::State& state) {
  const bool shared = state.range(0) != 0;
  const int traces = std::getenv("SEXTANT_BENCH_SMOKE") ? 200 : 20000;
  const auto batches = makeBatches(traces, shared);
  size_t spans = 0;
  for (const auto& b : batches) spans += b.size();
  int64_t points = 0;
  for (auto _ : state) {
    int64_t now = kBaseUs * 1000;
    ApmDeriver d(
        DeriverOptions{},
        [&](const std::string&, std::vector<model::Point>&& p) {
          points += static_cast<int64_t>(p.size());
          return Status::ok();
        },
        [&] { return now; });
    // Each batch arrives 1 ms apart (20k traces over 200 ms of data); a tick every 50 batches,
    // then enough time for every trace to go idle and every minute to close.
    for (size_t i = 0; i < batches.size(); ++i) {
      d.observe("ws", batches[i]);
      now += 1'000'000;
      if (i % 50 == 49) benchmark::DoNotOptimize(d.tick());
    }
    now += 200'000'000'000;
    benchmark::DoNotOptimize(d.tick());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * spans));
  state.counters["points"] =
      benchmark::Counter(static_cast<double>(points) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_ObserveAndTick)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::apm

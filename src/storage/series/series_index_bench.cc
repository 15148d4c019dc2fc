// SeriesIndex benches (in memory: MemFileSystem, so the numbers are the index's, not the disk's):
// - GetOrCreateExisting: the ingest hot path, 10k series of measurement "bench" with 4 tags
//   (host=host-00001,region=region-1,dc=dc-1,service=svc-01), looked up round robin; 1/4/8 threads
//   share one index.
// - Create: new series per iteration (buffered log writes included; no sync).
// - SelectEq: select("bench", {region == region-3}) over the 10k series (1000 ids returned).
// Counters: ops/s (all threads); bytes/series (log) and mem/series (stats().memory_bytes).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/testing/mem_file_system.h"
#include "storage/series/series_index.h"

namespace sextant::storage {
namespace {

constexpr int kSeries = 10000;

std::vector<model::Tag> benchTags(int i) {
  char host[32];
  std::snprintf(host, sizeof(host), "host-%05d", i);
  char svc[16];
  std::snprintf(svc, sizeof(svc), "svc-%02d", i % 20);
  return {{"dc", "dc-" + std::to_string(i % 4)},
          {"host", host},
          {"region", "region-" + std::to_string(i % 10)},
          {"service", svc}};
}

struct Fixture {
  sextant::testing::MemFileSystem fs;
  std::unique_ptr<SeriesIndex> idx;
  std::vector<std::vector<model::Tag>> tags;
  Fixture() {
    (void)fs.createDirs("/b");
    idx = std::move(SeriesIndex::open(fs, "/b/series.log")).value();
    for (int i = 0; i < kSeries; ++i) {
      tags.push_back(benchTags(i));
      (void)idx->getOrCreate("bench", tags.back());
    }
    (void)idx->sync();
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture;  // shared by every bench and thread, never destroyed
  return *f;
}

void BM_GetOrCreateExisting(benchmark::State& state) {
  Fixture& f = fixture();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    Result<std::uint64_t> id = f.idx->getOrCreate("bench", f.tags[i % kSeries]);
    benchmark::DoNotOptimize(id);
    ++i;
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    const SeriesIndexStats s = f.idx->stats();
    state.counters["bytes/series"] =
        static_cast<double>(s.log_bytes - 16) / static_cast<double>(s.series);
    state.counters["mem/series"] =
        static_cast<double>(s.memory_bytes) / static_cast<double>(s.series);
  }
}
BENCHMARK(BM_GetOrCreateExisting)->Threads(1)->Threads(4)->Threads(8)->UseRealTime();

void BM_Create(benchmark::State& state) {
  sextant::testing::MemFileSystem fs;
  (void)fs.createDirs("/b");
  std::unique_ptr<SeriesIndex> idx = std::move(SeriesIndex::open(fs, "/b/series.log")).value();
  int i = 0;
  for (auto _ : state) {
    Result<std::uint64_t> id = idx->getOrCreate("bench", benchTags(i++));
    benchmark::DoNotOptimize(id);
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  const SeriesIndexStats s = idx->stats();
  state.counters["mem/series"] = static_cast<double>(s.memory_bytes) /
                                 static_cast<double>(std::max<std::uint64_t>(s.series, 1));
}
BENCHMARK(BM_Create);

void BM_SelectEq(benchmark::State& state) {
  Fixture& f = fixture();
  const std::vector<TagMatcher> matchers{{"region", TagMatcher::kEq, {"region-3"}}};
  std::size_t n = 0;
  for (auto _ : state) {
    Result<std::vector<std::uint64_t>> ids = f.idx->select("bench", matchers);
    n = ids->size();
    benchmark::DoNotOptimize(ids);
  }
  if (n != kSeries / 10) state.SkipWithError("wrong result size");
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SelectEq);

void BM_SelectEqAndRegex(benchmark::State& state) {
  Fixture& f = fixture();
  const std::vector<TagMatcher> matchers{{"region", TagMatcher::kEq, {"region-3"}},
                                         {"host", TagMatcher::kRegex, {"host-0.*3"}}};
  for (auto _ : state) {
    Result<std::vector<std::uint64_t>> ids = f.idx->select("bench", matchers);
    benchmark::DoNotOptimize(ids);
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SelectEqAndRegex);

}  // namespace
}  // namespace sextant::storage

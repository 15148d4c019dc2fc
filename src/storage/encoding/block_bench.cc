// Column block encode/decode speed and size on the gen_lp workload shape (bench/metric_corpus.h:
// 10 s spacing, random walks rounded to 2 decimals), one granule (8192 rows) per block, rows in
// part order (series, time): 82 series x 100 steps.
// Counters: bytes/value (block bytes per row), values/s, codec (the id chosen), zstd (0/1);
// bytes_per_second counts 8 input bytes per value (the in-memory size of int64/double), so MB/s
// compares across codecs.
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/metric_corpus.h"
#include "storage/encoding/block.h"

namespace sextant::storage::encoding {
namespace {

constexpr std::size_t kRows = 8192;

struct Workload {
  std::vector<std::int64_t> times;        // per series 100 steps of 10 s, series after series
  std::vector<std::int64_t> times_one;    // one series: 8192 steps of 10 s
  std::vector<double> walk;               // field f0 of those rows
  std::vector<double> walk_gorilla;       // the same with one value that is no short decimal
  std::vector<double> constant;           // one value
  std::vector<double> counter;            // a float counter: increments of 0..100
  std::vector<std::uint64_t> series_ids;  // runs of 100
  std::vector<std::string> hosts;         // tag values, one per series
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    const std::vector<model::Point> points = bench::metricCorpus(100, 100);
    // The corpus is timestamp-major; regroup by series (host tag) as a part stores rows.
    std::map<std::string, std::vector<const model::Point*>> by_series;
    for (const model::Point& p : points) by_series[p.tags[0].value].push_back(&p);
    std::uint64_t id = 1000;
    for (const auto& [host, rows] : by_series) {
      ++id;
      for (const model::Point* p : rows) {
        if (out.times.size() == kRows) break;
        out.times.push_back(p->time_ns);
        out.walk.push_back(std::get<double>(p->fields[0].value));
        out.series_ids.push_back(id);
        out.hosts.push_back(host);
      }
    }
    out.walk_gorilla = out.walk;
    out.walk_gorilla[0] = std::nextafter(out.walk_gorilla[0], 1e9);  // rules out `decimal`
    std::mt19937_64 rng(3);
    double c = 1e6;
    for (std::size_t i = 0; i < kRows; ++i) {
      out.times_one.push_back(1'700'000'000'000'000'000LL +
                              static_cast<std::int64_t>(i) * 10'000'000'000LL);
      out.constant.push_back(42.5);
      c += static_cast<double>(rng() % 101);
      out.counter.push_back(c);
    }
    return out;
  }();
  return w;
}

void report(benchmark::State& state, std::size_t rows, const std::string& block) {
  const std::size_t block_bytes = block.size();
  // The header's codec id and zstd flag (docs/formats/column-blocks.md).
  state.counters["codec"] = block.size() > 7 ? static_cast<unsigned char>(block[6]) : 0;
  state.counters["zstd"] = block.size() > 7 ? block[7] & 1 : 0;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * rows * 8));
  state.counters["values/s"] = benchmark::Counter(static_cast<double>(state.iterations() * rows),
                                                  benchmark::Counter::kIsRate);
  state.counters["bytes/value"] =
      static_cast<double>(block_bytes) / static_cast<double>(rows == 0 ? 1 : rows);
}

void encodeBench(benchmark::State& state, const ColumnValues& v, BlockHint hint) {
  std::string out;
  const std::size_t rows = columnSize(v);
  for (auto _ : state) {
    out.clear();
    encodeBlock(v, {}, 0, rows, hint, &out);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, rows, out);
}

void decodeBench(benchmark::State& state, const ColumnValues& v, BlockHint hint) {
  std::string block;
  const std::size_t rows = columnSize(v);
  encodeBlock(v, {}, 0, rows, hint, &block);
  ColumnValues out = v;
  std::vector<std::uint8_t> present;
  for (auto _ : state) {
    std::visit([](auto& vec) { vec.clear(); }, out);
    if (!decodeBlock(block, &out, &present).isOk()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::ClobberMemory();
  }
  report(state, rows, block);
}

#define SEXTANT_BLOCK_BENCH(name, expr, hint)                                       \
  void BM_Encode##name(benchmark::State& state) { encodeBench(state, expr, hint); } \
  void BM_Decode##name(benchmark::State& state) { decodeBench(state, expr, hint); } \
  BENCHMARK(BM_Encode##name);                                                       \
  BENCHMARK(BM_Decode##name)

SEXTANT_BLOCK_BENCH(Timestamps, ColumnValues(workload().times), BlockHint::kTimestamps);
SEXTANT_BLOCK_BENCH(TimestampsOneSeries, ColumnValues(workload().times_one),
                    BlockHint::kTimestamps);
SEXTANT_BLOCK_BENCH(FloatsWalk, ColumnValues(workload().walk), BlockHint::kAuto);
SEXTANT_BLOCK_BENCH(FloatsWalkGorilla, ColumnValues(workload().walk_gorilla), BlockHint::kAuto);
SEXTANT_BLOCK_BENCH(FloatsConstant, ColumnValues(workload().constant), BlockHint::kAuto);
SEXTANT_BLOCK_BENCH(FloatsCounter, ColumnValues(workload().counter), BlockHint::kAuto);
SEXTANT_BLOCK_BENCH(SeriesIds, ColumnValues(workload().series_ids), BlockHint::kAuto);
SEXTANT_BLOCK_BENCH(TagStrings, ColumnValues(std::in_place_index<4>, workload().hosts),
                    BlockHint::kAuto);

}  // namespace
}  // namespace sextant::storage::encoding

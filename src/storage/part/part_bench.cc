// Part write and scan speed on the gen_lp workload shape (bench/metric_corpus.h: 10,000 series x
// 100 timestamps x 5 float fields rounded to 2 decimals, 10 s apart), one batch per series, on
// the real file system (a temp dir; finish() syncs). SEXTANT_BENCH_SMOKE cuts the corpus to
// 200 x 10.
// Counters: rows/s, values/s (rows x 5 fields), bytes/value (part file bytes per float value).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/metric_corpus.h"
#include "core/testing/temp_dir.h"
#include "storage/part/part.h"

namespace sextant::storage {
namespace {

constexpr int kFields = 5;

// The corpus as one ColumnBatch per series (series ids 1..n), in part order.
const std::vector<ColumnBatch>& batches() {
  static const std::vector<ColumnBatch> out = [] {
    const std::vector<model::Point> pts = bench::metricCorpus(10'000, 100);
    std::size_t series = 0;
    while (series < pts.size() && pts[series].time_ns == pts[0].time_ns) ++series;
    const std::size_t steps = series == 0 ? 0 : pts.size() / series;
    std::vector<ColumnBatch> b(series);
    for (std::size_t i = 0; i < series; ++i) {
      b[i].measurement = "bench";
      b[i].series_id = i + 1;
      static const char* const kNames[kFields] = {"f0", "f1", "f2", "f3", "f4"};
      for (int k = 0; k < kFields; ++k) {
        b[i].columns.push_back(Column{
            kNames[k], ColumnKind::kField, model::FieldType::kFloat, std::vector<double>{}, {}});
      }
      for (std::size_t s = 0; s < steps; ++s) {
        const model::Point& p = pts[s * series + i];
        b[i].time_ns.push_back(p.time_ns);
        for (int k = 0; k < kFields; ++k) {
          std::get<2>(b[i].columns[static_cast<std::size_t>(k)].values)
              .push_back(std::get<double>(p.fields[static_cast<std::size_t>(k)].value));
        }
      }
    }
    return b;
  }();
  return out;
}

std::uint64_t corpusRows() {
  std::uint64_t n = 0;
  for (const ColumnBatch& b : batches()) n += b.rows();
  return n;
}

Result<PartInfo> writeCorpus(const std::string& path) {
  PartWriter w(realFileSystem(), path, {});
  for (const ColumnBatch& b : batches()) SEXTANT_RETURN_IF_ERROR(w.add(b));
  return w.finish();
}

// Writes the corpus to path and opens it; nullptr (and the bench skipped) on failure.
std::unique_ptr<PartReader> writeAndOpenCorpus(benchmark::State& state, const std::string& path,
                                               PartInfo* info) {
  Result<PartInfo> written = writeCorpus(path);
  auto r = PartReader::open(realFileSystem(), path);
  if (!written.isOk() || !r.isOk()) {
    state.SkipWithError("write or open failed");
    return nullptr;
  }
  *info = *written;
  return std::move(r).value();
}

void setCounters(benchmark::State& state, std::uint64_t rows_per_iter, const PartInfo& info) {
  const double rows = static_cast<double>(state.iterations() * rows_per_iter);
  state.counters["rows/s"] = benchmark::Counter(rows, benchmark::Counter::kIsRate);
  state.counters["values/s"] = benchmark::Counter(rows * kFields, benchmark::Counter::kIsRate);
  state.counters["bytes/value"] =
      static_cast<double>(info.file_bytes) / static_cast<double>(info.rows * kFields);
}

void BM_PartWrite(benchmark::State& state) {
  ::sextant::testing::TempDir dir;
  const std::uint64_t rows = corpusRows();
  PartInfo last;
  for (auto _ : state) {
    Result<PartInfo> info = writeCorpus(dir.path() + "/part");
    if (!info.isOk()) {
      state.SkipWithError(info.status().toString().c_str());
      return;
    }
    last = *info;
  }
  setCounters(state, rows, last);
}
BENCHMARK(BM_PartWrite)->Unit(benchmark::kMillisecond);

// Full scan, all columns (arg 0), or no columns (arg 1: time and series only).
void BM_PartScan(benchmark::State& state) {
  ::sextant::testing::TempDir dir;
  PartInfo info;
  std::unique_ptr<PartReader> r = writeAndOpenCorpus(state, dir.path() + "/part", &info);
  if (r == nullptr) return;
  PartQuery q;
  q.no_columns = state.range(0) == 1;
  std::uint64_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    Status st = r->scan(q, [&](ColumnBatch&& b) {
      rows += b.rows();
      benchmark::DoNotOptimize(b);
      return Status::ok();
    });
    if (!st.isOk()) {
      state.SkipWithError(st.toString().c_str());
      return;
    }
  }
  setCounters(state, rows, info);
}
BENCHMARK(BM_PartScan)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Ten series out of all of them, one column: marks skip most granules.
void BM_PartScanTenSeries(benchmark::State& state) {
  ::sextant::testing::TempDir dir;
  PartInfo info;
  std::unique_ptr<PartReader> r = writeAndOpenCorpus(state, dir.path() + "/part", &info);
  if (r == nullptr) return;
  std::vector<std::uint64_t> series;
  for (std::uint64_t s = 1; s <= batches().size(); s += batches().size() / 10 + 1) {
    series.push_back(s);
  }
  PartQuery q;
  q.series = &series;
  q.columns = {"f0"};
  std::uint64_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    Status st = r->scan(q, [&](ColumnBatch&& b) {
      rows += b.rows();
      return Status::ok();
    });
    if (!st.isOk()) {
      state.SkipWithError(st.toString().c_str());
      return;
    }
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["scans/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PartScanTenSeries)->Unit(benchmark::kMicrosecond);

// Merging two parts that interleave (even and odd series) into one.
void BM_PartMerge(benchmark::State& state) {
  ::sextant::testing::TempDir dir;
  for (int half = 0; half < 2; ++half) {
    PartWriter w(realFileSystem(), dir.path() + "/in" + std::to_string(half), {});
    for (std::size_t i = static_cast<std::size_t>(half); i < batches().size(); i += 2) {
      if (!w.add(batches()[i]).isOk()) state.SkipWithError("add failed");
    }
    if (!w.finish().isOk()) state.SkipWithError("finish failed");
  }
  auto a = PartReader::open(realFileSystem(), dir.path() + "/in0");
  auto b = PartReader::open(realFileSystem(), dir.path() + "/in1");
  if (!a.isOk() || !b.isOk()) {
    state.SkipWithError("open failed");
    return;
  }
  const std::vector<const PartReader*> in = {a->get(), b->get()};
  PartInfo last;
  for (auto _ : state) {
    Result<PartInfo> info = mergeParts(realFileSystem(), in, dir.path() + "/out", {});
    if (!info.isOk()) {
      state.SkipWithError(info.status().toString().c_str());
      return;
    }
    last = *info;
  }
  setCounters(state, corpusRows(), last);
}
BENCHMARK(BM_PartMerge)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::storage

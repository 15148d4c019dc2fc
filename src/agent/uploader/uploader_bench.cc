// write() throughput: encode (protobuf or line protocol) + gzip + disk queue put, on the real
// file system in a temp dir, with no sender running (nothing is POSTed). Points are the shared
// metric corpus (bench/metric_corpus.h), written in batches of 1,000 (DataKit's
// max_cache_count).
#include <benchmark/benchmark.h>

#include "agent/uploader/uploader.h"
#include "bench/metric_corpus.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent {
namespace {

// Never called: the benchmarked uploader is not started.
class NoClient final : public net::HttpClient {
 public:
  Result<net::ClientResponse> send(const net::ClientRequest&) override {
    return unavailable("benchmark");
  }
};

const std::vector<model::Point>& corpus() {
  static const std::vector<model::Point> pts = bench::metricCorpus(1000, 20);
  return pts;
}

// gzip_level < 0: the default (ISA-L); otherwise libdeflate at that level.
void runWrite(benchmark::State& state, UploaderOptions::Encoding encoding, bool gzip,
              int gzip_level = -1) {
  const auto& pts = corpus();
  constexpr size_t kBatch = 1000;
  std::vector<std::vector<model::Point>> batches;
  for (size_t i = 0; i < pts.size(); i += kBatch) {
    batches.emplace_back(pts.begin() + i, pts.begin() + std::min(pts.size(), i + kBatch));
  }
  sextant::testing::TempDir dir;
  NoClient client;
  UploaderOptions o;
  o.urls = {"http://127.0.0.1:9?token=tkn_bench"};
  o.queue_dir = dir.path();
  o.encoding = encoding;
  o.gzip = gzip;
  o.gzip_fast = gzip_level < 0;
  o.gzip_level = gzip_level;
  o.queue_max_bytes = 1ull << 30;  // drop-oldest keeps the disk use bounded on long runs
  auto u = Uploader::create(o, realFileSystem(), client);
  if (!u.isOk()) {
    state.SkipWithError(u.status().toString().c_str());
    return;
  }
  size_t points = 0;
  size_t next = 0;
  for (auto _ : state) {
    const auto& b = batches[next];
    next = (next + 1) % batches.size();
    Status st = (*u)->write(model::Category::kMetric, b);
    if (!st.isOk()) {
      state.SkipWithError(st.toString().c_str());
      break;
    }
    points += b.size();
  }
  auto stats = (*u)->stats();
  if (!stats.lanes.empty()) {
    const auto& l = stats.lanes[0];
    state.counters["raw_B_per_point"] =
        benchmark::Counter(static_cast<double>(l.raw_bytes_written) / std::max<size_t>(1, points));
    state.counters["queued_B_per_point"] =
        benchmark::Counter(static_cast<double>(l.bytes_written) / std::max<size_t>(1, points));
  }
  state.SetItemsProcessed(static_cast<int64_t>(points));
}

void BM_WriteProtobufGzip(benchmark::State& s) {
  runWrite(s, UploaderOptions::Encoding::kProtobuf, true);
}
void BM_WriteLineProtocolGzip(benchmark::State& s) {
  runWrite(s, UploaderOptions::Encoding::kLineProtocol, true);
}
void BM_WriteProtobufGzipLevel1(benchmark::State& s) {
  runWrite(s, UploaderOptions::Encoding::kProtobuf, true, 1);
}
void BM_WriteProtobufGzipLevel6(benchmark::State& s) {
  runWrite(s, UploaderOptions::Encoding::kProtobuf, true, 6);
}
void BM_WriteProtobufNoGzip(benchmark::State& s) {
  runWrite(s, UploaderOptions::Encoding::kProtobuf, false);
}
BENCHMARK(BM_WriteProtobufGzip)->UseRealTime();
BENCHMARK(BM_WriteLineProtocolGzip)->UseRealTime();
BENCHMARK(BM_WriteProtobufGzipLevel1)->UseRealTime();
BENCHMARK(BM_WriteProtobufGzipLevel6)->UseRealTime();
BENCHMARK(BM_WriteProtobufNoGzip)->UseRealTime();

}  // namespace
}  // namespace sextant::agent

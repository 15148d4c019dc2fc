// PBPoints decode/encode speed over the metric benchmark corpus (10,000 series x 100 steps).
//
// The corpus is cut into upload-sized bodies (at most 1 MiB, as DataKit uploads) and one
// iteration decodes or encodes all of them; bytes and points are counted over the whole
// corpus. BM_PbDecodeOneBody decodes the corpus as one 160+ MB body instead: its time is
// dominated by the kernel zeroing the ~700 MB of fresh memory the decoded points occupy.
#include <benchmark/benchmark.h>

#include "bench/metric_corpus.h"
#include "codec/point_pb/point_pb.h"

namespace sextant::codec::pb {
namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;

const std::vector<model::Point>& corpus() {
  static const auto* pts = new std::vector<model::Point>(bench::metricCorpus(10000, 100));
  return *pts;
}

// The corpus as consecutive bodies of at most kMaxBodyBytes, and how many points each holds.
struct Bodies {
  std::vector<std::string> bodies;
  std::vector<size_t> counts;
  size_t bytes = 0;
};

const Bodies& bodies() {
  static const auto* b = [] {
    auto* out = new Bodies;
    std::string body, one;
    size_t n = 0;
    for (const model::Point& p : corpus()) {
      one.clear();
      encode(std::span<const model::Point>(&p, 1), &one);
      if (body.size() + one.size() > kMaxBodyBytes) {
        out->bodies.push_back(std::move(body));
        out->counts.push_back(n);
        body.clear();
        n = 0;
      }
      body += one;
      ++n;
    }
    out->bodies.push_back(std::move(body));
    out->counts.push_back(n);
    for (const auto& s : out->bodies) out->bytes += s.size();
    return out;
  }();
  return *b;
}

void setCounters(benchmark::State& state, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["points/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * corpus().size()), benchmark::Counter::kIsRate);
}

void BM_PbDecode(benchmark::State& state) {
  const Bodies& b = bodies();
  for (auto _ : state) {
    for (const std::string& body : b.bodies) {
      auto r = decode(body, model::Category::kMetric);
      if (!r.isOk()) state.SkipWithError(r.status().toString().c_str());
      benchmark::DoNotOptimize(r);
    }
  }
  setCounters(state, b.bytes);
}
BENCHMARK(BM_PbDecode)->Unit(benchmark::kMillisecond);

void BM_PbEncode(benchmark::State& state) {
  const auto& pts = corpus();
  const Bodies& b = bodies();
  std::string out;
  for (auto _ : state) {
    size_t start = 0;
    for (size_t n : b.counts) {
      out.clear();
      encode(std::span<const model::Point>(pts).subspan(start, n), &out);
      benchmark::DoNotOptimize(out.data());
      start += n;
    }
  }
  setCounters(state, b.bytes);
}
BENCHMARK(BM_PbEncode)->Unit(benchmark::kMillisecond);

// The uploader's path (and the agent's /v1/write fast path): appendPoint() one point at a time
// into a body that is reused once it reaches the upload size.
void BM_PbAppendPoint(benchmark::State& state) {
  const auto& pts = corpus();
  std::string out;
  out.reserve(kMaxBodyBytes + 4096);
  for (auto _ : state) {
    for (const model::Point& p : pts) {
      if (out.size() >= kMaxBodyBytes) out.clear();
      appendPoint(p, &out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state, bodies().bytes);
}
BENCHMARK(BM_PbAppendPoint)->Unit(benchmark::kMillisecond);

void BM_PbDecodeOneBody(benchmark::State& state) {
  std::string body;
  encode(corpus(), &body);
  for (auto _ : state) {
    auto r = decode(body, model::Category::kMetric);
    if (!r.isOk()) state.SkipWithError(r.status().toString().c_str());
    benchmark::DoNotOptimize(r);
  }
  setCounters(state, body.size());
}
BENCHMARK(BM_PbDecodeOneBody)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::codec::pb

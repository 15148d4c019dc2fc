// Decompression speed on a line-protocol body: the metric corpus (bench/metric_corpus.h,
// 10,000 series x 10 steps) rendered as DataKit line protocol (~9 MB), compressed once per
// encoding. Reported bytes/s are decompressed bytes.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench/metric_corpus.h"
#include "codec/compression/compression.h"

namespace sextant::codec {
namespace {

const std::string& lineProtocolBody() {
  static const std::string body = [] {
    std::string out;
    char buf[512];
    for (const model::Point& p : bench::metricCorpus(10'000, 10)) {
      int n = std::snprintf(buf, sizeof(buf), "%s", p.measurement.c_str());
      out.append(buf, static_cast<size_t>(n));
      for (const model::Tag& t : p.tags) out += "," + t.key + "=" + t.value;
      char sep = ' ';
      for (const model::Field& f : p.fields) {
        n = std::snprintf(buf, sizeof(buf), "%c%s=%.17g", sep, f.key.c_str(),
                          std::get<double>(f.value));
        out.append(buf, static_cast<size_t>(n));
        sep = ',';
      }
      n = std::snprintf(buf, sizeof(buf), " %lld\n", static_cast<long long>(p.time_ns));
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }();
  return body;
}

void BM_Decompress(benchmark::State& state) {
  const auto enc = static_cast<ContentEncoding>(state.range(0));
  const std::string& body = lineProtocolBody();
  const std::string packed = compress(body, enc);
  for (auto _ : state) {
    Result<std::string> out = decompress(packed, enc, body.size());
    if (!out.isOk() || out->size() != body.size()) {
      state.SkipWithError("decompress failed");
      break;
    }
    benchmark::DoNotOptimize(out->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetLabel(std::string(contentEncodingName(enc)) + ", ratio " +
                 std::to_string(static_cast<double>(body.size()) / packed.size()).substr(0, 4));
}
BENCHMARK(BM_Decompress)
    ->Arg(static_cast<int>(ContentEncoding::kGzip))
    ->Arg(static_cast<int>(ContentEncoding::kZstd))
    ->Arg(static_cast<int>(ContentEncoding::kDeflate))
    ->Arg(static_cast<int>(ContentEncoding::kBrotli))
    ->Unit(benchmark::kMillisecond);

void BM_Compress(benchmark::State& state) {
  const auto enc = static_cast<ContentEncoding>(state.range(0));
  const std::string& body = lineProtocolBody();
  for (auto _ : state) {
    std::string packed = compress(body, enc);
    benchmark::DoNotOptimize(packed.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetLabel(std::string(contentEncodingName(enc)));
}
BENCHMARK(BM_Compress)
    ->Arg(static_cast<int>(ContentEncoding::kGzip))
    ->Arg(static_cast<int>(ContentEncoding::kZstd))
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::codec

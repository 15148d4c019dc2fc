// Benchmarks of the Pipeline functions on hot paths: grok on an nginx access line, time parsing.
#include <benchmark/benchmark.h>

#include "pipeline/funcs/grok.h"
#include "pipeline/funcs/time_parse.h"
#include "pipeline/funcs/user_agent.h"

namespace sextant::pipeline::funcs {
namespace {

constexpr std::string_view kNginxLine =
    R"L(172.17.0.1 - - [06/Jan/2023:08:01:13 +0000] "GET /api/v1/users?id=3 HTTP/1.1" 404 153 "-" )L"
    R"L("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")L";

void BM_GrokNginxAccess(benchmark::State& state) {
  auto p = GrokPattern::compile("%{NGINXACCESS}", GrokLibrary::builtin());
  if (!p.isOk()) {
    state.SkipWithError(p.status().toString().c_str());
    return;
  }
  std::vector<GrokCapture> caps;
  for (auto _ : state) {
    bool ok = p->match(kNginxLine, &caps);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kNginxLine.size()));
}
BENCHMARK(BM_GrokNginxAccess);

void BM_GrokCompileCombinedApache(benchmark::State& state) {
  for (auto _ : state) {
    auto p = GrokPattern::compile("%{COMBINEDAPACHELOG}", GrokLibrary::builtin());
    benchmark::DoNotOptimize(p.isOk());
  }
}
BENCHMARK(BM_GrokCompileCombinedApache);

void BM_ParseTimeAuto(benchmark::State& state, std::string_view text, std::string_view tz) {
  for (auto _ : state) {
    auto r = parseTimeAuto(text, tz);
    benchmark::DoNotOptimize(r.isOk());
  }
}
BENCHMARK_CAPTURE(BM_ParseTimeAuto, rfc3339, "2021-04-29T08:24:38.123456Z", "");
BENCHMARK_CAPTURE(BM_ParseTimeAuto, nginx, "29/Apr/2021:16:24:38 +0800", "");
BENCHMARK_CAPTURE(BM_ParseTimeAuto, local_shanghai, "2021-04-29 16:24:38", "Asia/Shanghai");
BENCHMARK_CAPTURE(BM_ParseTimeAuto, ansic, "Thu Apr 29 08:24:38 2021", "UTC");
BENCHMARK_CAPTURE(BM_ParseTimeAuto, epoch_ms, "1619684678123", "");

void BM_ParseTimeWithFormat(benchmark::State& state) {
  for (auto _ : state) {
    auto r =
        parseTimeWithFormat("2021-04-29 16:24:38.123", "2006-01-02 15:04:05.000", "Asia/Shanghai");
    benchmark::DoNotOptimize(r.isOk());
  }
}
BENCHMARK(BM_ParseTimeWithFormat);

void BM_UserAgent(benchmark::State& state) {
  for (auto _ : state) {
    auto info = parseUserAgent(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36");
    benchmark::DoNotOptimize(info.browser.data());
  }
}
BENCHMARK(BM_UserAgent);

}  // namespace
}  // namespace sextant::pipeline::funcs

// Pipeline throughput: a grok + default_time nginx access-log script per line (lines/s), and a
// json extraction script.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "pipeline/script.h"

namespace {

using namespace sextant;  // NOLINT

const char* kNginx = R"(
add_pattern("access_common", "%{NOTSPACE:client_ip} %{NOTSPACE:http_ident} %{NOTSPACE:http_auth} \\[%{HTTPDATE:time}\\] \"%{DATA:http_method} %{GREEDYDATA:http_url} HTTP/%{NUMBER:http_version}\" %{INT:status_code:int} %{INT:bytes:int}")
grok(_, '%{access_common} "%{DATA:referrer}" "%{DATA:agent}"')
group_between(status_code, [200, 299], "OK", status)
group_between(status_code, [400, 499], "warning", status)
group_between(status_code, [500, 599], "error", status)
default_time(time)
)";

std::vector<std::string> nginxLines() {
  std::vector<std::string> out;
  const char* methods[] = {"GET", "POST", "PUT"};
  const int codes[] = {200, 304, 404, 502};
  for (int i = 0; i < 64; ++i) {
    out.push_back("10.0." + std::to_string(i % 7) + "." + std::to_string(i) +
                  " - - [10/Oct/2023:13:" + std::to_string(10 + i % 50) + ":36 +0000] \"" +
                  methods[i % 3] + " /api/v1/items/" + std::to_string(i * 37) +
                  "?page=" + std::to_string(i) + " HTTP/1.1\" " + std::to_string(codes[i % 4]) +
                  " " + std::to_string(100 + i * 13) +
                  " \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0\"");
  }
  return out;
}

void runLines(benchmark::State& state, const char* src, const std::vector<std::string>& lines) {
  auto s = pipeline::Script::compile("bench.p", src);
  if (!s.isOk()) {
    state.SkipWithError(s.status().message().c_str());
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    model::Point pt;
    pt.category = model::Category::kLogging;
    pt.measurement = "nginx";
    pt.addField("message", lines[i++ % lines.size()]);
    pipeline::RunOutcome o = (*s)->run(&pt, 0);
    benchmark::DoNotOptimize(o);
    benchmark::DoNotOptimize(pt);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_NginxGrokDefaultTime(benchmark::State& state) { runLines(state, kNginx, nginxLines()); }
BENCHMARK(BM_NginxGrokDefaultTime);

void BM_JsonExtract(benchmark::State& state) {
  std::vector<std::string> lines;
  for (int i = 0; i < 64; ++i) {
    lines.push_back(R"({"service":"api","level":"info","trace":{"id":")" + std::to_string(i) +
                    R"("},"duration_ms":)" + std::to_string(i * 3) + R"(,"msg":"request done"})");
  }
  runLines(state, R"(json(_, service)
json(_, level, status)
json(_, trace.id, trace_id)
json(_, duration_ms)
cast(duration_ms, "int"))",
           lines);
}
BENCHMARK(BM_JsonExtract);

}  // namespace

// The range queries of ../shared/tools/query_bench.py (issue 10's comparison with Prometheus and
// VictoriaMetrics) evaluated in process over a real StorageEngine: storage scan + series source +
// evaluator, without HTTP, so a profiler sees the query path alone. The data has the shapes of
// query_bench.py gen (counters http_requests_total{job,service,instance,code}, a 10-bucket
// histogram http_request_duration_seconds_bucket, gauges node_memory_bytes; a sample every 15 s)
// with simpler values; bench/query-peers.sh is the side-by-side comparison.
//
// Environment: SEXTANT_BENCH_HOURS (default 24; SEXTANT_BENCH_SMOKE: 1), SEXTANT_BENCH_INSTANCES
// (default 1000 -> 2000 counters, 2000 buckets, 1000 gauges), SEXTANT_BENCH_DATA_DIR: keep the
// loaded engine there and reuse it on the next run (loading 24 h takes a while). To query the data
// of bench/query-peers.sh instead (a copy of a kept sextant data dir), also set
// SEXTANT_BENCH_WORKSPACE (its workspace id) and SEXTANT_BENCH_END_S (meta.json's end).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "query/exec/promql_engine.h"
#include "query/promql/parser.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query::promql {
namespace {

constexpr int64_t kStepS = 15;
constexpr int64_t kEndS = 1'700'000'000 / 60 * 60;

int64_t envInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

std::string workspace() {
  const char* v = std::getenv("SEXTANT_BENCH_WORKSPACE");
  return v != nullptr && *v != '\0' ? std::string(v) : std::string("bench");
}
int64_t endS() { return envInt("SEXTANT_BENCH_END_S", kEndS); }

int64_t hours() {
  return std::getenv("SEXTANT_BENCH_SMOKE") ? 1 : envInt("SEXTANT_BENCH_HOURS", 24);
}
int64_t instances() {
  return std::getenv("SEXTANT_BENCH_SMOKE") ? 20 : envInt("SEXTANT_BENCH_INSTANCES", 1000);
}

model::Point metric(std::string measurement, std::vector<model::Tag> tags, std::string field,
                    double v, int64_t t_s) {
  model::Point p;
  p.category = model::Category::kMetric;
  p.measurement = std::move(measurement);
  p.tags = std::move(tags);
  p.addField(std::move(field), v);
  p.time_ns = t_s * 1'000'000'000;
  return p;
}

// Writes the data set, one request per timestamp (every series at that time).
void load(storage::StorageEngine& e) {
  const int64_t n = hours() * 3600 / kStepS;
  const int64_t t0 = endS() - (n - 1) * kStepS;
  const int64_t inst = instances();
  static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                              "0.25",  "0.5",  "1",     "2.5",  "+Inf"};
  std::vector<double> counters(static_cast<size_t>(inst * 2), 0.0);
  std::vector<double> buckets(static_cast<size_t>(inst / 5 * 10), 0.0);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t t = t0 + k * kStepS;
    std::vector<model::Point> pts;
    for (int64_t i = 0; i < inst; ++i) {
      std::string svc = "svc-" + std::to_string(i % 50);
      std::string host = "host-" + std::to_string(i);
      for (int c = 0; c < 2; ++c) {
        double& v = counters[static_cast<size_t>(i * 2 + c)];
        v += static_cast<double>((i * 7 + k * (c + 1)) % (c == 0 ? 40 : 3));
        pts.push_back(metric("http",
                             {{"code", c == 0 ? "200" : "500"},
                              {"instance", host},
                              {"job", "api"},
                              {"service", svc}},
                             "requests_total", v, t));
      }
      if (i % 5 == 0) {
        double cum = 0;
        for (int b = 0; b < 10; ++b) {
          double& bv = buckets[static_cast<size_t>(i / 5 * 10 + b)];
          bv += cum + static_cast<double>((i + k + b) % 4);
          cum = bv;
          pts.push_back(metric("http",
                               {{"code", "200"},
                                {"instance", host},
                                {"job", "api"},
                                {"le", kLe[b]},
                                {"service", svc}},
                               "request_duration_seconds_bucket", bv, t));
        }
      }
      pts.push_back(metric("node", {{"instance", host}}, "memory_bytes",
                           1e9 + static_cast<double>((i * 13 + k) % 1000) * 1e6, t));
    }
    if (!storage::testing::writePoints(e, workspace(), model::Category::kMetric, std::move(pts))
             .isOk()) {
      std::fprintf(stderr, "write failed\n");
      std::abort();
    }
    if (k % 240 == 0)
      std::fprintf(stderr, "\rloading %lld/%lld", static_cast<long long>(k),
                   static_cast<long long>(n));
  }
  std::fprintf(stderr, "\rloaded %lld timestamps\n", static_cast<long long>(n));
  (void)e.flush();
}

storage::StorageEngine& engine() {
  static storage::StorageEngine* e = [] {
    const char* keep = std::getenv("SEXTANT_BENCH_DATA_DIR");
    std::string dir = keep != nullptr && *keep != '\0'
                          ? std::string(keep)
                          : (std::filesystem::temp_directory_path() /
                             ("sextant-promql-storage-bench-" + std::to_string(::getpid())))
                                .string();
    bool fresh = !std::filesystem::exists(dir + "/storage");
    auto opened = storage::testing::openTestEngine(dir);
    if (opened == nullptr) std::abort();
    if (fresh) load(*opened);
    if (keep == nullptr || *keep == '\0') {
      // A temp dir of our own: closed and removed at exit.
      static std::string temp_dir = dir;
      std::atexit([] {
        delete e;
        std::error_code ec;
        std::filesystem::remove_all(temp_dir, ec);
      });
    }
    return opened.release();
  }();
  return *e;
}

void runRange(benchmark::State& state, const char* query) {
  storage::StorageEngine& e = engine();
  auto expr = parse(query);
  if (!expr.isOk()) {
    state.SkipWithError("parse");
    return;
  }
  auto q = storageQueryable(e, workspace());
  const int64_t end_ms = endS() * 1000;
  const int64_t start_ms = end_ms - hours() * 3'600'000;
  for (auto _ : state) {
    auto r = evalRange(*q, **expr, start_ms, end_ms, 60'000);
    if (!r.isOk()) {
      state.SkipWithError(r.status().toString().c_str());
      return;
    }
    benchmark::DoNotOptimize(r);
  }
}

void BM_SumRate(benchmark::State& s) { runRange(s, "sum(rate(http_requests_total[5m]))"); }
void BM_SumByServiceRate(benchmark::State& s) {
  runRange(s, "sum by (service) (rate(http_requests_total[5m]))");
}
void BM_HistogramQuantile(benchmark::State& s) {
  runRange(
      s, "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))");
}
void BM_Topk(benchmark::State& s) {
  runRange(s, "topk(5, sum by (instance) (rate(http_requests_total{code=\"500\"}[5m])))");
}
void BM_AvgOverTime(benchmark::State& s) { runRange(s, "avg_over_time(node_memory_bytes[10m])"); }
void BM_Count(benchmark::State& s) { runRange(s, "count(node_memory_bytes)"); }

BENCHMARK(BM_SumRate)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_SumByServiceRate)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_HistogramQuantile)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_Topk)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_AvgOverTime)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_Count)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace
}  // namespace sextant::query::promql

// PromQL parse speed: typical dashboard queries (the query_bench.py set and an Istio panel),
// parsed from text to a type-checked tree, and printing a parsed tree back to text.
#include <benchmark/benchmark.h>

#include <string>

#include "query/promql/parser.h"

namespace sextant::query::promql {
namespace {

const char* const kQueries[] = {
    "sum(rate(http_requests_total[5m]))",
    "sum by (service) (rate(http_requests_total[5m]))",
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "topk(5, sum by (instance) (rate(http_requests_total{code=\"500\"}[5m])))",
    "avg_over_time(node_memory_bytes[10m])",
    "count(node_memory_bytes)",
    "round(sum(irate(istio_requests_total{reporter=\"destination\",destination_service=~\"svc\","
    "response_code!~\"5.*\"}[5m])) / sum(irate(istio_requests_total{reporter=\"destination\","
    "destination_service=~\"svc\"}[5m])), 0.01)",
};

void BM_Parse(benchmark::State& state) {
  const char* q = kQueries[state.range(0)];
  for (auto _ : state) {
    Result<ExprPtr> r = parse(q);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(q);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * std::string(q).size()));
}
BENCHMARK(BM_Parse)->DenseRange(0, static_cast<int>(std::size(kQueries)) - 1);

void BM_Print(benchmark::State& state) {
  Result<ExprPtr> r = parse(kQueries[state.range(0)]);
  for (auto _ : state) {
    std::string s = toString(**r);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Print)->Arg(2)->Arg(6);

}  // namespace
}  // namespace sextant::query::promql

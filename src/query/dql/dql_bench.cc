// DQL front-end cost per statement: parse, print and variable substitution of typical dashboard
// queries (a short select, a long select with many targets and conditions, an eval over two
// quoted subqueries). Queries are parsed once per HTTP request, so this only needs to stay far
// below the cost of running the query.
#include <benchmark/benchmark.h>

#include <string>

#include "query/dql/dql.h"

namespace sextant::query::dql {
namespace {

const char* const kQueries[] = {
    "M::cpu:(avg(usage_total)) {host='#{host}'} [1h::1m] BY host",
    "M::kube_deployment:(last(replicas_available), last(replicas_unavailable), "
    "last(replicas_ready), last(replicas_desired)) {cluster_name_k8s='#{cluster_name_k8s}', "
    "namespace='#{namespace}', deployment != re('test-.*'), status IN ['a', 'b', 'c']} "
    "[1d::5m:irate] BY deployment, namespace ORDER BY time DESC LIMIT 100 SLIMIT 20",
    "eval(A/B, A=\"M::istio_prom:(sum(istio_requests_total)) {reporter='destination', "
    "destination_service='#{service}', response_code!=re('5.*')}[:::rate]\", "
    "B=\"M::istio_prom:(sum(istio_requests_total)) {reporter='destination', "
    "destination_service='#{service}'}[:::rate]\")",
};

void BM_Parse(benchmark::State& state) {
  const char* text = kQueries[state.range(0)];
  for (auto _ : state) {
    Result<Query> q = parse(text);
    benchmark::DoNotOptimize(q);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::string_view(text).size()));
}
BENCHMARK(BM_Parse)->DenseRange(0, 2);

void BM_Print(benchmark::State& state) {
  Result<Query> q = parse(kQueries[state.range(0)]);
  if (!q.isOk()) {
    state.SkipWithError(q.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    std::string s = toString(*q);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Print)->DenseRange(0, 2);

void BM_Substitute(benchmark::State& state) {
  Result<Query> q = parse(kQueries[state.range(0)]);
  if (!q.isOk()) {
    state.SkipWithError(q.status().message().c_str());
    return;
  }
  Variables vars{{"host", {"web-1"}},
                 {"cluster_name_k8s", {"__all__"}},
                 {"namespace", {"prod", "staging"}},
                 {"service", {"reviews"}}};
  for (auto _ : state) {
    Result<Query> s = substituteVariables(*q, vars);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Substitute)->DenseRange(0, 2);

}  // namespace
}  // namespace sextant::query::dql

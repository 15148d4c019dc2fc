// Benches of the trace query paths: building a trace tree, and the routes over an engine holding
// 20,000 traces of 5 spans (100,000 spans with Zipkin messages, flushed to parts so the bloom
// filters over `message` are in play). SEXTANT_BENCH_SMOKE (ctest's smoke run under ASan): 500
// traces.
#include <benchmark/benchmark.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"
#include "server/trace_api/trace_api.h"
#include "server/trace_api/trace_model.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

constexpr std::int64_t kT0Us = 1'763'700'000'000'000;
int traceCount() { return std::getenv("SEXTANT_BENCH_SMOKE") ? 500 : 20'000; }
constexpr int kSpansPerTrace = 5;

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string traceId(int i) { return hex16(0x5e57) + hex16(static_cast<std::uint64_t>(i) + 1); }

struct Fixture {
  Fixture() {
    engine = storage::testing::openTestEngine(dir.path() + "/data");
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir.path() + "/ws");
    if (!engine || !s.isOk()) std::abort();
    store = std::move(s).value();
    ws = store->list().at(0);
    TraceApiOptions o;
    o.now_ns = [] { return (kT0Us / 1000 + 600'000) * 1'000'000; };
    registerTraceApi(router, *engine, *store, o);
    const char* services[] = {"gateway", "orders", "payments", "stock", "mail"};
    std::vector<model::Point> batch;
    const int traces = traceCount();
    for (int i = 0; i < traces; ++i) {
      const std::int64_t t = kT0Us + static_cast<std::int64_t>(i) * 25'000;  // 500 s in all
      for (int k = 0; k < kSpansPerTrace; ++k) {
        std::string span = hex16(static_cast<std::uint64_t>(i) * 8 + k + 1);
        std::string parent = k == 0 ? "0" : hex16(static_cast<std::uint64_t>(i) * 8 + 1);
        model::Point p;
        p.measurement = "zipkin";
        p.time_ns = (t + k * 100) * 1000;
        p.tags = {{"service", services[k]},
                  {"span_type", "entry"},
                  {"status", i % 50 == 0 && k == 2 ? "error" : "ok"},
                  {"env", "prod"},
                  {"version", "v1"}};
        const std::int64_t dur = 1000 + (i % 97) * 10 + k;
        std::string msg =
            "{\"traceId\":\"" + traceId(i) + "\",\"id\":\"" + span + "\"" +
            (k ? ",\"parentId\":\"" + parent + "\"" : "") + ",\"name\":\"get /" + services[k] +
            "\",\"kind\":\"SERVER\"," + "\"timestamp\":" + std::to_string(t + k * 100) +
            ",\"duration\":" + std::to_string(dur) + ",\"localEndpoint\":{\"serviceName\":\"" +
            services[k] + "\"},\"tags\":{\"http.method\":\"GET\"}}";
        p.fields = {{"trace_id", traceId(i)}, {"span_id", span},
                    {"parent_id", parent},    {"resource", "get /" + std::string(services[k])},
                    {"start", t + k * 100},   {"duration", dur},
                    {"message", msg}};
        batch.push_back(std::move(p));
      }
      if (batch.size() >= 5000) {
        if (!storage::testing::writePoints(*engine, ws.id, model::Category::kTracing, batch)
                 .isOk()) {
          std::abort();
        }
        batch.clear();
      }
    }
    if (!storage::testing::writePoints(*engine, ws.id, model::Category::kTracing, batch).isOk() ||
        !engine->flush().isOk()) {
      std::abort();
    }
  }

  net::HttpResponse get(const std::string& target) {
    net::HttpRequest req =
        net::testing::makeRequest("GET", target, {{"Authorization", "Bearer " + ws.token}});
    std::optional<net::HttpResponse> r = net::testing::callRoute(router, req);
    if (!r) std::abort();
    return std::move(*r);
  }

  sextant::testing::TempDir dir;
  std::unique_ptr<storage::StorageEngine> engine;
  std::unique_ptr<workspace::WorkspaceStore> store;
  workspace::Workspace ws;
  net::Router router;
};

Fixture& fixture() {
  static Fixture* f = new Fixture();
  return *f;
}

void BM_BuildTraceTree(benchmark::State& state) {
  std::vector<trace_api::SpanRow> rows;
  const int n = static_cast<int>(state.range(0));
  for (int i = 0; i < n; ++i) {
    trace_api::SpanRow r;
    r.span_id = std::to_string(i);
    r.parent_id = i == 0 ? "" : std::to_string((i - 1) / 4);  // a 4-ary tree
    r.service = "s" + std::to_string(i % 7);
    r.start_us = i;
    r.duration_us = 1000 - i % 100;
    rows.push_back(std::move(r));
  }
  for (auto _ : state) benchmark::DoNotOptimize(trace_api::buildTraceTree(rows));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildTraceTree)->Arg(100)->Arg(10'000);

void BM_Route(benchmark::State& state, const std::string& target) {
  Fixture& f = fixture();
  for (auto _ : state) {
    net::HttpResponse r = f.get(target);
    if (r.status != 200) state.SkipWithError(r.body.c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK_CAPTURE(BM_Route, apm_trace_by_id, "/v1/apm/trace/" + traceId(345))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, zipkin_trace_by_id, "/api/v2/trace/" + traceId(123))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, apm_trace_search_errors,
                  std::string("/v1/apm/traces?status=error&start=0&end=9000000000000"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, zipkin_services, std::string("/api/v2/services"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, zipkin_traces_service_limit10,
                  std::string("/api/v2/traces?serviceName=payments&limit=10"))
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::server

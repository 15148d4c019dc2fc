// Benches of /v1/logs/search over an engine holding 1,000,000 log rows over one hour (5 parts
// of 200,000 rows, flushed so the token blooms over `message` are in play, plus nothing in the
// head): a rare term (10 rows), a common term (half the rows), a phrase (5% of the rows, its
// tokens also elsewhere), the newest 50 rows with no query, and a facet count over a filter.
// Each iteration is one whole request through the route (parse, scan, JSON).
// The same rows through DQL (/v1/query/raw's evaluator; issue 10's goal of <= 1 s over 10 M rows):
// count by status per minute, and a count of a full-text match.
// SEXTANT_BENCH_SMOKE (ctest's smoke run under ASan): 20,000 rows; SEXTANT_BENCH_ROWS=N: N rows
// (e.g. 10000000 for the 10 M-row goals; five parts either way).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"
#include "query/dql/dql.h"
#include "query/dql_exec/evaluator.h"
#include "server/log_api/log_api.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

constexpr std::int64_t kT0Ms = 1'763'700'000'000;
constexpr std::int64_t kSpanMs = 3'600'000;
int rowCount() {
  if (std::getenv("SEXTANT_BENCH_SMOKE") != nullptr) return 20'000;
  const char* rows = std::getenv("SEXTANT_BENCH_ROWS");
  return rows != nullptr && std::atoi(rows) > 0 ? std::atoi(rows) : 1'000'000;
}

std::string message(int i) {
  if (i % 100'000 == 77) return "rare zebrafish sighting in shard " + std::to_string(i);
  switch (i % 20) {
    case 0: return "connection reset by peer while reading from 10.0.3." + std::to_string(i % 250);
    case 1: return "peer reset the connection after " + std::to_string(i % 90) + "ms";
    case 2:
    case 3: return "GET /api/v1/orders/" + std::to_string(i) + " 200 " + std::to_string(i % 500);
    case 4: return "slow query on orders table took " + std::to_string(i % 3000) + "ms";
    default:
      return "request " + std::to_string(i) + " handled by worker " + std::to_string(i % 16) +
             " in " + std::to_string(i % 40) + "ms";
  }
}

struct Fixture {
  Fixture() {
    engine = storage::testing::openTestEngine(dir.path() + "/data");
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir.path() + "/ws");
    if (!engine || !s.isOk()) std::abort();
    store = std::move(s).value();
    ws = store->list().at(0);
    LogApiOptions o;
    o.now_ns = [] { return (kT0Ms + kSpanMs) * 1'000'000; };
    registerLogApi(router, *engine, *store, o);
    const char* sources[] = {"nginx", "orders", "payments", "mysql"};
    const char* services[] = {"gateway", "orders", "payments", "stock", "mail"};
    const char* statuses[] = {"info", "info", "info", "warn", "error"};
    const int n = rowCount();
    const int per_part = n / 5;
    std::vector<model::Point> batch;
    for (int i = 0; i < n; ++i) {
      model::Point p;
      p.measurement = sources[i % 4];
      p.time_ns = (kT0Ms * 1'000'000) + static_cast<std::int64_t>(i) * (kSpanMs * 1'000'000 / n);
      p.tags = {{"host", "node-" + std::to_string(i % 20)},
                {"service", services[i % 5]},
                {"filepath", "/var/log/app.log"}};
      p.fields = {{"message", message(i)}, {"status", statuses[(i / 3) % 5]}};
      batch.push_back(std::move(p));
      if (batch.size() == 10'000 || i + 1 == n) {
        if (!storage::testing::writePoints(*engine, ws.id, model::Category::kLogging, batch).isOk())
          std::abort();
        batch.clear();
      }
      if ((i + 1) % per_part == 0 && !engine->flush().isOk()) std::abort();
    }
  }

  net::HttpResponse get(const std::string& target) {
    net::HttpRequest req = net::testing::makeRequest(
        "GET", target + "&token=" + ws.token + "&start=" + std::to_string(kT0Ms) +
                   "&end=" + std::to_string(kT0Ms + kSpanMs));
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

void run(benchmark::State& state, const std::string& target) {
  Fixture& f = fixture();
  std::size_t bytes = 0;
  for (auto _ : state) {
    net::HttpResponse r = f.get(target);
    if (r.status != 200) {
      state.SkipWithError(r.body.c_str());
      return;
    }
    bytes = r.body.size();
    benchmark::DoNotOptimize(r.body.data());
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}

void BM_SearchRareTerm(benchmark::State& s) { run(s, "/v1/logs/search?q=zebrafish"); }
void BM_SearchCommonTerm(benchmark::State& s) { run(s, "/v1/logs/search?q=request"); }
void BM_SearchPhrase(benchmark::State& s) {
  run(s, "/v1/logs/search?q=%22connection+reset+by+peer%22");
}
void BM_SearchNewest50(benchmark::State& s) { run(s, "/v1/logs/search?limit=50"); }
void BM_SearchFilterAndTerm(benchmark::State& s) {
  run(s, "/v1/logs/search?q=status:error+service:payments+slow");
}
void BM_FacetsService(benchmark::State& s) {
  run(s, "/v1/logs/facets?q=status:error&facet=service&facet=host");
}
void BM_Histogram(benchmark::State& s) { run(s, "/v1/logs/histogram?split=status&q=reset"); }

void dql(benchmark::State& state, const std::string& q) {
  Fixture& f = fixture();
  Result<query::dql::Query> parsed = query::dql::parse(q);
  if (!parsed.isOk()) std::abort();
  query::dql_exec::EvalOptions o;
  o.start_ms = kT0Ms;
  o.end_ms = kT0Ms + kSpanMs;
  o.max_rows = 100'000'000;
  std::size_t series = 0;
  for (auto _ : state) {
    Result<query::dql_exec::QueryOutput> out =
        query::dql_exec::evaluate(*f.engine, f.ws.id, *parsed, o);
    if (!out.isOk()) {
      state.SkipWithError(out.status().toString().c_str());
      return;
    }
    series = out->series.size();
    benchmark::DoNotOptimize(out->series.data());
  }
  state.counters["series"] = static_cast<double>(series);
}
void BM_DqlCountByStatusPerMinute(benchmark::State& s) {
  dql(s, "L::re('.*'):(count(*)) [::1m] BY status");
}
void BM_DqlFullTextMatch(benchmark::State& s) {
  dql(s, "L::re('.*'):(count(*)) {match('zebrafish')}");
}
void BM_DqlFullTextMessageEqMatch(benchmark::State& s) {
  dql(s, "L::re('.*'):(count(*)) {message = match('zebrafish')}");
}

BENCHMARK(BM_DqlCountByStatusPerMinute)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DqlFullTextMatch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DqlFullTextMessageEqMatch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchRareTerm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchCommonTerm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchPhrase)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchNewest50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchFilterAndTerm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FacetsService)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Histogram)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::server

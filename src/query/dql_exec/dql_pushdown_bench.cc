// DQL filter pushdown: `L::x:(count(*)) {duration > N}` over 1,000,000 log rows in parts
// (SEXTANT_BENCH_SMOKE: 20,000), selective (0.1% of rows) and not (every row), each with the
// comparison pushed into the scan and without it (written `(...) OR false`, never pushed); and a
// FILTER semi-join on host (objects `hosts`: web-1, web-2) against the same condition written as
// an IN list; and 1,000-item IN lists (ints on duration, strings on host) evaluated on every row
// (`OR false`: not pushed down).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/testing/temp_dir.h"
#include "query/dql_exec/evaluator.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query::dql_exec {
namespace {

constexpr std::int64_t kT0Ms = 1'763'700'000'000;

struct Corpus {
  sextant::testing::TempDir dir;
  std::unique_ptr<storage::StorageEngine> engine;
};

// Log rows of measurement x, one per ms: tags host, status; fields duration (uniform 0..999,999),
// message.
Corpus& corpus() {
  static Corpus* c = [] {
    auto* out = new Corpus;
    out->engine = storage::testing::openTestEngine(out->dir.path());
    const int n = std::getenv("SEXTANT_BENCH_SMOKE") != nullptr ? 20'000 : 1'000'000;
    std::mt19937_64 rng(7);
    std::vector<model::Point> batch;
    for (int i = 0; i < n; ++i) {
      model::Point p;
      p.measurement = "x";
      p.tags = {{"host", "web-" + std::to_string(rng() % 8)},
                {"status", rng() % 20 == 0 ? "error" : "info"}};
      const std::int64_t d = static_cast<std::int64_t>(rng() % 1'000'000);
      p.fields = {{"duration", d},
                  {"message", "GET /api/items/" + std::to_string(rng() % 1000) + " took " +
                                  std::to_string(d) + "us"}};
      p.time_ns = (kT0Ms + i) * 1'000'000;
      batch.push_back(std::move(p));
      if (batch.size() == 5'000 || i + 1 == n) {
        if (!storage::testing::writePoints(*out->engine, "ws", model::Category::kLogging, batch)
                 .isOk()) {
          std::abort();
        }
        batch.clear();
      }
    }
    std::vector<model::Point> hosts;
    for (const char* h : {"web-1", "web-2"}) {
      model::Point p;
      p.measurement = "hosts";
      p.tags = {{"name", h}};
      p.fields = {{"host", std::string(h)}};
      p.time_ns = kT0Ms * 1'000'000;
      hosts.push_back(std::move(p));
    }
    if (!storage::testing::writePoints(*out->engine, "ws", model::Category::kObject, hosts)
             .isOk()) {
      std::abort();
    }
    if (!out->engine->flush().isOk()) std::abort();
    return out;
  }();
  return *c;
}

void run(benchmark::State& state, const std::string& q) {
  Corpus& c = corpus();
  EvalOptions o;
  o.now_ms = kT0Ms + 2'000'000;
  o.start_ms = kT0Ms;
  o.end_ms = kT0Ms + 1'999'999;
  std::int64_t count = 0;
  for (auto _ : state) {
    Result<QueryOutput> r = evaluateText(*c.engine, "ws", q, o);
    if (!r.isOk()) {
      state.SkipWithError(r.status().toString().c_str());
      return;
    }
    count = r->series.empty() ? 0 : std::get<std::int64_t>(r->series[0].values[0][1]);
  }
  state.counters["count"] = static_cast<double>(count);
}

void BM_SelectivePushed(benchmark::State& s) { run(s, "L::x:(count(*)) {duration > 999000}"); }
void BM_SelectiveNotPushed(benchmark::State& s) {
  run(s, "L::x:(count(*)) {duration > 999000 OR false}");
}
void BM_AllRowsPushed(benchmark::State& s) { run(s, "L::x:(count(*)) {duration >= 0}"); }
void BM_AllRowsNotPushed(benchmark::State& s) {
  run(s, "L::x:(count(*)) {duration >= 0 OR false}");
}
void BM_FilterJoin(benchmark::State& s) {
  run(s, "L::x:(count(*)) FILTER O::hosts:(host) WITH {host = host}");
}
void BM_FilterAsInList(benchmark::State& s) {
  run(s, "L::x:(count(*)) {host IN ['web-1', 'web-2']}");
}
// duration IN [0, 1000, ..., 999000] (about 0.1% of rows) and host IN ['web-1', 'web-2', 'h-2',
// ..., 'h-999'] (2 of the 8 hosts), each list 1,000 literals.
std::string intList() {
  std::string l;
  for (int i = 0; i < 1000; ++i) l += (i == 0 ? "" : ", ") + std::to_string(i * 1000);
  return "[" + l + "]";
}
std::string stringList() {
  std::string l = "'web-1', 'web-2'";
  for (int i = 2; i < 1000; ++i) l += ", 'h-" + std::to_string(i) + "'";
  return "[" + l + "]";
}
void BM_InList1000Ints(benchmark::State& s) {
  run(s, "L::x:(count(*)) {duration IN " + intList() + " OR false}");
}
void BM_InList1000Strings(benchmark::State& s) {
  run(s, "L::x:(count(*)) {host IN " + stringList() + " OR false}");
}
BENCHMARK(BM_SelectivePushed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InList1000Ints)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InList1000Strings)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FilterJoin)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FilterAsInList)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectiveNotPushed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AllRowsPushed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AllRowsNotPushed)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::query::dql_exec

// Benches of the RUM analytics routes over an engine holding 1,000,000 rum events of one app
// (50,000 sessions of 20 events: 4 views over 50 pages, 10 resources, 3 actions, 2 errors, 1 long
// task; 20,000 users; one hour; flushed to parts). SEXTANT_BENCH_SMOKE (ctest's smoke run under
// ASan): 2,000 events.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <optional>

#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"
#include "server/rum_api/rum_api.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

constexpr std::int64_t kT0Ms = 1'763'700'000'000;
constexpr int kEventsPerSession = 20;
int sessionCount() { return std::getenv("SEXTANT_BENCH_SMOKE") ? 100 : 50'000; }

struct Fixture {
  Fixture() {
    engine = storage::testing::openTestEngine(dir.path() + "/data");
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir.path() + "/ws");
    if (!engine || !s.isOk()) std::abort();
    store = std::move(s).value();
    ws = store->list().at(0);
    RumApiOptions o;
    o.now_ns = [] { return (kT0Ms + 3'600'000) * 1'000'000; };
    registerRumApi(router, *engine, *store, o);
    static const char* kinds[kEventsPerSession] = {
        "view",     "resource", "resource", "action", "resource", "view",      "resource",
        "error",    "resource", "action",   "view",   "resource", "long_task", "resource",
        "resource", "view",     "action",   "error",  "resource", "resource"};
    std::vector<model::Point> batch;
    const int sessions = sessionCount();
    for (int i = 0; i < sessions; ++i) {
      const std::string sid = "sess-" + std::to_string(i);
      const std::string user = "user-" + std::to_string(i % 20'000);
      const std::int64_t start_ms = kT0Ms + (static_cast<std::int64_t>(i) * 3'500'000) / sessions;
      std::string view_id;
      for (int k = 0; k < kEventsPerSession; ++k) {
        model::Point p;
        p.measurement = kinds[k];
        p.time_ns = (start_ms + k * 2000) * 1'000'000;
        if (p.measurement == "view") view_id = sid + "-v" + std::to_string(k);
        const std::string page = "/page/" + std::to_string((i + k) % 50);
        p.tags = {{"app_id", "shop"},
                  {"env", "prod"},
                  {"version", "1.0"},
                  {"service", "web"},
                  {"session_id", sid},
                  {"userid", user},
                  {"browser", i % 3 ? "Chrome" : "Firefox"},
                  {"os", "Linux"},
                  {"country", "CN"},
                  {"view_id", view_id},
                  {"view_path", page},
                  {"view_path_group", page}};
        const double x = static_cast<double>((i * 7 + k * 13) % 1000);
        if (p.measurement == "view") {
          p.fields = {{"loading_time", (500 + x) * 1e6},
                      {"first_contentful_paint", (200 + x / 2) * 1e6},
                      {"largest_contentful_paint", (800 + x) * 1e6},
                      {"first_input_delay", (x / 10) * 1e6},
                      {"interaction_to_next_paint", (50 + x / 5) * 1e6},
                      {"cumulative_layout_shift", x / 5000}};
        } else if (p.measurement == "resource") {
          p.tags.push_back({"resource_status", x > 950 ? "500" : "200"});
          p.fields = {{"duration", (10 + x) * 1e6},
                      {"resource_size", std::int64_t{1000} + static_cast<std::int64_t>(x)},
                      {"resource_url_path_group", "/api/r" + std::to_string(k)},
                      {"resource_type", "xhr"}};
        } else if (p.measurement == "error") {
          p.tags.push_back({"error_type", "TypeError"});
          p.fields = {{"error_message", "x" + std::to_string(i % 10) + " is undefined"},
                      {"error_stack",
                       "TypeError\n  at f (http://shop/app.js:1:" + std::to_string(k) + ")"}};
        } else {
          p.fields = {{"duration", x * 1e6}};
        }
        batch.push_back(std::move(p));
      }
      if (batch.size() >= 20'000) {
        if (!storage::testing::writePoints(*engine, ws.id, model::Category::kRum, batch).isOk()) {
          std::abort();
        }
        batch.clear();
      }
    }
    if (!storage::testing::writePoints(*engine, ws.id, model::Category::kRum, batch).isOk() ||
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

void BM_Route(benchmark::State& state, const std::string& target) {
  Fixture& f = fixture();
  for (auto _ : state) {
    net::HttpResponse r = f.get(target);
    if (r.status != 200) state.SkipWithError(r.body.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(sessionCount()) *
                          kEventsPerSession);
}
const std::string kRange =
    "start=" + std::to_string(kT0Ms) + "&end=" + std::to_string(kT0Ms + 3'600'000) + "&app_id=shop";
BENCHMARK_CAPTURE(BM_Route, overview, "/v1/rum/overview?" + kRange)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, performance, "/v1/rum/performance?" + kRange)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, sessions, "/v1/rum/sessions?" + kRange)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, resources, "/v1/rum/resources?" + kRange)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, errors, "/v1/rum/errors?" + kRange)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Route, session_timeline, "/v1/rum/sessions/sess-77?" + kRange)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::server

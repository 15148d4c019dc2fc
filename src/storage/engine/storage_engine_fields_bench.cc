// Field predicate pushdown on span-shaped tracing rows: one trace looked up by trace_id with the
// predicate pushed into the scan (value blooms skip granules) and without it (the trace_id column
// of every granule read and filtered by the caller). 1,000,000 spans (SEXTANT_BENCH_SMOKE: 20,000)
// of 6 services, ~8 spans a trace, written in 100,000-row flushes and merged as the engine does.
// Counters: granules read / total per scan, rows found.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/testing/temp_dir.h"
#include "storage/engine/storage_engine.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::storage {
namespace {

using model::Category;
using model::FieldValue;

std::string hex(std::mt19937_64& rng, int digits) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s.push_back(kDigits[rng() % 16]);
  return s;
}

struct Corpus {
  sextant::testing::TempDir dir;
  std::unique_ptr<StorageEngine> engine;
  std::string needle;  // a trace id in the middle of the data
  std::size_t rows = 0;
};

// Spans as DataKit's ddtrace/zipkin inputs produce them (reference/datakit-inputs.md): tags
// service, env, host, span_type, status, source; fields trace_id (32 hex), span_id, parent_id
// (16 hex), resource, start, duration (µs), message (the span as JSON).
Corpus& corpus() {
  static Corpus* c = [] {
    auto* out = new Corpus;
    out->engine = testing::openTestEngine(out->dir.path());
    const std::size_t n = std::getenv("SEXTANT_BENCH_SMOKE") != nullptr ? 20'000 : 1'000'000;
    static const char* const kServices[] = {"frontend", "cart",     "checkout",
                                            "payment",  "shipping", "catalog"};
    std::mt19937_64 rng(42);
    const std::int64_t t0 = 1'763'700'000'000'000'000;
    std::vector<model::Point> batch;
    std::string trace = hex(rng, 32), parent;
    int left_in_trace = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (left_in_trace == 0) {
        trace = hex(rng, 32);
        left_in_trace = 4 + static_cast<int>(rng() % 9);
        parent = "0";
        if (i >= n / 2 && out->needle.empty()) out->needle = trace;
      }
      --left_in_trace;
      const std::string span = hex(rng, 16);
      const char* svc = kServices[rng() % 6];
      const std::int64_t duration = 50 + static_cast<std::int64_t>(rng() % 20'000);
      const std::int64_t t = t0 + static_cast<std::int64_t>(i) * 200'000;  // 5,000 spans/s
      model::Point p;
      p.measurement = svc;
      p.tags = {{"env", "prod"},
                {"host", "node-" + std::to_string(rng() % 10)},
                {"service", svc},
                {"source", "ddtrace"},
                {"span_type", rng() % 3 == 0 ? "entry" : "local"},
                {"status", rng() % 50 == 0 ? "error" : "ok"}};
      const std::string resource =
          "GET /api/v1/" + std::string(svc) + "/" + std::to_string(rng() % 40);
      p.fields = {
          {"trace_id", FieldValue(trace)},
          {"span_id", FieldValue(span)},
          {"parent_id", FieldValue(parent)},
          {"resource", FieldValue(resource)},
          {"start", FieldValue((t / 1000))},
          {"duration", FieldValue(duration)},
          {"message", FieldValue("{\"trace_id\":\"" + trace + "\",\"span_id\":\"" + span +
                                 "\",\"service\":\"" + svc + "\",\"resource\":\"" + resource +
                                 "\",\"duration\":" + std::to_string(duration) + "}")}};
      p.time_ns = t;
      parent = span;
      batch.push_back(std::move(p));
      if (batch.size() == 5'000 || i + 1 == n) {
        if (!testing::writePoints(*out->engine, "ws", Category::kTracing, batch).isOk()) {
          std::abort();
        }
        batch.clear();
      }
      if ((i + 1) % 100'000 == 0 && !out->engine->flush().isOk()) std::abort();
    }
    if (!out->engine->flush().isOk()) std::abort();
    for (bool merged = true; merged;) {
      if (!out->engine->mergeOnce(&merged).isOk()) std::abort();
    }
    out->rows = n;
    return out;
  }();
  return *c;
}

// Runs req per iteration; count tells how many of a batch's rows the caller keeps.
void runScan(benchmark::State& state, const ScanRequest& req,
             const std::function<std::size_t(const ColumnBatch&)>& count) {
  ScanStats st;
  std::size_t found = 0;
  for (auto _ : state) {
    st = {};
    found = 0;
    Status s = corpus().engine->scan(
        req,
        [&](ColumnBatch&& b) {
          found += count(b);
          return Status::ok();
        },
        &st);
    if (!s.isOk()) state.SkipWithError(s.toString().c_str());
  }
  state.counters["granules_read"] = static_cast<double>(st.granules_read);
  state.counters["granules_total"] = static_cast<double>(st.granules_total);
  state.counters["granules_skipped"] = static_cast<double>(st.granules_skipped_by_fields);
  state.counters["MB_read"] = static_cast<double>(st.bytes_read) / 1e6;
  state.counters["rows_found"] = static_cast<double>(found);
  state.counters["parts"] = static_cast<double>(st.parts);
}

std::size_t allRows(const ColumnBatch& b) { return b.rows(); }

ScanRequest tracing() {
  ScanRequest req;
  req.workspace_id = "ws";
  req.category = Category::kTracing;
  return req;
}

void BM_TraceIdPushdown(benchmark::State& state) {
  ScanRequest req = tracing();
  req.fields = {FieldPredicate{"trace_id", FieldPredicate::kEq, {FieldValue(corpus().needle)}}};
  runScan(state, req, allRows);
}
BENCHMARK(BM_TraceIdPushdown)->Unit(benchmark::kMillisecond);

// Without the predicate: every granule's trace_id column is read and compared by the caller (the
// cheapest a reader can do without pushdown: one projected column).
void BM_TraceIdNoPushdown(benchmark::State& state) {
  ScanRequest req = tracing();
  req.columns = {"trace_id"};
  const std::string needle = corpus().needle;
  runScan(state, req, [&](const ColumnBatch& b) {
    const Column* t = b.findColumn("trace_id", ColumnKind::kField);
    std::size_t n = 0;
    if (t == nullptr) return n;
    const auto& v = std::get<4>(t->values);
    for (std::size_t r = 0; r < b.rows(); ++r) n += t->isPresent(r) && v[r] == needle ? 1 : 0;
    return n;
  });
}
BENCHMARK(BM_TraceIdNoPushdown)->Unit(benchmark::kMillisecond);

// A selective duration range (spans over 19.999 ms: ~0.25%): the granules' min/max cannot skip
// much here (durations are spread evenly), which is what the counters show.
void BM_DurationRangePushdown(benchmark::State& state) {
  ScanRequest req = tracing();
  req.columns = {"duration"};
  req.fields = {
      FieldPredicate{"duration", FieldPredicate::kGt, {FieldValue(std::int64_t{19'999})}}};
  runScan(state, req, allRows);
}
BENCHMARK(BM_DurationRangePushdown)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::storage

// Test fixture for the DQL evaluator: a real StorageEngine in a temp dir (no background threads,
// retention of a century) and helpers that write points and run queries. Expected values in the
// tests are computed by hand from the seeded data.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "codec/point_pb/point_pb.h"
#include "core/testing/temp_dir.h"
#include "query/dql_exec/evaluator.h"
#include "storage/engine/storage_engine.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query::dql_exec::testing {

// 2025-11-21 04:40:00 UTC in ms: a multiple of one minute (and of 30 s, 15 s, 10 s).
constexpr std::int64_t kT0 = 1'763'700'000'000;
constexpr std::int64_t kMs = 1'000'000;  // ns per ms

inline model::Point point(std::string m, std::vector<model::Tag> tags,
                          std::vector<model::Field> fields, std::int64_t t_ms) {
  model::Point p;
  p.measurement = std::move(m);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = t_ms * kMs;
  return p;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path());
    ASSERT_TRUE(engine_);
  }

  void write(model::Category c, std::vector<model::Point> pts) {
    ASSERT_TRUE(storage::testing::writePoints(*engine_, "ws", c, std::move(pts)).isOk());
  }

  // cpu.usage (float): a/c1 at +0 +30 +60 +90 s = 10 20 30 40; b/c1 at +10 +70 s = 1 3;
  // c/c2 at +30 s = 100.
  void seedCpu() {
    auto cpu = [](std::string host, std::string cluster, double v, std::int64_t s) {
      return point("cpu", {{"cluster", std::move(cluster)}, {"host", std::move(host)}},
                   {{"usage", v}}, kT0 + s * 1000);
    };
    write(model::Category::kMetric,
          {cpu("a", "c1", 10, 0), cpu("a", "c1", 20, 30), cpu("a", "c1", 30, 60),
           cpu("a", "c1", 40, 90), cpu("b", "c1", 1, 10), cpu("b", "c1", 3, 70),
           cpu("c", "c2", 100, 30)});
  }

  // net.bytes (int counter): a every 15 s from +0: 0 150 300 450 600 60(reset) 210;
  // b at +0 +30 +60 +90 s: 1000 1600 1900 2800.
  void seedNet() {
    auto net = [](std::string host, std::int64_t v, std::int64_t s) {
      return point("net", {{"host", std::move(host)}}, {{"bytes", v}}, kT0 + s * 1000);
    };
    write(model::Category::kMetric,
          {net("a", 0, 0), net("a", 150, 15), net("a", 300, 30), net("a", 450, 45),
           net("a", 600, 60), net("a", 60, 75), net("a", 210, 90), net("b", 1000, 0),
           net("b", 1600, 30), net("b", 1900, 60), net("b", 2800, 90)});
  }

  // logging nginx (tags host, status; fields message, bytes) at +1 +2 +3 +4 +65 s.
  void seedLogs() {
    auto log = [](std::string host, std::string status, std::string msg, std::int64_t bytes,
                  std::int64_t s) {
      return point("nginx", {{"host", std::move(host)}, {"status", std::move(status)}},
                   {{"message", std::move(msg)}, {"bytes", bytes}}, kT0 + s * 1000);
    };
    write(model::Category::kLogging,
          {log("web-1", "200", "GET /index ok", 100, 1),
           log("web-2", "500", "upstream timeout error", 10, 2),
           log("web-1", "404", "not found", 20, 3), log("web-1", "500", "database error", 30, 4),
           log("web-2", "200", "GET /health ok", 50, 65)});
  }

  EvalOptions opts(std::int64_t start_ms = kT0, std::int64_t end_ms = kT0 + 119'999) const {
    EvalOptions o;
    o.now_ms = kT0 + 120'000;
    o.start_ms = start_ms;
    o.end_ms = end_ms;
    return o;
  }

  QueryOutput run(const std::string& q, const EvalOptions& o) {
    Result<QueryOutput> r = evaluateText(*engine_, "ws", q, o);
    EXPECT_TRUE(r.isOk()) << q << " -> " << r.status().toString();
    if (!r.isOk()) return {};
    return std::move(r).value();
  }
  QueryOutput run(const std::string& q) { return run(q, opts()); }

  Status runError(const std::string& q, const EvalOptions& o) {
    Result<QueryOutput> r = evaluateText(*engine_, "ws", q, o);
    EXPECT_FALSE(r.isOk()) << q;
    return r.isOk() ? Status::ok() : r.status();
  }
  Status runError(const std::string& q) { return runError(q, opts()); }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
};

// Value shorthands.
inline Value I(std::int64_t v) { return v; }
inline Value D(double v) { return v; }
inline Value S(std::string v) { return v; }
inline Value N() { return std::monostate{}; }
using Rows = std::vector<std::vector<Value>>;

}  // namespace sextant::query::dql_exec::testing

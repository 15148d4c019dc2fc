// Test fixture for the DQL evaluator: a real StorageEngine in a temp dir (no background threads,
// retention of a century) and helpers that write points (test_data.h) and run queries. Expected
// values in the tests are computed by hand from the seeded data.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "codec/point_pb/point_pb.h"
#include "core/testing/temp_dir.h"
#include "query/dql_exec/evaluator.h"
#include "query/dql_exec/test_data.h"
#include "storage/engine/storage_engine.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query::dql_exec::testing {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path());
    ASSERT_TRUE(engine_);
  }

  void write(model::Category c, std::vector<model::Point> pts) {
    ASSERT_TRUE(storage::testing::writePoints(*engine_, "ws", c, std::move(pts)).isOk());
  }

  // The points of test_data.h.
  void seedCpu() { write(model::Category::kMetric, cpuPoints()); }
  void seedNet() { write(model::Category::kMetric, netPoints()); }
  void seedLogs() { write(model::Category::kLogging, logPoints()); }

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

// Every host input against this machine's real /proc and /sys (HOST_* variables honoured): the
// expected measurements come out, with no negative values where DataKit has none.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "agent/inputs/host_inputs_testing.h"

namespace sextant::agent::inputs {
namespace {

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Fields that may legitimately be negative: "no limit" and "no conntrack module" are -1.
const std::set<std::string> kMayBeNegative = {"tcp_maxconn", "entries", "entries_limit"};

void expectSane(const model::Point& p) {
  EXPECT_GT(p.time_ns, 0);
  EXPECT_FALSE(p.fields.empty()) << model::debugString(p);
  for (const model::Field& f : p.fields) {
    if (kMayBeNegative.count(f.key) != 0) continue;
    if (const auto* i = std::get_if<int64_t>(&f.value)) {
      EXPECT_GE(*i, 0) << f.key << " in " << model::debugString(p);
    }
    if (const auto* d = std::get_if<double>(&f.value)) {
      EXPECT_GE(*d, 0) << f.key << " in " << model::debugString(p);
      if (f.key.find("percent") != std::string::npos || f.key.rfind("usage", 0) == 0) {
        EXPECT_LE(*d, 100) << f.key << " in " << model::debugString(p);
      }
    }
  }
}

TEST(HostInputsRealMachine, EveryCollectorProducesSanePoints) {
  Result<testing::AllHostInputs> inputs = testing::AllHostInputs::create(HostPaths::fromEnv());
  ASSERT_TRUE(inputs.isOk()) << inputs.status().toString();
  std::vector<model::Point> out;
  // conntrack may be unreadable in a sandbox; everything else must work.
  Status st = inputs->collect(nowNs(), &out);
  EXPECT_TRUE(st.isOk() || st.message().find("conntrack") != std::string::npos) << st.toString();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // cpu needs a second round
  out.clear();
  st = inputs->collect(nowNs(), &out);
  EXPECT_TRUE(st.isOk() || st.message().find("conntrack") != std::string::npos) << st.toString();

  std::set<std::string> measurements;
  for (const model::Point& p : out) {
    measurements.insert(p.measurement);
    expectSane(p);
    const model::Category want =
        p.measurement == "HOST" ? model::Category::kObject : model::Category::kMetric;
    EXPECT_EQ(p.category, want) << p.measurement;
  }
  for (const char* m : {"cpu", "mem", "swap", "filefd", "system", "net", "HOST"}) {
    EXPECT_EQ(measurements.count(m), 1u) << m;
  }
  for (const std::string& m : measurements) {
    EXPECT_EQ(std::set<std::string>({"cpu", "mem", "swap", "conntrack", "filefd", "system", "disk",
                                     "diskio", "net", "HOST"})
                  .count(m),
              1u)
        << m;
  }
}

}  // namespace
}  // namespace sextant::agent::inputs

#include "agent/inputs/cpu/cpu_input.h"

#include <gtest/gtest.h>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::field;
using testing::findPoint;
using testing::kT1;
using testing::kT2;
using testing::samplePaths;
using testing::tag;
using testing::TempTree;

// sample2's cpu lines are sample1's plus (in ticks): user +1200, system +600, idle +37600,
// iowait +100, softirq +100, steal +400: 40000 ticks in total; each CPU gets half.
void expectUsage(const model::Point& p) {
  EXPECT_NEAR(field<double>(p, "usage_user"), 3.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_system"), 1.5, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_idle"), 94.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_nice"), 0.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_iowait"), 0.25, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_irq"), 0.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_softirq"), 0.25, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_steal"), 1.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_guest"), 0.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_guest_nice"), 0.0, 1e-9);
  EXPECT_NEAR(field<double>(p, "usage_total"), 6.0, 1e-9);
}

TEST(CpuInput, FirstCollectionOnlyRecordsThenUsageFromDeltas) {
  TempTree t(1);
  CpuConfig cfg;
  cfg.tags = {{"team", "infra"}};
  Result<CpuInput> in = CpuInput::create(cfg, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_TRUE(out.empty());  // as DataKit: the first round only gathers the times

  t.copyFrom(2, "proc/stat");
  t.copyFrom(2, "proc/loadavg");
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  const model::Point& p = out[0];
  EXPECT_EQ(p.category, model::Category::kMetric);
  EXPECT_EQ(p.measurement, "cpu");
  EXPECT_EQ(p.time_ns, kT2);
  EXPECT_EQ(tag(p, "cpu"), "cpu-total");
  EXPECT_EQ(tag(p, "team"), "infra");
  EXPECT_EQ(p.findTag("host"), nullptr);  // added later by the global host tags
  expectUsage(p);
  // load1 3.70 -> 3.72 over 10 s (two 5 s kernel steps, decay 1884/2048 each):
  // (2048*3.72 - 10.5 - 1733.1328125*3.70) / (2048 - 1733.1328125) = 3.797 -> 4
  EXPECT_EQ(field<int64_t>(p, "load5s"), 4);
  // coretemp "Core 0" 45.0 and "Core 1" 47.0; "Package id 0" is not a core.
  EXPECT_DOUBLE_EQ(field<double>(p, "core_temperature"), 46.0);
  EXPECT_EQ(testing::fieldKeys(p),
            (std::vector<std::string>{"usage_user", "usage_system", "usage_idle", "usage_nice",
                                      "usage_iowait", "usage_irq", "usage_softirq", "usage_steal",
                                      "usage_guest", "usage_guest_nice", "usage_total", "load5s",
                                      "core_temperature"}));
}

TEST(CpuInput, PerCpuPointsThenTotal) {
  TempTree t(1);
  CpuConfig cfg;
  cfg.percpu = true;
  cfg.enable_load5s = false;
  cfg.enable_temperature = false;
  Result<CpuInput> in = CpuInput::create(cfg, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  t.copyFrom(2, "proc/stat");
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(tag(out[0], "cpu"), "cpu0");
  EXPECT_EQ(tag(out[1], "cpu"), "cpu1");
  EXPECT_EQ(tag(out[2], "cpu"), "cpu-total");
  for (const model::Point& p : out) {
    expectUsage(p);
    EXPECT_EQ(p.findField("load5s"), nullptr);
    EXPECT_EQ(p.findField("core_temperature"), nullptr);
  }
}

TEST(CpuInput, TemperatureOnlyOnTotalAndDisabledWithoutSensors) {
  TempTree t(1);
  t.remove("sys/class/hwmon");
  CpuConfig cfg;
  Result<CpuInput> in = CpuInput::create(cfg, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  t.copyFrom(2, "proc/stat");
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].findField("core_temperature"), nullptr);
}

TEST(CpuInput, CountersGoingBackwardsEmitNothing) {
  TempTree t(2);
  Result<CpuInput> in = CpuInput::create(CpuConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  t.copyFrom(1, "proc/stat");  // a reboot: every counter smaller
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  EXPECT_TRUE(out.empty());
  t.copyFrom(2, "proc/stat");  // and growing again from there
  ASSERT_TRUE(in->collect(kT2 + 10'000'000'000, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  expectUsage(out[0]);
}

TEST(CpuInput, MissingOrGarbledStatIsAnError) {
  TempTree t(1);
  Result<CpuInput> in = CpuInput::create(CpuConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  t.remove("proc/stat");
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/stat"), std::string::npos) << st.toString();
  t.write("proc/stat", "cpu  1 2 three 4\nbtime 1\n");
  st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("proc/stat"), std::string::npos) << st.toString();
  EXPECT_TRUE(out.empty());
}

TEST(CpuInput, Load5sFormula) {
  // DataKit's own case, one 5 s step: (2048*3.72 - 10.5 - 1884*3.70) / 164 = 3.886 -> 4
  EXPECT_EQ(load5s(3.70, 3.72, 5'000'000'000), 4);
  // A steady load reads back as itself: L = L*d + n*(1-d) with n = L (minus the rounding bias).
  EXPECT_EQ(load5s(2.0, 2.0, 5'000'000'000), 2);
  EXPECT_EQ(load5s(2.0, 2.0, 10'000'000'000), 2);
  // No previous reading (or an idle host): the later load, truncated.
  EXPECT_EQ(load5s(0, 3.72, 5'000'000'000), 3);
  EXPECT_EQ(load5s(3.70, 0, 5'000'000'000), 0);
}

TEST(CpuInput, UsageClampsLikeDataKit) {
  CpuTimes a;
  CpuTimes b;
  b.user = 50;
  b.idle = 50;
  b.guest = 10;  // inside user
  CpuUsage u = cpuUsage(a, b, 100);
  EXPECT_DOUBLE_EQ(u.user, 40.0);
  EXPECT_DOUBLE_EQ(u.guest, 10.0);
  EXPECT_DOUBLE_EQ(u.idle, 50.0);
  EXPECT_DOUBLE_EQ(u.total, 50.0);
  CpuUsage bad = cpuUsage(b, a, 100);  // negative deltas read as 0
  EXPECT_DOUBLE_EQ(bad.user, 0.0);
  EXPECT_DOUBLE_EQ(bad.total, 0.0);
  // A fully busy CPU whose parts add up to a hair over 100 (tick rounding) is 100% busy.
  CpuTimes busy;
  busy.user = 86.7;
  busy.system = 9.93;
  busy.nice = 2.0;
  busy.softirq = 1.38;
  CpuUsage full = cpuUsage(a, busy, 100);
  EXPECT_GT(full.user + full.system + full.nice + full.softirq, 100.0);
  EXPECT_DOUBLE_EQ(full.total, 100.0);
}

TEST(CpuInput, IntervalIsClamped) {
  CpuConfig cfg;
  cfg.interval = std::chrono::hours(1);
  Result<CpuInput> in = CpuInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  EXPECT_EQ(in->config().interval, std::chrono::minutes(1));
}

}  // namespace
}  // namespace sextant::agent::inputs

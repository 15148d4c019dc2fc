#include "agent/inputs/system/system_input.h"

#include <gtest/gtest.h>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::field;
using testing::findPoint;
using testing::kT1;
using testing::kT2;
using testing::samplePaths;
using testing::TempTree;

TEST(SystemInput, ConntrackFilefdSystemFromRecordedSample) {
  TempTree t(1);
  Result<SystemInput> in = SystemInput::create(SystemConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].measurement, "conntrack");
  EXPECT_EQ(out[1].measurement, "filefd");
  EXPECT_EQ(out[2].measurement, "system");

  const model::Point& ct = out[0];
  EXPECT_EQ(field<int64_t>(ct, "entries"), 12);
  EXPECT_EQ(field<int64_t>(ct, "entries_limit"), 262144);
  EXPECT_EQ(field<int64_t>(ct, "stat_found"), 0x30);
  EXPECT_EQ(field<int64_t>(ct, "stat_insert_failed"), 4);
  EXPECT_EQ(field<int64_t>(ct, "stat_search_restart"), 11);
  EXPECT_EQ(ct.fields.size(), 10u);

  const model::Point& fd = out[1];
  EXPECT_EQ(field<int64_t>(fd, "allocated"), 856);
  EXPECT_DOUBLE_EQ(field<double>(fd, "maximum_mega"), 2.46617);  // 2466170 / 1e6

  const model::Point& s = out[2];
  // First round: busy since boot. cpu line: total 567191 ticks, idle 81542, iowait 659:
  // (567191 - 81542 - 659) / 567191 = 85.50735 %
  EXPECT_NEAR(field<double>(s, "cpu_total_usage"), 85.507351, 1e-6);
  EXPECT_NEAR(field<double>(s, "memory_usage"), 7.650533, 1e-6);
  EXPECT_EQ(field<int64_t>(s, "process_count"), 3);  // proc/1, proc/2, proc/300
  EXPECT_DOUBLE_EQ(field<double>(s, "load1"), 3.70);
  EXPECT_DOUBLE_EQ(field<double>(s, "load5"), 3.14);
  EXPECT_DOUBLE_EQ(field<double>(s, "load15"), 3.57);
  EXPECT_DOUBLE_EQ(field<double>(s, "load1_per_core"), 1.85);
  EXPECT_DOUBLE_EQ(field<double>(s, "load5_per_core"), 1.57);
  EXPECT_DOUBLE_EQ(field<double>(s, "load15_per_core"), 1.785);
  EXPECT_EQ(field<int64_t>(s, "n_cpus"), 2);
  EXPECT_EQ(field<int64_t>(s, "n_users"), 2);
  EXPECT_EQ(field<uint64_t>(s, "uptime"), 60u);  // kT1 is btime + 60 s

  // Next round: usage over the interval. Busy +2300 of 40000 ticks.
  t.copyFrom(2, "proc/stat");
  out.clear();
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  const model::Point* s2 = findPoint(out, "system");
  ASSERT_NE(s2, nullptr);
  EXPECT_NEAR(field<double>(*s2, "cpu_total_usage"), 5.75, 1e-9);
  EXPECT_EQ(field<uint64_t>(*s2, "uptime"), 70u);
}

TEST(SystemInput, MissingFilesCostOnlyTheirPoints) {
  TempTree t(1);
  t.remove("proc/sys/fs/file-nr");
  t.remove("var/run/utmp");
  Result<SystemInput> in = SystemInput::create(SystemConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("file-nr"), std::string::npos) << st.toString();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].measurement, "conntrack");
  EXPECT_EQ(out[1].measurement, "system");
  EXPECT_EQ(out[1].findField("n_users"), nullptr);  // no utmp: no n_users, no error

  t.write("proc/loadavg", "garbage\n");
  out.clear();
  st = in->collect(kT2, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);  // the first error: file-nr still missing
  EXPECT_EQ(findPoint(out, "system"), nullptr);
  t.write("proc/sys/fs/file-nr", "1 0 2\n");
  st = in->collect(kT2, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("loadavg"), std::string::npos) << st.toString();
}

TEST(SystemInput, CountProcesses) {
  Result<int64_t> n = countProcesses(samplePaths(2));
  ASSERT_TRUE(n.isOk());
  EXPECT_EQ(*n, 3);
}

}  // namespace
}  // namespace sextant::agent::inputs

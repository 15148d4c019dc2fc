#include "agent/inputs/mem/mem_input.h"

#include <gtest/gtest.h>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::field;
using testing::kT1;
using testing::samplePaths;
using testing::TempTree;

constexpr uint64_t kKiB = 1024;

TEST(MemInput, FieldsFromRecordedMeminfo) {
  Result<MemInput> in = MemInput::create(MemConfig{}, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  const model::Point& p = out[0];
  EXPECT_EQ(p.measurement, "mem");
  EXPECT_EQ(p.time_ns, kT1);
  EXPECT_TRUE(p.tags.empty());
  // sample1/proc/meminfo, in kB: MemTotal 24684084, MemFree 20838416, MemAvailable 22489464,
  // Buffers 10244, Cached 1808976, SReclaimable 137984.
  EXPECT_EQ(field<uint64_t>(p, "total"), 24684084 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "available"), 22489464 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "free"), 20838416 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "buffered"), 10244 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "cached"), (1808976 + 137984) * kKiB);
  // used = total - free - buffered - cached (gopsutil), not total - available.
  EXPECT_EQ(field<uint64_t>(p, "used"), 1888464 * kKiB);
  EXPECT_NEAR(field<double>(p, "used_percent"), 7.650533, 1e-6);
  EXPECT_NEAR(field<double>(p, "available_percent"), 91.109170, 1e-6);
  EXPECT_EQ(field<uint64_t>(p, "active"), 1158692 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "inactive"), 2424788 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "shared"), 8872 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "slab"), 167296 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "sreclaimable"), 137984 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "sunreclaim"), 29312 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "dirty"), 25820 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "mapped"), 56488 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "page_tables"), 10232 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "commit_limit"), 12342040 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "committed_as"), 2080056 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "swap_total"), 2097152 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "swap_free"), 1572864 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "swap_cached"), 0u);
  EXPECT_EQ(field<uint64_t>(p, "vmalloc_total"), 34359738367 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "vmalloc_used"), 14700 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "vmalloc_chunk"), 0u);
  EXPECT_EQ(field<uint64_t>(p, "huge_pages_total"), 16u);
  EXPECT_EQ(field<uint64_t>(p, "huge_pages_free"), 8u);
  EXPECT_EQ(field<uint64_t>(p, "huge_pages_size"), 2048 * kKiB);
  EXPECT_EQ(field<uint64_t>(p, "write_back"), 0u);
  EXPECT_EQ(field<uint64_t>(p, "write_back_tmp"), 0u);
  EXPECT_EQ(field<uint64_t>(p, "high_total"), 0u);
  EXPECT_EQ(field<uint64_t>(p, "low_free"), 0u);
  // The 34 fields of DataKit 1.84.1's Linux mem point (fixture metric-17).
  EXPECT_EQ(p.fields.size(), 34u);
}

TEST(MemInput, MissingAndGarbledMeminfo) {
  TempTree t(1);
  Result<MemInput> in = MemInput::create(MemConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  t.remove("proc/meminfo");
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/meminfo"), std::string::npos);
  t.write("proc/meminfo", "MemTotal:  -5 kB\n");
  st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("proc/meminfo"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sextant::agent::inputs

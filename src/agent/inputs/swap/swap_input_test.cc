#include "agent/inputs/swap/swap_input.h"

#include <gtest/gtest.h>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::field;
using testing::kT1;
using testing::samplePaths;
using testing::TempTree;

TEST(SwapInput, FieldsFromMeminfoAndVmstat) {
  SwapConfig cfg;
  cfg.tags = {{"a", "b"}};
  Result<SwapInput> in = SwapInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  const model::Point& p = out[0];
  EXPECT_EQ(p.measurement, "swap");
  EXPECT_EQ(testing::tag(p, "a"), "b");
  // SwapTotal 2097152 kB, SwapFree 1572864 kB, pswpin 25, pswpout 100 (pages of 4 KiB).
  EXPECT_EQ(field<uint64_t>(p, "total"), 2097152ull * 1024);
  EXPECT_EQ(field<uint64_t>(p, "free"), 1572864ull * 1024);
  EXPECT_EQ(field<uint64_t>(p, "used"), 524288ull * 1024);
  EXPECT_DOUBLE_EQ(field<double>(p, "used_percent"), 25.0);
  EXPECT_EQ(field<uint64_t>(p, "in"), 25u * 4096);
  EXPECT_EQ(field<uint64_t>(p, "out"), 100u * 4096);
  EXPECT_EQ(testing::fieldKeys(p),
            (std::vector<std::string>{"total", "used", "free", "used_percent", "in", "out"}));
}

TEST(SwapInput, NoSwapIsZeroPercent) {
  TempTree t(1);
  t.write("proc/meminfo", "MemTotal: 1000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
  Result<SwapInput> in = SwapInput::create(SwapConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(field<double>(out[0], "used_percent"), 0.0);
}

TEST(SwapInput, MissingVmstatIsAnError) {
  TempTree t(1);
  t.remove("proc/vmstat");
  Result<SwapInput> in = SwapInput::create(SwapConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/vmstat"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sextant::agent::inputs

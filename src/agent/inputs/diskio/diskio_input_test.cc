#include "agent/inputs/diskio/diskio_input.h"

#include <gtest/gtest.h>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::field;
using testing::kT1;
using testing::kT2;
using testing::samplePaths;
using testing::tag;
using testing::TempTree;

TEST(DiskioInput, CountersThenRatesOverTenSeconds) {
  TempTree t(1);
  Result<DiskioInput> in = DiskioInput::create(DiskioConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);  // loop0-7 and zram0 never did I/O
  const model::Point& p = out[0];
  EXPECT_EQ(p.measurement, "diskio");
  EXPECT_EQ(tag(p, "name"), "/dev/vda");
  EXPECT_EQ(tag(p, "serial"), "rootdisk-0001");  // udev's ID_SERIAL
  // 254 0 vda 58851 9033 3606650 25192 35904 29731 13488816 54537 0 16696 83061
  EXPECT_EQ(field<uint64_t>(p, "reads"), 58851u);
  EXPECT_EQ(field<uint64_t>(p, "merged_reads"), 9033u);
  EXPECT_EQ(field<uint64_t>(p, "read_bytes"), 3606650ull * 512);
  EXPECT_EQ(field<uint64_t>(p, "read_time"), 25192u);
  EXPECT_EQ(field<uint64_t>(p, "writes"), 35904u);
  EXPECT_EQ(field<uint64_t>(p, "merged_writes"), 29731u);
  EXPECT_EQ(field<uint64_t>(p, "write_bytes"), 13488816ull * 512);
  EXPECT_EQ(field<uint64_t>(p, "write_time"), 54537u);
  EXPECT_EQ(field<uint64_t>(p, "iops_in_progress"), 0u);
  EXPECT_EQ(field<uint64_t>(p, "io_time"), 16696u);
  EXPECT_EQ(field<uint64_t>(p, "weighted_io_time"), 83061u);
  EXPECT_EQ(p.findField("read_bytes/sec"), nullptr);  // no previous round yet

  t.copyFrom(2, "proc/diskstats");
  out.clear();
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  // +32 sectors read, +26352 sectors written, in 10 s.
  EXPECT_EQ(field<int64_t>(out[0], "read_bytes/sec"), 32 * 512 / 10);
  EXPECT_EQ(field<int64_t>(out[0], "write_bytes/sec"), 26352 * 512 / 10);
  EXPECT_EQ(out[0].fields.size(), 13u);  // as DataKit 1.84.1's fixture
}

TEST(DiskioInput, CountersGoingBackwardsGiveNoRate) {
  TempTree t(2);
  Result<DiskioInput> in = DiskioInput::create(DiskioConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  t.copyFrom(1, "proc/diskstats");
  out.clear();
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].findField("read_bytes/sec"), nullptr);
  EXPECT_EQ(out[0].findField("write_bytes/sec"), nullptr);
}

TEST(DiskioInput, UdevTagsNameTemplatesAndSerial) {
  DiskioConfig cfg;
  cfg.device_tags = {"ID_FS_TYPE", "NOT_THERE"};
  cfg.name_templates = {"$MISSING", "${ID_FS_LABEL}-$device"};
  cfg.tags = {{"name", "ignored"}, {"rack", "r1"}};
  Result<DiskioInput> in = DiskioInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(tag(out[0], "name"), "root-/dev/vda");
  EXPECT_EQ(tag(out[0], "ID_FS_TYPE"), "ext4");
  EXPECT_EQ(out[0].findTag("NOT_THERE"), nullptr);
  EXPECT_EQ(tag(out[0], "rack"), "r1");

  cfg = DiskioConfig{};
  cfg.skip_serial_number = true;
  in = DiskioInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  out.clear();
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(out[0].findTag("serial"), nullptr);

  TempTree t(1);
  t.remove("run/udev");  // containers: no udev database
  in = DiskioInput::create(DiskioConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  out.clear();
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(tag(out[0], "serial"), "unknown");
}

TEST(DiskioInput, DevicesRegexMatchesNamesAndLinks) {
  DiskioConfig cfg;
  cfg.devices = {"^sd"};
  Result<DiskioInput> in = DiskioInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_TRUE(out.empty());

  cfg.devices = {"by-id/virtio-rootdisk$"};  // a udev link of vda
  in = DiskioInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(out.size(), 1u);

  cfg.devices = {"vd("};
  EXPECT_FALSE(DiskioInput::create(cfg, samplePaths(1)).isOk());
}

TEST(DiskioInput, MissingAndGarbledDiskstats) {
  TempTree t(1);
  Result<DiskioInput> in = DiskioInput::create(DiskioConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  t.remove("proc/diskstats");
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/diskstats"), std::string::npos);
  t.write("proc/diskstats", " 254 0 vda 1 2 3 4 5 6 7 8 9 10 -11\n");
  st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("proc/diskstats"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(DiskioInput, RenderDeviceName) {
  UdevInfo u;
  u.properties = {{"DM_VG_NAME", "vg0"}, {"DM_LV_NAME", "root"}};
  EXPECT_EQ(renderDeviceName({"$DM_VG_NAME/$DM_LV_NAME"}, u, "/dev/dm-0"), "vg0/root");
  EXPECT_EQ(renderDeviceName({"$NOPE", "${device}:x"}, u, "/dev/dm-0"), "/dev/dm-0:x");
  EXPECT_EQ(renderDeviceName({"cost $5 ${"}, u, "/dev/dm-0"), "/dev/dm-0");  // $5 unresolved
  EXPECT_EQ(renderDeviceName({"plain-$"}, u, "/dev/dm-0"), "plain-$");
  EXPECT_EQ(renderDeviceName({}, u, "/dev/dm-0"), "/dev/dm-0");
}

}  // namespace
}  // namespace sextant::agent::inputs

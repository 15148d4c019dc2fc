#include "agent/inputs/disk/disk_input.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::fakeStatFs;
using testing::field;
using testing::findPoint;
using testing::kBigFs;
using testing::kSmallFs;
using testing::kT1;
using testing::samplePaths;
using testing::tag;
using testing::TempTree;

StatFsFn sampleStatFs() {
  return fakeStatFs({{"/", kBigFs},
                     {"/srv/bind", kBigFs},
                     {"/data", kSmallFs},
                     {"/mnt/with space", kSmallFs},
                     {"/mnt/nfs", kSmallFs},
                     {"/usr/local/datakit/data", kSmallFs},
                     {"/snap/core/1", kSmallFs},
                     {"/dev", FsStat{}}});  // a pseudo filesystem: total 0
}

std::vector<std::string> mountPoints(const std::vector<model::Point>& points) {
  std::vector<std::string> out;
  for (const model::Point& p : points) out.push_back(tag(p, "mount_point"));
  return out;
}

std::vector<model::Point> collect(const DiskConfig& cfg, const HostPaths& paths) {
  Result<DiskInput> in = DiskInput::create(cfg, paths, sampleStatFs());
  EXPECT_TRUE(in.isOk()) << in.status().toString();
  std::vector<model::Point> out;
  if (in.isOk()) {
    EXPECT_TRUE(in->collect(kT1, &out).isOk());
  }
  return out;
}

TEST(DiskInput, DefaultFiltersAndFields) {
  std::vector<model::Point> out = collect(DiskConfig{}, samplePaths(1));
  // Kept: /dev/vda on / (its bind mount merged), /dev/sdb1, /dev/sdd1. Dropped: devices not
  // under /dev (tmpfs, nfs, cgroup...), /dev/loop0 (squashfs), /dev/sdc (under
  // /usr/local/datakit).
  EXPECT_EQ(mountPoints(out), (std::vector<std::string>{"/", "/data", "/mnt/with space"}));
  const model::Point* root = findPoint(out, "disk", "mount_point", "/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->time_ns, kT1);
  EXPECT_EQ(tag(*root, "device"), "/dev/vda");
  EXPECT_EQ(tag(*root, "fstype"), "ext4");
  EXPECT_EQ(tag(*root, "disk_name"), "vda");
  EXPECT_EQ(field<uint64_t>(*root, "total"), 10'000'000ull * 4096);
  EXPECT_EQ(field<uint64_t>(*root, "free"), 3'500'000ull * 4096);
  EXPECT_EQ(field<uint64_t>(*root, "used"), 6'000'000ull * 4096);
  // used / (used + free) = 6.0M / 9.5M blocks
  EXPECT_NEAR(field<double>(*root, "used_percent"), 63.157894736842, 1e-9);
  EXPECT_EQ(field<uint64_t>(*root, "inodes_total_mb"), 6u);
  EXPECT_EQ(field<uint64_t>(*root, "inodes_free_mb"), 4u);
  EXPECT_EQ(field<uint64_t>(*root, "inodes_used_mb"), 1u);
  EXPECT_DOUBLE_EQ(field<double>(*root, "inodes_used_percent"), 25.0);
  EXPECT_EQ(field<uint64_t>(*root, "inodes_total"), 6'000'000u);
  EXPECT_EQ(field<uint64_t>(*root, "inodes_free"), 4'500'000u);
  EXPECT_EQ(field<uint64_t>(*root, "inodes_used"), 1'500'000u);
}

TEST(DiskInput, MergeOnDeviceOff) {
  DiskConfig cfg;
  cfg.merge_on_device = false;
  EXPECT_EQ(mountPoints(collect(cfg, samplePaths(1))),
            (std::vector<std::string>{"/", "/srv/bind", "/data", "/mnt/with space"}));
}

TEST(DiskInput, RegexFiltersAndDeviceLists) {
  DiskConfig cfg;
  cfg.ignore_fstypes = "";
  cfg.ignore_mountpoints = "";
  EXPECT_EQ(mountPoints(collect(cfg, samplePaths(1))),
            (std::vector<std::string>{"/", "/data", "/usr/local/datakit/data", "/snap/core/1",
                                      "/mnt/with space"}));
  cfg = DiskConfig{};
  cfg.ignore_fstypes = "^xfs$";
  cfg.ignore_mountpoints = "space";
  cfg.exclude_device = {"/dev/vda"};
  cfg.extra_device = {"server:/export"};
  EXPECT_EQ(mountPoints(collect(cfg, samplePaths(1))),
            (std::vector<std::string>{"/mnt/nfs", "/usr/local/datakit/data", "/snap/core/1"}));
}

TEST(DiskInput, OnlyPhysicalDeviceDropsNodevFilesystems) {
  TempTree t(1);
  t.write("proc/self/mountinfo",
          "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
          "2 1 0:50 / /mnt/fuse rw - fuse /dev/fuse rw\n");
  DiskConfig cfg;
  Result<DiskInput> in =
      DiskInput::create(cfg, t.paths(), fakeStatFs({{"/", kBigFs}, {"/mnt/fuse", kSmallFs}}));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(mountPoints(out), (std::vector<std::string>{"/", "/mnt/fuse"}));
  cfg.only_physical_device = true;  // "fuse" is nodev in proc/filesystems
  in = DiskInput::create(cfg, t.paths(), fakeStatFs({{"/", kBigFs}, {"/mnt/fuse", kSmallFs}}));
  ASSERT_TRUE(in.isOk());
  out.clear();
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(mountPoints(out), (std::vector<std::string>{"/"}));
}

TEST(DiskInput, DevRootAndDiskNameFromSysDevBlock) {
  TempTree t(1);
  t.write("proc/self/mountinfo", "1 0 8:17 / / rw - ext4 /dev/root rw\n");
  std::filesystem::create_directories(t.path("sys/dev/block"));
  std::filesystem::create_symlink("../../devices/pci0000:00/block/sdb/sdb1",
                                  t.path("sys/dev/block/8:17"));
  Result<DiskInput> in = DiskInput::create(DiskConfig{}, t.paths(), fakeStatFs({{"/", kBigFs}}));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(tag(out[0], "device"), "/dev/sdb1");
  EXPECT_EQ(tag(out[0], "disk_name"), "sdb1");
}

TEST(DiskInput, BadRegexIsRejected) {
  DiskConfig cfg;
  cfg.ignore_fstypes = "^(tmpfs";
  Result<DiskInput> in = DiskInput::create(cfg, samplePaths(1));
  ASSERT_FALSE(in.isOk());
  EXPECT_NE(in.status().message().find("ignore_fstypes"), std::string::npos);
}

TEST(DiskInput, MountTableFallbackAndErrors) {
  TempTree t(1);
  t.remove("proc/self/mountinfo");
  t.write("proc/mounts", "/dev/vda / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n");
  Result<DiskInput> in = DiskInput::create(DiskConfig{}, t.paths(), sampleStatFs());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(mountPoints(out), (std::vector<std::string>{"/"}));

  t.remove("proc/mounts");
  out.clear();
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/mounts"), std::string::npos) << st.toString();
  t.write("proc/self/mountinfo", "garbage line\n");
  st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("mountinfo"), std::string::npos) << st.toString();
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sextant::agent::inputs

// Parsers and helpers of host_common against the recorded samples and hand-written text.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "agent/inputs/host_common/diskstats.h"
#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/meminfo.h"
#include "agent/inputs/host_common/mounts.h"
#include "agent/inputs/host_common/net_stats.h"
#include "agent/inputs/host_common/proc_file.h"
#include "agent/inputs/host_common/proc_misc.h"
#include "agent/inputs/host_common/proc_stat.h"
#include "agent/inputs/host_common/regex_list.h"
#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::samplePaths;
using testing::TempTree;

std::string sampleFile(int n, std::string_view rel) {
  Result<std::string> r = readFile(samplePaths(n).procFile(rel));
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? *r : std::string();
}

TEST(HostPaths, DefaultsAndEnvironment) {
  std::map<std::string, std::string> env = {{"HOST_PROC", "/rootfs/proc"},
                                            {"HOST_SYS", "/rootfs/sys"},
                                            {"HOST_ETC", ""},
                                            {"HOST_ROOT", "/rootfs"},
                                            {"ENV_HOST_ROOT", "/host"}};
  HostPaths p = HostPaths::fromEnv([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_EQ(p.proc, "/rootfs/proc");
  EXPECT_EQ(p.sys, "/rootfs/sys");
  EXPECT_EQ(p.etc, "/etc");  // empty values are ignored
  EXPECT_EQ(p.var, "/var");
  EXPECT_EQ(p.run, "/run");
  EXPECT_EQ(p.root, "/host");  // ENV_HOST_ROOT wins, as in DataKit's disk input
  EXPECT_EQ(p.procFile("net/dev"), "/rootfs/proc/net/dev");
  EXPECT_EQ(p.procFile("/stat"), "/rootfs/proc/stat");
  EXPECT_TRUE(p.hasHostRoot());
  EXPECT_FALSE(HostPaths().hasHostRoot());
}

TEST(ProcFile, MissingFileIsNotFoundAndNamesThePath) {
  Result<std::string> r = readFile("/nonexistent/sextant/stat");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/sextant/stat"), std::string::npos);
}

TEST(ProcFile, NumbersAndFields) {
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;
  EXPECT_TRUE(parseUint64("18446744073709551615", &u));
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_FALSE(parseUint64("18446744073709551616", &u));
  EXPECT_FALSE(parseUint64("12a", &u));
  EXPECT_FALSE(parseUint64("", &u));
  EXPECT_TRUE(parseInt64("-1", &i));
  EXPECT_EQ(i, -1);
  EXPECT_TRUE(parseHexUint64("0000001f", &u));
  EXPECT_EQ(u, 31u);
  EXPECT_TRUE(parseDouble("3.70", &d));
  EXPECT_DOUBLE_EQ(d, 3.70);
  std::vector<std::string_view> f;
  splitFields("  a\t b  c ", &f);
  EXPECT_EQ(f, (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(unixSeconds(1'500'000'000), 1);
  EXPECT_EQ(unixSeconds(-1), -1);
}

TEST(ProcStat, ParsesRecordedSample) {
  ProcStat s;
  ASSERT_TRUE(parseProcStat(sampleFile(1, "stat"), "stat", &s).isOk());
  // cpu  424934 0 57435 81542 659 0 100 2521 0 0
  EXPECT_EQ(s.total.cpu, "cpu-total");
  EXPECT_DOUBLE_EQ(s.total.user, 4249.34);
  EXPECT_DOUBLE_EQ(s.total.system, 574.35);
  EXPECT_DOUBLE_EQ(s.total.idle, 815.42);
  EXPECT_DOUBLE_EQ(s.total.iowait, 6.59);
  EXPECT_DOUBLE_EQ(s.total.softirq, 1.00);
  EXPECT_DOUBLE_EQ(s.total.steal, 25.21);
  ASSERT_EQ(s.cpus.size(), 2u);
  EXPECT_EQ(s.cpus[0].cpu, "cpu0");
  EXPECT_EQ(s.cpus[1].cpu, "cpu1");
  EXPECT_DOUBLE_EQ(s.cpus[1].user, 2119.25);
  EXPECT_EQ(s.boot_time, 1795276440u);
}

TEST(ProcStat, GarbledAndIncompleteFilesAreErrors) {
  ProcStat s;
  Status st = parseProcStat("cpu  1 2 x 4\nbtime 1\n", "/p/stat", &s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("/p/stat: line 1"), std::string::npos) << st.toString();
  EXPECT_FALSE(parseProcStat("cpu 1 2\nbtime 1\n", "stat", &s).isOk());
  EXPECT_FALSE(parseProcStat("btime 1\n", "stat", &s).isOk());
  EXPECT_FALSE(parseProcStat("cpu 1 2 3 4\n", "stat", &s).isOk());
  EXPECT_FALSE(parseProcStat("", "stat", &s).isOk());
}

TEST(ProcStat, BusyPercentExcludesIdleIowaitAndGuest) {
  CpuTimes a;
  CpuTimes b;
  b.user = 30;  // includes 10 of guest
  b.guest = 10;
  b.system = 10;
  b.idle = 50;
  b.iowait = 10;
  // total without guest = 30 + 10 + 50 + 10 = 100; busy = 100 - 50 - 10 = 40
  EXPECT_DOUBLE_EQ(cpuBusyPercent(a, b), 40.0);
  EXPECT_DOUBLE_EQ(cpuBusyPercent(b, b), 0.0);  // busy did not grow
  EXPECT_DOUBLE_EQ(cpuBusyPercent(b, a), 0.0);  // counters went backwards
}

TEST(Meminfo, GopsutilFormulas) {
  MemInfo m;
  ASSERT_TRUE(parseMeminfo(sampleFile(1, "meminfo"), "meminfo", &m).isOk());
  EXPECT_EQ(m.total, 24684084ull * 1024);
  EXPECT_EQ(m.free, 20838416ull * 1024);
  EXPECT_EQ(m.available, 22489464ull * 1024);
  EXPECT_EQ(m.buffers, 10244ull * 1024);
  EXPECT_EQ(m.sreclaimable, 137984ull * 1024);
  EXPECT_EQ(m.cached, (1808976ull + 137984) * 1024);  // Cached + SReclaimable
  // total - free - buffers - cached = 24684084 - 20838416 - 10244 - 1946960 = 1888464 kB
  EXPECT_EQ(m.used, 1888464ull * 1024);
  EXPECT_DOUBLE_EQ(m.usedPercent(), 1888464.0 / 24684084.0 * 100);
  EXPECT_EQ(m.huge_pages_total, 16u);  // a count, not kB
  EXPECT_EQ(m.huge_pages_free, 8u);
  EXPECT_EQ(m.huge_page_size, 2048ull * 1024);
  EXPECT_EQ(m.vmalloc_total, 34359738367ull * 1024);
  EXPECT_EQ(m.swap_total, 2097152ull * 1024);
  EXPECT_EQ(m.shared, 8872ull * 1024);
}

TEST(Meminfo, WithoutMemAvailableUsesCachedPlusFree) {
  MemInfo m;
  ASSERT_TRUE(parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nCached: 200 kB\nBuffers: 50 kB\n",
                           "meminfo", &m)
                  .isOk());
  EXPECT_EQ(m.available, 300u * 1024);
  EXPECT_EQ(m.used, 650u * 1024);
}

TEST(Meminfo, GarbledIsAnError) {
  MemInfo m;
  Status st = parseMeminfo("MemTotal: 1000 kB\nMemFree: lots kB\n", "/x/meminfo", &m);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("/x/meminfo: line 2"), std::string::npos) << st.toString();
  EXPECT_FALSE(parseMeminfo("MemFree: 1 kB\n", "meminfo", &m).isOk());  // no MemTotal
  EXPECT_FALSE(parseMeminfo("MemTotal: 0 kB\n", "meminfo", &m).isOk());
}

TEST(Vmstat, SwapPagesAreFourKiB) {
  SwapActivity a;
  ASSERT_TRUE(parseVmstat(sampleFile(1, "vmstat"), "vmstat", &a).isOk());
  EXPECT_EQ(a.swapped_in, 25u * 4096);
  EXPECT_EQ(a.swapped_out, 100u * 4096);
}

TEST(Diskstats, SkipsUnusedDevicesAndCountsBytes) {
  std::vector<DiskStat> d;
  ASSERT_TRUE(parseDiskstats(sampleFile(1, "diskstats"), "diskstats", &d).isOk());
  // loop0-7 and zram0 never did I/O.
  ASSERT_EQ(d.size(), 1u);
  // 254 0 vda 58851 9033 3606650 25192 35904 29731 13488816 54537 0 16696 83061 ...
  EXPECT_EQ(d[0].name, "vda");
  EXPECT_EQ(d[0].major, 254u);
  EXPECT_EQ(d[0].reads, 58851u);
  EXPECT_EQ(d[0].merged_reads, 9033u);
  EXPECT_EQ(d[0].read_bytes, 3606650ull * 512);
  EXPECT_EQ(d[0].read_time, 25192u);
  EXPECT_EQ(d[0].writes, 35904u);
  EXPECT_EQ(d[0].merged_writes, 29731u);
  EXPECT_EQ(d[0].write_bytes, 13488816ull * 512);
  EXPECT_EQ(d[0].write_time, 54537u);
  EXPECT_EQ(d[0].iops_in_progress, 0u);
  EXPECT_EQ(d[0].io_time, 16696u);
  EXPECT_EQ(d[0].weighted_io_time, 83061u);
  EXPECT_FALSE(parseDiskstats(" 8 0 sda 1 2 3 4 5 6 7 8 9 x 11\n", "diskstats", &d).isOk());
}

TEST(NetStats, NetDevAndSnmp) {
  std::vector<NetDevStat> dev;
  ASSERT_TRUE(parseNetDev(sampleFile(1, "net/dev"), "net/dev", &dev).isOk());
  ASSERT_EQ(dev.size(), 5u);
  EXPECT_EQ(dev[3].name, "eth0");
  EXPECT_EQ(dev[3].bytes_recv, 19585270u);
  EXPECT_EQ(dev[3].packets_recv, 504u);
  EXPECT_EQ(dev[3].bytes_sent, 30895u);
  EXPECT_EQ(dev[3].packets_sent, 381u);
  EXPECT_EQ(dev[4].name, "eth1");

  std::vector<ProtoCounters> protos;
  ASSERT_TRUE(parseNetSnmp(sampleFile(1, "net/snmp"), "net/snmp", {"Tcp", "Udp"}, &protos).isOk());
  ASSERT_EQ(protos.size(), 2u);
  EXPECT_EQ(protos[0].protocol, "Tcp");
  ASSERT_EQ(protos[0].stats.size(), 15u);
  EXPECT_EQ(protos[0].stats[3], (std::pair<std::string, int64_t>{"MaxConn", -1}));
  EXPECT_EQ(protos[0].stats[9], (std::pair<std::string, int64_t>{"InSegs", 5795}));
  EXPECT_EQ(protos[1].protocol, "Udp");  // not UdpLite
  EXPECT_EQ(protos[1].stats.size(), 9u);
  EXPECT_FALSE(parseNetSnmp("Tcp: A B\nTcp: 1\n", "snmp", {"Tcp"}, &protos).isOk());
  EXPECT_FALSE(parseNetDev("h1\nh2\n  eth0: 1 2 3\n", "dev", &dev).isOk());
}

TEST(NetStats, VirtualInterfacesAndFlags) {
  std::set<std::string> v;
  ASSERT_TRUE(virtualInterfaces(samplePaths(1), false, &v).isOk());
  EXPECT_EQ(v, (std::set<std::string>{"ifb0", "ifb1", "lo"}));
  EXPECT_EQ(interfaceFlags(samplePaths(1), "eth0"), 0x1003u);
  EXPECT_EQ(interfaceFlags(samplePaths(1), "lo"), 0x9u);  // through the class/net symlink
  EXPECT_EQ(interfaceFlags(samplePaths(1), "nope"), std::nullopt);
}

TEST(ProcMisc, LoadFileNrConntrackUtmp) {
  LoadAvg l;
  ASSERT_TRUE(parseLoadavg(sampleFile(1, "loadavg"), "loadavg", &l).isOk());
  EXPECT_DOUBLE_EQ(l.load1, 3.70);
  EXPECT_DOUBLE_EQ(l.load5, 3.14);
  EXPECT_DOUBLE_EQ(l.load15, 3.57);
  EXPECT_FALSE(parseLoadavg("3.7 x\n", "loadavg", &l).isOk());

  FileFd fd;
  ASSERT_TRUE(parseFileNr(sampleFile(1, "sys/fs/file-nr"), "file-nr", &fd).isOk());
  EXPECT_EQ(fd.allocated, 856);
  EXPECT_EQ(fd.maximum, 2466170);
  EXPECT_DOUBLE_EQ(fd.maximumMega(), 2.46617);

  Conntrack ct;
  ASSERT_TRUE(readConntrack(samplePaths(1), &ct).isOk());
  EXPECT_EQ(ct.entries, 12);
  EXPECT_EQ(ct.entries_limit, 262144);
  // The two per-CPU rows of the hand-edited sample, summed.
  EXPECT_EQ(ct.stat_found, 0x10 + 0x20);
  EXPECT_EQ(ct.stat_invalid, 2 + 1);
  EXPECT_EQ(ct.stat_ignore, 5 + 5);
  EXPECT_EQ(ct.stat_insert, 1 + 2);
  EXPECT_EQ(ct.stat_insert_failed, 0 + 4);
  EXPECT_EQ(ct.stat_drop, 3 + 0);
  EXPECT_EQ(ct.stat_early_drop, 1 + 0);
  EXPECT_EQ(ct.stat_search_restart, 0xa + 1);

  Result<std::string> utmp = readFile(samplePaths(1).varFile("run/utmp"));
  ASSERT_TRUE(utmp.isOk());
  EXPECT_EQ(countUtmpUsers(*utmp), 2);  // alice and bob; not LOGIN or the boot record
}

TEST(ProcMisc, ConntrackWithoutModuleIsMinusOne) {
  TempTree t(1);
  t.remove("proc/sys/net/netfilter");
  t.remove("proc/net/stat");
  Conntrack ct;
  ASSERT_TRUE(readConntrack(t.paths(), &ct).isOk());
  EXPECT_EQ(ct.entries, -1);
  EXPECT_EQ(ct.entries_limit, -1);
  EXPECT_EQ(ct.stat_found, 0);

  t.write("proc/net/stat/nf_conntrack", "entries found\n0000000c zz\n");
  Status st = readConntrack(t.paths(), &ct);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("nf_conntrack"), std::string::npos) << st.toString();
}

TEST(Mounts, MountinfoEscapesAndDevices) {
  std::vector<MountEntry> m;
  ASSERT_TRUE(readMounts(samplePaths(1), &m).isOk());
  const MountEntry* root = nullptr;
  const MountEntry* spaced = nullptr;
  for (const MountEntry& e : m) {
    if (e.mount_point == "/") root = &e;
    if (e.device == "/dev/sdd1") spaced = &e;
  }
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->device, "/dev/vda");
  EXPECT_EQ(root->fstype, "ext4");
  EXPECT_EQ(root->major, 254u);
  ASSERT_NE(spaced, nullptr);
  EXPECT_EQ(spaced->mount_point, "/mnt/with space");

  std::vector<MountEntry> pm;
  ASSERT_TRUE(parseProcMounts("/dev/sda1 /boot ext4 rw 0 0\n", "mounts", &pm).isOk());
  ASSERT_EQ(pm.size(), 1u);
  EXPECT_EQ(pm[0].mount_point, "/boot");
  EXPECT_FALSE(parseMountinfo("1 2 3\n", "mountinfo", &pm).isOk());
}

TEST(Mounts, HostRootIsTrimmed) {
  TempTree t(1);
  t.write("proc/self/mountinfo",
          "1 0 8:1 / /rootfs rw - ext4 /dev/sda1 rw\n"
          "2 1 8:2 / /rootfs/data rw - xfs /rootfs/dev/sdb1 rw\n"
          "3 1 0:9 / /rootfsx rw - ext4 /dev/sdc rw\n");
  HostPaths p = t.paths();
  p.root = "/rootfs";
  std::vector<MountEntry> m;
  ASSERT_TRUE(readMounts(p, &m).isOk());
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].mount_point, "/");
  EXPECT_EQ(m[0].stat_path, "/rootfs");
  EXPECT_EQ(m[1].mount_point, "/data");
  EXPECT_EQ(m[1].device, "/dev/sdb1");
  EXPECT_EQ(m[2].mount_point, "/rootfsx");  // not under /rootfs
}

TEST(Mounts, DeviceRuleAndNodev) {
  EXPECT_TRUE(deviceSelected("/dev/vda", {}, {}));
  EXPECT_FALSE(deviceSelected("tmpfs", {}, {}));
  EXPECT_TRUE(deviceSelected("server:/export", {"SERVER:/export"}, {}));
  EXPECT_FALSE(deviceSelected("/dev/loop0", {}, {"/dev/LOOP0"}));
  std::set<std::string> nodev;
  ASSERT_TRUE(readNodevFilesystems(samplePaths(1), &nodev).isOk());
  EXPECT_EQ(nodev.count("tmpfs"), 1u);
  EXPECT_EQ(nodev.count("ext4"), 0u);
}

TEST(Mounts, FsUsageAsGopsutil) {
  FsStat st{.blocks = 1000,
            .blocks_free = 400,
            .blocks_avail = 300,
            .block_size = 4096,
            .files = 2'000'000,
            .files_free = 500'000};
  FsUsage u = fsUsage(st);
  EXPECT_EQ(u.total, 1000u * 4096);
  EXPECT_EQ(u.free, 300u * 4096);  // available to users, not all free blocks
  EXPECT_EQ(u.used, 600u * 4096);
  EXPECT_EQ(u.inodes_used, 1'500'000u);
  EXPECT_DOUBLE_EQ(u.inodes_used_percent, 75.0);
  st.files = 0;
  st.files_free = 5;  // no inode information: gopsutil stops before used
  u = fsUsage(st);
  EXPECT_EQ(u.used, 0u);
  EXPECT_EQ(u.inodes_used, 0u);
}

TEST(InputUtil, RatesNeverGoNegative) {
  EXPECT_EQ(perSecond(uint64_t{100}, uint64_t{1100}, 10), 100);
  EXPECT_EQ(perSecond(uint64_t{100}, uint64_t{105}, 10), 0);  // integer division, as DataKit
  EXPECT_EQ(perSecond(uint64_t{1100}, uint64_t{100}, 10), std::nullopt);
  EXPECT_EQ(perSecond(uint64_t{0}, uint64_t{10}, 0), std::nullopt);
  EXPECT_EQ(perSecond(int64_t{-5}, int64_t{15}, 2), 10);
  EXPECT_EQ(perSecond(uint64_t{0}, UINT64_MAX, 1), std::nullopt);

  model::Point p;
  p.addTag("cpu", "cpu-total");
  addConfigTags({{"cpu", "override"}, {"team", "infra"}}, &p);
  EXPECT_EQ(testing::tag(p, "cpu"), "cpu-total");
  EXPECT_EQ(testing::tag(p, "team"), "infra");
  EXPECT_EQ(clampInterval(std::chrono::milliseconds(10), std::chrono::seconds(1),
                          std::chrono::minutes(1)),
            std::chrono::seconds(1));
}

TEST(RegexList, CompileAndMatch) {
  Result<RegexList> r = RegexList::compile({"^eth\\d+$", "", "lo"}, "interfaces");
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->matchesAny("eth0"));
  EXPECT_TRUE(r->matchesAny("lo"));
  EXPECT_TRUE(r->matchesAny("xlox"));  // unanchored, as Go's MatchString
  EXPECT_FALSE(r->matchesAny("eth0.100"));
  Result<RegexList> bad = RegexList::compile({"eth("}, "interfaces");
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("interfaces"), std::string::npos);
}

}  // namespace
}  // namespace sextant::agent::inputs

#include "agent/inputs/hostobject/hostobject_input.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "agent/inputs/host_common/test_util.h"

namespace sextant::agent::inputs {
namespace {

using testing::field;
using testing::kT1;
using testing::kT2;
using testing::samplePaths;
using testing::tag;
using testing::TempTree;

StatFsFn sampleStatFs() {
  return testing::fakeStatFs({{"/", testing::kBigFs},
                              {"/srv/bind", testing::kBigFs},
                              {"/data", testing::kSmallFs},
                              {"/mnt/with space", testing::kSmallFs},
                              {"/snap/core/1", testing::kSmallFs},
                              {"/usr/local/datakit/data", testing::kSmallFs},
                              {"/mnt/nfs", testing::kSmallFs}});
}

Status fakeAddrs(std::vector<InterfaceAddress>* out) {
  *out = {{"lo", "127.0.0.1/8"},
          {"eth0", "192.0.2.2/24"},
          {"eth0", "fd00::2/64"},
          {"eth0", "fe80::fc:ff:fe00:1/64"}};
  return Status::ok();
}

AgentInfo agentInfo() {
  AgentInfo a;
  a.version = "1.84.1";
  a.http_listen = "127.0.0.1:19529";
  a.is_docker = true;
  a.collectors = {{.name = "cpu", .count = 3}, {.name = "disk", .count = 0}};
  return a;
}

std::string_view str(simdjson::dom::element e) {
  std::string_view s;
  EXPECT_EQ(e.get(s), simdjson::SUCCESS);
  return s;
}
int64_t i64(simdjson::dom::element e) {
  int64_t v = 0;
  EXPECT_EQ(e.get(v), simdjson::SUCCESS);
  return v;
}
double f64(simdjson::dom::element e) {
  double v = 0;
  EXPECT_EQ(e.get(v), simdjson::SUCCESS);
  return v;
}

TEST(HostObjectInput, PointFromRecordedSample) {
  TempTree t(1);
  Result<HostObjectInput> in = HostObjectInput::create(HostObjectConfig{}, t.paths(), agentInfo(),
                                                       sampleStatFs(), fakeAddrs);
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  const model::Point& p = out[0];
  EXPECT_EQ(p.category, model::Category::kObject);
  EXPECT_EQ(p.measurement, "HOST");
  EXPECT_EQ(p.time_ns, kT1);
  EXPECT_EQ(tag(p, "name"), "vm");  // proc/sys/kernel/hostname
  EXPECT_EQ(tag(p, "os"), "linux");
  EXPECT_EQ(tag(p, "unicast_ip"), "192.0.2.2");
  EXPECT_EQ(tag(p, "arch"), "x86_64");
  EXPECT_EQ(p.findTag("host"), nullptr);
  EXPECT_EQ(field<uint64_t>(p, "start_time"), 1795276440000u);  // btime in ms
  EXPECT_EQ(field<std::string>(p, "datakit_ver"), "1.84.1");
  EXPECT_NEAR(field<double>(p, "cpu_usage"), 85.507351, 1e-6);  // since boot, first round
  EXPECT_NEAR(field<double>(p, "mem_used_percent"), 7.650533, 1e-6);
  EXPECT_DOUBLE_EQ(field<double>(p, "load"), 3.14);  // load5
  // Disks: / (vda; its bind mount merged), /data, /mnt/with space, /snap/core/1,
  // /usr/local/datakit/data: the HOST object does not apply the disk input's regexes.
  // total = 40960000000 + 4 * 102400; used = 24576000000 + 4 * 51200.
  EXPECT_EQ(field<uint64_t>(p, "disk_total"), 40960409600u);
  EXPECT_NEAR(field<double>(p, "disk_used_percent"), 59.999900001, 1e-9);
  EXPECT_EQ(field<int64_t>(p, "diskio_read_bytes_per_sec"), 0);
  EXPECT_EQ(field<int64_t>(p, "net_recv_bytes_per_sec"), 0);
  EXPECT_EQ(field<std::string>(p, "logging_level"), "info");
  EXPECT_EQ(field<int64_t>(p, "num_cpu"), 2);
  EXPECT_EQ(field<std::string>(p, "Scheck"), "");
  EXPECT_EQ(field<int64_t>(p, "is_docker"), 1);

  simdjson::dom::parser parser;
  simdjson::dom::element msg;
  const std::string& text = field<std::string>(p, "message");
  ASSERT_EQ(parser.parse(text).get(msg), simdjson::SUCCESS) << text;
  simdjson::dom::element meta = msg["host"]["meta"];
  EXPECT_EQ(str(meta["host_name"]), "vm");
  EXPECT_EQ(i64(meta["boot_time"]), 1795276440);
  EXPECT_EQ(str(meta["os"]), "linux");
  EXPECT_EQ(str(meta["platform"]), "debian");
  EXPECT_EQ(str(meta["platform_family"]), "debian");
  EXPECT_EQ(str(meta["platform_version"]), "12.11");  // etc/debian_version
  EXPECT_EQ(str(meta["kernel_release"]), "6.18.44-fc-v669");
  EXPECT_EQ(str(meta["arch"]), "x86_64");

  simdjson::dom::array cpus;
  ASSERT_EQ(msg["host"]["cpu"].get(cpus), simdjson::SUCCESS);
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_EQ(str(cpus.at(0)["vendor_id"]), "GenuineIntel");
  EXPECT_EQ(str(cpus.at(0)["module_name"]), "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(i64(cpus.at(0)["cores"]), 1);
  EXPECT_DOUBLE_EQ(f64(cpus.at(0)["mhz"]), 2600.0);
  EXPECT_EQ(i64(cpus.at(0)["cache_size"]), 491520);
  EXPECT_NE(text.find("\"mhz\":2600,"), std::string::npos);  // Go's float spelling

  EXPECT_EQ(i64(msg["host"]["mem"]["memory_total"]), 24684084ll * 1024);
  EXPECT_EQ(i64(msg["host"]["mem"]["swap_total"]), 2097152ll * 1024);

  simdjson::dom::array nets;
  ASSERT_EQ(msg["host"]["net"].get(nets), simdjson::SUCCESS);
  ASSERT_EQ(nets.size(), 2u);  // eth0 (ifindex 4), eth1 (5); lo and ifb* are virtual
  simdjson::dom::element eth0 = nets.at(0);
  EXPECT_EQ(str(eth0["name"]), "eth0");
  EXPECT_EQ(i64(eth0["mtu"]), 1400);
  EXPECT_EQ(str(eth0["mac"]), "02:fc:00:00:00:01");
  simdjson::dom::array flags;
  ASSERT_EQ(eth0["flags"].get(flags), simdjson::SUCCESS);
  ASSERT_EQ(flags.size(), 3u);
  EXPECT_EQ(str(flags.at(0)), "up");
  EXPECT_EQ(str(flags.at(1)), "broadcast");
  EXPECT_EQ(str(flags.at(2)), "multicast");
  EXPECT_EQ(str(eth0["ip4"]), "192.0.2.2/24");
  EXPECT_EQ(str(eth0["ip6"]), "fe80::fc:ff:fe00:1/64");  // the last one, as DataKit
  simdjson::dom::array ip6_all;
  ASSERT_EQ(eth0["ip6_all"].get(ip6_all), simdjson::SUCCESS);
  EXPECT_EQ(ip6_all.size(), 2u);
  EXPECT_EQ(str(nets.at(1)["name"]), "eth1");
  EXPECT_TRUE(nets.at(1)["ip4_all"].is_null());

  simdjson::dom::array disks;
  ASSERT_EQ(msg["host"]["disk"].get(disks), simdjson::SUCCESS);
  ASSERT_EQ(disks.size(), 5u);
  EXPECT_EQ(str(disks.at(0)["device"]), "/dev/vda");
  EXPECT_EQ(str(disks.at(0)["mountpoint"]), "/");
  EXPECT_EQ(str(disks.at(0)["fstype"]), "ext4");
  EXPECT_EQ(i64(disks.at(0)["total"]), 40960000000);
  EXPECT_EQ(str(disks.at(1)["mountpoint"]), "/data");

  EXPECT_EQ(i64(msg["host"]["conntrack"]["entries"]), 12);
  EXPECT_EQ(i64(msg["host"]["conntrack"]["stat_found"]), 0x30);
  EXPECT_EQ(i64(msg["host"]["filefd"]["allocated"]), 856);
  EXPECT_EQ(i64(msg["host"]["filefd"]["maximum"]), 2466170);
  EXPECT_DOUBLE_EQ(f64(msg["host"]["filefd"]["maximum_mega"]), 2.46617);
  EXPECT_EQ(str(msg["host"]["election"]["status"]), "disabled");
  EXPECT_EQ(str(msg["host"]["election"]["elected_hostname"]), "<checking...>");
  simdjson::dom::object config_file;
  ASSERT_EQ(msg["host"]["config_file"].get(config_file), simdjson::SUCCESS);
  EXPECT_EQ(config_file.size(), 0u);
  simdjson::dom::array collectors;
  ASSERT_EQ(msg["collectors"].get(collectors), simdjson::SUCCESS);
  ASSERT_EQ(collectors.size(), 2u);
  EXPECT_EQ(str(collectors.at(0)["name"]), "cpu");
  EXPECT_EQ(i64(collectors.at(0)["count"]), 3);
  EXPECT_EQ(collectors.at(0)["version"].error(), simdjson::NO_SUCH_FIELD);  // omitted when empty
  EXPECT_EQ(str(msg["config"]["ip"]), "192.0.2.2");
  EXPECT_EQ(str(msg["config"]["http_listen"]), "127.0.0.1:19529");
  bool dca = true;
  ASSERT_EQ(msg["config"]["dca_config"]["enable"].get(dca), simdjson::SUCCESS);
  EXPECT_FALSE(dca);
}

TEST(HostObjectInput, RatesAndCpuUsageOverTheInterval) {
  TempTree t(1);
  Result<HostObjectInput> in = HostObjectInput::create(HostObjectConfig{}, t.paths(), agentInfo(),
                                                       sampleStatFs(), fakeAddrs);
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  t.copyFrom(2, "proc/stat");
  t.copyFrom(2, "proc/net/dev");
  t.copyFrom(2, "proc/diskstats");
  out.clear();
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  const model::Point& p = out[0];
  EXPECT_NEAR(field<double>(p, "cpu_usage"), 5.75, 1e-9);  // busy 2300 of 40000 ticks
  // eth0 + eth1 (the reported interfaces): +20000 B in, +5000 B out in 10 s.
  EXPECT_EQ(field<int64_t>(p, "net_recv_bytes_per_sec"), 2000);
  EXPECT_EQ(field<int64_t>(p, "net_send_bytes_per_sec"), 500);
  // vda: +32 sectors read, +26352 written.
  EXPECT_EQ(field<int64_t>(p, "diskio_read_bytes_per_sec"), 1638);
  EXPECT_EQ(field<int64_t>(p, "diskio_write_bytes_per_sec"), 1349222);

  t.copyFrom(1, "proc/net/dev");  // counters reset: the rate reads 0, never negative
  out.clear();
  ASSERT_TRUE(in->collect(kT2 + 10'000'000'000, &out).isOk());
  EXPECT_EQ(field<int64_t>(out[0], "net_recv_bytes_per_sec"), 0);
}

TEST(HostObjectInput, AgentInfoOverridesAndVirtualInterfaces) {
  AgentInfo a = agentInfo();
  a.hostname = "fixture-host";
  a.ip = "10.0.0.9";
  a.collectors[0].version = "scheck-1";
  HostObjectConfig cfg;
  cfg.enable_net_virtual_interfaces = true;
  cfg.tags = {{"name", "ignored"}, {"zone", "z1"}};
  Result<HostObjectInput> in =
      HostObjectInput::create(cfg, samplePaths(1), a, sampleStatFs(), fakeAddrs);
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  const model::Point& p = out[0];
  EXPECT_EQ(tag(p, "name"), "fixture-host");
  EXPECT_EQ(tag(p, "unicast_ip"), "10.0.0.9");
  EXPECT_EQ(tag(p, "zone"), "z1");
  EXPECT_EQ(field<std::string>(p, "Scheck"), "scheck-1");
  const std::string& msg = field<std::string>(p, "message");
  EXPECT_NE(msg.find("\"name\":\"lo\""), std::string::npos);
  EXPECT_NE(msg.find("\"name\":\"ifb0\""), std::string::npos);
  EXPECT_EQ(msg.find("127.0.0.1/8"), std::string::npos);  // loopback addresses are left out
}

TEST(HostObjectInput, MissingFiles) {
  TempTree t(1);
  Result<HostObjectInput> in = HostObjectInput::create(HostObjectConfig{}, t.paths(), agentInfo(),
                                                       sampleStatFs(), fakeAddrs);
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  t.remove("proc/cpuinfo");
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/cpuinfo"), std::string::npos);
  ASSERT_EQ(out.size(), 1u);  // still reported, with "cpu": null
  EXPECT_NE(field<std::string>(out[0], "message").find("\"cpu\":null"), std::string::npos);

  t.remove("proc/stat");
  out.clear();
  st = in->collect(kT2, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/stat"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(HostObjectInput, GoJsonFloat) {
  EXPECT_EQ(goJsonFloat(2000), "2000");
  EXPECT_EQ(goJsonFloat(2.46617), "2.46617");
  EXPECT_EQ(goJsonFloat(0), "0");
  EXPECT_EQ(goJsonFloat(-0.5), "-0.5");
  EXPECT_EQ(goJsonFloat(1e-7), "1e-7");
  EXPECT_EQ(goJsonFloat(1e21), "1e+21");
  EXPECT_EQ(goJsonFloat(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(goJsonFloat(0.000123), "0.000123");
  EXPECT_EQ(goJsonFloat(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(goJsonFloat(99.49924887330928), "99.49924887330928");
}

TEST(HostObjectInput, PlatformFromOsRelease) {
  TempTree t(1);
  t.write("etc/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n");
  t.remove("etc/debian_version");
  Platform p = readPlatform(t.paths());
  EXPECT_EQ(p.platform, "ubuntu");
  EXPECT_EQ(p.family, "debian");
  EXPECT_EQ(p.version, "22.04");
}

}  // namespace
}  // namespace sextant::agent::inputs

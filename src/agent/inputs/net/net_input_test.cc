#include "agent/inputs/net/net_input.h"

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

std::vector<std::string> interfaces(const std::vector<model::Point>& points) {
  std::vector<std::string> out;
  for (const model::Point& p : points) out.push_back(tag(p, "interface"));
  return out;
}

TEST(NetInput, InterfacesProtocolsAndRates) {
  TempTree t(1);
  Result<NetInput> in = NetInput::create(NetConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  // eth1 is down, lo/ifb0/ifb1 are virtual.
  EXPECT_EQ(interfaces(out), (std::vector<std::string>{"eth0", "all"}));
  const model::Point* eth0 = findPoint(out, "net", "interface", "eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ(field<uint64_t>(*eth0, "bytes_recv"), 19585270u);
  EXPECT_EQ(field<uint64_t>(*eth0, "packets_recv"), 504u);
  EXPECT_EQ(field<uint64_t>(*eth0, "bytes_sent"), 30895u);
  EXPECT_EQ(field<uint64_t>(*eth0, "packets_sent"), 381u);
  EXPECT_EQ(field<uint64_t>(*eth0, "err_in"), 0u);
  EXPECT_EQ(field<uint64_t>(*eth0, "drop_out"), 0u);
  EXPECT_EQ(eth0->fields.size(), 8u);  // no rates in the first round, as DataKit
  const model::Point* all = findPoint(out, "net", "interface", "all");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(field<int64_t>(*all, "tcp_rtoalgorithm"), 1);
  EXPECT_EQ(field<int64_t>(*all, "tcp_rtomin"), 200);
  EXPECT_EQ(field<int64_t>(*all, "tcp_rtomax"), 120000);
  EXPECT_EQ(field<int64_t>(*all, "tcp_maxconn"), -1);
  EXPECT_EQ(field<int64_t>(*all, "tcp_insegs"), 5795);
  EXPECT_EQ(field<int64_t>(*all, "udp_indatagrams"), 29);
  EXPECT_EQ(field<int64_t>(*all, "udp_memerrors"), 0);
  EXPECT_EQ(all->findField("udplite_indatagrams"), nullptr);
  EXPECT_EQ(all->fields.size(), 24u);  // 15 Tcp + 9 Udp counters

  // sample2, 10 s later: eth0 +20000 B / +100 packets in, +5000 B / +50 packets out;
  // Tcp InSegs +100, OutSegs +50; Udp InDatagrams +20, OutDatagrams +10.
  t.copyFrom(2, "proc/net/dev");
  t.copyFrom(2, "proc/net/snmp");
  out.clear();
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  eth0 = findPoint(out, "net", "interface", "eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ(field<int64_t>(*eth0, "bytes_recv/sec"), 2000);
  EXPECT_EQ(field<int64_t>(*eth0, "bytes_sent/sec"), 500);
  EXPECT_EQ(field<int64_t>(*eth0, "packets_recv/sec"), 10);
  EXPECT_EQ(field<int64_t>(*eth0, "packets_sent/sec"), 5);
  all = findPoint(out, "net", "interface", "all");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(field<int64_t>(*all, "tcp_insegs/sec"), 10);
  EXPECT_EQ(field<int64_t>(*all, "tcp_outsegs/sec"), 5);
  EXPECT_EQ(field<int64_t>(*all, "udp_indatagrams/sec"), 2);
  EXPECT_EQ(field<int64_t>(*all, "udp_outdatagrams/sec"), 1);
  EXPECT_EQ(all->fields.size(), 28u);
}

TEST(NetInput, VirtualInterfacesRegexAndProtocolSwitch) {
  NetConfig cfg;
  cfg.enable_virtual_interfaces = true;
  cfg.ignore_protocol_stats = true;
  Result<NetInput> in = NetInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  // ifb0/ifb1 are virtual and down (flags 0x82).
  EXPECT_EQ(interfaces(out), (std::vector<std::string>{"lo", "eth0"}));

  cfg.interfaces = {"^lo$", "^eth1$"};
  in = NetInput::create(cfg, samplePaths(1));
  ASSERT_TRUE(in.isOk());
  out.clear();
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  EXPECT_EQ(interfaces(out), (std::vector<std::string>{"lo"}));

  cfg.interfaces = {"eth["};
  EXPECT_FALSE(NetInput::create(cfg, samplePaths(1)).isOk());
}

TEST(NetInput, CountersGoingBackwardsGiveNoRates) {
  TempTree t(2);
  Result<NetInput> in = NetInput::create(NetConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  ASSERT_TRUE(in->collect(kT1, &out).isOk());
  t.copyFrom(1, "proc/net/dev");
  t.copyFrom(1, "proc/net/snmp");
  out.clear();
  ASSERT_TRUE(in->collect(kT2, &out).isOk());
  for (const model::Point& p : out) {
    for (const model::Field& f : p.fields) {
      EXPECT_EQ(f.key.find("/sec"), std::string::npos) << f.key;
    }
  }
}

TEST(NetInput, SnmpErrorsKeepInterfacePoints) {
  TempTree t(1);
  t.remove("proc/net/snmp");
  Result<NetInput> in = NetInput::create(NetConfig{}, t.paths());
  ASSERT_TRUE(in.isOk());
  std::vector<model::Point> out;
  Status st = in->collect(kT1, &out);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("proc/net/snmp"), std::string::npos);
  EXPECT_EQ(interfaces(out), (std::vector<std::string>{"eth0"}));

  t.write("proc/net/dev", "h1\nh2\n  eth0: 1 2 3\n");
  out.clear();
  st = in->collect(kT2, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("proc/net/dev"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sextant::agent::inputs

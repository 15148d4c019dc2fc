// The host inputs against what DataKit 1.84.1 really sent (../shared/fixtures/datakit-upload):
// every measurement DataKit produced has the same tag keys, field names and field types
// (int / uint / float / string, read from the protobuf bodies) in our points.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "agent/inputs/cpu/cpu_input.h"
#include "agent/inputs/diskio/diskio_input.h"
#include "agent/inputs/host_common/test_util.h"
#include "agent/inputs/hostobject/hostobject_input.h"
#include "agent/inputs/mem/mem_input.h"
#include "agent/inputs/net/net_input.h"
#include "agent/inputs/swap/swap_input.h"
#include "agent/inputs/system/system_input.h"
#include "codec/compression/compression.h"
#include "codec/point_pb/point_pb.h"

namespace sextant::agent::inputs {
namespace {

using testing::kT1;
using testing::kT2;
using testing::TempTree;

// "net" splits into the per-interface points and the interface="all" protocol point.
std::string kindOf(const model::Point& p) {
  if (p.measurement != "net") return p.measurement;
  const model::Tag* t = p.findTag("interface");
  return t != nullptr && t->value == "all" ? "net/all" : "net/interface";
}

struct Shape {
  std::set<std::string> tags;
  std::map<std::string, model::FieldType> fields;
};

void addShape(const model::Point& p, std::map<std::string, Shape>* shapes) {
  Shape& s = (*shapes)[kindOf(p)];
  for (const model::Tag& t : p.tags) {
    // Added by DataKit's global host tags (and the fixture's ENV_GLOBAL_HOST_TAGS), not inputs.
    if (t.key != "host" && t.key != "cluster_name_k8s") s.tags.insert(t.key);
  }
  for (const model::Field& f : p.fields) {
    if (f.key != "__orig_time") s.fields[f.key] = model::fieldType(f.value);  // time correction
  }
}

std::map<std::string, Shape> fixtureShapes() {
  std::map<std::string, Shape> shapes;
  std::string dir = std::string(SEXTANT_SHARED_DIR) + "/fixtures/datakit-upload";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".body") continue;
    bool object = name.rfind("object-", 0) == 0;
    if (!object && name.rfind("metric-", 0) != 0) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream body;
    body << f.rdbuf();
    Result<std::string> raw =
        codec::decompress(body.str(), codec::ContentEncoding::kGzip, 64 << 20);
    EXPECT_TRUE(raw.isOk()) << name;
    if (!raw.isOk()) continue;
    Result<std::vector<model::Point>> points =
        codec::pb::decode(*raw, object ? model::Category::kObject : model::Category::kMetric);
    EXPECT_TRUE(points.isOk()) << name << ": " << points.status().toString();
    if (!points.isOk()) continue;
    for (const model::Point& p : *points) addShape(p, &shapes);
  }
  return shapes;
}

Status noAddrs(std::vector<InterfaceAddress>* out) {
  *out = {{"eth0", "192.0.2.2/24"}};
  return Status::ok();
}

// Two rounds of every input over the recorded samples, so rates are present.
std::map<std::string, Shape> ourShapes() {
  TempTree t(1);
  HostPaths paths = t.paths();
  auto statfs = [](const std::string&, FsStat* out) {
    *out = FsStat{.blocks = 100,
                  .blocks_free = 50,
                  .blocks_avail = 40,
                  .block_size = 4096,
                  .files = 100,
                  .files_free = 50};
    return Status::ok();
  };
  AgentInfo agent;
  agent.collectors = {{.name = "cpu", .count = 0}};
  Result<CpuInput> cpu = CpuInput::create(CpuConfig{}, paths);
  Result<MemInput> mem = MemInput::create(MemConfig{}, paths);
  Result<SwapInput> swap = SwapInput::create(SwapConfig{}, paths);
  Result<SystemInput> system = SystemInput::create(SystemConfig{}, paths);
  Result<DiskioInput> diskio = DiskioInput::create(DiskioConfig{}, paths);
  Result<NetInput> net = NetInput::create(NetConfig{}, paths);
  Result<HostObjectInput> host =
      HostObjectInput::create(HostObjectConfig{}, paths, agent, statfs, noAddrs);
  EXPECT_TRUE(cpu.isOk() && mem.isOk() && swap.isOk() && system.isOk() && diskio.isOk() &&
              net.isOk() && host.isOk());
  std::vector<model::Point> out;
  for (int64_t now : {kT1, kT2}) {
    if (now == kT2) {
      for (const char* f : {"proc/stat", "proc/loadavg", "proc/meminfo", "proc/diskstats",
                            "proc/net/dev", "proc/net/snmp"}) {
        t.copyFrom(2, f);
      }
    }
    out.clear();
    EXPECT_TRUE(cpu->collect(now, &out).isOk());
    EXPECT_TRUE(mem->collect(now, &out).isOk());
    EXPECT_TRUE(swap->collect(now, &out).isOk());
    EXPECT_TRUE(system->collect(now, &out).isOk());
    EXPECT_TRUE(diskio->collect(now, &out).isOk());
    EXPECT_TRUE(net->collect(now, &out).isOk());
    EXPECT_TRUE(host->collect(now, &out).isOk());
  }
  std::map<std::string, Shape> shapes;
  for (const model::Point& p : out) addShape(p, &shapes);
  return shapes;
}

TEST(HostInputsFixture, SameTagsFieldsAndTypesAsDataKit) {
  std::map<std::string, Shape> theirs = fixtureShapes();
  std::map<std::string, Shape> ours = ourShapes();
  // Fields DataKit sends only where the host has them (the fixture's container had neither a
  // coretemp sensor nor utmp).
  const std::set<std::string> kOptional = {"core_temperature", "n_users"};
  const std::vector<std::string> kKinds = {"cpu",           "mem",    "swap",   "system",
                                           "conntrack",     "filefd", "diskio", "net/all",
                                           "net/interface", "HOST"};
  for (const std::string& kind : kKinds) {
    SCOPED_TRACE(kind);
    ASSERT_EQ(theirs.count(kind), 1u) << "no fixture point";
    ASSERT_EQ(ours.count(kind), 1u) << "no point of ours";
    const Shape& t = theirs[kind];
    const Shape& o = ours[kind];
    EXPECT_EQ(o.tags, t.tags);
    for (const auto& [name, type] : t.fields) {
      auto it = o.fields.find(name);
      if (it == o.fields.end()) {
        ADD_FAILURE() << "missing field " << name;
        continue;
      }
      EXPECT_EQ(model::fieldTypeName(it->second), model::fieldTypeName(type)) << name;
    }
    for (const auto& [name, type] : o.fields) {
      EXPECT_TRUE(t.fields.count(name) != 0 || kOptional.count(name) != 0)
          << "field DataKit does not send: " << name;
    }
  }
}

}  // namespace
}  // namespace sextant::agent::inputs

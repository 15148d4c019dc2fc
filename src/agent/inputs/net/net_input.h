// The net input: DataKit's measurement "net", one point per network interface that is up (from
// /proc/net/dev and /sys/class/net/<if>/flags) and kept by the filters, plus one point with
// interface="all" carrying the Tcp and Udp counters of /proc/net/snmp. "/sec" fields are rates
// between collections. See README.md for fields and differences from DataKit.
// Thread-safety: one NetInput is used from one thread at a time (collect() keeps the last
// counters).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/net_stats.h"
#include "agent/inputs/host_common/regex_list.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.net]] with DataKit's defaults.
struct NetConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  // Regular expressions; when set, only matching interface names are collected.
  std::vector<std::string> interfaces;
  bool enable_virtual_interfaces = false;  // lo, veth*, docker0, ... (<sys>/devices/virtual/net)
  bool ignore_protocol_stats = false;      // no interface="all" point
  std::map<std::string, std::string> tags;
};

class NetInput {
 public:
  // Fails when an `interfaces` expression does not compile.
  static Result<NetInput> create(NetConfig config, HostPaths paths);

  const NetConfig& config() const { return config_; }

  // Appends the interface points and the protocol point (time now_ns) to *out. Errors name the
  // file; interface points are still appended when only /proc/net/snmp fails.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  NetInput(NetConfig config, HostPaths paths);

  Status collectProtocols(int64_t now_ns, int64_t seconds, std::vector<model::Point>* out);

  NetConfig config_;
  HostPaths paths_;
  RegexList interfaces_;
  std::string buf_;
  std::vector<NetDevStat> stats_;
  std::set<std::string> virtual_;
  std::unordered_map<std::string, NetDevStat> last_;
  std::vector<ProtoCounters> protos_;
  std::vector<ProtoCounters> last_protos_;
  int64_t last_ns_ = 0;
  bool have_last_ = false;
};

}  // namespace sextant::agent::inputs

// The hostobject input: DataKit's object "HOST" (category object), one point per collection
// describing the host: tags name/os/unicast_ip/arch, summary fields (CPU, memory, disk, load,
// I/O rates) and `message`, a JSON document with the host's metadata, CPUs, memory, network
// interfaces, disks, conntrack and file handle counts, and the agent's own state.
//
// What only the agent knows (hostname, version, IP, collectors, election, ...) is handed in as
// AgentInfo. The network interfaces' addresses come from getifaddrs(3) behind a seam, disk usage
// from statfs(2) behind another. See README.md for fields and differences from DataKit.
// Thread-safety: one HostObjectInput is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/mounts.h"
#include "agent/inputs/host_common/proc_stat.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.hostobject]] with DataKit's defaults.
struct HostObjectConfig {
  std::chrono::nanoseconds interval = std::chrono::minutes(5);  // clamped to [10s, 30m]
  bool enable_net_virtual_interfaces = false;
  bool ignore_zero_bytes_disk = true;
  bool only_physical_device = false;
  bool merge_on_device = true;
  std::vector<std::string> extra_device;
  std::vector<std::string> exclude_device;
  std::map<std::string, std::string> tags;
};

// One collector's line in message.collectors (DataKit's io.CollectorStatus).
struct CollectorStatus {
  std::string name;
  int64_t count = 0;
  std::string version;        // omitted when empty
  int64_t last_time = 0;      // omitted when 0
  std::string last_err;       // omitted when empty
  int64_t last_err_time = 0;  // omitted when 0
};

// The agent's own facts the HOST object reports.
struct AgentInfo {
  std::string hostname;  // tag "name"; empty: <proc>/sys/kernel/hostname
  std::string version;   // field datakit_ver
  std::string ip;        // tag unicast_ip; empty: the first IPv4 of a reported interface
  std::string logging_level = "info";
  std::string http_listen = "localhost:9529";
  bool is_docker = false;
  bool dca_enable = false;
  std::string dca_websocket_server = "ws://localhost:8000/ws";
  std::string election_namespace = "default";
  std::string elected_hostname = "<checking...>";
  int64_t elected_time = 0;
  std::string election_status = "disabled";
  std::vector<CollectorStatus> collectors;
};

// An interface address as "ip/prefix" ("192.0.2.2/24", "fe80::1/64").
struct InterfaceAddress {
  std::string interface;
  std::string cidr;
};
using InterfaceAddrsFn = std::function<Status(std::vector<InterfaceAddress>* out)>;
// Calls getifaddrs(3): the addresses of this network namespace's interfaces.
Status interfaceAddresses(std::vector<InterfaceAddress>* out);

// Go's encoding/json spelling of a float64 ("2000", "2.46617", "1e-07").
std::string goJsonFloat(double v);

// Platform facts of gopsutil's host.Info from <etc>/os-release (and <etc>/debian_version on
// Debian, as gopsutil prefers it): e.g. {"debian", "debian", "12.11"}.
struct Platform {
  std::string platform;
  std::string family;
  std::string version;
};
Platform readPlatform(const HostPaths& paths);

class HostObjectInput {
 public:
  static Result<HostObjectInput> create(HostObjectConfig config, HostPaths paths,
                                        AgentInfo agent = {}, StatFsFn statfs = statFs,
                                        InterfaceAddrsFn addrs = interfaceAddresses);

  const HostObjectConfig& config() const { return config_; }
  void setAgentInfo(AgentInfo agent) { agent_ = std::move(agent); }

  // Appends one "HOST" object point (time now_ns) to *out. Without /proc/stat there is no
  // point; other unreadable parts are left empty in the message and their first error is
  // returned after the point is appended.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  HostObjectInput(HostObjectConfig config, HostPaths paths, AgentInfo agent, StatFsFn statfs,
                  InterfaceAddrsFn addrs);

  HostObjectConfig config_;
  HostPaths paths_;
  AgentInfo agent_;
  StatFsFn statfs_;
  InterfaceAddrsFn addrs_;
  std::string buf_;
  CpuTimes last_cpu_;  // zeros at first: the first cpu_usage is since boot
  bool have_last_io_ = false;
  int64_t last_io_ns_ = 0;
  uint64_t last_net_recv_ = 0, last_net_sent_ = 0, last_disk_read_ = 0, last_disk_written_ = 0;
  int64_t net_recv_rate_ = 0, net_send_rate_ = 0, disk_read_rate_ = 0, disk_write_rate_ = 0;
};

}  // namespace sextant::agent::inputs

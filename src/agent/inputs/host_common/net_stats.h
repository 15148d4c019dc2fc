// Network counters and interface facts shared by the net and hostobject inputs:
// /proc/net/dev, the Tcp/Udp lines of /proc/net/snmp, and /sys/class/net/<if>/{flags,mtu,...}.
// Free functions and plain structs; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "core/status.h"

namespace sextant::agent::inputs {

struct NetDevStat {
  std::string name;
  uint64_t bytes_recv = 0;
  uint64_t packets_recv = 0;
  uint64_t err_in = 0;
  uint64_t drop_in = 0;
  uint64_t bytes_sent = 0;
  uint64_t packets_sent = 0;
  uint64_t err_out = 0;
  uint64_t drop_out = 0;
};

// Parses /proc/net/dev text (two header lines, then "<if>: 16 counters") into *out, in file order.
Status parseNetDev(std::string_view text, std::string_view file, std::vector<NetDevStat>* out);

// One protocol's counters from /proc/net/snmp, names as the kernel spells them ("InSegs").
struct ProtoCounters {
  std::string protocol;  // "Tcp", "Udp"
  std::vector<std::pair<std::string, int64_t>> stats;
};
// Parses the header/value line pairs of `protocols` (e.g. {"Tcp", "Udp"}) from /proc/net/snmp
// text, in the order the protocols appear in the file.
Status parseNetSnmp(std::string_view text, std::string_view file,
                    const std::vector<std::string_view>& protocols,
                    std::vector<ProtoCounters>* out);

// Names of the virtual interfaces: the directories in <sys>/devices/virtual/net (lo, veth*,
// docker0, ...). With skip_bonding, directories holding a "bonding" entry are not counted as
// virtual (DataKit's hostobject keeps bond masters).
Status virtualInterfaces(const HostPaths& paths, bool skip_bonding, std::set<std::string>* out);

// IFF_* flags of <sys>/class/net/<name>/flags, or nullopt when the interface has no such file.
std::optional<uint32_t> interfaceFlags(const HostPaths& paths, std::string_view name);

inline constexpr uint32_t kIffUp = 0x1;
inline constexpr uint32_t kIffBroadcast = 0x2;
inline constexpr uint32_t kIffLoopback = 0x8;
inline constexpr uint32_t kIffPointToPoint = 0x10;
inline constexpr uint32_t kIffMaster = 0x400;
inline constexpr uint32_t kIffSlave = 0x800;
inline constexpr uint32_t kIffMulticast = 0x1000;

}  // namespace sextant::agent::inputs

#include "agent/inputs/hostobject/hostobject_input.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/utsname.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>
#include <string_view>

#include "agent/inputs/host_common/diskstats.h"
#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/meminfo.h"
#include "agent/inputs/host_common/net_stats.h"
#include "agent/inputs/host_common/proc_file.h"
#include "agent/inputs/host_common/proc_misc.h"
#include "codec/point_json/json_writer.h"

namespace sextant::agent::inputs {

namespace {

struct CpuInfo {
  std::string vendor;
  std::string model;
  double mhz = 0;
  int64_t cache_size = 0;  // KB
};

struct NetInfo {
  int64_t index = 0;
  int64_t mtu = 0;
  std::string name;
  std::string mac;
  std::vector<std::string> flags;
  std::string ip4;
  std::string ip6;
  std::vector<std::string> ip4_all;
  std::vector<std::string> ip6_all;
};

struct DiskInfo {
  std::string device;
  uint64_t total = 0;
  std::string fstype;
  std::string mount_point;
};

// Everything the message and the point are built from.
struct HostFacts {
  std::string hostname;
  uint64_t boot_time = 0;
  Platform platform;
  std::string kernel;
  std::string arch;
  std::vector<CpuInfo> cpus;
  bool have_mem = false;
  uint64_t mem_total = 0;
  uint64_t swap_total = 0;
  double mem_used_percent = 0;
  std::vector<NetInfo> nets;
  std::vector<DiskInfo> disks;
  double disk_used_percent = 0;
  Conntrack conntrack;
  bool have_filefd = false;
  FileFd filefd;
};

// gopsutil's cpu.Info: one entry per "processor", cores always 1, MHz from cpufreq's
// cpuinfo_max_freq when the kernel has it.
Status readCpuInfo(const HostPaths& paths, std::vector<CpuInfo>* out) {
  out->clear();
  std::string path = paths.procFile("cpuinfo");
  Result<std::string> text = readFile(path);
  if (!text.isOk()) return text.status();
  std::vector<int64_t> ids;
  forEachLine(*text, [&](std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view key = trimSpace(line.substr(0, colon));
    std::string_view value = trimSpace(line.substr(colon + 1));
    if (key == "processor") {
      out->emplace_back();
      int64_t id = -1;
      ids.push_back(parseInt64(value, &id) ? id : -1);
      return;
    }
    if (out->empty()) return;
    CpuInfo& c = out->back();
    if (key == "vendor_id" || key == "vendorId") {
      c.vendor = std::string(value);
    } else if (key == "model name" || key == "cpu") {
      c.model = std::string(value);
    } else if (key == "cpu MHz" || key == "clock") {
      if (value.size() > 3 && value.substr(value.size() - 3) == "MHz") {
        value = trimSpace(value.substr(0, value.size() - 3));
      }
      parseDouble(value, &c.mhz);
    } else if (key == "cache size") {
      if (value.size() > 3 && value.substr(value.size() - 3) == " KB") {
        value = value.substr(0, value.size() - 3);
      }
      parseInt64(value, &c.cache_size);
    }
  });
  for (size_t i = 0; i < out->size(); ++i) {
    if (ids[i] < 0) continue;
    Result<std::string> max = readTrimmedFile(paths.sysFile(
        "devices/system/cpu/cpu" + std::to_string(ids[i]) + "/cpufreq/cpuinfo_max_freq"));
    double khz = 0;
    if (max.isOk() && parseDouble(*max, &khz)) (*out)[i].mhz = khz / 1000.0;
  }
  return Status::ok();
}

bool isLoopbackCidr(std::string_view cidr) {
  return cidr.rfind("127.", 0) == 0 || cidr.rfind("::1/", 0) == 0;
}

// DataKit's interface flag names, in its order.
std::vector<std::string> flagNames(uint32_t f) {
  std::vector<std::string> out;
  if (f & kIffUp) out.emplace_back("up");
  if (f & kIffBroadcast) out.emplace_back("broadcast");
  if (f & kIffLoopback) out.emplace_back("loopback");
  if (f & kIffPointToPoint) out.emplace_back("pointtopoint");
  if (f & kIffMaster) out.emplace_back("master");
  if (f & kIffSlave) out.emplace_back("slave");
  if (f & kIffMulticast) out.emplace_back("multicast");
  return out;
}

Status readNetInfo(const HostPaths& paths, bool with_virtual, const InterfaceAddrsFn& addrs_fn,
                   std::vector<NetInfo>* out) {
  out->clear();
  std::string dir = paths.sysFile("class/net");
  std::vector<DirEntry> entries;
  SEXTANT_RETURN_IF_ERROR(listDirectory(dir, &entries));
  std::set<std::string> virt;
  if (!with_virtual) {
    SEXTANT_RETURN_IF_ERROR(virtualInterfaces(paths, /*skip_bonding=*/true, &virt));
  }
  std::vector<InterfaceAddress> addrs;
  Status addr_status = addrs_fn(&addrs);
  for (const DirEntry& e : entries) {
    if (!e.is_dir || virt.count(e.name) != 0) continue;
    std::string base = HostPaths::join(dir, e.name);
    NetInfo n;
    n.name = e.name;
    if (Result<int64_t> v = readInt64File(HostPaths::join(base, "ifindex")); v.isOk()) {
      n.index = *v;
    }
    if (Result<int64_t> v = readInt64File(HostPaths::join(base, "mtu")); v.isOk()) n.mtu = *v;
    if (Result<std::string> v = readTrimmedFile(HostPaths::join(base, "address")); v.isOk()) {
      n.mac = *v;
    }
    if (std::optional<uint32_t> f = interfaceFlags(paths, e.name)) n.flags = flagNames(*f);
    for (const InterfaceAddress& a : addrs) {
      if (a.interface != n.name || isLoopbackCidr(a.cidr)) continue;
      if (a.cidr.find(':') == std::string::npos) {
        n.ip4 = a.cidr;
        n.ip4_all.push_back(a.cidr);
      } else {
        n.ip6 = a.cidr;
        n.ip6_all.push_back(a.cidr);
      }
    }
    out->push_back(std::move(n));
  }
  std::stable_sort(out->begin(), out->end(),
                   [](const NetInfo& a, const NetInfo& b) { return a.index < b.index; });
  return addr_status;
}

Status readDiskInfo(const HostPaths& paths, const HostObjectConfig& cfg, const StatFsFn& statfs,
                    std::vector<DiskInfo>* out, double* used_percent) {
  out->clear();
  *used_percent = 0;
  std::vector<MountEntry> mounts;
  SEXTANT_RETURN_IF_ERROR(readMounts(paths, &mounts));
  std::set<std::string> nodev;
  if (cfg.only_physical_device) SEXTANT_RETURN_IF_ERROR(readNodevFilesystems(paths, &nodev));
  // Sorted so that merging on device keeps the same mount every time (as DataKit).
  std::stable_sort(mounts.begin(), mounts.end(), [](const MountEntry& a, const MountEntry& b) {
    return a.mount_point < b.mount_point;
  });
  uint64_t total = 0;
  uint64_t used = 0;
  std::set<std::string> seen;
  for (const MountEntry& m : mounts) {
    if (!deviceSelected(m.device, cfg.extra_device, cfg.exclude_device)) continue;
    if (nodev.count(m.fstype) != 0) continue;
    if (cfg.merge_on_device && seen.count(m.device) != 0) continue;
    DiskInfo d{m.device, 0, m.fstype, m.mount_point};
    FsStat st;
    if (statfs(m.stat_path, &st).isOk()) {
      FsUsage u = fsUsage(st);
      if (cfg.ignore_zero_bytes_disk && u.total == 0) continue;
      d.total = u.total;
      total += u.total;
      used += u.used;
    }
    seen.insert(m.device);
    out->push_back(std::move(d));
  }
  if (total > 0) *used_percent = static_cast<double>(used) / static_cast<double>(total) * 100;
  return Status::ok();
}

void writeStrings(codec::json::JsonWriter* w, const std::vector<std::string>& v) {
  if (v.empty()) {
    w->null();  // Go marshals a nil slice as null
    return;
  }
  w->beginArray();
  for (const std::string& s : v) w->string(s);
  w->endArray();
}

std::string hostMessage(const HostFacts& h, const AgentInfo& agent, const std::string& ip) {
  std::string out;
  codec::json::JsonWriter w(&out);
  auto number = [&w](double v) { w.rawValue(goJsonFloat(v)); };
  w.beginObject();
  w.key("host");
  w.beginObject();

  w.key("meta");
  w.beginObject();
  w.key("host_name");
  w.string(h.hostname);
  w.key("boot_time");
  w.unsignedInteger(h.boot_time);
  w.key("os");
  w.string("linux");
  w.key("platform");
  w.string(h.platform.platform);
  w.key("platform_family");
  w.string(h.platform.family);
  w.key("platform_version");
  w.string(h.platform.version);
  w.key("kernel_release");
  w.string(h.kernel);
  w.key("arch");
  w.string(h.arch);
  w.endObject();

  w.key("cpu");
  if (h.cpus.empty()) {
    w.null();
  } else {
    w.beginArray();
    for (const CpuInfo& c : h.cpus) {
      w.beginObject();
      w.key("vendor_id");
      w.string(c.vendor);
      w.key("module_name");
      w.string(c.model);
      w.key("cores");
      w.integer(1);
      w.key("mhz");
      number(c.mhz);
      w.key("cache_size");
      w.integer(c.cache_size);
      w.endObject();
    }
    w.endArray();
  }

  w.key("mem");
  if (h.have_mem) {
    w.beginObject();
    w.key("memory_total");
    w.unsignedInteger(h.mem_total);
    w.key("swap_total");
    w.unsignedInteger(h.swap_total);
    w.endObject();
  } else {
    w.null();
  }

  w.key("net");
  if (h.nets.empty()) {
    w.null();
  } else {
    w.beginArray();
    for (const NetInfo& n : h.nets) {
      w.beginObject();
      w.key("mtu");
      w.integer(n.mtu);
      w.key("name");
      w.string(n.name);
      w.key("mac");
      w.string(n.mac);
      w.key("flags");
      writeStrings(&w, n.flags);
      w.key("ip4");
      w.string(n.ip4);
      w.key("ip6");
      w.string(n.ip6);
      w.key("ip4_all");
      writeStrings(&w, n.ip4_all);
      w.key("ip6_all");
      writeStrings(&w, n.ip6_all);
      w.endObject();
    }
    w.endArray();
  }

  w.key("disk");
  if (h.disks.empty()) {
    w.null();
  } else {
    w.beginArray();
    for (const DiskInfo& d : h.disks) {
      w.beginObject();
      w.key("device");
      w.string(d.device);
      w.key("total");
      w.unsignedInteger(d.total);
      w.key("fstype");
      w.string(d.fstype);
      w.key("mountpoint");
      w.string(d.mount_point);
      w.endObject();
    }
    w.endArray();
  }

  const Conntrack& ct = h.conntrack;
  w.key("conntrack");
  w.beginObject();
  const std::pair<const char*, int64_t> ct_fields[] = {
      {"entries", ct.entries},
      {"entries_limit", ct.entries_limit},
      {"stat_found", ct.stat_found},
      {"stat_invalid", ct.stat_invalid},
      {"stat_ignore", ct.stat_ignore},
      {"stat_insert", ct.stat_insert},
      {"stat_insert_failed", ct.stat_insert_failed},
      {"stat_drop", ct.stat_drop},
      {"stat_early_drop", ct.stat_early_drop},
      {"stat_search_restart", ct.stat_search_restart},
  };
  for (const auto& [k, v] : ct_fields) {
    w.key(k);
    w.integer(v);
  }
  w.endObject();

  w.key("filefd");
  if (h.have_filefd) {
    w.beginObject();
    w.key("allocated");
    w.integer(h.filefd.allocated);
    w.key("maximum");
    w.integer(h.filefd.maximum);
    w.key("maximum_mega");
    number(h.filefd.maximumMega());
    w.endObject();
  } else {
    w.null();
  }

  w.key("election");
  w.beginObject();
  w.key("namespace");
  w.string(agent.election_namespace);
  w.key("elected_hostname");
  w.string(agent.elected_hostname);
  w.key("elected_time");
  w.integer(agent.elected_time);
  w.key("status");
  w.string(agent.election_status);
  w.endObject();

  w.key("config_file");
  w.beginObject();
  w.endObject();
  w.endObject();  // host

  if (!agent.collectors.empty()) {
    w.key("collectors");
    w.beginArray();
    for (const CollectorStatus& c : agent.collectors) {
      w.beginObject();
      w.key("name");
      w.string(c.name);
      w.key("count");
      w.integer(c.count);
      if (!c.version.empty()) {
        w.key("version");
        w.string(c.version);
      }
      if (c.last_time != 0) {
        w.key("last_time");
        w.integer(c.last_time);
      }
      if (!c.last_err.empty()) {
        w.key("last_err");
        w.string(c.last_err);
      }
      if (c.last_err_time != 0) {
        w.key("last_err_time");
        w.integer(c.last_err_time);
      }
      w.endObject();
    }
    w.endArray();
  }

  w.key("config");
  w.beginObject();
  w.key("ip");
  w.string(ip);
  w.key("dca_config");
  w.beginObject();
  w.key("enable");
  w.boolean(agent.dca_enable);
  w.key("websocket_server");
  w.string(agent.dca_websocket_server);
  w.endObject();
  w.key("http_listen");
  w.string(agent.http_listen);
  w.endObject();

  w.endObject();
  return out;
}

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  return std::string(v);
}

std::string platformFamily(std::string_view id) {
  static const std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"debian", "debian"},   {"ubuntu", "debian"},      {"linuxmint", "debian"},
      {"raspbian", "debian"}, {"rhel", "rhel"},          {"centos", "rhel"},
      {"rocky", "rhel"},      {"almalinux", "rhel"},     {"ol", "rhel"},
      {"amzn", "rhel"},       {"fedora", "fedora"},      {"sles", "suse"},
      {"opensuse", "suse"},   {"opensuse-leap", "suse"}, {"alpine", "alpine"},
      {"arch", "arch"},       {"manjaro", "arch"},       {"gentoo", "gentoo"},
  };
  for (const auto& [k, f] : kFamilies) {
    if (k == id) return std::string(f);
  }
  return "";
}

}  // namespace

Status interfaceAddresses(std::vector<InterfaceAddress>* out) {
  out->clear();
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return unavailable(std::string("getifaddrs: ") + std::strerror(errno));
  }
  for (struct ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_netmask == nullptr) continue;
    int family = a->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    char ip[INET6_ADDRSTRLEN] = {};
    int prefix = 0;
    const unsigned char* mask = nullptr;
    size_t mask_len = 0;
    if (family == AF_INET) {
      const auto* sin = reinterpret_cast<const struct sockaddr_in*>(a->ifa_addr);
      ::inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
      mask = reinterpret_cast<const unsigned char*>(
          &reinterpret_cast<const struct sockaddr_in*>(a->ifa_netmask)->sin_addr);
      mask_len = 4;
    } else {
      const auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(a->ifa_addr);
      ::inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
      mask = reinterpret_cast<const unsigned char*>(
          &reinterpret_cast<const struct sockaddr_in6*>(a->ifa_netmask)->sin6_addr);
      mask_len = 16;
    }
    for (size_t i = 0; i < mask_len; ++i) prefix += __builtin_popcount(mask[i]);
    out->push_back(InterfaceAddress{a->ifa_name, std::string(ip) + "/" + std::to_string(prefix)});
  }
  ::freeifaddrs(list);
  return Status::ok();
}

std::string goJsonFloat(double v) {
  if (!std::isfinite(v)) return "null";
  // Go's strconv.AppendFloat(v, 'f' or 'e', -1): the shortest digits that read back as v,
  // laid out in fixed notation unless |v| < 1e-6 or >= 1e21.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));  // "-1.2345e+03"
  std::string out;
  if (s.front() == '-') {
    out.push_back('-');
    s.remove_prefix(1);
  }
  size_t e = s.find('e');
  std::string digits(1, s[0]);
  if (e > 2) digits.append(s.substr(2, e - 2));
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  double a = std::fabs(v);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    out.push_back(digits[0]);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    // Exponents here are >= 21 or <= -7; encoding/json writes "e-07" as "e-7".
    out.append(std::to_string(exp < 0 ? -exp : exp));
    return out;
  }
  int point = exp + 1;  // digits before the decimal point
  if (point <= 0) {
    out.append("0.").append(static_cast<size_t>(-point), '0').append(digits);
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out.append(digits).append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(point))
        .append(".")
        .append(digits, static_cast<size_t>(point));
  }
  return out;
}

Platform readPlatform(const HostPaths& paths) {
  Platform p;
  std::string version_id;
  if (Result<std::string> text = readFile(paths.etcFile("os-release")); text.isOk()) {
    forEachLine(*text, [&](std::string_view line) {
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) return;
      std::string_view key = trimSpace(line.substr(0, eq));
      if (key == "ID") p.platform = unquote(trimSpace(line.substr(eq + 1)));
      if (key == "VERSION_ID") version_id = unquote(trimSpace(line.substr(eq + 1)));
    });
  }
  p.version = version_id;
  if (p.platform == "debian") {
    if (Result<std::string> v = readTrimmedFile(paths.etcFile("debian_version")); v.isOk()) {
      p.version = *v;
    }
  }
  p.family = platformFamily(p.platform);
  return p;
}

HostObjectInput::HostObjectInput(HostObjectConfig config, HostPaths paths, AgentInfo agent,
                                 StatFsFn statfs, InterfaceAddrsFn addrs)
    : config_(std::move(config)),
      paths_(std::move(paths)),
      agent_(std::move(agent)),
      statfs_(std::move(statfs)),
      addrs_(std::move(addrs)) {}

Result<HostObjectInput> HostObjectInput::create(HostObjectConfig config, HostPaths paths,
                                                AgentInfo agent, StatFsFn statfs,
                                                InterfaceAddrsFn addrs) {
  config.interval =
      clampInterval(config.interval, std::chrono::seconds(10), std::chrono::minutes(30));
  return HostObjectInput(std::move(config), std::move(paths), std::move(agent), std::move(statfs),
                         std::move(addrs));
}

Status HostObjectInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  Status status;
  auto keep = [&status](Status st) {
    if (status.isOk()) status = std::move(st);
  };

  std::string path = paths_.procFile("stat");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  ProcStat stat;
  SEXTANT_RETURN_IF_ERROR(parseProcStat(buf_, path, &stat));
  double cpu_usage = cpuBusyPercent(last_cpu_, stat.total);
  last_cpu_ = stat.total;

  HostFacts h;
  h.boot_time = stat.boot_time;
  h.hostname = agent_.hostname;
  if (h.hostname.empty()) {
    Result<std::string> name = readTrimmedFile(paths_.procFile("sys/kernel/hostname"));
    if (name.isOk())
      h.hostname = *name;
    else
      keep(name.status());
  }
  h.platform = readPlatform(paths_);
  if (Result<std::string> v = readTrimmedFile(paths_.procFile("sys/kernel/osrelease")); v.isOk()) {
    h.kernel = *v;
  } else {
    keep(v.status());
  }
  if (Result<std::string> v = readTrimmedFile(paths_.procFile("sys/kernel/arch")); v.isOk()) {
    h.arch = *v;
  } else {
    struct utsname u;
    if (::uname(&u) == 0) h.arch = u.machine;
  }
  keep(readCpuInfo(paths_, &h.cpus));

  double load5 = 0;
  path = paths_.procFile("loadavg");
  Status st = readFileInto(path, &buf_);
  LoadAvg load;
  if (st.isOk()) st = parseLoadavg(buf_, path, &load);
  if (st.isOk()) load5 = load.load5;
  keep(std::move(st));

  path = paths_.procFile("meminfo");
  st = readFileInto(path, &buf_);
  MemInfo mem;
  if (st.isOk()) st = parseMeminfo(buf_, path, &mem);
  if (st.isOk()) {
    h.have_mem = true;
    h.mem_total = mem.total;
    h.swap_total = mem.swap_total;
    h.mem_used_percent = mem.usedPercent();
  }
  keep(std::move(st));

  keep(readNetInfo(paths_, config_.enable_net_virtual_interfaces, addrs_, &h.nets));
  keep(readDiskInfo(paths_, config_, statfs_, &h.disks, &h.disk_used_percent));
  keep(readConntrack(paths_, &h.conntrack));
  path = paths_.procFile("sys/fs/file-nr");
  st = readFileInto(path, &buf_);
  if (st.isOk()) st = parseFileNr(buf_, path, &h.filefd);
  h.have_filefd = st.isOk();
  keep(std::move(st));

  // Byte rates since the previous collection: network over the reported interfaces, disk over
  // every device of /proc/diskstats.
  uint64_t net_recv = 0, net_sent = 0, disk_read = 0, disk_written = 0;
  path = paths_.procFile("net/dev");
  st = readFileInto(path, &buf_);
  std::vector<NetDevStat> dev;
  if (st.isOk()) st = parseNetDev(buf_, path, &dev);
  for (const NetDevStat& d : dev) {
    bool reported = false;
    for (const NetInfo& n : h.nets) reported = reported || n.name == d.name;
    if (!reported) continue;
    net_recv += d.bytes_recv;
    net_sent += d.bytes_sent;
  }
  keep(std::move(st));
  path = paths_.procFile("diskstats");
  st = readFileInto(path, &buf_);
  std::vector<DiskStat> disks;
  if (st.isOk()) st = parseDiskstats(buf_, path, &disks);
  for (const DiskStat& d : disks) {
    disk_read += d.read_bytes;
    disk_written += d.write_bytes;
  }
  keep(std::move(st));
  int64_t seconds = unixSeconds(now_ns) - unixSeconds(last_io_ns_);
  if (have_last_io_ && seconds > 0) {
    net_recv_rate_ = perSecond(last_net_recv_, net_recv, seconds).value_or(0);
    net_send_rate_ = perSecond(last_net_sent_, net_sent, seconds).value_or(0);
    disk_read_rate_ = perSecond(last_disk_read_, disk_read, seconds).value_or(0);
    disk_write_rate_ = perSecond(last_disk_written_, disk_written, seconds).value_or(0);
  }
  have_last_io_ = true;
  last_io_ns_ = now_ns;
  last_net_recv_ = net_recv;
  last_net_sent_ = net_sent;
  last_disk_read_ = disk_read;
  last_disk_written_ = disk_written;

  std::string ip = agent_.ip;
  for (size_t i = 0; ip.empty() && i < h.nets.size(); ++i) {
    if (!h.nets[i].ip4_all.empty()) {
      const std::string& cidr = h.nets[i].ip4_all.front();
      ip = cidr.substr(0, cidr.find('/'));
    }
  }
  uint64_t disk_total = 0;
  for (const DiskInfo& d : h.disks) disk_total += d.total;

  model::Point p = makePoint("HOST", now_ns, model::Category::kObject);
  p.addTag("name", h.hostname);
  p.addTag("os", "linux");
  p.addTag("unicast_ip", ip);
  p.addTag("arch", h.arch);
  p.addField("message", hostMessage(h, agent_, ip));
  p.addField("start_time", h.boot_time * 1000);
  p.addField("datakit_ver", agent_.version);
  p.addField("cpu_usage", cpu_usage);
  p.addField("mem_used_percent", h.mem_used_percent);
  p.addField("load", load5);
  p.addField("disk_used_percent", h.disk_used_percent);
  p.addField("diskio_read_bytes_per_sec", disk_read_rate_);
  p.addField("diskio_write_bytes_per_sec", disk_write_rate_);
  p.addField("net_recv_bytes_per_sec", net_recv_rate_);
  p.addField("net_send_bytes_per_sec", net_send_rate_);
  p.addField("logging_level", agent_.logging_level);
  p.addField("num_cpu", static_cast<int64_t>(stat.cpus.size()));
  p.addField("disk_total", disk_total);
  p.addField("Scheck", agent_.collectors.empty() ? std::string() : agent_.collectors[0].version);
  p.addField("is_docker", static_cast<int64_t>(agent_.is_docker ? 1 : 0));
  addConfigTags(config_.tags, &p);
  out->push_back(std::move(p));
  return status;
}

}  // namespace sextant::agent::inputs

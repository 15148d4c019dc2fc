#include "agent/inputs/host_common/net_stats.h"

#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

Status parseNetDev(std::string_view text, std::string_view file, std::vector<NetDevStat>* out) {
  out->clear();
  std::vector<std::string_view> f;
  return parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    if (line_no <= 2) return Status::ok();  // "Inter-|   Receive ..." and " face |bytes ..."
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (trimSpace(line).empty()) return Status::ok();
      return garbled(file, line_no, "no ':' after the interface", line);
    }
    splitFields(line.substr(colon + 1), &f);
    if (f.size() < 16) return garbled(file, line_no, "expected 16 counters", line);
    uint64_t v[16] = {};
    for (size_t i = 0; i < 16; ++i) {
      if (!parseUint64(f[i], &v[i])) return garbled(file, line_no, "bad counter", f[i]);
    }
    NetDevStat s;
    s.name = std::string(trimSpace(line.substr(0, colon)));
    s.bytes_recv = v[0];
    s.packets_recv = v[1];
    s.err_in = v[2];
    s.drop_in = v[3];
    s.bytes_sent = v[8];
    s.packets_sent = v[9];
    s.err_out = v[10];
    s.drop_out = v[11];
    out->push_back(std::move(s));
    return Status::ok();
  });
}

Status parseNetSnmp(std::string_view text, std::string_view file,
                    const std::vector<std::string_view>& protocols,
                    std::vector<ProtoCounters>* out) {
  out->clear();
  std::vector<std::string_view> header;
  std::vector<std::string_view> f;
  std::string_view header_proto;
  return parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Status::ok();
    std::string_view proto = line.substr(0, colon);
    bool wanted = false;
    for (std::string_view p : protocols) wanted = wanted || p == proto;
    if (!wanted) return Status::ok();
    if (header_proto != proto) {  // the header line of the pair
      splitFields(line.substr(colon + 1), &header);
      header_proto = proto;
      return Status::ok();
    }
    splitFields(line.substr(colon + 1), &f);
    header_proto = {};
    if (f.size() != header.size()) {
      return garbled(file, line_no, "values do not match the header", line);
    }
    ProtoCounters pc;
    pc.protocol = std::string(proto);
    for (size_t i = 0; i < f.size(); ++i) {
      int64_t v = 0;
      if (!parseInt64(f[i], &v)) return garbled(file, line_no, "bad counter", f[i]);
      pc.stats.emplace_back(std::string(header[i]), v);
    }
    out->push_back(std::move(pc));
    return Status::ok();
  });
}

Status virtualInterfaces(const HostPaths& paths, bool skip_bonding, std::set<std::string>* out) {
  out->clear();
  std::string dir = paths.sysFile("devices/virtual/net");
  std::vector<DirEntry> entries;
  SEXTANT_RETURN_IF_ERROR(listDirectory(dir, &entries));
  for (const DirEntry& e : entries) {
    if (!e.is_dir) continue;
    if (skip_bonding && pathExists(HostPaths::join(dir, e.name + "/bonding"))) continue;
    out->insert(e.name);
  }
  return Status::ok();
}

std::optional<uint32_t> interfaceFlags(const HostPaths& paths, std::string_view name) {
  Result<std::string> text =
      readTrimmedFile(paths.sysFile("class/net/" + std::string(name) + "/flags"));
  if (!text.isOk()) return std::nullopt;
  std::string_view s = *text;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  uint64_t v = 0;
  if (!parseHexUint64(s, &v) || v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

}  // namespace sextant::agent::inputs

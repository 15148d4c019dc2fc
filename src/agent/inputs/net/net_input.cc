#include "agent/inputs/net/net_input.h"

#include <cctype>
#include <utility>

#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The protocol counters DataKit also reports per second.
bool hasRate(std::string_view stat) {
  return stat == "insegs" || stat == "outsegs" || stat == "indatagrams" || stat == "outdatagrams";
}

}  // namespace

NetInput::NetInput(NetConfig config, HostPaths paths)
    : config_(std::move(config)), paths_(std::move(paths)) {}

Result<NetInput> NetInput::create(NetConfig config, HostPaths paths) {
  config.interval = clampInterval(config.interval);
  Result<RegexList> interfaces = RegexList::compile(config.interfaces, "interfaces");
  if (!interfaces.isOk()) return interfaces.status();
  NetInput input(std::move(config), std::move(paths));
  input.interfaces_ = std::move(*interfaces);
  return input;
}

Status NetInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("net/dev");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  SEXTANT_RETURN_IF_ERROR(parseNetDev(buf_, path, &stats_));
  if (config_.enable_virtual_interfaces) {
    virtual_.clear();
  } else {
    SEXTANT_RETURN_IF_ERROR(virtualInterfaces(paths_, /*skip_bonding=*/false, &virtual_));
  }

  int64_t seconds = unixSeconds(now_ns) - unixSeconds(last_ns_);
  for (const NetDevStat& s : stats_) {
    std::optional<uint32_t> flags = interfaceFlags(paths_, s.name);
    if (!flags || (*flags & kIffUp) == 0) continue;
    if (!interfaces_.empty() && !interfaces_.matchesAny(s.name)) continue;
    if (virtual_.count(s.name) != 0) continue;
    model::Point p = makePoint("net", now_ns);
    p.addTag("interface", s.name);
    p.addField("bytes_sent", s.bytes_sent);
    p.addField("bytes_recv", s.bytes_recv);
    p.addField("packets_sent", s.packets_sent);
    p.addField("packets_recv", s.packets_recv);
    p.addField("err_in", s.err_in);
    p.addField("err_out", s.err_out);
    p.addField("drop_in", s.drop_in);
    p.addField("drop_out", s.drop_out);
    auto last = have_last_ ? last_.find(s.name) : last_.end();
    if (last != last_.end()) {
      // All four or none, so a counter reset never leaves a partial set.
      const NetDevStat& b = last->second;
      auto bs = perSecond(b.bytes_sent, s.bytes_sent, seconds);
      auto br = perSecond(b.bytes_recv, s.bytes_recv, seconds);
      auto ps = perSecond(b.packets_sent, s.packets_sent, seconds);
      auto pr = perSecond(b.packets_recv, s.packets_recv, seconds);
      if (bs && br && ps && pr) {
        p.addField("bytes_sent/sec", *bs);
        p.addField("bytes_recv/sec", *br);
        p.addField("packets_sent/sec", *ps);
        p.addField("packets_recv/sec", *pr);
      }
    }
    addConfigTags(config_.tags, &p);
    out->push_back(std::move(p));
  }
  last_.clear();
  for (const NetDevStat& s : stats_) last_[s.name] = s;

  Status status;
  if (!config_.ignore_protocol_stats) status = collectProtocols(now_ns, seconds, out);
  last_ns_ = now_ns;
  have_last_ = true;
  return status;
}

Status NetInput::collectProtocols(int64_t now_ns, int64_t seconds, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("net/snmp");
  Status st = readFileInto(path, &buf_);
  if (st.isOk()) st = parseNetSnmp(buf_, path, {"Tcp", "Udp"}, &protos_);
  if (!st.isOk()) {
    last_protos_.clear();
    return st;
  }
  model::Point p = makePoint("net", now_ns);
  p.addTag("interface", "all");
  for (const ProtoCounters& pc : protos_) {
    std::string prefix = lower(pc.protocol) + "_";
    for (const auto& [stat, value] : pc.stats) p.addField(prefix + lower(stat), value);
  }
  if (have_last_) {
    for (const ProtoCounters& before : last_protos_) {
      std::string prefix = lower(before.protocol) + "_";
      for (const auto& [stat, value] : before.stats) {
        std::string name = prefix + lower(stat);
        if (!hasRate(lower(stat))) continue;
        const model::Field* now = p.findField(name);
        if (now == nullptr) continue;
        if (auto r = perSecond(value, std::get<int64_t>(now->value), seconds)) {
          p.addField(name + "/sec", *r);
        }
      }
    }
  }
  std::swap(last_protos_, protos_);
  if (p.fields.empty()) return Status::ok();
  addConfigTags(config_.tags, &p);
  out->push_back(std::move(p));
  return Status::ok();
}

}  // namespace sextant::agent::inputs

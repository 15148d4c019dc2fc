#include "agent/inputs/diskio/diskio_input.h"

#include <utility>

#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

namespace {

bool isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Status readUdevInfo(const HostPaths& paths, uint32_t major, uint32_t minor, UdevInfo* out) {
  out->properties.clear();
  out->links.clear();
  std::string path =
      paths.runFile("udev/data/b" + std::to_string(major) + ":" + std::to_string(minor));
  Result<std::string> text = readFile(path);
  if (!text.isOk()) return text.status();
  forEachLine(*text, [&](std::string_view line) {
    if (line.size() < 4) return;
    if (line.compare(0, 2, "S:") == 0) {
      out->links.push_back("/dev/" + std::string(line.substr(2)));
    } else if (line.compare(0, 2, "E:") == 0) {
      size_t eq = line.find('=', 2);
      if (eq == std::string_view::npos) return;
      out->properties[std::string(line.substr(2, eq - 2))] = std::string(line.substr(eq + 1));
    }
  });
  return Status::ok();
}

std::string renderDeviceName(const std::vector<std::string>& templates, const UdevInfo& udev,
                             const std::string& dev_name) {
  for (const std::string& t : templates) {
    std::string name;
    bool missing = false;
    for (size_t i = 0; i < t.size(); ++i) {
      std::string var;
      size_t end = i;
      if (t[i] == '$' && i + 1 < t.size() && t[i + 1] == '{') {
        size_t close = t.find('}', i + 2);
        bool ok = close != std::string::npos && close > i + 2;
        for (size_t j = i + 2; ok && j < close; ++j) ok = isWordChar(t[j]);
        if (ok) {
          var = t.substr(i + 2, close - i - 2);
          end = close;
        }
      } else if (t[i] == '$') {
        size_t j = i + 1;
        while (j < t.size() && isWordChar(t[j])) ++j;
        if (j > i + 1) {
          var = t.substr(i + 1, j - i - 1);
          end = j - 1;
        }
      }
      if (var.empty()) {
        name.push_back(t[i]);
        continue;
      }
      auto it = udev.properties.find(var);
      if (it != udev.properties.end()) {
        name += it->second;
      } else if (var == "device") {
        name += dev_name;
      } else {
        missing = true;
      }
      i = end;
    }
    if (!missing) return name;
  }
  return dev_name;
}

DiskioInput::DiskioInput(DiskioConfig config, HostPaths paths)
    : config_(std::move(config)), paths_(std::move(paths)) {}

Result<DiskioInput> DiskioInput::create(DiskioConfig config, HostPaths paths) {
  config.interval = clampInterval(config.interval);
  Result<RegexList> devices = RegexList::compile(config.devices, "devices");
  if (!devices.isOk()) return devices.status();
  DiskioInput input(std::move(config), std::move(paths));
  input.devices_ = std::move(*devices);
  return input;
}

Status DiskioInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("diskstats");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  SEXTANT_RETURN_IF_ERROR(parseDiskstats(buf_, path, &stats_));

  int64_t seconds = unixSeconds(now_ns) - unixSeconds(last_ns_);
  bool need_udev = !config_.skip_serial_number || !config_.device_tags.empty() ||
                   !config_.name_templates.empty() || !devices_.empty();
  UdevInfo udev;
  for (const DiskStat& d : stats_) {
    bool have_udev = need_udev && readUdevInfo(paths_, d.major, d.minor, &udev).isOk();
    if (!have_udev) udev = UdevInfo();
    if (!devices_.empty() && !devices_.matchesAny(d.name)) {
      bool linked = false;
      for (const std::string& link : udev.links) linked = linked || devices_.matchesAny(link);
      if (!linked) continue;
    }
    std::string dev_name = "/dev/" + d.name;
    model::Point p = makePoint("diskio", now_ns);
    p.addTag("name", config_.name_templates.empty()
                         ? dev_name
                         : renderDeviceName(config_.name_templates, udev, dev_name));
    if (!config_.skip_serial_number) {
      auto serial = udev.properties.find("ID_SERIAL");
      p.addTag("serial", serial == udev.properties.end() || serial->second.empty()
                             ? std::string("unknown")
                             : serial->second);
    }
    for (const std::string& key : config_.device_tags) {
      auto it = udev.properties.find(key);
      if (it != udev.properties.end() && p.findTag(key) == nullptr) p.addTag(key, it->second);
    }
    p.addField("reads", d.reads);
    p.addField("writes", d.writes);
    p.addField("read_bytes", d.read_bytes);
    p.addField("write_bytes", d.write_bytes);
    p.addField("read_time", d.read_time);
    p.addField("write_time", d.write_time);
    p.addField("io_time", d.io_time);
    p.addField("weighted_io_time", d.weighted_io_time);
    p.addField("iops_in_progress", d.iops_in_progress);
    p.addField("merged_reads", d.merged_reads);
    p.addField("merged_writes", d.merged_writes);
    if (have_last_) {
      auto last = last_.find(d.name);
      if (last != last_.end()) {
        if (auto r = perSecond(last->second.read_bytes, d.read_bytes, seconds)) {
          p.addField("read_bytes/sec", *r);
        }
        if (auto w = perSecond(last->second.write_bytes, d.write_bytes, seconds)) {
          p.addField("write_bytes/sec", *w);
        }
      }
    }
    addConfigTags(config_.tags, &p);
    out->push_back(std::move(p));
  }

  last_.clear();
  for (const DiskStat& d : stats_) last_[d.name] = Last{d.read_bytes, d.write_bytes};
  last_ns_ = now_ns;
  have_last_ = true;
  return Status::ok();
}

}  // namespace sextant::agent::inputs

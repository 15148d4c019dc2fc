#include "agent/inputs/disk/disk_input.h"

#include <unistd.h>

#include <climits>
#include <set>
#include <utility>

#include "agent/inputs/host_common/input_util.h"

namespace sextant::agent::inputs {

DiskInput::DiskInput(DiskConfig config, HostPaths paths, StatFsFn statfs)
    : config_(std::move(config)), paths_(std::move(paths)), statfs_(std::move(statfs)) {}

Result<DiskInput> DiskInput::create(DiskConfig config, HostPaths paths, StatFsFn statfs) {
  config.interval = clampInterval(config.interval);
  Result<RegexList> fstypes = RegexList::compile({config.ignore_fstypes}, "ignore_fstypes");
  if (!fstypes.isOk()) return fstypes.status();
  Result<RegexList> mountpoints =
      RegexList::compile({config.ignore_mountpoints}, "ignore_mountpoints");
  if (!mountpoints.isOk()) return mountpoints.status();
  DiskInput input(std::move(config), std::move(paths), std::move(statfs));
  input.ignore_fstypes_ = std::move(*fstypes);
  input.ignore_mountpoints_ = std::move(*mountpoints);
  return input;
}

std::string DiskInput::diskName(const MountEntry& m) const {
  if (m.major != 0 || m.minor != 0) {
    std::string link =
        paths_.sysFile("dev/block/" + std::to_string(m.major) + ":" + std::to_string(m.minor));
    char buf[PATH_MAX];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
    if (n > 0) {
      std::string_view target(buf, static_cast<size_t>(n));
      return std::string(target.substr(target.rfind('/') + 1));
    }
  }
  return m.device.substr(m.device.rfind('/') + 1);
}

Status DiskInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  SEXTANT_RETURN_IF_ERROR(readMounts(paths_, &mounts_));
  std::set<std::string> nodev;
  if (config_.only_physical_device) {
    SEXTANT_RETURN_IF_ERROR(readNodevFilesystems(paths_, &nodev));
  }
  std::set<std::string> seen_devices;
  for (const MountEntry& m : mounts_) {
    if (!deviceSelected(m.device, config_.extra_device, config_.exclude_device)) continue;
    if (nodev.count(m.fstype) != 0) continue;
    if (ignore_fstypes_.matchesAny(m.fstype)) continue;
    if (ignore_mountpoints_.matchesAny(m.mount_point)) continue;
    if (config_.merge_on_device && seen_devices.count(m.device) != 0) continue;
    FsStat st;
    if (!statfs_(m.stat_path, &st).isOk()) continue;  // as DataKit: unreadable mounts are skipped
    FsUsage u = fsUsage(st);
    if (u.total == 0) continue;  // pseudo filesystems
    seen_devices.insert(m.device);

    double used_percent = 0;
    if (u.used + u.free > 0) {
      auto used = static_cast<double>(u.used);
      used_percent = used / (used + static_cast<double>(u.free)) * 100;
    }
    model::Point p = makePoint("disk", now_ns);
    p.addTag("device", m.device);
    p.addTag("fstype", m.fstype);
    p.addTag("mount_point", m.mount_point);
    p.addTag("disk_name", diskName(m));
    p.addField("total", u.total);
    p.addField("free", u.free);
    p.addField("used", u.used);
    p.addField("used_percent", used_percent);
    p.addField("inodes_total_mb", u.inodes_total / 1000000);
    p.addField("inodes_free_mb", u.inodes_free / 1000000);
    p.addField("inodes_used_mb", u.inodes_used / 1000000);
    p.addField("inodes_used_percent", u.inodes_used_percent);
    p.addField("inodes_total", u.inodes_total);
    p.addField("inodes_free", u.inodes_free);
    p.addField("inodes_used", u.inodes_used);
    addConfigTags(config_.tags, &p);
    out->push_back(std::move(p));
  }
  return Status::ok();
}

}  // namespace sextant::agent::inputs

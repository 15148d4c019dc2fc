// The disk input: DataKit's measurement "disk", one point per mounted filesystem kept by the
// filters below, with statfs(2) usage. See README.md for fields and differences from DataKit.
//
// Filters, in order: the device must start with "/dev/" or be listed in extra_device; devices
// in exclude_device are dropped; with only_physical_device, filesystem types <proc>/filesystems
// marks "nodev" are dropped; then ignore_fstypes and ignore_mountpoints (regular expressions);
// with merge_on_device only the first mount of each device is kept; filesystems whose statfs
// fails or reports a total of 0 are skipped.
// Thread-safety: one DiskInput is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/mounts.h"
#include "agent/inputs/host_common/regex_list.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.disk]] with the defaults of DataKit's shipped disk.conf.
struct DiskConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  bool only_physical_device = false;
  bool merge_on_device = true;
  std::vector<std::string> extra_device;
  std::vector<std::string> exclude_device;
  // One regular expression each, as in DataKit's TOML ('''...'''); empty disables the filter.
  std::string ignore_fstypes =
      "^(tmpfs|autofs|binfmt_misc|devpts|fuse.lxcfs|overlay|proc|squashfs|sysfs)$";
  std::string ignore_mountpoints = "^(/usr/local/datakit/.*|/run/containerd/.*)$";
  std::map<std::string, std::string> tags;
};

class DiskInput {
 public:
  // Fails when a regular expression does not compile. `statfs` is the usage seam (tests).
  static Result<DiskInput> create(DiskConfig config, HostPaths paths, StatFsFn statfs = statFs);

  const DiskConfig& config() const { return config_; }

  // Appends one "disk" point per kept filesystem (time now_ns) to *out; errors name the file.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  DiskInput(DiskConfig config, HostPaths paths, StatFsFn statfs);

  // The kernel's name for a mounted device: the /sys/dev/block/<major:minor> link's target
  // ("vda1", "dm-0"), else the device path's last component.
  std::string diskName(const MountEntry& m) const;

  DiskConfig config_;
  HostPaths paths_;
  StatFsFn statfs_;
  RegexList ignore_fstypes_;
  RegexList ignore_mountpoints_;
  std::vector<MountEntry> mounts_;
};

}  // namespace sextant::agent::inputs

// Mounted filesystems and their usage, shared by the disk and hostobject inputs.
//
// The mount table comes from <proc>/self/mountinfo (DataKit >= 1.66 reads the same file), or
// <proc>/mounts when mountinfo is missing. When the host is mounted under a root other than "/"
// (HOST_ROOT=/rootfs in DataKit's DaemonSet), that prefix is trimmed from devices and mount
// points, as DataKit's TrimPartitionHostPath does; the untrimmed path is kept for statfs.
// Usage comes from statfs(2) behind a seam (StatFsFn) so tests feed numbers.
// Free functions and plain structs; thread-safe (the default StatFsFn is stateless).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "core/status.h"

namespace sextant::agent::inputs {

struct MountEntry {
  std::string device;       // "/dev/vda", after trimming the host root
  std::string mount_point;  // "/", after trimming the host root
  std::string fstype;       // "ext4"
  std::string stat_path;    // where to statfs it from this process (untrimmed mount point)
  uint32_t major = 0;       // of the mounted device (mountinfo only; 0 from /proc/mounts)
  uint32_t minor = 0;
};

// Parses mountinfo text ("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw")
// or /proc/mounts text ("/dev/root / ext3 rw 0 0"); octal escapes (\040) are decoded.
Status parseMountinfo(std::string_view text, std::string_view file, std::vector<MountEntry>* out);
Status parseProcMounts(std::string_view text, std::string_view file, std::vector<MountEntry>* out);

// Reads the mount table under `paths` and trims the host root (see above).
Status readMounts(const HostPaths& paths, std::vector<MountEntry>* out);

// Filesystem types <proc>/filesystems marks "nodev" (tmpfs, proc, overlay, ...): DataKit's
// only_physical_device keeps the other ones.
Status readNodevFilesystems(const HostPaths& paths, std::set<std::string>* out);

// DataKit's device rule: a partition is collected when its device starts with "/dev/" or is
// listed in extra_device, and is not listed in exclude_device (lists compare case-insensitively).
bool deviceSelected(std::string_view device, const std::vector<std::string>& extra_device,
                    const std::vector<std::string>& exclude_device);

// The raw statfs(2) numbers the usage is computed from.
struct FsStat {
  uint64_t blocks = 0;
  uint64_t blocks_free = 0;
  uint64_t blocks_avail = 0;  // free blocks available to unprivileged users
  uint64_t block_size = 0;    // f_bsize
  uint64_t files = 0;
  uint64_t files_free = 0;
};
using StatFsFn = std::function<Status(const std::string& path, FsStat* out)>;
// Calls statfs(2).
Status statFs(const std::string& path, FsStat* out);

// gopsutil's disk.Usage from statfs numbers.
struct FsUsage {
  uint64_t total = 0;  // blocks * bsize
  uint64_t free = 0;   // available blocks * bsize
  uint64_t used = 0;   // (blocks - free blocks) * bsize
  uint64_t inodes_total = 0;
  uint64_t inodes_free = 0;
  uint64_t inodes_used = 0;
  double inodes_used_percent = 0;
};
FsUsage fsUsage(const FsStat& st);

}  // namespace sextant::agent::inputs

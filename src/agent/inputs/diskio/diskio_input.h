// The diskio input: DataKit's measurement "diskio", one point per block device of
// /proc/diskstats that has ever done I/O, with byte rates between collections. Device metadata
// (serial number, device_tags, name_templates, links matched by `devices`) comes from udev's
// database, <run>/udev/data/b<major>:<minor>. See README.md for fields and differences.
// Thread-safety: one DiskioInput is used from one thread at a time (collect() keeps the last
// counters).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/inputs/host_common/diskstats.h"
#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/regex_list.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.diskio]] with DataKit's defaults.
struct DiskioConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  // Regular expressions; when set, only devices whose name ("sda1") or one of whose udev links
  // ("/dev/disk/by-id/...") matches are collected.
  std::vector<std::string> devices;
  std::vector<std::string> device_tags;     // udev properties to add as tags ("ID_FS_TYPE")
  std::vector<std::string> name_templates;  // "$ID_FS_LABEL", "${DM_VG_NAME}/$DM_LV_NAME"
  bool skip_serial_number = false;
  std::map<std::string, std::string> tags;
};

// A device's udev properties ("E:" lines) and links ("S:" lines, as "/dev/<link>").
struct UdevInfo {
  std::map<std::string, std::string> properties;
  std::vector<std::string> links;
};
// Reads <run>/udev/data/b<major>:<minor>; NotFound when udev has no entry (containers).
Status readUdevInfo(const HostPaths& paths, uint32_t major, uint32_t minor, UdevInfo* out);

// DataKit's name_templates: the first template whose $VAR / ${VAR} references all resolve
// (VAR a udev property, or "device" for dev_name) rendered, else dev_name.
std::string renderDeviceName(const std::vector<std::string>& templates, const UdevInfo& udev,
                             const std::string& dev_name);

class DiskioInput {
 public:
  // Fails when a `devices` expression does not compile.
  static Result<DiskioInput> create(DiskioConfig config, HostPaths paths);

  const DiskioConfig& config() const { return config_; }

  // Appends one "diskio" point per device (time now_ns) to *out; errors name the file. The
  // "/sec" fields need a previous collection at least one whole second earlier and are left out
  // when a counter went backwards.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  DiskioInput(DiskioConfig config, HostPaths paths);

  struct Last {
    uint64_t read_bytes = 0;
    uint64_t write_bytes = 0;
  };

  DiskioConfig config_;
  HostPaths paths_;
  RegexList devices_;
  std::string buf_;
  std::vector<DiskStat> stats_;
  std::unordered_map<std::string, Last> last_;
  int64_t last_ns_ = 0;
  bool have_last_ = false;
};

}  // namespace sextant::agent::inputs

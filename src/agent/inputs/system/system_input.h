// The system input: DataKit's measurements "system" (load, CPU count, users, processes, uptime,
// total CPU and memory usage), and on Linux "conntrack" and "filefd", in that order:
// conntrack, filefd, system. See README.md for fields and differences from DataKit.
// Thread-safety: one SystemInput is used from one thread at a time (collect() keeps the last CPU
// times for cpu_total_usage).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/proc_stat.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.system]] with DataKit's defaults.
struct SystemConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  std::map<std::string, std::string> tags;
};

// The number of processes: numeric directories in <proc>.
Result<int64_t> countProcesses(const HostPaths& paths);

class SystemInput {
 public:
  static Result<SystemInput> create(SystemConfig config, HostPaths paths);

  const SystemConfig& config() const { return config_; }

  // Appends the conntrack, filefd and system points (time now_ns) to *out. A file that is
  // missing or garbled costs only the point(s) that need it; the first such error is returned.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  SystemInput(SystemConfig config, HostPaths paths);

  Status collectSystem(int64_t now_ns, std::vector<model::Point>* out);

  SystemConfig config_;
  HostPaths paths_;
  std::string buf_;
  ProcStat stat_;
  CpuTimes last_total_;  // zeros before the first collection: the first usage is since boot
};

}  // namespace sextant::agent::inputs

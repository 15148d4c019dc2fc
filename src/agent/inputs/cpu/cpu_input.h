// The cpu input: DataKit's measurement "cpu" from /proc/stat deltas (usage_* percentages per
// CPU or in total), with the average core temperature and DataKit's load5s.
//
// Like DataKit, the first collect() only records the CPU times and emits nothing; later calls
// emit one point per CPU (cpu="cpu0", ... when percpu) and one with cpu="cpu-total". See
// README.md for fields and differences from DataKit.
// Thread-safety: one CpuInput is used from one thread at a time (collect() keeps state).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/proc_stat.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.cpu]] with DataKit's defaults (enable_load5s as DataKit's shipped cpu.conf sets it).
struct CpuConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  bool percpu = false;
  bool enable_temperature = true;
  bool enable_load5s = true;
  std::map<std::string, std::string> tags;
};

// DataKit's CalculateUsage: each field 100 * delta / total_delta, 0 when outside [0, 100]; user
// and nice exclude guest and guest_nice; total is the sum of all but idle.
struct CpuUsage {
  double user = 0, system = 0, idle = 0, nice = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
         guest = 0, guest_nice = 0, total = 0;
};
CpuUsage cpuUsage(const CpuTimes& before, const CpuTimes& after, double total_delta);

// DataKit's load5s: the runnable-task count implied by two 1-minute load averages taken
// `elapsed_ns` apart, inverting the kernel's 5-second fixed-point decay (EXP_1 = 1884/2048) once
// per 5 s step. With one step this is DataKit's formula exactly; DataKit samples every 5 s,
// this input once per collection, so longer gaps invert several steps assuming a constant
// count. When either load is 0 the result is the later load truncated.
int64_t load5s(double load1_before, double load1_after, int64_t elapsed_ns);

// The mean of the "coretemp" hwmon sensors labelled "Core N" under <sys>/class/hwmon, in
// degrees Celsius; NotFound when there is none (VMs, non-Intel CPUs).
Result<double> readCoreTemperature(const HostPaths& paths);

class CpuInput {
 public:
  static Result<CpuInput> create(CpuConfig config, HostPaths paths);

  const CpuConfig& config() const { return config_; }

  // Appends this collection's points (time now_ns) to *out. Errors name the file; points that
  // could be built are still appended.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  CpuInput(CpuConfig config, HostPaths paths);

  CpuConfig config_;
  HostPaths paths_;
  bool temperature_enabled_;
  std::string buf_;
  ProcStat stat_;
  ProcStat last_stat_;
  bool have_last_ = false;
  std::optional<double> last_load1_;
  int64_t last_load_ns_ = 0;
};

}  // namespace sextant::agent::inputs

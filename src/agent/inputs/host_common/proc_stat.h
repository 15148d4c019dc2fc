// /proc/stat: CPU times per CPU and in total, and the boot time; the CPU busy percentage between
// two readings as gopsutil's cpu.Percent computes it (DataKit's system.cpu_total_usage and
// HOST.cpu_usage).
//
// Times are in seconds (ticks / USER_HZ, as gopsutil keeps them), so usage ratios computed from
// them round like DataKit's. Free functions and plain structs; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::agent::inputs {

// Clock ticks per second of /proc/stat (USER_HZ; 100 on every Linux ABI that matters).
inline constexpr double kClockTicksPerSecond = 100.0;

struct CpuTimes {
  std::string cpu;  // "cpu-total", "cpu0", "cpu1", ...
  double user = 0;  // includes guest, as the kernel reports it
  double nice = 0;  // includes guest_nice
  double system = 0;
  double idle = 0;
  double iowait = 0;
  double irq = 0;
  double softirq = 0;
  double steal = 0;
  double guest = 0;
  double guest_nice = 0;

  // gopsutil's TimesStat.Total(): every field summed (guest counted twice, as gopsutil does).
  double total() const {
    return user + system + idle + nice + iowait + irq + softirq + steal + guest + guest_nice;
  }
};

struct ProcStat {
  CpuTimes total;              // the "cpu" line, named "cpu-total"
  std::vector<CpuTimes> cpus;  // "cpu0", "cpu1", ... in file order
  uint64_t boot_time = 0;      // "btime", seconds since the epoch
};

// Parses /proc/stat text; `file` names it in errors. A missing "cpu" or "btime" line, or a cpu
// line with fewer than 4 numbers, is an error.
Status parseProcStat(std::string_view text, std::string_view file, ProcStat* out);

// The busy percentage between two readings of one CPU: (busy delta) / (total delta) * 100 where
// total excludes guest time and busy excludes idle and iowait (gopsutil calculateBusy): 0 when
// busy did not grow, 100 when total did not, clamped to [0, 100].
double cpuBusyPercent(const CpuTimes& before, const CpuTimes& after);

}  // namespace sextant::agent::inputs

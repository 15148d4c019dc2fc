// /proc/diskstats, as gopsutil's disk.IOCounters reads it for DataKit's diskio and HOST inputs:
// bytes are sectors * 512, and devices whose counters are all zero (unused loop, ram, zram
// devices) are left out.
// Free functions and plain structs; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::agent::inputs {

struct DiskStat {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;  // "vda", "sda1", "dm-0"
  uint64_t reads = 0;
  uint64_t merged_reads = 0;
  uint64_t read_bytes = 0;
  uint64_t read_time = 0;  // ms
  uint64_t writes = 0;
  uint64_t merged_writes = 0;
  uint64_t write_bytes = 0;
  uint64_t write_time = 0;  // ms
  uint64_t iops_in_progress = 0;
  uint64_t io_time = 0;           // ms
  uint64_t weighted_io_time = 0;  // ms
};

inline constexpr uint64_t kDiskSectorBytes = 512;

// Parses /proc/diskstats text into *out (cleared first). Lines with fewer than 14 fields are
// skipped (gopsutil does the same); a field that is not a number is an error naming `file`.
Status parseDiskstats(std::string_view text, std::string_view file, std::vector<DiskStat>* out);

}  // namespace sextant::agent::inputs

// /proc/meminfo and /proc/vmstat as gopsutil reads them for DataKit's mem, swap, system and HOST.
//
// Sizes are bytes (meminfo's kB * 1024), huge page counts are counts. Derived values follow
// gopsutil v3 on Linux:
//   cached    = Cached + SReclaimable
//   available = MemAvailable, or cached + free when the kernel has no MemAvailable (< 3.14)
//   used      = total - free - buffers - cached
// Free functions and plain structs; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace sextant::agent::inputs {

struct MemInfo {
  uint64_t total = 0;
  uint64_t free = 0;
  uint64_t available = 0;
  uint64_t used = 0;
  uint64_t buffers = 0;
  uint64_t cached = 0;  // Cached + SReclaimable
  uint64_t active = 0;
  uint64_t inactive = 0;
  uint64_t write_back = 0;
  uint64_t write_back_tmp = 0;
  uint64_t dirty = 0;
  uint64_t shared = 0;  // Shmem
  uint64_t slab = 0;
  uint64_t sreclaimable = 0;
  uint64_t sunreclaim = 0;
  uint64_t page_tables = 0;
  uint64_t swap_cached = 0;
  uint64_t commit_limit = 0;
  uint64_t committed_as = 0;
  uint64_t high_total = 0;
  uint64_t high_free = 0;
  uint64_t low_total = 0;
  uint64_t low_free = 0;
  uint64_t swap_total = 0;
  uint64_t swap_free = 0;
  uint64_t mapped = 0;
  uint64_t vmalloc_total = 0;
  uint64_t vmalloc_used = 0;
  uint64_t vmalloc_chunk = 0;
  uint64_t huge_pages_total = 0;  // a count
  uint64_t huge_pages_free = 0;   // a count
  uint64_t huge_page_size = 0;

  // gopsutil's UsedPercent: used / total * 100 (system.memory_usage, HOST.mem_used_percent).
  double usedPercent() const {
    return total == 0 ? 0 : static_cast<double>(used) / static_cast<double>(total) * 100.0;
  }
};

// Parses /proc/meminfo text. A missing or zero MemTotal, or a value that is not a number, is an
// error naming `file`.
Status parseMeminfo(std::string_view text, std::string_view file, MemInfo* out);

struct SwapActivity {
  uint64_t swapped_in = 0;   // pswpin * 4096 (bytes, gopsutil's Sin)
  uint64_t swapped_out = 0;  // pswpout * 4096
};

// Parses /proc/vmstat text (pswpin, pswpout; absent counters are 0).
Status parseVmstat(std::string_view text, std::string_view file, SwapActivity* out);

}  // namespace sextant::agent::inputs

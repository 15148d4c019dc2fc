#include "agent/inputs/host_common/meminfo.h"

#include <string>
#include <utility>
#include <vector>

#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

namespace {

struct MeminfoKey {
  std::string_view name;
  uint64_t MemInfo::*field;
  bool kilobytes;  // false for the huge page counts
};

constexpr MeminfoKey kMeminfoKeys[] = {
    {"MemTotal", &MemInfo::total, true},
    {"MemFree", &MemInfo::free, true},
    {"MemAvailable", &MemInfo::available, true},
    {"Buffers", &MemInfo::buffers, true},
    {"Cached", &MemInfo::cached, true},
    {"Active", &MemInfo::active, true},
    {"Inactive", &MemInfo::inactive, true},
    {"Writeback", &MemInfo::write_back, true},
    {"WritebackTmp", &MemInfo::write_back_tmp, true},
    {"Dirty", &MemInfo::dirty, true},
    {"Shmem", &MemInfo::shared, true},
    {"Slab", &MemInfo::slab, true},
    {"SReclaimable", &MemInfo::sreclaimable, true},
    {"SUnreclaim", &MemInfo::sunreclaim, true},
    {"PageTables", &MemInfo::page_tables, true},
    {"SwapCached", &MemInfo::swap_cached, true},
    {"CommitLimit", &MemInfo::commit_limit, true},
    {"Committed_AS", &MemInfo::committed_as, true},
    {"HighTotal", &MemInfo::high_total, true},
    {"HighFree", &MemInfo::high_free, true},
    {"LowTotal", &MemInfo::low_total, true},
    {"LowFree", &MemInfo::low_free, true},
    {"SwapTotal", &MemInfo::swap_total, true},
    {"SwapFree", &MemInfo::swap_free, true},
    {"Mapped", &MemInfo::mapped, true},
    {"VmallocTotal", &MemInfo::vmalloc_total, true},
    {"VmallocUsed", &MemInfo::vmalloc_used, true},
    {"VmallocChunk", &MemInfo::vmalloc_chunk, true},
    {"HugePages_Total", &MemInfo::huge_pages_total, false},
    {"HugePages_Free", &MemInfo::huge_pages_free, false},
    {"Hugepagesize", &MemInfo::huge_page_size, true},
};

}  // namespace

Status parseMeminfo(std::string_view text, std::string_view file, MemInfo* out) {
  *out = MemInfo();
  bool have_available = false;
  bool have_total = false;
  std::vector<std::string_view> f;
  SEXTANT_RETURN_IF_ERROR(parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Status::ok();
    std::string_view key = trimSpace(line.substr(0, colon));
    for (const MeminfoKey& k : kMeminfoKeys) {
      if (k.name != key) continue;
      splitFields(line.substr(colon + 1), &f);
      uint64_t v = 0;
      if (f.empty() || f.size() > 2 || !parseUint64(f[0], &v) || (f.size() == 2 && f[1] != "kB")) {
        return garbled(file, line_no, "bad value", line);
      }
      out->*(k.field) = k.kilobytes ? v * 1024 : v;
      if (k.field == &MemInfo::available) have_available = true;
      if (k.field == &MemInfo::total) have_total = true;
      break;
    }
    return Status::ok();
  }));
  if (!have_total || out->total == 0) {
    return invalidArgument(std::string(file) + ": no MemTotal");
  }
  out->cached += out->sreclaimable;
  if (!have_available) out->available = out->cached + out->free;
  // gopsutil subtracts unsigned values and would wrap; a sum above total (seen with lxcfs-style
  // fake meminfo) gives 0 here instead.
  uint64_t not_used = out->free + out->buffers + out->cached;
  out->used = not_used > out->total ? 0 : out->total - not_used;
  return Status::ok();
}

Status parseVmstat(std::string_view text, std::string_view file, SwapActivity* out) {
  *out = SwapActivity();
  std::vector<std::string_view> f;
  return parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    splitFields(line, &f);
    if (f.size() < 2) return Status::ok();
    uint64_t* dst = nullptr;
    if (f[0] == "pswpin") dst = &out->swapped_in;
    if (f[0] == "pswpout") dst = &out->swapped_out;
    if (dst == nullptr) return Status::ok();
    uint64_t pages = 0;
    if (!parseUint64(f[1], &pages)) return garbled(file, line_no, "bad value", line);
    *dst = pages * 4 * 1024;  // gopsutil assumes 4 KiB pages
    return Status::ok();
  });
}

}  // namespace sextant::agent::inputs

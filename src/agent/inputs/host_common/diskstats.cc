#include "agent/inputs/host_common/diskstats.h"

#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

Status parseDiskstats(std::string_view text, std::string_view file, std::vector<DiskStat>* out) {
  out->clear();
  std::vector<std::string_view> f;
  return parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    splitFields(line, &f);
    if (f.size() < 14) return Status::ok();
    uint64_t v[14] = {};
    for (size_t i = 0; i < 14; ++i) {
      if (i != 2 && !parseUint64(f[i], &v[i])) return garbled(file, line_no, "bad counter", f[i]);
    }
    DiskStat d;
    d.reads = v[3];
    d.merged_reads = v[4];
    d.read_bytes = v[5] * kDiskSectorBytes;
    d.read_time = v[6];
    d.writes = v[7];
    d.merged_writes = v[8];
    d.write_bytes = v[9] * kDiskSectorBytes;
    d.write_time = v[10];
    d.iops_in_progress = v[11];
    d.io_time = v[12];
    d.weighted_io_time = v[13];
    if (d.reads == 0 && d.merged_reads == 0 && d.read_bytes == 0 && d.read_time == 0 &&
        d.writes == 0 && d.merged_writes == 0 && d.write_bytes == 0 && d.write_time == 0 &&
        d.iops_in_progress == 0 && d.io_time == 0 && d.weighted_io_time == 0) {
      return Status::ok();  // never used
    }
    if (v[0] > UINT32_MAX || v[1] > UINT32_MAX) {
      return garbled(file, line_no, "bad device number", line);
    }
    d.major = static_cast<uint32_t>(v[0]);
    d.minor = static_cast<uint32_t>(v[1]);
    d.name = std::string(f[2]);
    out->push_back(std::move(d));
    return Status::ok();
  });
}

}  // namespace sextant::agent::inputs

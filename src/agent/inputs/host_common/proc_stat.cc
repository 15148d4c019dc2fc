#include "agent/inputs/host_common/proc_stat.h"

#include <algorithm>

#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

namespace {

Status parseCpuLine(const std::vector<std::string_view>& f, std::string_view file, size_t line_no,
                    std::string_view line, CpuTimes* out) {
  // cpu user nice system idle [iowait irq softirq [steal [guest [guest_nice]]]]
  if (f.size() < 5) return garbled(file, line_no, "too few cpu times", line);
  double v[10] = {};
  size_t n = std::min<size_t>(f.size() - 1, 10);
  for (size_t i = 0; i < n; ++i) {
    if (!parseDouble(f[i + 1], &v[i])) return garbled(file, line_no, "bad cpu time", f[i + 1]);
    v[i] /= kClockTicksPerSecond;
  }
  out->cpu = f[0] == "cpu" ? "cpu-total" : std::string(f[0]);
  out->user = v[0];
  out->nice = v[1];
  out->system = v[2];
  out->idle = v[3];
  out->iowait = v[4];
  out->irq = v[5];
  out->softirq = v[6];
  out->steal = v[7];
  out->guest = v[8];
  out->guest_nice = v[9];
  return Status::ok();
}

}  // namespace

Status parseProcStat(std::string_view text, std::string_view file, ProcStat* out) {
  *out = ProcStat();
  bool have_total = false;
  bool have_btime = false;
  std::vector<std::string_view> f;
  SEXTANT_RETURN_IF_ERROR(parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    if (line.compare(0, 3, "cpu") == 0) {
      splitFields(line, &f);
      CpuTimes t;
      Status st = parseCpuLine(f, file, line_no, line, &t);
      if (!st.isOk()) return st;
      if (t.cpu == "cpu-total") {
        out->total = std::move(t);
        have_total = true;
      } else {
        out->cpus.push_back(std::move(t));
      }
    } else if (line.compare(0, 6, "btime ") == 0) {
      splitFields(line, &f);
      if (f.size() != 2 || !parseUint64(f[1], &out->boot_time)) {
        return garbled(file, line_no, "bad btime", line);
      }
      have_btime = true;
    }
    return Status::ok();
  }));
  if (!have_total) return invalidArgument(std::string(file) + ": no 'cpu' line");
  if (!have_btime) return invalidArgument(std::string(file) + ": no 'btime' line");
  return Status::ok();
}

double cpuBusyPercent(const CpuTimes& before, const CpuTimes& after) {
  auto allBusy = [](const CpuTimes& t, double* all, double* busy) {
    *all = t.total() - t.guest - t.guest_nice;
    *busy = *all - t.idle - t.iowait;
  };
  double all1, busy1, all2, busy2;
  allBusy(before, &all1, &busy1);
  allBusy(after, &all2, &busy2);
  if (busy2 <= busy1) return 0;
  if (all2 <= all1) return 100;
  return std::min(100.0, std::max(0.0, (busy2 - busy1) / (all2 - all1) * 100));
}

}  // namespace sextant::agent::inputs

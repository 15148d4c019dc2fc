#include "agent/inputs/cpu/cpu_input.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/proc_file.h"
#include "agent/inputs/host_common/proc_misc.h"

namespace sextant::agent::inputs {

namespace {

double usageOf(double after, double before, double total_delta) {
  double v = 100 * (after - before) / total_delta;
  return (v < 0 || v > 100) ? 0 : v;
}

// "Core 0" -> true (gopsutil's sensor key "coretemp_core0_input" matches coretemp_core\d+_input).
bool isCoreLabel(std::string_view label) {
  std::string squeezed;
  for (char c : label) {
    if (c == ' ') continue;
    squeezed.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (squeezed.size() <= 4 || squeezed.compare(0, 4, "core") != 0) return false;
  for (size_t i = 4; i < squeezed.size(); ++i) {
    if (squeezed[i] < '0' || squeezed[i] > '9') return false;
  }
  return true;
}

// Adds the "Core N" readings of one hwmon directory (or its device/ subdirectory).
void addCoreTemperatures(const std::string& dir, double* sum, int* count) {
  std::vector<DirEntry> entries;
  if (!listDirectory(dir, &entries).isOk()) return;
  Result<std::string> name = readTrimmedFile(HostPaths::join(dir, "name"));
  if (!name.isOk() || *name != "coretemp") return;
  for (const DirEntry& e : entries) {
    std::string_view f = e.name;
    if (f.size() <= 10 || f.compare(0, 4, "temp") != 0 ||
        f.compare(f.size() - 6, 6, "_input") != 0) {
      continue;
    }
    std::string prefix(f.substr(0, f.size() - 6));  // "temp2"
    Result<std::string> label = readTrimmedFile(HostPaths::join(dir, prefix + "_label"));
    if (!label.isOk() || !isCoreLabel(*label)) continue;
    Result<std::string> value = readTrimmedFile(HostPaths::join(dir, e.name));
    double milli = 0;
    if (!value.isOk() || !parseDouble(*value, &milli)) continue;
    *sum += milli / 1000.0;
    ++*count;
  }
}

}  // namespace

CpuUsage cpuUsage(const CpuTimes& before, const CpuTimes& after, double total_delta) {
  CpuUsage u;
  u.user = usageOf(after.user - after.guest, before.user - before.guest, total_delta);
  u.system = usageOf(after.system, before.system, total_delta);
  u.idle = usageOf(after.idle, before.idle, total_delta);
  u.nice = usageOf(after.nice - after.guest_nice, before.nice - before.guest_nice, total_delta);
  u.iowait = usageOf(after.iowait, before.iowait, total_delta);
  u.irq = usageOf(after.irq, before.irq, total_delta);
  u.softirq = usageOf(after.softirq, before.softirq, total_delta);
  u.steal = usageOf(after.steal, before.steal, total_delta);
  u.guest = usageOf(after.guest, before.guest, total_delta);
  u.guest_nice = usageOf(after.guest_nice, before.guest_nice, total_delta);
  u.total =
      u.user + u.system + u.nice + u.iowait + u.irq + u.softirq + u.steal + u.guest + u.guest_nice;
  // The parts of a busy CPU can add up to a hair over 100 (rounding of the tick deltas): that is
  // 100, not 0 (which drew a 0/100 sawtooth for loaded hosts).
  u.total = std::clamp(u.total, 0.0, 100.0);
  return u;
}

int64_t load5s(double load1_before, double load1_after, int64_t elapsed_ns) {
  if (load1_before == 0 || load1_after == 0) return static_cast<int64_t>(load1_after);
  int64_t steps = std::llround(static_cast<double>(elapsed_ns) / 5e9);
  if (steps <= 1) {
    return std::llround((2048 * (2048 * load1_after - 10) - 1024 - 1884 * 2048 * load1_before) /
                        164 / 2048);
  }
  double decay = std::pow(1884.0 / 2048.0, static_cast<double>(steps));
  return std::llround((2048 * load1_after - 10.5 - 2048 * decay * load1_before) /
                      (2048 * (1 - decay)));
}

Result<double> readCoreTemperature(const HostPaths& paths) {
  std::string hwmon = paths.sysFile("class/hwmon");
  std::vector<DirEntry> entries;
  SEXTANT_RETURN_IF_ERROR(listDirectory(hwmon, &entries));
  double sum = 0;
  int count = 0;
  for (const DirEntry& e : entries) {
    std::string dir = HostPaths::join(hwmon, e.name);
    int before = count;
    addCoreTemperatures(dir, &sum, &count);
    if (count == before) addCoreTemperatures(HostPaths::join(dir, "device"), &sum, &count);
  }
  if (count == 0) return notFound("no coretemp 'Core N' sensor under " + hwmon);
  return sum / count;
}

CpuInput::CpuInput(CpuConfig config, HostPaths paths)
    : config_(std::move(config)),
      paths_(std::move(paths)),
      temperature_enabled_(config_.enable_temperature) {}

Result<CpuInput> CpuInput::create(CpuConfig config, HostPaths paths) {
  config.interval = clampInterval(config.interval);
  return CpuInput(std::move(config), std::move(paths));
}

Status CpuInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("stat");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  SEXTANT_RETURN_IF_ERROR(parseProcStat(buf_, path, &stat_));

  Status status;
  std::optional<double> temperature;
  if (temperature_enabled_) {
    Result<double> t = readCoreTemperature(paths_);
    if (t.isOk()) {
      temperature = *t;
    } else {
      temperature_enabled_ = false;  // as DataKit: stop trying after the first failure
    }
  }

  std::optional<int64_t> load5s_value;
  if (config_.enable_load5s) {
    std::string load_path = paths_.procFile("loadavg");
    LoadAvg load;
    Status st = readFileInto(load_path, &buf_);
    if (st.isOk()) st = parseLoadavg(buf_, load_path, &load);
    if (st.isOk()) {
      load5s_value = last_load1_ ? load5s(*last_load1_, load.load1, now_ns - last_load_ns_)
                                 : static_cast<int64_t>(load.load1);
      last_load1_ = load.load1;
      last_load_ns_ = now_ns;
    } else {
      last_load1_.reset();
      status = st;
    }
  }

  if (have_last_) {
    auto emit = [&](const CpuTimes& now, const CpuTimes* before) -> bool {
      if (before == nullptr) return true;  // a CPU that came online: wait for the next round
      double total_delta = now.total() - before->total();
      if (total_delta < 0) return false;  // counters went backwards: DataKit stops here
      if (total_delta == 0) return true;
      CpuUsage u = cpuUsage(*before, now, total_delta);
      model::Point p = makePoint("cpu", now_ns);
      p.addTag("cpu", now.cpu);
      p.addField("usage_user", u.user);
      p.addField("usage_system", u.system);
      p.addField("usage_idle", u.idle);
      p.addField("usage_nice", u.nice);
      p.addField("usage_iowait", u.iowait);
      p.addField("usage_irq", u.irq);
      p.addField("usage_softirq", u.softirq);
      p.addField("usage_steal", u.steal);
      p.addField("usage_guest", u.guest);
      p.addField("usage_guest_nice", u.guest_nice);
      p.addField("usage_total", u.total);
      if (load5s_value) p.addField("load5s", *load5s_value);
      if (temperature && now.cpu == "cpu-total") p.addField("core_temperature", *temperature);
      addConfigTags(config_.tags, &p);
      out->push_back(std::move(p));
      return true;
    };
    bool go_on = true;
    if (config_.percpu) {
      for (size_t i = 0; i < stat_.cpus.size() && go_on; ++i) {
        const CpuTimes& now = stat_.cpus[i];
        const CpuTimes* before = nullptr;
        if (i < last_stat_.cpus.size() && last_stat_.cpus[i].cpu == now.cpu) {
          before = &last_stat_.cpus[i];
        } else {
          for (const CpuTimes& c : last_stat_.cpus) {
            if (c.cpu == now.cpu) before = &c;
          }
        }
        go_on = emit(now, before);
      }
    }
    if (go_on) emit(stat_.total, &last_stat_.total);
  }
  std::swap(last_stat_, stat_);
  have_last_ = true;
  return status;
}

}  // namespace sextant::agent::inputs

#include "agent/inputs/system/system_input.h"

#include <utility>

#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/meminfo.h"
#include "agent/inputs/host_common/proc_file.h"
#include "agent/inputs/host_common/proc_misc.h"

namespace sextant::agent::inputs {

Result<int64_t> countProcesses(const HostPaths& paths) {
  std::vector<DirEntry> entries;
  SEXTANT_RETURN_IF_ERROR(listDirectory(paths.proc, &entries));
  int64_t n = 0;
  for (const DirEntry& e : entries) {
    uint64_t pid = 0;
    if (e.is_dir && parseUint64(e.name, &pid)) ++n;
  }
  return n;
}

SystemInput::SystemInput(SystemConfig config, HostPaths paths)
    : config_(std::move(config)), paths_(std::move(paths)) {}

Result<SystemInput> SystemInput::create(SystemConfig config, HostPaths paths) {
  config.interval = clampInterval(config.interval);
  return SystemInput(std::move(config), std::move(paths));
}

Status SystemInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  Status status;
  auto keep = [&status](Status st) {
    if (status.isOk()) status = std::move(st);
  };

  Conntrack ct;
  Status st = readConntrack(paths_, &ct);
  if (st.isOk()) {
    model::Point p = makePoint("conntrack", now_ns);
    p.addField("entries", ct.entries);
    p.addField("entries_limit", ct.entries_limit);
    p.addField("stat_found", ct.stat_found);
    p.addField("stat_invalid", ct.stat_invalid);
    p.addField("stat_ignore", ct.stat_ignore);
    p.addField("stat_insert", ct.stat_insert);
    p.addField("stat_insert_failed", ct.stat_insert_failed);
    p.addField("stat_drop", ct.stat_drop);
    p.addField("stat_early_drop", ct.stat_early_drop);
    p.addField("stat_search_restart", ct.stat_search_restart);
    addConfigTags(config_.tags, &p);
    out->push_back(std::move(p));
  } else {
    keep(std::move(st));
  }

  std::string path = paths_.procFile("sys/fs/file-nr");
  FileFd fd;
  st = readFileInto(path, &buf_);
  if (st.isOk()) st = parseFileNr(buf_, path, &fd);
  if (st.isOk()) {
    model::Point p = makePoint("filefd", now_ns);
    p.addField("allocated", fd.allocated);
    p.addField("maximum_mega", fd.maximumMega());
    addConfigTags(config_.tags, &p);
    out->push_back(std::move(p));
  } else {
    keep(std::move(st));
  }

  keep(collectSystem(now_ns, out));
  return status;
}

Status SystemInput::collectSystem(int64_t now_ns, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("loadavg");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  LoadAvg load;
  SEXTANT_RETURN_IF_ERROR(parseLoadavg(buf_, path, &load));

  path = paths_.procFile("stat");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  SEXTANT_RETURN_IF_ERROR(parseProcStat(buf_, path, &stat_));
  if (stat_.cpus.empty()) return invalidArgument(path + ": no per-CPU lines");
  double cpu_total_usage = cpuBusyPercent(last_total_, stat_.total);
  last_total_ = stat_.total;

  path = paths_.procFile("meminfo");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  MemInfo mem;
  SEXTANT_RETURN_IF_ERROR(parseMeminfo(buf_, path, &mem));

  Result<int64_t> processes = countProcesses(paths_);
  if (!processes.isOk()) return processes.status();

  auto n_cpus = static_cast<int64_t>(stat_.cpus.size());
  auto cpus = static_cast<double>(n_cpus);
  model::Point p = makePoint("system", now_ns);
  p.addField("cpu_total_usage", cpu_total_usage);
  p.addField("memory_usage", mem.usedPercent());
  p.addField("process_count", *processes);
  p.addField("load1_per_core", load.load1 / cpus);
  p.addField("load1", load.load1);
  p.addField("load15_per_core", load.load15 / cpus);
  p.addField("load15", load.load15);
  p.addField("load5_per_core", load.load5 / cpus);
  p.addField("load5", load.load5);
  p.addField("n_cpus", n_cpus);
  // Like DataKit, n_users only when utmp can be read (it is absent in most containers).
  if (readFileInto(paths_.varFile("run/utmp"), &buf_).isOk()) {
    p.addField("n_users", countUtmpUsers(buf_));
  }
  int64_t now_s = unixSeconds(now_ns);
  auto boot = static_cast<int64_t>(stat_.boot_time);
  p.addField("uptime", static_cast<uint64_t>(now_s > boot ? now_s - boot : 0));
  addConfigTags(config_.tags, &p);
  out->push_back(std::move(p));
  return Status::ok();
}

}  // namespace sextant::agent::inputs

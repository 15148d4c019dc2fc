#include "agent/inputs/mem/mem_input.h"

#include <utility>

#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/meminfo.h"
#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

namespace {

// The "mem" point DataKit builds from gopsutil's VirtualMemoryStat (Linux fields).
model::Point memPoint(const MemInfo& m, int64_t now_ns) {
  model::Point p = makePoint("mem", now_ns);
  auto total = static_cast<double>(m.total);
  p.addField("total", m.total);
  p.addField("available", m.available);
  p.addField("used", m.used);
  p.addField("used_percent", 100 * static_cast<double>(m.used) / total);
  p.addField("available_percent", 100 * static_cast<double>(m.available) / total);
  p.addField("active", m.active);
  p.addField("buffered", m.buffers);
  p.addField("cached", m.cached);
  p.addField("commit_limit", m.commit_limit);
  p.addField("committed_as", m.committed_as);
  p.addField("dirty", m.dirty);
  p.addField("free", m.free);
  p.addField("high_free", m.high_free);
  p.addField("high_total", m.high_total);
  p.addField("huge_pages_free", m.huge_pages_free);
  p.addField("huge_pages_size", m.huge_page_size);
  p.addField("huge_pages_total", m.huge_pages_total);
  p.addField("inactive", m.inactive);
  p.addField("low_free", m.low_free);
  p.addField("low_total", m.low_total);
  p.addField("mapped", m.mapped);
  p.addField("page_tables", m.page_tables);
  p.addField("shared", m.shared);
  p.addField("slab", m.slab);
  p.addField("sreclaimable", m.sreclaimable);
  p.addField("sunreclaim", m.sunreclaim);
  p.addField("swap_cached", m.swap_cached);
  p.addField("swap_free", m.swap_free);
  p.addField("swap_total", m.swap_total);
  p.addField("vmalloc_chunk", m.vmalloc_chunk);
  p.addField("vmalloc_total", m.vmalloc_total);
  p.addField("vmalloc_used", m.vmalloc_used);
  p.addField("write_back_tmp", m.write_back_tmp);
  p.addField("write_back", m.write_back);
  return p;
}

}  // namespace

MemInput::MemInput(MemConfig config, HostPaths paths)
    : config_(std::move(config)), paths_(std::move(paths)) {}

Result<MemInput> MemInput::create(MemConfig config, HostPaths paths) {
  config.interval = clampInterval(config.interval);
  return MemInput(std::move(config), std::move(paths));
}

Status MemInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("meminfo");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  MemInfo m;
  SEXTANT_RETURN_IF_ERROR(parseMeminfo(buf_, path, &m));
  model::Point p = memPoint(m, now_ns);
  addConfigTags(config_.tags, &p);
  out->push_back(std::move(p));
  return Status::ok();
}

}  // namespace sextant::agent::inputs

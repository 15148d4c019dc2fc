#include "agent/inputs/swap/swap_input.h"

#include <utility>

#include "agent/inputs/host_common/input_util.h"
#include "agent/inputs/host_common/meminfo.h"
#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

SwapInput::SwapInput(SwapConfig config, HostPaths paths)
    : config_(std::move(config)), paths_(std::move(paths)) {}

Result<SwapInput> SwapInput::create(SwapConfig config, HostPaths paths) {
  config.interval = clampInterval(config.interval);
  return SwapInput(std::move(config), std::move(paths));
}

Status SwapInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  std::string path = paths_.procFile("meminfo");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  MemInfo m;
  SEXTANT_RETURN_IF_ERROR(parseMeminfo(buf_, path, &m));
  path = paths_.procFile("vmstat");
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &buf_));
  SwapActivity activity;
  SEXTANT_RETURN_IF_ERROR(parseVmstat(buf_, path, &activity));

  uint64_t used = m.swap_total >= m.swap_free ? m.swap_total - m.swap_free : 0;
  double used_percent = 0;
  if (m.swap_total != 0) {
    used_percent = static_cast<double>(used) / static_cast<double>(m.swap_total) * 100.0;
  }
  model::Point p = makePoint("swap", now_ns);
  p.addField("total", m.swap_total);
  p.addField("used", used);
  p.addField("free", m.swap_free);
  p.addField("used_percent", used_percent);
  p.addField("in", activity.swapped_in);
  p.addField("out", activity.swapped_out);
  addConfigTags(config_.tags, &p);
  out->push_back(std::move(p));
  return Status::ok();
}

}  // namespace sextant::agent::inputs

// The swap input: DataKit's measurement "swap" from /proc/meminfo (SwapTotal, SwapFree) and
// /proc/vmstat (pswpin, pswpout). See README.md for fields.
// Thread-safety: one SwapInput is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs {

// [[inputs.swap]] with DataKit's defaults.
struct SwapConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  std::map<std::string, std::string> tags;
};

class SwapInput {
 public:
  static Result<SwapInput> create(SwapConfig config, HostPaths paths);

  const SwapConfig& config() const { return config_; }

  // Appends one "swap" point (time now_ns) to *out; errors name the file.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  SwapInput(SwapConfig config, HostPaths paths);

  SwapConfig config_;
  HostPaths paths_;
  std::string buf_;
};

}  // namespace sextant::agent::inputs

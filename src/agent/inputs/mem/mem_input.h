// The mem input: DataKit's measurement "mem" from /proc/meminfo (Linux fields; sizes in bytes).
// See README.md for fields and formulas.
// Thread-safety: one MemInput is used from one thread at a time.
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

// [[inputs.mem]] with DataKit's defaults.
struct MemConfig {
  std::chrono::nanoseconds interval = std::chrono::seconds(10);  // clamped to [1s, 1m]
  std::map<std::string, std::string> tags;
};

class MemInput {
 public:
  static Result<MemInput> create(MemConfig config, HostPaths paths);

  const MemConfig& config() const { return config_; }

  // Appends one "mem" point (time now_ns) to *out; errors name the file.
  Status collect(int64_t now_ns, std::vector<model::Point>* out);

 private:
  MemInput(MemConfig config, HostPaths paths);

  MemConfig config_;
  HostPaths paths_;
  std::string buf_;
};

}  // namespace sextant::agent::inputs

// Small helpers every host input uses: the configured [inputs.<name>.tags], the clamp DataKit
// applies to intervals, and per-second rates that never go negative.
// Free functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/point.h"

namespace sextant::agent::inputs {

// Adds the input's configured tags to p, skipping keys p already has (DataKit's KVs.AddTag keeps
// the first value: an input's own tags such as "cpu" or "interface" win).
void addConfigTags(const std::map<std::string, std::string>& tags, model::Point* p);

// DataKit's config.ProtectedInterval: values outside [lo, hi] are clamped. The defaults are the
// bounds of every host input but hostobject.
std::chrono::nanoseconds clampInterval(std::chrono::nanoseconds v,
                                       std::chrono::nanoseconds lo = std::chrono::seconds(1),
                                       std::chrono::nanoseconds hi = std::chrono::minutes(1));

// An empty point of `measurement` stamped now_ns.
model::Point makePoint(std::string measurement, int64_t now_ns,
                       model::Category category = model::Category::kMetric);

// (after - before) / seconds with integer division, as DataKit computes its "/sec" fields over
// whole seconds; nullopt when the counter went backwards (reset, reboot, wrap) or no whole second
// elapsed.
std::optional<int64_t> perSecond(uint64_t before, uint64_t after, int64_t seconds);
std::optional<int64_t> perSecond(int64_t before, int64_t after, int64_t seconds);

}  // namespace sextant::agent::inputs

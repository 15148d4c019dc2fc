#include "agent/inputs/host_common/input_util.h"

#include <limits>
#include <utility>

namespace sextant::agent::inputs {

void addConfigTags(const std::map<std::string, std::string>& tags, model::Point* p) {
  for (const auto& [k, v] : tags) {
    if (p->findTag(k) == nullptr) p->addTag(k, v);
  }
}

model::Point makePoint(std::string measurement, int64_t now_ns, model::Category category) {
  model::Point p;
  p.category = category;
  p.measurement = std::move(measurement);
  p.time_ns = now_ns;
  return p;
}

std::chrono::nanoseconds clampInterval(std::chrono::nanoseconds v, std::chrono::nanoseconds lo,
                                       std::chrono::nanoseconds hi) {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}

namespace {

std::optional<int64_t> rate(uint64_t delta, int64_t seconds) {
  if (seconds <= 0 || delta > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<int64_t>(delta) / seconds;
}

}  // namespace

std::optional<int64_t> perSecond(uint64_t before, uint64_t after, int64_t seconds) {
  if (after < before) return std::nullopt;
  return rate(after - before, seconds);
}

std::optional<int64_t> perSecond(int64_t before, int64_t after, int64_t seconds) {
  if (after < before) return std::nullopt;
  // after >= before, so the modular difference is the true one.
  return rate(static_cast<uint64_t>(after) - static_cast<uint64_t>(before), seconds);
}

}  // namespace sextant::agent::inputs

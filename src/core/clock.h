// The wall clock in Unix nanoseconds: the default behind every `now_ns` clock seam (point times,
// time correction, statistics). Code that tests need to steer takes a std::function seam and
// falls back to this.
#pragma once

#include <chrono>
#include <cstdint>

namespace sextant {

inline int64_t wallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sextant

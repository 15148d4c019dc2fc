// Go-style durations as DataKit configs write them: "30s", "1m30s", "500ms", "1.5h", "10us".
#pragma once

#include <chrono>
#include <string_view>

#include "core/status.h"

namespace sextant {

// Units: ns, us (or µs), ms, s, m, h; each part a decimal number, optionally fractional; "0" alone
// is allowed. Negative durations and overflow are errors.
Result<std::chrono::nanoseconds> parseDuration(std::string_view s);

}  // namespace sextant

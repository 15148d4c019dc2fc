// String helpers of the Pipeline function library: url_decode() and parse_duration().
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sextant::pipeline::funcs {

// Query-string decoding as Go's url.QueryUnescape: %XX (either hex case) -> byte, '+' -> ' '.
// A '%' not followed by two hex digits is an InvalidArgument error.
Result<std::string> urlDecode(std::string_view text);

// Go's time.ParseDuration: an optional sign then one or more decimal numbers, each with an
// optional fraction and a unit (ns, us, µs (U+00B5), μs (U+03BC), ms, s, m, h), e.g. "1h2m3.5s",
// "-1.5ms", "300us"; "0" alone is allowed. Returns nanoseconds; overflow of int64 -> OutOfRange.
Result<int64_t> parseGoDuration(std::string_view text);

}  // namespace sextant::pipeline::funcs

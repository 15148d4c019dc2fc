// Time text formats shared by codecs and APIs.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sextant {

// An RFC 3339 time ("2016-10-06T00:17:09.669794202Z", "...09+08:00", "...09.5-07:30") in Unix
// nanoseconds: an optional fraction of 1 or more digits (beyond 9 ignored), 'T'/'t', 'Z'/'z' or
// an offset up to 23:59, no leap second, within int64 nanoseconds (1677-09-21 to 2262-04-11).
// nullopt when not.
std::optional<int64_t> parseRfc3339Nano(std::string_view s);

}  // namespace sextant

// Base64 (RFC 4648) for bytes carried in JSON: PBJSON's `d` values, bytes fields in simple JSON.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace sextant::codec::json {

// Appends the standard base64 of `in` (alphabet A-Z a-z 0-9 + /, '=' padding) to *out.
void base64Encode(std::string_view in, std::string* out);

// Appends the bytes of `in` to *out. Accepts the standard and the URL-safe alphabet ('-', '_')
// and padding or none, as proto3 JSON parsers do; no whitespace. Returns false (and *out is
// unspecified) on any other character, misplaced padding or an impossible length.
[[nodiscard]] bool base64Decode(std::string_view in, std::string* out);

}  // namespace sextant::codec::json

// DataKit's two JSON point formats (README.md beside this file has the full rules):
//
// Simple JSON (Content-Type contains application/json):
//   [{"measurement":"cpu","tags":{"host":"a"},"fields":{"usage":1.5,"up":true},"time":1700000000}]
// Every JSON number is a float (DataKit unmarshals fields into Go interface{}, i.e. float64):
// integers become doubles. Strings, bools and arrays of one of those types are the other values.
//
// PBJSON (Content-Type: application/pbjson; proto=com.guance.Point): the proto3 JSON mapping of
// point.proto's PBPoint, one object per point, with full type fidelity:
//   [{"name":"cpu","fields":[{"key":"host","s":"a","is_tag":true},{"key":"n","i":"3"}],
//     "time":"1700000000000000000"}]
//
// Decoders parse with simdjson (error codes, no exceptions) and return InvalidArgument naming
// the point index on any error. Encoders append to *out. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "model/warning.h"

namespace sextant::codec::json {

// Decodes a simple JSON body. `time` is optional: absent, null or 0 means `now_ns`; otherwise it
// is an integer in units of `time_multiplier` nanoseconds (1 = ns, 1000 = us, 1'000'000 = ms,
// 1'000'000'000 = s, ...: the /v1/write `precision` parameter; values < 1 count as 1).
// Errors: body not a JSON array, a point that is not an object, missing or non-string
// "measurement", tags not an object of strings, fields not an object, a field value that is
// null, an object or an array of mixed or non-basic types, a time that is not an integer or
// overflows when scaled.
Result<std::vector<model::Point>> decodeJson(std::string_view body, model::Category category,
                                             int64_t now_ns, int64_t time_multiplier = 1);

// Appends `pts` as a simple JSON array. Ints and uints are written as JSON integers (they read
// back as floats), bytes as base64 strings (they read back as strings), non-finite floats as
// null (which does not read back). Always writes "time" in ns.
void encodeJson(std::span<const model::Point> pts, std::string* out);

// Decodes a PBJSON body (a JSON array of PBPoint objects). i, u and time are accepted as JSON
// strings or integers, f as a number or a string ("NaN", "Infinity", "-Infinity" included),
// d as base64 (standard or URL-safe, padding optional), a as {"@type": ".../point.Array",
// "arr": [{"i": "1"}, ...]}. null members count as absent. Fields without a value are dropped;
// type, unit, warns and debugs are read past; unknown members are ignored.
Result<std::vector<model::Point>> decodePbJson(std::string_view body, model::Category category);

// Appends `pts` as PBJSON; point i also gets "warns":[{"type","message"}] when warnings[i] is
// not empty (`warnings` may be shorter than `pts`, or empty).
void encodePbJson(std::span<const model::Point> pts,
                  std::span<const std::vector<model::Warning>> warnings, std::string* out);

}  // namespace sextant::codec::json

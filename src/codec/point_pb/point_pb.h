// DataKit's protobuf point format (`PBPoints`, point.proto beside this file):
//   Content-Type: application/protobuf; proto=com.guance.Point
// the default body of DataKit uploads to DataWay. A hand-written wire-format decoder and
// encoder straight from/to model::Point (no generated message objects). README.md has the
// format, the decoding rules and the errors.
//
// Thread-safety: the functions are pure; they share no state and may run concurrently.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "model/point_view.h"
#include "model/warning.h"

namespace sextant::codec::pb {

// The type URL of array values carried in Field.a (google.protobuf.Any).
inline constexpr std::string_view kArrayTypeUrl = "type.googleapis.com/point.Array";

// Decodes a serialized PBPoints. The category is not on the wire: every point gets `category`.
// Tags are the Field entries with is_tag = true (value in `s`, or `d` as older encoders wrote);
// Field entries without a value are dropped; unknown field numbers are skipped; metric type,
// unit, warns and debugs are read past and not kept. Malformed input (truncated, a length past
// the end, a known field with the wrong wire type, a non-string tag, a mixed-type array, an Any
// that is not point.Array, groups nested too deep) is an InvalidArgument error naming the
// point index. An empty body decodes to no points.
Result<std::vector<model::Point>> decode(std::string_view body, model::Category category);

// Appends the PBPoints serialization of `pts` to *out: per point name, tags (is_tag = true,
// value in `s`), fields, time; arrays as Any(point.Array).
void encode(std::span<const model::Point> pts, std::string* out);

// Appends one point's PBPoints.arr entry (what encode() writes for it) to *out, without
// allocating anything but *out's growth: the uploader's per-point path.
void appendPoint(const model::Point& p, std::string* out);
// The same bytes as appendPoint(model::toPoint(p), out), from views (no copy of a string).
void appendPoint(const model::PointView& p, std::string* out);
// As above into [out, out + room), for callers that manage their own buffer (no zero-filling of
// a string's growth): the bytes written, or 0 (nothing written) when the entry needs more than
// `room` bytes.
size_t appendPoint(const model::PointView& p, char* out, size_t room);

// As above, and point i also carries warnings[i] as `warns` (the echo of normalisation).
// `warnings` may be shorter than `pts` (an empty span: no warnings at all).
void encode(std::span<const model::Point> pts,
            std::span<const std::vector<model::Warning>> warnings, std::string* out);

}  // namespace sextant::codec::pb

// Upload bodies: how the uploader turns a list of points into DataWay POST bodies.
//
// splitBodies() encodes points one at a time and packs them, in order, into bodies of at most
// max_raw_bytes encoded bytes (a point larger than that alone makes a body of its own). Both
// encodings concatenate: a protobuf PBPoints of points a+b is the bytes of PBPoints(a) followed
// by PBPoints(b) (repeated field 1), and line protocol is one line per point. Only one body is in
// memory at a time.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/point.h"

namespace sextant::agent {

// DataKit's [dataway] content_encoding: "v2" protobuf (default), "v1" line protocol.
enum class UploadEncoding { kProtobuf, kLineProtocol };

// The Content-Type DataKit sends (cliutils point.Encoding.HTTPContentType()):
// "application/protobuf; proto=com.guance.Point" or "application/line-protocol".
std::string_view uploadContentType(UploadEncoding encoding);

// Calls emit(raw_body, point_count) once per body, in order; stops at the first error emit
// returns and returns it. emit may move from raw_body. Points that encode to nothing (line
// protocol drops a point with no writable field) are skipped and not counted.
Status splitBodies(std::span<const model::Point> points, UploadEncoding encoding,
                   size_t max_raw_bytes,
                   const std::function<Status(std::string& raw_body, std::uint32_t points)>& emit);

// X-Pkg-Id of a queued body: "dk_" + 20 base32hex characters (the shape of DataKit's xid) made
// from the body's creation time and its CRC32C, so a body keeps its id across retries, restarts
// and fan-out to several DataWays.
std::string packageId(std::int64_t create_time_ns, std::string_view body);

}  // namespace sextant::agent

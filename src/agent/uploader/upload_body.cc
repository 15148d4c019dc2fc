#include "agent/uploader/upload_body.h"

#include <algorithm>

#include "codec/line_protocol/line_protocol.h"
#include "codec/point_pb/point_pb.h"
#include "core/crc32c.h"

namespace sextant::agent {

std::string_view uploadContentType(UploadEncoding encoding) {
  return encoding == UploadEncoding::kProtobuf ? "application/protobuf; proto=com.guance.Point"
                                               : "application/line-protocol";
}

Status splitBodies(std::span<const model::Point> points, UploadEncoding encoding,
                   size_t max_raw_bytes,
                   const std::function<Status(std::string& raw_body, std::uint32_t points)>& emit) {
  // Each point is appended to the body in place; the one that overflows the cap moves to the
  // next body (once per body, not per point).
  std::string body;
  std::string carry;
  std::uint32_t count = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const size_t before = body.size();
    if (encoding == UploadEncoding::kProtobuf) {
      codec::pb::appendPoint(points[i], &body);
    } else {
      codec::lp::encode(points[i], &body);
    }
    const size_t size = body.size() - before;
    if (size == 0) continue;
    if (count > 0 && body.size() > max_raw_bytes) {
      carry.assign(body, before);
      body.resize(before);
      SEXTANT_RETURN_IF_ERROR(emit(body, count));
      body.clear();  // emit may have moved from it
      body.swap(carry);
      count = 0;
    }
    if (count == 0) {
      // Room for the whole body at once, guessed from its first point: growing a 1 MiB body by
      // doubling copied it twice over and cost as much as encoding it.
      const size_t guess = size * (points.size() - i);
      body.reserve(std::min(max_raw_bytes, guess + guess / 8));
    }
    ++count;
  }
  if (count > 0) SEXTANT_RETURN_IF_ERROR(emit(body, count));
  return Status::ok();
}

std::string packageId(std::int64_t create_time_ns, std::string_view body) {
  // 12 bytes, big-endian: creation time (8) and CRC32C of the body (4); base32hex, lower case.
  unsigned char raw[12];
  auto t = static_cast<std::uint64_t>(create_time_ns);
  for (int i = 0; i < 8; ++i) raw[i] = static_cast<unsigned char>(t >> (56 - 8 * i));
  std::uint32_t crc = crc32c(body);
  for (int i = 0; i < 4; ++i) raw[8 + i] = static_cast<unsigned char>(crc >> (24 - 8 * i));
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";
  std::string out = "dk_";
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31]);
  return out;  // 96 bits -> 20 characters
}

}  // namespace sextant::agent

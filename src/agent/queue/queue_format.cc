#include "agent/queue/queue_format.h"

#include <cstdio>

#include "core/crc32c.h"
#include "core/little_endian.h"

namespace sextant::agent {
namespace {

constexpr std::string_view kSegmentMagic = "SXQS";
constexpr std::string_view kCursorMagic = "SXQC";
constexpr std::string_view kSegmentSuffix = ".seg";
constexpr std::size_t kSegmentDigits = 20;

}  // namespace

std::string segmentFileName(std::uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu.seg", static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<std::uint64_t> parseSegmentName(std::string_view name) {
  if (name.size() != kSegmentDigits + kSegmentSuffix.size()) return std::nullopt;
  if (name.substr(kSegmentDigits) != kSegmentSuffix) return std::nullopt;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < kSegmentDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (seq > (UINT64_MAX - digit) / 10) return std::nullopt;
    seq = seq * 10 + digit;
  }
  return seq;
}

std::string encodeSegmentHeader(std::uint64_t seq) {
  std::string out(kSegmentMagic);
  putLe(out, kQueueFormatVersion, 2);
  putLe(out, 0, 2);
  putLe(out, seq, 8);
  putLe(out, crc32c(out), 4);
  return out;
}

Result<std::uint64_t> decodeSegmentHeader(std::string_view header) {
  if (header.size() < kSegmentHeaderSize) return dataLoss("segment header truncated");
  if (header.substr(0, 4) != kSegmentMagic) return dataLoss("segment header: bad magic");
  if (getLe(header, 16, 4) != crc32c(header.substr(0, 16))) {
    return dataLoss("segment header: checksum mismatch");
  }
  if (getLe(header, 4, 2) != kQueueFormatVersion) {
    return dataLoss("segment header: unsupported version " + std::to_string(getLe(header, 4, 2)));
  }
  if (getLe(header, 6, 2) != 0) return dataLoss("segment header: reserved bits set");
  return getLe(header, 8, 8);
}

Result<std::string> encodeRecord(const QueueRecord& record) {
  if (record.content_type.size() > 0xFFFF || record.content_encoding.size() > 0xFFFF ||
      record.storage_index.size() > 0xFFFF) {
    return invalidArgument(
        "queue record: content type, encoding or storage index longer than 65535 bytes");
  }
  const bool indexed = !record.storage_index.empty();
  const std::uint64_t body_size =
      kRecordMetaSize + (indexed ? 2 + record.storage_index.size() : 0) +
      record.content_type.size() + record.content_encoding.size() + record.body.size();
  if (body_size > kMaxRecordBodySize) {
    return outOfRange("queue record: " + std::to_string(body_size) + " bytes is over " +
                      std::to_string(kMaxRecordBodySize));
  }
  std::string out;
  out.reserve(kRecordHeaderSize + body_size);
  putLe(out, 0, 4);  // CRC, filled in below
  putLe(out, body_size, 4);
  putLe(out, kRecordTypeUploadBody, 1);
  putLe(out, indexed ? kRecordFlagStorageIndex : 0, 1);  // flags
  putLe(out, 0, 2);                                      // reserved
  putLe(out, static_cast<std::uint64_t>(record.create_time_ns), 8);
  putLe(out, record.point_count, 4);
  putLe(out, record.content_type.size(), 2);
  putLe(out, record.content_encoding.size(), 2);
  if (indexed) putLe(out, record.storage_index.size(), 2);
  out += record.content_type;
  out += record.content_encoding;
  if (indexed) out += record.storage_index;
  out += record.body;
  const std::uint32_t crc = crc32c(std::string_view(out).substr(4));
  for (int i = 0; i < 4; ++i) out[static_cast<size_t>(i)] = static_cast<char>(crc >> (8 * i));
  return out;
}

Result<RecordHeader> decodeRecordHeader(std::string_view header) {
  if (header.size() < kRecordHeaderSize) return dataLoss("record header truncated");
  RecordHeader h;
  h.crc = static_cast<std::uint32_t>(getLe(header, 0, 4));
  h.length = static_cast<std::uint32_t>(getLe(header, 4, 4));
  if (h.length < kRecordMetaSize || h.length > kMaxRecordBodySize) {
    return dataLoss("record length " + std::to_string(h.length) + " out of range");
  }
  if (getLe(header, 8, 1) != kRecordTypeUploadBody) return dataLoss("record: unknown type");
  if ((getLe(header, 9, 1) & ~std::uint64_t{kRecordFlagStorageIndex}) != 0 ||
      getLe(header, 10, 2) != 0) {
    return dataLoss("record: unknown flags or reserved bits set");
  }
  return h;
}

Result<QueueRecord> decodeRecordBody(std::string_view header, std::string_view body) {
  Result<RecordHeader> h = decodeRecordHeader(header);
  if (!h.isOk()) return h.status();
  if (body.size() != h->length) return dataLoss("record body truncated");
  std::uint32_t crc = crc32c(header.substr(4, kRecordHeaderSize - 4));
  crc = crc32cExtend(crc, body.data(), body.size());
  if (crc != h->crc) return dataLoss("record checksum mismatch");
  QueueRecord r;
  r.create_time_ns = static_cast<std::int64_t>(getLe(body, 0, 8));
  r.point_count = static_cast<std::uint32_t>(getLe(body, 8, 4));
  const std::size_t type_len = getLe(body, 12, 2);
  const std::size_t encoding_len = getLe(body, 14, 2);
  const bool indexed = (getLe(header, 9, 1) & kRecordFlagStorageIndex) != 0;
  std::size_t pos = kRecordMetaSize;
  std::size_t index_len = 0;
  if (indexed) {
    if (pos + 2 > body.size()) return dataLoss("record: storage index length missing");
    index_len = getLe(body, pos, 2);
    pos += 2;
  }
  if (pos + type_len + encoding_len + index_len > body.size()) {
    return dataLoss("record: string lengths exceed the record");
  }
  r.content_type = body.substr(pos, type_len);
  pos += type_len;
  r.content_encoding = body.substr(pos, encoding_len);
  pos += encoding_len;
  r.storage_index = body.substr(pos, index_len);
  pos += index_len;
  r.body = body.substr(pos);
  return r;
}

std::string encodeCursor(const QueueCursor& cursor) {
  std::string out(kCursorMagic);
  putLe(out, kQueueFormatVersion, 2);
  putLe(out, 0, 2);
  putLe(out, cursor.segment, 8);
  putLe(out, cursor.offset, 8);
  putLe(out, crc32c(out), 4);
  return out;
}

Result<QueueCursor> decodeCursor(std::string_view bytes) {
  if (bytes.size() != kCursorSize) return dataLoss("cursor: wrong size");
  if (bytes.substr(0, 4) != kCursorMagic) return dataLoss("cursor: bad magic");
  if (getLe(bytes, 24, 4) != crc32c(bytes.substr(0, 24))) {
    return dataLoss("cursor: checksum mismatch");
  }
  if (getLe(bytes, 4, 2) != kQueueFormatVersion || getLe(bytes, 6, 2) != 0) {
    return dataLoss("cursor: unsupported version");
  }
  return QueueCursor{getLe(bytes, 8, 8), getLe(bytes, 16, 8)};
}

}  // namespace sextant::agent

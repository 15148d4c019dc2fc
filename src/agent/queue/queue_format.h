// The on-disk format of the agent's upload queue, version 1: segment headers, records and the
// cursor file, exactly as docs/formats/disk-queue.md describes them. Pure encode/decode over
// bytes, no I/O; DiskQueue does the I/O.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sextant::agent {

// One upload body and what the uploader needs to POST it again.
struct QueueRecord {
  std::string body;                 // exactly the bytes to POST (already compressed)
  std::string content_type;         // Content-Type, e.g. "application/x-protobuf"
  std::string content_encoding;     // Content-Encoding, e.g. "gzip"; empty = identity
  std::uint32_t point_count = 0;    // X-Points
  std::int64_t create_time_ns = 0;  // when the body was built (to drop expired bodies)
  std::string storage_index;        // X-Storage-Index-Name (logging); empty = none

  bool operator==(const QueueRecord&) const = default;
};

inline constexpr std::uint16_t kQueueFormatVersion = 1;
inline constexpr std::size_t kSegmentHeaderSize = 20;
inline constexpr std::size_t kRecordHeaderSize = 12;
inline constexpr std::size_t kRecordMetaSize = 16;  // fixed part of a type-1 record body
inline constexpr std::uint32_t kMaxRecordBodySize = 64u << 20;
inline constexpr std::size_t kCursorSize = 28;
inline constexpr std::uint8_t kRecordTypeUploadBody = 1;
// Record header flag: the record body carries a storage index (a 2-byte length after the fixed
// meta part, the string after the content encoding). Records without one keep the original
// layout, so queues written before the flag existed read unchanged.
inline constexpr std::uint8_t kRecordFlagStorageIndex = 1;

// "00000000000000000042.seg" for 42; parseSegmentName is its inverse (nullopt for other names).
std::string segmentFileName(std::uint64_t seq);
std::optional<std::uint64_t> parseSegmentName(std::string_view name);

std::string encodeSegmentHeader(std::uint64_t seq);
// The sequence number from a 20-byte header; DataLoss when magic, version, reserved or CRC is bad.
Result<std::uint64_t> decodeSegmentHeader(std::string_view header);

// Header + body of one record. InvalidArgument when a string is over 65535 bytes, OutOfRange
// when the record body would exceed kMaxRecordBodySize.
Result<std::string> encodeRecord(const QueueRecord& record);

// The fields of a record header. decodeRecordHeader checks what it can without the body: length
// range, type, flags, reserved. DataLoss otherwise.
struct RecordHeader {
  std::uint32_t crc = 0;
  std::uint32_t length = 0;  // bytes of record body after the header
};
Result<RecordHeader> decodeRecordHeader(std::string_view header);
// Checks the CRC (over header bytes 4..11 and the body) and parses the body. DataLoss when bad.
Result<QueueRecord> decodeRecordBody(std::string_view header, std::string_view body);

struct QueueCursor {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
  bool operator==(const QueueCursor&) const = default;
};
std::string encodeCursor(const QueueCursor& cursor);
Result<QueueCursor> decodeCursor(std::string_view bytes);

}  // namespace sextant::agent

// The on-disk format of the server's write-ahead log, version 1: file names, segment headers,
// records and the validation of a whole segment, exactly as docs/formats/wal.md describes them.
// Pure encode/decode over bytes, no I/O; Wal does the I/O.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sextant::storage {

inline constexpr std::uint16_t kWalFormatVersion = 1;
inline constexpr std::size_t kWalSegmentHeaderSize = 32;
inline constexpr std::size_t kWalRecordHeaderSize = 20;
inline constexpr std::uint32_t kWalMaxPayloadSize = 64u << 20;
inline constexpr std::uint8_t kWalRecordTypeFull = 1;

// "wal-00000000000000000042.log" for 42; parseWalSegmentName is its inverse. The suffixes name a
// quarantined segment (".corrupt") and a rebuilt prefix being written (".tmp").
enum class WalFileKind { kSegment, kCorrupt, kTemp };
std::string walSegmentName(std::uint64_t seq, WalFileKind kind = WalFileKind::kSegment);
struct WalFileName {
  std::uint64_t seq = 0;
  WalFileKind kind = WalFileKind::kSegment;
};
std::optional<WalFileName> parseWalFileName(std::string_view name);

struct WalSegmentHeader {
  std::uint64_t seq = 0;
  std::uint64_t first_lsn = 0;
  bool operator==(const WalSegmentHeader&) const = default;
};
std::string encodeWalSegmentHeader(const WalSegmentHeader& header);
// DataLoss when short, or when magic, version, reserved fields or CRC are bad.
Result<WalSegmentHeader> decodeWalSegmentHeader(std::string_view bytes);

// Appends header + payload of one record to `out`. The payload must be at most
// kWalMaxPayloadSize bytes (the caller checks).
void appendWalRecord(std::string& out, std::uint64_t lsn, std::string_view payload);
inline std::size_t walRecordSize(std::size_t payload_size) {
  return kWalRecordHeaderSize + payload_size;
}

// One record decoded from the front of a byte range.
struct WalRecordView {
  enum class Outcome {
    kRecord,     // a valid record: lsn, payload and size are set
    kTruncated,  // the header or payload runs past the end of the range (header fields plausible)
    kCorrupt,    // a bad header field or CRC
  };
  Outcome outcome = Outcome::kCorrupt;
  std::uint64_t lsn = 0;
  std::string_view payload;  // points into the decoded range
  std::size_t size = 0;      // header + payload bytes
  const char* error = "";    // why, when not kRecord (a static string)
};
// Decodes the record at the start of `bytes` (which may hold more after it). Never reads outside
// `bytes`.
WalRecordView decodeWalRecord(std::string_view bytes);

// What validating a whole segment file found (docs/formats/wal.md, "Torn tail and corruption").
struct WalSegmentScan {
  bool header_ok = false;
  WalSegmentHeader header;
  std::uint64_t records = 0;    // valid records before the first bad one
  std::uint64_t last_lsn = 0;   // LSN of the last valid record; first_lsn - 1 when none
  std::uint64_t valid_end = 0;  // offset just past the last valid record (or the header)
  bool damaged = false;         // something invalid at valid_end
  std::string error;            // why, when damaged
  // Set when damaged: the highest LSN of a valid record found after valid_end (a byte-by-byte
  // search for records whose LSN is above last_lsn); nullopt when there is none (a torn tail
  // when this is the active segment).
  std::optional<std::uint64_t> lsn_after_damage;
  std::uint64_t records_after_damage = 0;  // valid records found by that search
};
// Validates a segment file's bytes. `seq` is the number in its file name (the header must carry
// it). Never fails: every outcome is described by the result.
WalSegmentScan scanWalSegment(std::string_view bytes, std::uint64_t seq);

}  // namespace sextant::storage

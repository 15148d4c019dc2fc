// The on-disk format of part files, versions 1 and 2: header, trailer and the meta (footer) with
// its column directory and granule marks (version 2: with column statistics), exactly as
// docs/formats/parts.md describes them. Pure
// encode/decode over bytes, no I/O; PartWriter and PartReader do the I/O. The decoder validates
// everything the format promises (DataLoss otherwise), so readers may trust a decoded footer's
// offsets and counts.
// Thread-safety: pure functions.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/column.h"
#include "storage/part/part.h"

namespace sextant::storage {

inline constexpr std::uint16_t kPartFormatVersion = 2;     // what writers write
inline constexpr std::uint16_t kPartFormatMinVersion = 1;  // the oldest readers read
inline constexpr std::size_t kPartHeaderSize = 8;
inline constexpr std::size_t kPartTrailerSize = 32;

// A column of a part: the same name with another kind or type is another column.

// Where a block is in the file; length 0 means "no block".
struct PartBlockRef {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  bool operator==(const PartBlockRef&) const = default;
};

// A column block's statistics (format version 2; all flags 0 in a version-1 part).
struct PartColumnStats {
  static constexpr std::uint8_t kRange = 1;       // min/max hold
  static constexpr std::uint8_t kAllPresent = 2;  // every row of the granule has a value
  static constexpr std::uint8_t kValueBloom = 4;  // value_bloom holds
  static constexpr std::uint8_t kNaN = 8;         // some present value is NaN (float)
  static constexpr std::uint8_t kAllFlags = 15;
  std::uint8_t flags = 0;
  // The bits of the bounds: int64, uint64, IEEE-754 double bits or 0/1 (by the column's type).
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  PartBlockRef value_bloom;  // exact-value bloom (encoding::BloomBuilder::addToken)
  std::uint32_t value_bloom_crc = 0;
  bool operator==(const PartColumnStats&) const = default;
};

struct PartColumnBlock {
  std::uint32_t column = 0;  // index into PartFooter::columns
  PartBlockRef block;
  PartColumnStats stats;
  bool operator==(const PartColumnBlock&) const = default;
};

// One granule's mark.
struct GranuleMark {
  std::uint32_t measurement = 0;  // index into PartFooter::measurements
  std::uint32_t rows = 0;
  std::int64_t min_time_ns = 0;
  std::int64_t max_time_ns = 0;
  std::uint64_t min_series = 0;
  std::uint64_t max_series = 0;
  PartBlockRef time;
  PartBlockRef series;  // length 0: every row has series id 0
  PartBlockRef bloom;   // length 0: no bloom filter
  std::uint32_t bloom_crc = 0;
  std::vector<PartColumnBlock> columns;  // ascending by column index
  bool operator==(const GranuleMark&) const = default;
};

// Everything the meta section holds.
struct PartFooter {
  std::uint16_t version = kPartFormatVersion;  // of the file (header and trailer)
  PartMeta meta;
  std::uint64_t rows = 0;
  std::int64_t min_time_ns = 0;
  std::int64_t max_time_ns = 0;
  std::vector<std::string> measurements;  // strictly ascending
  std::vector<PartColumnKey> columns;     // strictly ascending
  std::vector<GranuleMark> granules;
};

// Per measurement, the columns its granules hold (the engine's catalog of fields and tags).
std::vector<MeasurementColumns> schemaOf(const PartFooter& f);

struct PartTrailer {
  std::uint64_t meta_offset = 0;
  std::uint64_t meta_length = 0;
  std::uint32_t meta_crc = 0;
  std::uint16_t version = kPartFormatVersion;
  bool operator==(const PartTrailer&) const = default;
};

std::string encodePartHeader(std::uint16_t version = kPartFormatVersion);
// DataLoss unless bytes start with a valid header (of a version readers read).
Status checkPartHeader(std::string_view bytes);
// The version of a header checkPartHeader accepted.
std::uint16_t partHeaderVersion(std::string_view bytes);

// Encodes footer.version's layout (version 1 drops value_bloom_columns and the statistics).
std::string encodePartMeta(const PartFooter& footer);
// Decodes and validates the meta of a file of the given version whose meta starts at meta_offset
// (every block must end at or before it). DataLoss on anything docs/formats/parts.md forbids.
Result<PartFooter> decodePartMeta(std::string_view meta, std::uint64_t meta_offset,
                                  std::uint16_t version = kPartFormatVersion);

std::string encodePartTrailer(const PartTrailer& trailer);
// Decodes the last kPartTrailerSize bytes of a file of file_size bytes and checks that the meta
// fills the space between the header and the trailer. DataLoss otherwise.
Result<PartTrailer> decodePartTrailer(std::string_view bytes, std::uint64_t file_size);

}  // namespace sextant::storage

// Column blocks: how one column of one granule is stored in a part file
// (docs/formats/column-blocks.md). A block is self-describing (codec id, flags, row count) and
// checksummed, so a reader detects a damaged block instead of decoding garbage.
//
// Codecs by column type (encodeBlock sizes every codec valid for the type and keeps the smallest;
// a reader accepts any valid block):
//   int64 timestamps (hint kTimestamps)  delta-of-delta, zigzag varints (Gorilla's time column)
//   int64 / uint64                       zigzag varint deltas; run-length when mostly repeated;
//                                        plain 8-byte values when varints would be longer
//   double                               Gorilla XOR with leading/trailing-zero windows; decimal
//                                        (int64 mantissas / 10^e, delta varints) when every value
//                                        is reproduced bit-exactly that way; plain 8-byte values
//   bool                                 bitmap
//   string (tags, text), bytes           dictionary (distinct values + bit-packed indexes) when it
//                                        is smaller, else length-prefixed strings
//   arrays                               tagged values
// then zstd (level 1) over the body where it pays (it saves at least 1/8). Every value,
// including NaN payloads and -0.0, round-trips bit-exactly.
//
// Pure functions; thread-safe (zstd contexts are per thread). Decoders never trust their input:
// any inconsistency is DataLoss, and allocations are capped by the limits below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/column.h"

namespace sextant::storage::encoding {

enum class BlockHint : std::uint8_t {
  kAuto,        // pick by the values' type
  kTimestamps,  // int64 nanosecond timestamps, mostly regular: delta-of-delta
};

inline constexpr std::uint8_t kBlockFormatVersion = 1;
inline constexpr std::size_t kBlockHeaderSize = 20;
// Limits every reader enforces (a block beyond them is DataLoss) and every writer must respect:
// at most kMaxBlockRows rows, a raw body (and, for strings, decoded text) of at most
// kMaxBlockBytes. A part's granules (8192 rows) are far below both.
inline constexpr std::size_t kMaxBlockRows = std::size_t{1} << 20;
inline constexpr std::size_t kMaxBlockBytes = std::size_t{1} << 30;

// Appends one block holding rows [begin, end) of `values` to *out. `present` is empty (every row
// present) or has one byte per row of `values`; absent rows' values are not stored. Requires
// begin <= end <= columnSize(values), end - begin <= kMaxBlockRows and the rows' bytes within
// kMaxBlockBytes (asserted).
void encodeBlock(const ColumnValues& values, std::span<const std::uint8_t> present,
                 std::size_t begin, std::size_t end, BlockHint hint, std::string* out);

// Appends the rows of one block to *values (which must already hold the vector of the block's
// type: DataLoss otherwise) and to *present: when the block has absent rows and *present is
// empty, *present first gets a 1 for every row already in *values; when *present is not empty it
// always gets one byte per decoded row; absent rows get the default value (0, "", ...). DataLoss
// on a bad checksum, codec or length, and then *values and *present are left as they were.
Status decodeBlock(std::string_view block, ColumnValues* values,
                   std::vector<std::uint8_t>* present);

// Rows in a block, from its header only (DataLoss when the header is short or invalid). It
// does not verify the checksum (decodeBlock does).
Result<std::size_t> blockRows(std::string_view block);

// The whole block's size in bytes (header + body), from its first kBlockHeaderSize bytes; for
// finding where a block ends in a longer byte range. DataLoss as blockRows.
Result<std::size_t> blockSize(std::string_view header);

// Full-text tokens of a text: maximal runs of ASCII letters, digits and '_' (lowercased), and of
// bytes >= 0x80 (UTF-8 text other than ASCII, kept as is). Calls fn for each, in order.
template <typename Fn>
void forEachToken(std::string_view text, Fn&& fn);

// A token bloom filter for one granule's text: about 10 bits per distinct token, 7 probes
// (false-positive rate near 1%). The filter is a self-checking byte string (checksummed).
class BloomBuilder {
 public:
  void addText(std::string_view text);  // adds every token of text
  void addToken(std::string_view token);
  std::string finish() const;  // the filter bytes
 private:
  std::vector<std::uint64_t> hashes_;
};

// False only when the token is certainly not in the texts the filter was built from. The token
// is hashed as given: pass it as forEachToken yields it (lowercased). A damaged filter answers
// true (it cannot exclude anything).
bool bloomMayContain(std::string_view filter, std::string_view token);

// --- implementation of the template ---
inline bool isTokenByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}

template <typename Fn>
void forEachToken(std::string_view text, Fn&& fn) {
  std::string token;
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!isTokenByte(c)) {
      ++i;
      continue;
    }
    bool ascii = c < 0x80;
    token.clear();
    while (i < text.size()) {
      unsigned char d = static_cast<unsigned char>(text[i]);
      if (!isTokenByte(d) || (d < 0x80) != ascii) break;
      token.push_back(d >= 'A' && d <= 'Z' ? static_cast<char>(d - 'A' + 'a') : text[i]);
      ++i;
    }
    fn(std::string_view(token));
  }
}

}  // namespace sextant::storage::encoding

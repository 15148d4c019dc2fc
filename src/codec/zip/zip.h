// A reader of ZIP archives (PKWARE APPNOTE 6.3): the sourcemap bundles RUM users upload
// (`<app_id>-<env>-<version>.zip`, agent/inputs/rum/sourcemap_store.h).
//
// openZip() reads the central directory (found through the end-of-central-directory record at
// the end of the archive) and checks every entry's local header; the entries' data stay views
// into the caller's bytes, so the archive bytes must outlive the ZipArchive. readZipEntry()
// extracts one entry: method 0 (stored) or 8 (deflate, through zlib's raw inflate), checking the
// declared size and the CRC-32. Not supported (InvalidArgument naming the entry): ZIP64,
// encryption, multi-disk archives, other methods.
//
// Built for untrusted uploads: the entry count, each entry's uncompressed size and the sum of
// the declared uncompressed sizes are bounded (OutOfRange), and inflation never writes more than
// the declared size (a "zip bomb" whose data inflates beyond its header fails without using more
// memory than the declared size, which is itself bounded).
//
// Thread-safety: pure functions over caller-owned bytes; callable concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::codec::zip {

struct ZipLimits {
  size_t max_entries = 10000;               // more entries → OutOfRange
  uint64_t max_entry_bytes = 64ull << 20;   // one entry's uncompressed size
  uint64_t max_total_bytes = 512ull << 20;  // sum of the declared uncompressed sizes
};

struct ZipEntry {
  std::string name;     // as stored ('/' separators; directories end with '/')
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint32_t crc32 = 0;   // of the uncompressed data
  uint64_t uncompressed_size = 0;
  std::string_view data;  // the compressed bytes: a view into the archive
  bool isDirectory() const { return !name.empty() && name.back() == '/'; }
};

struct ZipArchive {
  std::vector<ZipEntry> entries;  // central directory order
};

// Parses the archive's directory. InvalidArgument on a malformed or unsupported archive (the
// message names the entry), OutOfRange when a limit is exceeded.
Result<ZipArchive> openZip(std::string_view bytes, const ZipLimits& limits = {});

// The entry named `name` (exact match), or nullptr.
const ZipEntry* findZipEntry(const ZipArchive& archive, std::string_view name);

// The entry's uncompressed bytes. InvalidArgument on corrupt data, a size or CRC mismatch.
Result<std::string> readZipEntry(const ZipEntry& entry);

}  // namespace sextant::codec::zip

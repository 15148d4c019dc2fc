#include "codec/zip/zip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "core/little_endian.h"

namespace sextant::codec::zip {
namespace {

constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kLocalSig = 0x04034b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;

uint64_t le(std::string_view b, size_t pos, int n) { return getLe(b, pos, n); }

std::string entryError(size_t index, std::string_view name, std::string_view what) {
  std::string m = "zip entry " + std::to_string(index);
  if (!name.empty()) m += " (" + std::string(name) + ")";
  m += ": ";
  m += what;
  return m;
}

// The offset of the end-of-central-directory record: the last signature whose comment length
// reaches exactly the end of the archive.
Result<size_t> findEocd(std::string_view b) {
  if (b.size() < kEocdSize) return invalidArgument("zip: too short for an archive");
  size_t lowest = b.size() > kEocdSize + 0xffff ? b.size() - kEocdSize - 0xffff : 0;
  for (size_t pos = b.size() - kEocdSize + 1; pos-- > lowest;) {
    if (le(b, pos, 4) != kEocdSig) continue;
    if (pos + kEocdSize + le(b, pos + 20, 2) == b.size()) return pos;
  }
  return invalidArgument("zip: no end of central directory record (not a zip archive?)");
}

}  // namespace

Result<ZipArchive> openZip(std::string_view b, const ZipLimits& limits) {
  auto eocd = findEocd(b);
  if (!eocd.isOk()) return eocd.status();
  size_t e = *eocd;
  uint64_t disk = le(b, e + 4, 2), cd_disk = le(b, e + 6, 2);
  uint64_t count_disk = le(b, e + 8, 2), count = le(b, e + 10, 2);
  uint64_t cd_size = le(b, e + 12, 4), cd_offset = le(b, e + 16, 4);
  if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
    return invalidArgument("zip: ZIP64 archives are not supported");
  }
  if (disk != 0 || cd_disk != 0 || count_disk != count) {
    return invalidArgument("zip: multi-disk archives are not supported");
  }
  if (count > limits.max_entries) {
    return outOfRange("zip: " + std::to_string(count) + " entries, more than the limit of " +
                      std::to_string(limits.max_entries));
  }
  if (cd_offset > e || cd_size > e - cd_offset) {
    return invalidArgument("zip: central directory outside the archive");
  }
  ZipArchive out;
  out.entries.reserve(count);
  uint64_t total = 0;
  size_t pos = cd_offset;
  const size_t cd_end = cd_offset + cd_size;
  for (size_t i = 0; i < count; ++i) {
    if (cd_end - pos < kCentralSize || le(b, pos, 4) != kCentralSig) {
      return invalidArgument(entryError(i, "", "bad central directory header"));
    }
    uint64_t flags = le(b, pos + 8, 2);
    ZipEntry z;
    z.method = static_cast<uint16_t>(le(b, pos + 10, 2));
    z.crc32 = static_cast<uint32_t>(le(b, pos + 16, 4));
    uint64_t csize = le(b, pos + 20, 4);
    z.uncompressed_size = le(b, pos + 24, 4);
    size_t name_len = le(b, pos + 28, 2), extra_len = le(b, pos + 30, 2);
    size_t comment_len = le(b, pos + 32, 2);
    uint64_t local = le(b, pos + 42, 4);
    size_t rec = kCentralSize + name_len + extra_len + comment_len;
    if (cd_end - pos < rec) return invalidArgument(entryError(i, "", "truncated header"));
    z.name.assign(b.substr(pos + kCentralSize, name_len));
    pos += rec;
    if ((flags & 1) != 0) return invalidArgument(entryError(i, z.name, "encrypted"));
    if (z.method != 0 && z.method != 8) {
      return invalidArgument(entryError(
          i, z.name, "compression method " + std::to_string(z.method) + " is not supported"));
    }
    if (csize == 0xffffffff || z.uncompressed_size == 0xffffffff || local == 0xffffffff) {
      return invalidArgument(entryError(i, z.name, "ZIP64 entries are not supported"));
    }
    if (z.uncompressed_size > limits.max_entry_bytes) {
      return outOfRange(entryError(i, z.name,
                                   std::to_string(z.uncompressed_size) +
                                       " bytes uncompressed, more than the limit of " +
                                       std::to_string(limits.max_entry_bytes)));
    }
    total += z.uncompressed_size;
    if (total > limits.max_total_bytes) {
      return outOfRange("zip: more than " + std::to_string(limits.max_total_bytes) +
                        " bytes uncompressed in all");
    }
    if (z.method == 0 && csize != z.uncompressed_size) {
      return invalidArgument(entryError(i, z.name, "stored entry with two different sizes"));
    }
    // The local header repeats the name; its extra field may differ from the central one.
    if (local > cd_offset || cd_offset - local < kLocalSize || le(b, local, 4) != kLocalSig) {
      return invalidArgument(entryError(i, z.name, "bad local header"));
    }
    uint64_t data = local + kLocalSize + le(b, local + 26, 2) + le(b, local + 28, 2);
    if (data > cd_offset || csize > cd_offset - data) {
      return invalidArgument(entryError(i, z.name, "data outside the archive"));
    }
    z.data = b.substr(data, csize);
    out.entries.push_back(std::move(z));
  }
  return out;
}

const ZipEntry* findZipEntry(const ZipArchive& archive, std::string_view name) {
  for (const ZipEntry& z : archive.entries) {
    if (z.name == name) return &z;
  }
  return nullptr;
}

Result<std::string> readZipEntry(const ZipEntry& entry) {
  std::string out;
  if (entry.method == 0) {
    out.assign(entry.data);
  } else if (entry.method == 8) {
    out.resize(entry.uncompressed_size);
    z_stream s{};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) return internalError("zip: inflateInit2 failed");
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(entry.data.data()));
    s.avail_in = static_cast<uInt>(entry.data.size());
    // One spare byte: data that inflates past the declared size is caught without growing.
    char spare = 0;
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&s, Z_FINISH);
    if (rc == Z_BUF_ERROR && s.avail_out == 0) {
      s.next_out = reinterpret_cast<Bytef*>(&spare);
      s.avail_out = 1;
      rc = inflate(&s, Z_FINISH);
      if (s.avail_out == 0) rc = Z_DATA_ERROR;  // wrote the spare byte: larger than declared
    }
    uint64_t produced = s.total_out;
    inflateEnd(&s);
    if (rc != Z_STREAM_END) {
      return invalidArgument("zip entry " + entry.name + ": corrupt deflate data");
    }
    if (produced != entry.uncompressed_size) {
      return invalidArgument("zip entry " + entry.name + ": size differs from its header");
    }
  } else {
    return invalidArgument("zip entry " + entry.name + ": unsupported method");
  }
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  if (crc != entry.crc32) return invalidArgument("zip entry " + entry.name + ": CRC mismatch");
  return out;
}

}  // namespace sextant::codec::zip

// libFuzzer target for the part footer decoders (docs/formats/parts.md): the meta with its column
// directory, granule marks and column statistics, and the trailer. Input:
//   byte 0        bit 0: format version 1 (else 2)
//   bytes 1..8    meta_offset (little-endian)
//   the rest      the meta bytes; its last 32 bytes are also tried as a trailer
// A meta that decodes must re-encode to the same bytes, and the decoded footer must keep what the
// decoder promises (indexes in range, blocks before meta_offset, rows adding up).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/little_endian.h"
#include "storage/part/part_format.h"

namespace sextant::storage {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inData(const PartBlockRef& r, std::uint64_t meta_offset) {
  return r.length == 0 || (r.offset >= kPartHeaderSize && r.offset + r.length <= meta_offset);
}

void fuzzMeta(std::uint16_t version, std::uint64_t meta_offset, std::string_view meta) {
  Result<PartFooter> f = decodePartMeta(meta, meta_offset, version);
  if (!f.isOk()) {
    check(f.status().code() == StatusCode::kDataLoss);
    return;
  }
  check(f->version == version);
  check(encodePartMeta(*f) == meta);
  std::uint64_t rows = 0;
  for (const GranuleMark& g : f->granules) {
    check(g.measurement < f->measurements.size());
    check(g.rows >= 1 && g.rows <= kGranuleRows);
    check(inData(g.time, meta_offset) && inData(g.series, meta_offset) &&
          inData(g.bloom, meta_offset));
    rows += g.rows;
    for (const PartColumnBlock& c : g.columns) {
      check(c.column < f->columns.size());
      check(inData(c.block, meta_offset) && inData(c.stats.value_bloom, meta_offset));
      check((c.stats.flags & ~PartColumnStats::kAllFlags) == 0);
      if (version == 1) check(c.stats == PartColumnStats{});
    }
  }
  check(rows == f->rows);
  check(schemaOf(*f).size() == f->measurements.size());
}

}  // namespace
}  // namespace sextant::storage

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sextant::storage;  // NOLINT
  if (size < 9) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::uint16_t version = (data[0] & 1) != 0 ? 1 : 2;
  const std::uint64_t meta_offset = sextant::getLe(in, 1, 8);
  const std::string_view meta = in.substr(9);
  fuzzMeta(version, meta_offset, meta);
  if (meta.size() >= kPartTrailerSize) {
    const std::uint64_t file_size = meta_offset + meta.size();
    sextant::Result<PartTrailer> t =
        decodePartTrailer(meta.substr(meta.size() - kPartTrailerSize), file_size);
    if (t.isOk()) {
      check(encodePartTrailer(*t) == meta.substr(meta.size() - kPartTrailerSize));
      check(t->meta_offset + t->meta_length + kPartTrailerSize == file_size);
    }
  }
  return 0;
}

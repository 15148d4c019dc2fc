// mergeParts: a k-way merge of parts by (measurement, series id, time), streaming one decoded
// granule per input into a PartWriter. Ties go to the input listed first.
#include <string>
#include <vector>

#include "storage/part/part.h"
#include "storage/part/part_internal.h"

namespace sextant::storage {
namespace {

using part_internal::DecodedGranule;

// One input's position: its current decoded granule and row.
struct Cursor {
  const PartReader* reader = nullptr;
  std::size_t granules = 0;
  std::size_t next_granule = 0;
  DecodedGranule g;
  std::size_t row = 0;
  bool done = false;

  Status advanceGranule() {
    row = 0;
    if (next_granule == granules) {
      done = true;
      return Status::ok();
    }
    return PartReaderInternals::readGranule(*reader, next_granule++, &g);
  }
};

// -1, 0, 1 as row ra of a compares with row rb of b by (measurement, series id, time).
int compareRows(const DecodedGranule& a, std::size_t ra, const DecodedGranule& b, std::size_t rb) {
  if (a.measurement != b.measurement) {
    const int c = a.measurement->compare(*b.measurement);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  const std::uint64_t sa = a.seriesAt(ra);
  const std::uint64_t sb = b.seriesAt(rb);
  if (sa != sb) return sa < sb ? -1 : 1;
  const std::int64_t ta = a.time_ns[ra];
  const std::int64_t tb = b.time_ns[rb];
  if (ta != tb) return ta < tb ? -1 : 1;
  return 0;
}

}  // namespace

Result<PartInfo> mergeParts(FileSystem& fs, std::span<const PartReader* const> inputs,
                            std::string out_path, PartMeta meta) {
  PartWriter writer(fs, std::move(out_path), std::move(meta));
  std::vector<Cursor> cursors(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    cursors[i].reader = inputs[i];
    cursors[i].granules = PartReaderInternals::footer(*inputs[i]).granules.size();
    SEXTANT_RETURN_IF_ERROR(cursors[i].advanceGranule());
  }
  // The live cursor with the smallest row, excluding `skip`; ties to the lower index.
  auto smallest = [&](std::size_t skip) {
    std::size_t best = cursors.size();
    for (std::size_t i = 0; i < cursors.size(); ++i) {
      if (i == skip || cursors[i].done) continue;
      if (best == cursors.size() ||
          compareRows(cursors[i].g, cursors[i].row, cursors[best].g, cursors[best].row) < 0) {
        best = i;
      }
    }
    return best;
  };
  for (;;) {
    const std::size_t i = smallest(cursors.size());
    if (i == cursors.size()) break;
    Cursor& c = cursors[i];
    const std::size_t j = smallest(i);
    // Take rows of c while they are of one series and come before cursor j's current row.
    const std::size_t a = c.row;
    const std::uint64_t sid = c.g.seriesAt(a);
    std::size_t b = a + 1;
    while (b < c.g.rows() && c.g.seriesAt(b) == sid) {
      if (j != cursors.size()) {
        const int cmp = compareRows(c.g, b, cursors[j].g, cursors[j].row);
        if (cmp > 0 || (cmp == 0 && j < i)) break;
      }
      ++b;
    }
    SEXTANT_RETURN_IF_ERROR(writer.add(part_internal::sliceGranule(c.g, a, b)));
    c.row = b;
    if (c.row == c.g.rows()) SEXTANT_RETURN_IF_ERROR(c.advanceGranule());
  }
  return writer.finish();
}

}  // namespace sextant::storage

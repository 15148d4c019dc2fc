// Parts: immutable, sorted, columnar files; the storage engine's unit of persistence
// (docs/formats/parts.md). A part holds rows of one (workspace, category, day) partition sorted by
// (measurement, series id, time). Rows are cut into granules of at most kGranuleRows rows of one
// measurement; each granule stores each of its columns as one checksummed block
// (storage/encoding/block.h) and has a mark in the part's footer: measurement, row count, min/max
// time, min/max series id, the blocks' offsets, a token bloom filter of its text columns and,
// since format version 2, per column min/max, "all rows present" and exact-value blooms of id
// columns. Readers skip granules by those marks and blooms before reading any block.
//
// Publication is crash-safe: the writer writes `<name>.tmp`, syncs it and renames it to
// `<name>` (FileSystem::rename is durable). A part file that exists is complete.
//
//   PartWriter w(fs, dir + "/" + name, meta);
//   w.add(batch1); w.add(batch2);   // in (measurement, series_id, time) order
//   Result<PartInfo> info = w.finish();
//   auto r = PartReader::open(fs, path);  // reads and checks the footer only
//   (*r)->scan(query, [&](ColumnBatch&& b) { ...; return Status::ok(); });
//
// Thread-safety: a PartWriter is used by one thread. A PartReader is immutable after open() and
// may scan from any number of threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"
#include "storage/column.h"
#include "storage/field_predicate.h"

namespace sextant::storage {

inline constexpr std::size_t kGranuleRows = 8192;

// What the footer says about the whole part.
struct PartMeta {
  std::uint32_t level = 0;           // 0: written by a flush; merges write max(inputs) + 1
  std::uint64_t max_lsn = 0;         // the highest WAL LSN whose rows may be in the part
  std::vector<std::string> sources;  // names of the parts a merge replaced (recovery uses them)
  // Columns whose text goes into the granules' bloom filters (e.g. field "message").
  std::vector<std::string> text_columns;
  // String columns (tag or field) whose exact values go into per-granule value bloom filters
  // (e.g. "trace_id"), so that `name = value` skips granules without the value (format v2).
  std::vector<std::string> value_bloom_columns;
};

// A column of a part: the same name with another kind or type is another column.
struct PartColumnKey {
  std::string name;
  ColumnKind kind = ColumnKind::kField;
  model::FieldType type = model::FieldType::kFloat;
  auto operator<=>(const PartColumnKey&) const = default;
  bool operator==(const PartColumnKey&) const = default;
};

struct MeasurementColumns {
  std::string measurement;
  std::vector<PartColumnKey> columns;  // sorted
  bool operator==(const MeasurementColumns&) const = default;
};

struct PartInfo {
  std::string path;
  PartMeta meta;
  std::uint64_t rows = 0;
  std::uint64_t granules = 0;
  std::uint64_t file_bytes = 0;
  std::int64_t min_time_ns = 0;
  std::int64_t max_time_ns = 0;
  std::vector<std::string> measurements;   // sorted
  std::vector<MeasurementColumns> schema;  // by measurement (sorted)
};

class PartWriter {
 public:
  // Writes to path + ".tmp" until finish().
  PartWriter(FileSystem& fs, std::string path, PartMeta meta);
  ~PartWriter();  // removes the .tmp file when finish() did not succeed
  PartWriter(const PartWriter&) = delete;
  PartWriter& operator=(const PartWriter&) = delete;

  // Appends the rows of a batch. Batches come in ascending (measurement, series_id) order, and
  // rows in ascending time within a (measurement, series_id); InvalidArgument otherwise, or when a
  // column's size differs from the batch's rows. series_tags are ignored (the series index owns
  // them). I/O errors from writing.
  Status add(const ColumnBatch& batch);
  // Writes the footer, syncs, renames to path. The PartWriter is done afterwards.
  Result<PartInfo> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a scan wants from a part. Every condition narrows the rows returned.
namespace part_internal {
struct DecodedGranule;
}

// Where one reader's scan left off, for a sequence of scans over ascending, disjoint sets of
// series of one measurement (the storage engine's passes, ScanRequest::series_per_pass): the next
// scan starts at the last granule the previous one read (earlier granules hold only earlier
// series) and takes that granule already decoded instead of decoding it again. One per reader
// and sequence; the queries of a sequence differ only in `series`. Not thread-safe.
struct PartScanCursor {
  PartScanCursor();
  ~PartScanCursor();
  PartScanCursor(PartScanCursor&&) noexcept;
  PartScanCursor& operator=(PartScanCursor&&) noexcept;

  std::size_t granule = 0;  // the first granule the next scan looks at
  // The last granule decoded (its index in decoded->granule) and the columns it was decoded
  // with, when has_decoded.
  std::unique_ptr<part_internal::DecodedGranule> decoded;
  std::vector<char> decoded_columns;
  bool has_decoded = false;
};

struct PartQuery {
  std::int64_t min_time_ns = INT64_MIN;   // inclusive
  std::int64_t max_time_ns = INT64_MAX;   // inclusive
  std::vector<std::string> measurements;  // sorted; empty: all
  // Metrics: sorted series ids wanted; nullptr: all.
  const std::vector<std::uint64_t>* series = nullptr;
  // Columns to return by name (tags and fields of that name); empty: all columns.
  std::vector<std::string> columns;
  bool no_columns = false;  // return time (and series) only, e.g. for counting
  // With `columns` set (and not no_columns): rows none of whose projected columns has a value
  // are not returned, and granules without any of those columns are not read.
  bool only_rows_with_columns = false;
  // Lowercased tokens (encoding::forEachToken) that must all be in a granule's bloom filter for
  // the granule to be read. The caller still checks the text of the rows it gets. The blooms
  // cover the string columns (tags or fields) named in PartMeta::text_columns; a part written
  // without text_columns has no blooms and ignores tokens.
  std::vector<std::string> tokens;
  // Field predicates (storage/field_predicate.h), all of which a returned row passes. Granules
  // whose column statistics and value blooms prove that no row passes are skipped; the columns
  // they name are read for the rows even when not projected (and not returned then).
  std::vector<FieldPredicate> fields;
  // Optional: see PartScanCursor. Used only with exactly one measurement and `series` set
  // (ignored otherwise).
  PartScanCursor* cursor = nullptr;
  // Optional: when set, the scan calls it instead of fn, with the same rows: without field
  // predicates, views into the decoded granule (no copy; columns may then have no present value
  // among the view's rows); with them, views of the copied batches.
  std::function<Status(const SeriesRowsView&)> rows_fn;
};

struct PartScanStats {
  std::uint64_t granules_total = 0;
  std::uint64_t granules_read = 0;  // after marks and blooms
  std::uint64_t blocks_read = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t rows_returned = 0;
  // Granules the field predicates skipped (by column statistics and value blooms; not in
  // granules_read).
  std::uint64_t granules_skipped_by_fields = 0;
};

class PartReader {
 public:
  // Reads and validates the footer (DataLoss when the file is not a complete, valid part;
  // NotFound or other I/O errors as the file system reports them).
  static Result<std::unique_ptr<PartReader>> open(FileSystem& fs, std::string path);
  ~PartReader();

  const PartInfo& info() const;

  // Calls fn with the matching rows, in part order (measurement, series, time), as batches of at
  // most one granule; in a metrics part each batch holds one series. Stops at and returns the
  // first non-ok Status of fn; DataLoss when a block is damaged (the scan stops there).
  // Each batch's columns are in (name, kind, type) order and sized to its rows; a column with no
  // present value among the batch's rows is left out, and `present` is empty when every row has
  // a value. series_tags are left empty (the engine fills them).
  Status scan(const PartQuery& q, const std::function<Status(ColumnBatch&&)>& fn,
              PartScanStats* stats = nullptr) const;
  // Checks every block's checksum and decodes it (for verification after a crash or a merge), and
  // that the marks' column statistics and value blooms agree with the values (DataLoss if not).
  Status verify() const;

 private:
  friend struct PartReaderInternals;  // granule-level access for mergeParts (part_internal.h)
  struct Impl;
  explicit PartReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Merges parts into one new part at out_path: every row of every input, in (measurement,
// series_id, time) order; rows with equal keys keep the inputs' order. Nothing else changes: no
// row is dropped, deduplicated or altered. meta.sources/level are filled by the caller.
Result<PartInfo> mergeParts(FileSystem& fs, std::span<const PartReader* const> inputs,
                            std::string out_path, PartMeta meta);

}  // namespace sextant::storage

// Column and ColumnBatch: the in-memory shape of stored rows, shared by the part writer (input),
// the part reader and the engine's scan API (output), and merges (both).
//
// A ColumnBatch holds rows of one measurement in time order: a time column plus named columns of
// tags (events keep their tags as columns) and fields. In metrics, a batch holds one series:
// series_id names it and series_tags carries its tags (filled by the engine's scan). A column may
// lack a value in some rows (a field absent from a point): `present` then has one byte per row.
//
// Plain value types; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/point.h"

namespace sextant::storage {

enum class ColumnKind : std::uint8_t { kTag = 0, kField = 1 };

// One vector per model::FieldType, in FieldType's order: kInt, kUint, kFloat, kBool (0/1),
// kString, kBytes (raw bytes in std::string), kArray.
using ColumnValues =
    std::variant<std::vector<std::int64_t>, std::vector<std::uint64_t>, std::vector<double>,
                 std::vector<std::uint8_t>, std::vector<std::string>, std::vector<std::string>,
                 std::vector<model::Array>>;

// An empty ColumnValues holding the vector for type t.
ColumnValues emptyColumnValues(model::FieldType t);
std::size_t columnSize(const ColumnValues& v);

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::kField;
  model::FieldType type = model::FieldType::kFloat;  // tags are kString
  // One entry per row; rows where the column is absent hold a default value (0, "", ...).
  ColumnValues values = std::vector<double>{};
  // Empty: every row has a value. Otherwise one byte per row, 1 = present.
  std::vector<std::uint8_t> present;

  bool isPresent(std::size_t row) const { return present.empty() || present[row] != 0; }
  std::size_t size() const { return columnSize(values); }
  // The value of one row as a FieldValue (for tests and slow paths).
  model::FieldValue valueAt(std::size_t row) const;
  bool operator==(const Column&) const = default;
};

struct ColumnBatch {
  std::string measurement;
  std::uint64_t series_id = 0;          // metrics: the batch's series; 0 in events
  std::vector<model::Tag> series_tags;  // metrics: the series' tags (scan output only)
  std::vector<std::int64_t> time_ns;    // one per row, ascending
  std::vector<Column> columns;          // each with time_ns.size() rows

  std::size_t rows() const { return time_ns.size(); }
  const Column* findColumn(std::string_view name, ColumnKind kind) const;
  bool operator==(const ColumnBatch&) const = default;
};

// Rows of one metrics series seen in place, without a copy: `rows` rows from row `offset` of each
// of `columns` (which may be longer, e.g. a decoded granule's), with times time_ns[0, rows).
// Valid only during the call that receives it. A column may have no present value among the
// rows (a batch would leave it out).
struct SeriesRowsView {
  const std::string* measurement = nullptr;
  std::uint64_t series_id = 0;
  const std::vector<model::Tag>* series_tags = nullptr;  // set by the engine's scan
  const std::int64_t* time_ns = nullptr;
  std::size_t rows = 0;
  const std::vector<Column>* columns = nullptr;
  std::size_t offset = 0;
};

// A view of a whole batch.
SeriesRowsView viewOf(const ColumnBatch& b);

// The rows `rows` (indexes into the batch, any order, repeats allowed) of a column / a batch.
// Columns left with no present row are dropped from the batch.
void gatherColumn(const ColumnValues& from, const std::vector<std::uint32_t>& rows,
                  ColumnValues* to);
ColumnBatch selectRows(const ColumnBatch& b, const std::vector<std::uint32_t>& rows);

// Row `row` of a batch as a Point of category c: series_tags, then tag columns, then fields, in
// column order; absent values are left out.
model::Point rowToPoint(const ColumnBatch& b, std::size_t row, model::Category c);

}  // namespace sextant::storage

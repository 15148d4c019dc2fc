// RowGroup: the head's rows of one (measurement, series) in one partition, kept as growing columns
// (the shape a part stores). Metrics row groups hold one series: fields only, tags live in the
// series index. Events row groups hold one measurement with tags as columns.
//
// Rows arrive in any time order (late points); batch() sorts them by time (stable, so equal times
// keep arrival order), which is what the part writer and scans want.
//
// Not thread-safe; the engine's head lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/point.h"
#include "storage/column.h"

namespace sextant::storage {

class RowGroup {
 public:
  RowGroup(std::string measurement, std::uint64_t series_id);

  // Appends the point's time and fields, and its tags as tag columns when tags_as_columns.
  void append(const model::Point& p, bool tags_as_columns);

  std::size_t rows() const { return rows_.time_ns.size(); }
  const std::string& measurement() const { return rows_.measurement; }
  std::uint64_t seriesId() const { return rows_.series_id; }
  // Estimate of the memory the rows take.
  std::size_t bytes() const { return bytes_; }
  std::int64_t minTime() const { return min_time_; }
  std::int64_t maxTime() const { return max_time_; }
  // The columns as stored (unsorted rows; for their names and types).
  const std::vector<Column>& columnsView() const { return rows_.columns; }

  // The rows with min_time <= time <= max_time, sorted by time, as one batch. `columns` projects
  // by name (empty: all); no_columns drops every column.
  ColumnBatch batch(std::int64_t min_time, std::int64_t max_time,
                    const std::vector<std::string>& columns, bool no_columns) const;

 private:
  Column& column(std::string_view name, ColumnKind kind, model::FieldType type);
  void appendValue(Column& c, const model::FieldValue& v);

  ColumnBatch rows_;
  bool sorted_ = true;
  std::size_t bytes_ = 0;
  std::size_t hint_ = 0;  // where the next column lookup starts (points repeat their key order)
  std::int64_t min_time_ = INT64_MAX;
  std::int64_t max_time_ = INT64_MIN;
};

}  // namespace sextant::storage

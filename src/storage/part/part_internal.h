// Pieces shared by the part writer, reader and merge (not part of the API): column value
// helpers and the reader's granule-at-a-time access that mergeParts pulls from.
// Thread-safety: pure functions; PartReaderInternals follows PartReader's contract.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.h"
#include "storage/column.h"
#include "storage/part/part.h"
#include "storage/part/part_format.h"

namespace sextant::storage::part_internal {

// Calls f(std::integral_constant<std::size_t, I>) for the ColumnValues alternative index i, so
// that code can use std::get<I> (two alternatives share the type std::vector<std::string>).
template <typename F>
decltype(auto) withIndex(std::size_t i, F&& f) {
  switch (i) {
    case 0: return f(std::integral_constant<std::size_t, 0>{});
    case 1: return f(std::integral_constant<std::size_t, 1>{});
    case 2: return f(std::integral_constant<std::size_t, 2>{});
    case 3: return f(std::integral_constant<std::size_t, 3>{});
    case 4: return f(std::integral_constant<std::size_t, 4>{});
    case 5: return f(std::integral_constant<std::size_t, 5>{});
    default: return f(std::integral_constant<std::size_t, 6>{});
  }
}

// Appends src[a, b) to dst (both hold the same alternative).
inline void appendRange(ColumnValues& dst, const ColumnValues& src, std::size_t a, std::size_t b) {
  withIndex(dst.index(), [&](auto i) {
    constexpr std::size_t k = decltype(i)::value;
    auto& d = std::get<k>(dst);
    const auto& s = std::get<k>(src);
    d.insert(d.end(), s.begin() + static_cast<std::ptrdiff_t>(a),
             s.begin() + static_cast<std::ptrdiff_t>(b));
  });
}

// Appends n default values (0, "", empty array) to dst.
inline void appendDefaults(ColumnValues& dst, std::size_t n) {
  withIndex(dst.index(), [&](auto i) {
    auto& d = std::get<decltype(i)::value>(dst);
    d.resize(d.size() + n);
  });
}

// Appends src[rows[0]], src[rows[1]], ... to dst.
inline void appendRows(ColumnValues& dst, const ColumnValues& src,
                       const std::vector<std::uint32_t>& rows) {
  withIndex(dst.index(), [&](auto i) {
    constexpr std::size_t k = decltype(i)::value;
    auto& d = std::get<k>(dst);
    const auto& s = std::get<k>(src);
    d.reserve(d.size() + rows.size());
    for (std::uint32_t r : rows) d.push_back(s[r]);
  });
}

inline bool valuesMatchType(const Column& c) {
  return c.values.index() == static_cast<std::size_t>(c.type);
}

// The statistics (range, all present, NaN; no value bloom) a version-2 writer stores for a column
// block of `rows` rows: `present` empty means every row is present.
PartColumnStats computeColumnStats(const ColumnValues& values,
                                   const std::vector<std::uint8_t>& present, std::size_t rows);

// One granule, decoded: every row of the granule, the columns that were asked for.
struct DecodedGranule {
  std::uint32_t granule = 0;
  const std::string* measurement = nullptr;  // owned by the reader
  std::vector<std::int64_t> time_ns;
  std::vector<std::uint64_t> series;  // empty: every row has series id 0
  std::vector<Column> columns;        // in column directory order; `rows` values each

  std::size_t rows() const { return time_ns.size(); }
  std::uint64_t seriesAt(std::size_t row) const { return series.empty() ? 0 : series[row]; }
};

// Copies rows [a, b) of g (one series) into a batch; columns without a present value in the range
// are left out, and `present` is empty when every row is present.
ColumnBatch sliceGranule(const DecodedGranule& g, std::size_t a, std::size_t b);

}  // namespace sextant::storage::part_internal

namespace sextant::storage {

// The reader's granule-level access for mergeParts (befriended by PartReader).
struct PartReaderInternals {
  static const PartFooter& footer(const PartReader& r);
  // Reads and decodes granule g with all its columns.
  static Status readGranule(const PartReader& r, std::size_t g, part_internal::DecodedGranule* out);
};

}  // namespace sextant::storage

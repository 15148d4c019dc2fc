// Field predicates: conditions on column values that scans push down into the head, the parts'
// per-granule column statistics (min/max, "all present", exact-value blooms) and the rows
// (docs/formats/parts.md, "Column statistics"). StorageEngine::scan takes them in
// ScanRequest::fields and PartReader::scan in PartQuery::fields; every predicate must hold.
//
// Semantics (chosen to match what DQL's row filter does, so the DQL evaluator can push its
// top-level comparisons down without changing results; see query/dql_exec/README.md):
//
// - A predicate names a column. Its value in a row is the value of a present column of that name:
//   a field, or (outside metrics, where tags are columns) a tag column. Metrics series tags are
//   not columns: match them with ScanRequest::tags. When a row has several present columns of
//   that name (a tag and a field, or fields of two types), the row passes when any of them does.
// - Values compare the way DQL compares them (compareFieldValues below): numbers (int, uint,
//   float, bool as 0/1) numerically, two integers exactly and otherwise as doubles (a uint above
//   INT64_MAX counts as a double); strings and bytes bytewise; a string against a number by the
//   string's numeric value when the whole string parses as a number (std::from_chars), else the
//   number's text (decimal integers, shortest round-trip doubles, "true"/"false") against the
//   string bytewise. NaN and arrays do not compare with anything (unordered).
// - kEq/kLt/kLe/kGt/kGe: the comparison with values[0] holds (never for unordered values).
//   kNe: it is not equal (unordered values pass). kIn: equal to one of the values; kNotIn: equal
//   to none. kExists: the row has the column; kNotExists: it has not.
// - A row without the column fails every op except kNe, kNotIn and kNotExists, which it passes.
//   (DQL's "a missing value equals ''" is the caller's business: it keeps `= ''` to itself.)
//
// Thread-safety: plain values and pure functions; a FieldFilter is immutable after make().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "storage/column.h"

namespace sextant::storage {

struct FieldPredicate {
  enum Op : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kExists, kNotExists };
  std::string column;
  Op op = kEq;
  // One value for kEq..kGe; one or more for kIn/kNotIn; none for kExists/kNotExists. No arrays.
  std::vector<model::FieldValue> values;
};

// "duration > 1000", for messages and tests.
std::string toString(const FieldPredicate& p);

// InvalidArgument unless every predicate has a column name, an op in range, the number of values
// its op takes and no array value.
Status validateFieldPredicates(std::span<const FieldPredicate> preds);

// A value as compareFieldValues sees it: a number, a string (or bytes) or unordered (arrays).
struct ScalarRef {
  enum Kind : std::uint8_t { kInt, kDouble, kString, kUnordered };
  Kind kind = kUnordered;
  std::int64_t i = 0;
  double d = 0;
  std::string_view s;    // kString
  bool is_bool = false;  // kInt from a bool: its text is "true"/"false"
};
ScalarRef scalarOf(const model::FieldValue& v);
// Row `row` of a column (which must be present there).
ScalarRef scalarAt(const Column& c, std::size_t row);

// -1/0/1 as a compares with b; nullopt when they do not compare (NaN, arrays).
std::optional<int> compareFieldValues(const ScalarRef& a, const ScalarRef& b);

// Whether a present value passes one predicate.
bool valuePasses(const FieldPredicate& p, const ScalarRef& v);
// Whether a row without the column passes (kNe, kNotIn, kNotExists).
bool missingPasses(FieldPredicate::Op op);

// Predicates compiled for row filtering of batches.
class FieldFilter {
 public:
  FieldFilter() = default;
  FieldFilter(FieldFilter&&) = default;
  FieldFilter& operator=(FieldFilter&&) = default;
  FieldFilter(const FieldFilter&) = delete;  // scalars_ point into preds_
  FieldFilter& operator=(const FieldFilter&) = delete;
  // InvalidArgument as validateFieldPredicates.
  static Result<FieldFilter> make(std::span<const FieldPredicate> preds);

  bool empty() const { return preds_.empty(); }
  const std::vector<FieldPredicate>& predicates() const { return preds_; }
  // The column names the predicates read (sorted, unique).
  const std::vector<std::string>& columnNames() const { return names_; }

  // For each row of `columns` (all `rows` long), keep[row] = 1 when every predicate passes,
  // else 0. Columns of other names are ignored.
  void evaluate(const std::vector<Column>& columns, std::size_t rows,
                std::vector<std::uint8_t>* keep) const;
  // Keeps the rows of b that pass (selectRows).
  void apply(ColumnBatch& b) const;

 private:
  std::vector<FieldPredicate> preds_;
  std::vector<ScalarRef> scalars_;   // per predicate, its values (flattened)
  std::vector<std::size_t> offset_;  // per predicate, its first entry in scalars_
  std::vector<std::string> names_;
};

}  // namespace sextant::storage

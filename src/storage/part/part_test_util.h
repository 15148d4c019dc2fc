// Test helpers for parts: a random batch generator, rows flattened for comparison, brute-force
// query filtering (the oracle for PartQuery) and small write/scan wrappers.
#pragma once

#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/file_system.h"
#include "storage/column.h"
#include "storage/part/part.h"
#include "storage/part/part_format.h"

namespace sextant::storage::testing {

// One row with its present values, sorted by column key.
struct Row {
  std::string measurement;
  std::uint64_t series = 0;
  std::int64_t time_ns = 0;
  std::vector<std::pair<PartColumnKey, model::FieldValue>> values;
  bool operator==(const Row&) const = default;
};
void PrintTo(const Row& r, std::ostream* os);

std::vector<Row> flatten(const std::vector<ColumnBatch>& batches);

struct GenOptions {
  bool metrics = true;
  int measurements = 3;
  int max_series = 20;  // metrics: series ids drawn from 1..max_series
  int max_batches = 6;  // events: batches per measurement
  int max_rows = 300;   // rows per batch
  std::int64_t time_base = 1'700'000'000'000'000'000;
  std::int64_t step_ns = 10'000'000'000;
  bool text = true;  // a "message" string field of words (for blooms)
};

// Batches in part order: measurements ascending; metrics batches one series each, series
// ascending; events series 0; times ascending (sometimes repeated) within a series. Columns are
// drawn from a per-measurement pool covering every type, tags and fields, names shared between
// kinds and types; values sometimes absent.
std::vector<ColumnBatch> randomBatches(std::mt19937_64& rng, const GenOptions& o);

// The rows of `rows` a query must return, projected as the query says. Field predicates are
// applied row by row with valuePasses (no statistics, no blooms).
std::vector<Row> bruteForce(const std::vector<Row>& rows, const PartQuery& q);

Result<PartInfo> writePart(FileSystem& fs, const std::string& path,
                           const std::vector<ColumnBatch>& batches, PartMeta meta = {});
Result<std::vector<ColumnBatch>> scanAll(const PartReader& r, const PartQuery& q = {},
                                         PartScanStats* stats = nullptr);

// True when text has token (encoding::forEachToken).
bool hasToken(std::string_view text, std::string_view token);

// gtest expectations on one scan output batch: columns sized to the rows, sorted by key, no
// duplicates, no all-absent column, `present` empty when all present, at most kGranuleRows rows.
void expectWellFormed(const ColumnBatch& b);

}  // namespace sextant::storage::testing

// Log search over the storage engine: turns a parsed query (log_query.h) plus the request's
// filters into a scan (pushing what it can down: full-text terms into ScanRequest::text, whose
// token blooms skip granules; key:value equalities into field predicates, whose statistics skip
// granules; sources into measurements) and a row matcher for the rest (phrases, wildcards, OR,
// negations), then pages through the matching rows in (time, row hash) order, or hands every
// matching row to a callback (facets, histogram, tail).
//
// Semantics match DQL's (query/dql_exec): a term matches when every full-text token of it
// (storage::encoding::forEachToken, case-insensitive) is among the message's tokens, as
// fullTextMatch does; key:value compares like DQL's `=` (storage::compareFieldValues, so
// status:200 matches the integer 200), over tag and field columns of that name; the key
// `source` is the measurement.
//
// Thread-safety: a LogSearcher is immutable after make() and may be shared by threads; each call
// scans on the calling thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "server/log_api/log_query.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server::log_api {

// The conditions of a request.
struct LogFilter {
  std::int64_t min_time_ns = INT64_MIN;  // inclusive
  std::int64_t max_time_ns = INT64_MAX;  // inclusive
  std::vector<std::string> sources;      // source= parameters: any of them (empty: all)
  std::vector<std::pair<std::string, std::string>> filters;  // filter=k:v: all, exact values
  QueryNode query;                                           // q=
};

// Bounds of one request's work: rows handed over by the engine, and wall time.
struct SearchLimits {
  std::size_t max_rows_scanned = 10'000'000;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// What a search did (summed over its scans).
struct SearchStats {
  storage::ScanStats scan;
  std::uint64_t scans = 0;
  std::uint64_t rows_scanned = 0;  // rows the engine returned (after its own conditions)
  std::uint64_t rows_matched = 0;  // rows that passed the whole query
};

// One result row. Tags and fields are sorted by key.
struct LogRow {
  std::int64_t time_ns = 0;
  std::uint64_t hash = 0;  // of the row's content (rowHash)
  std::string source;
  std::vector<model::Tag> tags;
  std::vector<model::Field> fields;
};

// The stable tie-breaker of rows with the same time: FNV-1a 64 of the measurement and every
// present column (name, kind, type, value) in name order. Equal for identical rows wherever
// they are stored (head or parts).
std::uint64_t rowHash(const storage::ColumnBatch& b, std::size_t row);
// A value as text: strings as is, numbers in decimal (doubles shortest round-trip), bools
// true/false, bytes raw, arrays as JSON-ish lists.
std::string valueText(const storage::Column& c, std::size_t row);

class LogSearcher {
 public:
  // InvalidArgument for a filter without a key.
  static Result<LogSearcher> make(const LogFilter& filter);
  LogSearcher(LogSearcher&&) noexcept;
  LogSearcher& operator=(LogSearcher&&) noexcept;
  ~LogSearcher();

  // One page of matching rows, newest first (ascending: oldest first), starting after `after`.
  // *next is the cursor of the page's last row when the page is full (there may be more), else
  // nullopt. OutOfRange when the scan passes limits.max_rows_scanned; DeadlineExceeded past
  // limits.deadline; storage errors as they come.
  Status search(storage::StorageEngine& engine, const std::string& workspace_id, bool ascending,
                std::size_t limit, const std::optional<LogCursor>& after,
                const SearchLimits& limits, std::vector<LogRow>* rows,
                std::optional<LogCursor>* next, SearchStats* stats) const;

  // Every matching row in [min_time_ns, max_time_ns] (intersected with the filter's range), in
  // no particular order. fn returning a non-ok Status stops the scan with it.
  using RowFn = std::function<Status(const storage::ColumnBatch& b, std::size_t row)>;
  Status forEach(storage::StorageEngine& engine, const std::string& workspace_id,
                 std::int64_t min_time_ns, std::int64_t max_time_ns, const SearchLimits& limits,
                 const RowFn& fn, SearchStats* stats) const;

  // What is pushed down to the engine (for tests and the explain output).
  const storage::ScanRequest& scanTemplate() const;
  // The part of the query the rows are checked against (empty kAnd: nothing).
  const QueryNode& residual() const;

  // The row as a LogRow (tags and fields sorted by key).
  static LogRow toRow(const storage::ColumnBatch& b, std::size_t row, std::uint64_t hash);

 private:
  struct Impl;
  explicit LogSearcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::server::log_api

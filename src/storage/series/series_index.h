// SeriesIndex: the metrics series of one workspace. A series is (measurement, tags sorted by key);
// it gets a dense id (1, 2, 3, ... in creation order) that the part files store instead of the
// tags. An inverted index (measurement -> ids, tag key -> value -> ids) answers tag matchers and
// lists measurements, tag keys and tag values.
//
// Persistence (docs/formats/series-index.md): an append-only log file of checksummed series
// records, loaded at open (a torn tail is truncated; a corrupt record stops the load there and the
// rest of the file is quarantined as <path>.corrupt, reported by damage()). New series are appended
// without syncing; sync() makes them durable. The engine calls sync() before it publishes parts
// that reference new ids, so a part never names a series the log lost.
//
//   auto idx = SeriesIndex::open(fs, dir + "/series.log");
//   uint64_t id = (*idx)->getOrCreate("cpu", {{"host", "a"}}).value();   // tags sorted by key
//   std::vector<uint64_t> ids = (*idx)->select("cpu", {{"host", TagMatcher::kEq, {"a"}}});
//
// Thread-safety: every method may be called from any number of threads (a shared mutex; lookups
// of existing series take it shared).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"
#include "model/point.h"

namespace re2 {
class RE2;
}

namespace sextant::storage {

struct TagMatcher {
  enum Op : std::uint8_t {
    kEq,        // tag == values[0]; values[0] == "" also matches series without the tag
    kNe,        // tag != values[0] (series without the tag match, unless values[0] == "")
    kRegex,     // RE2 full match of values[0] (Prometheus' anchoring, '.' matches '\n' too);
                // a pattern that matches "" also matches a missing tag
    kNotRegex,  // the negation of kRegex
    kIn,        // tag equals any of values
    kNotIn,     // the negation of kIn
  };
  std::string key;
  Op op = kEq;
  std::vector<std::string> values;
};

// A TagMatcher prepared for evaluation on single values, with the semantics select() uses (RE2
// full match with '.' matching '\n'; kIn/kNotIn on distinct values). Events scans and the query
// layers use it too, so every path agrees. Immutable; copies share the compiled regex.
class CompiledTagMatcher {
 public:
  // InvalidArgument for an empty key, a bad regex, or kEq/kNe/kRegex/kNotRegex without exactly
  // one value.
  static Result<CompiledTagMatcher> compile(const TagMatcher& m);

  const std::string& key() const { return key_; }
  TagMatcher::Op op() const { return op_; }
  // kIn/kNotIn: the sorted distinct values; otherwise the one value.
  const std::vector<std::string>& values() const { return values_; }
  // Whether v (a missing tag is "") satisfies the matcher.
  bool matches(std::string_view v) const;
  bool matchesEmpty() const { return matches_empty_; }

 private:
  std::string key_;
  TagMatcher::Op op_ = TagMatcher::kEq;
  std::vector<std::string> values_;
  std::shared_ptr<const re2::RE2> re_;
  bool matches_empty_ = false;
};

struct SeriesKey {
  std::string measurement;
  std::vector<model::Tag> tags;  // sorted by key, keys unique
};

struct SeriesIndexStats {
  std::uint64_t series = 0;
  std::uint64_t log_bytes = 0;       // the log's size, including series not yet written to it
  std::uint64_t memory_bytes = 0;    // estimate of the in-memory index
  std::uint64_t pending_bytes = 0;   // records buffered in memory, not yet written to the file
  std::uint64_t unsynced_bytes = 0;  // records not yet durable (pending + written, unsynced)
  std::uint64_t next_id = 0;         // the id the next new series gets
  // Damage found at open (see damage()).
  std::uint64_t torn_bytes = 0;     // bytes cut off a torn tail
  std::uint64_t corrupt_bytes = 0;  // bytes moved to a .corrupt file
};

class SeriesIndex {
 public:
  // Opens or creates the log at path and loads it.
  static Result<std::unique_ptr<SeriesIndex>> open(FileSystem& fs, std::string path);
  ~SeriesIndex();

  // The id of (measurement, tags), creating the series when it is new. `tags` must be sorted by
  // key with unique, non-empty keys, and the measurement non-empty (InvalidArgument otherwise;
  // also for a measurement or key over 65535 bytes, a value over 1 MiB or a series over 1 MiB
  // in all). A new series is buffered and written to the log in batches; a failed write is
  // retried and reported by sync(). An error here means the log is unusable after a failed
  // sync or truncate (see docs/formats/series-index.md, "Writing"); existing series are still
  // found then.
  Result<std::uint64_t> getOrCreate(std::string_view measurement, std::span<const model::Tag> tags);
  // Makes every series created before the call durable (writes the buffer, fdatasync). After a
  // failed fdatasync the log is unusable until reopened (every later sync() fails).
  Status sync();

  // The series of an id, or nullopt.
  std::optional<SeriesKey> lookup(std::uint64_t id) const;

  // Sorted ids of the series of `measurement` (every measurement when empty) that match all
  // matchers. InvalidArgument for a bad regex, an empty matcher key, or kEq/kNe/kRegex/kNotRegex
  // without exactly one value. A missing tag is matched as the empty value (Prometheus).
  Result<std::vector<std::uint64_t>> select(std::string_view measurement,
                                            std::span<const TagMatcher> matchers) const;

  std::vector<std::string> measurements() const;  // sorted
  // Sorted tag keys of the series of measurement (all measurements when empty).
  std::vector<std::string> tagKeys(std::string_view measurement) const;
  // Sorted distinct values of key among the series of measurement (all when empty).
  std::vector<std::string> tagValues(std::string_view measurement, std::string_view key) const;

  // Walks the inverted index for the memory estimate: O(distinct tag values), under the shared
  // lock. For /metrics-style polling, not per request.
  SeriesIndexStats stats() const;
  // Damage found at open, for the engine to log ("" when none).
  std::string damage() const;

 private:
  struct Impl;
  explicit SeriesIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::storage

// StorageEngine: the server's embedded storage (docs/formats/storage.md). It owns the WAL, the
// in-memory head, the parts on disk, the metrics series indexes and the objects' latest state.
//
// Write path: write() appends one ingest record (storage/engine/ingest_record.h) to the WAL and,
// once it is durable, adds the points to the head. Metrics points go to their series (the series
// index gives ids; tags are not stored again), other categories keep tags as columns. Objects also
// update the latest state by (class, name).
// Flush: when the head passes head_bytes_limit, or every flush_interval, it is frozen (still
// served to scans) and written as one level-0 part per (workspace, category, day) partition; then
// the CHECKPOINT file records the highest LSN the parts hold and the WAL drops what they cover.
// Merges: a background thread merges runs of adjacent parts of a partition (MergeTree style).
// Retention: whole day partitions older than the category's retention are dropped.
// Recovery (open): unfinished files are removed, parts covered by a merged part are removed,
// level-0 parts newer than the checkpoint are removed (their rows are in the WAL), a part that
// does not validate is renamed to .corrupt and reported, and the WAL is replayed from the
// checkpoint into the head.
//
//   auto engine = StorageEngine::open(realFileSystem(), {.data_dir = "/var/lib/sextant"});
//   (*engine)->write(ws_id, model::Category::kMetric, points_pb, points);   // durable on return
//   (*engine)->scan({.workspace_id = ws_id, .category = kMetric, .measurements = {"cpu"}},
//                   [](ColumnBatch&& b) { ...; return Status::ok(); });
//
// Thread-safety: every method may be called from any number of threads.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"
#include "model/point.h"
#include "storage/column.h"
#include "storage/field_predicate.h"
#include "storage/part/part.h"
#include "storage/series/series_index.h"
#include "storage/wal/wal.h"

namespace sextant::storage {

// How long each category's data is kept (whole days are dropped). docs/formats/storage.md
// lists the defaults.
using RetentionTable = std::array<std::chrono::hours, model::kAllCategories.size()>;
RetentionTable defaultRetention();
// Applies "metric=90d,logging=720h,..." to *table: a category name or alias, '=', a duration of
// whole days ("90d") or a Go duration ("720h") of at least one day. InvalidArgument otherwise
// (*table unchanged).
Status parseRetention(std::string_view spec, RetentionTable* table);

struct StorageOptions {
  std::string data_dir;  // <data_dir>/wal and <data_dir>/storage
  SyncPolicy wal_sync = SyncPolicy::kEveryCommit;
  // The head is flushed to parts when its rows take more than this (an estimate), and writers
  // wait while a frozen head is still being flushed and the new one passes twice this.
  std::size_t head_bytes_limit = 256u << 20;
  // The head is flushed at least this often when it holds rows (bounds WAL replay at start).
  std::chrono::milliseconds flush_interval{std::chrono::minutes(5)};
  // A partition with at least this many parts gets a merge of up to merge_max_parts adjacent ones.
  std::size_t merge_min_parts = 4;
  std::size_t merge_max_parts = 8;
  std::chrono::milliseconds merge_interval{std::chrono::seconds(10)};
  RetentionTable retention = defaultRetention();
  // Per workspace id overrides of retention for some categories.
  std::map<std::string, std::map<model::Category, std::chrono::hours>> workspace_retention;
  // Background flusher, merger and retention threads. Off: tests drive flush(), mergeOnce() and
  // applyRetention() themselves.
  bool background = true;
  std::function<std::int64_t()> now_ns;  // wall clock seam for retention; wallNowNs() when empty
};

// What a scan wants. Every condition narrows the rows returned.
struct ScanRequest {
  std::string workspace_id;
  model::Category category = model::Category::kMetric;
  std::int64_t min_time_ns = INT64_MIN;   // inclusive
  std::int64_t max_time_ns = INT64_MAX;   // inclusive
  std::vector<std::string> measurements;  // empty: all
  // Metrics: resolved by the series index. Other categories: evaluated on tag columns.
  std::vector<TagMatcher> tags;
  std::vector<std::string> columns;  // projected fields (and tag columns) by name; empty: all
  bool no_columns = false;           // time (and series) only
  // Full text: rows whose `message` field holds every token of this text (tokens as
  // encoding::forEachToken; bloom filters skip granules without them). Empty: no condition.
  std::string text;
  // Field predicates, all of which a returned row passes (storage/field_predicate.h has the
  // semantics: DQL's comparisons; a row without the column passes only !=, NOT IN, NOT EXISTS).
  // Every category: in metrics they see the field columns (series tags go in `tags`); elsewhere
  // the field and tag columns of that name. Parts skip granules by their column statistics and,
  // for the columns of valueBloomColumns(category), by exact-value blooms. The columns they name
  // are read even when not projected (and returned only when projected). A malformed predicate
  // is InvalidArgument.
  std::vector<FieldPredicate> fields;
  // Metrics: only slice `series_shard` of `series_shards` equal contiguous slices of the selected
  // series ids (in id order), so that threads can scan disjoint series of one selection, each
  // with its own scan. 1 shard: every series. Ignored by other categories.
  std::uint32_t series_shard = 0;
  std::uint32_t series_shards = 1;
  // When > 0, the shards interleave instead: shard i takes the blocks of this many consecutive
  // selected ids whose block number modulo series_shards is i, so that shards stay balanced when
  // the rows wanted cluster in id ranges (one field of a measurement whose series were created
  // field by field, with only_rows_with_columns).
  std::size_t series_shard_block = 0;
  // Metrics with `columns` set (and not no_columns): rows none of whose projected columns has a
  // value are not returned (a measurement's other fields' series are then not even read from
  // parts' granules that lack the columns). Ignored by other categories.
  bool only_rows_with_columns = false;
  // Metrics: when > 0, the selected series (of this shard) are read in passes of at most this
  // many series ids, in id order: each pass reads every part and head for its series, then calls
  // `pass_done` (when set; a non-ok Status ends the scan with it). So every row of a pass's series
  // has been returned when its pass_done runs, and callers can finish series pass by pass instead
  // of holding all of them. 0: one pass, no pass_done. Ignored by other categories.
  std::size_t series_per_pass = 0;
  std::function<Status()> pass_done;
};

struct ScanStats {
  std::uint64_t parts = 0;
  std::uint64_t granules_total = 0;
  std::uint64_t granules_read = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t head_rows = 0;  // rows served from the head
  std::uint64_t rows = 0;       // rows returned
  // Granules skipped because their column statistics / value blooms prove that no row passes
  // ScanRequest::fields (counted in granules_total, not in granules_read).
  std::uint64_t granules_skipped_by_fields = 0;
};

// The string columns whose exact values the parts of a category keep in per-granule value blooms
// (docs/formats/storage.md): tracing trace_id, span_id; rum session_id, view_id; logging
// trace_id; none elsewhere.
std::span<const std::string_view> valueBloomColumns(model::Category category);

struct StorageStats {
  std::uint64_t head_rows = 0;
  std::uint64_t head_bytes = 0;
  std::uint64_t frozen_heads = 0;
  std::uint64_t parts = 0;
  std::uint64_t part_bytes = 0;
  std::uint64_t partitions = 0;
  std::uint64_t series = 0;
  std::uint64_t flushes = 0;
  std::uint64_t flush_failures = 0;
  std::uint64_t merges = 0;
  std::uint64_t merged_rows = 0;
  std::uint64_t partitions_dropped = 0;  // by retention
  std::uint64_t rows_written = 0;        // rows added to the head (replay included)
  std::uint64_t replayed_records = 0;
  std::uint64_t checkpoint_lsn = 0;
  std::uint64_t quarantined_parts = 0;
};

class StorageEngine {
 public:
  static Result<std::unique_ptr<StorageEngine>> open(FileSystem& fs, StorageOptions options);
  // Stops the background threads and flushes the head (best effort; the WAL has it anyway).
  ~StorageEngine();
  StorageEngine(const StorageEngine&) = delete;
  StorageEngine& operator=(const StorageEngine&) = delete;

  // Stores the points of one request: points_pb (their PBPoints encoding, what the WAL keeps)
  // and the same points decoded. Returns once they are durable (WalOptions' policy) and visible
  // to scans. Tags are sorted by key in place. InvalidArgument for a bad workspace id.
  Status write(std::string_view workspace_id, model::Category category, std::string_view points_pb,
               std::span<model::Point> points);

  // The oldest time a point of (workspace, category) may have: the start of the oldest day that
  // retention keeps. The server rejects older points (they would be dropped at once).
  std::int64_t retentionCutoffNs(std::string_view workspace_id, model::Category category);

  // Writes the head to parts and checkpoints the WAL (no-op when the head is empty).
  Status flush();
  // One merge, when a partition qualifies. *merged (optional) tells whether one happened.
  Status mergeOnce(bool* merged = nullptr);
  // Drops the partitions past retention.
  Status applyRetention();

  // Calls fn with the matching rows as batches: per part (in part order) and from the head,
  // not merged across them (callers that need one order sort). In metrics each batch holds one
  // series with series_tags filled. Stops at and returns the first non-ok Status of fn. A part
  // found damaged is quarantined, reported in damage() and skipped.
  Status scan(const ScanRequest& req, const std::function<Status(ColumnBatch&&)>& fn,
              ScanStats* stats = nullptr);
  // scan() of metrics (InvalidArgument otherwise) without copying rows out of parts: fn sees
  // the same rows, in the same order and passes, as views (SeriesRowsView, series_tags set,
  // valid during the call; a column may have no present value among a view's rows).
  Status scanSeriesRows(const ScanRequest& req,
                        const std::function<Status(const SeriesRowsView&)>& fn,
                        ScanStats* stats = nullptr);

  // Objects and custom objects: the newest point of each (class, name) of a workspace; classes
  // empty: every class.
  std::vector<model::Point> latestObjects(std::string_view workspace_id, model::Category category,
                                          std::span<const std::string> classes = {});

  // Ids of the workspaces with stored data, sorted.
  std::vector<std::string> workspaces();
  // Measurements with data in a category (head and parts), sorted.
  std::vector<std::string> measurements(std::string_view workspace_id, model::Category category);
  // The columns stored for a measurement (fields, and tag columns outside metrics): the union
  // over its parts and the head, sorted. Metrics tags are in the series index.
  std::vector<PartColumnKey> columns(std::string_view workspace_id, model::Category category,
                                     std::string_view measurement);
  // The metrics series index of a workspace (nullptr when it has no metrics yet).
  SeriesIndex* seriesIndex(std::string_view workspace_id);

  StorageStats stats();
  WalStats walStats() const;
  // Damage found at open and since (WAL, parts, series logs), human readable, oldest first.
  std::vector<std::string> damage();

 private:
  struct Impl;
  explicit StorageEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::storage

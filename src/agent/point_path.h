// PointPath: the agent's point path, from inputs (and /v1/write) to the uploader — DataKit's
// io.Feed. For each feed, in order:
//   1. global tags: host tags, or election tags for election inputs; a key the point already has
//      (tag or field) is never overridden; `ignore_global_tags` skips this step;
//   2. the pipeline hook (the agent runs Platypus scripts here: src/pipeline; empty = pass
//   through);
//   2b. logging filters of the feed (FeedOptions): points whose status is in ignore_status are
//      dropped (counted per input), and only field_white_list's fields (plus message and status)
//      are kept;
//   3. time correction (DataKit's auto_timestamp_correction, on by default): a point more than
//      2 h away from now gets time = now and an int field `__orig_time` with its old time;
//   4. batching per (category, storage index): points wait until max_cache_count are pending or
//      flush_interval passed, then go to the sink (the uploader) together. A `durable` feed
//      (HTTP-push inputs, /v1/write) skips the wait: feed() returns after the sink accepted its
//      points, so an answered request survives an agent crash.
// Fast path (feedLineProtocol, used by /v1/write for line protocol): a body whose every line
// parses, is already normalised (model::isNormalized, model::ViewCheck) and needs no step that
// rewrites points beyond global tags and time correction goes from text to the uploader's PBPoints
// bytes without building a model::Point: each line is read as views into the body
// (model::PointView; a line with an array or bytes field into one reused point), checked on those
// views, gets steps 1 and 3 exactly as above, and is encoded from them (pb::appendPoint) into a
// protobuf body handed to `protobuf_sink` (Uploader::writeProtobuf). Any other body, or a feed with
// a pipeline script that may apply, log filters, no durable flag or no protobuf sink, is left to
// the caller's ordinary decode -> normalise -> feed() (nothing of it has been fed yet). The
// uploaded points are the same either way (point_path_test.cc compares both paths).
//
// Reused points (feedReusable, used by the prom input, which converts every scrape into the points
// of its previous scrape): when no pipeline script may apply, the feed has no log filters and there
// is a protobuf sink, each point gets steps 1 and 3 in place (exactly as above) and is encoded at
// once (pb::appendPoint) into its batch's PBPoints bytes, under the batch's lock (other feeds to
// that batch wait, ~0.1 µs per point); the points' storage stays with the caller. Otherwise the
// points are moved into feed(). The uploaded bytes, the batching (max_cache_count, flush_interval,
// durable) and every counter are the same either way (point_path_test.cc compares both).
//
// A batch holds decoded points (feed()) or encoded ones (feedReusable), in the order they were fed:
// once an encoded feed reaches a batch, the decoded points waiting in it are encoded in front of
// its points, and later feed()s to that batch are encoded behind them, until the batch is flushed,
// in one sink call as before (the sink for decoded points, protobuf_sink for encoded ones; both
// encode the same points to the same bytes).
//
// Points are not re-normalised here: /v1/write normalises what clients send, and inputs build valid
// points (their tests check it).
//
// Self-metrics: points and feeds per (input, category), flushes, sink failures, the last error
// per input (reportError, /v1/lasterror).
// Thread-safety: feed(), feedReusable() and reportError() may be called from any thread;
// start()/stop() from one thread. The sink is called concurrently for different categories and may
// be called concurrently for one category; it must be thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/runtime/input.h"
#include "codec/line_protocol/line_protocol.h"
#include "model/category.h"
#include "model/check.h"
#include "model/point.h"

namespace sextant::agent {

using TagMap = std::map<std::string, std::string>;
using TagsSnapshot = std::shared_ptr<const TagMap>;

struct PointPathOptions {
  std::function<int64_t()> now_ns;              // wall clock seam
  std::function<TagsSnapshot()> host_tags;      // empty or null snapshot: none
  std::function<TagsSnapshot()> election_tags;  // for FeedOptions::election
  // Pipeline hook: may change or drop points of a feed (FeedOptions::pipeline names the script).
  std::function<void(model::Category, const FeedOptions&, std::vector<model::Point>*)> pipeline;
  bool auto_timestamp_correction = true;
  std::chrono::nanoseconds max_time_skew = std::chrono::hours(2);
  size_t max_cache_count = 1000;
  std::chrono::milliseconds flush_interval{10'000};
  // Receives batches, all of one category and one storage index (FeedOptions::storage_index, ""
  // for the default). Empty: points are discarded (no DataWay configured) and counted.
  std::function<Status(model::Category, const std::vector<model::Point>&,
                       const std::string& storage_index)>
      sink;
  // The fast path's sink (feedLineProtocol): the PBPoints entries of a feed's points,
  // concatenated; point_ends[i] is the offset just past point i. Empty: no fast path.
  std::function<Status(model::Category, std::string_view pb, std::span<const uint32_t> point_ends,
                       const std::string& storage_index)>
      protobuf_sink;
  // Whether the pipeline hook may change the points of a feed (a script exists that could bind
  // to them). With a pipeline hook and no answer here, the fast path is never taken.
  std::function<bool(model::Category, const FeedOptions&)> pipeline_applies;
};

struct FeedStats {
  std::string input;
  model::Category category = model::Category::kMetric;
  uint64_t feeds = 0;
  uint64_t points = 0;
  uint64_t ignored_status = 0;  // points dropped by FeedOptions::ignore_status
  int64_t last_feed_ns = 0;
};

struct InputError {
  std::string input;
  std::string message;
  int64_t time_ns = 0;
  uint64_t count = 0;  // errors reported by this input so far
};

struct PointPathStats {
  std::vector<FeedStats> feeds;  // per (input, category), sorted
  std::vector<InputError> errors;
  uint64_t corrected_times = 0;   // points re-timed by time correction
  uint64_t ignored_status = 0;    // points dropped by FeedOptions::ignore_status
  uint64_t flushes = 0;           // sink calls
  uint64_t sunk_points = 0;       // points the sink accepted
  uint64_t sink_failures = 0;     // sink calls that failed
  uint64_t failed_points = 0;     // points in those calls (lost, or refused to the client)
  uint64_t discarded_points = 0;  // no sink configured
  uint64_t pending_points = 0;    // waiting in batches now
};

class PointPath : public Feeder {
 public:
  explicit PointPath(PointPathOptions options);
  ~PointPath() override;
  PointPath(const PointPath&) = delete;
  PointPath& operator=(const PointPath&) = delete;

  // Starts the flush timer thread. Without it batches flush only on max_cache_count and stop().
  void start();
  // Flushes everything pending and stops the timer.
  void stop();
  // Flushes every category now.
  void flush();

  Status feed(model::Category category, std::vector<model::Point>&& points,
              const FeedOptions& options) override;
  // Points the caller keeps for its next feed (see the file comment): on return their storage is
  // the caller's again, their contents unspecified (global tags and corrected times applied, or
  // moved from when the feed fell back to feed(): then `points` is empty). Same outcome and
  // counters as feed(). InvalidArgument (nothing fed) for a feed encoding to more than 2 GiB.
  Status feedReusable(model::Category category, std::vector<model::Point>& points,
                      const FeedOptions& options) override;
  void reportError(std::string_view input, std::string_view message) override;

  // The fast path for a /v1/write line-protocol body (see the file comment): nullopt when it
  // does not apply (the caller decodes, normalises and calls feed(), as without it); otherwise
  // the feed's outcome, as feed() would have returned it. `check` is the normalisation the caller
  // would apply; `decode` the options it would decode with.
  std::optional<Status> feedLineProtocol(model::Category category, std::string_view body,
                                         const codec::lp::DecodeOptions& decode,
                                         const model::CheckOptions& check,
                                         const FeedOptions& options);

  PointPathStats stats() const;

 private:
  // PBPoints entries, concatenated; ends[i] is the offset just past point i.
  struct Encoded {
    std::string pb;
    std::vector<uint32_t> ends;
  };
  // The points waiting for one sink call: decoded (`pending`) or encoded (`pb`, `pb_ends`), never
  // both (see the file comment).
  struct Batch {
    std::mutex mu;
    std::vector<model::Point> pending;
    std::string pb;
    std::vector<uint32_t> pb_ends;
    size_t size() const { return pending.size() + pb_ends.size(); }
  };
  // The fast paths' common conditions: a protobuf sink, no log filters, no pipeline script that
  // may apply.
  bool fastPathAllowed(model::Category category, const FeedOptions& options) const;
  // The batch of (category, storage index); created on first use, never removed.
  Batch& batch(model::Category category, const std::string& storage_index);
  void addGlobalTags(const TagMap& tags, std::vector<model::Point>& points) const;
  void correctTimes(std::vector<model::Point>& points);
  void countCorrected(uint64_t corrected);
  TagsSnapshot globalTags(const FeedOptions& options) const;  // null: none to add
  void countFeed(model::Category category, const FeedOptions& options, size_t points);
  void countSink(model::Category category, size_t points, const Status& st);  // one sink call
  Status sinkBatch(model::Category category, const std::string& storage_index,
                   std::vector<model::Point>&& points);
  Status sinkEncoded(model::Category category, const std::string& storage_index,
                     const Encoded& encoded);
  void flushCategory(model::Category category);
  void timerLoop();

  const PointPathOptions options_;
  std::vector<std::unique_ptr<Batch>> batches_;  // indexed by Category (default storage index)
  mutable std::mutex indexed_mu_;                // guards indexed_batches_ (the map only)
  std::map<std::pair<model::Category, std::string>, std::unique_ptr<Batch>> indexed_batches_;

  mutable std::mutex stats_mu_;
  std::map<std::pair<std::string, model::Category>, FeedStats> feed_stats_;
  std::map<std::string, InputError> errors_;
  uint64_t corrected_times_ = 0;
  uint64_t ignored_status_ = 0;
  uint64_t flushes_ = 0;
  uint64_t sunk_points_ = 0;
  uint64_t sink_failures_ = 0;
  uint64_t failed_points_ = 0;
  uint64_t discarded_points_ = 0;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace sextant::agent

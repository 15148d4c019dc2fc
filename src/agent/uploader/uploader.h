// Uploader: the agent's path from accepted points to DataWay (DataKit's internal/io/dataway).
//
// write() encodes the points of one category into upload bodies (DataKit protobuf "v2" by
// default, or line protocol "v1"), each at most max_raw_body_size bytes before compression,
// gzips them and appends one record per body to an on-disk queue (agent/queue/disk_queue.h) of
// every (DataWay URL, category) pair before it returns: once write() returned ok the points are
// in the kernel and survive a crash of the process. Nothing is kept in memory beyond the body
// being built.
//
// A sender thread per (URL, category) queue POSTs the oldest record to
// <url>/v1/write/<category>?token=..., acks it on 2xx, drops (acks and counts) it on a 4xx other
// than 408/429, and retries it on 5xx/408/429/network errors with an exponential backoff, forever:
// delivery is at-least-once and in write order per queue. README.md has the protocol, headers,
// retry and drop rules, queue layout and guarantees.
//
// Ownership: the FileSystem and the HttpClient are borrowed and must outlive the Uploader.
// Thread-safety: write() may be called from any number of threads; stats(), waitIdle() too.
// start()/stop() from one owner thread. The destructor stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/queue/disk_queue.h"
#include "agent/uploader/dataway_url.h"
#include "agent/uploader/upload_body.h"
#include "core/file_system.h"
#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "net/http_client.h"

namespace sextant::agent {

struct UploaderOptions {
  // DataWay URLs (https://openway.example.com?token=tkn_xxx); every point goes to each (fan-out).
  std::vector<std::string> urls;
  std::chrono::milliseconds timeout{30'000};  // one POST, connect to last response byte
  // The first max_retry_count retries of a body wait retry_delay each (DataKit's in-line
  // retries); later ones back off exponentially from retry_delay up to retry_backoff_max (DataKit's
  // fail cache is drained every 30 s). A body is retried until it is delivered or dropped.
  int max_retry_count = 1;
  std::chrono::milliseconds retry_delay{1000};
  std::chrono::milliseconds retry_backoff_max{30'000};
  bool gzip = true;
  // gzip_fast (the default): ISA-L's igzip (codec::gzipFast, ~800 MB/s, bodies ~6% larger than
  // libdeflate level 1). Otherwise libdeflate at gzip_level 0..12 (1: ~450 MB/s; 6, DataKit's Go
  // default: ~100 MB/s and ~20% smaller bodies than level 1).
  bool gzip_fast = true;
  int gzip_level = 1;
  using Encoding = UploadEncoding;
  Encoding encoding = Encoding::kProtobuf;  // DataKit content_encoding v2 (default) / v1
  size_t max_raw_body_size = 1 << 20;       // DataKit max_raw_body_size; bodies are split to fit
  std::string queue_dir;                    // queues live in <queue_dir>/<endpoint id>/<category>/
  std::uint64_t queue_max_bytes = 2ull << 30;  // per queue (DataKit max_capacity_gb = 2)
  std::uint64_t queue_segment_bytes = 32ull << 20;
  // Categories whose queue never drops: when full, write() fails with ResourceExhausted.
  // Others drop their oldest bodies to make room (counted).
  std::vector<model::Category> no_drop_categories;
  // User-Agent of the POSTs; empty: "datakit-linux-<arch>/<sextant version>/<hostname>".
  std::string user_agent;
  std::string hostname;
  SyncPolicy sync = SyncPolicy::kInterval;  // fsync of the queues, see disk_queue.h
  std::chrono::milliseconds sync_interval{100};
  net::TlsOptions tls;  // for https DataWay URLs
};

// Counters of one (DataWay URL, category) queue since the Uploader was created.
struct UploaderLaneStats {
  std::string endpoint;  // DatawayEndpoint::redacted()
  std::string endpoint_id;
  model::Category category = model::Category::kMetric;
  std::uint64_t points_written = 0;  // points put into the queue
  std::uint64_t bodies_written = 0;
  std::uint64_t bytes_written = 0;      // body bytes as queued (compressed when gzip)
  std::uint64_t raw_bytes_written = 0;  // encoded bytes before compression
  std::uint64_t points_sent = 0;        // acknowledged with a 2xx
  std::uint64_t bodies_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t retries = 0;             // failed POSTs that will be retried
  std::uint64_t points_dropped_4xx = 0;  // dropped after a 4xx (as DataKit)
  std::uint64_t bodies_dropped_4xx = 0;
  std::uint64_t points_rejected_full = 0;  // write() refused: full no-drop queue
  std::uint64_t bodies_rejected_full = 0;
  int last_status = 0;     // HTTP status of the last POST; 0 when it got no answer
  std::string last_error;  // empty until a POST fails
  std::int64_t last_error_time_ns = 0;
  DiskQueueStats queue;  // dropped_records: bodies dropped by a full queue
};

struct UploaderStats {
  std::vector<UploaderLaneStats> lanes;  // the queues opened so far, by URL then category
};

class Uploader {
 public:
  // Validates the options and parses the URLs; opens no queue yet. InvalidArgument on a bad URL,
  // no URL, no queue_dir or a zero body size.
  static Result<std::unique_ptr<Uploader>> create(UploaderOptions options, FileSystem& fs,
                                                  net::HttpClient& client);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Encodes, compresses and queues the points (see the file comment). Points a codec cannot
  // represent (line protocol: no field left) are skipped. Errors: ResourceExhausted when a
  // no-drop queue is full, I/O errors of the queue. After an error the bodies queued before it
  // stay queued (a retried write may deliver those points twice).
  // `storage_index` (logging): every body of this call is POSTed with X-Storage-Index-Name:
  // <storage_index> (none when empty), so bodies never mix indexes.
  Status write(model::Category category, const std::vector<model::Point>& points,
               const std::string& storage_index = "");

  // As write(), for points already serialised as PBPoints entries (pb::appendPoint's bytes,
  // concatenated): point_ends[i] is the offset just past point i in `pb` (ascending, the last
  // one pb.size()). Bodies are cut at those boundaries by the same rule as splitBodies(), so the
  // same points give the same bodies as write(). Unimplemented unless the encoding is
  // protobuf (protobufBodies()); InvalidArgument on boundaries that do not fit `pb`.
  Status writeProtobuf(model::Category category, std::string_view pb,
                       std::span<const std::uint32_t> point_ends,
                       const std::string& storage_index = "");
  // Whether bodies are protobuf (DataKit v2, the default): writeProtobuf() can be used.
  bool protobufBodies() const { return options_.encoding == UploadEncoding::kProtobuf; }

  // Opens the queues a previous run left under queue_dir and starts a sender for every open
  // queue; queues opened later by write() get their sender at once. Idempotent.
  Status start();
  // Wakes and joins the senders (a backoff wait is cut short; a POST in flight finishes or times
  // out), then syncs the queues. write() still queues afterwards. Idempotent.
  void stop();

  UploaderStats stats() const;
  // Waits until every open queue is empty (all bodies acknowledged or dropped). False on timeout.
  bool waitIdle(std::chrono::milliseconds timeout);

  const std::vector<DatawayEndpoint>& endpoints() const { return endpoints_; }

 private:
  struct Lane;
  Uploader(UploaderOptions options, std::vector<DatawayEndpoint> endpoints, FileSystem& fs,
           net::HttpClient& client);
  Result<Lane*> lane(size_t endpoint, model::Category category);
  Result<std::vector<Lane*>> lanesOf(model::Category category);
  // gzips (when configured) one raw body of `count` points and puts it into every lane's queue;
  // movable_raw (may be null) holds the same bytes as `raw` and may be moved from.
  Status queueBody(const std::vector<Lane*>& lanes, model::Category category, std::string_view raw,
                   std::string* movable_raw, std::uint32_t count, const std::string& storage_index);
  void startSenderLocked(Lane& lane);
  void senderLoop(Lane& lane);
  // POSTs one body; true when it left the queue (acked or dropped), false to retry.
  bool deliver(Lane& lane, QueueRecord& record);

  const UploaderOptions options_;
  const std::vector<DatawayEndpoint> endpoints_;
  FileSystem& fs_;
  net::HttpClient& client_;
  std::string user_agent_;

  mutable std::mutex mu_;  // lanes_, started_; also the idle condition
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // endpoints x categories; null until opened
  bool started_ = false;
};

}  // namespace sextant::agent

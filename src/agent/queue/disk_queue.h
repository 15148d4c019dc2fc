// DiskQueue: the uploader's bounded on-disk FIFO of upload bodies for one category (DataKit's
// WAL / disk cache). The format, recovery rules and delivery guarantee are in
// docs/formats/disk-queue.md; in short: records are appended to checksummed segment files,
// a cursor file remembers what was acknowledged, delivery is at-least-once and in put order, and a
// record is never lost once put() returned ok and its data was synced.
//
// Use: the producer put()s each body it built; the consumer peek()s the oldest record, POSTs it
// and ack()s it after a 2xx (or a 4xx DataKit drops), then peeks the next. A record that is not
// acked is peeked again.
//
//   auto q = DiskQueue::open(realFileSystem(), {.dir = install + "/cache/sextant-queue/metric"});
//   Status st = (*q)->put(record);                          // producer
//   auto next = (*q)->peek();                                // consumer
//   if (next.isOk() && *next && post(**next).isOk()) st = (*q)->ack();
//
// All file access goes through the FileSystem given to open(); it is borrowed and must outlive
// the queue. One DiskQueue per directory, in one process.
//
// Thread-safety: one producer thread (put) and one consumer thread (peek, ack) may run
// concurrently; stats() and sync() may be called from any thread. A single mutex serialises all
// of them, I/O included, so a put's fsync delays a concurrent peek (bodies are sent outside the
// lock, by the caller).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/queue/queue_format.h"
#include "core/file_system.h"
#include "core/status.h"

namespace sextant::agent {

// When puts are made durable. Acks are made durable (the cursor file rewritten) by the first ack
// at least sync_interval after the last cursor write, under either policy, and by sync() and
// close; a crash re-delivers what was acked since. sync_interval 0 writes the cursor on every ack.
// No background thread: an owner that wants a time bound while idle calls sync() on a timer.
enum class SyncPolicy {
  kEveryPut,  // put() returns after its record is durable (an fdatasync per put)
  kInterval,  // put() fsyncs when sync_interval has passed since the last fsync; rotation, sync()
              // and close fsync too. A crash may lose the puts since the last fsync.
};

enum class FullPolicy {
  kDropOldest,  // delete the oldest segments to make room (counted); the default
  kReject,      // put() fails with ResourceExhausted (DataKit's no_drop_categories)
};

struct DiskQueueOptions {
  std::string dir;                            // e.g. <install>/cache/sextant-queue/<category>
  std::uint64_t max_bytes = 2ull << 30;       // all segment files (DataKit: 2 GB)
  std::uint64_t segment_bytes = 32ull << 20;  // rotation size
  SyncPolicy sync = SyncPolicy::kEveryPut;
  std::chrono::milliseconds sync_interval{1000};  // see SyncPolicy
  FullPolicy when_full = FullPolicy::kDropOldest;
  // The clock for sync_interval (a seam for tests); steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

// Counters since open(), plus what recovery found at open().
struct DiskQueueStats {
  std::uint64_t queued_records = 0;  // put and not yet acked (estimated after corruption)
  std::uint64_t queued_bytes = 0;    // framed bytes of those records
  std::uint64_t disk_bytes = 0;      // sum of segment file sizes (what max_bytes bounds)
  std::uint64_t segments = 0;
  std::uint64_t put_records = 0;
  std::uint64_t acked_records = 0;
  std::uint64_t dropped_records = 0;  // unacked records deleted by FullPolicy::kDropOldest
  std::uint64_t dropped_bytes = 0;
  std::uint64_t rejected_records = 0;  // put() refused: full with FullPolicy::kReject
  std::uint64_t corrupt_skips = 0;     // corrupt data found; the rest of a segment was skipped
  std::uint64_t corrupt_records = 0;   // records believed lost in those skips (estimate)
  std::uint64_t corrupt_bytes = 0;
  std::uint64_t torn_bytes = 0;     // torn tail cut off at open (never acknowledged data)
  std::uint64_t cursor_resets = 0;  // unreadable cursor at open: re-reading from the oldest
};

class DiskQueue {
 public:
  // Opens the queue in options.dir, creating the directory, or recovering what is there.
  static Result<std::unique_ptr<DiskQueue>> open(FileSystem& fs, DiskQueueOptions options);

  // Syncs (best effort) and closes.
  ~DiskQueue();
  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;

  // Appends a record. Errors: OutOfRange when it can never fit (over 64 MiB or over max_bytes),
  // ResourceExhausted when full with kReject (or when the disk is full), I/O errors. After an
  // error the record is not queued and the queue stays usable.
  Status put(const QueueRecord& record);

  // The oldest record not yet acknowledged, or nullopt when there is none. Corrupt records are
  // skipped and counted, never returned. Repeated peeks without ack return the same record.
  Result<std::optional<QueueRecord>> peek();

  // Acknowledges the record the last peek() returned: moves the cursor past it, persists the
  // cursor (at most once per sync_interval) and deletes segments that are fully consumed. The
  // record is acknowledged in memory even when persisting fails (the error is returned; the
  // consequence is re-delivery after a crash). InvalidArgument when there was no peek since the
  // last ack. A no-op when that record was meanwhile dropped to make room.
  Status ack();

  // Makes every put and ack so far durable (for SyncPolicy::kInterval owners on a timer).
  Status sync();

  DiskQueueStats stats() const;

 private:
  struct Segment {
    std::uint64_t seq = 0;
    std::uint64_t size = 0;     // bytes on disk that belong to the queue (valid records)
    std::uint64_t records = 0;  // records not yet acked in this segment
  };
  struct Peeked {
    std::uint64_t seq = 0;
    std::uint64_t offset = 0;
    std::uint64_t end = 0;
  };

  DiskQueue(FileSystem& fs, DiskQueueOptions options);

  Status recover();
  std::string segmentPath(std::uint64_t seq) const;
  std::chrono::steady_clock::time_point now() const;

  // Writer side.
  Status startSegment();
  Status closeWriteSegment(bool sync_first);
  Status makeRoom(std::uint64_t record_size);
  Status syncWriterLocked(bool force);

  // Reader side.
  bool frontIsWriteSegment() const;
  void popFrontSegment();
  Status removeFrontSegment();
  void skipCorruptRest();
  Status persistCursorLocked(bool force);

  FileSystem& fs_;
  const DiskQueueOptions options_;

  mutable std::mutex mu_;
  std::deque<Segment> segments_;          // ascending seq; front is read, back is written
  std::unique_ptr<WritableFile> writer_;  // open on segments_.back() (opened lazily)
  bool back_sealed_ = false;  // segments_.back() takes no more records (failed write, full)
  std::uint64_t next_seq_ = 1;
  std::uint64_t read_offset_ = kSegmentHeaderSize;  // in segments_.front()
  std::optional<Peeked> peeked_;
  bool writer_dirty_ = false;  // appended since the last sync
  bool cursor_dirty_ = false;  // acked since the cursor was last written
  std::chrono::steady_clock::time_point last_sync_{};
  std::chrono::steady_clock::time_point last_cursor_write_{};
  std::uint64_t disk_bytes_ = 0;
  DiskQueueStats stats_;
};

}  // namespace sextant::agent

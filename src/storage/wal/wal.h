// Wal: the server storage engine's write-ahead log. Payloads are appended to checksummed segment
// files under increasing log sequence numbers (LSNs), made durable by group commit, replayed at
// start, and deleted once a checkpoint says the engine stored them elsewhere. The format, the
// recovery rules (torn tails truncated, corrupt segments quarantined) and the durability contract
// are in docs/formats/wal.md.
//
//   auto wal = Wal::open(realFileSystem(), {.dir = data_dir + "/wal"});
//   Status st = (*wal)->replay(checkpointed_lsn + 1, [&](uint64_t lsn, std::string_view p) {
//     return head.apply(lsn, p);
//   });
//   Result<uint64_t> lsn = (*wal)->append(encoded_batch);  // durable on return (kEveryCommit)
//   ... after the head is flushed to parts covering LSNs up to n: (*wal)->checkpoint(n);
//
// Group commit: appenders queue; the first in the queue (the leader) writes the records of all
// queued appenders with one write and, when the policy asks for it, one fdatasync, then wakes
// them; the next in the queue leads the next group. File I/O happens outside the queue's lock.
//
// All file access goes through the FileSystem given to open(); it is borrowed and must outlive the
// Wal. One Wal per directory, in one process.
//
// Thread-safety: append(), sync(), checkpoint(), replay(), stats() and damage() may be called
// from any number of threads concurrently. replay() hands out the records written before it
// started. The destructor must not run concurrently with other calls.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"
#include "storage/wal/wal_format.h"

namespace sextant::storage {

// When an appended record is made durable (docs/formats/wal.md, "Durability contract").
enum class SyncPolicy {
  kEveryCommit,  // append() returns after an fdatasync covering its record (shared by a group)
  kInterval,     // append() returns once written; fdatasync at most sync_interval later
  kNone,         // append() returns once written; fdatasync only at rotation, sync(), checkpoint()
                 // and close
};

struct WalOptions {
  std::string dir;  // e.g. <data>/wal; created when missing
  SyncPolicy sync = SyncPolicy::kEveryCommit;
  // kInterval: a background flusher syncs written records at most this long after they were
  // written; a group commit that finds this much time passed since the last sync syncs too.
  std::chrono::milliseconds sync_interval{100};
  std::uint64_t segment_bytes = 64ull << 20;  // rotation size
  // Upper bound on the record bytes one leader writes in a group (at least one record).
  std::size_t max_batch_bytes = 4u << 20;
  // The first LSN given out is at least this: the engine passes its checkpoint + 1, so LSNs are
  // never given again even when the log's files were lost.
  std::uint64_t min_next_lsn = 1;
};

// Counters since open(), plus what recovery found at open().
struct WalStats {
  std::uint64_t appends = 0;          // records appended (acknowledged)
  std::uint64_t append_failures = 0;  // append() calls that returned an I/O error
  std::uint64_t payload_bytes = 0;    // payload bytes of acknowledged records
  std::uint64_t bytes_written = 0;    // bytes written to segments (headers and records)
  std::uint64_t syncs = 0;            // fdatasync calls on segments (rotation included)
  std::uint64_t group_commits = 0;    // groups written by a leader
  std::uint64_t max_group_size = 0;   // most records written by one group
  // Groups by number of records: 1, 2-3, 4-7, 8-15, 16-31, 32 or more.
  std::array<std::uint64_t, 6> group_size_buckets{};
  std::uint64_t rotations = 0;
  std::uint64_t segments = 0;     // segment files (.log) now
  std::uint64_t disk_bytes = 0;   // their total size
  std::uint64_t next_lsn = 0;     // the LSN the next append gets
  std::uint64_t durable_lsn = 0;  // every LSN up to this one is durable (0: none)
  std::uint64_t checkpoint_deleted_segments = 0;
  // Damage found at open() or during replay() (docs/formats/wal.md).
  std::uint64_t torn_tails = 0;
  std::uint64_t torn_bytes = 0;
  std::uint64_t corrupt_segments = 0;
  std::uint64_t corrupt_bytes = 0;
  std::uint64_t corrupt_records = 0;  // estimate of the records lost with them
  std::uint64_t quarantined_segments = 0;
};

// One piece of damage, for the engine to log.
struct WalDamage {
  enum class Kind { kTornTail, kCorrupt };
  Kind kind = Kind::kTornTail;
  std::uint64_t segment = 0;       // sequence number
  std::uint64_t offset = 0;        // where the valid data ends
  std::uint64_t bytes_lost = 0;    // bytes from offset to the end of the file
  std::uint64_t records_lost = 0;  // estimate (kCorrupt only)
  std::string quarantined_as;      // the .corrupt file name (kCorrupt only)
  std::string reason;
};

class Wal {
 public:
  // Opens the log in options.dir, creating it or recovering what is there: every segment is
  // validated, a torn tail is truncated, corrupt segments are quarantined (see damage()).
  // Fails on I/O errors and invalid options.
  static Result<std::unique_ptr<Wal>> open(FileSystem& fs, WalOptions options);

  // Stops the flusher, syncs (best effort) and closes. When every record given out was
  // checkpointed, deletes the segment files too (reopen with min_next_lsn = checkpoint + 1).
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends one record and returns its LSN once it is durable as the policy says. OutOfRange
  // when the payload is over 64 MiB; I/O errors otherwise (the record may or may not be replayed
  // later, see docs/formats/wal.md). The Wal stays usable after an error.
  Result<std::uint64_t> append(std::string_view payload);

  // Makes every record appended so far durable.
  Status sync();

  // Calls fn(lsn, payload) for every record with lsn >= from_lsn, in LSN order. Stops at the first
  // non-ok Status fn returns and returns it. Corruption found on the way is reported, counted and
  // quarantined (see damage()) and replay goes on with the next segment; it is not an error.
  Status replay(std::uint64_t from_lsn,
                const std::function<Status(std::uint64_t lsn, std::string_view payload)>& fn);

  // Every record with LSN <= lsn is stored elsewhere: makes the log durable up to lsn, then
  // deletes the sealed segments whose records are all <= lsn. InvalidArgument when lsn was never
  // given out.
  Status checkpoint(std::uint64_t lsn);

  WalStats stats() const;
  // Damage found at open() and since, oldest first.
  std::vector<WalDamage> damage() const;

 private:
  struct Segment {
    std::uint64_t seq = 0;
    std::uint64_t first_lsn = 0;
    std::uint64_t last_lsn = 0;  // first_lsn - 1 while empty
    std::uint64_t size = 0;      // valid bytes (what replay may read)
  };
  struct Writer;

  Wal(FileSystem& fs, WalOptions options);

  Status recover();
  std::string path(std::uint64_t seq, WalFileKind kind) const;
  // Renames a damaged segment to .corrupt; when valid_end is past the header, first writes
  // bytes[0, valid_end) to .tmp and afterwards renames it to the segment's name (*rebuilt).
  Status quarantine(std::uint64_t seq, std::string_view bytes, std::uint64_t valid_end,
                    bool* rebuilt);

  // Enqueues w and waits until it is done, leading a group when it reaches the front.
  void commit(Writer& w);
  // The leader's I/O for one group (mu_ not held). On error, the records before *ok_prefix were
  // made durable by a rotation and succeed; the rest fail with the returned Status.
  Status writeGroup(std::vector<Writer*>& group, bool want_sync, std::size_t* ok_prefix,
                    bool* synced);
  Status startSegment(std::uint64_t first_lsn);
  Status rotate();  // syncs and closes the active segment
  void sealAfterFailure(std::uint64_t truncate_to);
  void flusherLoop();

  FileSystem& fs_;
  const WalOptions options_;

  mutable std::mutex mu_;
  std::deque<Writer*> writers_;   // the queue; front is the leader
  std::deque<Segment> segments_;  // ascending seq; back is active when writer_ is open
  std::uint64_t next_lsn_ = 1;
  std::uint64_t next_seq_ = 1;
  std::uint64_t written_lsn_ = 0;  // highest LSN written (or burned by a failure)
  std::uint64_t durable_lsn_ = 0;
  std::uint64_t checkpointed_lsn_ = 0;  // highest LSN given to checkpoint()
  std::chrono::steady_clock::time_point last_sync_;
  WalStats stats_;
  std::vector<WalDamage> damage_;
  std::uint64_t active_seq_ = 0;  // segment open for appending; 0 while none is

  // Only the current leader (or open/the destructor) touches these.
  std::unique_ptr<WritableFile> writer_;  // on segments_.back(); null after a failure
  Segment active_;                        // leader's copy of segments_.back()
  std::string buf_;

  // Serialises file operations on sealed segments (checkpoint deletions, quarantine in replay).
  std::mutex files_mu_;

  // The kInterval flusher.
  std::condition_variable flusher_cv_;
  bool stop_ = false;
  std::thread flusher_;
};

}  // namespace sextant::storage

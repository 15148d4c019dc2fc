#include "agent/queue/disk_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "agent/queue/queue_test_util.h"
#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent {
namespace {

using sextant::testing::FaultInjectionFileSystem;
using sextant::testing::MemFileSystem;
using sextant::testing::TempDir;
using testing::recordIndex;
using testing::testRecord;

constexpr char kDir[] = "/cache/sextant-queue/metric";

// testRecord(i) with the default 200-byte body frames to 12 + 16 + 22 ("application/x-protobuf")
// + 4 or 0 ("gzip" for even i) + 200 bytes.
constexpr std::uint64_t kEvenFrame = 254;
constexpr std::uint64_t kOddFrame = 250;

DiskQueueOptions smallOptions() {
  DiskQueueOptions o;
  o.dir = kDir;
  o.segment_bytes = 4096;
  o.max_bytes = 1 << 20;
  return o;
}

// SyncPolicy::kInterval, 100 ms, reading the clock from *t (which must outlive the queue).
DiskQueueOptions intervalOptions(std::chrono::steady_clock::time_point* t) {
  DiskQueueOptions o = smallOptions();
  o.sync = SyncPolicy::kInterval;
  o.sync_interval = std::chrono::milliseconds(100);
  o.clock = [t] { return *t; };
  return o;
}

std::unique_ptr<DiskQueue> openOrDie(FileSystem& fs, const DiskQueueOptions& options) {
  Result<std::unique_ptr<DiskQueue>> q = DiskQueue::open(fs, options);
  EXPECT_TRUE(q.isOk()) << q.status().toString();
  return q.isOk() ? std::move(q).value() : nullptr;
}

void putRange(DiskQueue& q, std::uint64_t from, std::uint64_t to, std::size_t body = 200) {
  for (std::uint64_t i = from; i < to; ++i) {
    Status st = q.put(testRecord(i, body));
    ASSERT_TRUE(st.isOk()) << "put " << i << ": " << st.toString();
  }
}

// Peeks and acks up to `max` records; returns their indices (UINT64_MAX for a bad record).
std::vector<std::uint64_t> drain(DiskQueue& q, std::size_t max = SIZE_MAX) {
  std::vector<std::uint64_t> out;
  while (out.size() < max) {
    Result<std::optional<QueueRecord>> r = q.peek();
    EXPECT_TRUE(r.isOk()) << r.status().toString();
    if (!r.isOk() || !r->has_value()) break;
    out.push_back(recordIndex(**r).value_or(UINT64_MAX));
    EXPECT_TRUE(q.ack().isOk());
  }
  return out;
}

std::vector<std::uint64_t> iota(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

std::vector<std::string> segmentFiles(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  Result<std::vector<std::string>> names = fs.listDir(dir);
  if (!names.isOk()) return out;
  for (const std::string& n : *names) {
    if (parseSegmentName(n)) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DiskQueueTest, EmptyQueuePeeksNothing) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  Result<std::optional<QueueRecord>> r = q->peek();
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(q->ack().code(), StatusCode::kInvalidArgument);  // nothing was peeked
  EXPECT_TRUE(fs.exists(kDir));
}

TEST(DiskQueueTest, PutPeekAckInOrderAcrossManySegments) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  // Interleave: put 7, take 3, ... so the reader and the writer both cross segments.
  std::vector<std::uint64_t> got;
  std::uint64_t next = 0;
  std::size_t max_segments = 0;
  while (next < 700) {
    putRange(*q, next, next + 7, 150 + next % 300);  // sizes vary
    next += 7;
    max_segments = std::max<std::size_t>(max_segments, q->stats().segments);
    for (std::uint64_t i : drain(*q, 3)) got.push_back(i);
  }
  for (std::uint64_t i : drain(*q)) got.push_back(i);
  EXPECT_EQ(got, iota(0, 700));
  EXPECT_GT(max_segments, 20u);
  DiskQueueStats s = q->stats();
  EXPECT_EQ(s.put_records, 700u);
  EXPECT_EQ(s.acked_records, 700u);
  EXPECT_EQ(s.queued_records, 0u);
  EXPECT_EQ(s.queued_bytes, 0u);
  EXPECT_EQ(s.corrupt_skips, 0u);
  // Consumed segments are deleted: only the write segment is left.
  EXPECT_EQ(segmentFiles(fs, kDir).size(), 1u);
  EXPECT_EQ(s.segments, 1u);
}

TEST(DiskQueueTest, PeekWithoutAckReturnsTheSameRecord) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  putRange(*q, 0, 2);
  for (int i = 0; i < 3; ++i) {
    Result<std::optional<QueueRecord>> r = q->peek();
    ASSERT_TRUE(r.isOk() && r->has_value());
    EXPECT_EQ(recordIndex(**r), 0u);
  }
  EXPECT_TRUE(q->ack().isOk());
  EXPECT_EQ(q->ack().code(), StatusCode::kInvalidArgument);  // one ack per peek
  EXPECT_EQ(drain(*q), iota(1, 2));
}

TEST(DiskQueueTest, StatsCountRecordsAndFramedBytes) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  putRange(*q, 0, 4);
  DiskQueueStats s = q->stats();
  EXPECT_EQ(s.queued_records, 4u);
  EXPECT_EQ(s.queued_bytes, 2 * kEvenFrame + 2 * kOddFrame);
  EXPECT_EQ(s.disk_bytes, kSegmentHeaderSize + 2 * kEvenFrame + 2 * kOddFrame);
  EXPECT_EQ(drain(*q, 1), iota(0, 1));
  s = q->stats();
  EXPECT_EQ(s.queued_records, 3u);
  EXPECT_EQ(s.queued_bytes, kEvenFrame + 2 * kOddFrame);
}

TEST(DiskQueueTest, SegmentsRotateAtSegmentBytes) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  // 4096-byte segments hold 20 + k * ~252 bytes: 16 records each (16 * 254 = 4064 <= 4076).
  putRange(*q, 0, 32);
  std::vector<std::string> files = segmentFiles(fs, kDir);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], "00000000000000000001.seg");
  EXPECT_EQ(files[1], "00000000000000000002.seg");
  Result<std::uint64_t> size = fs.fileSize(joinPath(kDir, files[0]));
  ASSERT_TRUE(size.isOk());
  EXPECT_EQ(*size, kSegmentHeaderSize + 8 * kEvenFrame + 8 * kOddFrame);
  EXPECT_LE(*size, 4096u);
  // A record bigger than a segment gets a segment of its own.
  ASSERT_TRUE(q->put(testRecord(32, 10000)).isOk());
  ASSERT_TRUE(q->put(testRecord(33)).isOk());
  EXPECT_EQ(segmentFiles(fs, kDir).size(), 4u);
  EXPECT_EQ(drain(*q), iota(0, 34));
}

TEST(DiskQueueTest, ReopenResumesExactlyAtTheCursor) {
  MemFileSystem fs;
  {
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 0, 100);
    EXPECT_EQ(drain(*q, 37), iota(0, 37));
  }
  {
    auto q = openOrDie(fs, smallOptions());
    DiskQueueStats s = q->stats();
    EXPECT_EQ(s.queued_records, 63u);
    EXPECT_EQ(s.torn_bytes, 0u);
    EXPECT_EQ(s.cursor_resets, 0u);
    EXPECT_EQ(drain(*q, 1), iota(37, 38));
    // Peeked but not acked: seen again after reopening.
    Result<std::optional<QueueRecord>> r = q->peek();
    ASSERT_TRUE(r.isOk() && r->has_value());
    EXPECT_EQ(recordIndex(**r), 38u);
  }
  {
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 100, 110);  // appending after reopen continues the same sequence
    EXPECT_EQ(drain(*q), iota(38, 110));
  }
  {
    auto q = openOrDie(fs, smallOptions());
    EXPECT_EQ(drain(*q), iota(0, 0));
  }
}

TEST(DiskQueueTest, ReopenWithoutCursorStartsAtTheOldest) {
  MemFileSystem fs;
  {
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 0, 40);
  }
  EXPECT_FALSE(fs.exists(joinPath(kDir, "cursor")));
  auto q = openOrDie(fs, smallOptions());
  EXPECT_EQ(q->stats().queued_records, 40u);
  EXPECT_EQ(drain(*q), iota(0, 40));
}

TEST(DiskQueueTest, DropOldestKeepsTheNewestAndCounts) {
  MemFileSystem fs;
  DiskQueueOptions o = smallOptions();
  o.max_bytes = 16 * 1024;  // four 4 KiB segments
  auto q = openOrDie(fs, o);
  putRange(*q, 0, 200);  // ~50 KB: most must go
  DiskQueueStats s = q->stats();
  EXPECT_LE(s.disk_bytes, o.max_bytes);
  EXPECT_EQ(s.put_records, 200u);
  EXPECT_GT(s.dropped_records, 100u);
  EXPECT_EQ(s.rejected_records, 0u);
  // What is left is the newest records, contiguous, and drops + left = all.
  std::vector<std::uint64_t> left = drain(*q);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left, iota(200 - left.size(), 200));
  EXPECT_EQ(s.dropped_records + left.size(), 200u);
  // Whole segments are dropped: 16 records each.
  EXPECT_EQ(s.dropped_records % 16, 0u);
}

TEST(DiskQueueTest, DropOldestWhileARecordIsInFlight) {
  MemFileSystem fs;
  DiskQueueOptions o = smallOptions();
  o.max_bytes = 16 * 1024;
  auto q = openOrDie(fs, o);
  putRange(*q, 0, 10);
  Result<std::optional<QueueRecord>> r = q->peek();
  ASSERT_TRUE(r.isOk() && r->has_value());
  EXPECT_EQ(recordIndex(**r), 0u);
  putRange(*q, 10, 100);         // record 0's segment is dropped while it is "being sent"
  EXPECT_TRUE(q->ack().isOk());  // a no-op
  std::vector<std::uint64_t> left = drain(*q);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left, iota(100 - left.size(), 100));
  EXPECT_EQ(q->stats().dropped_records + left.size(), 100u);  // record 0 counts as dropped
  EXPECT_EQ(q->stats().acked_records, left.size());
}

TEST(DiskQueueTest, DropOldestWithOnlyTheWriteSegment) {
  MemFileSystem fs;
  DiskQueueOptions o = smallOptions();
  o.segment_bytes = 1 << 20;  // bigger than max_bytes: one segment holds everything
  o.max_bytes = 4096;
  auto q = openOrDie(fs, o);
  putRange(*q, 0, 40);
  std::vector<std::uint64_t> left = drain(*q);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left, iota(40 - left.size(), 40));
  EXPECT_LE(q->stats().disk_bytes, 4096u);
}

TEST(DiskQueueTest, RejectPolicyReturnsResourceExhausted) {
  MemFileSystem fs;
  DiskQueueOptions o = smallOptions();
  o.max_bytes = 16 * 1024;
  o.when_full = FullPolicy::kReject;
  auto q = openOrDie(fs, o);
  std::uint64_t accepted = 0;
  Status st;
  for (; accepted < 200; ++accepted) {
    st = q->put(testRecord(accepted));
    if (!st.isOk()) break;
  }
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(accepted, 64u);  // four segments of 16
  EXPECT_EQ(q->put(testRecord(accepted)).code(), StatusCode::kResourceExhausted);
  DiskQueueStats s = q->stats();
  EXPECT_EQ(s.rejected_records, 2u);
  EXPECT_EQ(s.dropped_records, 0u);
  // Consuming a whole segment makes room again; nothing accepted was lost.
  EXPECT_EQ(drain(*q, 16), iota(0, 16));
  EXPECT_TRUE(q->put(testRecord(accepted)).isOk());
  std::vector<std::uint64_t> expected = iota(16, accepted);
  expected.push_back(accepted);
  EXPECT_EQ(drain(*q), expected);
}

TEST(DiskQueueTest, RecordThatCanNeverFitIsOutOfRange) {
  MemFileSystem fs;
  DiskQueueOptions o = smallOptions();
  o.max_bytes = 8192;
  auto q = openOrDie(fs, o);
  EXPECT_EQ(q->put(testRecord(0, 9000)).code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(q->put(testRecord(1, 100)).isOk());
  EXPECT_EQ(drain(*q), iota(1, 2));
}

TEST(DiskQueueTest, BadOptionsAreRefused) {
  MemFileSystem fs;
  DiskQueueOptions o = smallOptions();
  o.dir = "";
  EXPECT_EQ(DiskQueue::open(fs, o).status().code(), StatusCode::kInvalidArgument);
  o = smallOptions();
  o.segment_bytes = 10;
  EXPECT_EQ(DiskQueue::open(fs, o).status().code(), StatusCode::kInvalidArgument);
  o = smallOptions();
  o.max_bytes = 30;
  EXPECT_EQ(DiskQueue::open(fs, o).status().code(), StatusCode::kInvalidArgument);
}

// Flips one bit in segment file number `file` (0-based, sorted) at `offset`.
void flipBit(MemFileSystem& fs, std::size_t file, std::uint64_t offset) {
  std::string path = joinPath(kDir, segmentFiles(fs, kDir).at(file));
  Result<std::string> byte = fs.readRange(path, offset, 1);
  ASSERT_TRUE(byte.isOk() && byte->size() == 1);
  ASSERT_TRUE(
      fs.overwrite(path, offset, std::string(1, static_cast<char>((*byte)[0] ^ 0x04))).isOk());
}

// Record k of a segment full of 200-byte testRecords starts at 20 + (k/2)*(254+250) (+254).
constexpr std::uint64_t kRecord3Offset = kSegmentHeaderSize + kEvenFrame + kOddFrame + kEvenFrame;

TEST(DiskQueueTest, BitFlipInAnOlderSegmentSkipsTheRestOfIt) {
  for (bool reopen : {false, true}) {
    MemFileSystem fs;
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 0, 64);  // segments hold records 0-15, 16-31, 32-47, 48-63
    ASSERT_EQ(segmentFiles(fs, kDir).size(), 4u);
    flipBit(fs, 1, kRecord3Offset + 100);  // in the body of record 16 + 3
    if (reopen) {
      q.reset();
      q = openOrDie(fs, smallOptions());
    }
    std::vector<std::uint64_t> expected = iota(0, 19);
    for (std::uint64_t i : iota(32, 64)) expected.push_back(i);
    EXPECT_EQ(drain(*q), expected) << "reopen " << reopen;
    DiskQueueStats s = q->stats();
    EXPECT_EQ(s.corrupt_skips, 1u);
    EXPECT_EQ(s.corrupt_records, 13u);  // records 19..31
    EXPECT_EQ(s.corrupt_bytes, 16 * 504 / 2 + kSegmentHeaderSize - kRecord3Offset);
  }
}

TEST(DiskQueueTest, BitFlipInARecordHeaderIsDetected) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  putRange(*q, 0, 32);
  flipBit(fs, 0, kRecord3Offset + 5);  // the length field of record 3
  std::vector<std::uint64_t> expected = iota(0, 3);
  for (std::uint64_t i : iota(16, 32)) expected.push_back(i);
  EXPECT_EQ(drain(*q), expected);
  EXPECT_EQ(q->stats().corrupt_skips, 1u);
}

TEST(DiskQueueTest, BitFlipInTheWriteSegmentSkipsToItsEnd) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  putRange(*q, 0, 5);
  flipBit(fs, 0, kRecord3Offset - 1);  // last byte of record 2
  EXPECT_EQ(drain(*q), iota(0, 2));
  EXPECT_EQ(q->stats().corrupt_skips, 1u);
  EXPECT_EQ(q->stats().corrupt_records, 3u);
  putRange(*q, 5, 8);  // appended after the damage: delivered
  EXPECT_EQ(drain(*q), iota(5, 8));
}

TEST(DiskQueueTest, CorruptSegmentHeaderDropsTheSegment) {
  MemFileSystem fs;
  {
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 0, 48);
  }
  flipBit(fs, 1, 9);  // the sequence number in segment 2's header
  auto q = openOrDie(fs, smallOptions());
  EXPECT_EQ(q->stats().corrupt_skips, 1u);
  std::vector<std::uint64_t> expected = iota(0, 16);
  for (std::uint64_t i : iota(32, 48)) expected.push_back(i);
  EXPECT_EQ(drain(*q), expected);
}

TEST(DiskQueueTest, CorruptCursorFallsBackToTheOldestSegment) {
  MemFileSystem fs;
  const std::string cursor = joinPath(kDir, "cursor");
  {
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 0, 40);
    EXPECT_EQ(drain(*q, 10), iota(0, 10));
  }
  ASSERT_TRUE(fs.overwrite(cursor, 17, "\x55").isOk());
  {
    auto q = openOrDie(fs, smallOptions());
    EXPECT_EQ(q->stats().cursor_resets, 1u);
    EXPECT_EQ(drain(*q, 20), iota(0, 20));  // 0..9 again: at-least-once
  }
  // Segment 1 (records 0-15) is gone now; a truncated cursor restarts at segment 2.
  ASSERT_TRUE(fs.truncate(cursor, 10).isOk());
  {
    auto q = openOrDie(fs, smallOptions());
    EXPECT_EQ(q->stats().cursor_resets, 1u);
    EXPECT_EQ(drain(*q), iota(16, 40));
  }
}

TEST(DiskQueueTest, EnospcOnPutReturnsAnErrorAndTheQueueStaysUsable) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto q = openOrDie(fs, smallOptions());
  putRange(*q, 0, 5);
  fs.failNextAppends(1, ENOSPC, /*write_partial=*/true);
  EXPECT_EQ(q->put(testRecord(5)).code(), StatusCode::kResourceExhausted);
  fs.failNextSyncs(1, EIO);
  EXPECT_EQ(q->put(testRecord(6)).code(), StatusCode::kInternal);
  putRange(*q, 7, 10);
  EXPECT_EQ(q->stats().put_records, 8u);
  EXPECT_EQ(drain(*q, 5), iota(0, 5));
  EXPECT_EQ(drain(*q), iota(7, 10));
  EXPECT_EQ(q->stats().corrupt_skips, 0u);
  // Nothing of the failed records is left on disk: a reopen sees a clean file.
  putRange(*q, 10, 12);
  q.reset();
  q = openOrDie(fs, smallOptions());
  EXPECT_EQ(q->stats().torn_bytes, 0u);
  EXPECT_EQ(drain(*q), iota(10, 12));
}

TEST(DiskQueueTest, FailedWriteThatCannotBeCutStartsANewSegment) {
  for (bool reopen : {false, true}) {
    MemFileSystem mem;
    FaultInjectionFileSystem fs(mem);
    auto q = openOrDie(fs, smallOptions());
    putRange(*q, 0, 3);
    fs.failNextAppends(1, EIO, /*write_partial=*/true);
    fs.failNextTruncates(1, EIO);
    EXPECT_FALSE(q->put(testRecord(3)).isOk());
    putRange(*q, 4, 6);
    EXPECT_EQ(segmentFiles(mem, kDir).size(), 2u);
    if (reopen) {
      // Now the half record is found at the end of an older segment: skipped, nothing lost.
      q.reset();
      q = openOrDie(fs, smallOptions());
    }
    EXPECT_EQ(drain(*q), (std::vector<std::uint64_t>{0, 1, 2, 4, 5})) << "reopen " << reopen;
    EXPECT_EQ(q->stats().corrupt_skips, reopen ? 1u : 0u);
    EXPECT_EQ(q->stats().corrupt_records, 0u);
  }
}

TEST(DiskQueueTest, IntervalPolicySyncsOnlyWhenTheIntervalHasPassed) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto t = std::chrono::steady_clock::time_point() + std::chrono::hours(1);
  DiskQueueOptions o = intervalOptions(&t);
  auto q = openOrDie(fs, o);
  putRange(*q, 0, 3);  // within the interval since open: not synced
  t += std::chrono::milliseconds(100);
  putRange(*q, 3, 4);  // syncs 0..3
  putRange(*q, 4, 6);  // not synced
  ASSERT_TRUE(fs.crash(FaultInjectionFileSystem::CrashMode::kDropUnsynced, 1).isOk());
  q.reset();
  fs.restart();
  q = openOrDie(fs, o);
  EXPECT_EQ(drain(*q), iota(0, 4));

  // sync() makes puts and acks durable at once.
  putRange(*q, 10, 13);
  EXPECT_EQ(drain(*q, 1), iota(10, 11));
  ASSERT_TRUE(q->sync().isOk());
  ASSERT_TRUE(fs.crash(FaultInjectionFileSystem::CrashMode::kDropUnsynced, 2).isOk());
  q.reset();
  fs.restart();
  q = openOrDie(fs, o);
  EXPECT_EQ(drain(*q), iota(11, 13));
}

// The consumer can read and acknowledge records that were not yet synced; if the cursor is then
// persisted and the machine crashes, the cursor points past the end of the segment. Reopening
// must move it back to the end, durably, before new records land where it points.
TEST(DiskQueueTest, CursorPastTheSyncedEndIsRewrittenAtOpen) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto t = std::chrono::steady_clock::time_point() + std::chrono::hours(1);
  DiskQueueOptions o = intervalOptions(&t);
  auto q = openOrDie(fs, o);
  putRange(*q, 0, 2);
  ASSERT_TRUE(q->sync().isOk());
  putRange(*q, 2, 5);  // not synced
  EXPECT_EQ(drain(*q, 3), iota(0, 3));
  t += std::chrono::milliseconds(100);
  EXPECT_EQ(drain(*q, 1), iota(3, 4));  // the interval has passed: the cursor is written
  ASSERT_TRUE(fs.crash(FaultInjectionFileSystem::CrashMode::kDropUnsynced, 1).isOk());
  q.reset();
  fs.restart();

  q = openOrDie(fs, o);
  EXPECT_EQ(q->stats().queued_records, 0u);
  putRange(*q, 5, 8);
  ASSERT_TRUE(q->sync().isOk());
  ASSERT_TRUE(fs.crash(FaultInjectionFileSystem::CrashMode::kDropUnsynced, 2).isOk());
  q.reset();
  fs.restart();

  q = openOrDie(fs, o);
  EXPECT_EQ(drain(*q), iota(5, 8));
  EXPECT_EQ(q->stats().corrupt_skips, 0u);
}

TEST(DiskQueueTest, OneProducerAndOneConsumerThread) {
  MemFileSystem fs;
  auto q = openOrDie(fs, smallOptions());
  constexpr std::uint64_t kCount = 3000;
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount; ++i) {
      Status st = q->put(testRecord(i, 50 + i % 400));
      if (!st.isOk()) ADD_FAILURE() << st.toString();
    }
  });
  std::vector<std::uint64_t> got;
  while (got.size() < kCount) {
    Result<std::optional<QueueRecord>> r = q->peek();
    ASSERT_TRUE(r.isOk());
    if (!r->has_value()) {
      std::this_thread::yield();
      continue;
    }
    got.push_back(recordIndex(**r).value_or(UINT64_MAX));
    ASSERT_TRUE(q->ack().isOk());
  }
  producer.join();
  EXPECT_EQ(got, iota(0, kCount));
  EXPECT_EQ(q->stats().queued_records, 0u);
}

// The real file system in a temp dir: the documented file names appear, and data survives reopen.
TEST(DiskQueueRealFsTest, FilesAndReopen) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  DiskQueueOptions o = smallOptions();
  o.dir = joinPath(tmp.path(), "cache/sextant-queue/metric");
  {
    auto q = openOrDie(realFileSystem(), o);
    putRange(*q, 0, 20);
    EXPECT_EQ(drain(*q, 5), iota(0, 5));
  }
  EXPECT_TRUE(realFileSystem().exists(joinPath(o.dir, "00000000000000000001.seg")));
  EXPECT_TRUE(realFileSystem().exists(joinPath(o.dir, "00000000000000000002.seg")));
  EXPECT_TRUE(realFileSystem().exists(joinPath(o.dir, "cursor")));
  EXPECT_FALSE(realFileSystem().exists(joinPath(o.dir, "cursor.tmp")));
  auto q = openOrDie(realFileSystem(), o);
  EXPECT_EQ(drain(*q), iota(5, 20));
}

}  // namespace
}  // namespace sextant::agent

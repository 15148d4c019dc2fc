#include "storage/wal/wal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <thread>

#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"
#include "storage/wal/wal_format.h"
#include "storage/wal/wal_test_util.h"

namespace sextant::storage {
namespace {

using sextant::testing::FaultInjectionFileSystem;
using sextant::testing::MemFileSystem;
using sextant::testing::TempDir;
using testing::payloadIndex;
using testing::replayAll;
using testing::testPayload;

constexpr char kDir[] = "/data/wal";
// testPayload(i) is 100 bytes, a record 120; with 512-byte segments each segment holds 4
// records (32 + 4 * 120 = 512): segment k holds LSNs 4k-3 .. 4k.
constexpr std::uint64_t kRecord = 120;

WalOptions smallOptions() {
  WalOptions o;
  o.dir = kDir;
  o.segment_bytes = 512;
  return o;
}

std::unique_ptr<Wal> openOrDie(FileSystem& fs, const WalOptions& options) {
  Result<std::unique_ptr<Wal>> wal = Wal::open(fs, options);
  EXPECT_TRUE(wal.isOk()) << wal.status().toString();
  return wal.isOk() ? std::move(wal).value() : nullptr;
}

void appendRange(Wal& wal, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t i = from; i < to; ++i) {
    Result<std::uint64_t> lsn = wal.append(testPayload(i));
    ASSERT_TRUE(lsn.isOk()) << lsn.status().toString();
    ASSERT_EQ(*lsn, i);
  }
}

std::vector<std::uint64_t> lsnsOf(const std::vector<std::pair<std::uint64_t, std::string>>& rs) {
  std::vector<std::uint64_t> out;
  for (const auto& [lsn, payload] : rs) {
    EXPECT_EQ(payloadIndex(payload), lsn) << "payload of LSN " << lsn;
    out.push_back(lsn);
  }
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

std::set<std::string> files(FileSystem& fs) {
  Result<std::vector<std::string>> names = fs.listDir(kDir);
  EXPECT_TRUE(names.isOk());
  return names.isOk() ? std::set<std::string>(names->begin(), names->end())
                      : std::set<std::string>();
}

std::string seg(std::uint64_t seq) { return walSegmentName(seq); }

TEST(WalTest, RoundTrip) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    EXPECT_EQ(*wal->append("one"), 1u);
    EXPECT_EQ(*wal->append(""), 2u);
    EXPECT_EQ(*wal->append(std::string(1000, 'x')), 3u);  // larger than a segment: alone in one
    std::vector<std::pair<std::uint64_t, std::string>> expected = {
        {1, "one"}, {2, ""}, {3, std::string(1000, 'x')}};
    EXPECT_EQ(replayAll(*wal), expected);
    EXPECT_EQ(replayAll(*wal, 2), std::vector(expected.begin() + 1, expected.end()));
    WalStats s = wal->stats();
    EXPECT_EQ(s.appends, 3u);
    EXPECT_EQ(s.payload_bytes, 1003u);
    EXPECT_EQ(s.next_lsn, 4u);
    EXPECT_EQ(s.durable_lsn, 3u);
    EXPECT_EQ(s.group_commits, 3u);
    EXPECT_EQ(s.rotations, 1u);
  }
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  std::vector<std::pair<std::uint64_t, std::string>> expected = {
      {1, "one"}, {2, ""}, {3, std::string(1000, 'x')}};
  EXPECT_EQ(replayAll(*wal), expected);
  EXPECT_TRUE(wal->damage().empty());
}

TEST(WalTest, RoundTripOnTheRealFileSystem) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WalOptions o = smallOptions();
  o.dir = dir.path() + "/wal";
  {
    std::unique_ptr<Wal> wal = openOrDie(realFileSystem(), o);
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 11);
  }
  std::unique_ptr<Wal> wal = openOrDie(realFileSystem(), o);
  ASSERT_TRUE(wal);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(1, 11));
  EXPECT_EQ(*wal->append(testPayload(11)), 11u);
}

TEST(WalTest, RejectsOversizedPayloadsAndBadOptions) {
  MemFileSystem fs;
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  Result<std::uint64_t> big = wal->append(std::string(kWalMaxPayloadSize + 1, 'x'));
  EXPECT_EQ(big.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(*wal->append("after"), 1u);  // no LSN was used up
  EXPECT_EQ(Wal::open(fs, WalOptions{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(WalTest, SegmentsRotateAtSegmentBytes) {
  MemFileSystem fs;
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  appendRange(*wal, 1, 10);  // 4 + 4 + 1
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(2), seg(3)}));
  EXPECT_EQ(*fs.fileSize(std::string(kDir) + "/" + seg(1)), 32 + 4 * kRecord);
  EXPECT_EQ(*fs.fileSize(std::string(kDir) + "/" + seg(3)), 32 + kRecord);
  EXPECT_EQ(wal->stats().rotations, 2u);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(1, 10));
  EXPECT_EQ(lsnsOf(replayAll(*wal, 6)), range(6, 10));
}

TEST(WalTest, ReopenContinuesLsnsInTheLastSegment) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 6);
  }
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    EXPECT_EQ(wal->stats().next_lsn, 6u);
    appendRange(*wal, 6, 9);  // fills segment 2 (5..8)
  }
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(2)}));  // segment 2 was reused
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  // Segment 2 is full now: appending starts a new one.
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(2), seg(3)}));
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(1, 9));
  appendRange(*wal, 9, 10);
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(2), seg(3)}));
}

// A file system whose syncs take a while, as a disk's do, so that appenders queue behind the
// leader. Everything else is the wrapped MemFileSystem.
class SlowSyncFileSystem final : public FileSystem {
 public:
  explicit SlowSyncFileSystem(FileSystem& base) : base_(base) {}
  Status createDirs(const std::string& p) override { return base_.createDirs(p); }
  Result<std::vector<std::string>> listDir(const std::string& p) override {
    return base_.listDir(p);
  }
  Result<std::uint64_t> fileSize(const std::string& p) override { return base_.fileSize(p); }
  bool exists(const std::string& p) override { return base_.exists(p); }
  Result<std::string> readFile(const std::string& p) override { return base_.readFile(p); }
  Result<std::string> readRange(const std::string& p, std::uint64_t o, std::size_t n) override {
    return base_.readRange(p, o, n);
  }
  Result<std::unique_ptr<WritableFile>> openAppend(const std::string& p) override {
    Result<std::unique_ptr<WritableFile>> f = base_.openAppend(p);
    if (!f.isOk()) return f.status();
    return std::unique_ptr<WritableFile>(new File(std::move(f).value()));
  }
  Status rename(const std::string& f, const std::string& t) override { return base_.rename(f, t); }
  Status remove(const std::string& p) override { return base_.remove(p); }
  Status truncate(const std::string& p, std::uint64_t s) override { return base_.truncate(p, s); }

 private:
  class File final : public WritableFile {
   public:
    explicit File(std::unique_ptr<WritableFile> f) : f_(std::move(f)) {}
    Status append(std::string_view d) override { return f_->append(d); }
    Status flush() override { return f_->flush(); }
    Status sync() override {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return f_->sync();
    }
    Status close() override { return f_->close(); }

   private:
    std::unique_ptr<WritableFile> f_;
  };
  FileSystem& base_;
};

TEST(WalTest, ConcurrentAppendsShareSyncs) {
  MemFileSystem mem;
  SlowSyncFileSystem fs(mem);
  WalOptions o = smallOptions();
  o.segment_bytes = 8 << 10;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  // lsns[t][i]: the LSN append i of thread t got; its payload is testPayload(t * 1000 + i).
  std::vector<std::vector<std::uint64_t>> lsns(kThreads);
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, o);
    ASSERT_TRUE(wal);
    const std::uint64_t syncs_at_open = wal->stats().syncs;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          Result<std::uint64_t> lsn =
              wal->append(testPayload(static_cast<std::uint64_t>(t * 1000 + i), 50 + i));
          if (!lsn.isOk()) return;
          lsns[static_cast<std::size_t>(t)].push_back(*lsn);
          // Under kEveryCommit an acknowledged LSN is already durable.
          if (wal->stats().durable_lsn < *lsn) lsns[static_cast<std::size_t>(t)].push_back(0);
        }
      });
    }
    for (std::thread& th : threads) th.join();
    WalStats s = wal->stats();
    EXPECT_EQ(s.appends, std::uint64_t{kThreads * kPerThread});
    EXPECT_LT(s.syncs - syncs_at_open, s.appends);
    EXPECT_LT(s.group_commits, s.appends);
    EXPECT_GT(s.max_group_size, 1u);
    std::uint64_t grouped = 0;
    for (std::uint64_t b : s.group_size_buckets) grouped += b;
    EXPECT_EQ(grouped, s.group_commits);
  }
  std::map<std::uint64_t, std::uint64_t> expected;  // lsn -> payload index
  for (int t = 0; t < kThreads; ++t) {
    const auto& v = lsns[static_cast<std::size_t>(t)];
    ASSERT_EQ(v.size(), std::size_t{kPerThread}) << "thread " << t;
    for (int i = 0; i < kPerThread; ++i) {
      ASSERT_NE(v[static_cast<std::size_t>(i)], 0u);
      if (i > 0) {
        EXPECT_GT(v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(i) - 1]);
      }
      EXPECT_TRUE(expected.emplace(v[static_cast<std::size_t>(i)], t * 1000 + i).second);
    }
  }
  std::unique_ptr<Wal> wal = openOrDie(fs, o);
  ASSERT_TRUE(wal);
  std::vector<std::pair<std::uint64_t, std::string>> replayed = replayAll(*wal);
  ASSERT_EQ(replayed.size(), expected.size());
  auto it = expected.begin();
  for (const auto& [lsn, payload] : replayed) {  // every LSN once, in order, with its payload
    EXPECT_EQ(lsn, it->first);
    EXPECT_EQ(payloadIndex(payload), it->second);
    ++it;
  }
  EXPECT_EQ(replayed.front().first, 1u);
  EXPECT_EQ(replayed.back().first, std::uint64_t{kThreads * kPerThread});
}

TEST(WalTest, IntervalPolicyReturnsBeforeSyncAndFlushesInTheBackground) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  WalOptions o = smallOptions();
  o.sync = SyncPolicy::kInterval;
  o.sync_interval = std::chrono::milliseconds(20);
  std::unique_ptr<Wal> wal = openOrDie(fs, o);
  ASSERT_TRUE(wal);
  appendRange(*wal, 1, 3);
  // The flusher makes them durable; waiting here does not measure speed, it only waits.
  for (int i = 0; i < 1000 && wal->stats().durable_lsn < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(wal->stats().durable_lsn, 2u);
  EXPECT_EQ(fs.syncedSize(std::string(kDir) + "/" + seg(1)), 32 + 2 * kRecord);
}

TEST(WalTest, NonePolicySyncsOnlyWhenAsked) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  WalOptions o = smallOptions();
  o.sync = SyncPolicy::kNone;
  std::unique_ptr<Wal> wal = openOrDie(fs, o);
  ASSERT_TRUE(wal);
  const std::string path = std::string(kDir) + "/" + seg(1);
  appendRange(*wal, 1, 3);
  EXPECT_EQ(wal->stats().durable_lsn, 0u);
  EXPECT_EQ(fs.syncedSize(path), 32u);
  ASSERT_TRUE(wal->sync().isOk());
  EXPECT_EQ(wal->stats().durable_lsn, 2u);
  EXPECT_EQ(fs.syncedSize(path), 32 + 2 * kRecord);
  appendRange(*wal, 3, 4);
  ASSERT_TRUE(wal->checkpoint(3).isOk());  // a checkpoint makes its LSN durable first
  EXPECT_EQ(wal->stats().durable_lsn, 3u);
  EXPECT_EQ(fs.syncedSize(path), 32 + 3 * kRecord);
}

TEST(WalTest, CheckpointDeletesSegmentsWhollyBelowIt) {
  MemFileSystem fs;
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  appendRange(*wal, 1, 15);  // segments 1..4 hold 1-4, 5-8, 9-12, 13-14
  EXPECT_EQ(wal->checkpoint(15).code(), StatusCode::kInvalidArgument);  // never given out
  ASSERT_TRUE(wal->checkpoint(7).isOk());                               // segment 2 still holds 8
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(2), seg(3), seg(4)}));
  ASSERT_TRUE(wal->checkpoint(12).isOk());
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(4)}));
  EXPECT_EQ(wal->stats().checkpoint_deleted_segments, 3u);
  EXPECT_EQ(lsnsOf(replayAll(*wal, 13)), range(13, 15));
  ASSERT_TRUE(wal->checkpoint(13).isOk());  // the active segment is never deleted
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(4)}));
  wal.reset();  // 14 is not checkpointed: the files stay
  wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_EQ(*wal->append(testPayload(15)), 15u);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(13, 16));
}

TEST(WalTest, ClosingAFullyCheckpointedLogDeletesItsFiles) {
  MemFileSystem fs;
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  appendRange(*wal, 1, 15);
  ASSERT_TRUE(wal->checkpoint(14).isOk());
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(4)}));  // while open, the active one stays
  wal.reset();
  EXPECT_TRUE(files(fs).empty());
  // The owner's checkpoint keeps LSNs moving forward.
  WalOptions o = smallOptions();
  o.min_next_lsn = 15;
  wal = openOrDie(fs, o);
  ASSERT_TRUE(wal);
  EXPECT_EQ(*wal->append(testPayload(15)), 15u);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(15, 16));
}

TEST(WalTest, ReplayStopsAtTheCallbacksError) {
  MemFileSystem fs;
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  appendRange(*wal, 1, 6);
  std::vector<std::uint64_t> seen;
  Status st = wal->replay(1, [&](std::uint64_t lsn, std::string_view) {
    seen.push_back(lsn);
    return lsn == 3 ? invalidArgument("stop") : Status::ok();
  });
  EXPECT_EQ(st, invalidArgument("stop"));
  EXPECT_EQ(seen, range(1, 4));
}

TEST(WalTest, TornTailIsTruncated) {
  MemFileSystem fs;
  const std::string path = std::string(kDir) + "/" + seg(1);
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 4);
  }
  // A crash in the middle of writing record 4: half a record, then zeros.
  std::string torn;
  appendWalRecord(torn, 4, testPayload(4));
  torn = torn.substr(0, 50) + std::string(30, '\0');
  {
    Result<std::unique_ptr<WritableFile>> f = fs.openAppend(path);
    ASSERT_TRUE(f.isOk());
    ASSERT_TRUE((*f)->append(torn).isOk());
  }
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  WalStats s = wal->stats();
  EXPECT_EQ(s.torn_tails, 1u);
  EXPECT_EQ(s.torn_bytes, 80u);
  EXPECT_EQ(s.corrupt_segments, 0u);
  ASSERT_EQ(wal->damage().size(), 1u);
  EXPECT_EQ(wal->damage()[0].kind, WalDamage::Kind::kTornTail);
  EXPECT_EQ(wal->damage()[0].offset, 32 + 3 * kRecord);
  EXPECT_EQ(*fs.fileSize(path), 32 + 3 * kRecord);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(1, 4));
  EXPECT_EQ(*wal->append(testPayload(4)), 4u);  // appended where the torn record was
  wal.reset();
  wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_TRUE(wal->damage().empty());
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(1, 5));
}

TEST(WalTest, TornSegmentCreationIsRemoved) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 5);  // segment 1 full
  }
  {
    Result<std::unique_ptr<WritableFile>> f = fs.openAppend(std::string(kDir) + "/" + seg(2));
    ASSERT_TRUE(f.isOk());
    ASSERT_TRUE((*f)->append(encodeWalSegmentHeader({2, 5}).substr(0, 20)).isOk());
  }
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_EQ(wal->stats().torn_tails, 1u);
  EXPECT_EQ(wal->stats().torn_bytes, 20u);
  EXPECT_EQ(*wal->append(testPayload(5)), 5u);
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(3)}));
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(1, 6));
}

TEST(WalTest, FlippedByteQuarantinesTheSegmentAndLaterSegmentsStillReplay) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 13);  // segments 1..3: 1-4, 5-8, 9-12
  }
  // Flip a payload byte of LSN 6, the second record of segment 2.
  const std::string path2 = std::string(kDir) + "/" + seg(2);
  ASSERT_TRUE(fs.overwrite(path2, 32 + kRecord + 20 + 10, "!").isOk());
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  WalStats s = wal->stats();
  EXPECT_EQ(s.corrupt_segments, 1u);
  EXPECT_EQ(s.quarantined_segments, 1u);
  EXPECT_EQ(s.corrupt_records, 3u);  // 6, 7, 8
  EXPECT_EQ(s.corrupt_bytes, 3 * kRecord);
  EXPECT_EQ(s.torn_tails, 0u);
  ASSERT_EQ(wal->damage().size(), 1u);
  const WalDamage d = wal->damage()[0];
  EXPECT_EQ(d.kind, WalDamage::Kind::kCorrupt);
  EXPECT_EQ(d.segment, 2u);
  EXPECT_EQ(d.offset, 32 + kRecord);
  EXPECT_EQ(d.bytes_lost, 3 * kRecord);
  EXPECT_EQ(d.records_lost, 3u);
  EXPECT_EQ(d.quarantined_as, walSegmentName(2, WalFileKind::kCorrupt));
  EXPECT_EQ(d.reason, "record checksum mismatch");
  // The evidence is kept whole; the segment keeps its valid prefix (LSN 5).
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(2), seg(3), seg(4),
                                              walSegmentName(2, WalFileKind::kCorrupt)}));
  EXPECT_EQ(*fs.fileSize(path2 + ".corrupt"), 32 + 4 * kRecord);
  EXPECT_EQ(*fs.fileSize(path2), 32 + kRecord);
  std::vector<std::uint64_t> expected = {1, 2, 3, 4, 5, 9, 10, 11, 12};
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
  // Appends go on after the highest LSN; the next open finds nothing new.
  EXPECT_EQ(*wal->append(testPayload(13)), 13u);
  wal.reset();
  wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_TRUE(wal->damage().empty());
  expected.push_back(13);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
}

TEST(WalTest, CorruptionInTheLastSegmentIsNotTakenForATornTail) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 4);
  }
  // The first record of the only segment is damaged; 2 and 3 are intact after it.
  ASSERT_TRUE(fs.overwrite(std::string(kDir) + "/" + seg(1), 32 + 4, "\x7f").isOk());
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_EQ(wal->stats().torn_tails, 0u);
  EXPECT_EQ(wal->stats().corrupt_records, 3u);
  ASSERT_EQ(wal->damage().size(), 1u);
  EXPECT_EQ(wal->damage()[0].records_lost, 3u);
  // No valid prefix: the file is only renamed. LSNs go on above the highest one seen (3).
  EXPECT_EQ(files(fs), (std::set<std::string>{walSegmentName(1, WalFileKind::kCorrupt), seg(2)}));
  EXPECT_TRUE(replayAll(*wal).empty());
  EXPECT_EQ(*wal->append(testPayload(4)), 4u);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), range(4, 5));
}

TEST(WalTest, CorruptSegmentHeaderQuarantinesTheWholeSegment) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 10);
  }
  ASSERT_TRUE(fs.overwrite(std::string(kDir) + "/" + seg(2), 9, "\x55").isOk());
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  ASSERT_EQ(wal->damage().size(), 1u);
  EXPECT_EQ(wal->damage()[0].segment, 2u);
  EXPECT_EQ(wal->damage()[0].records_lost, 4u);  // 5..8: up to segment 3's first LSN
  EXPECT_EQ(wal->damage()[0].reason, "wal segment header: checksum mismatch");
  std::vector<std::uint64_t> expected = {1, 2, 3, 4, 9};
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
}

TEST(WalTest, CorruptionFoundDuringReplayIsQuarantined) {
  MemFileSystem fs;
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  appendRange(*wal, 1, 10);
  // Damage after open: LSN 7 (third record of sealed segment 2).
  ASSERT_TRUE(fs.overwrite(std::string(kDir) + "/" + seg(2), 32 + 2 * kRecord + 30, "?").isOk());
  std::vector<std::uint64_t> expected = {1, 2, 3, 4, 5, 6, 9};
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
  ASSERT_EQ(wal->damage().size(), 1u);
  EXPECT_EQ(wal->damage()[0].records_lost, 2u);
  EXPECT_EQ(wal->damage()[0].quarantined_as, walSegmentName(2, WalFileKind::kCorrupt));
  EXPECT_EQ(wal->stats().quarantined_segments, 1u);
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);  // nothing new the second time
  EXPECT_EQ(wal->damage().size(), 1u);
  wal.reset();
  wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_TRUE(wal->damage().empty());
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
}

TEST(WalTest, InterruptedQuarantineIsFinishedAtOpen) {
  MemFileSystem fs;
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 10);
  }
  const std::string dir = kDir;
  // As if a crash hit between "rename .log to .corrupt" and "rename .tmp to .log" for segment 2,
  // whose valid prefix is LSN 5 and 6.
  Result<std::string> whole = fs.readFile(dir + "/" + seg(2));
  ASSERT_TRUE(whole.isOk());
  ASSERT_TRUE(
      fs.rename(dir + "/" + seg(2), dir + "/" + walSegmentName(2, WalFileKind::kCorrupt)).isOk());
  {
    Result<std::unique_ptr<WritableFile>> f =
        fs.openAppend(dir + "/" + walSegmentName(2, WalFileKind::kTemp));
    ASSERT_TRUE(f.isOk());
    ASSERT_TRUE((*f)->append(whole->substr(0, 32 + 2 * kRecord)).isOk());
  }
  // And an unfinished step 1 for segment 3: a partial .tmp beside an intact .log.
  {
    Result<std::unique_ptr<WritableFile>> f =
        fs.openAppend(dir + "/" + walSegmentName(3, WalFileKind::kTemp));
    ASSERT_TRUE(f.isOk());
    ASSERT_TRUE((*f)->append("partial").isOk());
  }
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_TRUE(wal->damage().empty());
  EXPECT_EQ(files(fs), (std::set<std::string>{seg(1), seg(2), seg(3),
                                              walSegmentName(2, WalFileKind::kCorrupt)}));
  std::vector<std::uint64_t> expected = {1, 2, 3, 4, 5, 6, 9};
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
  EXPECT_EQ(*wal->append(testPayload(10)), 10u);
}

TEST(WalTest, FailedWriteIsUndoneAndTheWalStaysUsable) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  {
    std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
    ASSERT_TRUE(wal);
    appendRange(*wal, 1, 3);
    fs.failNextAppends(1, ENOSPC, /*write_partial=*/true);
    EXPECT_EQ(wal->append(testPayload(3)).status().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(*wal->append(testPayload(4)), 4u);  // LSN 3 is burned; a new segment holds 4
    fs.failNextSyncs(1, EIO);
    EXPECT_FALSE(wal->append(testPayload(5)).isOk());
    EXPECT_EQ(*wal->append(testPayload(6)), 6u);
    EXPECT_EQ(wal->stats().append_failures, 2u);
    std::vector<std::uint64_t> expected = {1, 2, 4, 6};
    EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
  }
  std::unique_ptr<Wal> wal = openOrDie(fs, smallOptions());
  ASSERT_TRUE(wal);
  EXPECT_TRUE(wal->damage().empty());  // the failed records were cut off cleanly
  std::vector<std::uint64_t> expected = {1, 2, 4, 6};
  EXPECT_EQ(lsnsOf(replayAll(*wal)), expected);
  EXPECT_EQ(*wal->append(testPayload(7)), 7u);
}

}  // namespace
}  // namespace sextant::storage

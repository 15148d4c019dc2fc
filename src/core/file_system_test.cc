#include "core/file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <set>

#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"

namespace sextant {
namespace {

using testing::FaultInjectionFileSystem;
using testing::MemFileSystem;
using testing::TempDir;
using CrashMode = FaultInjectionFileSystem::CrashMode;

Status writeAll(FileSystem& fs, const std::string& path, std::string_view data, bool sync) {
  Result<std::unique_ptr<WritableFile>> f = fs.openAppend(path);
  if (!f.isOk()) return f.status();
  SEXTANT_RETURN_IF_ERROR((*f)->append(data));
  if (sync) SEXTANT_RETURN_IF_ERROR((*f)->sync());
  return (*f)->close();
}

std::string readOrDie(FileSystem& fs, const std::string& path) {
  Result<std::string> r = fs.readFile(path);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? *r : std::string();
}

// The FileSystem contract, run against the real file system (true) and the in-memory one.
class FileSystemContractTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { ASSERT_FALSE(tmp_.path().empty()); }
  FileSystem& fs() { return GetParam() ? realFileSystem() : mem_; }
  // A directory that exists on either file system.
  std::string root() {
    if (GetParam()) return tmp_.path();
    EXPECT_TRUE(mem_.createDirs("/root").isOk());
    return "/root";
  }

  TempDir tmp_;
  MemFileSystem mem_;
};

TEST_P(FileSystemContractTest, CreateDirsMakesParentsAndIsIdempotent) {
  const std::string dir = joinPath(root(), "a/b/c");
  ASSERT_TRUE(fs().createDirs(dir).isOk());
  EXPECT_TRUE(fs().exists(dir));
  EXPECT_TRUE(fs().exists(joinPath(root(), "a/b")));
  EXPECT_TRUE(fs().createDirs(dir).isOk());
  // A file in the way is an error.
  ASSERT_TRUE(writeAll(fs(), joinPath(root(), "file"), "x", false).isOk());
  EXPECT_FALSE(fs().createDirs(joinPath(root(), "file")).isOk());
}

TEST_P(FileSystemContractTest, AppendReadAndRanges) {
  const std::string path = joinPath(root(), "data");
  EXPECT_FALSE(fs().exists(path));
  ASSERT_TRUE(writeAll(fs(), path, "hello ", true).isOk());
  ASSERT_TRUE(writeAll(fs(), path, "world", false).isOk());  // reopening appends
  EXPECT_TRUE(fs().exists(path));
  EXPECT_EQ(readOrDie(fs(), path), "hello world");
  Result<std::uint64_t> size = fs().fileSize(path);
  ASSERT_TRUE(size.isOk());
  EXPECT_EQ(*size, 11u);

  Result<std::string> r = fs().readRange(path, 6, 5);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, "world");
  r = fs().readRange(path, 8, 100);  // short at the end
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, "rld");
  r = fs().readRange(path, 11, 4);  // at the end: empty, not an error
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, "");
  r = fs().readRange(path, 1000, 4);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, "");
}

TEST_P(FileSystemContractTest, LargeAppendRoundTrips) {
  const std::string path = joinPath(root(), "big");
  std::string data(1 << 20, '\0');
  std::mt19937 rng(7);
  for (char& c : data) c = static_cast<char>(rng());
  ASSERT_TRUE(writeAll(fs(), path, data, true).isOk());
  EXPECT_EQ(readOrDie(fs(), path), data);
  Result<std::string> r = fs().readRange(path, 12345, 70000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, data.substr(12345, 70000));
}

TEST_P(FileSystemContractTest, ListDirNamesEntries) {
  const std::string dir = joinPath(root(), "list");
  ASSERT_TRUE(fs().createDirs(joinPath(dir, "sub")).isOk());
  ASSERT_TRUE(writeAll(fs(), joinPath(dir, "one"), "1", false).isOk());
  ASSERT_TRUE(writeAll(fs(), joinPath(dir, "two"), "2", false).isOk());
  ASSERT_TRUE(writeAll(fs(), joinPath(dir, "sub/deeper"), "3", false).isOk());
  Result<std::vector<std::string>> names = fs().listDir(dir);
  ASSERT_TRUE(names.isOk());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"one", "sub", "two"}));
}

TEST_P(FileSystemContractTest, RenameReplacesAtomically) {
  const std::string a = joinPath(root(), "a");
  const std::string b = joinPath(root(), "b");
  ASSERT_TRUE(writeAll(fs(), a, "new", true).isOk());
  ASSERT_TRUE(writeAll(fs(), b, "old contents", true).isOk());
  ASSERT_TRUE(fs().rename(a, b).isOk());
  EXPECT_FALSE(fs().exists(a));
  EXPECT_EQ(readOrDie(fs(), b), "new");
}

TEST_P(FileSystemContractTest, RemoveAndTruncate) {
  const std::string path = joinPath(root(), "t");
  ASSERT_TRUE(writeAll(fs(), path, "0123456789", true).isOk());
  ASSERT_TRUE(fs().truncate(path, 4).isOk());
  EXPECT_EQ(readOrDie(fs(), path), "0123");
  ASSERT_TRUE(writeAll(fs(), path, "xy", false).isOk());  // appends after the cut
  EXPECT_EQ(readOrDie(fs(), path), "0123xy");
  ASSERT_TRUE(fs().remove(path).isOk());
  EXPECT_FALSE(fs().exists(path));
  EXPECT_EQ(fs().remove(path).code(), StatusCode::kNotFound);
}

TEST_P(FileSystemContractTest, MissingThingsAreNotFound) {
  const std::string missing = joinPath(root(), "nope");
  EXPECT_EQ(fs().readFile(missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs().readRange(missing, 0, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs().fileSize(missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs().listDir(missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs().openAppend(joinPath(missing, "f")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs().rename(missing, joinPath(root(), "x")).code(), StatusCode::kNotFound);
  EXPECT_EQ(fs().truncate(missing, 0).code(), StatusCode::kNotFound);
}

TEST_P(FileSystemContractTest, ClosedFileRejectsWrites) {
  Result<std::unique_ptr<WritableFile>> f = fs().openAppend(joinPath(root(), "c"));
  ASSERT_TRUE(f.isOk());
  ASSERT_TRUE((*f)->close().isOk());
  EXPECT_FALSE((*f)->append("x").isOk());
  EXPECT_FALSE((*f)->sync().isOk());
  EXPECT_FALSE((*f)->close().isOk());
}

TEST_P(FileSystemContractTest, WriteFileAtomicallyReplacesAndCleansUp) {
  const std::string path = joinPath(root(), "cursor");
  ASSERT_TRUE(writeFileAtomically(fs(), path, "first").isOk());
  EXPECT_EQ(readOrDie(fs(), path), "first");
  // A stale temp file from an earlier crash must not leak into the result.
  ASSERT_TRUE(writeAll(fs(), path + ".tmp", "garbage from a crash", false).isOk());
  ASSERT_TRUE(writeFileAtomically(fs(), path, "second").isOk());
  EXPECT_EQ(readOrDie(fs(), path), "second");
  EXPECT_FALSE(fs().exists(path + ".tmp"));
}

INSTANTIATE_TEST_SUITE_P(RealAndMem, FileSystemContractTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? std::string("Real") : std::string("Mem");
                         });

TEST(FileSystemTest, JoinPath) {
  EXPECT_EQ(joinPath("/a", "b"), "/a/b");
  EXPECT_EQ(joinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(joinPath("", "b"), "b");
}

TEST(FileSystemTest, ErrnoMapsToCodes) {
  EXPECT_EQ(errnoToStatus(ENOSPC, "write").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(errnoToStatus(ENOENT, "open").code(), StatusCode::kNotFound);
  EXPECT_EQ(errnoToStatus(EACCES, "open").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(errnoToStatus(EIO, "fsync").code(), StatusCode::kInternal);
  EXPECT_NE(errnoToStatus(EIO, "fsync x").message().find("fsync x: "), std::string::npos);
}

// ---- FaultInjectionFileSystem ----

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mem_.createDirs("/d").isOk()); }

  MemFileSystem mem_;
  FaultInjectionFileSystem fault_{mem_};
};

TEST_F(FaultInjectionTest, FailsTheNextAppendsThenRecovers) {
  Result<std::unique_ptr<WritableFile>> f = fault_.openAppend("/d/f");
  ASSERT_TRUE(f.isOk());
  fault_.failNextAppends(2, ENOSPC);
  EXPECT_EQ((*f)->append("aaaa").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ((*f)->append("bbbb").code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE((*f)->append("cccc").isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/f"), "cccc");  // failed appends wrote nothing
}

TEST_F(FaultInjectionTest, PartialAppendWritesHalf) {
  Result<std::unique_ptr<WritableFile>> f = fault_.openAppend("/d/f");
  ASSERT_TRUE(f.isOk());
  fault_.failNextAppends(1, ENOSPC, /*write_partial=*/true);
  EXPECT_EQ((*f)->append("12345678").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(readOrDie(mem_, "/d/f"), "1234");
}

TEST_F(FaultInjectionTest, FailsTheNextTruncates) {
  ASSERT_TRUE(writeAll(fault_, "/d/f", "0123456789", true).isOk());
  fault_.failNextTruncates(1, EIO);
  EXPECT_EQ(fault_.truncate("/d/f", 2).code(), StatusCode::kInternal);
  EXPECT_EQ(readOrDie(mem_, "/d/f"), "0123456789");
  EXPECT_TRUE(fault_.truncate("/d/f", 2).isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/f"), "01");
}

TEST_F(FaultInjectionTest, FailedSyncLeavesDataUnsynced) {
  Result<std::unique_ptr<WritableFile>> f = fault_.openAppend("/d/f");
  ASSERT_TRUE(f.isOk());
  ASSERT_TRUE((*f)->append("synced").isOk());
  ASSERT_TRUE((*f)->sync().isOk());
  ASSERT_TRUE((*f)->append("-lost").isOk());
  fault_.failNextSyncs(1, EIO);
  EXPECT_EQ((*f)->sync().code(), StatusCode::kInternal);
  EXPECT_EQ(fault_.syncedSize("/d/f"), 6u);
  ASSERT_TRUE(fault_.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/f"), "synced");
}

TEST_F(FaultInjectionTest, DropUnsyncedKeepsExactlyTheSyncedBytes) {
  Result<std::unique_ptr<WritableFile>> a = fault_.openAppend("/d/a");
  Result<std::unique_ptr<WritableFile>> b = fault_.openAppend("/d/b");
  ASSERT_TRUE(a.isOk() && b.isOk());
  ASSERT_TRUE((*a)->append("a-synced").isOk());
  ASSERT_TRUE((*a)->sync().isOk());
  ASSERT_TRUE((*a)->append("a-unsynced").isOk());
  ASSERT_TRUE((*b)->append("b-never-synced").isOk());
  ASSERT_TRUE(fault_.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/a"), "a-synced");
  EXPECT_EQ(readOrDie(mem_, "/d/b"), "");  // the file exists (directory entries are durable)
}

// Writes `synced` (synced) then `unsynced` (not) to a fresh file, crashes, returns what is left.
std::string afterCrash(CrashMode mode, std::uint64_t seed, const std::string& synced,
                       const std::string& unsynced) {
  MemFileSystem mem;
  EXPECT_TRUE(mem.createDirs("/d").isOk());
  FaultInjectionFileSystem fault(mem);
  EXPECT_TRUE(writeAll(fault, "/d/f", synced, true).isOk());
  EXPECT_TRUE(writeAll(fault, "/d/f", unsynced, false).isOk());
  EXPECT_TRUE(fault.crash(mode, seed).isOk());
  return readOrDie(mem, "/d/f");
}

TEST(FaultInjectionCrashTest, TornWriteKeepsARandomPrefixOfTheUnsyncedBytes) {
  const std::string synced = "durable|";
  const std::string unsynced = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::set<size_t> sizes_seen;
  for (std::uint64_t seed = 0; seed < 64; ++seed) {
    std::string got = afterCrash(CrashMode::kTornWrite, seed, synced, unsynced);
    ASSERT_GE(got.size(), synced.size());
    ASSERT_LE(got.size(), synced.size() + unsynced.size());
    EXPECT_EQ(got, (synced + unsynced).substr(0, got.size())) << "seed " << seed;
    sizes_seen.insert(got.size());
  }
  EXPECT_GT(sizes_seen.size(), 10u);  // the prefix length really varies with the seed
}

TEST(FaultInjectionCrashTest, TornWriteGarbageNeverTouchesSyncedBytes) {
  const std::string synced = "durable|";
  const std::string unsynced(100, 'u');
  bool saw_garbage = false;
  for (std::uint64_t seed = 0; seed < 64; ++seed) {
    std::string got = afterCrash(CrashMode::kTornWriteGarbage, seed, synced, unsynced);
    ASSERT_GE(got.size(), synced.size());
    ASSERT_LE(got.size(), synced.size() + unsynced.size());
    EXPECT_EQ(got.substr(0, synced.size()), synced);
    if (got.find_first_not_of('u', synced.size()) != std::string::npos) saw_garbage = true;
  }
  EXPECT_TRUE(saw_garbage);
}

TEST_F(FaultInjectionTest, EverythingFailsAfterACrashUntilRestart) {
  Result<std::unique_ptr<WritableFile>> f = fault_.openAppend("/d/f");
  ASSERT_TRUE(f.isOk());
  ASSERT_TRUE((*f)->append("x").isOk());
  ASSERT_TRUE(fault_.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ((*f)->append("y").code(), StatusCode::kUnavailable);
  EXPECT_EQ((*f)->sync().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fault_.readFile("/d/f").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fault_.openAppend("/d/g").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fault_.rename("/d/f", "/d/h").code(), StatusCode::kUnavailable);
  EXPECT_FALSE(fault_.exists("/d/f"));

  fault_.restart();
  EXPECT_TRUE(fault_.exists("/d/f"));
  EXPECT_EQ((*f)->append("z").code(), StatusCode::kUnavailable);  // opened before the crash
  ASSERT_TRUE(writeAll(fault_, "/d/f", "after", true).isOk());
  EXPECT_EQ(readOrDie(fault_, "/d/f"), "after");
}

TEST_F(FaultInjectionTest, FailAfterStopsAtTheGivenOperation) {
  Result<std::unique_ptr<WritableFile>> f = fault_.openAppend("/d/f");
  ASSERT_TRUE(f.isOk());
  fault_.failAfter(3);
  EXPECT_TRUE((*f)->append("1").isOk());
  EXPECT_TRUE((*f)->sync().isOk());
  EXPECT_TRUE((*f)->append("2").isOk());
  EXPECT_EQ((*f)->append("3").code(), StatusCode::kUnavailable);
  EXPECT_EQ(fault_.remove("/d/f").code(), StatusCode::kUnavailable);
  ASSERT_TRUE(fault_.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/f"), "1");
}

TEST_F(FaultInjectionTest, RenameCarriesSyncStateAndTruncateIsDurable) {
  // An unsynced file renamed into place loses its data in a crash: what writeFileAtomically's
  // sync before rename is for.
  ASSERT_TRUE(writeAll(fault_, "/d/tmp1", "unsynced", false).isOk());
  ASSERT_TRUE(fault_.rename("/d/tmp1", "/d/one").isOk());
  ASSERT_TRUE(writeFileAtomically(fault_, "/d/two", "synced").isOk());
  ASSERT_TRUE(writeAll(fault_, "/d/three", "0123456789", true).isOk());
  ASSERT_TRUE(fault_.truncate("/d/three", 5).isOk());
  ASSERT_TRUE(fault_.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/one"), "");
  EXPECT_EQ(readOrDie(mem_, "/d/two"), "synced");
  EXPECT_EQ(readOrDie(mem_, "/d/three"), "01234");
}

TEST_F(FaultInjectionTest, PreexistingFilesCountAsSynced) {
  ASSERT_TRUE(writeAll(mem_, "/d/old", "before", false).isOk());
  ASSERT_TRUE(writeAll(fault_, "/d/old", "+after", false).isOk());
  EXPECT_EQ(fault_.syncedSize("/d/old"), 6u);
  ASSERT_TRUE(fault_.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ(readOrDie(mem_, "/d/old"), "before");
}

// The wrapper over the real file system: a crash really truncates the file on disk.
TEST(FaultInjectionRealFsTest, CrashTruncatesRealFiles) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  FaultInjectionFileSystem fault(realFileSystem());
  const std::string path = joinPath(tmp.path(), "f");
  Result<std::unique_ptr<WritableFile>> f = fault.openAppend(path);
  ASSERT_TRUE(f.isOk());
  ASSERT_TRUE((*f)->append("kept").isOk());
  ASSERT_TRUE((*f)->sync().isOk());
  ASSERT_TRUE((*f)->append("dropped").isOk());
  ASSERT_TRUE(fault.crash(CrashMode::kDropUnsynced, 1).isOk());
  EXPECT_EQ(readOrDie(realFileSystem(), path), "kept");
}

}  // namespace
}  // namespace sextant

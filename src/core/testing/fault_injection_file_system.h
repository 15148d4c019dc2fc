// FaultInjectionFileSystem: wraps another FileSystem and lets a test make it fail and crash
// (LevelDB's FaultInjectionTestEnv). Test-only.
//
// - failNextAppends / failNextSyncs / failNextTruncates: the next N such calls fail with an
//   errno (ENOSPC, EIO, ...), mapped like the real file system maps it.
// - failAfter(n): the "process" stops after n more mutating calls (createDirs, openAppend,
//   append, sync, rename, remove, truncate): that call and every later call fails.
// - crash(mode, seed): power loss. Every file written through this file system loses what was
//   not synced: exactly (kDropUnsynced), all but a random prefix (kTornWrite), or all but a random
//   prefix followed by random bytes or zeros (kTornWriteGarbage, what a file system may show
//   after a crash in the middle of extending a file). Afterwards every call fails until
//   restart(); WritableFiles opened before stay dead.
//
// What counts as synced follows FileSystem's durability contract: bytes appended before a
// successful sync(); the whole file after truncate(); files that existed before the wrapper first
// opened them are synced in full. Directory entries are always durable (the real file system
// syncs directories in openAppend/rename/createDirs); a removed file stays removed.
//
// Ownership: `base` is borrowed and must outlive this object and every file opened through it.
// Thread-safety: every method may be called from any thread (one mutex, held across calls to
// the base file system).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/file_system.h"

namespace sextant::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  enum class CrashMode { kDropUnsynced, kTornWrite, kTornWriteGarbage };

  explicit FaultInjectionFileSystem(FileSystem& base);

  // The next n appends fail with error_number. With write_partial, each failing append first
  // writes the first half of its data (a short write, as ENOSPC may leave).
  void failNextAppends(int n, int error_number, bool write_partial = false);
  // The next n syncs fail with error_number (the data stays unsynced).
  void failNextSyncs(int n, int error_number);
  // The next n truncates fail with error_number (the file is unchanged).
  void failNextTruncates(int n, int error_number);
  // After n more mutating calls every call fails (Unavailable), as if the process had stopped.
  void failAfter(std::int64_t n);
  // Power loss now: drops unsynced data as `mode` says, then fails every call until restart().
  Status crash(CrashMode mode, std::uint64_t seed);
  // Back to normal after a crash or failAfter(): faults cleared, everything on disk is synced.
  void restart();

  // Bytes of `path` that survive a crash (for tests of this class).
  std::uint64_t syncedSize(const std::string& path);

  Status createDirs(const std::string& path) override;
  Result<std::vector<std::string>> listDir(const std::string& path) override;
  Result<std::uint64_t> fileSize(const std::string& path) override;
  bool exists(const std::string& path) override;
  Result<std::string> readFile(const std::string& path) override;
  Result<std::string> readRange(const std::string& path, std::uint64_t offset,
                                std::size_t n) override;
  Result<std::unique_ptr<WritableFile>> openAppend(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status truncate(const std::string& path, std::uint64_t size) override;

 private:
  class File;
  struct FileState {
    std::uint64_t size = 0;
    std::uint64_t synced = 0;
  };

  // Ok, or the error every call returns once the file system is dead.
  Status checkAlive();
  // checkAlive(), then spends one mutating call of the failAfter() budget.
  Status beginMutation();

  FileSystem& base_;
  std::mutex mu_;
  bool dead_ = false;
  std::uint64_t generation_ = 0;  // bumped by restart(); Files from older generations are dead
  std::int64_t ops_left_ = -1;    // -1: unlimited
  int append_failures_ = 0;
  int append_errno_ = 0;
  bool append_partial_ = false;
  int sync_failures_ = 0;
  int sync_errno_ = 0;
  int truncate_failures_ = 0;
  int truncate_errno_ = 0;
  // Files written through this wrapper, by current name; open Files share the state.
  std::map<std::string, std::shared_ptr<FileState>> files_;
};

}  // namespace sextant::testing

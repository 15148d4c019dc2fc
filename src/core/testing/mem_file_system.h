// MemFileSystem: a FileSystem held entirely in memory, for tests (LevelDB's MemEnv). Fast and
// deterministic: crash tests that run thousands of synced puts use it under
// FaultInjectionFileSystem instead of paying for real fsyncs.
//
// Semantics follow POSIX where tests can tell: files live in directories that must exist,
// createDirs() makes parents, a file removed or renamed over while open stays writable through
// the open WritableFile (its data just is no longer reachable by name), sync() is a no-op (there
// is nothing to lose: crashes are simulated by FaultInjectionFileSystem).
// Thread-safety: every method may be called from any thread (one internal mutex).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/file_system.h"

namespace sextant::testing {

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();

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

  // Overwrites bytes in place (tests use it to flip bits in a file). Fails past the end.
  Status overwrite(const std::string& path, std::uint64_t offset, std::string_view data);

 private:
  class File;
  using Data = std::shared_ptr<std::string>;

  std::mutex mu_;
  std::set<std::string> dirs_;
  std::map<std::string, Data> files_;
};

}  // namespace sextant::testing

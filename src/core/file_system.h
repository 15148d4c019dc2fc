// FileSystem: the seam through which Sextant's persistent state touches files (LevelDB's Env,
// reduced to what its users need). Production code takes a `FileSystem&`; realFileSystem() is
// POSIX, tests substitute MemFileSystem or FaultInjectionFileSystem (src/core/testing/).
//
// Paths are plain strings joined with '/'. Every call returns Status / Result; errno values map
// to codes by errnoToStatus() (ENOSPC -> ResourceExhausted, ENOENT -> NotFound, ...).
//
// Durability contract (what callers may rely on after a crash of the process or the host):
// - WritableFile::sync() returning ok makes every byte appended before it durable.
// - A file created by openAppend() exists after a crash once openAppend() returned (its directory
//   entry is synced), though its unsynced contents may be lost or torn.
// - rename() and createDirs() are durable on return (the parent directories are synced).
// - truncate() is durable on return (the file is synced).
// - remove() is not synced: a removed file may reappear after a crash.
//
// Thread-safety: realFileSystem() and the test file systems may be used from any number of
// threads; one WritableFile must be used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant {

// A file open for appending. Owned by whoever called openAppend(); the destructor closes the file
// (without syncing) when close() was not called.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends data at the end of the file. A failed append may have written a prefix of data.
  virtual Status append(std::string_view data) = 0;
  // Hands data buffered in user space to the OS (a no-op for implementations without a buffer).
  virtual Status flush() = 0;
  // flush(), then makes the data durable (fdatasync).
  virtual Status sync() = 0;
  // Closes the file; later calls fail. Does not sync.
  virtual Status close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // mkdir -p. Ok when the directory exists already.
  virtual Status createDirs(const std::string& path) = 0;
  // Names (not paths) of the entries in a directory, without "." and "..", in no given order.
  virtual Result<std::vector<std::string>> listDir(const std::string& path) = 0;
  virtual Result<std::uint64_t> fileSize(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;
  // The whole file.
  virtual Result<std::string> readFile(const std::string& path) = 0;
  // Up to n bytes from offset; fewer (possibly none) only at the end of the file.
  virtual Result<std::string> readRange(const std::string& path, std::uint64_t offset,
                                        std::size_t n) = 0;
  // Opens (creating it when missing) a file for appending at its end.
  virtual Result<std::unique_ptr<WritableFile>> openAppend(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  // Cuts a file to `size` bytes (size must not exceed the file's size).
  virtual Status truncate(const std::string& path, std::uint64_t size) = 0;
};

// The POSIX file system (open/pwrite/fdatasync/rename, directory fsync). Never destroyed.
FileSystem& realFileSystem();

// `dir + "/" + name` (no doubled '/').
std::string joinPath(std::string_view dir, std::string_view name);

// Replaces `path` with `data` atomically and durably: writes `path + ".tmp"`, syncs it and renames
// it over `path`. After a crash `path` holds either the old or the new contents in full.
Status writeFileAtomically(FileSystem& fs, const std::string& path, std::string_view data);

// The Status for a failed system call: "<what>: <strerror>" with a code chosen by errno.
Status errnoToStatus(int error_number, std::string_view what);

}  // namespace sextant

// CheckpointStore: the durable read positions of the logging input, one record per tailed file,
// in one file under <install_dir>/cache/ (format below and in docs/inputs/logging.md).
//
// A file is identified by (device, inode) plus a fingerprint: a 64-bit FNV-1a hash of its first
// fp_len bytes (fp_len = min(size, 1 KiB) when it was recorded). A record whose fingerprint no
// longer matches the file at that inode belongs to an earlier file (the inode was reused) and is
// ignored.
//
// File format (text, version 1), written whole to "<path>.tmp", fsync'd, renamed over <path>,
// and the directory fsync'd, so a crash leaves either the old or the new file:
//   sextant-logging-checkpoint 1
//   <dev> <ino> <fp_len> <fp_hash hex> <offset> <updated_ns> =<source> =<path>  (one per file;
//                                          source and path percent-escaped: '%', ' ', '\n')
//   end <count> <crc32c hex of every byte before this line>
// A file that does not parse or fails its checksum is ignored as a whole (loadError() says why):
// the input then starts files by its start rules, as on a first run.
//
// Ownership: open() returns a store shared by every logging input of the process that names the
// same path (so two [[inputs.logging]] tables do not overwrite each other's records).
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/status.h"

namespace sextant::agent::inputs::logging {

inline constexpr uint32_t kFingerprintBytes = 1024;

struct Fingerprint {
  uint32_t len = 0;   // bytes hashed
  uint64_t hash = 0;  // FNV-1a 64 of those bytes
  bool operator==(const Fingerprint&) const = default;
};

// The fingerprint of an open file: its first min(size, max_len) bytes (pread, offset 0), or of
// exactly `len` bytes when len is given (nullopt: the file is shorter than that now).
Result<Fingerprint> fingerprintFile(int fd, uint32_t max_len = kFingerprintBytes);
Result<std::optional<Fingerprint>> fingerprintPrefix(int fd, uint32_t len);

struct Checkpoint {
  uint64_t dev = 0;
  uint64_t ino = 0;
  Fingerprint fp;
  uint64_t offset = 0;     // read position: every byte before it was fed
  int64_t updated_ns = 0;  // wall clock of the last update
  std::string source;
  std::string path;  // the path it was last read under (informational)
};

class CheckpointStore {
 public:
  // The store of `path` (created on the first flush; its directory is created). I/O errors other
  // than a missing file fail; a corrupt file gives an empty store and loadError().
  static Result<std::shared_ptr<CheckpointStore>> open(const std::string& path);

  std::optional<Checkpoint> find(uint64_t dev, uint64_t ino) const;
  void put(const Checkpoint& checkpoint);
  void erase(uint64_t dev, uint64_t ino);
  // Drops records last updated before `ns` (wall clock).
  void pruneOlderThan(int64_t ns);
  size_t size() const;

  // Writes the records when anything changed since the last flush (temp + fsync + rename).
  Status flush();

  const std::string& path() const { return path_; }
  std::string loadError() const;

  explicit CheckpointStore(std::string path) : path_(std::move(path)) {}

 private:
  Status load();

  const std::string path_;
  mutable std::mutex mu_;
  std::map<std::pair<uint64_t, uint64_t>, Checkpoint> records_;
  bool dirty_ = false;
  std::string load_error_;
};

}  // namespace sextant::agent::inputs::logging

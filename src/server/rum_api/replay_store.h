// ReplayStore: durable storage of RUM session-replay segments on the server's disk.
//
// Layout: <root>/<workspace>/<app_id>/<session_id>/<seq> holds one segment's bytes as uploaded
// (the SDK's deflate-compressed rrweb records); <root>/<workspace>/<app_id>/<session_id>/index
// lists them (rum_model.h: encodeReplayIndex, one CRC-checked line per segment). Both are written
// with writeFileAtomically (temp file, fsync, rename, directory fsync): after a crash a segment
// file is either whole or absent, and the index lists only whole segments (a segment written but
// not yet indexed is overwritten by the next upload of that session). Sequence numbers start at 0
// per session and grow by one.
// Retention: removeOlderThan() drops whole sessions whose newest segment was stored before the
// cutoff.
//
// Ownership: borrows the FileSystem (must outlive the store). Thread-safety: every method may be
// called from any thread; appends and retention are serialised by one mutex, reads are not.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"
#include "server/rum_api/rum_model.h"

namespace sextant::server::rum_api {

class ReplayStore {
 public:
  ReplayStore(FileSystem& fs, std::string root) : fs_(fs), root_(std::move(root)) {}

  // Stores one segment (ids must be validId; the caller checked sizes) and returns its index
  // entry.
  Result<ReplaySegmentInfo> append(const std::string& workspace, const ReplaySegmentMeta& meta,
                                   std::int64_t now_ns);

  struct SessionReplay {
    std::string app_id;
    std::vector<ReplaySegmentInfo> segments;  // by seq
  };
  // The segments of a session; app_id "" searches every app of the workspace (the first with the
  // session wins). NotFound when there is none.
  Result<SessionReplay> list(const std::string& workspace, const std::string& app_id,
                             const std::string& session_id);
  // One segment's bytes and its index entry. NotFound when absent.
  Result<std::pair<ReplaySegmentInfo, std::string>> read(const std::string& workspace,
                                                         const std::string& app_id,
                                                         const std::string& session_id,
                                                         std::int64_t seq);

  // Removes the sessions (every workspace and app) whose newest segment was stored before
  // cutoff_ns. Returns how many sessions were removed.
  Result<std::int64_t> removeOlderThan(std::int64_t cutoff_ns);

 private:
  std::string sessionDir(const std::string& ws, const std::string& app,
                         const std::string& session) const;
  Result<std::vector<ReplaySegmentInfo>> readIndex(const std::string& dir);
  Status removeSession(const std::string& dir);

  FileSystem& fs_;
  const std::string root_;
  std::mutex mu_;
};

}  // namespace sextant::server::rum_api

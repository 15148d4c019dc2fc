// ReplayStore: see replay_store.h.
#include "server/rum_api/replay_store.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace sextant::server::rum_api {
namespace {

constexpr const char* kIndexName = "index";

bool isSeqName(const std::string& n) {
  return !n.empty() && n.size() <= 9 &&
         std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string ReplayStore::sessionDir(const std::string& ws, const std::string& app,
                                    const std::string& session) const {
  return joinPath(joinPath(joinPath(root_, ws), app), session);
}

Result<std::vector<ReplaySegmentInfo>> ReplayStore::readIndex(const std::string& dir) {
  const std::string path = joinPath(dir, kIndexName);
  if (!fs_.exists(path)) return std::vector<ReplaySegmentInfo>{};
  Result<std::string> text = fs_.readFile(path);
  if (!text.isOk()) return text.status();
  return decodeReplayIndex(*text);
}

Result<ReplaySegmentInfo> ReplayStore::append(const std::string& workspace,
                                              const ReplaySegmentMeta& meta, std::int64_t now_ns) {
  if (!validId(workspace) || !validId(meta.app_id) || !validId(meta.session_id)) {
    return invalidArgument("replay: invalid workspace, app or session id");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string dir = sessionDir(workspace, meta.app_id, meta.session_id);
  SEXTANT_RETURN_IF_ERROR(fs_.createDirs(dir));
  Result<std::vector<ReplaySegmentInfo>> index = readIndex(dir);
  if (!index.isOk()) return index.status();
  ReplaySegmentInfo info;
  info.seq = index->empty() ? 0 : index->back().seq + 1;
  info.view_id = meta.view_id;
  info.start_ms = meta.start_ms;
  info.end_ms = meta.end_ms;
  info.records_count = meta.records_count;
  info.size = static_cast<std::int64_t>(meta.data.size());
  info.stored_ns = now_ns;
  info.content_type = meta.content_type;
  info.creation_reason = meta.creation_reason;
  info.has_full_snapshot = meta.has_full_snapshot;
  SEXTANT_RETURN_IF_ERROR(
      writeFileAtomically(fs_, joinPath(dir, std::to_string(info.seq)), meta.data));
  index->push_back(info);
  SEXTANT_RETURN_IF_ERROR(
      writeFileAtomically(fs_, joinPath(dir, kIndexName), encodeReplayIndex(*index)));
  return info;
}

Result<ReplayStore::SessionReplay> ReplayStore::list(const std::string& workspace,
                                                     const std::string& app_id,
                                                     const std::string& session_id) {
  if (!validId(workspace) || !validId(session_id) || (!app_id.empty() && !validId(app_id))) {
    return invalidArgument("replay: invalid id");
  }
  std::vector<std::string> apps;
  if (!app_id.empty()) {
    apps.push_back(app_id);
  } else {
    const std::string ws_dir = joinPath(root_, workspace);
    if (fs_.exists(ws_dir)) {
      Result<std::vector<std::string>> names = fs_.listDir(ws_dir);
      if (!names.isOk()) return names.status();
      apps = std::move(names).value();
      std::sort(apps.begin(), apps.end());
    }
  }
  for (const std::string& app : apps) {
    if (!validId(app)) continue;
    const std::string dir = sessionDir(workspace, app, session_id);
    if (!fs_.exists(joinPath(dir, kIndexName))) continue;
    Result<std::vector<ReplaySegmentInfo>> index = readIndex(dir);
    if (!index.isOk()) return index.status();
    if (index->empty()) continue;
    return SessionReplay{app, std::move(index).value()};
  }
  return notFound("no replay for session " + session_id);
}

Result<std::pair<ReplaySegmentInfo, std::string>> ReplayStore::read(const std::string& workspace,
                                                                    const std::string& app_id,
                                                                    const std::string& session_id,
                                                                    std::int64_t seq) {
  Result<SessionReplay> s = list(workspace, app_id, session_id);
  if (!s.isOk()) return s.status();
  for (const ReplaySegmentInfo& info : s->segments) {
    if (info.seq != seq) continue;
    Result<std::string> data =
        fs_.readFile(joinPath(sessionDir(workspace, s->app_id, session_id), std::to_string(seq)));
    if (!data.isOk()) return data.status();
    if (static_cast<std::int64_t>(data->size()) != info.size) {
      return dataLoss("replay segment " + std::to_string(seq) + " of " + session_id +
                      " has the wrong size");
    }
    return std::make_pair(info, std::move(data).value());
  }
  return notFound("no segment " + std::to_string(seq) + " in the replay of " + session_id);
}

Status ReplayStore::removeSession(const std::string& dir) {
  Result<std::vector<std::string>> names = fs_.listDir(dir);
  if (!names.isOk()) return names.status();
  // The index goes first: a crash midway leaves segment files without an index, which a later
  // upload overwrites and a later retention pass (no index: stored time unknown) removes.
  if (fs_.exists(joinPath(dir, kIndexName))) {
    SEXTANT_RETURN_IF_ERROR(fs_.remove(joinPath(dir, kIndexName)));
  }
  for (const std::string& n : *names) {
    if (n == kIndexName) continue;
    SEXTANT_RETURN_IF_ERROR(fs_.remove(joinPath(dir, n)));
  }
  // The FileSystem seam has no rmdir: the empty directory goes through std::filesystem.
  std::error_code ec;
  std::filesystem::remove(dir, ec);
  if (ec) return internalError("remove " + dir + ": " + ec.message());
  return Status::ok();
}

Result<std::int64_t> ReplayStore::removeOlderThan(std::int64_t cutoff_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  std::int64_t removed = 0;
  if (!fs_.exists(root_)) return removed;
  Result<std::vector<std::string>> wss = fs_.listDir(root_);
  if (!wss.isOk()) return wss.status();
  for (const std::string& ws : *wss) {
    if (!validId(ws)) continue;
    Result<std::vector<std::string>> apps = fs_.listDir(joinPath(root_, ws));
    if (!apps.isOk()) continue;  // a stray file
    for (const std::string& app : *apps) {
      if (!validId(app)) continue;
      Result<std::vector<std::string>> sessions = fs_.listDir(joinPath(joinPath(root_, ws), app));
      if (!sessions.isOk()) continue;
      for (const std::string& session : *sessions) {
        if (!validId(session)) continue;
        const std::string dir = sessionDir(ws, app, session);
        Result<std::vector<ReplaySegmentInfo>> index = readIndex(dir);
        std::int64_t newest = INT64_MIN;
        if (index.isOk()) {
          for (const ReplaySegmentInfo& s : *index) newest = std::max(newest, s.stored_ns);
        }
        // An unreadable or empty index (crash before the first index write): nothing to keep.
        if (index.isOk() && !index->empty() && newest >= cutoff_ns) continue;
        if (!index.isOk() && index.status().code() != StatusCode::kDataLoss) continue;
        Result<std::vector<std::string>> files = fs_.listDir(dir);
        if (!files.isOk()) continue;
        if (std::any_of(files->begin(), files->end(), [](const std::string& n) {
              return n != kIndexName && !isSeqName(n) && !n.ends_with(".tmp");
            })) {
          continue;  // not a directory we wrote: leave it
        }
        SEXTANT_RETURN_IF_ERROR(removeSession(dir));
        ++removed;
      }
    }
  }
  return removed;
}

}  // namespace sextant::server::rum_api

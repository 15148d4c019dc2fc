// RUM sourcemap bundles on the agent's disk and the symbolication of browser error stacks, as
// DataKit's rum input does (datakit-inputs.md §4: /v1/sourcemap, error_stack_source_base64).
//
// Layout: <data_dir>/<platform>/<app_id>-<env>-<version>.zip, data_dir being
// <install_dir>/data/rum (DataKit's data/rum/web, data/rum/miniapp). Platforms: web and miniapp
// (JavaScript source maps); android and ios (R8/ProGuard, NDK, dSYM) are not supported.
// Inside a zip, the map of a frame's URL is the URL's path plus ".map" (no leading '/'), either
// at the archive's root or under a top-level folder named <app_id>-<env>-<version>
// (js/app.min.js -> "js/app.min.js.map" or "<app_id>-<env>-<version>/js/app.min.js.map").
//
// Cache: opened zips (their bytes and directory) and the maps parsed from them stay in memory,
// least recently used first out once their bytes exceed cache_bytes. A zip is re-read when its
// size or modification time changes (a file copied in by hand is picked up without a restart),
// and dropped when it is removed or replaced through put()/remove(). A zip that cannot be opened
// is remembered as such (not re-read for every error) until its size or mtime changes.
//
// Thread-safety: every method may be called concurrently (one mutex; symbolicate() holds it
// while it parses a map, so the first error of a new version waits for that parse).
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "codec/sourcemap/sourcemap.h"
#include "codec/zip/zip.h"
#include "core/status.h"

namespace sextant::agent::inputs::rum {

struct SourcemapKey {
  std::string platform = "web";  // "web" or "miniapp"
  std::string app_id;
  std::string env;
  std::string version;
};

// The platform of an error point from its sdk_name tag ("df_web_rum_sdk" -> "web",
// "df_miniapp_rum_sdk" -> "miniapp"); "" for other SDKs (android, ios, flutter ...).
std::string platformOfSdk(std::string_view sdk_name);

class SourcemapStore {
 public:
  SourcemapStore(std::string data_dir, size_t cache_bytes, codec::zip::ZipLimits limits = {});

  // InvalidArgument unless platform is web/miniapp (Unimplemented for android/ios) and app_id,
  // env and version are 1..128 characters of [A-Za-z0-9_.-], none "." or "..": the names can
  // never leave <data_dir>/<platform>.
  static Status checkKey(const SourcemapKey& key);
  // <data_dir>/<platform>/<app_id>-<env>-<version>.zip (key must pass checkKey).
  std::string zipPath(const SourcemapKey& key) const;

  // Checks that `zip` is an archive this store can read (openZip with the limits) and replaces
  // the key's zip with it atomically.
  Status put(const SourcemapKey& key, std::string_view zip);
  // NotFound when there is no zip for the key.
  Status remove(const SourcemapKey& key);

  // The stack with every frame that maps rewritten (codec/sourcemap's symbolicateStack);
  // nullopt when the key has no zip (or the zip cannot be opened: the error is returned).
  Result<std::optional<codec::sourcemap::SymbolicatedStack>> symbolicate(const SourcemapKey& key,
                                                                         std::string_view stack);

  size_t cachedBytes() const;

 private:
  struct Bundle {
    int64_t mtime_ns = 0;
    uint64_t file_size = 0;
    std::string bytes;
    codec::zip::ZipArchive archive;
    // Entry name -> parsed map (nullptr: the entry is not a valid map; not retried).
    std::map<std::string, std::unique_ptr<codec::sourcemap::SourceMap>, std::less<>> maps;
    size_t cost = 0;
    Status error;  // the zip could not be opened: kept (no bytes) until the file changes
  };
  // The bundle of `path`, (re)loaded when needed; nullptr when the file does not exist.
  Result<Bundle*> bundleLocked(const std::string& path);
  const codec::sourcemap::SourceMap* mapLocked(Bundle* b, const std::string& entry);
  void dropLocked(const std::string& path);
  void evictLocked(const std::string& keep);

  const std::string data_dir_;
  const size_t cache_bytes_;
  const codec::zip::ZipLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Bundle>, std::less<>> bundles_;
  std::list<std::string> lru_;  // most recently used first
  size_t cached_bytes_ = 0;
};

}  // namespace sextant::agent::inputs::rum

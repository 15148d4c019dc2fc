#include "agent/inputs/rum/sourcemap_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/file_system.h"

namespace sextant::agent::inputs::rum {
namespace {

namespace fs = std::filesystem;

bool safeName(std::string_view s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "https://host:8080/static/js/app.js?v=1#x" -> "static/js/app.js"; a URL without a scheme is
// taken as a path.
std::string urlPath(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    size_t slash = url.find('/', scheme + 3);
    url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  }
  size_t cut = url.find_first_of("?#");
  if (cut != std::string_view::npos) url = url.substr(0, cut);
  while (!url.empty() && url.front() == '/') url.remove_prefix(1);
  return std::string(url);
}

}  // namespace

std::string platformOfSdk(std::string_view sdk) {
  if (sdk.find("miniapp") != std::string_view::npos) return "miniapp";
  if (sdk.find("web") != std::string_view::npos) return "web";
  return "";
}

SourcemapStore::SourcemapStore(std::string data_dir, size_t cache_bytes,
                               codec::zip::ZipLimits limits)
    : data_dir_(std::move(data_dir)), cache_bytes_(cache_bytes), limits_(limits) {}

Status SourcemapStore::checkKey(const SourcemapKey& key) {
  if (key.platform == "android" || key.platform == "ios") {
    return Status(StatusCode::kUnimplemented,
                  "platform " + key.platform + " is not supported (web and miniapp only)");
  }
  if (key.platform != "web" && key.platform != "miniapp") {
    return invalidArgument("invalid platform [" + key.platform + "]");
  }
  if (key.app_id.empty()) return invalidArgument("app_id not found");
  if (key.env.empty()) return invalidArgument("env not found");
  if (key.version.empty()) return invalidArgument("version not found");
  for (const std::string* s : {&key.app_id, &key.env, &key.version}) {
    if (!safeName(*s)) {
      return invalidArgument("invalid name [" + *s +
                             "]: 1 to 128 characters of A-Z a-z 0-9 _ . - expected");
    }
  }
  return Status::ok();
}

std::string SourcemapStore::zipPath(const SourcemapKey& key) const {
  return joinPath(joinPath(data_dir_, key.platform),
                  key.app_id + "-" + key.env + "-" + key.version + ".zip");
}

Status SourcemapStore::put(const SourcemapKey& key, std::string_view zip) {
  Status s = checkKey(key);
  if (!s.isOk()) return s;
  auto archive = codec::zip::openZip(zip, limits_);
  if (!archive.isOk()) return archive.status();
  std::string path = zipPath(key);
  std::lock_guard<std::mutex> l(mu_);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec)
    return internalError("create " + fs::path(path).parent_path().string() + ": " + ec.message());
  s = writeFileAtomically(realFileSystem(), path, zip);
  dropLocked(path);
  return s;
}

Status SourcemapStore::remove(const SourcemapKey& key) {
  Status s = checkKey(key);
  if (!s.isOk()) return s;
  std::string path = zipPath(key);
  std::lock_guard<std::mutex> l(mu_);
  dropLocked(path);
  std::error_code ec;
  if (!fs::remove(path, ec)) {
    if (ec) return internalError("remove " + path + ": " + ec.message());
    return notFound("remove " + path + ": no such file or directory");
  }
  return Status::ok();
}

void SourcemapStore::dropLocked(const std::string& path) {
  auto it = bundles_.find(path);
  if (it == bundles_.end()) return;
  cached_bytes_ -= it->second->cost;
  bundles_.erase(it);
  lru_.remove(path);
}

void SourcemapStore::evictLocked(const std::string& keep) {
  while (cached_bytes_ > cache_bytes_ && !lru_.empty() && lru_.back() != keep) {
    std::string victim = lru_.back();
    dropLocked(victim);
  }
}

Result<SourcemapStore::Bundle*> SourcemapStore::bundleLocked(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    dropLocked(path);
    return static_cast<Bundle*>(nullptr);
  }
  auto mtime = fs::last_write_time(path, ec);
  int64_t mtime_ns =
      ec ? 0
         : std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  auto it = bundles_.find(path);
  if (it != bundles_.end() && it->second->file_size == size && it->second->mtime_ns == mtime_ns) {
    lru_.remove(path);
    lru_.push_front(path);
    if (!it->second->error.isOk()) return it->second->error;
    return it->second.get();
  }
  dropLocked(path);
  auto b = std::make_unique<Bundle>();
  b->file_size = size;
  b->mtime_ns = mtime_ns;
  // A zip copied in by hand is not bounded by the upload cap: refuse one larger than what its
  // entries may inflate to before reading it.
  Result<codec::zip::ZipArchive> archive = Status(StatusCode::kOutOfRange, "");
  if (size > limits_.max_total_bytes + (16u << 20)) {
    archive = outOfRange("zip file of " + std::to_string(size) + " bytes is too large");
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return static_cast<Bundle*>(nullptr);
    std::ostringstream ss;
    ss << in.rdbuf();
    b->bytes = std::move(ss).str();
    archive = codec::zip::openZip(b->bytes, limits_);
  }
  if (archive.isOk()) {
    b->archive = std::move(archive).value();
    b->cost = b->bytes.size() + b->archive.entries.size() * sizeof(codec::zip::ZipEntry);
  } else {
    b->error = Status(archive.status().code(), path + ": " + archive.status().message());
    b->bytes = std::string();
    b->cost = path.size() + b->error.message().size() + sizeof(Bundle);
  }
  cached_bytes_ += b->cost;
  Bundle* raw = b.get();
  bundles_.emplace(path, std::move(b));
  lru_.push_front(path);
  evictLocked(path);
  if (!raw->error.isOk()) return raw->error;
  return raw;
}

const codec::sourcemap::SourceMap* SourcemapStore::mapLocked(Bundle* b, const std::string& entry) {
  auto it = b->maps.find(entry);
  if (it != b->maps.end()) return it->second.get();
  const codec::zip::ZipEntry* e = codec::zip::findZipEntry(b->archive, entry);
  if (e == nullptr) return nullptr;
  std::unique_ptr<codec::sourcemap::SourceMap> parsed;
  auto data = codec::zip::readZipEntry(*e);
  if (data.isOk()) {
    auto m = codec::sourcemap::parseSourceMap(*data);
    if (m.isOk()) parsed = std::make_unique<codec::sourcemap::SourceMap>(std::move(m).value());
  }
  size_t cost = entry.size() + 64 + (parsed ? parsed->memoryBytes() : 0);
  b->cost += cost;
  cached_bytes_ += cost;
  const codec::sourcemap::SourceMap* out = parsed.get();
  b->maps.emplace(entry, std::move(parsed));
  return out;
}

Result<std::optional<codec::sourcemap::SymbolicatedStack>> SourcemapStore::symbolicate(
    const SourcemapKey& key, std::string_view stack) {
  if (!checkKey(key).isOk()) return std::optional<codec::sourcemap::SymbolicatedStack>();
  std::string path = zipPath(key);
  std::lock_guard<std::mutex> l(mu_);
  auto bundle = bundleLocked(path);
  if (!bundle.isOk()) return bundle.status();
  Bundle* b = *bundle;
  if (b == nullptr) return std::optional<codec::sourcemap::SymbolicatedStack>();
  const std::string folder = key.app_id + "-" + key.env + "-" + key.version + "/";
  auto out = codec::sourcemap::symbolicateStack(
      stack, [&](std::string_view url) -> const codec::sourcemap::SourceMap* {
        std::string entry = urlPath(url) + ".map";
        if (entry == ".map") return nullptr;
        if (codec::zip::findZipEntry(b->archive, entry) != nullptr) return mapLocked(b, entry);
        return mapLocked(b, folder + entry);
      });
  evictLocked(path);
  return std::optional<codec::sourcemap::SymbolicatedStack>(std::move(out));
}

size_t SourcemapStore::cachedBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return cached_bytes_;
}

}  // namespace sextant::agent::inputs::rum

#include "agent/inputs/logging/checkpoint_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

#include "core/crc32c.h"

namespace sextant::agent::inputs::logging {
namespace {

constexpr std::string_view kMagic = "sextant-logging-checkpoint 1\n";

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string errnoText(int e) { return std::strerror(e); }

Result<size_t> preadFull(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return internalError("pread: " + errnoText(errno));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    unsigned v = 0;
    for (int k = 1; k <= 2; ++k) {
      char c = s[i + static_cast<size_t>(k)];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    out->push_back(static_cast<char>(v));
    i += 2;
  }
  return true;
}

Status writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return internalError("write: " + errnoText(errno));
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return Status::ok();
}

std::mutex g_stores_mu;
std::map<std::string, std::weak_ptr<CheckpointStore>>& stores() {
  static auto* m = new std::map<std::string, std::weak_ptr<CheckpointStore>>();
  return *m;
}

}  // namespace

Result<Fingerprint> fingerprintFile(int fd, uint32_t max_len) {
  std::vector<char> buf(max_len);
  Result<size_t> n = preadFull(fd, buf.data(), buf.size());
  if (!n.isOk()) return n.status();
  return Fingerprint{static_cast<uint32_t>(*n), fnv1a(buf.data(), *n)};
}

Result<std::optional<Fingerprint>> fingerprintPrefix(int fd, uint32_t len) {
  std::vector<char> buf(len);
  Result<size_t> n = preadFull(fd, buf.data(), buf.size());
  if (!n.isOk()) return n.status();
  if (*n < len) return std::optional<Fingerprint>();
  return std::optional<Fingerprint>(Fingerprint{len, fnv1a(buf.data(), len)});
}

Result<std::shared_ptr<CheckpointStore>> CheckpointStore::open(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_stores_mu);
  auto& m = stores();
  if (auto it = m.find(path); it != m.end()) {
    if (auto s = it->second.lock()) return s;
  }
  auto store = std::make_shared<CheckpointStore>(path);
  SEXTANT_RETURN_IF_ERROR(store->load());
  m[path] = store;
  return store;
}

Status CheckpointStore::load() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::ok();
    return internalError("checkpoint " + path_ + ": open: " + errnoText(errno));
  }
  std::string data;
  char buf[65536];
  while (true) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return internalError("checkpoint " + path_ + ": read: " + errnoText(e));
    }
    if (r == 0) break;
    data.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);

  auto corrupt = [&](const std::string& why) {
    load_error_ = "checkpoint " + path_ + " ignored: " + why;
    records_.clear();
    return Status::ok();
  };
  if (!std::string_view(data).starts_with(kMagic)) return corrupt("bad header");
  size_t end_pos = data.rfind("end ");
  if (end_pos == std::string::npos || (end_pos > 0 && data[end_pos - 1] != '\n')) {
    return corrupt("no end line");
  }
  size_t count = 0;
  unsigned crc = 0;
  char tail = 0;
  if (std::sscanf(data.c_str() + end_pos, "end %zu %x%c", &count, &crc, &tail) != 3 ||
      tail != '\n') {
    return corrupt("bad end line");
  }
  if (crc32c(std::string_view(data).substr(0, end_pos)) != crc) return corrupt("checksum");
  std::istringstream in(data.substr(kMagic.size(), end_pos - kMagic.size()));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    Checkpoint c;
    std::string hash, source, path;
    if (!(ls >> c.dev >> c.ino >> c.fp.len >> hash >> c.offset >> c.updated_ns >> source >> path)) {
      return corrupt("bad record");
    }
    c.fp.hash = std::strtoull(hash.c_str(), nullptr, 16);
    if (!source.starts_with('=') || !path.starts_with('=') ||
        !unescape(std::string_view(source).substr(1), &c.source) ||
        !unescape(std::string_view(path).substr(1), &c.path)) {
      return corrupt("bad escape");
    }
    records_[{c.dev, c.ino}] = std::move(c);
  }
  if (records_.size() != count) return corrupt("record count");
  return Status::ok();
}

std::optional<Checkpoint> CheckpointStore::find(uint64_t dev, uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find({dev, ino});
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void CheckpointStore::put(const Checkpoint& checkpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  Checkpoint& c = records_[{checkpoint.dev, checkpoint.ino}];
  if (c.offset == checkpoint.offset && c.fp == checkpoint.fp && c.path == checkpoint.path &&
      c.source == checkpoint.source) {
    return;
  }
  c = checkpoint;
  dirty_ = true;
}

void CheckpointStore::erase(uint64_t dev, uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  if (records_.erase({dev, ino}) > 0) dirty_ = true;
}

void CheckpointStore::pruneOlderThan(int64_t ns) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = records_.begin(); it != records_.end();) {
    if (it->second.updated_ns < ns) {
      it = records_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

size_t CheckpointStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.size();
}

std::string CheckpointStore::loadError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return load_error_;
}

Status CheckpointStore::flush() {
  static std::mutex flush_mu;  // one writer of temp files at a time
  std::lock_guard<std::mutex> flush_lock(flush_mu);
  std::string data(kMagic);
  size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dirty_) return Status::ok();
    for (const auto& [key, c] : records_) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "%" PRIu64 " %" PRIu64 " %" PRIu32 " %016" PRIx64 " %" PRIu64 " %" PRId64 " ",
                    c.dev, c.ino, c.fp.len, c.fp.hash, c.offset, c.updated_ns);
      data += buf;
      data += '=' + escape(c.source);  // '=': an empty value is still a word
      data += " =";
      data += escape(c.path);
      data += '\n';
      ++count;
    }
    dirty_ = false;
  }
  char end[64];
  std::snprintf(end, sizeof end, "end %zu %08x\n", count, crc32c(data));
  data += end;

  auto fail = [&](Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
    return s;
  };
  std::filesystem::path p(path_);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(internalError("checkpoint " + tmp + ": open: " + errnoText(errno)));
  Status s = writeAll(fd, data);
  if (s.isOk() && ::fsync(fd) != 0) s = internalError("checkpoint fsync: " + errnoText(errno));
  ::close(fd);
  if (!s.isOk()) return fail(s);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    return fail(internalError("checkpoint rename: " + errnoText(errno)));
  }
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

}  // namespace sextant::agent::inputs::logging

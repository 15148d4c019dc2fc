#include "agent/inputs/logging/logging_input.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <set>
#include <unordered_map>

#include "agent/inputs/logging/checkpoint_store.h"

namespace sextant::agent::inputs::logging {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 256 * 1024;        // one read()
constexpr size_t kReadBudget = 4 * 1024 * 1024;  // per file per loop turn (fairness)
constexpr int kIdleWaitMs = 100;
// Checkpoints of files not read for this long are forgotten.
constexpr std::chrono::nanoseconds kPruneAfter = std::chrono::hours(24 * 7);
constexpr size_t kMaxGlobResults = 100000;
constexpr int kMaxGlobDepth = 32;

std::vector<std::string_view> splitPath(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) parts.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

bool hasMeta(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

bool componentMatch(std::string_view pattern, std::string_view name) {
  return ::fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), 0) == 0;
}

bool matchParts(const std::vector<std::string_view>& pat, size_t pi,
                const std::vector<std::string_view>& path, size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      // Zero or more directories.
      for (size_t k = si; k <= path.size(); ++k) {
        if (matchParts(pat, pi + 1, path, k)) return true;
      }
      return false;
    }
    if (si >= path.size() || !componentMatch(pat[pi], path[si])) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

// The names in `dir` (without "." and "..") that `keep` accepts, sorted; empty when unreadable.
std::vector<std::string> listDir(const std::string& dir,
                                 const std::function<bool(const std::string&)>& keep) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != ".." && keep(name)) names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

void expandRec(const std::string& dir, const std::vector<std::string_view>& pat, size_t pi,
               int depth, size_t limit, std::vector<std::string>* out) {
  if (out->size() >= limit || depth > kMaxGlobDepth) return;
  std::string base = dir.empty() ? "/" : dir;
  if (pi == pat.size()) {
    struct stat st;
    if (::stat(base.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out->push_back(dir);
    return;
  }
  std::string_view part = pat[pi];
  if (part == "**") {
    expandRec(dir, pat, pi + 1, depth + 1, limit, out);  // zero directories
    for (const std::string& n : listDir(base, [&](const std::string& name) {
           struct stat st;
           return ::lstat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
         })) {
      expandRec(dir + "/" + n, pat, pi, depth + 1, limit, out);  // one more directory
    }
    return;
  }
  if (!hasMeta(part)) {
    expandRec(dir + "/" + std::string(part), pat, pi + 1, depth + 1, limit, out);
    return;
  }
  std::vector<std::string> names =
      listDir(base, [&](const std::string& name) { return componentMatch(part, name); });
  for (const std::string& n : names) expandRec(dir + "/" + n, pat, pi + 1, depth + 1, limit, out);
}

// The directory part of a pattern before its first glob component (watched with inotify).
std::string staticPrefixDir(const std::string& pattern) {
  std::vector<std::string_view> parts = splitPath(pattern);
  std::string dir;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (hasMeta(parts[i])) break;
    dir += "/" + std::string(parts[i]);
  }
  return dir.empty() ? "/" : dir;
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view path) {
  return matchParts(splitPath(pattern), 0, splitPath(path), 0);
}

std::vector<std::string> globExpand(const std::string& pattern, size_t limit) {
  std::vector<std::string> out;
  if (pattern.empty() || pattern[0] != '/') return out;  // absolute paths only
  expandRec("", splitPath(pattern), 0, 0, limit, &out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// One tailed file.
struct TailedFile {
  std::string path;
  int fd = -1;
  uint64_t dev = 0;
  uint64_t ino = 0;
  Fingerprint fp;
  std::unique_ptr<LineDecoder> decoder;
  uint64_t committed = 0;  // checkpointable offset (everything before it was fed)
  bool dirty = false;      // committed changed since the last put()
  bool at_eof = false;     // the last read() returned 0
  Clock::time_point last_data;
  Clock::time_point last_stat;
  std::vector<model::Tag> tags;  // service, filepath, filename, [tags]
  ~TailedFile() {
    if (fd >= 0) ::close(fd);
  }
};

struct LoggingInput::Impl {
  LoggingInput* self;
  const LoggingConfig& cfg;
  Feeder* feeder;
  std::function<int64_t()> now_ns;
  std::shared_ptr<CheckpointStore> store;
  FeedOptions feed_options;
  std::string service;

  std::atomic<bool> stopping{false};
  int stop_fd = -1;
  int inotify_fd = -1;
  std::set<std::string> watched_dirs;
  bool rescan_requested = true;
  bool first_scan_done = false;
  std::set<std::string> seen_at_start;  // paths present at the first scan
  std::set<std::string> reported_errors;
  std::map<std::string, std::unique_ptr<TailedFile>> files;  // by path
  Clock::time_point last_scan;
  Clock::time_point last_checkpoint;
  std::vector<Entry> entries;  // scratch

  Impl(LoggingInput* s, const InputEnv& env)
      : self(s), cfg(s->config_), feeder(env.feeder), now_ns(env.now_ns) {
    feed_options.input = "logging";
    feed_options.durable = true;
    feed_options.pipeline = cfg.pipeline;
    feed_options.ignore_status = cfg.ignore_status;
    feed_options.field_white_list = cfg.field_white_list;
    feed_options.storage_index = cfg.storage_index;
    service = cfg.service.empty() ? cfg.source : cfg.service;
  }

  ~Impl() {
    if (stop_fd >= 0) ::close(stop_fd);
    if (inotify_fd >= 0) ::close(inotify_fd);
  }

  Stats& stats() { return self->stats_; }

  void reportError(const std::string& key, const std::string& message) {
    if (!reported_errors.insert(key).second) return;  // once per cause until it clears
    if (feeder != nullptr) feeder->reportError("logging", message);
  }

  bool ignored(const std::string& path) const {
    for (const std::string& g : cfg.ignore) {
      if (globMatch(g, path)) return true;
    }
    return false;
  }

  void watchDir(const std::string& dir) {
    if (inotify_fd < 0 || watched_dirs.count(dir) > 0) return;
    if (::inotify_add_watch(inotify_fd, dir.c_str(), IN_CREATE | IN_MOVED_TO) >= 0) {
      watched_dirs.insert(dir);
    }
  }

  // Wall-clock time of the last modification, in ns.
  static int64_t mtimeNs(const struct stat& st) {
    return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  }

  bool isDead(const struct stat& st) const {
    if (cfg.ignore_dead_log.count() <= 0) return false;
    return now_ns() - mtimeNs(st) > cfg.ignore_dead_log.count();
  }

  // Finds files by the globs and opens those not tailed yet.
  void scan() {
    stats().scans.fetch_add(1);
    last_scan = Clock::now();
    rescan_requested = false;
    std::set<std::pair<uint64_t, uint64_t>> open_ids;
    for (const auto& [p, f] : files) open_ids.insert({f->dev, f->ino});
    for (const std::string& pattern : cfg.logfiles) {
      watchDir(staticPrefixDir(pattern));
      for (const std::string& path : globExpand(pattern, kMaxGlobResults)) {
        if (ignored(path)) continue;
        if (!first_scan_done) seen_at_start.insert(path);
        if (files.count(path) > 0) continue;
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (open_ids.count({st.st_dev, st.st_ino}) > 0) continue;  // same file, other path
        if (isDead(st)) continue;
        if (cfg.max_open_files >= 0 && files.size() >= static_cast<size_t>(cfg.max_open_files)) {
          stats().skipped_max_open.fetch_add(1);
          reportError("max_open_files", "logging: max_open_files (" +
                                            std::to_string(cfg.max_open_files) +
                                            ") reached, some files are not tailed");
          continue;
        }
        bool new_file = first_scan_done && seen_at_start.count(path) == 0;
        if (openFile(path, new_file)) {
          open_ids.insert({files[path]->dev, files[path]->ino});
          watchDir(dirName(path));
        }
      }
    }
    first_scan_done = true;
  }

  // Opens `path`; created_after_start: read from 0 whatever its size (no checkpoint).
  bool openFile(const std::string& path, bool created_after_start) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      stats().open_errors.fetch_add(1);
      reportError("open:" + path, "logging: open " + path + ": " + std::strerror(errno));
      return false;
    }
    auto f = std::make_unique<TailedFile>();
    f->fd = fd;
    f->path = path;
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      stats().open_errors.fetch_add(1);
      return false;
    }
    reported_errors.erase("open:" + path);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t start = 0;
    bool from_checkpoint = false;
    if (std::optional<Checkpoint> cp = store->find(f->dev, f->ino)) {
      Result<std::optional<Fingerprint>> fp = fingerprintPrefix(fd, cp->fp.len);
      if (fp.isOk() && fp->has_value() && **fp == cp->fp && cp->offset <= size) {
        start = cp->offset;
        from_checkpoint = true;
      } else if (fp.isOk() && (!fp->has_value() || !(**fp == cp->fp))) {
        stats().inode_reuses.fetch_add(1);  // another file at that inode now
        store->erase(f->dev, f->ino);
      }
    }
    if (!from_checkpoint) {
      if (created_after_start || cfg.from_beginning || size < cfg.big_file_bytes) {
        start = 0;
      } else {
        start = size;
      }
    }
    if (::lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) {
      stats().open_errors.fetch_add(1);
      return false;
    }
    Result<std::unique_ptr<LineDecoder>> dec = LineDecoder::create(cfg.decoder, start);
    if (!dec.isOk()) {
      reportError("decoder", "logging: " + dec.status().message());
      return false;
    }
    f->decoder = std::move(*dec);
    f->committed = start;
    f->dirty = !from_checkpoint;
    if (Result<Fingerprint> fp = fingerprintFile(fd); fp.isOk()) f->fp = *fp;
    f->last_data = Clock::now();
    f->last_stat = Clock::now();
    f->tags.push_back({"filename", baseName(path)});
    f->tags.push_back({"filepath", path});
    f->tags.push_back({"service", service});
    for (const auto& [k, v] : cfg.tags) {
      if (k != "filename" && k != "filepath" && k != "service") f->tags.push_back({k, v});
    }
    std::sort(f->tags.begin(), f->tags.end(),
              [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
    files[path] = std::move(f);
    stats().files_opened.fetch_add(1);
    stats().files_open.store(files.size());
    return true;
  }

  // Feeds `entries` in batches, retrying a failed batch with backoff until it succeeds; false
  // when stop() came first (nothing after the failed batch was fed).
  bool feedEntries(const TailedFile& f) {
    size_t i = 0;
    while (i < entries.size()) {
      size_t n = 0;
      size_t bytes = 0;
      while (i + n < entries.size() && n < cfg.batch_lines && bytes < cfg.batch_bytes) {
        bytes += entries[i + n].message.size();
        ++n;
      }
      auto build = [&] {
        std::vector<model::Point> points;
        points.reserve(n);
        int64_t t0 = now_ns();
        for (size_t k = 0; k < n; ++k) {
          model::Point p;
          p.category = model::Category::kLogging;
          p.measurement = cfg.source;
          p.tags = f.tags;
          p.fields.reserve(2);
          p.addField("message", entries[i + k].message);
          p.addField("status", std::string("info"));
          // Read time, earlier entries 1 µs earlier, so the batch keeps its order.
          p.time_ns = t0 - static_cast<int64_t>(n - 1 - k) * 1000;
          points.push_back(std::move(p));
        }
        return points;
      };
      auto backoff = std::chrono::milliseconds(50);
      while (true) {
        Status s = feeder->feed(model::Category::kLogging, build(), feed_options);
        if (s.isOk()) break;
        stats().feed_errors.fetch_add(1);
        feeder->reportError("logging", "logging: feed " + f.path + ": " + s.message());
        if (!sleepUnlessStopped(backoff)) return false;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
      stats().entries_fed.fetch_add(n);
      i += n;
    }
    entries.clear();
    return true;
  }

  // Feeds what the decoder emitted; on success the checkpointable offset advances.
  bool commit(TailedFile* f) {
    if (!entries.empty() && !feedEntries(*f)) return false;
    uint64_t safe = f->decoder->safeOffset();
    if (safe != f->committed) {
      f->committed = safe;
      f->dirty = true;
    }
    return true;
  }

  bool sleepUnlessStopped(std::chrono::milliseconds d) {
    struct pollfd p = {stop_fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
    return !stopping.load();
  }

  // Reads what is new; false when nothing was read.
  bool pump(TailedFile* f) {
    static thread_local std::string buf;
    buf.resize(kReadChunk);
    size_t total = 0;
    while (total < kReadBudget && !stopping.load()) {
      ssize_t r = ::read(f->fd, buf.data(), buf.size());
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) {
          stats().open_errors.fetch_add(1);
          reportError("read:" + f->path, "logging: read " + f->path + ": " + std::strerror(errno));
        }
        break;
      }
      if (r == 0) {
        f->at_eof = true;
        break;
      }
      if (f->at_eof) {
        // New data after a pause: make sure it continues what we read (copytruncate followed by
        // writes past our offset before the next check looks the same as an append).
        f->at_eof = false;
        if (replaced(f)) {
          restartAtZero(f);
          continue;
        }
      }
      total += static_cast<size_t>(r);
      stats().bytes_read.fetch_add(static_cast<uint64_t>(r));
      f->decoder->push(std::string_view(buf.data(), static_cast<size_t>(r)), &entries);
      if (!commit(f)) return true;
    }
    if (total > 0) f->last_data = Clock::now();
    return total > 0;
  }

  enum class Check { kKeep, kClose, kReopen };

  // The file at our descriptor no longer holds what we read: smaller than our offset, or its
  // first bytes changed (truncated, then written past our offset before we looked).
  bool replaced(TailedFile* f) {
    struct stat fst;
    if (::fstat(f->fd, &fst) == 0 && static_cast<uint64_t>(fst.st_size) < f->decoder->offset()) {
      return true;
    }
    if (f->fp.len == 0 || f->decoder->offset() == 0) return false;
    Result<std::optional<Fingerprint>> fp = fingerprintPrefix(f->fd, f->fp.len);
    return fp.isOk() && (!fp->has_value() || !(**fp == f->fp));
  }

  // copytruncate / truncation: what was there is gone; start again at 0.
  void restartAtZero(TailedFile* f) {
    stats().truncations.fetch_add(1);
    ::lseek(f->fd, 0, SEEK_SET);
    f->decoder->reset(0);
    f->committed = 0;
    f->dirty = true;
    if (Result<Fingerprint> fp = fingerprintFile(f->fd); fp.isOk()) f->fp = *fp;
  }

  // At EOF: truncation, rotation, deletion, death.
  Check checkFile(TailedFile* f) {
    struct stat fst;
    if (::fstat(f->fd, &fst) != 0) return Check::kKeep;
    if (replaced(f)) {
      restartAtZero(f);
      return Check::kKeep;
    }
    struct stat st;
    if (::stat(f->path.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        stats().deletions.fetch_add(1);
        return Check::kClose;
      }
      return Check::kKeep;
    }
    if (static_cast<uint64_t>(st.st_dev) != f->dev || static_cast<uint64_t>(st.st_ino) != f->ino) {
      stats().rotations.fetch_add(1);
      return Check::kReopen;
    }
    if (isDead(fst)) {
      stats().dead_released.fetch_add(1);
      return Check::kClose;
    }
    return Check::kKeep;
  }

  // Emits the rest of a file that will not grow any more and records its final position.
  void drainAndRelease(TailedFile* f, bool deleted) {
    while (pump(f)) {
    }
    f->decoder->finish(&entries);
    if (!commit(f)) return;
    f->committed = f->decoder->offset();
    f->dirty = true;
    // Kept when deleted too: a rename seen as a deletion may still match the globs under its new
    // name. Old records are pruned (kPruneAfter).
    putCheckpoint(f);
    if (deleted) seen_at_start.erase(f->path);  // a file created there later starts at 0
  }

  void putCheckpoint(TailedFile* f) {
    if (!f->dirty) return;
    if (f->fp.len < kFingerprintBytes) {
      if (Result<Fingerprint> fp = fingerprintFile(f->fd); fp.isOk()) f->fp = *fp;
    }
    Checkpoint c;
    c.dev = f->dev;
    c.ino = f->ino;
    c.fp = f->fp;
    c.offset = f->committed;
    c.updated_ns = now_ns();
    c.source = cfg.source;
    c.path = f->path;
    store->put(c);
    f->dirty = false;
  }

  void persist() {
    last_checkpoint = Clock::now();
    store->pruneOlderThan(now_ns() - kPruneAfter.count());
    for (auto& [p, f] : files) putCheckpoint(f.get());
    Status s = store->flush();
    if (!s.isOk()) {
      stats().checkpoint_errors.fetch_add(1);
      reportError("checkpoint", "logging: " + s.message());
    } else {
      reported_errors.erase("checkpoint");
    }
  }

  void drainInotify() {
    if (inotify_fd < 0) return;
    alignas(struct inotify_event) char buf[8192];
    while (::read(inotify_fd, buf, sizeof buf) > 0) rescan_requested = true;
  }

  void run() {
    if (cfg.use_inotify) inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    scan();
    last_checkpoint = Clock::now();
    while (!stopping.load()) {
      Clock::time_point now = Clock::now();
      if (rescan_requested || now - last_scan >= cfg.rescan_interval) scan();
      bool progress = false;
      std::vector<std::string> to_close;
      std::vector<std::string> to_reopen;
      for (auto& [path, f] : files) {
        if (stopping.load()) break;
        if (pump(f.get())) {
          progress = true;
          continue;
        }
        now = Clock::now();
        if (f->decoder->hasPendingEntry() && now - f->last_data >= cfg.multiline_timeout) {
          f->decoder->flushPending(&entries);
          if (!commit(f.get())) break;
        }
        if (now - f->last_stat < cfg.stat_interval) continue;
        f->last_stat = now;
        switch (checkFile(f.get())) {
          case Check::kKeep: break;
          case Check::kClose: to_close.push_back(path); break;
          case Check::kReopen: to_reopen.push_back(path); break;
        }
      }
      for (const std::string& path : to_close) {
        auto it = files.find(path);
        struct stat st;
        bool deleted = ::stat(path.c_str(), &st) != 0;
        drainAndRelease(it->second.get(), deleted);
        if (stopping.load()) break;
        files.erase(it);
      }
      for (const std::string& path : to_reopen) {
        auto it = files.find(path);
        drainAndRelease(it->second.get(), false);
        if (stopping.load()) break;
        files.erase(it);
        seen_at_start.erase(path);
        openFile(path, /*created_after_start=*/true);
      }
      stats().files_open.store(files.size());
      if (Clock::now() - last_checkpoint >= cfg.checkpoint_interval) persist();
      if (!progress && !stopping.load()) {
        struct pollfd p[2] = {{stop_fd, POLLIN, 0}, {inotify_fd, POLLIN, 0}};
        ::poll(p, inotify_fd >= 0 ? 2 : 1, kIdleWaitMs);
        drainInotify();
      }
    }
    persist();
  }
};

LoggingInput::LoggingInput(LoggingConfig config, const InputEnv& env)
    : config_(std::move(config)), env_(env) {}

LoggingInput::~LoggingInput() { stop(); }

Result<std::unique_ptr<LoggingInput>> LoggingInput::create(LoggingConfig config,
                                                           const InputEnv& env) {
  if (env.feeder == nullptr) return invalidArgument("logging: no feeder");
  if (config.checkpoint_path.empty()) {
    std::string dir = env.install_dir.empty() ? std::string(".") : env.install_dir;
    config.checkpoint_path = dir + "/cache/logging.checkpoint";
  }
  // Fail at start-up on options the decoder rejects.
  Result<std::unique_ptr<LineDecoder>> probe = LineDecoder::create(config.decoder, 0);
  if (!probe.isOk()) return probe.status();
  Result<std::shared_ptr<CheckpointStore>> store = CheckpointStore::open(config.checkpoint_path);
  if (!store.isOk()) return store.status();
  std::unique_ptr<LoggingInput> in(new LoggingInput(std::move(config), env));
  if (!in->env_.now_ns) {
    in->env_.now_ns = [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  in->impl_ = std::make_unique<Impl>(in.get(), in->env_);
  in->socket_feed_options_ = in->impl_->feed_options;
  if (!in->config_.sockets.empty()) {
    SocketReceiverOptions so;
    so.sockets = in->config_.sockets;
    so.decoder = in->config_.decoder;
    so.multiline_timeout = in->config_.multiline_timeout;
    so.max_connections = in->config_.socket_max_connections;
    Feeder* feeder = env.feeder;
    so.on_error = [feeder](const std::string& message) {
      feeder->reportError("logging", "logging: " + message);
    };
    LoggingInput* self = in.get();
    Result<std::unique_ptr<SocketReceiver>> r = SocketReceiver::create(
        std::move(so),
        [self](const std::string& listener, std::vector<Entry>* entries) {
          self->feedSocketEntries(listener, entries);
        },
        &in->stats_.sockets);
    if (!r.isOk()) {
      return invalidArgument(in->config_.sockets_where + ": " + r.status().message());
    }
    in->sockets_ = std::move(*r);
  }
  in->impl_->store = std::move(*store);
  if (std::string err = in->impl_->store->loadError(); !err.empty()) {
    env.feeder->reportError("logging", "logging: " + err);
  }
  return in;
}

Status LoggingInput::start() {
  if (sockets_ && !sockets_started_) {
    sockets_started_ = true;
    SEXTANT_RETURN_IF_ERROR(sockets_->start());
  }
  if (config_.logfiles.empty()) return Status::ok();  // sockets only
  if (thread_.joinable()) return Status::ok();
  if (impl_->stop_fd >= 0) ::close(impl_->stop_fd);  // a restart after stop()
  impl_->stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->stop_fd < 0) return internalError(std::string("eventfd: ") + std::strerror(errno));
  impl_->stopping.store(false);
  thread_ = std::thread([this] { impl_->run(); });
  return Status::ok();
}

void LoggingInput::stop() {
  if (sockets_) {
    {
      std::lock_guard lock(socket_mu_);
      socket_stopping_ = true;
    }
    socket_cv_.notify_all();
    sockets_->stop();
  }
  if (!thread_.joinable()) return;
  impl_->stopping.store(true);
  uint64_t one = 1;
  ssize_t w = ::write(impl_->stop_fd, &one, sizeof one);
  (void)w;
  thread_.join();
}

std::vector<std::string> LoggingInput::socketUrls() const {
  return sockets_ ? sockets_->boundUrls() : std::vector<std::string>{};
}

void LoggingInput::feedSocketEntries(const std::string& listener, std::vector<Entry>* entries) {
  const std::string service = config_.service.empty() ? config_.source : config_.service;
  std::vector<model::Tag> tags;
  tags.push_back({"service", service});
  bool user_log_source = false;
  for (const auto& [k, v] : config_.tags) {
    if (k == "service") continue;
    if (k == "log_source") user_log_source = true;
    tags.push_back({k, v});
  }
  if (!user_log_source) tags.push_back({"log_source", "socket"});  // DataKit's tag
  std::sort(tags.begin(), tags.end(),
            [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
  size_t i = 0;
  while (i < entries->size()) {
    const size_t n = std::min(entries->size() - i, config_.batch_lines);
    auto build = [&] {
      std::vector<model::Point> points;
      points.reserve(n);
      const int64_t t0 = env_.now_ns();
      for (size_t k = 0; k < n; ++k) {
        model::Point p;
        p.category = model::Category::kLogging;
        p.measurement = config_.source;
        p.tags = tags;
        p.fields.reserve(3);
        p.addField("message", (*entries)[i + k].message);
        p.addField("status", std::string("info"));
        p.addField("socket", listener);
        p.time_ns = t0 - static_cast<int64_t>(n - 1 - k) * 1000;  // keeps the order
        points.push_back(std::move(p));
      }
      return points;
    };
    auto backoff = std::chrono::milliseconds(50);
    while (true) {
      Status s = env_.feeder->feed(model::Category::kLogging, build(), socket_feed_options_);
      if (s.isOk()) break;
      stats_.feed_errors.fetch_add(1);
      env_.feeder->reportError("logging", "logging: feed " + listener + ": " + s.message());
      std::unique_lock lock(socket_mu_);
      // After stop() one attempt only: the entries are lost when it fails.
      if (socket_stopping_ ||
          socket_cv_.wait_for(lock, backoff, [&] { return socket_stopping_; })) {
        entries->clear();
        return;
      }
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    stats_.entries_fed.fetch_add(n);
    i += n;
  }
  entries->clear();
}

std::vector<InputCounter> LoggingInput::counters() const {
  const Stats& s = stats_;
  const SocketStats& k = s.sockets;
  std::vector<InputCounter> out = {{"files_open", s.files_open.load()},
                                   {"files_opened", s.files_opened.load()},
                                   {"bytes_read", s.bytes_read.load()},
                                   {"entries_fed", s.entries_fed.load()},
                                   {"feed_errors", s.feed_errors.load()},
                                   {"open_errors", s.open_errors.load()},
                                   {"rotations", s.rotations.load()},
                                   {"truncations", s.truncations.load()},
                                   {"deletions", s.deletions.load()},
                                   {"dead_released", s.dead_released.load()},
                                   {"inode_reuses", s.inode_reuses.load()},
                                   {"skipped_max_open", s.skipped_max_open.load()},
                                   {"checkpoint_errors", s.checkpoint_errors.load()}};
  if (!config_.sockets.empty()) {
    for (InputCounter c : std::initializer_list<InputCounter>{
             {"socket_connections_open", k.connections_open.load()},
             {"socket_connections_accepted", k.connections_accepted.load()},
             {"socket_connections_rejected", k.connections_rejected.load()},
             {"socket_datagrams", k.datagrams.load()},
             {"socket_bytes", k.bytes.load()},
             {"socket_lines", k.lines.load()},
             {"socket_cut_lines", k.cut_lines.load()},
             {"socket_entries", k.entries.load()},
             {"socket_errors", k.errors.load()}}) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace sextant::agent::inputs::logging

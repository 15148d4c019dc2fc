#include "storage/engine/storage_engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "codec/point_pb/point_pb.h"
#include "core/clock.h"
#include "core/crc32c.h"
#include "core/duration.h"
#include "core/little_endian.h"
#include "storage/encoding/block.h"
#include "storage/engine/ingest_record.h"
#include "storage/engine/row_group.h"
#include "storage/part/part.h"

namespace sextant::storage {

using model::Category;

RetentionTable defaultRetention() {
  using std::chrono::hours;
  RetentionTable t{};
  for (Category c : model::kAllCategories) {
    hours h{24 * 14};
    switch (c) {
      case Category::kMetric: h = hours{24 * 30}; break;
      case Category::kKeyEvent: h = hours{24 * 30}; break;
      case Category::kObject:
      case Category::kCustomObject: h = hours{24 * 7}; break;
      case Category::kTracing:
      case Category::kRum:
      case Category::kProfiling: h = hours{24 * 7}; break;
      default: break;
    }
    t[static_cast<std::size_t>(c)] = h;
  }
  return t;
}

Status parseRetention(std::string_view spec, RetentionTable* table) {
  RetentionTable t = *table;
  while (!spec.empty()) {
    std::size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return invalidArgument("retention: '" + std::string(item) + "' is not <category>=<duration>");
    }
    std::optional<Category> c = model::parseCategory(item.substr(0, eq));
    if (!c)
      return invalidArgument("retention: unknown category '" + std::string(item.substr(0, eq)) +
                             "'");
    std::string_view d = item.substr(eq + 1);
    std::chrono::hours h{0};
    if (d.ends_with('d') && d.size() > 1 &&
        std::all_of(d.begin(), d.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; }) &&
        d.size() <= 7) {
      h = std::chrono::hours(24 * std::stoll(std::string(d.substr(0, d.size() - 1))));
    } else {
      Result<std::chrono::nanoseconds> ns = parseDuration(d);
      if (!ns.isOk())
        return invalidArgument("retention of " + std::string(item.substr(0, eq)) + ": " +
                               ns.status().message());
      h = std::chrono::duration_cast<std::chrono::hours>(*ns);
    }
    if (h < std::chrono::hours(24)) {
      return invalidArgument("retention of " + std::string(item.substr(0, eq)) + ": '" +
                             std::string(d) + "' is shorter than one day");
    }
    t[static_cast<std::size_t>(*c)] = h;
  }
  *table = t;
  return Status::ok();
}

std::span<const std::string_view> valueBloomColumns(Category category) {
  static constexpr std::string_view kTracing[] = {"trace_id", "span_id"};
  static constexpr std::string_view kRum[] = {"session_id", "view_id"};
  static constexpr std::string_view kLogging[] = {"trace_id"};
  switch (category) {
    case Category::kTracing: return kTracing;
    case Category::kRum: return kRum;
    case Category::kLogging: return kLogging;
    default: return {};
  }
}

namespace {

constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr std::string_view kPartSuffix = ".part";
constexpr std::string_view kTextColumn = "message";

// What the parts of a partition of category c index beyond the marks: the token bloom of
// `message` (not metrics) and the value blooms of valueBloomColumns(c).
void setPartIndexes(Category c, PartMeta* meta) {
  if (c != Category::kMetric) meta->text_columns = {std::string(kTextColumn)};
  for (std::string_view v : valueBloomColumns(c)) meta->value_bloom_columns.emplace_back(v);
}

std::int64_t dayOf(std::int64_t time_ns) {
  std::int64_t d = time_ns / kDayNs;
  if (time_ns % kDayNs < 0) --d;
  return d;
}

// yyyymmdd of a day number (days since 1970-01-01).
std::string dayName(std::int64_t day) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<std::int64_t> parseDayName(std::string_view s) {
  if (s.size() != 8 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int y = std::stoi(std::string(s.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(4, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(6, 2))));
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

// A part's file name: <yyyymmdd>_<min seq>_<max seq>_<level>.part (docs/formats/storage.md).
struct PartName {
  std::int64_t day = 0;
  std::uint64_t min_seq = 0;
  std::uint64_t max_seq = 0;
  std::uint32_t level = 0;
};

std::string formatPartName(const PartName& n) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s_%010llu_%010llu_%u", dayName(n.day).c_str(),
                static_cast<unsigned long long>(n.min_seq),
                static_cast<unsigned long long>(n.max_seq), n.level);
  return std::string(buf) + std::string(kPartSuffix);
}

std::optional<PartName> parsePartName(std::string_view s) {
  if (!s.ends_with(kPartSuffix)) return std::nullopt;
  s.remove_suffix(kPartSuffix.size());
  std::vector<std::string_view> f;
  while (true) {
    std::size_t u = s.find('_');
    f.push_back(s.substr(0, u));
    if (u == std::string_view::npos) break;
    s.remove_prefix(u + 1);
  }
  if (f.size() != 4) return std::nullopt;
  auto num = [](std::string_view v) -> std::optional<std::uint64_t> {
    if (v.empty() || v.size() > 19) return std::nullopt;
    std::uint64_t x = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return std::nullopt;
      x = x * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return x;
  };
  std::optional<std::int64_t> day = parseDayName(f[0]);
  auto a = num(f[1]), b = num(f[2]), l = num(f[3]);
  if (!day || !a || !b || !l || *a > *b || *l > 1000) return std::nullopt;
  return PartName{*day, *a, *b, static_cast<std::uint32_t>(*l)};
}

bool validWorkspaceId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// Sorts tags by key; of repeated keys the first stays (model/check.h rule 24).
void sortTags(std::vector<model::Tag>& tags) {
  if (std::is_sorted(tags.begin(), tags.end(),
                     [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; }) &&
      std::adjacent_find(tags.begin(), tags.end(), [](const model::Tag& a, const model::Tag& b) {
        return a.key == b.key;
      }) == tags.end()) {
    return;
  }
  std::stable_sort(tags.begin(), tags.end(),
                   [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
  tags.erase(std::unique(tags.begin(), tags.end(),
                         [](const model::Tag& a, const model::Tag& b) { return a.key == b.key; }),
             tags.end());
}

bool isObjectCategory(Category c) { return c == Category::kObject || c == Category::kCustomObject; }

std::string objectName(const model::Point& p) {
  if (const model::Tag* t = p.findTag("name")) return t->value;
  if (const model::Field* f = p.findField("name")) {
    if (const auto* s = std::get_if<std::string>(&f->value)) return *s;
  }
  return "";
}

std::vector<std::string> textTokens(std::string_view text) {
  std::vector<std::string> out;
  encoding::forEachToken(text, [&](std::string_view t) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.emplace_back(t);
  });
  return out;
}

// A part in the engine's lists. The file is deleted when the engine no longer lists the part
// (merged away, dropped by retention) and the last scan using it is done.
struct PartHandle {
  PartHandle(FileSystem& f, std::string p, PartName n, std::unique_ptr<PartReader> r)
      : fs(f), path(std::move(p)), name(n), reader(std::move(r)) {}
  ~PartHandle() {
    if (obsolete.load()) (void)fs.remove(path);
  }
  FileSystem& fs;
  std::string path;
  PartName name;
  std::unique_ptr<PartReader> reader;
  std::atomic<bool> obsolete{false};
};
using PartHandlePtr = std::shared_ptr<PartHandle>;

struct PartitionKey {
  std::string workspace;
  Category category = Category::kMetric;
  std::int64_t day = 0;
  auto operator<=>(const PartitionKey&) const = default;
};

struct HeadPartition {
  std::unordered_map<std::uint64_t, RowGroup> series;  // metrics, by series id
  std::unordered_map<std::string, RowGroup> events;    // other categories, by measurement
};

struct Head {
  std::map<PartitionKey, HeadPartition> partitions;
  std::size_t bytes = 0;
  std::size_t rows = 0;
  std::uint64_t max_lsn = 0;
};

struct ObjectKey {
  Category category;
  std::string cls;
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
};

struct WorkspaceState {
  std::string dir;
  std::unique_ptr<SeriesIndex> series;  // opened with the first metric
  std::mutex objects_mu;
  std::map<ObjectKey, model::Point> latest;
  bool objects_dirty = false;
};

// A row predicate of an events scan: tag matchers on tag columns, full-text tokens on message.
class RowFilter {
 public:
  static Result<RowFilter> make(const ScanRequest& req) {
    RowFilter f;
    for (const TagMatcher& m : req.tags) {
      Result<CompiledTagMatcher> cm = CompiledTagMatcher::compile(m);
      if (!cm.isOk()) return cm.status();
      f.matchers_.push_back(std::move(cm).value());
    }
    f.tokens_ = textTokens(req.text);
    return f;
  }
  bool empty() const { return matchers_.empty() && tokens_.empty(); }
  const std::vector<std::string>& tokens() const { return tokens_; }

  // Keeps the rows of b that pass. b must carry the tag columns and message (not projected away).
  void apply(ColumnBatch& b) const {
    if (empty()) return;
    std::vector<std::uint32_t> keep;
    for (std::uint32_t r = 0; r < b.rows(); ++r) {
      if (passes(b, r)) keep.push_back(r);
    }
    if (keep.size() != b.rows()) b = selectRows(b, keep);
  }

 private:
  static std::string_view tagValue(const ColumnBatch& b, std::string_view key, std::size_t row) {
    for (const model::Tag& t : b.series_tags) {
      if (t.key == key) return t.value;
    }
    const Column* c = b.findColumn(key, ColumnKind::kTag);
    if (c == nullptr || !c->isPresent(row)) return "";
    return std::get<4>(c->values)[row];
  }

  bool passes(const ColumnBatch& b, std::size_t row) const {
    for (const CompiledTagMatcher& m : matchers_) {
      if (!m.matches(tagValue(b, m.key(), row))) return false;
    }
    if (!tokens_.empty()) {
      const Column* c = b.findColumn(kTextColumn, ColumnKind::kField);
      if (c == nullptr || c->type != model::FieldType::kString || !c->isPresent(row)) return false;
      std::vector<std::string> have = textTokens(std::get<4>(c->values)[row]);
      for (const std::string& t : tokens_) {
        if (std::find(have.begin(), have.end(), t) == have.end()) return false;
      }
    }
    return true;
  }

  std::vector<CompiledTagMatcher> matchers_;
  std::vector<std::string> tokens_;
};

}  // namespace

struct StorageEngine::Impl {
  Impl(FileSystem& f, StorageOptions o) : fs(f), options(std::move(o)) {
    if (!options.now_ns) options.now_ns = [] { return wallNowNs(); };
    root = options.data_dir + "/storage";
  }

  FileSystem& fs;
  StorageOptions options;
  std::string root;  // <data_dir>/storage
  std::unique_ptr<Wal> wal;

  // Writers hold it shared across WAL append + head apply; freezing the head takes it exclusive,
  // so a frozen head holds every record up to its max_lsn.
  std::shared_mutex gate;

  std::mutex head_mu;  // head, frozen, head counters
  std::condition_variable space_cv;
  std::shared_ptr<Head> head = std::make_shared<Head>();
  std::deque<std::shared_ptr<Head>> frozen;  // oldest first; served to scans until published

  std::mutex parts_mu;
  std::map<PartitionKey, std::vector<PartHandlePtr>> parts;  // each sorted by min_seq
  std::atomic<std::uint64_t> next_seq{1};

  std::mutex ws_mu;
  std::map<std::string, std::unique_ptr<WorkspaceState>, std::less<>> workspaces;

  std::mutex flush_mu;  // one flush at a time
  std::mutex merge_mu;  // one merge at a time

  std::mutex damage_mu;
  std::vector<std::string> damage;

  std::mutex stats_mu;
  StorageStats stats;

  std::mutex bg_mu;
  std::condition_variable bg_cv;
  bool stopping = false;
  std::thread flusher;
  std::thread merger;

  void report(std::string what) {
    std::lock_guard l(damage_mu);
    damage.push_back(std::move(what));
  }

  std::string categoryDir(const std::string& ws, Category c) const {
    return root + "/ws/" + ws + "/" + std::string(model::categoryName(c));
  }

  std::string checkpointPath() const { return root + "/CHECKPOINT"; }

  // --- workspaces ---

  Result<WorkspaceState*> workspace(std::string_view id, bool with_series) {
    std::lock_guard l(ws_mu);
    auto it = workspaces.find(id);
    if (it == workspaces.end()) {
      auto w = std::make_unique<WorkspaceState>();
      w->dir = root + "/ws/" + std::string(id);
      SEXTANT_RETURN_IF_ERROR(fs.createDirs(w->dir));
      it = workspaces.emplace(std::string(id), std::move(w)).first;
    }
    WorkspaceState* w = it->second.get();
    if (with_series && !w->series) {
      auto idx = SeriesIndex::open(fs, w->dir + "/series.log");
      if (!idx.isOk()) return idx.status();
      w->series = std::move(idx).value();
      if (std::string d = w->series->damage(); !d.empty())
        report("series index of " + w->dir + ": " + d);
    }
    return w;
  }

  WorkspaceState* findWorkspace(std::string_view id) {
    std::lock_guard l(ws_mu);
    auto it = workspaces.find(id);
    return it == workspaces.end() ? nullptr : it->second.get();
  }

  // --- write path ---

  Status apply(std::uint64_t lsn, std::string_view ws, Category c, std::span<model::Point> points) {
    if (points.empty()) return Status::ok();
    const bool metric = c == Category::kMetric;
    Result<WorkspaceState*> w = workspace(ws, metric);
    if (!w.isOk()) return w.status();
    std::vector<std::uint64_t> ids;
    if (metric) {
      ids.reserve(points.size());
      for (model::Point& p : points) {
        sortTags(p.tags);
        Result<std::uint64_t> id = (*w)->series->getOrCreate(p.measurement, p.tags);
        if (!id.isOk()) return id.status();
        ids.push_back(*id);
      }
    }
    if (isObjectCategory(c)) {
      std::lock_guard l((*w)->objects_mu);
      for (const model::Point& p : points) {
        auto [it, fresh] = (*w)->latest.try_emplace(ObjectKey{c, p.measurement, objectName(p)}, p);
        if (!fresh && it->second.time_ns <= p.time_ns) it->second = p;
      }
      (*w)->objects_dirty = true;
    }
    std::size_t bytes_after = 0;
    {
      std::lock_guard l(head_mu);
      Head& h = *head;
      HeadPartition* part = nullptr;
      std::int64_t part_day = 0;
      std::size_t before = 0;
      for (std::size_t i = 0; i < points.size(); ++i) {
        const model::Point& p = points[i];
        std::int64_t day = dayOf(p.time_ns);
        if (part == nullptr || day != part_day) {
          part = &h.partitions[PartitionKey{std::string(ws), c, day}];
          part_day = day;
        }
        RowGroup* g;
        if (metric) {
          g = &part->series.try_emplace(ids[i], p.measurement, ids[i]).first->second;
        } else {
          auto it = part->events.find(p.measurement);
          if (it == part->events.end()) {
            it = part->events.try_emplace(p.measurement, p.measurement, 0).first;
          }
          g = &it->second;
        }
        before = g->bytes();
        g->append(p, !metric);
        h.bytes += g->bytes() - before;
      }
      h.rows += points.size();
      h.max_lsn = std::max(h.max_lsn, lsn);
      bytes_after = h.bytes;
    }
    {
      std::lock_guard l(stats_mu);
      stats.rows_written += points.size();
    }
    if (bytes_after > options.head_bytes_limit) bg_cv.notify_all();
    return Status::ok();
  }

  Status write(std::string_view ws, Category c, std::string_view pb,
               std::span<model::Point> points) {
    if (!validWorkspaceId(ws)) return invalidArgument("bad workspace id '" + std::string(ws) + "'");
    if (points.empty()) return Status::ok();
    std::string record = encodeIngestRecord(ws, c, pb);
    {
      // Back-pressure: while a frozen head is written, the new one may grow to twice the limit.
      std::unique_lock l(head_mu);
      space_cv.wait(l, [&] {
        return head->bytes < 2 * options.head_bytes_limit || frozen.empty() || stopping;
      });
    }
    std::shared_lock g(gate);
    Result<std::uint64_t> lsn = wal->append(record);
    if (!lsn.isOk()) return lsn.status();
    return apply(*lsn, ws, c, points);
  }

  // --- flush ---

  Status flush() {
    std::lock_guard fl(flush_mu);
    {
      std::unique_lock g(gate);
      std::lock_guard l(head_mu);
      if (head->rows > 0) {
        frozen.push_back(head);
        head = std::make_shared<Head>();
      }
    }
    space_cv.notify_all();
    while (true) {
      std::shared_ptr<Head> f;
      {
        std::lock_guard l(head_mu);
        if (frozen.empty()) break;
        f = frozen.front();
      }
      Status st = writeHead(f);
      std::lock_guard l(stats_mu);
      if (!st.isOk()) {
        ++stats.flush_failures;
        return st;
      }
      ++stats.flushes;
    }
    return Status::ok();
  }

  Result<PartHandlePtr> writePart(const PartitionKey& key, const HeadPartition& hp,
                                  std::uint64_t max_lsn) {
    std::string dir = categoryDir(key.workspace, key.category);
    SEXTANT_RETURN_IF_ERROR(fs.createDirs(dir));
    std::uint64_t seq = next_seq.fetch_add(1);
    PartName name{key.day, seq, seq, 0};
    std::string path = dir + "/" + formatPartName(name);
    PartMeta meta;
    meta.level = 0;
    meta.max_lsn = max_lsn;
    setPartIndexes(key.category, &meta);
    std::vector<const RowGroup*> groups;
    for (const auto& [id, g] : hp.series) groups.push_back(&g);
    for (const auto& [m, g] : hp.events) groups.push_back(&g);
    std::sort(groups.begin(), groups.end(), [](const RowGroup* a, const RowGroup* b) {
      if (a->measurement() != b->measurement()) return a->measurement() < b->measurement();
      return a->seriesId() < b->seriesId();
    });
    PartWriter w(fs, path, meta);
    for (const RowGroup* g : groups) {
      SEXTANT_RETURN_IF_ERROR(w.add(g->batch(INT64_MIN, INT64_MAX, {}, false)));
    }
    Result<PartInfo> info = w.finish();
    if (!info.isOk()) return info.status();
    auto reader = PartReader::open(fs, path);
    if (!reader.isOk()) return reader.status();
    return std::make_shared<PartHandle>(fs, path, name, std::move(reader).value());
  }

  Status writeObjectSnapshots() {
    std::vector<WorkspaceState*> all;
    {
      std::lock_guard l(ws_mu);
      for (auto& [id, w] : workspaces) all.push_back(w.get());
    }
    for (WorkspaceState* w : all) {
      std::lock_guard l(w->objects_mu);
      if (!w->objects_dirty) continue;
      for (Category c : {Category::kObject, Category::kCustomObject}) {
        std::vector<model::Point> pts;
        for (const auto& [k, p] : w->latest) {
          if (k.category == c) pts.push_back(p);
        }
        std::string pb;
        codec::pb::encode(pts, &pb);
        std::string file;
        putLe(file, crc32c(pb), 4);
        file += pb;
        SEXTANT_RETURN_IF_ERROR(writeFileAtomically(
            fs, w->dir + "/" + std::string(model::categoryName(c)) + ".snap", file));
      }
      w->objects_dirty = false;
    }
    return Status::ok();
  }

  Status writeHead(const std::shared_ptr<Head>& f) {
    // 1. Series created for these rows are durable before a part names them.
    {
      std::vector<WorkspaceState*> all;
      {
        std::lock_guard l(ws_mu);
        for (auto& [id, w] : workspaces) all.push_back(w.get());
      }
      for (WorkspaceState* w : all) {
        if (w->series) SEXTANT_RETURN_IF_ERROR(w->series->sync());
      }
    }
    // 2. One level-0 part per partition.
    std::vector<std::pair<PartitionKey, PartHandlePtr>> written;
    for (const auto& [key, hp] : f->partitions) {
      Result<PartHandlePtr> h = writePart(key, hp, f->max_lsn);
      if (!h.isOk()) {
        for (auto& [k, w] : written) w->obsolete = true;  // removed with the handles
        return h.status();
      }
      written.emplace_back(key, std::move(h).value());
    }
    // 3. Objects' latest state, then the checkpoint that makes the parts count.
    Status st = writeObjectSnapshots();
    if (st.isOk()) st = writeCheckpoint(f->max_lsn);
    if (!st.isOk()) {
      for (auto& [k, w] : written) w->obsolete = true;
      return st;
    }
    // 4. Publish: scans see the parts instead of the frozen head.
    {
      std::lock_guard pl(parts_mu);
      std::lock_guard hl(head_mu);
      for (auto& [k, w] : written) parts[k].push_back(std::move(w));
      frozen.pop_front();
    }
    space_cv.notify_all();
    {
      std::lock_guard l(stats_mu);
      stats.checkpoint_lsn = f->max_lsn;
    }
    // 5. The WAL drops what the parts cover (an error leaves segments to a later checkpoint).
    if (Status c = wal->checkpoint(f->max_lsn); !c.isOk())
      report("wal checkpoint: " + c.toString());
    return Status::ok();
  }

  Status writeCheckpoint(std::uint64_t lsn) {
    std::string data;
    putLe(data, lsn, 8);
    putLe(data, crc32c(data), 4);
    return writeFileAtomically(fs, checkpointPath(), data);
  }

  Result<std::uint64_t> readCheckpoint() {
    if (!fs.exists(checkpointPath())) return std::uint64_t{0};
    Result<std::string> data = fs.readFile(checkpointPath());
    if (!data.isOk()) return data.status();
    std::string_view d = *data;
    if (d.size() != 12 || getLe(d, 8, 4) != crc32c(d.substr(0, 8))) {
      return dataLoss(checkpointPath() + ": damaged checkpoint file");
    }
    return getLe(d, 0, 8);
  }

  // --- merges ---

  Status mergeOnce(bool* merged) {
    if (merged) *merged = false;
    std::lock_guard ml(merge_mu);
    PartitionKey key;
    std::vector<PartHandlePtr> window;
    {
      std::lock_guard l(parts_mu);
      std::size_t most = 0;
      for (const auto& [k, list] : parts) {
        if (list.size() >= std::max<std::size_t>(2, options.merge_min_parts) &&
            list.size() > most) {
          most = list.size();
          key = k;
        }
      }
      if (most == 0) return Status::ok();
      const std::vector<PartHandlePtr>& list = parts[key];
      std::size_t n = std::min(list.size(), std::max<std::size_t>(2, options.merge_max_parts));
      std::size_t best = 0;
      std::uint64_t best_bytes = UINT64_MAX;
      for (std::size_t i = 0; i + n <= list.size(); ++i) {
        std::uint64_t b = 0;
        for (std::size_t j = i; j < i + n; ++j) b += list[j]->reader->info().file_bytes;
        if (b < best_bytes) {
          best_bytes = b;
          best = i;
        }
      }
      window.assign(list.begin() + static_cast<std::ptrdiff_t>(best),
                    list.begin() + static_cast<std::ptrdiff_t>(best + n));
    }
    PartName name{key.day, window.front()->name.min_seq, window.back()->name.max_seq, 0};
    PartMeta meta;
    std::vector<const PartReader*> inputs;
    for (const PartHandlePtr& h : window) {
      name.level = std::max(name.level, h->name.level + 1);
      meta.max_lsn = std::max(meta.max_lsn, h->reader->info().meta.max_lsn);
      meta.sources.push_back(h->path.substr(h->path.rfind('/') + 1));
      inputs.push_back(h->reader.get());
    }
    meta.level = name.level;
    setPartIndexes(key.category, &meta);
    std::string path = categoryDir(key.workspace, key.category) + "/" + formatPartName(name);
    Result<PartInfo> info = mergeParts(fs, inputs, path, meta);
    if (!info.isOk()) return info.status();
    auto reader = PartReader::open(fs, path);
    if (!reader.isOk()) return reader.status();
    auto out = std::make_shared<PartHandle>(fs, path, name, std::move(reader).value());
    {
      std::lock_guard l(parts_mu);
      auto it = parts.find(key);
      auto first = it == parts.end() ? std::vector<PartHandlePtr>::iterator()
                                     : std::find(it->second.begin(), it->second.end(), window[0]);
      bool intact = it != parts.end() && first != it->second.end() &&
                    static_cast<std::size_t>(it->second.end() - first) >= window.size() &&
                    std::equal(window.begin(), window.end(), first);
      if (!intact) {  // dropped or quarantined meanwhile
        out->obsolete = true;
        return Status::ok();
      }
      for (const PartHandlePtr& h : window) h->obsolete = true;
      auto pos = it->second.erase(first, first + static_cast<std::ptrdiff_t>(window.size()));
      it->second.insert(pos, out);
    }
    {
      std::lock_guard l(stats_mu);
      ++stats.merges;
      stats.merged_rows += info->rows;
    }
    if (merged) *merged = true;
    return Status::ok();
  }

  // --- retention ---

  // The first day partition retention keeps for (workspace, category).
  std::int64_t firstKeptDay(std::string_view ws, Category c, std::int64_t now) const {
    std::chrono::hours keep = options.retention[static_cast<std::size_t>(c)];
    if (auto w = options.workspace_retention.find(std::string(ws));
        w != options.workspace_retention.end()) {
      if (auto k = w->second.find(c); k != w->second.end()) keep = k->second;
    }
    return dayOf(now - std::chrono::duration_cast<std::chrono::nanoseconds>(keep).count());
  }

  Status applyRetention() {
    std::int64_t now = options.now_ns();
    std::lock_guard l(parts_mu);
    for (auto it = parts.begin(); it != parts.end();) {
      const PartitionKey& k = it->first;
      if (k.day < firstKeptDay(k.workspace, k.category, now)) {
        for (const PartHandlePtr& h : it->second) h->obsolete = true;
        it = parts.erase(it);
        std::lock_guard sl(stats_mu);
        ++stats.partitions_dropped;
      } else {
        ++it;
      }
    }
    return Status::ok();
  }

  // --- recovery ---

  Status recoverParts(std::uint64_t checkpoint) {
    std::string ws_root = root + "/ws";
    SEXTANT_RETURN_IF_ERROR(fs.createDirs(ws_root));
    Result<std::vector<std::string>> wss = fs.listDir(ws_root);
    if (!wss.isOk()) return wss.status();
    std::uint64_t max_seq = 0;
    for (const std::string& ws : *wss) {
      if (!validWorkspaceId(ws)) continue;
      Result<WorkspaceState*> w = workspace(ws, fs.exists(ws_root + "/" + ws + "/series.log"));
      if (!w.isOk()) return w.status();
      SEXTANT_RETURN_IF_ERROR(loadObjectSnapshots(**w));
      for (Category c : model::kAllCategories) {
        std::string dir = categoryDir(ws, c);
        if (!fs.exists(dir)) continue;
        Result<std::vector<std::string>> files = fs.listDir(dir);
        if (!files.isOk()) return files.status();
        std::map<std::int64_t, std::vector<std::pair<PartName, std::string>>> by_day;
        for (const std::string& f : *files) {
          if (f.ends_with(".tmp")) {
            (void)fs.remove(dir + "/" + f);
          } else if (std::optional<PartName> n = parsePartName(f)) {
            by_day[n->day].emplace_back(*n, f);
            max_seq = std::max(max_seq, n->max_seq);
          }
        }
        for (auto& [day, list] : by_day) {
          SEXTANT_RETURN_IF_ERROR(
              recoverPartition(PartitionKey{ws, c, day}, dir, list, checkpoint));
        }
      }
    }
    next_seq = max_seq + 1;
    return Status::ok();
  }

  Status recoverPartition(const PartitionKey& key, const std::string& dir,
                          std::vector<std::pair<PartName, std::string>>& list,
                          std::uint64_t checkpoint) {
    std::vector<PartHandlePtr> live;
    for (const auto& entry : list) {
      // Named references, not a structured binding: clang 14 (the fuzz tree) cannot capture one.
      const PartName& n = entry.first;
      std::string path = dir + "/" + entry.second;
      // Covered by a merged part whose inputs were not all deleted before a crash.
      bool covered = std::any_of(list.begin(), list.end(), [&](const auto& o) {
        return o.first.min_seq <= n.min_seq && n.max_seq <= o.first.max_seq &&
               (o.first.min_seq != n.min_seq || o.first.max_seq != n.max_seq);
      });
      if (covered) {
        (void)fs.remove(path);
        continue;
      }
      auto r = PartReader::open(fs, path);
      if (!r.isOk()) {
        quarantineFile(path, r.status().toString());
        continue;
      }
      if ((*r)->info().meta.level == 0 && (*r)->info().meta.max_lsn > checkpoint) {
        (void)fs.remove(path);  // an unfinished flush: the WAL replays its rows
        continue;
      }
      live.push_back(std::make_shared<PartHandle>(fs, path, n, std::move(r).value()));
    }
    std::sort(live.begin(), live.end(), [](const PartHandlePtr& a, const PartHandlePtr& b) {
      return a->name.min_seq < b->name.min_seq;
    });
    if (!live.empty()) parts[key] = std::move(live);
    return Status::ok();
  }

  void quarantineFile(const std::string& path, const std::string& why) {
    Status st = fs.rename(path, path + ".corrupt");
    report("part " + path + " quarantined as .corrupt: " + why +
           (st.isOk() ? "" : " (rename failed: " + st.toString() + ")"));
    std::lock_guard l(stats_mu);
    ++stats.quarantined_parts;
  }

  void quarantineLive(const PartHandlePtr& h, const std::string& why) {
    {
      std::lock_guard l(parts_mu);
      for (auto& [k, list] : parts) std::erase(list, h);
    }
    quarantineFile(h->path, why);
  }

  Status loadObjectSnapshots(WorkspaceState& w) {
    for (Category c : {Category::kObject, Category::kCustomObject}) {
      std::string path = w.dir + "/" + std::string(model::categoryName(c)) + ".snap";
      if (!fs.exists(path)) continue;
      Result<std::string> data = fs.readFile(path);
      if (!data.isOk()) return data.status();
      std::string_view body = *data;
      if (body.size() < 4 || getLe(body, 0, 4) != crc32c(body.substr(4))) {
        report(path +
               ": damaged objects snapshot ignored (objects come back as agents report them)");
        continue;
      }
      auto pts = codec::pb::decode(body.substr(4), c);
      if (!pts.isOk()) {
        report(path + ": " + pts.status().toString());
        continue;
      }
      std::lock_guard l(w.objects_mu);
      for (model::Point& p : *pts) {
        ObjectKey k{c, p.measurement, objectName(p)};
        w.latest[k] = std::move(p);
      }
    }
    return Status::ok();
  }

  Status replayWal(std::uint64_t checkpoint) {
    return wal->replay(checkpoint + 1, [&](std::uint64_t lsn, std::string_view payload) {
      Result<IngestRecord> rec = decodeIngestRecord(payload);
      if (!rec.isOk()) {
        report("wal record " + std::to_string(lsn) + ": " + rec.status().toString());
        return Status::ok();
      }
      auto pts = codec::pb::decode(rec->points_pb, rec->category);
      if (!pts.isOk()) {
        report("wal record " + std::to_string(lsn) + ": " + pts.status().toString());
        return Status::ok();
      }
      {
        std::lock_guard l(stats_mu);
        ++stats.replayed_records;
      }
      return apply(lsn, rec->workspace_id, rec->category, *pts);
    });
  }

  // --- scans ---

  // fn, or rows_fn when not null (metrics: views, StorageEngine::scanSeriesRows).
  Status scan(const ScanRequest& req, const std::function<Status(ColumnBatch&&)>& fn,
              const std::function<Status(const SeriesRowsView&)>* rows_fn, ScanStats* out_stats) {
    ScanStats local;
    ScanStats& st = out_stats ? *out_stats : local;
    Result<FieldFilter> fields = FieldFilter::make(req.fields);
    if (!fields.isOk()) return fields.status();
    WorkspaceState* w = findWorkspace(req.workspace_id);
    if (w == nullptr) return Status::ok();
    const bool metric = req.category == Category::kMetric;
    Result<RowFilter> filter = RowFilter::make(req);
    if (!filter.isOk()) return filter.status();
    if (metric) filter = RowFilter::make(ScanRequest{});  // tags go through the series index

    PartQuery q;
    q.min_time_ns = req.min_time_ns;
    q.max_time_ns = req.max_time_ns;
    q.measurements = req.measurements;
    std::sort(q.measurements.begin(), q.measurements.end());
    q.no_columns = req.no_columns;
    const bool with_columns =
        metric && req.only_rows_with_columns && !req.no_columns && !req.columns.empty();
    q.only_rows_with_columns = with_columns;
    q.tokens = filter->tokens();
    // Events filters need their tag columns and message even when not projected (finish() drops
    // them again).
    const bool filter_columns = !metric && !filter->empty();
    if ((!req.columns.empty() && !req.no_columns) || (req.no_columns && filter_columns)) {
      if (!req.no_columns) q.columns = req.columns;
      q.no_columns = false;
      if (filter_columns) {
        for (const TagMatcher& m : req.tags) q.columns.push_back(m.key);
        if (!q.tokens.empty()) q.columns.emplace_back(kTextColumn);
      }
    }
    q.fields = req.fields;
    // The head's batches carry the predicates' columns too until the field filter has run.
    std::vector<std::string> head_columns = q.columns;
    bool head_no_columns = q.no_columns;
    if (!fields->empty() && (q.no_columns || !q.columns.empty())) {
      head_columns.insert(head_columns.end(), fields->columnNames().begin(),
                          fields->columnNames().end());
      head_no_columns = false;
    }
    std::vector<std::uint64_t> series;
    if (metric) {
      if (!w->series) return Status::ok();
      if (q.measurements.empty()) {
        auto ids = w->series->select("", req.tags);
        if (!ids.isOk()) return ids.status();
        series = std::move(ids).value();
      } else {
        for (const std::string& m : q.measurements) {
          auto ids = w->series->select(m, req.tags);
          if (!ids.isOk()) return ids.status();
          series.insert(series.end(), ids->begin(), ids->end());
        }
        std::sort(series.begin(), series.end());
      }
      if (req.series_shards > 1) {
        if (req.series_shard >= req.series_shards) return invalidArgument("bad series shard");
        const std::size_t n = series.size();
        if (req.series_shard_block > 0) {
          const std::size_t block = req.series_shard_block;
          std::vector<std::uint64_t> mine;
          for (std::size_t a = block * req.series_shard; a < n; a += block * req.series_shards) {
            const std::size_t b = std::min(n, a + block);
            mine.insert(mine.end(), series.begin() + static_cast<std::ptrdiff_t>(a),
                        series.begin() + static_cast<std::ptrdiff_t>(b));
          }
          series = std::move(mine);
        } else {
          const std::size_t a = n * req.series_shard / req.series_shards;
          const std::size_t b = n * (req.series_shard + 1) / req.series_shards;
          series.erase(series.begin() + static_cast<std::ptrdiff_t>(b), series.end());
          series.erase(series.begin(), series.begin() + static_cast<std::ptrdiff_t>(a));
        }
      }
      if (series.empty()) return Status::ok();
      q.series = &series;
    }
    std::unordered_map<std::uint64_t, std::vector<model::Tag>> tag_cache;
    auto tagsOf = [&](std::uint64_t id) -> const std::vector<model::Tag>& {
      auto it = tag_cache.find(id);
      if (it == tag_cache.end()) {
        std::optional<SeriesKey> k = w->series->lookup(id);
        it = tag_cache.emplace(id, k ? k->tags : std::vector<model::Tag>{}).first;
      }
      return it->second;
    };
    const bool views = metric && rows_fn != nullptr;
    auto finish = [&](ColumnBatch&& b) -> Status {
      if (metric) {
        if (!views) b.series_tags = tagsOf(b.series_id);
      } else {
        filter->apply(b);
        if (req.no_columns) {
          b.columns.clear();
        } else if (!req.columns.empty() && q.columns.size() != req.columns.size()) {
          std::erase_if(b.columns, [&](const Column& c) {
            return std::find(req.columns.begin(), req.columns.end(), c.name) == req.columns.end();
          });
        }
      }
      if (b.rows() == 0) return Status::ok();
      if (with_columns) {
        // The head's batches: drop the rows without a value in any projected column.
        std::vector<std::uint8_t> any(b.rows(), 0);
        bool all = false;
        for (const Column& c : b.columns) {
          if (std::find(req.columns.begin(), req.columns.end(), c.name) == req.columns.end()) {
            continue;
          }
          if (c.present.empty()) {
            all = true;
            break;
          }
          for (std::size_t r = 0; r < any.size(); ++r) any[r] |= c.present[r] != 0 ? 1 : 0;
        }
        if (!all) {
          std::vector<std::uint32_t> rows;
          for (std::size_t r = 0; r < any.size(); ++r) {
            if (any[r] != 0) rows.push_back(static_cast<std::uint32_t>(r));
          }
          if (rows.empty()) return Status::ok();
          if (rows.size() != b.rows()) {
            ColumnBatch kept = selectRows(b, rows);
            kept.series_tags = std::move(b.series_tags);
            b = std::move(kept);
          }
        }
      }
      st.rows += b.rows();
      if (views) {
        SeriesRowsView v = viewOf(b);
        v.series_tags = &tagsOf(b.series_id);
        return (*rows_fn)(v);
      }
      return fn(std::move(b));
    };
    // Parts' rows as views (metrics, scanSeriesRows).
    Status user;
    if (views) {
      q.rows_fn = [&](const SeriesRowsView& v) {
        SeriesRowsView with_tags = v;
        with_tags.series_tags = &tagsOf(v.series_id);
        st.rows += v.rows;
        user = (*rows_fn)(with_tags);
        return user;
      };
    }

    const std::int64_t first_day = dayOf(req.min_time_ns), last_day = dayOf(req.max_time_ns);
    auto inRange = [&](const PartitionKey& k) {
      return k.workspace == req.workspace_id && k.category == req.category && k.day >= first_day &&
             k.day <= last_day;
    };
    // One consistent view: the part lists and the heads together (a flush publishes its parts and
    // drops its frozen head under both locks). Frozen heads are immutable; the live head's rows
    // are copied under the lock.
    std::vector<PartHandlePtr> handles;
    std::vector<std::shared_ptr<Head>> frozen_heads;
    std::vector<ColumnBatch> from_head;
    auto takeHead = [&](const Head& hd) {
      for (const auto& [k, hp] : hd.partitions) {
        if (!inRange(k)) continue;
        auto take = [&](const RowGroup& g) {
          if (g.maxTime() < req.min_time_ns || g.minTime() > req.max_time_ns) return;
          if (!q.measurements.empty() &&
              !std::binary_search(q.measurements.begin(), q.measurements.end(), g.measurement())) {
            return;
          }
          ColumnBatch b = g.batch(req.min_time_ns, req.max_time_ns, head_columns, head_no_columns);
          if (b.rows() > 0) from_head.push_back(std::move(b));
        };
        if (metric) {
          if (series.size() < hp.series.size()) {
            for (std::uint64_t id : series) {
              if (auto it = hp.series.find(id); it != hp.series.end()) take(it->second);
            }
          } else {
            for (const auto& [id, g] : hp.series) {
              if (std::binary_search(series.begin(), series.end(), id)) take(g);
            }
          }
        } else {
          for (const auto& [m, g] : hp.events) take(g);
        }
      }
    };
    {
      std::lock_guard pl(parts_mu);
      std::lock_guard hl(head_mu);
      for (const auto& [k, list] : parts) {
        if (inRange(k)) handles.insert(handles.end(), list.begin(), list.end());
      }
      frozen_heads.assign(frozen.begin(), frozen.end());
      takeHead(*head);
    }
    for (const auto& hd : frozen_heads) takeHead(*hd);
    // One pass over the parts and the head's batches for the series in q.series (metrics) or
    // every row. A part found damaged is quarantined and left out of later passes.
    std::vector<char> dead(handles.size(), 0);
    // Passes over one measurement: each part's scan resumes where its previous pass left off.
    std::vector<PartScanCursor> cursors;
    auto readPass = [&]() -> Status {
      for (std::size_t i = 0; i < handles.size(); ++i) {
        if (dead[i] != 0) continue;
        const PartHandlePtr& h = handles[i];
        q.cursor = cursors.empty() ? nullptr : &cursors[i];
        user = Status::ok();
        PartScanStats ps;
        Status s = h->reader->scan(
            q,
            [&](ColumnBatch&& b) {
              user = finish(std::move(b));
              return user;
            },
            &ps);
        ++st.parts;
        st.granules_total += ps.granules_total;
        st.granules_read += ps.granules_read;
        st.granules_skipped_by_fields += ps.granules_skipped_by_fields;
        st.bytes_read += ps.bytes_read;
        if (!user.isOk()) return user;
        if (s.code() == StatusCode::kDataLoss) {
          quarantineLive(h, s.toString());
          dead[i] = 1;
          continue;
        }
        if (!s.isOk()) return s;
      }
      for (ColumnBatch& b : from_head) {
        if (metric && !std::binary_search(q.series->begin(), q.series->end(), b.series_id)) {
          continue;  // another pass's series
        }
        if (!fields->empty()) {
          fields->apply(b);
          if (b.rows() == 0) continue;
          if (q.no_columns) {
            b.columns.clear();
          } else if (!q.columns.empty() && head_columns.size() != q.columns.size()) {
            std::erase_if(b.columns, [&](const Column& c) {
              return std::find(q.columns.begin(), q.columns.end(), c.name) == q.columns.end();
            });
          }
        }
        st.head_rows += b.rows();
        SEXTANT_RETURN_IF_ERROR(finish(std::move(b)));
      }
      return Status::ok();
    };
    if (!metric || req.series_per_pass == 0) return readPass();
    if (q.measurements.size() == 1) cursors.resize(handles.size());
    std::vector<std::uint64_t> pass;
    for (std::size_t a = 0; a < series.size(); a += req.series_per_pass) {
      const std::size_t b = std::min(series.size(), a + req.series_per_pass);
      pass.assign(series.begin() + static_cast<std::ptrdiff_t>(a),
                  series.begin() + static_cast<std::ptrdiff_t>(b));
      q.series = &pass;
      SEXTANT_RETURN_IF_ERROR(readPass());
      if (req.pass_done) SEXTANT_RETURN_IF_ERROR(req.pass_done());
    }
    return Status::ok();
  }

  // --- background ---

  void flusherLoop() {
    auto last_flush = std::chrono::steady_clock::now();
    auto last_retention = std::chrono::steady_clock::time_point{};
    std::unique_lock l(bg_mu);
    const auto tick =
        std::min<std::chrono::milliseconds>(options.flush_interval, std::chrono::seconds(1));
    while (!stopping) {
      bg_cv.wait_for(l, tick);
      if (stopping) break;
      l.unlock();
      std::size_t bytes, rows;
      {
        std::lock_guard hl(head_mu);
        bytes = head->bytes;
        rows = head->rows;
      }
      auto now = std::chrono::steady_clock::now();
      if (bytes > options.head_bytes_limit ||
          (rows > 0 && now - last_flush >= options.flush_interval)) {
        if (Status s = flush(); !s.isOk()) report("flush: " + s.toString());
        last_flush = now;
      }
      if (now - last_retention >= std::chrono::minutes(1)) {
        (void)applyRetention();
        last_retention = now;
      }
      l.lock();
    }
  }

  void mergerLoop() {
    std::unique_lock l(bg_mu);
    while (!stopping) {
      bg_cv.wait_for(l, options.merge_interval);
      if (stopping) break;
      l.unlock();
      for (int i = 0; i < 4; ++i) {
        bool merged = false;
        if (Status s = mergeOnce(&merged); !s.isOk()) {
          report("merge: " + s.toString());
          break;
        }
        if (!merged) break;
      }
      l.lock();
    }
  }
};

StorageEngine::StorageEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<StorageEngine>> StorageEngine::open(FileSystem& fs, StorageOptions options) {
  if (options.data_dir.empty()) return invalidArgument("storage: data_dir is empty");
  auto impl = std::make_unique<Impl>(fs, std::move(options));
  SEXTANT_RETURN_IF_ERROR(fs.createDirs(impl->root));
  Result<std::uint64_t> checkpoint = impl->readCheckpoint();
  if (!checkpoint.isOk()) return checkpoint.status();
  SEXTANT_RETURN_IF_ERROR(impl->recoverParts(*checkpoint));
  WalOptions wo;
  wo.dir = impl->options.data_dir + "/wal";
  wo.sync = impl->options.wal_sync;
  wo.min_next_lsn = *checkpoint + 1;
  auto wal = Wal::open(fs, wo);
  if (!wal.isOk()) return wal.status();
  impl->wal = std::move(wal).value();
  for (const WalDamage& d : impl->wal->damage()) {
    impl->report("wal segment " + std::to_string(d.segment) + ": " + d.reason);
  }
  SEXTANT_RETURN_IF_ERROR(impl->replayWal(*checkpoint));
  {
    std::lock_guard l(impl->stats_mu);
    impl->stats.checkpoint_lsn = *checkpoint;
  }
  Impl* p = impl.get();
  if (p->options.background) {
    p->flusher = std::thread([p] { p->flusherLoop(); });
    p->merger = std::thread([p] { p->mergerLoop(); });
  }
  return std::unique_ptr<StorageEngine>(new StorageEngine(std::move(impl)));
}

StorageEngine::~StorageEngine() {
  {
    std::lock_guard l(impl_->bg_mu);
    impl_->stopping = true;
  }
  impl_->bg_cv.notify_all();
  impl_->space_cv.notify_all();
  if (impl_->flusher.joinable()) impl_->flusher.join();
  if (impl_->merger.joinable()) impl_->merger.join();
  (void)impl_->flush();
}

Status StorageEngine::write(std::string_view workspace_id, Category category,
                            std::string_view points_pb, std::span<model::Point> points) {
  return impl_->write(workspace_id, category, points_pb, points);
}

std::int64_t StorageEngine::retentionCutoffNs(std::string_view workspace_id, Category category) {
  return impl_->firstKeptDay(workspace_id, category, impl_->options.now_ns()) * kDayNs;
}

Status StorageEngine::flush() { return impl_->flush(); }
Status StorageEngine::mergeOnce(bool* merged) { return impl_->mergeOnce(merged); }
Status StorageEngine::applyRetention() { return impl_->applyRetention(); }

Status StorageEngine::scan(const ScanRequest& req, const std::function<Status(ColumnBatch&&)>& fn,
                           ScanStats* stats) {
  return impl_->scan(req, fn, nullptr, stats);
}

Status StorageEngine::scanSeriesRows(const ScanRequest& req,
                                     const std::function<Status(const SeriesRowsView&)>& fn,
                                     ScanStats* stats) {
  if (req.category != Category::kMetric) return invalidArgument("scanSeriesRows: metrics only");
  return impl_->scan(req, {}, &fn, stats);
}

std::vector<model::Point> StorageEngine::latestObjects(std::string_view workspace_id,
                                                       Category category,
                                                       std::span<const std::string> classes) {
  std::vector<model::Point> out;
  WorkspaceState* w = impl_->findWorkspace(workspace_id);
  if (w == nullptr) return out;
  std::lock_guard l(w->objects_mu);
  for (const auto& [k, p] : w->latest) {
    if (k.category != category) continue;
    if (!classes.empty() && std::find(classes.begin(), classes.end(), k.cls) == classes.end()) {
      continue;
    }
    out.push_back(p);
  }
  return out;
}

std::vector<std::string> StorageEngine::measurements(std::string_view workspace_id,
                                                     Category category) {
  std::vector<std::string> out;
  if (category == Category::kMetric) {
    if (SeriesIndex* idx = seriesIndex(workspace_id)) return idx->measurements();
    return out;
  }
  {
    std::lock_guard l(impl_->parts_mu);
    for (const auto& [k, list] : impl_->parts) {
      if (k.workspace != workspace_id || k.category != category) continue;
      for (const PartHandlePtr& h : list) {
        const auto& m = h->reader->info().measurements;
        out.insert(out.end(), m.begin(), m.end());
      }
    }
  }
  {
    std::lock_guard l(impl_->head_mu);
    std::vector<std::shared_ptr<Head>> heads(impl_->frozen.begin(), impl_->frozen.end());
    heads.push_back(impl_->head);
    for (const auto& h : heads) {
      for (const auto& [k, hp] : h->partitions) {
        if (k.workspace != workspace_id || k.category != category) continue;
        for (const auto& [m, g] : hp.events) out.push_back(m);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<PartColumnKey> StorageEngine::columns(std::string_view workspace_id, Category category,
                                                  std::string_view measurement) {
  std::vector<PartColumnKey> out;
  {
    std::lock_guard l(impl_->parts_mu);
    for (const auto& [k, list] : impl_->parts) {
      if (k.workspace != workspace_id || k.category != category) continue;
      for (const PartHandlePtr& h : list) {
        for (const MeasurementColumns& mc : h->reader->info().schema) {
          if (mc.measurement == measurement) {
            out.insert(out.end(), mc.columns.begin(), mc.columns.end());
          }
        }
      }
    }
  }
  {
    std::lock_guard l(impl_->head_mu);
    std::vector<std::shared_ptr<Head>> heads(impl_->frozen.begin(), impl_->frozen.end());
    heads.push_back(impl_->head);
    std::vector<const RowGroup*> groups;
    for (const auto& h : heads) {
      for (const auto& [k, hp] : h->partitions) {
        if (k.workspace != workspace_id || k.category != category) continue;
        for (const auto& [id, g] : hp.series) {
          if (g.measurement() == measurement) groups.push_back(&g);
        }
        if (auto it = hp.events.find(std::string(measurement)); it != hp.events.end()) {
          groups.push_back(&it->second);
        }
      }
    }
    for (const RowGroup* g : groups) {
      for (const Column& c : g->columnsView()) out.push_back(PartColumnKey{c.name, c.kind, c.type});
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> StorageEngine::workspaces() {
  std::lock_guard l(impl_->ws_mu);
  std::vector<std::string> out;
  for (const auto& [id, w] : impl_->workspaces) out.push_back(id);
  return out;
}

SeriesIndex* StorageEngine::seriesIndex(std::string_view workspace_id) {
  WorkspaceState* w = impl_->findWorkspace(workspace_id);
  return w ? w->series.get() : nullptr;
}

StorageStats StorageEngine::stats() {
  StorageStats s;
  {
    std::lock_guard l(impl_->stats_mu);
    s = impl_->stats;
  }
  {
    std::lock_guard l(impl_->head_mu);
    s.head_rows = impl_->head->rows;
    s.head_bytes = impl_->head->bytes;
    s.frozen_heads = impl_->frozen.size();
  }
  {
    std::lock_guard l(impl_->parts_mu);
    s.partitions = impl_->parts.size();
    for (const auto& [k, list] : impl_->parts) {
      s.parts += list.size();
      for (const PartHandlePtr& h : list) s.part_bytes += h->reader->info().file_bytes;
    }
  }
  {
    std::lock_guard l(impl_->ws_mu);
    for (const auto& [id, w] : impl_->workspaces) {
      if (w->series) s.series += w->series->stats().series;
    }
  }
  return s;
}

WalStats StorageEngine::walStats() const { return impl_->wal->stats(); }

std::vector<std::string> StorageEngine::damage() {
  std::lock_guard l(impl_->damage_mu);
  return impl_->damage;
}

}  // namespace sextant::storage

#include "storage/series/series_index.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "core/crc32c.h"
#include "core/little_endian.h"

namespace sextant::storage {
namespace {

// docs/formats/series-index.md
constexpr std::string_view kMagic = "SXSI";
constexpr std::uint64_t kVersion = 1;
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kRecordHeaderSize = 8;
constexpr std::size_t kBodyPrefixSize = 9;  // type + id
constexpr std::size_t kMaxBody = 1u << 20;
constexpr std::size_t kMaxName = 0xFFFF;  // measurement, tag key, tag count
constexpr std::size_t kMaxValue = 1u << 20;
constexpr std::uint8_t kTypeSeries = 1;
constexpr std::uint8_t kTypeReserve = 2;

constexpr std::size_t kFlushBytes = 64u << 10;  // pending records written at this size
constexpr std::size_t kArenaBlock = 64u << 10;

using Postings = std::vector<std::uint64_t>;
using ValueMap = std::map<std::string, Postings, std::less<>>;

std::string encodeHeader() {
  std::string out(kMagic);
  putLe(out, kVersion, 2);
  putLe(out, 0, 2);
  putLe(out, 0, 4);
  putLe(out, crc32c(out), 4);
  return out;
}

enum class HeaderCheck { kOk, kBad, kOtherVersion };
HeaderCheck checkHeader(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, 4) != kMagic) return HeaderCheck::kBad;
  if (getLe(bytes, 12, 4) != crc32c(bytes.substr(0, 12))) return HeaderCheck::kBad;
  if (getLe(bytes, 4, 2) != kVersion) return HeaderCheck::kOtherVersion;
  if (getLe(bytes, 6, 2) != 0 || getLe(bytes, 8, 4) != 0) return HeaderCheck::kBad;
  return HeaderCheck::kOk;
}

// Appends the canonical bytes of a series to out after validating it (the hot path: no
// allocation once out has grown; sizes first, then one resize and plain stores).
Status encodeCanonical(std::string& out, std::string_view measurement,
                       std::span<const model::Tag> tags) {
  if (measurement.empty()) return invalidArgument("series: empty measurement");
  if (measurement.size() > kMaxName) return invalidArgument("series: measurement too long");
  if (tags.size() > kMaxName) return invalidArgument("series: too many tags");
  std::size_t size = 2 + measurement.size() + 2;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const model::Tag& t = tags[i];
    if (t.key.empty()) return invalidArgument("series: empty tag key");
    if (t.key.size() > kMaxName) return invalidArgument("series: tag key too long");
    if (t.value.size() > kMaxValue) return invalidArgument("series: tag value too long");
    if (i > 0 && !(tags[i - 1].key < t.key)) {
      return invalidArgument("series: tags not sorted by key or keys not unique at '" + t.key +
                             "'");
    }
    size += 2 + t.key.size() + 4 + t.value.size();
  }
  if (size + kBodyPrefixSize > kMaxBody) return invalidArgument("series: over 1 MiB");
  const std::size_t start = out.size();
  out.resize(start + size);
  char* p = out.data() + start;
  auto put = [&p](std::size_t v, int width) {
    for (int i = 0; i < width; ++i) *p++ = static_cast<char>((v >> (8 * i)) & 0xFFu);
  };
  auto bytes = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(measurement.size(), 2);
  bytes(measurement);
  put(tags.size(), 2);
  for (const model::Tag& t : tags) {
    put(t.key.size(), 2);
    bytes(t.key);
    put(t.value.size(), 4);
    bytes(t.value);
  }
  return Status::ok();
}

// Calls fn(measurement) once, then fn(key, value) per tag, over canonical bytes. False when the
// bytes are malformed (lengths out of range or past the end, unsorted or empty keys, bytes left
// over).
template <typename M, typename T>
bool walkCanonical(std::string_view b, M&& on_measurement, T&& on_tag) {
  std::size_t pos = 0;
  auto take = [&](std::size_t n, std::string_view* out) {
    if (b.size() - pos < n) return false;
    *out = b.substr(pos, n);
    pos += n;
    return true;
  };
  auto num = [&](int width, std::size_t* out) {
    if (b.size() - pos < static_cast<std::size_t>(width)) return false;
    *out = static_cast<std::size_t>(getLe(b, pos, width));
    pos += static_cast<std::size_t>(width);
    return true;
  };
  std::size_t n = 0;
  std::string_view m;
  if (!num(2, &n) || n == 0 || !take(n, &m)) return false;
  on_measurement(m);
  std::size_t count = 0;
  if (!num(2, &count)) return false;
  std::string_view prev;
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view k, v;
    if (!num(2, &n) || n == 0 || !take(n, &k)) return false;
    if (!num(4, &n) || n > kMaxValue || !take(n, &v)) return false;
    if (i > 0 && !(prev < k)) return false;
    prev = k;
    on_tag(k, v);
  }
  return pos == b.size();
}

bool validCanonical(std::string_view b) {
  return walkCanonical(
      b, [](std::string_view) {}, [](std::string_view, std::string_view) {});
}

void appendRecord(std::string& out, std::uint8_t type, std::uint64_t id,
                  std::string_view canonical) {
  const std::size_t start = out.size();
  putLe(out, 0, 4);  // CRC, filled in below
  putLe(out, kBodyPrefixSize + canonical.size(), 4);
  out.push_back(static_cast<char>(type));
  putLe(out, id, 8);
  out.append(canonical);
  const std::uint32_t crc = crc32c(std::string_view(out).substr(start + 4));
  for (std::size_t i = 0; i < 4; ++i) out[start + i] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
}

struct RecordView {
  bool ok = false;
  std::uint8_t type = 0;
  std::uint64_t id = 0;
  std::string_view canonical;  // type 1
  std::size_t size = 0;        // header + body
  const char* error = "";
};

// Decodes the record at the front of bytes (which may hold more). Checks everything but the
// order of ids and duplicates.
RecordView decodeRecord(std::string_view bytes) {
  RecordView r;
  if (bytes.size() < kRecordHeaderSize) {
    r.error = "record header truncated";
    return r;
  }
  const std::uint64_t length = getLe(bytes, 4, 4);
  if (length < kBodyPrefixSize || length > kMaxBody) {
    r.error = "record length out of range";
    return r;
  }
  if (bytes.size() - kRecordHeaderSize < length) {
    r.error = "record truncated";
    return r;
  }
  const std::uint8_t type = static_cast<std::uint8_t>(bytes[kRecordHeaderSize]);
  if (type != kTypeSeries && type != kTypeReserve) {
    r.error = "unknown record type";
    return r;
  }
  const std::size_t size = kRecordHeaderSize + static_cast<std::size_t>(length);
  if (crc32c(bytes.substr(4, size - 4)) != getLe(bytes, 0, 4)) {
    r.error = "record checksum mismatch";
    return r;
  }
  const std::uint64_t id = getLe(bytes, kRecordHeaderSize + 1, 8);
  std::string_view canonical = bytes.substr(kRecordHeaderSize + kBodyPrefixSize,
                                            static_cast<std::size_t>(length) - kBodyPrefixSize);
  if (id == 0) {
    r.error = "record id 0";
    return r;
  }
  if (type == kTypeReserve ? !canonical.empty() : !validCanonical(canonical)) {
    r.error = "malformed record body";
    return r;
  }
  r.ok = true;
  r.type = type;
  r.id = id;
  r.canonical = type == kTypeSeries ? canonical : std::string_view();
  r.size = size;
  r.error = "";
  return r;
}

inline std::uint64_t hashKey(std::string_view key) { return std::hash<std::string_view>{}(key); }

std::size_t stringHeap(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;  // libstdc++'s small string buffer
}
constexpr std::size_t kMapNodeOverhead = 32;  // rb-tree node header + allocator rounding

// Sorted a ∩ sorted b into out. Binary searches the larger list when the other is much smaller.
void intersect(const Postings& a, const Postings& b, Postings& out) {
  out.clear();
  const Postings& small = a.size() <= b.size() ? a : b;
  const Postings& large = a.size() <= b.size() ? b : a;
  if (small.size() * 16 < large.size()) {
    auto it = large.begin();
    for (std::uint64_t id : small) {
      it = std::lower_bound(it, large.end(), id);
      if (it == large.end()) break;
      if (*it == id) out.push_back(id);
    }
    return;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
}

}  // namespace

struct SeriesIndex::Impl {
  struct Measurement {
    Postings ids;
    std::map<std::string, ValueMap, std::less<>> tags;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t id = 0;  // 0: empty
  };

  Impl(FileSystem& f, std::string p) : fs(f), path(std::move(p)) {}

  FileSystem& fs;
  const std::string path;

  // Lock order: io_mu, then mu.
  mutable std::shared_mutex mu;
  // --- guarded by mu
  std::vector<Slot> slots;             // open addressing, linear probing; size a power of 2
  std::uint64_t series = 0;            // live series (ids with a key)
  std::vector<std::string_view> keys;  // id - 1 -> canonical bytes in arena ("" for a gap)
  std::vector<std::unique_ptr<char[]>> arena;
  std::size_t arena_bytes = 0;  // allocated
  char* arena_cur = nullptr;    // free space in the current block
  std::size_t arena_left = 0;
  std::map<std::string, Measurement, std::less<>> measurements;
  std::uint64_t next_id = 1;
  std::string pending;                 // records not yet written to the file
  std::size_t flush_at = kFlushBytes;  // pending size that triggers a write
  std::uint64_t file_size = 0;         // bytes fully written to the file
  std::uint64_t durable_size = 0;      // bytes of the file known durable
  Status broken;                       // sticky: the log can no longer be written
  std::string damage;
  std::uint64_t torn_bytes = 0;
  std::uint64_t corrupt_bytes = 0;

  // --- guarded by io_mu
  std::mutex io_mu;
  std::unique_ptr<WritableFile> writer;

  // Compiled regexes by pattern.

  // ---------------------------------------------------------------------------------------------
  // The in-memory index (mu held; exclusively for the mutators)

  std::uint64_t find(std::uint64_t hash, std::string_view key) const {
    if (slots.empty()) return 0;
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots[i];
      if (s.id == 0) return 0;
      if (s.hash == hash && keys[s.id - 1] == key) return s.id;
    }
  }

  void placeSlot(std::uint64_t hash, std::uint64_t id) {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (slots[i].id != 0) i = (i + 1) & mask;
    slots[i] = Slot{hash, id};
  }

  // Copies bytes into the arena; the view stays valid for the index's lifetime.
  std::string_view store(std::string_view bytes) {
    if (bytes.size() > kArenaBlock / 4) {  // a large key gets a block of its own
      arena.push_back(std::make_unique<char[]>(bytes.size()));
      arena_bytes += bytes.size();
      std::memcpy(arena.back().get(), bytes.data(), bytes.size());
      return std::string_view(arena.back().get(), bytes.size());
    }
    if (arena_left < bytes.size()) {
      arena.push_back(std::make_unique<char[]>(kArenaBlock));
      arena_bytes += kArenaBlock;
      arena_cur = arena.back().get();
      arena_left = kArenaBlock;
    }
    char* p = arena_cur;
    std::memcpy(p, bytes.data(), bytes.size());
    arena_cur += bytes.size();
    arena_left -= bytes.size();
    return std::string_view(p, bytes.size());
  }

  // Adds a series with a fresh id (above every id so far).
  void insert(std::uint64_t id, std::uint64_t hash, std::string_view canonical) {
    if ((series + 1) * 10 > slots.size() * 7) {  // load factor 0.7
      std::vector<Slot> old = std::move(slots);
      slots.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
      for (const Slot& s : old) {
        if (s.id != 0) placeSlot(s.hash, s.id);
      }
    }
    const std::string_view key = store(canonical);
    keys.resize(id - 1, std::string_view());  // a gap left by a reserve record
    keys.push_back(key);
    placeSlot(hash, id);
    ++series;
    next_id = id + 1;
    Measurement* m = nullptr;
    walkCanonical(
        key,
        [&](std::string_view name) {
          auto it = measurements.find(name);
          if (it == measurements.end())
            it = measurements.emplace(std::string(name), Measurement{}).first;
          m = &it->second;
          m->ids.push_back(id);
        },
        [&](std::string_view k, std::string_view v) {
          auto kit = m->tags.find(k);
          if (kit == m->tags.end()) kit = m->tags.emplace(std::string(k), ValueMap{}).first;
          auto vit = kit->second.find(v);
          if (vit == kit->second.end()) vit = kit->second.emplace(std::string(v), Postings{}).first;
          vit->second.push_back(id);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  void addDamage(std::string text) {
    if (!damage.empty()) damage += "; ";
    damage += text;
  }

  Status writeNewFile(const std::string& name, std::string_view data) {
    Result<std::unique_ptr<WritableFile>> f = fs.openAppend(name);
    if (!f.isOk()) return f.status();
    Status st = (*f)->append(data);
    if (st.isOk()) st = (*f)->sync();
    Status closed = (*f)->close();
    return st.isOk() ? closed : st;
  }

  // Moves bytes[from..] to a new .corrupt file and rewrites the log as bytes[0..from) (or a fresh
  // header) plus a reserve record for reserve_id when it is above every id kept.
  Status quarantine(std::string_view bytes, std::size_t from, std::uint64_t reserve_id,
                    std::uint64_t last_id, std::string* corrupt_name) {
    std::string name = path + ".corrupt";
    for (int n = 1; fs.exists(name); ++n) name = path + ".corrupt." + std::to_string(n);
    SEXTANT_RETURN_IF_ERROR(writeNewFile(name, bytes.substr(from)));
    std::string prefix = from >= kHeaderSize ? std::string(bytes.substr(0, from)) : encodeHeader();
    if (reserve_id > last_id) appendRecord(prefix, kTypeReserve, reserve_id, {});
    const std::string tmp = path + ".tmp";
    if (fs.exists(tmp)) SEXTANT_RETURN_IF_ERROR(fs.remove(tmp));
    SEXTANT_RETURN_IF_ERROR(writeNewFile(tmp, prefix));
    SEXTANT_RETURN_IF_ERROR(fs.rename(tmp, path));
    *corrupt_name = name;
    file_size = prefix.size();
    if (reserve_id > last_id) next_id = reserve_id + 1;
    return Status::ok();
  }

  Status recover() {
    const std::string tmp = path + ".tmp";
    if (fs.exists(tmp)) SEXTANT_RETURN_IF_ERROR(fs.remove(tmp));  // an unfinished quarantine
    Result<std::string> read = fs.exists(path) ? fs.readFile(path) : Result<std::string>("");
    if (!read.isOk()) return read.status();
    const std::string& bytes = *read;
    const HeaderCheck header = checkHeader(bytes);
    if (header == HeaderCheck::kOtherVersion) {
      return Status(StatusCode::kUnimplemented, "series index " + path +
                                                    ": unsupported format version " +
                                                    std::to_string(getLe(bytes, 4, 2)));
    }
    if (header == HeaderCheck::kBad && bytes.size() <= kHeaderSize) {
      // New, or a torn creation: start a fresh log.
      if (!bytes.empty()) {
        addDamage("torn creation: " + std::to_string(bytes.size()) + "-byte header rewritten");
        torn_bytes += bytes.size();
        SEXTANT_RETURN_IF_ERROR(fs.truncate(path, 0));
      }
      Result<std::unique_ptr<WritableFile>> f = fs.openAppend(path);
      if (!f.isOk()) return f.status();
      writer = std::move(f).value();
      SEXTANT_RETURN_IF_ERROR(writer->append(encodeHeader()));
      SEXTANT_RETURN_IF_ERROR(writer->sync());
      file_size = durable_size = kHeaderSize;
      return Status::ok();
    }

    std::size_t pos = 0;
    std::uint64_t last_id = 0;
    std::string error = "bad file header";
    if (header == HeaderCheck::kOk) {
      pos = kHeaderSize;
      error.clear();
      while (pos < bytes.size()) {
        RecordView r = decodeRecord(std::string_view(bytes).substr(pos));
        if (!r.ok) {
          error = r.error;
          break;
        }
        if (r.id <= last_id) {
          error = "record id " + std::to_string(r.id) + " not above " + std::to_string(last_id);
          break;
        }
        if (r.type == kTypeSeries) {
          const std::uint64_t hash = hashKey(r.canonical);
          if (find(hash, r.canonical) != 0) {
            error = "duplicate series (id " + std::to_string(r.id) + ")";
            break;
          }
          insert(r.id, hash, r.canonical);
        }
        last_id = r.id;
        next_id = last_id + 1;
        pos += r.size;
      }
    }
    file_size = pos;
    if (!error.empty()) {
      // Valid records after the damage tell corruption from a torn tail.
      std::uint64_t found = 0;
      std::uint64_t max_id = 0;
      for (std::size_t p = pos; p + kRecordHeaderSize <= bytes.size();) {
        RecordView r = decodeRecord(std::string_view(bytes).substr(p));
        if (r.ok && r.id > last_id) {
          ++found;
          max_id = std::max(max_id, r.id);
          p += r.size;
        } else {
          ++p;
        }
      }
      const std::uint64_t lost = bytes.size() - pos;
      if (found == 0 && header == HeaderCheck::kOk) {
        SEXTANT_RETURN_IF_ERROR(fs.truncate(path, pos));
        torn_bytes += lost;
        addDamage("torn tail: " + std::to_string(lost) + " bytes cut at offset " +
                  std::to_string(pos) + " (" + error + ")");
      } else {
        std::string name;
        SEXTANT_RETURN_IF_ERROR(quarantine(bytes, pos, max_id, last_id, &name));
        corrupt_bytes += lost;
        addDamage("corruption at offset " + std::to_string(pos) + " (" + error +
                  "): " + std::to_string(lost) + " bytes with " + std::to_string(found) +
                  " intact records after it quarantined as " + name +
                  (max_id > last_id ? "; ids up to " + std::to_string(max_id) + " reserved" : ""));
      }
    }
    Result<std::unique_ptr<WritableFile>> f = fs.openAppend(path);
    if (!f.isOk()) return f.status();
    writer = std::move(f).value();
    // A killed process may have left data in the page cache that was just loaded.
    SEXTANT_RETURN_IF_ERROR(writer->sync());
    durable_size = file_size;
    return Status::ok();
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  // Writes the pending records to the file and, with do_sync, makes the file durable. With
  // only_if_full, does nothing unless the buffer reached flush_at (another thread may have
  // written it meanwhile).
  Status flush(bool do_sync, bool only_if_full = false) {
    std::lock_guard io(io_mu);
    std::string batch;
    std::uint64_t size = 0;
    {
      std::unique_lock lock(mu);
      if (!broken.isOk()) return broken;
      if (only_if_full && pending.size() < flush_at) return Status::ok();
      batch.swap(pending);
      size = file_size;
      if (batch.empty() && (!do_sync || durable_size == file_size)) return Status::ok();
    }
    if (!batch.empty()) {
      Status st = writer->append(batch);
      if (!st.isOk()) return writeFailed(std::move(batch), size, st);
      size += batch.size();
      std::unique_lock lock(mu);
      file_size = size;
      flush_at = kFlushBytes;
    }
    if (do_sync) {
      Status st = writer->sync();
      std::unique_lock lock(mu);
      if (!st.isOk()) {
        // The kernel may have dropped the pages it failed to write: nothing written since the
        // last good sync can be trusted any more.
        broken = Status(st.code(), "series index " + path + ": sync failed: " + st.message());
        return broken;
      }
      durable_size = size;
    }
    return Status::ok();
  }

  // A failed append may have written part of the batch: cut the file back to `size` and keep the
  // batch for the next flush.
  Status writeFailed(std::string batch, std::uint64_t size, const Status& st) {
    (void)writer->close();
    writer.reset();
    Status cut = fs.truncate(path, size);
    if (cut.isOk()) {
      Result<std::unique_ptr<WritableFile>> f = fs.openAppend(path);
      if (f.isOk()) {
        writer = std::move(f).value();
      } else {
        cut = f.status();
      }
    }
    std::unique_lock lock(mu);
    if (!cut.isOk()) {
      broken = Status(st.code(), "series index " + path + ": write failed (" + st.message() +
                                     ") and could not be undone: " + cut.message());
      return broken;
    }
    batch.append(pending);
    pending = std::move(batch);
    flush_at = pending.size() + kFlushBytes;  // do not retry on every new series
    return Status(st.code(), "series index " + path + ": write failed: " + st.message());
  }

  // ---------------------------------------------------------------------------------------------
  // Matching

  // Appends the ids of the series of m matching every matcher (sorted) to out.
  static void selectIn(const Measurement& m, const std::vector<CompiledTagMatcher>& cms,
                       Postings& out) {
    std::vector<Postings> positives;   // owned unions
    std::vector<const Postings*> pos;  // every positive set
    std::vector<const Postings*> neg;  // sets to subtract
    std::vector<Postings> negatives;   // owned unions
    positives.reserve(cms.size());
    negatives.reserve(cms.size());
    for (const CompiledTagMatcher& cm : cms) {
      auto kit = m.tags.find(cm.key());
      const ValueMap* values = kit == m.tags.end() ? nullptr : &kit->second;
      // A matcher that matches "" keeps every series but those whose value does not match
      // (a negative set); one that does not keeps only those whose value matches (positive).
      std::vector<const Postings*> lists;
      const TagMatcher::Op op = cm.op();
      const bool direct = cm.matchesEmpty() ? (op == TagMatcher::kNe || op == TagMatcher::kNotIn)
                                            : (op == TagMatcher::kEq || op == TagMatcher::kIn);
      if (values != nullptr) {
        if (direct) {  // the listed values are exactly the ones to keep (or to drop)
          for (std::string_view v : cm.values()) {
            auto vit = values->find(v);
            if (vit != values->end()) lists.push_back(&vit->second);
          }
        } else {
          for (const auto& [v, ids] : *values) {
            if (cm.matches(v) != cm.matchesEmpty()) lists.push_back(&ids);
          }
        }
      }
      if (cm.matchesEmpty()) {
        if (lists.size() == 1) {
          neg.push_back(lists[0]);
        } else if (lists.size() > 1) {
          Postings& u = negatives.emplace_back();
          for (const Postings* l : lists) u.insert(u.end(), l->begin(), l->end());
          std::sort(u.begin(), u.end());  // lists of one key are disjoint
          neg.push_back(&u);
        }
        continue;
      }
      if (lists.empty()) return;  // nothing matches
      if (lists.size() == 1) {
        pos.push_back(lists[0]);
      } else {
        Postings& u = positives.emplace_back();
        for (const Postings* l : lists) u.insert(u.end(), l->begin(), l->end());
        std::sort(u.begin(), u.end());
        pos.push_back(&u);
      }
    }
    if (pos.empty()) pos.push_back(&m.ids);
    std::sort(pos.begin(), pos.end(),
              [](const Postings* a, const Postings* b) { return a->size() < b->size(); });
    Postings cur = *pos[0];
    Postings tmp;
    for (std::size_t i = 1; i < pos.size() && !cur.empty(); ++i) {
      intersect(cur, *pos[i], tmp);
      cur.swap(tmp);
    }
    for (const Postings* n : neg) {
      if (cur.empty()) break;
      tmp.clear();
      std::set_difference(cur.begin(), cur.end(), n->begin(), n->end(), std::back_inserter(tmp));
      cur.swap(tmp);
    }
    out.insert(out.end(), cur.begin(), cur.end());
  }
};

// -----------------------------------------------------------------------------------------------

SeriesIndex::SeriesIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SeriesIndex::~SeriesIndex() {
  if (!impl_) return;
  (void)impl_->flush(/*do_sync=*/true);  // best effort
  if (impl_->writer) (void)impl_->writer->close();
}

Result<std::unique_ptr<SeriesIndex>> SeriesIndex::open(FileSystem& fs, std::string path) {
  if (path.empty()) return invalidArgument("series index: empty path");
  auto impl = std::make_unique<Impl>(fs, std::move(path));
  SEXTANT_RETURN_IF_ERROR(impl->recover());
  return std::unique_ptr<SeriesIndex>(new SeriesIndex(std::move(impl)));
}

Result<std::uint64_t> SeriesIndex::getOrCreate(std::string_view measurement,
                                               std::span<const model::Tag> tags) {
  thread_local std::string key;
  key.clear();
  SEXTANT_RETURN_IF_ERROR(encodeCanonical(key, measurement, tags));
  const std::uint64_t hash = hashKey(key);
  Impl& d = *impl_;
  {
    std::shared_lock lock(d.mu);
    if (const std::uint64_t id = d.find(hash, key); id != 0) return id;
  }
  std::uint64_t id = 0;
  bool flush = false;
  {
    std::unique_lock lock(d.mu);
    if (const std::uint64_t found = d.find(hash, key); found != 0) return found;
    if (!d.broken.isOk()) return d.broken;
    id = d.next_id;
    d.insert(id, hash, key);
    appendRecord(d.pending, kTypeSeries, id, key);
    flush = d.pending.size() >= d.flush_at;
  }
  if (flush) {
    (void)d.flush(/*do_sync=*/false, /*only_if_full=*/true);  // kept for retry; sync() reports it
  }
  return id;
}

Status SeriesIndex::sync() { return impl_->flush(/*do_sync=*/true); }

std::optional<SeriesKey> SeriesIndex::lookup(std::uint64_t id) const {
  std::shared_lock lock(impl_->mu);
  if (id == 0 || id > impl_->keys.size() || impl_->keys[id - 1].empty()) return std::nullopt;
  SeriesKey out;
  walkCanonical(
      impl_->keys[id - 1], [&](std::string_view m) { out.measurement = std::string(m); },
      [&](std::string_view k, std::string_view v) {
        out.tags.push_back(model::Tag{std::string(k), std::string(v)});
      });
  return out;
}

Result<CompiledTagMatcher> CompiledTagMatcher::compile(const TagMatcher& m) {
  CompiledTagMatcher cm;
  cm.key_ = m.key;
  cm.op_ = m.op;
  if (m.key.empty()) return invalidArgument("tag matcher: empty key");
  if (m.op == TagMatcher::kIn || m.op == TagMatcher::kNotIn) {
    cm.values_ = m.values;
    std::sort(cm.values_.begin(), cm.values_.end());
    cm.values_.erase(std::unique(cm.values_.begin(), cm.values_.end()), cm.values_.end());
  } else {
    if (m.values.size() != 1) {
      return invalidArgument("tag matcher on '" + m.key + "' needs exactly one value");
    }
    cm.values_ = m.values;
    if (m.op == TagMatcher::kRegex || m.op == TagMatcher::kNotRegex) {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_dot_nl(true);
      auto re = std::make_shared<const RE2>(m.values[0], options);
      if (!re->ok()) return invalidArgument("bad regex '" + m.values[0] + "': " + re->error());
      cm.re_ = std::move(re);
    }
  }
  cm.matches_empty_ = cm.matches("");
  return cm;
}

bool CompiledTagMatcher::matches(std::string_view v) const {
  switch (op_) {
    case TagMatcher::kEq: return v == values_[0];
    case TagMatcher::kNe: return v != values_[0];
    case TagMatcher::kRegex: return RE2::FullMatch(v, *re_);
    case TagMatcher::kNotRegex: return !RE2::FullMatch(v, *re_);
    case TagMatcher::kIn: return std::binary_search(values_.begin(), values_.end(), v);
    case TagMatcher::kNotIn: return !std::binary_search(values_.begin(), values_.end(), v);
  }
  return false;
}

Result<std::vector<std::uint64_t>> SeriesIndex::select(std::string_view measurement,
                                                       std::span<const TagMatcher> matchers) const {
  std::vector<CompiledTagMatcher> cms;
  cms.reserve(matchers.size());
  for (const TagMatcher& m : matchers) {
    Result<CompiledTagMatcher> cm = CompiledTagMatcher::compile(m);
    if (!cm.isOk()) return cm.status();
    cms.push_back(std::move(cm).value());
  }
  std::vector<std::uint64_t> out;
  std::shared_lock lock(impl_->mu);
  if (!measurement.empty()) {
    auto it = impl_->measurements.find(measurement);
    if (it != impl_->measurements.end()) Impl::selectIn(it->second, cms, out);
    return out;
  }
  for (const auto& [name, m] : impl_->measurements) Impl::selectIn(m, cms, out);
  lock.unlock();
  std::sort(out.begin(), out.end());  // ids of different measurements interleave
  return out;
}

std::vector<std::string> SeriesIndex::measurements() const {
  std::shared_lock lock(impl_->mu);
  std::vector<std::string> out;
  out.reserve(impl_->measurements.size());
  for (const auto& [name, m] : impl_->measurements) out.push_back(name);
  return out;
}

std::vector<std::string> SeriesIndex::tagKeys(std::string_view measurement) const {
  std::shared_lock lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, m] : impl_->measurements) {
    if (!measurement.empty() && name != measurement) continue;
    for (const auto& [key, values] : m.tags) out.push_back(key);
  }
  lock.unlock();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> SeriesIndex::tagValues(std::string_view measurement,
                                                std::string_view key) const {
  std::shared_lock lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, m] : impl_->measurements) {
    if (!measurement.empty() && name != measurement) continue;
    auto kit = m.tags.find(key);
    if (kit == m.tags.end()) continue;
    for (const auto& [value, ids] : kit->second) out.push_back(value);
  }
  lock.unlock();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

SeriesIndexStats SeriesIndex::stats() const {
  const Impl& d = *impl_;
  std::shared_lock lock(d.mu);
  SeriesIndexStats s;
  s.series = d.series;
  s.log_bytes = d.file_size + d.pending.size();
  s.pending_bytes = d.pending.size();
  s.unsynced_bytes = s.log_bytes - d.durable_size;
  s.next_id = d.next_id;
  s.torn_bytes = d.torn_bytes;
  s.corrupt_bytes = d.corrupt_bytes;
  std::size_t mem = sizeof(Impl) + d.arena_bytes + d.arena.capacity() * sizeof(void*) +
                    d.slots.capacity() * sizeof(Impl::Slot) +
                    d.keys.capacity() * sizeof(std::string_view) + d.pending.capacity();
  for (const auto& [name, m] : d.measurements) {
    mem += kMapNodeOverhead + sizeof(std::string) + sizeof(Impl::Measurement) + stringHeap(name) +
           m.ids.capacity() * sizeof(std::uint64_t);
    for (const auto& [key, values] : m.tags) {
      mem += kMapNodeOverhead + sizeof(std::string) + sizeof(ValueMap) + stringHeap(key);
      for (const auto& [value, ids] : values) {
        mem += kMapNodeOverhead + sizeof(std::string) + sizeof(Postings) + stringHeap(value) +
               ids.capacity() * sizeof(std::uint64_t);
      }
    }
  }
  s.memory_bytes = mem;
  return s;
}

std::string SeriesIndex::damage() const {
  std::shared_lock lock(impl_->mu);
  return impl_->damage;
}

}  // namespace sextant::storage

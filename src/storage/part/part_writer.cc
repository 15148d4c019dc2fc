// PartWriter: buffers one granule at a time and streams its blocks to <path>.tmp; finish()
// writes the meta and trailer, syncs and renames (docs/formats/parts.md).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "core/crc32c.h"
#include "storage/encoding/block.h"
#include "storage/part/part.h"
#include "storage/part/part_format.h"
#include "storage/part/part_internal.h"

namespace sextant::storage {

using part_internal::appendDefaults;
using part_internal::appendRange;

namespace {

// A granule is also cut before the variable-size values (strings, bytes, arrays) it buffers
// pass this many bytes, so that the writer's memory stays bounded and every block stays far below
// encoding::kMaxBlockBytes. A single larger row still makes a granule of its own.
constexpr std::size_t kGranuleMaxBytes = std::size_t{64} << 20;

// The bytes a row's value of a variable-size column holds (0 for fixed-size types).
std::size_t valueBytes(const Column& c, std::size_t row) {
  switch (c.type) {
    case model::FieldType::kString: return std::get<4>(c.values)[row].size();
    case model::FieldType::kBytes: return std::get<5>(c.values)[row].size();
    case model::FieldType::kArray: {
      const model::Array& a = std::get<6>(c.values)[row];
      std::size_t n = 8 * a.size();
      if (const auto* v = std::get_if<std::vector<std::string>>(&a.items)) {
        for (const std::string& x : *v) n += x.size();
      } else if (const auto* b = std::get_if<std::vector<model::Bytes>>(&a.items)) {
        for (const model::Bytes& x : *b) n += x.data.size();
      }
      return n;
    }
    default: return 0;
  }
}

bool isVariableSize(model::FieldType t) {
  return t == model::FieldType::kString || t == model::FieldType::kBytes ||
         t == model::FieldType::kArray;
}

// One column of the granule being filled: every row of the granule so far.
struct BufferedColumn {
  std::uint32_t id = 0;  // the writer's column id (first-seen order)
  ColumnValues values;
  std::vector<std::uint8_t> present;  // one byte per row
  std::size_t present_rows = 0;
};

}  // namespace

PartColumnStats part_internal::computeColumnStats(const ColumnValues& values,
                                                  const std::vector<std::uint8_t>& present,
                                                  std::size_t rows) {
  PartColumnStats st;
  std::size_t n_present = 0;
  auto isPresent = [&](std::size_t r) { return present.empty() || present[r] != 0; };
  auto range = [&](const auto& v, auto toBits) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    bool any = false;
    T lo{};
    T hi{};
    for (std::size_t r = 0; r < rows; ++r) {
      if (!isPresent(r)) continue;
      ++n_present;
      const T x = v[r];
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(x)) {
          st.flags |= PartColumnStats::kNaN;
          continue;
        }
      }
      if (!any || x < lo) lo = x;
      if (!any || x > hi) hi = x;
      any = true;
    }
    if (any) {
      st.flags |= PartColumnStats::kRange;
      st.min = toBits(lo);
      st.max = toBits(hi);
    }
  };
  switch (values.index()) {
    case 0:
      range(std::get<0>(values), [](std::int64_t x) { return static_cast<std::uint64_t>(x); });
      break;
    case 1: range(std::get<1>(values), [](std::uint64_t x) { return x; }); break;
    case 2:
      range(std::get<2>(values), [](double x) {
        std::uint64_t b = 0;
        std::memcpy(&b, &x, sizeof b);
        return b;
      });
      break;
    case 3:
      range(std::get<3>(values), [](std::uint8_t x) { return std::uint64_t{x != 0 ? 1u : 0u}; });
      break;
    default:
      for (std::size_t r = 0; r < rows; ++r) n_present += isPresent(r) ? 1 : 0;
      break;
  }
  if (n_present == rows) st.flags |= PartColumnStats::kAllPresent;
  return st;
}

struct PartWriter::Impl {
  FileSystem& fs;
  std::string path;
  std::string tmp_path;
  PartMeta meta;
  std::set<std::string> text_columns;
  std::set<std::string> value_columns;
  std::unique_ptr<WritableFile> file;
  Status error;  // sticky I/O error
  bool published = false;
  bool finished = false;
  std::uint64_t offset = 0;  // bytes written to the file

  // Columns seen so far, by writer id.
  std::map<PartColumnKey, std::uint32_t> column_ids;
  std::vector<PartColumnKey> column_keys;
  std::vector<std::string> measurements;
  std::vector<GranuleMark> marks;  // PartColumnBlock::column holds writer ids until finish()
  std::uint64_t rows = 0;
  std::int64_t min_time = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_time = std::numeric_limits<std::int64_t>::min();

  // The last row added, for the order check.
  bool any_rows = false;
  std::uint64_t last_series = 0;
  std::int64_t last_time = 0;

  // The granule being filled (of measurement measurements.back()).
  ColumnValues g_time = std::vector<std::int64_t>{};
  ColumnValues g_series = std::vector<std::uint64_t>{};
  bool g_any_series = false;
  std::size_t g_bytes = 0;  // variable-size value bytes buffered
  std::vector<BufferedColumn> g_columns;
  std::vector<int> g_slot;  // writer id -> index in g_columns, -1 when not in the granule
  std::string block_buf;

  Impl(FileSystem& f, std::string p, PartMeta m)
      : fs(f), path(std::move(p)), tmp_path(path + ".tmp"), meta(std::move(m)) {
    text_columns.insert(meta.text_columns.begin(), meta.text_columns.end());
    value_columns.insert(meta.value_bloom_columns.begin(), meta.value_bloom_columns.end());
  }

  std::size_t granuleRows() const { return std::get<0>(g_time).size(); }

  Status fail(Status s) {
    if (error.isOk()) error = s;
    return s;
  }

  Status open() {
    if (fs.exists(tmp_path)) {
      Status st = fs.remove(tmp_path);
      if (!st.isOk()) return fail(st);
    }
    Result<std::unique_ptr<WritableFile>> f = fs.openAppend(tmp_path);
    if (!f.isOk()) return fail(f.status());
    file = std::move(f).value();
    const std::string header = encodePartHeader();
    Status st = file->append(header);
    if (!st.isOk()) return fail(st);
    offset = header.size();
    return Status::ok();
  }

  Status checkBatch(const ColumnBatch& b) const {
    const std::size_t n = b.rows();
    std::set<PartColumnKey> keys;
    for (const Column& c : b.columns) {
      if (!part_internal::valuesMatchType(c)) {
        return invalidArgument("part writer: column " + c.name + " holds values of another type");
      }
      if (c.size() != n || (!c.present.empty() && c.present.size() != n)) {
        return invalidArgument("part writer: column " + c.name + " has " +
                               std::to_string(c.size()) + " rows, the batch " + std::to_string(n));
      }
      if (c.kind != ColumnKind::kTag && c.kind != ColumnKind::kField) {
        return invalidArgument("part writer: column " + c.name + " has a bad kind");
      }
      if (!keys.insert(PartColumnKey{c.name, c.kind, c.type}).second) {
        return invalidArgument("part writer: column " + c.name + " appears twice");
      }
    }
    for (std::size_t i = 1; i < n; ++i) {
      if (b.time_ns[i] < b.time_ns[i - 1]) {
        return invalidArgument("part writer: times go backwards within a batch");
      }
    }
    if (n == 0 || !any_rows) return Status::ok();
    const std::string& last_meas = measurements.back();
    if (b.measurement < last_meas) {
      return invalidArgument("part writer: measurement " + b.measurement + " after " + last_meas);
    }
    if (b.measurement == last_meas) {
      if (b.series_id < last_series) {
        return invalidArgument("part writer: series " + std::to_string(b.series_id) + " after " +
                               std::to_string(last_series));
      }
      if (b.series_id == last_series && b.time_ns.front() < last_time) {
        return invalidArgument("part writer: times go backwards within a series");
      }
    }
    return Status::ok();
  }

  std::uint32_t columnId(const Column& c) {
    PartColumnKey key{c.name, c.kind, c.type};
    auto [it, inserted] = column_ids.emplace(std::move(key), 0);
    if (inserted) {
      it->second = static_cast<std::uint32_t>(column_keys.size());
      column_keys.push_back(it->first);
      g_slot.push_back(-1);
    }
    return it->second;
  }

  // Appends rows [a, b) of the batch to the granule.
  void appendToGranule(const ColumnBatch& batch, std::size_t a, std::size_t b) {
    const std::size_t before = granuleRows();
    const std::size_t n = b - a;
    auto& t = std::get<0>(g_time);
    t.insert(t.end(), batch.time_ns.begin() + static_cast<std::ptrdiff_t>(a),
             batch.time_ns.begin() + static_cast<std::ptrdiff_t>(b));
    auto& s = std::get<1>(g_series);
    s.insert(s.end(), n, batch.series_id);
    if (batch.series_id != 0) g_any_series = true;
    for (const Column& c : batch.columns) {
      const std::uint32_t id = columnId(c);
      if (g_slot[id] < 0) {
        g_slot[id] = static_cast<int>(g_columns.size());
        BufferedColumn bc;
        bc.id = id;
        bc.values = emptyColumnValues(c.type);
        appendDefaults(bc.values, before);
        bc.present.assign(before, 0);
        g_columns.push_back(std::move(bc));
      }
      BufferedColumn& bc = g_columns[static_cast<std::size_t>(g_slot[id])];
      appendRange(bc.values, c.values, a, b);
      if (c.present.empty()) {
        bc.present.insert(bc.present.end(), n, 1);
        bc.present_rows += n;
      } else {
        for (std::size_t i = a; i < b; ++i) {
          const std::uint8_t p = c.present[i] != 0 ? 1 : 0;
          bc.present.push_back(p);
          bc.present_rows += p;
        }
      }
    }
    const std::size_t after = before + n;
    for (BufferedColumn& bc : g_columns) {
      if (bc.present.size() < after) {
        appendDefaults(bc.values, after - bc.present.size());
        bc.present.resize(after, 0);
      }
    }
  }

  Status flushGranule() {
    const std::size_t n = granuleRows();
    if (n == 0) return Status::ok();
    block_buf.clear();
    GranuleMark m;
    m.measurement = static_cast<std::uint32_t>(measurements.size() - 1);
    m.rows = static_cast<std::uint32_t>(n);
    const auto& t = std::get<0>(g_time);
    const auto [lo, hi] = std::minmax_element(t.begin(), t.end());
    m.min_time_ns = *lo;
    m.max_time_ns = *hi;
    auto ref = [&](std::size_t start) {
      return PartBlockRef{offset + start, static_cast<std::uint32_t>(block_buf.size() - start)};
    };
    encoding::encodeBlock(g_time, {}, 0, n, encoding::BlockHint::kTimestamps, &block_buf);
    m.time = ref(0);
    if (g_any_series) {
      const auto& s = std::get<1>(g_series);
      m.min_series = s.front();
      m.max_series = s.back();
      const std::size_t start = block_buf.size();
      encoding::encodeBlock(g_series, {}, 0, n, encoding::BlockHint::kAuto, &block_buf);
      m.series = ref(start);
    }
    if (!text_columns.empty()) {
      encoding::BloomBuilder bloom;
      for (const BufferedColumn& bc : g_columns) {
        const PartColumnKey& key = column_keys[bc.id];
        if (key.type != model::FieldType::kString || text_columns.count(key.name) == 0) continue;
        const auto& v = std::get<4>(bc.values);
        for (std::size_t i = 0; i < n; ++i) {
          if (bc.present[i] != 0) bloom.addText(v[i]);
        }
      }
      const std::size_t start = block_buf.size();
      block_buf += bloom.finish();
      m.bloom = ref(start);
      m.bloom_crc = crc32c(std::string_view(block_buf).substr(start));
      if (m.bloom.length == 0) m.bloom.offset = 0;
    }
    for (const BufferedColumn& bc : g_columns) {
      if (bc.present_rows == 0) continue;
      const PartColumnKey& key = column_keys[bc.id];
      PartColumnBlock cb;
      cb.column = bc.id;
      cb.stats = part_internal::computeColumnStats(bc.values, bc.present, n);
      if (key.type == model::FieldType::kString && value_columns.count(key.name) != 0) {
        encoding::BloomBuilder bloom;
        const auto& v = std::get<4>(bc.values);
        for (std::size_t i = 0; i < n; ++i) {
          if (bc.present[i] != 0) bloom.addToken(v[i]);
        }
        const std::size_t start = block_buf.size();
        block_buf += bloom.finish();
        cb.stats.flags |= PartColumnStats::kValueBloom;
        cb.stats.value_bloom = ref(start);
        cb.stats.value_bloom_crc = crc32c(std::string_view(block_buf).substr(start));
      }
      const std::size_t start = block_buf.size();
      std::span<const std::uint8_t> present;
      if (bc.present_rows != n) present = bc.present;
      encoding::encodeBlock(bc.values, present, 0, n, encoding::BlockHint::kAuto, &block_buf);
      cb.block = ref(start);
      m.columns.push_back(cb);
    }
    Status st = file->append(block_buf);
    if (!st.isOk()) return fail(st);
    offset += block_buf.size();
    rows += n;
    min_time = std::min(min_time, m.min_time_ns);
    max_time = std::max(max_time, m.max_time_ns);
    marks.push_back(std::move(m));
    // Reset the granule buffer, keeping capacity where it is cheap to.
    std::get<0>(g_time).clear();
    std::get<1>(g_series).clear();
    g_any_series = false;
    g_bytes = 0;
    for (const BufferedColumn& bc : g_columns) g_slot[bc.id] = -1;
    g_columns.clear();
    return Status::ok();
  }

  Status add(const ColumnBatch& batch) {
    if (finished) return invalidArgument("part writer: add() after finish()");
    if (!error.isOk()) return error;
    SEXTANT_RETURN_IF_ERROR(checkBatch(batch));
    const std::size_t n = batch.rows();
    if (n == 0) return Status::ok();
    if (!any_rows || batch.measurement != measurements.back()) {
      SEXTANT_RETURN_IF_ERROR(flushGranule());
      measurements.push_back(batch.measurement);
    }
    any_rows = true;
    last_series = batch.series_id;
    last_time = batch.time_ns.back();
    const bool variable = std::any_of(batch.columns.begin(), batch.columns.end(),
                                      [](const Column& c) { return isVariableSize(c.type); });
    for (std::size_t pos = 0; pos < n;) {
      std::size_t take = std::min(n - pos, kGranuleRows - granuleRows());
      if (variable) {
        std::size_t fit = 0;
        for (; fit < take; ++fit) {
          std::size_t row_bytes = 0;
          for (const Column& c : batch.columns) row_bytes += valueBytes(c, pos + fit);
          if (g_bytes + row_bytes > kGranuleMaxBytes && granuleRows() + fit > 0) break;
          g_bytes += row_bytes;
        }
        take = fit;
      }
      if (take > 0) appendToGranule(batch, pos, pos + take);
      pos += take;
      if (granuleRows() == kGranuleRows || pos < n) SEXTANT_RETURN_IF_ERROR(flushGranule());
    }
    return Status::ok();
  }

  Result<PartInfo> finish() {
    if (finished) return invalidArgument("part writer: finish() called twice");
    finished = true;
    if (!error.isOk()) return error;
    SEXTANT_RETURN_IF_ERROR(flushGranule());
    PartFooter f;
    f.meta = meta;
    f.rows = rows;
    f.min_time_ns = marks.empty() ? 0 : min_time;
    f.max_time_ns = marks.empty() ? 0 : max_time;
    f.measurements = measurements;
    // The column directory is sorted; marks switch from writer ids to directory indexes.
    std::vector<std::uint32_t> index(column_keys.size());
    {
      std::uint32_t i = 0;
      for (auto& [key, id] : column_ids) {
        index[id] = i++;
        f.columns.push_back(key);
      }
    }
    for (GranuleMark& m : marks) {
      for (PartColumnBlock& c : m.columns) c.column = index[c.column];
      std::sort(
          m.columns.begin(), m.columns.end(),
          [](const PartColumnBlock& a, const PartColumnBlock& b) { return a.column < b.column; });
    }
    f.granules = std::move(marks);
    std::string tail = encodePartMeta(f);
    PartTrailer t;
    t.meta_offset = offset;
    t.meta_length = tail.size();
    t.meta_crc = crc32c(tail);
    tail += encodePartTrailer(t);
    Status st = file->append(tail);
    if (st.isOk()) st = file->sync();
    if (st.isOk()) st = file->close();
    if (st.isOk()) st = fs.rename(tmp_path, path);
    if (!st.isOk()) return fail(st);
    published = true;
    offset += tail.size();
    PartInfo info;
    info.path = path;
    info.meta = std::move(f.meta);
    info.rows = rows;
    info.granules = f.granules.size();
    info.file_bytes = offset;
    info.min_time_ns = f.min_time_ns;
    info.max_time_ns = f.max_time_ns;
    info.schema = schemaOf(f);
    info.measurements = std::move(f.measurements);
    return info;
  }
};

PartWriter::PartWriter(FileSystem& fs, std::string path, PartMeta meta)
    : impl_(std::make_unique<Impl>(fs, std::move(path), std::move(meta))) {
  (void)impl_->open();  // a failure is sticky: add() and finish() return it
}

PartWriter::~PartWriter() {
  if (impl_->published) return;
  if (impl_->file) (void)impl_->file->close();
  impl_->file.reset();
  (void)impl_->fs.remove(impl_->tmp_path);
}

Status PartWriter::add(const ColumnBatch& batch) { return impl_->add(batch); }

Result<PartInfo> PartWriter::finish() { return impl_->finish(); }

}  // namespace sextant::storage

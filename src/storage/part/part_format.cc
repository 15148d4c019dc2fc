#include "storage/part/part_format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/crc32c.h"
#include "core/little_endian.h"

namespace sextant::storage {
namespace {

constexpr std::string_view kMagic = "SXPT";
constexpr std::string_view kEndMagic = "TPXS";
// The smallest encodings, to bound counts by the bytes left before allocating.
constexpr std::size_t kMinStringSize = 4;
constexpr std::size_t kMinColumnSize = 4 + 2;
constexpr std::size_t kMinMarkSize = 4 + 4 + 8 * 4 + 12 * 3 + 4 + 4;
constexpr std::size_t kColumnBlockSizeV1 = 4 + 8 + 4;
constexpr std::size_t kColumnBlockSizeV2 = kColumnBlockSizeV1 + 1;

bool supportedVersion(std::uint64_t v) {
  return v >= kPartFormatMinVersion && v <= kPartFormatVersion;
}

double bitsToDouble(std::uint64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// Why a column entry's statistics break docs/formats/parts.md's rules ("" when they do not).
std::string statsProblem(const PartColumnStats& st, model::FieldType type) {
  using S = PartColumnStats;
  if ((st.flags & ~S::kAllFlags) != 0) return "unknown statistics flags";
  if ((st.flags & S::kRange) != 0) {
    switch (type) {
      case model::FieldType::kInt:
        if (static_cast<std::int64_t>(st.min) > static_cast<std::int64_t>(st.max))
          return "bad range";
        break;
      case model::FieldType::kUint:
        if (st.min > st.max) return "bad range";
        break;
      case model::FieldType::kFloat: {
        const double lo = bitsToDouble(st.min), hi = bitsToDouble(st.max);
        if (std::isnan(lo) || std::isnan(hi) || lo > hi) return "bad range";
        break;
      }
      case model::FieldType::kBool:
        if (st.min > st.max || st.max > 1) return "bad range";
        break;
      default: return "range on a column that has none";
    }
  } else if (st.min != 0 || st.max != 0) {
    return "bounds without the range flag";
  }
  if ((st.flags & S::kNaN) != 0 && type != model::FieldType::kFloat) {
    return "NaN flag on a column that is not float";
  }
  if ((st.flags & S::kValueBloom) != 0 && type != model::FieldType::kString) {
    return "value bloom on a column that is not a string";
  }
  if ((st.flags & S::kValueBloom) == 0 &&
      (st.value_bloom.offset != 0 || st.value_bloom.length != 0 || st.value_bloom_crc != 0)) {
    return "value bloom without its flag";
  }
  return "";
}

void putString(std::string& out, std::string_view s) {
  putLe(out, s.size(), 4);
  out.append(s);
}

void putRef(std::string& out, const PartBlockRef& r) {
  putLe(out, r.offset, 8);
  putLe(out, r.length, 4);
}

// A bounds-checked reader over the meta bytes. The first failure sticks.
class MetaReader {
 public:
  explicit MetaReader(std::string_view in) : in_(in) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t left() const { return in_.size() - pos_; }
  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }
  std::uint64_t u(int bytes) {
    if (!ok() || left() < static_cast<std::size_t>(bytes)) {
      fail("part meta truncated");
      return 0;
    }
    std::uint64_t v = getLe(in_, pos_, bytes);
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u(8)); }
  std::string str() {
    const std::uint64_t n = u(4);
    if (!ok() || left() < n) {
      fail("part meta: string runs past the end");
      return {};
    }
    std::string s(in_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  // A count of items of at least min_size bytes each.
  std::uint32_t count(std::size_t min_size, const char* what) {
    const std::uint64_t n = u(4);
    if (ok() && n > left() / min_size)
      fail(std::string("part meta: implausible number of ") + what);
    return ok() ? static_cast<std::uint32_t>(n) : 0;
  }
  PartBlockRef ref() {
    PartBlockRef r;
    r.offset = u(8);
    r.length = static_cast<std::uint32_t>(u(4));
    return r;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
};

bool refInData(const PartBlockRef& r, std::uint64_t meta_offset) {
  return r.offset >= kPartHeaderSize && r.offset <= meta_offset &&
         r.length <= meta_offset - r.offset;
}

}  // namespace

std::string encodePartHeader(std::uint16_t version) {
  std::string out(kMagic);
  putLe(out, version, 2);
  putLe(out, 0, 2);
  return out;
}

std::uint16_t partHeaderVersion(std::string_view bytes) {
  return bytes.size() < kPartHeaderSize ? 0 : static_cast<std::uint16_t>(getLe(bytes, 4, 2));
}

Status checkPartHeader(std::string_view bytes) {
  if (bytes.size() < kPartHeaderSize) return dataLoss("part header truncated");
  if (bytes.substr(0, 4) != kMagic) return dataLoss("part header: bad magic");
  if (!supportedVersion(getLe(bytes, 4, 2))) {
    return dataLoss("part header: unsupported version " + std::to_string(getLe(bytes, 4, 2)));
  }
  if (getLe(bytes, 6, 2) != 0) return dataLoss("part header: reserved bits set");
  return Status::ok();
}

std::string encodePartMeta(const PartFooter& f) {
  std::string out;
  putLe(out, f.meta.level, 4);
  putLe(out, f.meta.max_lsn, 8);
  putLe(out, f.meta.sources.size(), 4);
  for (const std::string& s : f.meta.sources) putString(out, s);
  putLe(out, f.meta.text_columns.size(), 4);
  for (const std::string& s : f.meta.text_columns) putString(out, s);
  const bool v2 = f.version >= 2;
  if (v2) {
    putLe(out, f.meta.value_bloom_columns.size(), 4);
    for (const std::string& s : f.meta.value_bloom_columns) putString(out, s);
  }
  putLe(out, f.rows, 8);
  putLe(out, static_cast<std::uint64_t>(f.min_time_ns), 8);
  putLe(out, static_cast<std::uint64_t>(f.max_time_ns), 8);
  putLe(out, f.measurements.size(), 4);
  for (const std::string& m : f.measurements) putString(out, m);
  putLe(out, f.columns.size(), 4);
  for (const PartColumnKey& c : f.columns) {
    putString(out, c.name);
    putLe(out, static_cast<std::uint8_t>(c.kind), 1);
    putLe(out, static_cast<std::uint8_t>(c.type), 1);
  }
  putLe(out, f.granules.size(), 4);
  for (const GranuleMark& g : f.granules) {
    putLe(out, g.measurement, 4);
    putLe(out, g.rows, 4);
    putLe(out, static_cast<std::uint64_t>(g.min_time_ns), 8);
    putLe(out, static_cast<std::uint64_t>(g.max_time_ns), 8);
    putLe(out, g.min_series, 8);
    putLe(out, g.max_series, 8);
    putRef(out, g.time);
    putRef(out, g.series);
    putRef(out, g.bloom);
    putLe(out, g.bloom_crc, 4);
    putLe(out, g.columns.size(), 4);
    for (const PartColumnBlock& c : g.columns) {
      putLe(out, c.column, 4);
      putRef(out, c.block);
      if (!v2) continue;
      const PartColumnStats& st = c.stats;
      putLe(out, st.flags, 1);
      if ((st.flags & PartColumnStats::kRange) != 0) {
        putLe(out, st.min, 8);
        putLe(out, st.max, 8);
      }
      if ((st.flags & PartColumnStats::kValueBloom) != 0) {
        putRef(out, st.value_bloom);
        putLe(out, st.value_bloom_crc, 4);
      }
    }
  }
  return out;
}

Result<PartFooter> decodePartMeta(std::string_view meta, std::uint64_t meta_offset,
                                  std::uint16_t version) {
  if (!supportedVersion(version)) {
    return dataLoss("part meta: unsupported version " + std::to_string(version));
  }
  const bool v2 = version >= 2;
  MetaReader r(meta);
  PartFooter f;
  f.version = version;
  f.meta.level = static_cast<std::uint32_t>(r.u(4));
  f.meta.max_lsn = r.u(8);
  const std::uint32_t n_sources = r.count(kMinStringSize, "sources");
  for (std::uint32_t i = 0; i < n_sources && r.ok(); ++i) f.meta.sources.push_back(r.str());
  const std::uint32_t n_text = r.count(kMinStringSize, "text columns");
  for (std::uint32_t i = 0; i < n_text && r.ok(); ++i) f.meta.text_columns.push_back(r.str());
  if (v2) {
    const std::uint32_t n_value = r.count(kMinStringSize, "value bloom columns");
    for (std::uint32_t i = 0; i < n_value && r.ok(); ++i) {
      f.meta.value_bloom_columns.push_back(r.str());
    }
  }
  f.rows = r.u(8);
  f.min_time_ns = r.i64();
  f.max_time_ns = r.i64();
  const std::uint32_t n_meas = r.count(kMinStringSize, "measurements");
  for (std::uint32_t i = 0; i < n_meas && r.ok(); ++i) {
    f.measurements.push_back(r.str());
    if (r.ok() && i > 0 && !(f.measurements[i - 1] < f.measurements[i])) {
      r.fail("part meta: measurements not strictly ascending");
    }
  }
  const std::uint32_t n_cols = r.count(kMinColumnSize, "columns");
  for (std::uint32_t i = 0; i < n_cols && r.ok(); ++i) {
    PartColumnKey c;
    c.name = r.str();
    const std::uint64_t kind = r.u(1);
    const std::uint64_t type = r.u(1);
    if (r.ok() && (kind > 1 || type > static_cast<std::uint64_t>(model::FieldType::kArray))) {
      r.fail("part meta: bad column kind or type");
    }
    c.kind = static_cast<ColumnKind>(kind);
    c.type = static_cast<model::FieldType>(type);
    if (r.ok() && i > 0 && !(f.columns.back() < c)) {
      r.fail("part meta: columns not strictly ascending");
    }
    f.columns.push_back(std::move(c));
  }
  const std::uint32_t n_granules = r.count(kMinMarkSize, "granules");
  std::uint64_t rows = 0;
  std::int64_t min_time = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_time = std::numeric_limits<std::int64_t>::min();
  std::vector<bool> used(f.measurements.size(), false);
  f.granules.reserve(n_granules);
  for (std::uint32_t i = 0; i < n_granules && r.ok(); ++i) {
    GranuleMark g;
    g.measurement = static_cast<std::uint32_t>(r.u(4));
    g.rows = static_cast<std::uint32_t>(r.u(4));
    g.min_time_ns = r.i64();
    g.max_time_ns = r.i64();
    g.min_series = r.u(8);
    g.max_series = r.u(8);
    g.time = r.ref();
    g.series = r.ref();
    g.bloom = r.ref();
    g.bloom_crc = static_cast<std::uint32_t>(r.u(4));
    const std::uint32_t n_blocks =
        r.count(v2 ? kColumnBlockSizeV2 : kColumnBlockSizeV1, "column blocks");
    g.columns.reserve(n_blocks);
    for (std::uint32_t j = 0; j < n_blocks && r.ok(); ++j) {
      PartColumnBlock c;
      c.column = static_cast<std::uint32_t>(r.u(4));
      c.block = r.ref();
      if (v2) {
        PartColumnStats& st = c.stats;
        st.flags = static_cast<std::uint8_t>(r.u(1));
        if ((st.flags & PartColumnStats::kRange) != 0) {
          st.min = r.u(8);
          st.max = r.u(8);
        }
        if ((st.flags & PartColumnStats::kValueBloom) != 0) {
          st.value_bloom = r.ref();
          st.value_bloom_crc = static_cast<std::uint32_t>(r.u(4));
        }
      }
      if (!r.ok()) break;
      if (c.column >= f.columns.size() || (j > 0 && c.column <= g.columns.back().column)) {
        r.fail("part meta: granule " + std::to_string(i) + ": bad column index");
      } else if (c.block.length == 0 || !refInData(c.block, meta_offset)) {
        r.fail("part meta: granule " + std::to_string(i) + ": column block out of range");
      } else if (std::string why = statsProblem(c.stats, f.columns[c.column].type); !why.empty()) {
        r.fail("part meta: granule " + std::to_string(i) + ": column " + f.columns[c.column].name +
               ": " + why);
      } else if ((c.stats.flags & PartColumnStats::kValueBloom) != 0 &&
                 (c.stats.value_bloom.length == 0 ||
                  !refInData(c.stats.value_bloom, meta_offset))) {
        r.fail("part meta: granule " + std::to_string(i) + ": value bloom out of range");
      }
      g.columns.push_back(c);
    }
    if (!r.ok()) break;
    const std::string where = "part meta: granule " + std::to_string(i) + ": ";
    if (g.measurement >= f.measurements.size()) {
      r.fail(where + "bad measurement index");
    } else if (g.rows == 0 || g.rows > kGranuleRows) {
      r.fail(where + "bad row count");
    } else if (g.min_time_ns > g.max_time_ns || g.min_series > g.max_series) {
      r.fail(where + "bad time or series bounds");
    } else if (g.time.length == 0 || !refInData(g.time, meta_offset)) {
      r.fail(where + "time block out of range");
    } else if (g.series.length == 0 ? (g.series.offset != 0 || g.max_series != 0)
                                    : !refInData(g.series, meta_offset)) {
      r.fail(where + "bad series block");
    } else if (g.bloom.length == 0 ? (g.bloom.offset != 0 || g.bloom_crc != 0)
                                   : !refInData(g.bloom, meta_offset)) {
      r.fail(where + "bad bloom filter");
    } else if (i > 0) {
      const GranuleMark& p = f.granules.back();
      if (g.measurement < p.measurement ||
          (g.measurement == p.measurement && g.min_series < p.max_series)) {
        r.fail(where + "out of order");
      }
    }
    if (!r.ok()) break;
    used[g.measurement] = true;
    rows += g.rows;
    min_time = std::min(min_time, g.min_time_ns);
    max_time = std::max(max_time, g.max_time_ns);
    f.granules.push_back(std::move(g));
  }
  if (r.ok() && r.left() != 0) r.fail("part meta: trailing bytes");
  if (!r.ok()) return dataLoss(r.error());
  if (rows != f.rows) return dataLoss("part meta: granule rows do not add up");
  if (f.granules.empty() ? (f.min_time_ns != 0 || f.max_time_ns != 0)
                         : (f.min_time_ns != min_time || f.max_time_ns != max_time)) {
    return dataLoss("part meta: time bounds do not match the granules");
  }
  if (std::find(used.begin(), used.end(), false) != used.end()) {
    return dataLoss("part meta: a measurement has no granule");
  }
  return f;
}

std::string encodePartTrailer(const PartTrailer& t) {
  std::string out;
  putLe(out, t.meta_offset, 8);
  putLe(out, t.meta_length, 8);
  putLe(out, t.meta_crc, 4);
  putLe(out, t.version, 2);
  putLe(out, 0, 2);
  putLe(out, crc32c(out), 4);
  out.append(kEndMagic);
  return out;
}

Result<PartTrailer> decodePartTrailer(std::string_view bytes, std::uint64_t file_size) {
  if (file_size < kPartHeaderSize + kPartTrailerSize || bytes.size() != kPartTrailerSize) {
    return dataLoss("part file too short");
  }
  if (bytes.substr(28, 4) != kEndMagic) return dataLoss("part trailer: bad end magic");
  if (getLe(bytes, 24, 4) != crc32c(bytes.substr(0, 24))) {
    return dataLoss("part trailer: checksum mismatch");
  }
  if (!supportedVersion(getLe(bytes, 20, 2))) {
    return dataLoss("part trailer: unsupported version " + std::to_string(getLe(bytes, 20, 2)));
  }
  if (getLe(bytes, 22, 2) != 0) return dataLoss("part trailer: reserved bits set");
  PartTrailer t;
  t.meta_offset = getLe(bytes, 0, 8);
  t.meta_length = getLe(bytes, 8, 8);
  t.meta_crc = static_cast<std::uint32_t>(getLe(bytes, 16, 4));
  t.version = static_cast<std::uint16_t>(getLe(bytes, 20, 2));
  const std::uint64_t meta_end = file_size - kPartTrailerSize;
  if (t.meta_offset < kPartHeaderSize || t.meta_offset > meta_end ||
      t.meta_length != meta_end - t.meta_offset) {
    return dataLoss("part trailer: meta out of range");
  }
  return t;
}

std::vector<MeasurementColumns> schemaOf(const PartFooter& f) {
  std::vector<std::vector<std::uint8_t>> seen(f.measurements.size(),
                                              std::vector<std::uint8_t>(f.columns.size(), 0));
  for (const GranuleMark& g : f.granules) {
    if (g.measurement >= seen.size()) continue;
    for (const PartColumnBlock& b : g.columns) {
      if (b.column < f.columns.size()) seen[g.measurement][b.column] = 1;
    }
  }
  std::vector<MeasurementColumns> out;
  for (std::size_t m = 0; m < f.measurements.size(); ++m) {
    MeasurementColumns mc;
    mc.measurement = f.measurements[m];
    for (std::size_t c = 0; c < f.columns.size(); ++c) {
      if (seen[m][c]) mc.columns.push_back(f.columns[c]);
    }
    out.push_back(std::move(mc));
  }
  return out;
}

}  // namespace sextant::storage

// PartReader: open() validates the trailer and meta; scan() skips granules by their marks, token
// blooms and (field predicates) column statistics and value blooms, reads the projected and
// predicate blocks with readRange, filters rows and emits one batch per granule and series.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>

#include "core/crc32c.h"
#include "storage/encoding/block.h"
#include "storage/part/part.h"
#include "storage/part/part_format.h"
#include "storage/part/part_internal.h"

namespace sextant::storage {

using part_internal::DecodedGranule;

namespace {

// One series' rows of g as a batch: rows [a, b) when sel is null, else the rows in *sel
// (ascending). Columns without a present value among those rows are left out; `present` is
// empty when every row is present.
ColumnBatch copyRows(const DecodedGranule& g, std::size_t a, std::size_t b,
                     const std::vector<std::uint32_t>* sel) {
  const std::size_t n = sel != nullptr ? sel->size() : b - a;
  auto row = [&](std::size_t i) -> std::size_t { return sel != nullptr ? (*sel)[i] : a + i; };
  ColumnBatch out;
  out.measurement = *g.measurement;
  out.series_id = g.seriesAt(row(0));
  if (sel == nullptr) {
    out.time_ns.assign(g.time_ns.begin() + static_cast<std::ptrdiff_t>(a),
                       g.time_ns.begin() + static_cast<std::ptrdiff_t>(b));
  } else {
    out.time_ns.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.time_ns.push_back(g.time_ns[row(i)]);
  }
  for (const Column& c : g.columns) {
    std::size_t present = n;
    if (!c.present.empty()) {
      present = 0;
      for (std::size_t i = 0; i < n; ++i) present += c.present[row(i)] != 0 ? 1 : 0;
    }
    if (present == 0) continue;
    Column& o = out.columns.emplace_back();
    o.name = c.name;
    o.kind = c.kind;
    o.type = c.type;
    o.values = emptyColumnValues(c.type);
    if (sel != nullptr) {
      part_internal::appendRows(o.values, c.values, *sel);
    } else {
      part_internal::appendRange(o.values, c.values, a, b);
    }
    if (present != n) {
      o.present.reserve(n);
      for (std::size_t i = 0; i < n; ++i) o.present.push_back(c.present[row(i)]);
    }
  }
  return out;
}

// The rows `sel` (ascending, not empty) of g, which all have one series.
ColumnBatch gatherRows(const DecodedGranule& g, const std::vector<std::uint32_t>& sel) {
  if (sel.back() - sel.front() + 1 == sel.size()) {
    return copyRows(g, sel.front(), sel.back() + std::size_t{1}, nullptr);
  }
  return copyRows(g, 0, 0, &sel);
}

// The end of the run of rows of series g.seriesAt(a) from row a: galloping (1, 2, 4, ... rows
// ahead), then a binary search in the last step, so a run of k rows costs O(log k) (series ids
// ascend in a granule: readGranule checks it).
std::size_t seriesRunEnd(const DecodedGranule& g, std::size_t a) {
  const std::size_t n = g.rows();
  if (g.series.empty()) return n;
  const std::uint64_t* s = g.series.data();
  const std::uint64_t sid = s[a];
  std::size_t lo = a + 1, step = 1;  // rows before lo are in the run
  while (lo < n && s[lo] == sid) {
    const std::size_t probe = std::min(n, lo + step);
    if (s[probe - 1] != sid) {
      return static_cast<std::size_t>(std::upper_bound(s + lo, s + probe, sid) - s);
    }
    lo = probe;
    step *= 2;
  }
  return lo;
}

}  // namespace

PartScanCursor::PartScanCursor() = default;
PartScanCursor::~PartScanCursor() = default;
PartScanCursor::PartScanCursor(PartScanCursor&&) noexcept = default;
PartScanCursor& PartScanCursor::operator=(PartScanCursor&&) noexcept = default;

ColumnBatch part_internal::sliceGranule(const DecodedGranule& g, std::size_t a, std::size_t b) {
  return copyRows(g, a, b, nullptr);
}

struct PartReader::Impl {
  FileSystem* fs = nullptr;
  PartInfo info;
  PartFooter footer;
  // Per granule: its time and series blocks passed readGranule's order and bounds checks. The
  // blocks are checksummed, so bytes that pass the CRC again are the bytes checked: later reads
  // skip the row-by-row checks (a dashboard's repeated queries read the same granules).
  std::unique_ptr<std::atomic<bool>[]> rows_checked;

  Status damaged(std::size_t g, const std::string& what, const Status& st) const {
    return dataLoss("part " + info.path + ": granule " + std::to_string(g) + " " + what + ": " +
                    st.message());
  }

  // Reads the given blocks of granule g (one readRange when they are close together).
  Status readBlocks(std::size_t g, const std::vector<PartBlockRef>& refs,
                    std::vector<std::string>* out, PartScanStats* stats) const {
    std::vector<std::string> bytes;
    std::vector<std::string_view> views;
    SEXTANT_RETURN_IF_ERROR(readBlockViews(g, refs, &bytes, &views, stats));
    out->clear();
    for (std::string_view v : views) out->emplace_back(v);
    return Status::ok();
  }

  // readBlocks without copying: views[i] is block i, pointing into *bytes (one string when the
  // blocks were read with one readRange).
  Status readBlockViews(std::size_t g, const std::vector<PartBlockRef>& refs,
                        std::vector<std::string>* bytes_out, std::vector<std::string_view>* out,
                        PartScanStats* stats) const {
    bytes_out->clear();
    out->assign(refs.size(), std::string_view());
    if (refs.empty()) return Status::ok();
    std::uint64_t lo = refs[0].offset;
    std::uint64_t hi = 0;
    std::uint64_t sum = 0;
    for (const PartBlockRef& r : refs) {
      lo = std::min(lo, r.offset);
      hi = std::max(hi, r.offset + r.length);
      sum += r.length;
    }
    if (stats != nullptr) {
      stats->blocks_read += refs.size();
      stats->bytes_read += sum;
    }
    auto short_read = [&]() {
      return dataLoss("part " + info.path + ": granule " + std::to_string(g) +
                      ": file shorter than its blocks");
    };
    if (hi - lo <= 2 * sum + 4096) {
      Result<std::string> bytes = fs->readRange(info.path, lo, static_cast<std::size_t>(hi - lo));
      if (!bytes.isOk()) return bytes.status();
      if (bytes->size() != hi - lo) return short_read();
      const std::string& all = bytes_out->emplace_back(std::move(bytes).value());
      for (std::size_t i = 0; i < refs.size(); ++i) {
        (*out)[i] = std::string_view(all).substr(static_cast<std::size_t>(refs[i].offset - lo),
                                                 refs[i].length);
      }
      return Status::ok();
    }
    bytes_out->reserve(refs.size());  // no reallocation: the views point into the strings
    for (std::size_t i = 0; i < refs.size(); ++i) {
      Result<std::string> bytes = fs->readRange(info.path, refs[i].offset, refs[i].length);
      if (!bytes.isOk()) return bytes.status();
      if (bytes->size() != refs[i].length) return short_read();
      (*out)[i] = bytes_out->emplace_back(std::move(bytes).value());
    }
    return Status::ok();
  }

  // Reads and decodes granule g: time, series and the columns with want[column] set (all when
  // want is null).
  Status readGranule(std::size_t g, const std::vector<char>* want, DecodedGranule* out,
                     PartScanStats* stats) const {
    const GranuleMark& m = footer.granules[g];
    std::vector<PartBlockRef> refs{m.time};
    if (m.series.length != 0) refs.push_back(m.series);
    std::vector<const PartColumnBlock*> cols;
    for (const PartColumnBlock& c : m.columns) {
      if (want == nullptr || (*want)[c.column] != 0) {
        cols.push_back(&c);
        refs.push_back(c.block);
      }
    }
    std::vector<std::string> bytes;
    std::vector<std::string_view> blocks;
    SEXTANT_RETURN_IF_ERROR(readBlockViews(g, refs, &bytes, &blocks, stats));
    out->granule = static_cast<std::uint32_t>(g);
    out->measurement = &footer.measurements[m.measurement];
    // The vectors of the previous granule are decoded into again (their capacity kept).
    std::vector<Column> old_columns = std::move(out->columns);
    out->columns.clear();
    out->series.clear();
    // Time.
    {
      out->time_ns.clear();
      ColumnValues v = std::move(out->time_ns);
      std::vector<std::uint8_t> present;
      Status st = encoding::decodeBlock(blocks[0], &v, &present);
      if (!st.isOk()) return damaged(g, "time block", st);
      out->time_ns = std::move(std::get<0>(v));
      if (out->time_ns.size() != m.rows || !present.empty()) {
        return damaged(g, "time block", dataLoss("row count or presence does not match the mark"));
      }
    }
    const bool check_rows = !rows_checked[g].load(std::memory_order_relaxed);
    if (check_rows) {
      for (std::int64_t t : out->time_ns) {
        if (t < m.min_time_ns || t > m.max_time_ns) {
          return damaged(g, "time block", dataLoss("time outside the mark's bounds"));
        }
      }
    }
    std::size_t next = 1;
    if (m.series.length != 0) {
      ColumnValues v = std::move(out->series);
      std::vector<std::uint8_t> present;
      Status st = encoding::decodeBlock(blocks[next++], &v, &present);
      if (!st.isOk()) return damaged(g, "series block", st);
      out->series = std::move(std::get<1>(v));
      const auto& s = out->series;
      if (s.size() != m.rows || !present.empty() || s.front() != m.min_series ||
          s.back() != m.max_series) {
        return damaged(g, "series block", dataLoss("does not match the mark"));
      }
      // Plain pointers: the vectors' data are not reloaded each row.
      const std::uint64_t* sp = s.data();
      const std::int64_t* tp = out->time_ns.data();
      for (std::size_t i = 1; check_rows && i < s.size(); ++i) {
        if (sp[i] < sp[i - 1] || (sp[i] == sp[i - 1] && tp[i] < tp[i - 1])) {
          return damaged(g, "series block", dataLoss("rows out of order"));
        }
      }
    } else {
      const std::int64_t* tp = out->time_ns.data();
      for (std::size_t i = 1; check_rows && i < out->time_ns.size(); ++i) {
        if (tp[i] < tp[i - 1]) return damaged(g, "time block", dataLoss("rows out of order"));
      }
    }
    if (check_rows) rows_checked[g].store(true, std::memory_order_relaxed);
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const PartColumnKey& key = footer.columns[cols[i]->column];
      Column& col = out->columns.emplace_back();
      if (i < old_columns.size() && old_columns[i].type == key.type) {
        col = std::move(old_columns[i]);
        std::visit([](auto& vec) { vec.clear(); }, col.values);
        col.present.clear();
      } else {
        col.values = emptyColumnValues(key.type);
      }
      col.name = key.name;
      col.kind = key.kind;
      col.type = key.type;
      Status st = encoding::decodeBlock(blocks[next++], &col.values, &col.present);
      if (!st.isOk()) return damaged(g, "column " + key.name, st);
      if (col.size() != m.rows || (!col.present.empty() && col.present.size() != m.rows)) {
        return damaged(g, "column " + key.name, dataLoss("row count does not match the mark"));
      }
    }
    return Status::ok();
  }

  // The granule's bloom filter, checked against its CRC.
  Result<std::string> readBloom(std::size_t g, PartScanStats* stats) const {
    const GranuleMark& m = footer.granules[g];
    std::vector<std::string> blocks;
    SEXTANT_RETURN_IF_ERROR(readBlocks(g, {m.bloom}, &blocks, stats));
    if (crc32c(blocks[0]) != m.bloom_crc) {
      return damaged(g, "bloom filter", dataLoss("checksum mismatch"));
    }
    return std::move(blocks[0]);
  }

  // The bytes of a column block's value bloom, checked against the mark's CRC.
  Result<std::string> readValueBloom(std::size_t g, const PartColumnBlock& cb,
                                     PartScanStats* stats) const {
    std::vector<std::string> blocks;
    SEXTANT_RETURN_IF_ERROR(readBlocks(g, {cb.stats.value_bloom}, &blocks, stats));
    if (crc32c(blocks[0]) != cb.stats.value_bloom_crc) {
      return damaged(g, "value bloom of column " + footer.columns[cb.column].name,
                     dataLoss("checksum mismatch"));
    }
    return std::move(blocks[0]);
  }

  // Whether some present value of column block cb may pass predicate p (values: p's scalars).
  // False only when the block's statistics or value bloom prove that none does.
  Result<bool> blockMayPass(std::size_t g, const PartColumnBlock& cb, const FieldPredicate& p,
                            const std::vector<ScalarRef>& values, PartScanStats* stats) const {
    using Op = FieldPredicate::Op;
    if (p.op == Op::kExists) return true;
    if (p.op == Op::kNotExists) return false;
    const bool passes_unordered = p.op == Op::kNe || p.op == Op::kNotIn;
    const model::FieldType type = footer.columns[cb.column].type;
    const PartColumnStats& st = cb.stats;
    switch (type) {
      case model::FieldType::kArray: return passes_unordered;  // arrays never compare
      case model::FieldType::kBytes: return true;
      case model::FieldType::kString: {
        if ((st.flags & PartColumnStats::kValueBloom) == 0 ||
            (p.op != Op::kEq && p.op != Op::kIn)) {
          return true;
        }
        for (const ScalarRef& v : values) {
          if (v.kind != ScalarRef::kString) return true;  // "1e3" = 1000: no exact bytes
        }
        Result<std::string> bloom = readValueBloom(g, cb, stats);
        if (!bloom.isOk()) return bloom.status();
        for (const ScalarRef& v : values) {
          if (encoding::bloomMayContain(*bloom, v.s)) return true;
        }
        return false;
      }
      default: break;
    }
    const bool has_range = (st.flags & PartColumnStats::kRange) != 0;
    const bool has_nan = (st.flags & PartColumnStats::kNaN) != 0;
    if (!has_range && !has_nan) return true;  // no statistics (a version-1 part)
    if (has_nan && passes_unordered) return true;
    if (!has_range) return false;  // only NaN: nothing but != and NOT IN passes
    ScalarRef lo, hi;
    switch (type) {
      case model::FieldType::kInt:
        lo = scalarOf(model::FieldValue(static_cast<std::int64_t>(st.min)));
        hi = scalarOf(model::FieldValue(static_cast<std::int64_t>(st.max)));
        break;
      case model::FieldType::kUint:
        lo = scalarOf(model::FieldValue(st.min));
        hi = scalarOf(model::FieldValue(st.max));
        break;
      case model::FieldType::kFloat: {
        double a = 0, b = 0;
        std::memcpy(&a, &st.min, sizeof a);
        std::memcpy(&b, &st.max, sizeof b);
        lo = scalarOf(model::FieldValue(a));
        hi = scalarOf(model::FieldValue(b));
        break;
      }
      default:
        lo = scalarOf(model::FieldValue(st.min != 0));
        hi = scalarOf(model::FieldValue(st.max != 0));
        break;
    }
    // Against a number (or a string that is one), the values compare monotonically with the
    // column's numbers, so the range decides; against other strings (text order) it does not.
    std::vector<ScalarRef> nums;
    for (const ScalarRef& v : values) {
      if (v.kind == ScalarRef::kString) {
        double d = 0;
        auto r = std::from_chars(v.s.data(), v.s.data() + v.s.size(), d);
        if (v.s.empty() || r.ec != std::errc() || r.ptr != v.s.data() + v.s.size()) return true;
        nums.push_back(scalarOf(model::FieldValue(d)));
      } else {
        nums.push_back(v);
      }
    }
    auto cmp = [](const ScalarRef& a, const ScalarRef& b) { return compareFieldValues(a, b); };
    auto within = [&](const ScalarRef& v) {
      auto a = cmp(lo, v), b = cmp(hi, v);
      return a && b && *a <= 0 && *b >= 0;
    };
    auto single = [&](const ScalarRef& v) {  // every value equals v
      auto a = cmp(lo, v), b = cmp(hi, v);
      return a && b && *a == 0 && *b == 0;
    };
    switch (p.op) {
      case Op::kEq: return within(nums[0]);
      case Op::kIn: return std::any_of(nums.begin(), nums.end(), within);
      case Op::kNe: return !single(nums[0]);
      case Op::kNotIn: return std::none_of(nums.begin(), nums.end(), single);
      case Op::kLt: {
        auto c = cmp(lo, nums[0]);
        return c && *c < 0;
      }
      case Op::kLe: {
        auto c = cmp(lo, nums[0]);
        return c && *c <= 0;
      }
      case Op::kGt: {
        auto c = cmp(hi, nums[0]);
        return c && *c > 0;
      }
      case Op::kGe: {
        auto c = cmp(hi, nums[0]);
        return c && *c >= 0;
      }
      default: return true;
    }
  }

  // Whether some row of granule g may pass every predicate of f (false: skip the granule).
  Result<bool> granuleMayPass(std::size_t g, const FieldFilter& f,
                              const std::vector<std::vector<ScalarRef>>& scalars,
                              PartScanStats* stats) const {
    const GranuleMark& m = footer.granules[g];
    for (std::size_t i = 0; i < f.predicates().size(); ++i) {
      const FieldPredicate& p = f.predicates()[i];
      bool all_present = false;
      bool may = false;
      for (const PartColumnBlock& cb : m.columns) {
        if (footer.columns[cb.column].name != p.column) continue;
        if ((cb.stats.flags & PartColumnStats::kAllPresent) != 0) all_present = true;
        if (!may) {
          Result<bool> b = blockMayPass(g, cb, p, scalars[i], stats);
          if (!b.isOk()) return b.status();
          may = *b;
        }
      }
      if (!may && !(missingPasses(p.op) && !all_present)) return false;
    }
    return true;
  }

  bool markMatches(const GranuleMark& m, const PartQuery& q) const {
    if (m.max_time_ns < q.min_time_ns || m.min_time_ns > q.max_time_ns) return false;
    if (!q.measurements.empty() && !std::binary_search(q.measurements.begin(), q.measurements.end(),
                                                       footer.measurements[m.measurement])) {
      return false;
    }
    if (q.series != nullptr) {
      auto it = std::lower_bound(q.series->begin(), q.series->end(), m.min_series);
      if (it == q.series->end() || *it > m.max_series) return false;
    }
    return true;
  }

  Status scan(const PartQuery& q, const std::function<Status(ColumnBatch&&)>& fn,
              PartScanStats* stats) const {
    PartScanStats local;
    PartScanStats* st = stats != nullptr ? stats : &local;
    std::vector<char> want(footer.columns.size(), q.no_columns ? 0 : 1);
    if (!q.no_columns && !q.columns.empty()) {
      for (std::size_t i = 0; i < footer.columns.size(); ++i) {
        want[i] =
            std::find(q.columns.begin(), q.columns.end(), footer.columns[i].name) != q.columns.end()
                ? 1
                : 0;
      }
    }
    // Field predicates: their columns are read too (and dropped from batches unless projected).
    Result<FieldFilter> filter = FieldFilter::make(q.fields);
    if (!filter.isOk()) return filter.status();
    std::vector<std::vector<ScalarRef>> scalars;
    for (const FieldPredicate& p : filter->predicates()) {
      auto& v = scalars.emplace_back();
      for (const model::FieldValue& x : p.values) v.push_back(scalarOf(x));
    }
    std::vector<char> need = want;
    for (std::size_t i = 0; i < footer.columns.size(); ++i) {
      if (std::binary_search(filter->columnNames().begin(), filter->columnNames().end(),
                             footer.columns[i].name)) {
        need[i] = 1;
      }
    }
    const bool strip = need != want;
    auto projected = [&](const std::string& name) {
      if (q.no_columns) return false;
      return q.columns.empty() ||
             std::find(q.columns.begin(), q.columns.end(), name) != q.columns.end();
    };
    const bool with_columns = q.only_rows_with_columns && !q.no_columns && !q.columns.empty();
    // Whether some projected column has a value in rows [a, b) of dg.
    auto anyProjectedValue = [&](const DecodedGranule& dg, std::size_t a, std::size_t b) {
      for (const Column& c : dg.columns) {
        if (!projected(c.name)) continue;
        if (c.present.empty()) return true;
        for (std::size_t r = a; r < b; ++r) {
          if (c.present[r] != 0) return true;
        }
      }
      return false;
    };
    std::vector<std::uint8_t> keep;
    // With a cursor: start where the previous scan of the sequence read last, and decode into
    // (and reuse) the cursor's granule.
    PartScanCursor* cursor =
        q.cursor != nullptr && q.measurements.size() == 1 && q.series != nullptr ? q.cursor
                                                                                 : nullptr;
    DecodedGranule local_dg;
    if (cursor != nullptr && cursor->decoded == nullptr) {
      cursor->decoded = std::make_unique<DecodedGranule>();
    }
    DecodedGranule& dg = cursor != nullptr ? *cursor->decoded : local_dg;
    bool dg_valid = cursor != nullptr && cursor->has_decoded && cursor->decoded_columns == need;
    std::vector<std::uint32_t> sel;
    for (std::size_t g = cursor != nullptr ? cursor->granule : 0; g < footer.granules.size(); ++g) {
      const GranuleMark& m = footer.granules[g];
      if (cursor != nullptr && m.min_series > q.series->back() &&
          footer.measurements[m.measurement] == q.measurements[0]) {
        break;  // the measurement's later granules hold later series only
      }
      ++st->granules_total;
      if (!markMatches(m, q)) continue;
      if (with_columns && std::none_of(m.columns.begin(), m.columns.end(),
                                       [&](const PartColumnBlock& c) { return want[c.column]; })) {
        continue;  // none of the projected columns in this granule
      }
      if (!q.tokens.empty() && m.bloom.length != 0) {
        Result<std::string> bloom = readBloom(g, st);
        if (!bloom.isOk()) return bloom.status();
        bool all = true;
        for (const std::string& t : q.tokens) {
          if (!encoding::bloomMayContain(*bloom, t)) {
            all = false;
            break;
          }
        }
        if (!all) continue;
      } else if (!q.tokens.empty() && !footer.meta.text_columns.empty()) {
        continue;  // the granule has no text at all
      }
      if (!filter->empty()) {
        Result<bool> may = granuleMayPass(g, *filter, scalars, st);
        if (!may.isOk()) return may.status();
        if (!*may) {
          ++st->granules_skipped_by_fields;
          continue;
        }
      }
      if (!dg_valid || dg.granule != g) {
        ++st->granules_read;
        dg_valid = false;
        if (cursor != nullptr) cursor->has_decoded = false;
        SEXTANT_RETURN_IF_ERROR(readGranule(g, &need, &dg, st));
        if (cursor != nullptr) {
          cursor->has_decoded = true;
          cursor->decoded_columns = need;
          dg_valid = true;
        }
      }
      if (cursor != nullptr) cursor->granule = g;
      if (!filter->empty()) filter->evaluate(dg.columns, dg.rows(), &keep);
      // Rows by series runs; each run that keeps rows is one batch.
      const std::size_t n = dg.rows();
      for (std::size_t a = 0; a < n;) {
        const std::uint64_t sid = dg.seriesAt(a);
        const std::size_t b = seriesRunEnd(dg, a);
        const bool series_ok =
            q.series == nullptr || std::binary_search(q.series->begin(), q.series->end(), sid);
        if (series_ok && keep.empty()) {
          // Times ascend within a series run: the rows in the time range are one slice.
          const auto t0 = dg.time_ns.begin() + static_cast<std::ptrdiff_t>(a);
          const auto t1 = dg.time_ns.begin() + static_cast<std::ptrdiff_t>(b);
          const auto lo = std::lower_bound(t0, t1, q.min_time_ns);
          const auto hi = std::upper_bound(lo, t1, q.max_time_ns);
          const auto from = static_cast<std::size_t>(lo - dg.time_ns.begin());
          const auto to = static_cast<std::size_t>(hi - dg.time_ns.begin());
          if (lo != hi && (!with_columns || anyProjectedValue(dg, from, to))) {
            st->rows_returned += to - from;
            if (q.rows_fn && !strip) {
              SeriesRowsView v;
              v.measurement = dg.measurement;
              v.series_id = sid;
              v.time_ns = dg.time_ns.data() + from;
              v.rows = to - from;
              v.columns = &dg.columns;
              v.offset = from;
              SEXTANT_RETURN_IF_ERROR(q.rows_fn(v));
              a = b;
              continue;
            }
            ColumnBatch out = copyRows(dg, from, to, nullptr);
            if (strip) {
              std::erase_if(out.columns, [&](const Column& c) { return !projected(c.name); });
            }
            SEXTANT_RETURN_IF_ERROR(q.rows_fn ? q.rows_fn(viewOf(out)) : fn(std::move(out)));
          }
        } else if (series_ok) {
          sel.clear();
          for (std::size_t r = a; r < b; ++r) {
            const std::int64_t t = dg.time_ns[r];
            if (t >= q.min_time_ns && t <= q.max_time_ns && (keep.empty() || keep[r] != 0))
              sel.push_back(static_cast<std::uint32_t>(r));
          }
          if (!sel.empty()) {
            st->rows_returned += sel.size();
            ColumnBatch out = gatherRows(dg, sel);
            if (strip) {
              std::erase_if(out.columns, [&](const Column& c) { return !projected(c.name); });
            }
            if (with_columns && out.columns.empty()) {
              st->rows_returned -= sel.size();
            } else {
              SEXTANT_RETURN_IF_ERROR(q.rows_fn ? q.rows_fn(viewOf(out)) : fn(std::move(out)));
            }
          }
        }
        a = b;
      }
    }
    return Status::ok();
  }

  // A version-2 granule's column statistics against its decoded columns (dg holds all of them,
  // in the mark's order).
  Status verifyStats(std::size_t g, const DecodedGranule& dg) const {
    const GranuleMark& m = footer.granules[g];
    const auto& value_cols = footer.meta.value_bloom_columns;
    constexpr std::uint8_t kExact =
        PartColumnStats::kRange | PartColumnStats::kAllPresent | PartColumnStats::kNaN;
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      const PartColumnBlock& cb = m.columns[i];
      const PartColumnKey& key = footer.columns[cb.column];
      const Column& col = dg.columns[i];
      const std::string what = "statistics of column " + key.name;
      const PartColumnStats want =
          part_internal::computeColumnStats(col.values, col.present, dg.rows());
      if ((cb.stats.flags & kExact) != want.flags || cb.stats.min != want.min ||
          cb.stats.max != want.max) {
        return damaged(g, what, dataLoss("do not match the values"));
      }
      const bool bloom_wanted =
          key.type == model::FieldType::kString &&
          std::find(value_cols.begin(), value_cols.end(), key.name) != value_cols.end();
      const bool has_bloom = (cb.stats.flags & PartColumnStats::kValueBloom) != 0;
      if (bloom_wanted != has_bloom) {
        return damaged(g, what,
                       dataLoss(bloom_wanted ? "value bloom missing" : "stray value bloom"));
      }
      if (!has_bloom) continue;
      Result<std::string> bloom = readValueBloom(g, cb, nullptr);
      if (!bloom.isOk()) return bloom.status();
      const auto& v = std::get<4>(col.values);
      for (std::size_t r = 0; r < v.size(); ++r) {
        if (col.isPresent(r) && !encoding::bloomMayContain(*bloom, v[r])) {
          return damaged(g, what, dataLoss("a value is not in the value bloom"));
        }
      }
    }
    return Status::ok();
  }

  Status verify() const {
    DecodedGranule dg;
    for (std::size_t g = 0; g < footer.granules.size(); ++g) {
      SEXTANT_RETURN_IF_ERROR(readGranule(g, nullptr, &dg, nullptr));
      if (footer.granules[g].bloom.length != 0) {
        Result<std::string> bloom = readBloom(g, nullptr);
        if (!bloom.isOk()) return bloom.status();
      }
      if (footer.version >= 2) SEXTANT_RETURN_IF_ERROR(verifyStats(g, dg));
    }
    return Status::ok();
  }
};

PartReader::PartReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PartReader::~PartReader() = default;

Result<std::unique_ptr<PartReader>> PartReader::open(FileSystem& fs, std::string path) {
  auto bad = [&](const Status& st) { return dataLoss("part " + path + ": " + st.message()); };
  Result<std::uint64_t> size = fs.fileSize(path);
  if (!size.isOk()) return size.status();
  if (*size < kPartHeaderSize + kPartTrailerSize) return bad(dataLoss("file too short"));
  Result<std::string> header = fs.readRange(path, 0, kPartHeaderSize);
  if (!header.isOk()) return header.status();
  if (Status st = checkPartHeader(*header); !st.isOk()) return bad(st);
  Result<std::string> tail = fs.readRange(path, *size - kPartTrailerSize, kPartTrailerSize);
  if (!tail.isOk()) return tail.status();
  Result<PartTrailer> trailer = decodePartTrailer(*tail, *size);
  if (!trailer.isOk()) return bad(trailer.status());
  if (trailer->version != partHeaderVersion(*header)) {
    return bad(dataLoss("header and trailer versions differ"));
  }
  Result<std::string> meta =
      fs.readRange(path, trailer->meta_offset, static_cast<std::size_t>(trailer->meta_length));
  if (!meta.isOk()) return meta.status();
  if (meta->size() != trailer->meta_length) return bad(dataLoss("meta truncated"));
  if (crc32c(*meta) != trailer->meta_crc) return bad(dataLoss("meta checksum mismatch"));
  Result<PartFooter> footer = decodePartMeta(*meta, trailer->meta_offset, trailer->version);
  if (!footer.isOk()) return bad(footer.status());
  auto impl = std::make_unique<Impl>();
  impl->fs = &fs;
  impl->footer = std::move(footer).value();
  const PartFooter& f = impl->footer;
  impl->info.path = std::move(path);
  impl->info.meta = f.meta;
  impl->info.rows = f.rows;
  impl->info.granules = f.granules.size();
  impl->rows_checked = std::make_unique<std::atomic<bool>[]>(f.granules.size());
  impl->info.file_bytes = *size;
  impl->info.min_time_ns = f.min_time_ns;
  impl->info.max_time_ns = f.max_time_ns;
  impl->info.measurements = f.measurements;
  impl->info.schema = schemaOf(f);
  return std::unique_ptr<PartReader>(new PartReader(std::move(impl)));
}

const PartInfo& PartReader::info() const { return impl_->info; }

Status PartReader::scan(const PartQuery& q, const std::function<Status(ColumnBatch&&)>& fn,
                        PartScanStats* stats) const {
  return impl_->scan(q, fn, stats);
}

Status PartReader::verify() const { return impl_->verify(); }

const PartFooter& PartReaderInternals::footer(const PartReader& r) { return r.impl_->footer; }

Status PartReaderInternals::readGranule(const PartReader& r, std::size_t g,
                                        part_internal::DecodedGranule* out) {
  return r.impl_->readGranule(g, nullptr, out, nullptr);
}

}  // namespace sextant::storage

#include "query/exec/series_source.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <tuple>

#include "query/exec/parallel.h"

namespace sextant::query {

namespace {

bool isNumeric(model::FieldType t) {
  return t == model::FieldType::kInt || t == model::FieldType::kUint ||
         t == model::FieldType::kFloat || t == model::FieldType::kBool;
}

double numericAt(const storage::Column& c, std::size_t row) {
  switch (c.type) {
    case model::FieldType::kInt: return static_cast<double>(std::get<0>(c.values)[row]);
    case model::FieldType::kUint: return static_cast<double>(std::get<1>(c.values)[row]);
    case model::FieldType::kFloat: return std::get<2>(c.values)[row];
    default: return std::get<3>(c.values)[row] ? 1.0 : 0.0;
  }
}

constexpr std::int64_t kNsPerMs = 1'000'000;

std::int64_t floorDiv(std::int64_t t, std::int64_t unit) {
  return t / unit - (t % unit < 0 ? 1 : 0);
}

// Sorts samples by time (stable: scan order is write order for equal times) and keeps the last
// sample of each timestamp.
void sortAndCollapse(std::vector<std::int64_t>* t, std::vector<double>* v) {
  // The common case (one part, or parts in time order): strictly ascending already.
  if (std::adjacent_find(t->begin(), t->end(), std::greater_equal<std::int64_t>()) == t->end()) {
    return;
  }
  std::vector<std::size_t> order(t->size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return (*t)[a] < (*t)[b]; });
  std::vector<std::int64_t> nt;
  std::vector<double> nv;
  nt.reserve(order.size());
  nv.reserve(order.size());
  for (std::size_t i : order) {
    if (!nt.empty() && nt.back() == (*t)[i]) {
      nv.back() = (*v)[i];
    } else {
      nt.push_back((*t)[i]);
      nv.push_back((*v)[i]);
    }
  }
  *t = std::move(nt);
  *v = std::move(nv);
}

}  // namespace

Result<bool> matches(const storage::TagMatcher& m, std::string_view v) {
  Result<storage::CompiledTagMatcher> cm = storage::CompiledTagMatcher::compile(m);
  if (!cm.isOk()) return cm.status();
  return cm->matches(v);
}

namespace {

// What the shards of one fetch share: series and samples kept by all of them together.
// A shard that fails sets `failed`; the others stop at their next batch with kShardStopped.
struct SharedCounts {
  std::atomic<std::size_t> series{0};
  std::atomic<std::size_t> samples{0};
  std::atomic<bool> failed{false};
};
constexpr std::string_view kShardStopped = "fetch: another shard failed";

// Between batches of a shard: another shard failed, the deadline passed, or (the calling
// thread's shard only) the client went away.
Status checkShard(const SharedCounts& counts, const FetchLimits& lim, bool timed,
                  bool check_cancelled) {
  if (counts.failed.load(std::memory_order_relaxed)) {
    return Status(StatusCode::kCancelled, std::string(kShardStopped));
  }
  if (timed && std::chrono::steady_clock::now() > lim.deadline) {
    return Status(StatusCode::kDeadlineExceeded, std::string(kFetchTimedOut));
  }
  if (check_cancelled && lim.cancelled && lim.cancelled()) {
    return Status(StatusCode::kCancelled, std::string(kFetchCancelled));
  }
  return Status::ok();
}

// The scan of a selector's fields in storage's slice `shard` of `shards` of the selected series.
storage::ScanRequest fieldScanRequest(const FieldSelector& sel, std::uint32_t shard,
                                      std::uint32_t shards) {
  storage::ScanRequest req;
  req.series_shard = shard;
  req.series_shards = shards;
  req.workspace_id = sel.workspace_id;
  req.category = model::Category::kMetric;
  req.min_time_ns = sel.min_time_ns;
  req.max_time_ns = sel.max_time_ns;
  req.measurements = {sel.measurement};
  req.tags = sel.tags;
  req.columns = sel.fields;
  // The measurement's series without these fields (other fields' series) are not returned.
  req.only_rows_with_columns = true;
  return req;
}

// One shard of fetchFieldSeries: the series of storage's slice `shard` of `shards`, unsorted.
// `cancelled` is only called when `check_cancelled` (the calling thread's shard).
//
// Times are converted to sel.time_unit_ns while they are copied, and each series' order is
// tracked on the way: a series whose ns times are strictly ascending (the usual case: one part, or
// parts in time order) needs no sort in ns, and only a collapse of equal times after the division
// when two samples fall on one unit. When some series is not strictly ascending in ns, the shard
// reads again in ns (*disordered set) and the caller sorts, converts and collapses.
Status fetchFieldShardOnce(storage::StorageEngine& engine, const FieldSelector& sel,
                           std::int64_t unit, std::uint32_t shard, std::uint32_t shards,
                           bool check_cancelled, SharedCounts* counts,
                           std::vector<FieldSeries>* out, bool* disordered) {
  storage::ScanRequest req = fieldScanRequest(sel, shard, shards);
  const FetchLimits& lim = sel.limits;
  bool timed = lim.deadline != std::chrono::steady_clock::time_point::max();
  // Series in first-seen order; (field name, series id) -> index in `series`.
  std::vector<FieldSeries>& series = *out;
  std::map<std::pair<std::string, std::uint64_t>, std::size_t> index;
  const bool bounded = sel.min_time_ns != INT64_MIN && sel.max_time_ns != INT64_MAX;
  const double span_ns =
      bounded ? static_cast<double>(sel.max_time_ns) - static_cast<double>(sel.min_time_ns) : 0;
  std::size_t reserved = 0;  // samples of capacity reserved ahead
  // Per series (as `series`): the last ns time appended, whether the ns times so far ascend
  // strictly, and whether the converted times do.
  struct Order {
    std::int64_t last_ns = INT64_MIN;
    bool ns_ascending = true;
    bool ascending = true;
  };
  std::vector<Order> order;
  // Appends time t_ns of series i, converted.
  auto pushTime = [&](std::size_t i, std::int64_t t_ns) {
    Order& o = order[i];
    std::vector<std::int64_t>& times = series[i].time_ns;
    o.ns_ascending &= t_ns > o.last_ns;
    o.last_ns = t_ns;
    const std::int64_t t = unit == 1 ? t_ns : floorDiv(t_ns, unit);
    o.ascending &= times.empty() || t > times.back();
    times.push_back(t);
  };
  Status st = engine.scan(req, [&](storage::ColumnBatch&& b) {
    SEXTANT_RETURN_IF_ERROR(checkShard(*counts, lim, timed, check_cancelled));
    for (storage::Column& c : b.columns) {
      if (c.kind != storage::ColumnKind::kField || !isNumeric(c.type)) continue;
      auto [it, fresh] = index.try_emplace({c.name, b.series_id}, series.size());
      if (fresh) {
        if (counts->series.fetch_add(1) + 1 > lim.max_series) {
          return outOfRange(std::string(kFetchTooManySeries));
        }
        order.emplace_back();
        FieldSeries& s = series.emplace_back();
        s.measurement = b.measurement;
        s.field = c.name;
        s.tags = b.series_tags;
      }
      const std::size_t si = it->second;
      FieldSeries& s = series[si];
      const std::size_t rows = b.rows();
      std::size_t present = rows;
      if (!c.present.empty()) {
        present = static_cast<std::size_t>(std::count_if(c.present.begin(), c.present.end(),
                                                         [](std::uint8_t p) { return p != 0; }));
      }
      // Checked before the batch is copied: what is kept never exceeds the cap.
      if (counts->samples.fetch_add(present) + present > lim.max_samples) {
        return outOfRange(std::string(kFetchTooManySamples));
      }
      if (s.values.empty() && bounded && rows > 1 && b.time_ns.back() > b.time_ns.front() &&
          reserved < lim.max_samples) {
        // Room for the whole selected range at the first batch's sample rate (5% over), so
        // that most series never reallocate; at most 64 Ki samples a series and the sample cap
        // over all series (untouched capacity costs address space only).
        const double per_ns = static_cast<double>(rows - 1) /
                              static_cast<double>(b.time_ns.back() - b.time_ns.front());
        const double expect = std::min(span_ns * per_ns * 1.05 + 16, 65536.0);
        const std::size_t room = static_cast<std::size_t>(expect);
        reserved += room;
        s.time_ns.reserve(room);
        s.values.reserve(room);
      }
      if (present == rows && c.type == model::FieldType::kFloat) {
        // The common case: every row present, doubles: two bulk appends (geometric growth).
        // two bulk appends (geometric growth), the times converted on the way.
        const std::vector<double>& v = std::get<2>(c.values);
        Order& o = order[si];
        const std::size_t old = s.time_ns.size();
        s.time_ns.resize(old + rows);
        std::int64_t* dst = s.time_ns.data() + old;
        const std::int64_t prev = old > 0 ? dst[-1] : INT64_MIN;
        // Division by a constant (multiply and shift) for the usual units.
        auto copy = [&](auto convert) {
          std::int64_t p_ns = o.last_ns, p = prev;
          bool ns_ascending = true, ascending = true;
          for (std::size_t r = 0; r < rows; ++r) {
            const std::int64_t t_ns = b.time_ns[r];
            const std::int64_t t = convert(t_ns);
            ns_ascending &= t_ns > p_ns;
            ascending &= t > p;
            p_ns = t_ns;
            p = t;
            dst[r] = t;
          }
          o.last_ns = p_ns;
          o.ns_ascending &= ns_ascending;
          o.ascending &= ascending;
        };
        if (unit == 1) {
          copy([](std::int64_t t) { return t; });
        } else if (unit == kNsPerMs) {
          copy([](std::int64_t t) { return floorDiv(t, kNsPerMs); });
        } else {
          copy([unit](std::int64_t t) { return floorDiv(t, unit); });
        }
        s.values.insert(s.values.end(), v.begin(), v.end());
        continue;
      }
      for (std::size_t r = 0; r < rows; ++r) {
        if (!c.isPresent(r)) continue;
        pushTime(si, b.time_ns[r]);
        s.values.push_back(numericAt(c, r));
      }
    }
    return Status::ok();
  });
  if (!st.isOk()) {
    counts->failed = true;
    return st;
  }
  if (unit != 1 &&
      std::any_of(order.begin(), order.end(), [](const Order& o) { return !o.ns_ascending; })) {
    *disordered = true;
    return Status::ok();
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    // Strictly ascending in ns: converted times only repeat (two samples on one unit), and
    // the stable sort keeps them in place, so the collapse keeps the later one as in ns order.
    if (!order[i].ascending) sortAndCollapse(&series[i].time_ns, &series[i].values);
  }
  return Status::ok();
}

// One shard of fetchFieldSeries: fetchFieldShardOnce, or when some series is not strictly
// ascending in ns, again in ns: sorted and collapsed there, converted, then sorted and
// collapsed again (two samples on one unit).
Status fetchFieldShard(storage::StorageEngine& engine, const FieldSelector& sel,
                       std::uint32_t shard, std::uint32_t shards, bool check_cancelled,
                       SharedCounts* counts, std::vector<FieldSeries>* out) {
  const std::int64_t unit = std::max<std::int64_t>(1, sel.time_unit_ns);
  bool disordered = false;
  SEXTANT_RETURN_IF_ERROR(fetchFieldShardOnce(engine, sel, unit, shard, shards, check_cancelled,
                                              counts, out, &disordered));
  if (!disordered) return Status::ok();
  // Give back what the first read counted before reading the same series again.
  std::size_t samples = 0;
  for (const FieldSeries& f : *out) samples += f.values.size();
  counts->series.fetch_sub(out->size());
  counts->samples.fetch_sub(samples);
  out->clear();
  SEXTANT_RETURN_IF_ERROR(fetchFieldShardOnce(engine, sel, 1, shard, shards, check_cancelled,
                                              counts, out, &disordered));
  for (FieldSeries& f : *out) {
    for (std::int64_t& t : f.time_ns) t = floorDiv(t, unit);
    sortAndCollapse(&f.time_ns, &f.values);
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<FieldSeries>> fetchFieldSeries(storage::StorageEngine& engine,
                                                  const FieldSelector& sel) {
  // Shards of the selected series, one per thread; storage's scans run independently.
  const std::uint32_t shards = std::max(1u, sel.limits.threads);
  SharedCounts counts;
  std::vector<std::vector<FieldSeries>> parts(shards);
  std::vector<Status> status(shards);
  runParallel(shards, [&](std::size_t w) {
    status[w] = fetchFieldShard(engine, sel, static_cast<std::uint32_t>(w), shards, w == 0, &counts,
                                &parts[w]);
  });
  for (const Status& st : status) {  // the first real error, not a shard stopped by it
    if (!st.isOk() && st.message() != kShardStopped) return st;
  }
  std::vector<FieldSeries> out = std::move(parts[0]);
  for (std::size_t w = 1; w < shards; ++w) {
    out.insert(out.end(), std::make_move_iterator(parts[w].begin()),
               std::make_move_iterator(parts[w].end()));
  }
  std::sort(out.begin(), out.end(), [](const FieldSeries& a, const FieldSeries& b) {
    if (a.field != b.field) return a.field < b.field;
    return std::lexicographical_compare(a.tags.begin(), a.tags.end(), b.tags.begin(), b.tags.end(),
                                        [](const model::Tag& x, const model::Tag& y) {
                                          return std::tie(x.key, x.value) <
                                                 std::tie(y.key, y.value);
                                        });
  });
  return out;
}

namespace {

// One series of a streamed pass: its samples as read, until the pass ends.
struct PassSeries {
  std::string field;
  std::vector<model::Tag> tags;
  PromSeries s;  // time_ms holds ms (see appendPassTimes), or ns when `ns`
  bool ns = false;
};

// A pass series' ns times become ms as fetchFieldSeries converts them.
//
// The common case, on the way in: times strictly ascending, non-negative, whole ms. There the
// quotient by 10^6 = 2^6 * 15625 is exact: a shift and a product with 15625's inverse modulo 2^64,
// whose result is at most (2^64 - 1) / 15625 exactly when the shifted value is a multiple of 15625
// (Granlund and Montgomery's divisibility test); no division, and the ms stay strictly ascending.
constexpr std::uint64_t inverseMod64(std::uint64_t odd) {
  std::uint64_t x = odd;  // Newton's iteration, each step doubles the correct low bits (3 → 96)
  for (int i = 0; i < 5; ++i) x *= 2 - odd * x;
  return x;
}
constexpr std::uint64_t kInv15625 = inverseMod64(15625);
static_assert(kInv15625 * 15625 == 1);
constexpr std::uint64_t kMaxMsQuotient = UINT64_MAX / 15625;
static_assert(kNsPerMs == 64 * 15625);

// Appends n ns times to p. While they are whole ms, strictly ascending and non-negative (the
// usual case), they are converted on the way; at the first that is not, the series goes back to
// ns (p->ns) for finishPassTimes.
void appendPassTimes(PassSeries* p, const std::int64_t* t, std::size_t n) {
  std::vector<std::int64_t>& times = p->s.time_ms;
  const std::size_t old = times.size();
  if (p->ns) {
    times.insert(times.end(), t, t + n);
    return;
  }
  times.resize(old + n);
  std::int64_t* dst = times.data() + old;
  std::int64_t prev = old > 0 ? dst[-1] * kNsPerMs : -1;
  std::size_t i = 0;
  for (; i < n; ++i) {
    const std::int64_t ns = t[i];
    const std::uint64_t q = (static_cast<std::uint64_t>(ns) >> 6) * kInv15625;
    if (!(ns > prev && (ns & 63) == 0 && q <= kMaxMsQuotient)) break;
    prev = ns;
    dst[i] = static_cast<std::int64_t>(q);
  }
  if (i == n) return;
  for (std::size_t j = 0; j < old; ++j) times[j] *= kNsPerMs;  // undone: exact
  std::copy(t, t + n, dst);
  p->ns = true;
}

// The other case, at the end of the pass: a series' ns times to ms in place, sorted and
// collapsed in ns when not strictly ascending there, divided, then sorted and collapsed again
// when two samples fall on one ms.
void finishPassTimes(std::vector<std::int64_t>* t, std::vector<double>* v) {
  bool ns_ascending = true;
  for (std::size_t i = 1; i < t->size(); ++i) ns_ascending &= (*t)[i] > (*t)[i - 1];
  if (!ns_ascending) sortAndCollapse(t, v);
  bool ascending = true;
  std::int64_t prev = INT64_MIN;
  for (std::int64_t& x : *t) {
    x = floorDiv(x, kNsPerMs);
    ascending &= x > prev;
    prev = x;
  }
  if (!ascending) sortAndCollapse(t, v);
}

// One shard of forEachPromSeries for one measurement: the series of storage's slice `shard` of
// `shards`, pass by pass into sink (as worker `shard`). `cancelled` is only called when
// `check_cancelled` (the calling thread's shard).
Status streamFieldShard(storage::StorageEngine& engine, const FieldSelector& sel,
                        std::uint32_t shard, std::uint32_t shards, bool check_cancelled,
                        SharedCounts* counts, const PromSeriesSink& sink) {
  storage::ScanRequest req = fieldScanRequest(sel, shard, shards);
  req.series_per_pass = kPromSeriesPerPass;
  // Interleaved blocks of 4 passes: balanced shards when the selected field's series sit in
  // one id range (a granule on a block boundary is decoded by both shards).
  req.series_shard_block = 4 * kPromSeriesPerPass;
  const FetchLimits& lim = sel.limits;
  const bool timed = lim.deadline != std::chrono::steady_clock::time_point::max();
  // The pass's series (first `used` of `pool`, whose vectors are reused pass after pass) and
  // (series id, field number in `field_names`) -> index in pool.
  std::vector<PassSeries> pool;
  std::size_t used = 0;
  std::vector<std::string> field_names;
  std::map<std::pair<std::uint64_t, std::size_t>, std::size_t> index;
  auto fieldNumber = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < field_names.size(); ++i) {
      if (field_names[i] == name) return i;
    }
    field_names.push_back(name);
    return field_names.size() - 1;
  };
  const std::string prefix = sel.measurement + "_";
  req.pass_done = [&]() -> Status {
    for (std::size_t i = 0; i < used; ++i) {
      PassSeries& p = pool[i];
      if (p.ns) finishPassTimes(&p.s.time_ms, &p.s.values);
      p.s.labels = std::move(p.tags);
      p.s.labels.push_back({"__name__", prefix + p.field});
      std::sort(p.s.labels.begin(), p.s.labels.end(),
                [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
      SEXTANT_RETURN_IF_ERROR(sink(shard, p.s));
    }
    used = 0;
    index.clear();
    return Status::ok();
  };
  // Rows straight from the parts' decoded granules (views, no batch copies).
  Status st = engine.scanSeriesRows(req, [&](const storage::SeriesRowsView& b) {
    SEXTANT_RETURN_IF_ERROR(checkShard(*counts, lim, timed, check_cancelled));
    const std::size_t rows = b.rows, off = b.offset;
    for (const storage::Column& c : *b.columns) {
      if (c.kind != storage::ColumnKind::kField || !isNumeric(c.type)) continue;
      std::size_t present = rows;
      if (!c.present.empty()) {
        present = static_cast<std::size_t>(
            std::count_if(c.present.begin() + static_cast<std::ptrdiff_t>(off),
                          c.present.begin() + static_cast<std::ptrdiff_t>(off + rows),
                          [](std::uint8_t x) { return x != 0; }));
        if (present == 0) continue;  // not a sample of this field here
      }
      auto [it, fresh] = index.try_emplace({b.series_id, fieldNumber(c.name)}, used);
      if (fresh) {
        if (counts->series.fetch_add(1) + 1 > lim.max_series) {
          return outOfRange(std::string(kFetchTooManySeries));
        }
        if (used == pool.size()) pool.emplace_back();
        PassSeries& p = pool[used++];
        p.field = c.name;
        p.tags = *b.series_tags;
        p.s.time_ms.clear();
        p.s.values.clear();
        p.ns = false;
      }
      PassSeries& p = pool[it->second];
      PromSeries& s = p.s;
      // Checked before the rows are copied, as fetchFieldSeries (every sample read counts).
      if (counts->samples.fetch_add(present) + present > lim.max_samples) {
        return outOfRange(std::string(kFetchTooManySamples));
      }
      if (present == rows && c.type == model::FieldType::kFloat) {
        const double* v = std::get<2>(c.values).data() + off;
        appendPassTimes(&p, b.time_ns, rows);
        s.values.insert(s.values.end(), v, v + rows);
        continue;
      }
      for (std::size_t r = 0; r < rows; ++r) {
        if (!c.isPresent(off + r)) continue;
        appendPassTimes(&p, b.time_ns + r, 1);
        s.values.push_back(numericAt(c, off + r));
      }
    }
    return Status::ok();
  });
  if (!st.isOk()) counts->failed = true;
  return st;
}

// A PromQL selector's matchers on storage: the fields of each measurement its __name__ matchers
// select (resolveMetricNames), and its other matchers (on tags).
struct MetricSelection {
  std::map<std::string, std::vector<std::string>> fields;
  std::vector<storage::TagMatcher> labels;
};

Result<MetricSelection> selectMetrics(storage::StorageEngine& engine,
                                      const std::string& workspace_id,
                                      const std::vector<storage::TagMatcher>& matchers) {
  MetricSelection out;
  std::vector<storage::TagMatcher> names;
  for (const storage::TagMatcher& m : matchers) {
    (m.key == "__name__" ? names : out.labels).push_back(m);
  }
  auto pairs = resolveMetricNames(engine, workspace_id, names);
  if (!pairs.isOk()) return pairs.status();
  for (auto& [m, f] : *pairs) out.fields[m].push_back(f);
  return out;
}

}  // namespace

Status forEachPromSeries(storage::StorageEngine& engine, const std::string& workspace_id,
                         const std::vector<storage::TagMatcher>& matchers, std::int64_t min_ms,
                         std::int64_t max_ms, const FetchLimits& limits,
                         const PromSeriesSink& sink) {
  auto selection = selectMetrics(engine, workspace_id, matchers);
  if (!selection.isOk()) return selection.status();
  const std::vector<storage::TagMatcher>& labels = selection->labels;
  std::map<std::string, std::vector<std::string>>& by_measurement = selection->fields;
  // One count of series and samples over all measurements, against the whole budget.
  SharedCounts counts;
  const std::uint32_t shards = std::max(1u, limits.threads);
  for (auto& [measurement, fields] : by_measurement) {
    FieldSelector sel;
    sel.limits = limits;
    sel.workspace_id = workspace_id;
    sel.measurement = measurement;
    sel.fields = fields;
    sel.tags = labels;
    sel.min_time_ns = min_ms <= INT64_MIN / kNsPerMs ? INT64_MIN : min_ms * kNsPerMs;
    sel.max_time_ns =
        max_ms >= INT64_MAX / kNsPerMs ? INT64_MAX : max_ms * kNsPerMs + (kNsPerMs - 1);
    std::vector<Status> status(shards);
    runParallel(shards, [&](std::size_t w) {
      status[w] = streamFieldShard(engine, sel, static_cast<std::uint32_t>(w), shards, w == 0,
                                   &counts, sink);
    });
    for (const Status& st : status) {  // the first real error, not a shard stopped by it
      if (!st.isOk() && st.message() != kShardStopped) return st;
    }
  }
  return Status::ok();
}

Result<std::vector<std::pair<std::string, std::string>>> resolveMetricNames(
    storage::StorageEngine& engine, const std::string& workspace_id,
    const std::vector<storage::TagMatcher>& name_matchers) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<storage::CompiledTagMatcher> compiled;
  for (const storage::TagMatcher& m : name_matchers) {
    Result<storage::CompiledTagMatcher> cm = storage::CompiledTagMatcher::compile(m);
    if (!cm.isOk()) return cm.status();
    compiled.push_back(std::move(cm).value());
  }
  storage::SeriesIndex* idx = engine.seriesIndex(workspace_id);
  if (idx == nullptr) return out;
  const std::string* exact = nullptr;
  for (const storage::TagMatcher& m : name_matchers) {
    if (m.op == storage::TagMatcher::kEq && !m.values.empty()) exact = &m.values[0];
  }
  for (const std::string& measurement : idx->measurements()) {
    if (exact && !(exact->size() > measurement.size() + 1 && exact->starts_with(measurement) &&
                   (*exact)[measurement.size()] == '_')) {
      continue;
    }
    std::vector<std::string> fields;
    for (const storage::PartColumnKey& c :
         engine.columns(workspace_id, model::Category::kMetric, measurement)) {
      if (c.kind == storage::ColumnKind::kField && isNumeric(c.type) &&
          (fields.empty() || fields.back() != c.name)) {
        fields.push_back(c.name);
      }
    }
    for (const std::string& f : fields) {
      std::string name = measurement + "_" + f;
      if (std::all_of(compiled.begin(), compiled.end(),
                      [&](const storage::CompiledTagMatcher& m) { return m.matches(name); })) {
        out.emplace_back(measurement, f);
      }
    }
  }
  return out;
}

Result<std::vector<PromSeries>> fetchPromSeries(storage::StorageEngine& engine,
                                                const std::string& workspace_id,
                                                const std::vector<storage::TagMatcher>& matchers,
                                                std::int64_t min_ms, std::int64_t max_ms,
                                                const FetchLimits& limits) {
  auto selection = selectMetrics(engine, workspace_id, matchers);
  if (!selection.isOk()) return selection.status();
  const std::vector<storage::TagMatcher>& labels = selection->labels;
  std::map<std::string, std::vector<std::string>>& by_measurement = selection->fields;
  constexpr std::int64_t kMs = 1'000'000;
  std::vector<PromSeries> out;
  std::size_t samples = 0;  // kept so far, over all measurements
  for (auto& [measurement, fields] : by_measurement) {
    FieldSelector sel;
    sel.limits = limits;
    sel.limits.max_series = limits.max_series - std::min(limits.max_series, out.size());
    sel.limits.max_samples = limits.max_samples - std::min(limits.max_samples, samples);
    sel.workspace_id = workspace_id;
    sel.measurement = measurement;
    sel.fields = fields;
    sel.tags = labels;
    sel.min_time_ns = min_ms <= INT64_MIN / kMs ? INT64_MIN : min_ms * kMs;
    sel.max_time_ns = max_ms >= INT64_MAX / kMs ? INT64_MAX : max_ms * kMs + (kMs - 1);
    sel.time_unit_ns = kMs;  // milliseconds, converted as the samples are copied
    auto series = fetchFieldSeries(engine, sel);
    if (!series.isOk()) return series.status();
    const std::size_t first = out.size();
    for (FieldSeries& fs : *series) {
      PromSeries& ps = out.emplace_back();
      ps.labels = std::move(fs.tags);
      ps.labels.push_back({"__name__", measurement + "_" + fs.field});
      std::sort(ps.labels.begin(), ps.labels.end(),
                [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
      ps.time_ms = std::move(fs.time_ns);  // already in ms
      ps.values = std::move(fs.values);
    }
    for (std::size_t i = first; i < out.size(); ++i) samples += out[i].values.size();
  }
  std::sort(out.begin(), out.end(), [](const PromSeries& a, const PromSeries& b) {
    return std::lexicographical_compare(
        a.labels.begin(), a.labels.end(), b.labels.begin(), b.labels.end(),
        [](const model::Tag& x, const model::Tag& y) {
          return std::tie(x.key, x.value) < std::tie(y.key, y.value);
        });
  });
  return out;
}

}  // namespace sextant::query

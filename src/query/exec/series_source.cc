#include "query/exec/series_source.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

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

Result<std::vector<FieldSeries>> fetchFieldSeries(storage::StorageEngine& engine,
                                                  const FieldSelector& sel) {
  storage::ScanRequest req;
  req.workspace_id = sel.workspace_id;
  req.category = model::Category::kMetric;
  req.min_time_ns = sel.min_time_ns;
  req.max_time_ns = sel.max_time_ns;
  req.measurements = {sel.measurement};
  req.tags = sel.tags;
  req.columns = sel.fields;
  const FetchLimits& lim = sel.limits;
  bool timed = lim.deadline != std::chrono::steady_clock::time_point::max();
  std::size_t samples = 0;
  // (field, series id) -> series
  std::map<std::pair<std::string, std::uint64_t>, FieldSeries> acc;
  Status st = engine.scan(req, [&](storage::ColumnBatch&& b) {
    if (timed && std::chrono::steady_clock::now() > lim.deadline) {
      return Status(StatusCode::kDeadlineExceeded, std::string(kFetchTimedOut));
    }
    if (lim.cancelled && lim.cancelled()) {
      return Status(StatusCode::kCancelled, std::string(kFetchCancelled));
    }
    for (const storage::Column& c : b.columns) {
      if (c.kind != storage::ColumnKind::kField || !isNumeric(c.type)) continue;
      auto [it, fresh] = acc.try_emplace({c.name, b.series_id});
      FieldSeries& s = it->second;
      if (fresh) {
        if (acc.size() > lim.max_series) return outOfRange(std::string(kFetchTooManySeries));
        s.measurement = b.measurement;
        s.field = c.name;
        s.tags = b.series_tags;
      }
      // Checked before the batch is copied: what is kept never exceeds the cap.
      if (b.rows() > lim.max_samples - samples) {
        std::size_t present = 0;
        for (std::size_t r = 0; r < b.rows(); ++r) present += c.isPresent(r) ? 1 : 0;
        if (present > lim.max_samples - samples) {
          return outOfRange(std::string(kFetchTooManySamples));
        }
      }
      std::size_t before = s.values.size();
      s.time_ns.reserve(s.time_ns.size() + b.rows());
      s.values.reserve(s.values.size() + b.rows());
      for (std::size_t r = 0; r < b.rows(); ++r) {
        if (!c.isPresent(r)) continue;
        s.time_ns.push_back(b.time_ns[r]);
        s.values.push_back(numericAt(c, r));
      }
      samples += s.values.size() - before;
    }
    return Status::ok();
  });
  if (!st.isOk()) return st;
  std::vector<FieldSeries> out;
  out.reserve(acc.size());
  for (auto& [key, s] : acc) {
    sortAndCollapse(&s.time_ns, &s.values);
    out.push_back(std::move(s));
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
  std::vector<storage::TagMatcher> names, labels;
  for (const storage::TagMatcher& m : matchers) (m.key == "__name__" ? names : labels).push_back(m);
  auto pairs = resolveMetricNames(engine, workspace_id, names);
  if (!pairs.isOk()) return pairs.status();
  std::map<std::string, std::vector<std::string>> by_measurement;
  for (auto& [m, f] : *pairs) by_measurement[m].push_back(f);
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
    auto series = fetchFieldSeries(engine, sel);
    if (!series.isOk()) return series.status();
    for (FieldSeries& fs : *series) {
      PromSeries ps;
      ps.labels = std::move(fs.tags);
      ps.labels.push_back({"__name__", measurement + "_" + fs.field});
      std::sort(ps.labels.begin(), ps.labels.end(),
                [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
      ps.time_ms.reserve(fs.time_ns.size());
      for (std::int64_t t : fs.time_ns) {
        std::int64_t ms = t / kMs - (t % kMs < 0 ? 1 : 0);
        ps.time_ms.push_back(ms);
      }
      ps.values = std::move(fs.values);
      sortAndCollapse(&ps.time_ms, &ps.values);
      samples += ps.values.size();
      out.push_back(std::move(ps));
    }
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

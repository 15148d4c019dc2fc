#include "agent/inputs/prom/prom_convert.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace sextant::agent::inputs::prom {

namespace cp = codec::prom;

Result<std::vector<std::shared_ptr<const re2::RE2>>> compileRegexes(
    const std::vector<std::string>& exprs) {
  std::vector<std::shared_ptr<const re2::RE2>> out;
  out.reserve(exprs.size());
  for (const std::string& e : exprs) {
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(e, opts);
    if (!re->ok()) return invalidArgument("bad regular expression '" + e + "': " + re->error());
    out.push_back(std::move(re));
  }
  return out;
}

namespace {

// metricNames into caller-kept strings (assign keeps their capacity: no allocation per family
// once they are long enough).
void metricNamesInto(std::string_view name, const ConvertOptions& options, std::string* measurement,
                     std::string* field) {
  // 1. The first [[inputs.prom.measurements]] rule whose prefix starts the name.
  for (const MeasurementRule& r : options.measurements) {
    if (!name.starts_with(r.prefix)) continue;
    std::string_view m = r.name;
    if (m.empty()) {
      m = r.prefix;
      if (m.ends_with('_')) m.remove_suffix(1);
    }
    measurement->assign(m);
    field->assign(name.substr(r.prefix.size()));
    if (measurement->empty()) measurement->assign("prom");
    if (!options.measurement_prefix.empty()) measurement->insert(0, options.measurement_prefix);
    return;
  }
  if (!options.measurement_name.empty()) {
    // 2. measurement_name: every family in it, the whole name as the field.
    measurement->assign(options.measurement_name);
    field->assign(name);
  } else {
    // 3. The default split at the first '_' (leading '_'s stripped first).
    std::string_view n = name;
    while (n.starts_with('_')) n.remove_prefix(1);
    if (n.size() <= 1) {
      measurement->assign("unknown");
      field->assign("unknown");
    } else {
      size_t us = n.find('_');
      if (us == std::string_view::npos) {
        measurement->assign(n);
        field->assign(n);
      } else if (us + 1 == n.size()) {
        measurement->assign(n.substr(0, us));
        field->assign(n.substr(0, us));
      } else {
        measurement->assign(n.substr(0, us));
        field->assign(options.keep_exist_metric_name ? n : n.substr(us + 1));
      }
    }
  }
  // 4. An empty measurement is `prom`; then measurement_prefix.
  if (measurement->empty()) measurement->assign("prom");
  if (!options.measurement_prefix.empty()) measurement->insert(0, options.measurement_prefix);
}

}  // namespace

std::pair<std::string, std::string> metricNames(std::string_view name,
                                                const ConvertOptions& options) {
  std::pair<std::string, std::string> out;
  metricNamesInto(name, options, &out.first, &out.second);
  return out;
}

std::string goFloat(double v) { return codec::prom::formatGoFloat(v); }

namespace {

std::string_view typeName(cp::MetricType t) {
  switch (t) {
    case cp::MetricType::kUntyped: return "untyped";
    case cp::MetricType::kCounter: return "counter";
    case cp::MetricType::kGauge: return "gauge";
    case cp::MetricType::kHistogram: return "histogram";
    case cp::MetricType::kSummary: return "summary";
    case cp::MetricType::kGaugeHistogram: return "gaugehistogram";
    case cp::MetricType::kStateSet: return "stateset";
    case cp::MetricType::kInfo: return "info";
  }
  return "untyped";
}

// The name DataKit sees for a family (the text format's family name): an OpenMetrics counter
// family `x` has samples `x_total`, which is the name in the text format.
std::string_view baseName(const cp::Family& f, std::string* storage) {
  if (f.type == cp::MetricType::kCounter && !f.samples.empty() && !f.name.ends_with("_total")) {
    std::string_view s = f.samples.front().name;
    if (s.size() == f.name.size() + 6 && s.starts_with(f.name) && s.ends_with("_total")) {
      *storage = std::string(s);
      return *storage;
    }
  }
  return f.name;
}

bool keepFamily(const cp::Family& f, std::string_view base, const ConvertOptions& o) {
  if (!o.metric_types.empty()) {
    std::string_view t = typeName(f.type);
    if (std::find(o.metric_types.begin(), o.metric_types.end(), t) == o.metric_types.end())
      return false;
  }
  re2::StringPiece sp(base.data(), base.size());
  for (const auto& re : o.metric_name_filter_ignore)
    if (RE2::PartialMatch(sp, *re)) return false;
  if (o.metric_name_filter.empty()) return true;
  for (const auto& re : o.metric_name_filter)
    if (RE2::PartialMatch(sp, *re)) return true;
  return false;
}

// The tags every point of a scrape starts with, and the keys labels may not take.
struct BaseTags {
  std::vector<model::Tag> tags;      // after tags_ignore
  std::vector<std::string> blocked;  // every key added (before tags_ignore): first add wins
};

class Builder {
 public:
  Builder(const ConvertOptions& o, const ScrapeTags& scrape, int64_t now_ns,
          std::vector<model::Point>* out, size_t start)
      : o_(o), scrape_(scrape), now_ns_(now_ns), out_(out), next_(start) {
    ignore_.reserve(o.tags_ignore.size());
    for (const std::string& k : o.tags_ignore) ignore_.insert(k);
  }

  void setInfoTags(const std::vector<std::pair<std::string, std::string>>& info) {
    with_info_ = makeBase(info);
    without_info_ = makeBase({});
  }

  // The number of points written so far (the index of the next one).
  size_t next() const { return next_; }

  void convertFamily(const cp::Family& f, std::string_view base) {
    metricNamesInto(base, o_, &measurement_, &field_);
    const std::string& field = field_;
    switch (f.type) {
      case cp::MetricType::kCounter:
      case cp::MetricType::kGauge:
      case cp::MetricType::kUntyped:
      case cp::MetricType::kStateSet:
        for (const cp::Sample& s : f.samples) {
          if (f.type == cp::MetricType::kCounter && s.name.ends_with("_created") && s.name != base)
            continue;  // OpenMetrics' creation time, not a value
          if (!std::isfinite(s.value)) continue;
          model::Point& p = begin(with_info_, s.labels, {}, timeOf(s), 1);
          addFloat(p, field, s.value);
          finish(p);
        }
        break;
      case cp::MetricType::kSummary:
        expand(f, base, field, "quantile", "", /*info_on_parts=*/true);
        break;
      case cp::MetricType::kHistogram:
        expand(f, base, field, "le", "_bucket", /*info_on_parts=*/false);
        break;
      case cp::MetricType::kGaugeHistogram:
      case cp::MetricType::kInfo: break;
    }
  }

 private:
  BaseTags makeBase(const std::vector<std::pair<std::string, std::string>>& info) {
    BaseTags b;
    auto add = [&](const std::string& k, const std::string& v) {
      if (std::find(b.blocked.begin(), b.blocked.end(), k) != b.blocked.end()) return;
      b.blocked.push_back(k);
      if (ignored(k)) return;
      b.tags.push_back(model::Tag{k, v});
    };
    for (const auto& [k, v] : info) add(k, v);
    for (const auto& [k, v] : o_.tags) add(k, v);
    return b;
  }

  // The i-th tag / field of p: the element already there (a point of an earlier scrape: its
  // strings keep their capacity and are assigned into) or a new one appended in place.
  static model::Tag& tagSlot(model::Point& p, size_t i) {
    return i < p.tags.size() ? p.tags[i] : p.tags.emplace_back();
  }
  static void setTag(model::Point& p, size_t i, std::string_view k, std::string_view v) {
    model::Tag& t = tagSlot(p, i);
    t.key.assign(k.data(), k.size());
    t.value.assign(v.data(), v.size());
  }
  static bool hasTag(const model::Point& p, size_t n, std::string_view key) {
    for (size_t i = 0; i < n; ++i)
      if (p.tags[i].key == key) return true;
    return false;
  }

  // A float field, the next one of the current point.
  void addFloat(model::Point& p, std::string_view key, double v) {
    model::Field& f = nf_ < p.fields.size() ? p.fields[nf_] : p.fields.emplace_back();
    ++nf_;
    f.key.assign(key.data(), key.size());
    f.value = v;
  }

  bool ignored(std::string_view key) const { return !ignore_.empty() && ignore_.count(key) > 0; }

  int64_t timeOf(const cp::Sample& s) const {
    // An exposition timestamp beyond what nanoseconds hold (year 2262) is not honoured.
    constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;
    if (o_.honor_timestamps && s.timestamp_ms && *s.timestamp_ms <= kMaxMs &&
        *s.timestamp_ms >= -kMaxMs)
      return *s.timestamp_ms * 1'000'000;
    return now_ns_;
  }

  // The next point (the one already at that index of *out_, from an earlier scrape, reused: its
  // strings and vectors keep their capacity; else a new one) with the base tags and the sample's
  // labels (without `skip_label`), plus `extra` (the quantile / le tag) after them. `fields` is
  // the number of fields the caller adds. The vectors are reserved at their final size (the
  // scrape's tags and as_logging's `service` / `status` included): no allocation for a reused
  // point of the same series, one for a new one. The tags are written into slots [0, nt_); what
  // a reused point has beyond them is dropped by finish().
  model::Point& begin(const BaseTags& base, std::span<const cp::Label> labels,
                      std::string_view skip_label, int64_t time_ns, size_t fields,
                      const model::Tag* extra = nullptr) {
    model::Point& p = next_ < out_->size() ? (*out_)[next_] : out_->emplace_back();
    ++next_;
    p.category = o_.as_logging ? model::Category::kLogging : model::Category::kMetric;
    p.measurement.assign(measurement_);
    p.time_ns = time_ns;
    // An upper bound, exact unless a label is blocked or repeats a scrape tag: a part's own
    // `le` / `quantile` label is skipped and `extra` takes its place.
    const size_t logging = o_.as_logging ? 1 : 0;
    p.tags.reserve(base.tags.size() + labels.size() + scrape_.tags.size() + logging);
    p.fields.reserve(fields + logging);
    size_t n = 0;
    for (const model::Tag& t : base.tags) setTag(p, n++, t.key, t.value);
    auto blocked = [&](std::string_view k) {
      return std::find(base.blocked.begin(), base.blocked.end(), k) != base.blocked.end() ||
             ignored(k);
    };
    const bool may_block = !base.blocked.empty() || !ignore_.empty();
    for (const cp::Label& l : labels) {
      if (!skip_label.empty() && l.name == skip_label) continue;
      if (may_block && blocked(l.name)) continue;
      setTag(p, n++, l.name, l.value);
    }
    if (extra != nullptr && !blocked(extra->key) && !hasTag(p, n, extra->key))
      setTag(p, n++, extra->key, extra->value);
    nt_ = n;
    nf_ = 0;
    return p;
  }

  // Rename, kv-match removal, as_logging, then the scrape's tags (first add wins); the point's
  // tags and fields cut to what begin() and addFloat() wrote.
  void finish(model::Point& p) {
    p.fields.resize(nf_);
    size_t n = nt_;
    if (!o_.tags_rename.empty() || !o_.ignore_tag_kv_match.empty() || o_.as_logging) {
      p.tags.resize(n);
      rewriteTags(p);
      n = p.tags.size();
    }
    for (const model::Tag& t : scrape_.tags)
      if (!hasTag(p, n, t.key)) setTag(p, n++, t.key, t.value);
    p.tags.resize(n);
  }

  // finish()'s optional steps (tags_rename, ignore_tag_kv_match, as_logging) on a point whose
  // tags are exactly its own.
  void rewriteTags(model::Point& p) {
    if (!o_.tags_rename.empty()) {
      for (size_t i = 0; i < p.tags.size(); ++i) {
        auto it = o_.tags_rename.find(p.tags[i].key);
        if (it == o_.tags_rename.end() || it->second == p.tags[i].key) continue;
        auto existing = std::find_if(p.tags.begin(), p.tags.end(),
                                     [&](const model::Tag& t) { return t.key == it->second; });
        if (existing != p.tags.end()) {
          if (!o_.overwrite_exist_tags) continue;
          size_t e = static_cast<size_t>(existing - p.tags.begin());
          p.tags[i].key = it->second;
          p.tags.erase(existing);
          if (e < i) --i;
        } else {
          p.tags[i].key = it->second;
        }
      }
    }
    if (!o_.ignore_tag_kv_match.empty()) {
      std::erase_if(p.tags, [&](const model::Tag& t) {
        for (const auto& [key, res] : o_.ignore_tag_kv_match) {
          if (key != t.key) continue;
          for (const auto& re : res)
            if (RE2::PartialMatch(t.value, *re)) return true;
        }
        return false;
      });
    }
    if (o_.as_logging) {
      if (p.findTag("service") == nullptr)
        p.addTag("service", o_.logging_service.empty() ? p.measurement : o_.logging_service);
      p.addField("status", std::string("INFO"));
    }
  }

  // Summary / histogram: per series (labels without `part_label`) an aggregate point with
  // `<field>_count` and `<field>_sum`, then one point per quantile / bucket.
  void expand(const cp::Family& f, std::string_view base, const std::string& field,
              std::string_view part_label, std::string_view part_suffix, bool info_on_parts) {
    struct Series {
      const cp::Sample* first = nullptr;
      const cp::Sample* count = nullptr;
      const cp::Sample* sum = nullptr;
      std::vector<const cp::Sample*> parts;
    };
    std::vector<Series> series;
    std::unordered_map<std::string, size_t> index;
    std::string key;
    const std::string sum_name = std::string(base) + "_sum";
    const std::string count_name = std::string(base) + "_count";
    const std::string part_name = std::string(base) + std::string(part_suffix);
    for (const cp::Sample& s : f.samples) {
      int kind;  // 0 part, 1 sum, 2 count
      if (s.name == sum_name) {
        kind = 1;
      } else if (s.name == count_name) {
        kind = 2;
      } else if (s.name == part_name) {
        kind = 0;
      } else {
        continue;  // _created and anything else
      }
      key.clear();
      const cp::Label* part = nullptr;
      for (const cp::Label& l : s.labels) {
        if (l.name == part_label) {
          part = &l;
          continue;
        }
        key.append(l.name);
        key.push_back('\xff');
        key.append(l.value);
        key.push_back('\xfe');
      }
      auto [it, inserted] = index.try_emplace(key, series.size());
      if (inserted) series.push_back(Series{&s});
      Series& se = series[it->second];
      if (kind == 1) {
        se.sum = &s;
      } else if (kind == 2) {
        se.count = &s;
      } else if (part != nullptr) {
        se.parts.push_back(&s);
      }
    }
    const std::string count_field = field + "_count";
    const std::string sum_field = field + "_sum";
    const std::string part_field = field + std::string(part_suffix);
    for (const Series& se : series) {
      if (se.count != nullptr || se.sum != nullptr) {
        model::Point& p = begin(with_info_, se.first->labels, part_label, now_ns_,
                                (se.count != nullptr ? 1 : 0) + (se.sum != nullptr ? 1 : 0));
        if (se.count != nullptr) addFloat(p, count_field, se.count->value);
        if (se.sum != nullptr) addFloat(p, sum_field, se.sum->value);
        finish(p);
      }
      for (const cp::Sample* s : se.parts) {
        if (part_suffix.empty() && std::isnan(s->value)) continue;  // NaN quantile
        std::string_view raw;
        for (const cp::Label& l : s->labels)
          if (l.name == part_label) raw = l.value;
        model::Tag extra{std::string(part_label), partValue(raw)};
        model::Point& p = begin(info_on_parts ? with_info_ : without_info_, s->labels, part_label,
                                timeOf(*s), 1, &extra);
        addFloat(p, part_field, s->value);
        finish(p);
      }
    }
  }

  // The `le` / `quantile` label as Go prints the parsed float ("1e+06" for "1000000.0").
  static std::string partValue(std::string_view raw) {
    std::string s(raw);
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return s;
    return goFloat(v);
  }

  const ConvertOptions& o_;
  const ScrapeTags& scrape_;
  int64_t now_ns_;
  std::vector<model::Point>* out_;
  size_t next_;                                  // index in *out_ of the next point
  size_t nt_ = 0;                                // tags of the current point written by begin()
  size_t nf_ = 0;                                // fields of the current point written so far
  std::unordered_set<std::string_view> ignore_;  // o_.tags_ignore (seed confs list 26-66 keys)
  BaseTags with_info_, without_info_;
  std::string measurement_, field_;  // of the current family
};

}  // namespace

size_t convert(const codec::prom::Exposition& exposition, const ConvertOptions& options,
               const ScrapeTags& scrape_tags, int64_t now_ns, std::vector<model::Point>* out) {
  return convertInto(exposition, options, scrape_tags, now_ns, out->size(), out);
}

size_t convertInto(const codec::prom::Exposition& exposition, const ConvertOptions& options,
                   const ScrapeTags& scrape_tags, int64_t now_ns, size_t start,
                   std::vector<model::Point>* out) {
  if (start > out->size()) out->resize(start);
  // OpenMetrics info families first: their labels become tags of every other point.
  std::vector<std::pair<std::string, std::string>> info;
  if (!options.disable_info_tag) {
    for (const cp::Family& f : exposition.families()) {
      if (f.type != cp::MetricType::kInfo) continue;
      for (const cp::Sample& s : f.samples)
        for (const cp::Label& l : s.labels) {
          bool seen = false;
          for (const auto& kv : info) seen = seen || kv.first == l.name;
          if (!seen) info.emplace_back(std::string(l.name), std::string(l.value));
        }
    }
  }
  out->reserve(start + exposition.sampleCount());
  Builder b(options, scrape_tags, now_ns, out, start);
  b.setInfoTags(info);
  std::string storage;
  for (const cp::Family& f : exposition.families()) {
    std::string_view base = baseName(f, &storage);
    if (!keepFamily(f, base, options)) continue;
    b.convertFamily(f, base);
  }
  return b.next() - start;
}

}  // namespace sextant::agent::inputs::prom

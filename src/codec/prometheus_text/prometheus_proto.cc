#include "codec/prometheus_text/prometheus_proto.h"

#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/point_pb/wire.h"
#include "codec/prometheus_text/name_index.h"

namespace sextant::codec::prom {

namespace {

using pb::WireReader;

// MetricType of metrics.proto.
enum : uint64_t {
  kPbCounter = 0,
  kPbGauge = 1,
  kPbSummary = 2,
  kPbUntyped = 3,
  kPbHistogram = 4,
  kPbGaugeHistogram = 5,
};

double asDouble(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// The fields of a Metric message that a family's samples are made of (views into the body).
struct MetricView {
  std::vector<Label> labels;
  std::string_view value_msg;  // the Counter/Gauge/Untyped/Summary/Histogram message of the type
  bool has_value_msg = false;
  std::optional<int64_t> timestamp_ms;
};

}  // namespace

bool isProtobufContentType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (!equalsIgnoreCase(trim(content_type.substr(0, semi)), "application/vnd.google.protobuf"))
    return false;
  bool proto = false, delimited = false;
  std::string_view rest =
      semi == std::string_view::npos ? std::string_view() : content_type.substr(semi + 1);
  while (!rest.empty()) {
    semi = rest.find(';');
    std::string_view param = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(param.substr(0, eq));
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (equalsIgnoreCase(key, "proto")) proto = value == "io.prometheus.client.MetricFamily";
    if (equalsIgnoreCase(key, "encoding")) delimited = equalsIgnoreCase(value, "delimited");
  }
  return proto && delimited;
}

// Decodes message after message into an Exposition (a friend of it). A family message is
// decoded into pending_ first and only then added, so a malformed one leaves nothing behind.
class ProtobufDecoder {
 public:
  ProtobufDecoder(std::string_view body, ErrorPolicy policy) : body_(body), policy_(policy) {}

  Result<Exposition> run() {
    // Estimates from the body's size (the vectors grow past them): node-exporter writes ~170
    // bytes per family message and ~40 per sample.
    const size_t families = body_.size() / 160 + 16;
    out_.families_.reserve(families);
    by_name_ = NameIndex(families);
    ranges_.reserve(body_.size() / 32 + 16);
    out_.labels_.reserve(body_.size() / 32 + 16);
    WireReader frames(body_);
    size_t number = 0;
    while (!frames.done()) {
      ++number;
      const size_t at = offset(frames);
      std::string_view msg;
      if (!frames.readBytes(&msg)) {
        if (!fail(number, at, "truncated length prefix or message")) return error_;
        break;  // no way to find the next message
      }
      std::string problem;
      if (!decodeFamily(msg, &problem) && !fail(number, at, problem)) return error_;
    }
    // Every sample's labels are a range of labels_, final now: make the spans.
    for (const SampleRange& r : ranges_) {
      out_.families_[r.family].samples[r.sample].labels =
          std::span<const Label>(out_.labels_.data() + r.labels.begin, r.labels.count);
    }
    return std::move(out_);
  }

 private:
  struct Range {
    uint32_t begin = 0;
    uint32_t count = 0;
  };
  struct Pending {
    Sample sample;
    Range labels;
  };
  struct SampleRange {  // the labels of families_[family].samples[sample]
    uint32_t family = 0;
    uint32_t sample = 0;
    Range labels;
  };

  // The byte offset of a reader over the whole body.
  size_t offset(const WireReader& r) const { return body_.size() - r.remaining(); }

  bool fail(size_t number, size_t at, std::string what) {
    ParseError e{number, at + 1, std::move(what)};
    if (policy_ == ErrorPolicy::kStrict) {
      error_ = invalidArgument("protobuf exposition: message " + std::to_string(number) +
                               " at byte " + std::to_string(at) + ": " + e.message);
      return false;
    }
    ++out_.error_count_;
    if (out_.errors_.size() < kMaxErrors) out_.errors_.push_back(std::move(e));
    return true;
  }

  std::string_view own(std::string s) {
    out_.unescaped_.push_back(std::make_unique<std::string>(std::move(s)));
    return *out_.unescaped_.back();
  }

  // `le` / `quantile` as Go's text writer spells them (formatGoFloat). Cached per value (the same
  // bounds repeat in every series).
  std::string_view boundText(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(bits));
    auto it = bounds_.find(bits);
    if (it != bounds_.end()) return it->second;
    std::string text = formatGoFloat(v);
    std::string_view view = own(std::move(text));
    bounds_.emplace(bits, view);
    return view;
  }

  bool decodeFamily(std::string_view msg, std::string* problem) {
    std::string_view name, help, unit;
    bool has_help = false, has_unit = false;
    uint64_t type = kPbUntyped;
    bool has_type = false;
    metrics_.clear();
    WireReader r(msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return bad(problem, "malformed field key in MetricFamily");
      bool ok = true;
      if (field == 1 && wt == pb::kWireLen) {
        ok = r.readBytes(&name);
      } else if (field == 2 && wt == pb::kWireLen) {
        ok = r.readBytes(&help);
        has_help = true;
      } else if (field == 3 && wt == pb::kWireVarint) {
        ok = r.readVarint(&type);
        has_type = true;
      } else if (field == 4 && wt == pb::kWireLen) {
        std::string_view m;
        ok = r.readBytes(&m);
        if (ok) metrics_.push_back(m);
      } else if (field == 5 && wt == pb::kWireLen) {
        ok = r.readBytes(&unit);
        has_unit = true;
      } else {
        ok = r.skip(field, wt);
      }
      if (!ok) return bad(problem, "truncated or malformed MetricFamily");
    }
    if (name.empty()) return bad(problem, "MetricFamily without a name");
    MetricType mt;
    switch (has_type ? type : kPbCounter) {  // proto2 default: COUNTER
      case kPbCounter: mt = MetricType::kCounter; break;
      case kPbGauge: mt = MetricType::kGauge; break;
      case kPbSummary: mt = MetricType::kSummary; break;
      case kPbUntyped: mt = MetricType::kUntyped; break;
      case kPbHistogram: mt = MetricType::kHistogram; break;
      case kPbGaugeHistogram: mt = MetricType::kGaugeHistogram; break;
      default: return bad(problem, "unknown metric type " + std::to_string(type));
    }

    // A family seen before keeps its type: this message's metrics are read as that type.
    const uint32_t seen = by_name_.find(name);
    if (seen != NameIndex::kMissing) mt = out_.families_[seen].type;

    const size_t labels_before = out_.labels_.size();
    pending_.clear();
    Names names = namesFor(name, mt);
    for (std::string_view m : metrics_) {
      bool ok = decodeMetric(m, mt, names, problem);
      if (ok && over_budget_) {
        over_budget_ = false;
        ok = bad(problem, "too many labels for the body size (label sets repeated per bucket)");
      }
      if (!ok) {
        // Drop the labels this message added (owned strings stay: bounds are cached).
        out_.labels_.resize(labels_before);
        return false;
      }
    }

    uint32_t f = seen;
    if (seen == NameIndex::kMissing) {
      f = static_cast<uint32_t>(out_.families_.size());
      Family& fam = out_.families_.emplace_back();
      fam.name = name;
      fam.type = mt;
      if (has_help) fam.help = help;
      if (has_unit && !unit.empty()) fam.unit = unit;
      fam.samples.reserve(pending_.size());  // final unless a later message merges into it
      by_name_.insert(name, f);
    }
    Family& fam = out_.families_[f];
    for (const Pending& p : pending_) {
      ranges_.push_back(SampleRange{f, static_cast<uint32_t>(fam.samples.size()), p.labels});
      fam.samples.push_back(p.sample);
    }
    return true;
  }

  static bool bad(std::string* problem, std::string what) {
    *problem = std::move(what);
    return false;
  }

  // The sample names of a family: the bare name, and for summaries and histograms the suffixed
  // ones (owned by the Exposition).
  struct Names {
    std::string_view bare, bucket, sum, count;
  };
  Names namesFor(std::string_view name, MetricType mt) {
    Names n;
    n.bare = name;
    if (mt == MetricType::kSummary || mt == MetricType::kHistogram) {
      n.sum = own(std::string(name) + "_sum");
      n.count = own(std::string(name) + "_count");
    } else if (mt == MetricType::kGaugeHistogram) {
      n.sum = own(std::string(name) + "_gsum");
      n.count = own(std::string(name) + "_gcount");
    }
    if (mt == MetricType::kHistogram || mt == MetricType::kGaugeHistogram)
      n.bucket = own(std::string(name) + "_bucket");
    return n;
  }

  // The submessage field number of Metric that carries a type's values.
  static uint32_t valueField(MetricType mt) {
    switch (mt) {
      case MetricType::kCounter: return 3;
      case MetricType::kGauge: return 2;
      case MetricType::kSummary: return 4;
      case MetricType::kHistogram:
      case MetricType::kGaugeHistogram: return 7;
      default: return 5;  // untyped
    }
  }

  bool decodeMetric(std::string_view msg, MetricType mt, const Names& names, std::string* problem) {
    MetricView& m = metric_;
    m.labels.clear();
    m.value_msg = {};
    m.has_value_msg = false;
    m.timestamp_ms.reset();
    const uint32_t value_field = valueField(mt);
    WireReader r(msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return bad(problem, "malformed field key in Metric");
      bool ok = true;
      if (field == 1 && wt == pb::kWireLen) {
        std::string_view pair;
        ok = r.readBytes(&pair) && decodeLabel(pair, &m.labels.emplace_back());
      } else if (field == value_field && wt == pb::kWireLen) {
        ok = r.readBytes(&m.value_msg);
        m.has_value_msg = true;
      } else if (field == 6 && wt == pb::kWireVarint) {
        uint64_t ts = 0;
        ok = r.readVarint(&ts);
        m.timestamp_ms = static_cast<int64_t>(ts);
      } else {
        ok = r.skip(field, wt);
      }
      if (!ok) return bad(problem, "truncated or malformed Metric");
    }
    switch (mt) {
      case MetricType::kSummary: return emitSummary(names, problem);
      case MetricType::kHistogram:
      case MetricType::kGaugeHistogram: return emitHistogram(names, problem);
      default: {
        double v = 0;
        if (!readValue(m.value_msg, &v)) return bad(problem, "malformed metric value");
        emit(names.bare, nullptr, v);
        return true;
      }
    }
  }

  static bool decodeLabel(std::string_view msg, Label* out) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return false;
      bool ok;
      if (field == 1 && wt == pb::kWireLen) {
        ok = r.readBytes(&out->name);
      } else if (field == 2 && wt == pb::kWireLen) {
        ok = r.readBytes(&out->value);
      } else {
        ok = r.skip(field, wt);
      }
      if (!ok) return false;
    }
    return true;
  }

  // `double value = 1` of Counter, Gauge and Untyped (absent: 0).
  static bool readValue(std::string_view msg, double* v) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return false;
      if (field == 1 && wt == pb::kWireFixed64) {
        uint64_t bits = 0;
        if (!r.readFixed64(&bits)) return false;
        *v = asDouble(bits);
      } else if (!r.skip(field, wt)) {
        return false;
      }
    }
    return true;
  }

  // A sample of the current metric: its labels, then `extra` (le / quantile) if any. Past the
  // label budget nothing is added and over_budget_ is set (the message is then malformed).
  void emit(std::string_view name, const Label* extra, double v) {
    if (out_.labels_.size() + metric_.labels.size() + 1 > label_budget_) {
      over_budget_ = true;
      return;
    }
    Pending p;
    p.sample.name = name;
    p.sample.value = v;
    p.sample.timestamp_ms = metric_.timestamp_ms;
    p.labels.begin = static_cast<uint32_t>(out_.labels_.size());
    out_.labels_.insert(out_.labels_.end(), metric_.labels.begin(), metric_.labels.end());
    if (extra != nullptr) out_.labels_.push_back(*extra);
    p.labels.count = static_cast<uint32_t>(out_.labels_.size() - p.labels.begin);
    pending_.push_back(p);
  }

  bool emitSummary(const Names& names, std::string* problem) {
    uint64_t count = 0;
    double sum = 0;
    WireReader r(metric_.value_msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return bad(problem, "malformed Summary");
      bool ok = true;
      if (field == 1 && wt == pb::kWireVarint) {
        ok = r.readVarint(&count);
      } else if (field == 2 && wt == pb::kWireFixed64) {
        uint64_t bits = 0;
        ok = r.readFixed64(&bits);
        sum = asDouble(bits);
      } else if (field == 3 && wt == pb::kWireLen) {
        std::string_view q;
        double quantile = 0, value = 0;
        ok = r.readBytes(&q) && readPair(q, 1, &quantile, 2, &value);
        if (ok) {
          Label l{"quantile", boundText(quantile)};
          emit(names.bare, &l, value);
        }
      } else {
        ok = r.skip(field, wt);
      }
      if (!ok) return bad(problem, "truncated or malformed Summary");
    }
    emit(names.sum, nullptr, sum);
    emit(names.count, nullptr, static_cast<double>(count));
    return true;
  }

  bool emitHistogram(const Names& names, std::string* problem) {
    uint64_t count = 0;
    double count_float = 0, sum = 0;
    bool inf_seen = false;
    WireReader r(metric_.value_msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return bad(problem, "malformed Histogram");
      bool ok = true;
      uint64_t bits = 0;
      if (field == 1 && wt == pb::kWireVarint) {
        ok = r.readVarint(&count);
      } else if (field == 4 && wt == pb::kWireFixed64) {
        ok = r.readFixed64(&bits);
        count_float = asDouble(bits);
      } else if (field == 2 && wt == pb::kWireFixed64) {
        ok = r.readFixed64(&bits);
        sum = asDouble(bits);
      } else if (field == 3 && wt == pb::kWireLen) {
        std::string_view b;
        bool inf = false;
        ok = r.readBytes(&b) && emitBucket(b, names, &inf);
        inf_seen = inf_seen || inf;
      } else {
        ok = r.skip(field, wt);
      }
      if (!ok) return bad(problem, "truncated or malformed Histogram");
    }
    const double total = count_float > 0 ? count_float : static_cast<double>(count);
    if (!inf_seen) {
      Label l{"le", boundText(INFINITY)};
      emit(names.bucket, &l, total);
    }
    emit(names.sum, nullptr, sum);
    emit(names.count, nullptr, total);
    return true;
  }

  // One classic bucket; *inf: its bound is +Inf.
  bool emitBucket(std::string_view msg, const Names& names, bool* inf) {
    uint64_t count = 0;
    double count_float = 0, bound = 0;
    WireReader r(msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return false;
      bool ok;
      uint64_t bits = 0;
      if (field == 1 && wt == pb::kWireVarint) {
        ok = r.readVarint(&count);
      } else if (field == 4 && wt == pb::kWireFixed64) {
        ok = r.readFixed64(&bits);
        count_float = asDouble(bits);
      } else if (field == 2 && wt == pb::kWireFixed64) {
        ok = r.readFixed64(&bits);
        bound = asDouble(bits);
      } else {
        ok = r.skip(field, wt);
      }
      if (!ok) return false;
    }
    Label l{"le", boundText(bound)};
    emit(names.bucket, &l, count_float > 0 ? count_float : static_cast<double>(count));
    *inf = std::isinf(bound) && bound > 0;
    return true;
  }

  // Two double fields of a small message (Quantile: quantile = 1, value = 2).
  static bool readPair(std::string_view msg, uint32_t fa, double* a, uint32_t fb, double* b) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t field, wt;
      if (!r.readKey(&field, &wt)) return false;
      uint64_t bits = 0;
      if ((field == fa || field == fb) && wt == pb::kWireFixed64) {
        if (!r.readFixed64(&bits)) return false;
        *(field == fa ? a : b) = asDouble(bits);
      } else if (!r.skip(field, wt)) {
        return false;
      }
    }
    return true;
  }

  const std::string_view body_;
  const ErrorPolicy policy_;
  Exposition out_;
  Status error_;
  NameIndex by_name_{0};
  std::vector<SampleRange> ranges_;  // every sample's labels in labels_, made spans at the end
  std::unordered_map<uint64_t, std::string_view> bounds_;
  std::vector<std::string_view> metrics_;  // the Metric messages of the current family
  MetricView metric_;                      // the current Metric
  std::vector<Pending> pending_;           // the samples of the current family message
  // Every bucket and quantile repeats its metric's labels, so the label array could grow with the
  // square of the body (a big label set times many buckets). Real exporters stay far below one
  // label per byte (the fixtures: 0.01-0.03, the Istio sidecar excerpt's histograms: 0.14).
  const size_t label_budget_ = 8 * body_.size() + 65536;
  bool over_budget_ = false;
};

Result<Exposition> parseProtobuf(std::string_view body, ErrorPolicy policy) {
  ProtobufDecoder decoder(body, policy);
  return decoder.run();
}

}  // namespace sextant::codec::prom

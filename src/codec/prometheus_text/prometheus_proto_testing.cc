#include "codec/prometheus_text/prometheus_proto_testing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdlib>
#include <map>
#include <string_view>

namespace sextant::codec::prom::testing {

namespace pc = io::prometheus::client;

namespace {

// The labels of a sample without `skip`, as a key for grouping series.
std::string seriesKey(const Sample& s, std::string_view skip) {
  std::string key;
  for (const Label& l : s.labels) {
    if (l.name == skip) continue;
    key.append(l.name).push_back('\xff');
    key.append(l.value).push_back('\xfe');
  }
  return key;
}

void addLabels(pc::Metric* m, const Sample& s, std::string_view skip) {
  for (const Label& l : s.labels) {
    if (l.name == skip) continue;
    pc::LabelPair* p = m->add_label();
    p->set_name(std::string(l.name));
    p->set_value(std::string(l.value));
  }
}

std::string_view labelValue(const Sample& s, std::string_view name) {
  for (const Label& l : s.labels)
    if (l.name == name) return l.value;
  return {};
}

}  // namespace

std::vector<pc::MetricFamily> toMetricFamilies(const Exposition& text) {
  std::vector<pc::MetricFamily> out;
  for (const Family& f : text.families()) {
    pc::MetricFamily mf;
    mf.set_name(std::string(f.name));
    if (f.help) mf.set_help(std::string(*f.help));
    switch (f.type) {
      case MetricType::kCounter:
      case MetricType::kGauge:
      case MetricType::kUntyped:
        mf.set_type(f.type == MetricType::kCounter ? pc::COUNTER
                    : f.type == MetricType::kGauge ? pc::GAUGE
                                                   : pc::UNTYPED);
        for (const Sample& s : f.samples) {
          pc::Metric* m = mf.add_metric();
          addLabels(m, s, "");
          if (f.type == MetricType::kCounter) m->mutable_counter()->set_value(s.value);
          if (f.type == MetricType::kGauge) m->mutable_gauge()->set_value(s.value);
          if (f.type == MetricType::kUntyped) m->mutable_untyped()->set_value(s.value);
          if (s.timestamp_ms) m->set_timestamp_ms(*s.timestamp_ms);
        }
        break;
      case MetricType::kSummary:
      case MetricType::kHistogram: {
        const bool hist = f.type == MetricType::kHistogram;
        mf.set_type(hist ? pc::HISTOGRAM : pc::SUMMARY);
        const std::string_view part = hist ? "le" : "quantile";
        std::map<std::string, int> index;  // series key -> metric index
        for (const Sample& s : f.samples) {
          std::string key = seriesKey(s, part);
          auto [it, inserted] = index.try_emplace(key, mf.metric_size());
          if (inserted) addLabels(mf.add_metric(), s, part);
          pc::Metric* m = mf.mutable_metric(it->second);
          if (s.timestamp_ms) m->set_timestamp_ms(*s.timestamp_ms);
          const std::string_view suffix = s.name.substr(f.name.size());
          if (suffix == "_sum") {
            if (hist)
              m->mutable_histogram()->set_sample_sum(s.value);
            else
              m->mutable_summary()->set_sample_sum(s.value);
          } else if (suffix == "_count") {
            auto n = static_cast<uint64_t>(s.value);
            if (hist)
              m->mutable_histogram()->set_sample_count(n);
            else
              m->mutable_summary()->set_sample_count(n);
          } else if (hist && suffix == "_bucket") {
            pc::Bucket* b = m->mutable_histogram()->add_bucket();
            b->set_upper_bound(std::strtod(std::string(labelValue(s, "le")).c_str(), nullptr));
            b->set_cumulative_count(static_cast<uint64_t>(s.value));
          } else if (!hist && suffix.empty()) {
            pc::Quantile* q = m->mutable_summary()->add_quantile();
            q->set_quantile(std::strtod(std::string(labelValue(s, "quantile")).c_str(), nullptr));
            q->set_value(s.value);
          }
        }
        break;
      }
      default: continue;
    }
    out.push_back(std::move(mf));
  }
  return out;
}

std::string delimited(const std::vector<pc::MetricFamily>& families) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    for (const pc::MetricFamily& f : families) {
      coded.WriteVarint32(static_cast<uint32_t>(f.ByteSizeLong()));
      f.SerializeWithCachedSizes(&coded);
    }
  }
  return out;
}

}  // namespace sextant::codec::prom::testing

// The protobuf exposition decoder against messages built with libprotobuf (metrics.proto's
// generated classes, an independent encoder): every type by hand, every text fixture converted
// family by family (the decoded families must equal the text parse), errors and leniency.
#include "codec/prometheus_text/prometheus_proto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "codec/prometheus_text/prometheus_proto_testing.h"

namespace sextant::codec::prom {
namespace {

namespace pc = io::prometheus::client;
using testing::delimited;
using testing::toMetricFamilies;

std::string fixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Exposition mustDecode(std::string_view body) {
  Result<Exposition> r = parseProtobuf(body);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  if (!r.isOk()) return Exposition{};
  return std::move(r).value();
}

// A sample as plain values, for comparisons and readable failures.
struct Flat {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string value;  // "%.17g", NaN spelled once
  std::optional<int64_t> ts;
  bool operator==(const Flat&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Flat& f) {
  os << f.name << "{";
  for (const auto& [k, v] : f.labels) os << k << "=" << v << ",";
  os << "} " << f.value;
  if (f.ts) os << " @" << *f.ts;
  return os;
}

std::string valueText(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::vector<Flat> flat(const Family& f) {
  std::vector<Flat> out;
  for (const Sample& s : f.samples) {
    Flat x{std::string(s.name), {}, valueText(s.value), s.timestamp_ms};
    for (const Label& l : s.labels) {
      // `le` / `quantile` compare as numbers: Envoy writes le="1800000" where Go writes 1.8e+06.
      if (l.name == "le" || l.name == "quantile") {
        x.labels.emplace_back(l.name,
                              valueText(std::strtod(std::string(l.value).c_str(), nullptr)));
      } else {
        x.labels.emplace_back(l.name, l.value);
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

pc::LabelPair* label(pc::Metric* m, const std::string& k, const std::string& v) {
  pc::LabelPair* p = m->add_label();
  p->set_name(k);
  p->set_value(v);
  return p;
}

TEST(PrometheusProto, ContentType) {
  EXPECT_TRUE(isProtobufContentType(kProtobufContentType));
  EXPECT_TRUE(isProtobufContentType(
      "application/"
      "vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"));
  EXPECT_TRUE(
      isProtobufContentType("Application/Vnd.Google.Protobuf; encoding=delimited; "
                            "proto=io.prometheus.client.MetricFamily"));
  EXPECT_FALSE(isProtobufContentType("application/vnd.google.protobuf"));
  EXPECT_FALSE(isProtobufContentType(
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text"));
  EXPECT_FALSE(isProtobufContentType("text/plain; version=0.0.4; charset=utf-8"));
  EXPECT_FALSE(isProtobufContentType(""));
}

TEST(PrometheusProto, EveryTypeBuiltByLibprotobuf) {
  std::vector<pc::MetricFamily> fams(6);
  {  // counter: two series, one with a timestamp
    pc::MetricFamily& f = fams[0];
    f.set_name("http_requests_total");
    f.set_help("Requests.");
    f.set_type(pc::COUNTER);
    pc::Metric* m = f.add_metric();
    label(m, "method", "post");
    label(m, "code", "200");
    m->mutable_counter()->set_value(1027);
    m->set_timestamp_ms(1395066363000);
    m = f.add_metric();
    label(m, "method", "get");
    m->mutable_counter()->set_value(3);
  }
  {  // gauge without labels, value above 2^53
    pc::MetricFamily& f = fams[1];
    f.set_name("envoy_version");
    f.set_type(pc::GAUGE);
    f.add_metric()->mutable_gauge()->set_value(13313255528978349008.0);
  }
  {  // untyped, no help; a metric without its value message is 0
    pc::MetricFamily& f = fams[2];
    f.set_name("weird");
    f.set_type(pc::UNTYPED);
    f.add_metric()->mutable_untyped()->set_value(-1.5);
    label(f.add_metric(), "a", "b");
  }
  {  // summary
    pc::MetricFamily& f = fams[3];
    f.set_name("rpc_duration_seconds");
    f.set_type(pc::SUMMARY);
    pc::Metric* m = f.add_metric();
    label(m, "service", "a");
    pc::Summary* s = m->mutable_summary();
    s->set_sample_count(7);
    s->set_sample_sum(1.25);
    pc::Quantile* q = s->add_quantile();
    q->set_quantile(0.5);
    q->set_value(0.1);
    q = s->add_quantile();
    q->set_quantile(0.99);
    q->set_value(NAN);
  }
  {  // histogram without +Inf bucket, one with it
    pc::MetricFamily& f = fams[4];
    f.set_name("req_seconds");
    f.set_help("Latency.");
    f.set_type(pc::HISTOGRAM);
    pc::Metric* m = f.add_metric();
    pc::Histogram* h = m->mutable_histogram();
    h->set_sample_count(10);
    h->set_sample_sum(2.5);
    pc::Bucket* b = h->add_bucket();
    b->set_upper_bound(0.005);
    b->set_cumulative_count(4);
    b = h->add_bucket();
    b->set_upper_bound(1e6);
    b->set_cumulative_count(9);
    m = f.add_metric();
    label(m, "x", "y");
    h = m->mutable_histogram();
    h->set_sample_count(2);
    h->set_sample_sum(0);
    b = h->add_bucket();
    b->set_upper_bound(100000);
    b->set_cumulative_count(1);
    b = h->add_bucket();
    b->set_upper_bound(INFINITY);
    b->set_cumulative_count(2);
  }
  {  // a family with no metrics
    fams[5].set_name("empty");
    fams[5].set_help("");
    fams[5].set_type(pc::GAUGE);
  }
  const std::string body = delimited(fams);
  Exposition e = mustDecode(body);
  ASSERT_EQ(e.families().size(), 6u);
  EXPECT_EQ(e.errorCount(), 0u);
  EXPECT_EQ(e.sampleCount(), 2u + 1u + 2u + 4u + 9u);

  const Family& c = e.families()[0];
  EXPECT_EQ(c.name, "http_requests_total");
  EXPECT_EQ(c.type, MetricType::kCounter);
  EXPECT_EQ(c.help, std::optional<std::string_view>("Requests."));
  EXPECT_EQ(
      flat(c),
      (std::vector<Flat>{
          {"http_requests_total", {{"method", "post"}, {"code", "200"}}, "1027", 1395066363000},
          {"http_requests_total", {{"method", "get"}}, "3", std::nullopt},
      }));
  EXPECT_EQ(e.families()[1].type, MetricType::kGauge);
  EXPECT_EQ(flat(e.families()[1]),
            (std::vector<Flat>{{"envoy_version", {}, "1.3313255528978348e+19", std::nullopt}}));
  EXPECT_EQ(e.families()[2].type, MetricType::kUntyped);
  EXPECT_FALSE(e.families()[2].help.has_value());
  EXPECT_EQ(flat(e.families()[2]), (std::vector<Flat>{{"weird", {}, "-1.5", std::nullopt},
                                                      {"weird", {{"a", "b"}}, "0", std::nullopt}}));
  EXPECT_EQ(e.families()[3].type, MetricType::kSummary);
  EXPECT_EQ(flat(e.families()[3]),
            (std::vector<Flat>{
                {"rpc_duration_seconds",
                 {{"service", "a"}, {"quantile", "0.5"}},
                 "0.10000000000000001",
                 std::nullopt},
                {"rpc_duration_seconds",
                 {{"service", "a"}, {"quantile", "0.98999999999999999"}},
                 "NaN",
                 std::nullopt},
                {"rpc_duration_seconds_sum", {{"service", "a"}}, "1.25", std::nullopt},
                {"rpc_duration_seconds_count", {{"service", "a"}}, "7", std::nullopt},
            }));
  EXPECT_EQ(e.families()[4].type, MetricType::kHistogram);
  EXPECT_EQ(flat(e.families()[4]),
            (std::vector<Flat>{
                {"req_seconds_bucket", {{"le", "0.0050000000000000001"}}, "4", std::nullopt},
                {"req_seconds_bucket", {{"le", "1000000"}}, "9", std::nullopt},
                {"req_seconds_bucket", {{"le", "inf"}}, "10", std::nullopt},
                {"req_seconds_sum", {}, "2.5", std::nullopt},
                {"req_seconds_count", {}, "10", std::nullopt},
                {"req_seconds_bucket", {{"x", "y"}, {"le", "100000"}}, "1", std::nullopt},
                {"req_seconds_bucket", {{"x", "y"}, {"le", "inf"}}, "2", std::nullopt},
                {"req_seconds_sum", {{"x", "y"}}, "0", std::nullopt},
                {"req_seconds_count", {{"x", "y"}}, "2", std::nullopt},
            }));
  // The raw spelling of `le` / `quantile`: Go's text writer's.
  const auto& hs = e.families()[4].samples;
  EXPECT_EQ(hs[0].labels[0].value, "0.005");
  EXPECT_EQ(hs[1].labels[0].value, "1e+06");
  EXPECT_EQ(hs[2].labels[0].value, "+Inf");
  EXPECT_EQ(hs[5].labels[1].value, "100000");
  EXPECT_EQ(e.families()[3].samples[1].labels[1].value, "0.99");
  EXPECT_EQ(e.families()[5].name, "empty");
  EXPECT_EQ(e.families()[5].help, std::optional<std::string_view>(""));
  EXPECT_TRUE(e.families()[5].samples.empty());
}

TEST(PrometheusProto, FloatHistogramCountsAndUnknownFieldsAndSameNameMerged) {
  std::vector<pc::MetricFamily> fams(2);
  fams[0].set_name("h");
  fams[0].set_type(pc::HISTOGRAM);
  pc::Histogram* h = fams[0].add_metric()->mutable_histogram();
  h->set_sample_count_float(2.5);
  h->set_sample_sum(1);
  h->set_schema(3);  // native histogram fields are read past
  h->add_positive_delta(4);
  pc::Bucket* b = h->add_bucket();
  b->set_upper_bound(1);
  b->set_cumulative_count_float(1.5);
  fams[0].mutable_metric(0)->mutable_histogram()->add_exemplars()->set_value(3);
  fams[1].set_name("h");
  fams[1].set_type(pc::GAUGE);  // merged into the first: its type wins
  pc::Metric* m = fams[1].add_metric();
  label(m, "k", "v");
  m->mutable_histogram()->set_sample_count(1);
  const std::string body = delimited(fams);
  Exposition e = mustDecode(body);
  ASSERT_EQ(e.families().size(), 1u);
  EXPECT_EQ(e.families()[0].type, MetricType::kHistogram);
  EXPECT_EQ(flat(e.families()[0]), (std::vector<Flat>{
                                       {"h_bucket", {{"le", "1"}}, "1.5", std::nullopt},
                                       {"h_bucket", {{"le", "inf"}}, "2.5", std::nullopt},
                                       {"h_sum", {}, "1", std::nullopt},
                                       {"h_count", {}, "2.5", std::nullopt},
                                       {"h_bucket", {{"k", "v"}, {"le", "inf"}}, "1", std::nullopt},
                                       {"h_sum", {{"k", "v"}}, "0", std::nullopt},
                                       {"h_count", {{"k", "v"}}, "1", std::nullopt},
                                   }));
}

// Each fixture's text families, re-encoded by libprotobuf, decode to the same families.
class ProtoFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(ProtoFixture, DecodesToTheTextParse) {
  const std::string text = fixture(GetParam());
  Result<Exposition> t = parse(text, Format::kText004);
  ASSERT_TRUE(t.isOk()) << t.status().toString();
  const std::string body = delimited(toMetricFamilies(*t));
  Exposition p = mustDecode(body);
  ASSERT_EQ(p.families().size(), t->families().size());
  EXPECT_EQ(p.sampleCount(), t->sampleCount());
  for (size_t i = 0; i < p.families().size(); ++i) {
    const Family& a = t->families()[i];
    const Family& b = p.families()[i];
    ASSERT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type) << a.name;
    EXPECT_EQ(a.help, b.help) << a.name;
    EXPECT_EQ(flat(a), flat(b)) << a.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ProtoFixture,
                         ::testing::Values("k8s/kube-state-metrics_metrics_v1.35.txt",
                                           "prometheus/node-exporter-1.5.0_metrics.txt",
                                           "prometheus/prometheus-2.42.0_metrics.txt",
                                           "prometheus/etcd-3.4.23_metrics_mtls.txt",
                                           "istio/istio-1.5-proxy_stats_prometheus.EXCERPT.txt"));

// A real capture: node-exporter 1.5.0 asked for protobuf, beside the text capture of the same
// exporter. Families, types, help, sample names and label names must match the text parse.
TEST(PrometheusProto, RealNodeExporterCapture) {
  const std::string pb = fixture("prometheus/node-exporter-1.5.0_metrics.delimited.pb");
  const std::string text = fixture("prometheus/node-exporter-1.5.0_metrics.txt");
  Exposition p = mustDecode(pb);
  Result<Exposition> t = parse(text, Format::kText004);
  ASSERT_TRUE(t.isOk());
  ASSERT_EQ(p.families().size(), t->families().size());
  EXPECT_EQ(p.sampleCount(), t->sampleCount());
  for (size_t i = 0; i < p.families().size(); ++i) {
    const Family& a = t->families()[i];
    const Family& b = p.families()[i];
    ASSERT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type) << a.name;
    EXPECT_EQ(a.help, b.help) << a.name;
    ASSERT_EQ(a.samples.size(), b.samples.size()) << a.name;
    for (size_t k = 0; k < a.samples.size(); ++k) {
      EXPECT_EQ(a.samples[k].name, b.samples[k].name);
      std::vector<std::string_view> an, bn;
      for (const Label& l : a.samples[k].labels) an.push_back(l.name);
      for (const Label& l : b.samples[k].labels) bn.push_back(l.name);
      EXPECT_EQ(an, bn) << a.name;
    }
  }
}

// 1000 labels x 1000 buckets would be a million labels from ~20 KB: refused, not allocated.
TEST(PrometheusProto, LabelBudgetBoundsMemory) {
  pc::MetricFamily f;
  f.set_name("h");
  f.set_type(pc::HISTOGRAM);
  pc::Metric* m = f.add_metric();
  for (int i = 0; i < 1000; ++i) label(m, "l" + std::to_string(i), "v");
  for (int i = 0; i < 1000; ++i) m->mutable_histogram()->add_bucket()->set_upper_bound(i);
  pc::MetricFamily ok;
  ok.set_name("g");
  ok.set_type(pc::GAUGE);
  ok.add_metric()->mutable_gauge()->set_value(2);
  const std::string body = delimited({f, ok});
  ASSERT_LT(body.size(), 30000u);
  Result<Exposition> lenient = parseProtobuf(body, ErrorPolicy::kLenient);
  ASSERT_TRUE(lenient.isOk());
  EXPECT_EQ(lenient->errorCount(), 1u);
  EXPECT_EQ(lenient->errors()[0].message,
            "too many labels for the body size (label sets repeated per bucket)");
  ASSERT_EQ(lenient->families().size(), 1u);
  EXPECT_EQ(lenient->families()[0].name, "g");
  EXPECT_FALSE(parseProtobuf(body).isOk());
}

TEST(PrometheusProto, ErrorsStrictAndLenient) {
  pc::MetricFamily good;
  good.set_name("a");
  good.set_type(pc::GAUGE);
  good.add_metric()->mutable_gauge()->set_value(1);
  std::string body = delimited({good});
  const size_t first = body.size();
  // Message 2: a family with an unknown type 9 (key 0x18 = field 3 varint).
  body += std::string(
      "\x05\x0a\x01"
      "b"
      "\x18\x09",
      6);
  // Message 3: no name.
  body += std::string("\x02\x18\x01", 3);
  // Message 4: a Metric whose label pair is truncated inside (field 4, len 3: label len 5).
  body += std::string(
      "\x08\x0a\x01"
      "c"
      "\x22\x03\x0a\x05\x0a",
      9);
  body += delimited({good});
  // Message 6: a length prefix past the end.
  body += std::string("\x7f\x0a", 2);

  Result<Exposition> strict = parseProtobuf(body);
  ASSERT_FALSE(strict.isOk());
  EXPECT_EQ(strict.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(strict.status().message(), "protobuf exposition: message 2 at byte " +
                                           std::to_string(first) + ": unknown metric type 9");

  Result<Exposition> lenient = parseProtobuf(body, ErrorPolicy::kLenient);
  ASSERT_TRUE(lenient.isOk());
  EXPECT_EQ(lenient->errorCount(), 4u);
  ASSERT_EQ(lenient->errors().size(), 4u);
  EXPECT_EQ(lenient->errors()[0].line, 2u);
  EXPECT_EQ(lenient->errors()[0].column, first + 1);
  EXPECT_EQ(lenient->errors()[1].message, "MetricFamily without a name");
  EXPECT_EQ(lenient->errors()[2].message, "truncated or malformed Metric");
  EXPECT_EQ(lenient->errors()[3].message, "truncated length prefix or message");
  ASSERT_EQ(lenient->families().size(), 1u);  // "a" twice, merged; nothing of b or c
  EXPECT_EQ(flat(lenient->families()[0]),
            (std::vector<Flat>{{"a", {}, "1", std::nullopt}, {"a", {}, "1", std::nullopt}}));
  EXPECT_EQ(lenient->families()[0].samples[1].labels.size(), 0u);

  EXPECT_TRUE(mustDecode("").families().empty());
}

}  // namespace
}  // namespace sextant::codec::prom

#include "codec/prometheus_text/prometheus_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "codec/prometheus_text/prometheus_text_render.h"
#include "core/testing/read_file.h"

namespace sextant::codec::prom {
namespace {

constexpr Format kText = Format::kText004;
constexpr Format kOm = Format::kOpenMetrics;

// `body` must outlive the result (it holds views into it).
Exposition mustParse(std::string_view body, Format format = kText) {
  Result<Exposition> r = parse(body, format);
  EXPECT_TRUE(r.isOk()) << r.status().toString() << "\n" << body;
  if (!r.isOk()) return Exposition{};
  return std::move(r).value();
}

// The message of a strict parse that must fail.
std::string parseError(std::string_view body, Format format = kText) {
  Result<Exposition> r = parse(body, format);
  EXPECT_FALSE(r.isOk()) << body;
  if (r.isOk()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

using ::sextant::testing::readFile;

std::string fixture(const std::string& rel) {
  return readFile(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel);
}

const Family* findFamily(const Exposition& e, std::string_view name) {
  for (const Family& f : e.families()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<Label> labels(const Sample& s) { return {s.labels.begin(), s.labels.end()}; }

// ---------------------------------------------------------------------------------------------
// The real outputs in ../shared/fixtures. Expected counts were taken from the files with grep:
// families = `# TYPE` lines (+ names of samples with no TYPE), samples = non-comment lines.

struct FixtureCase {
  const char* path;
  size_t families;
  size_t samples;
};

class FixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(FixtureTest, ParsesStrictAndLenientAndRoundTrips) {
  const FixtureCase& c = GetParam();
  std::string body = fixture(c.path);
  ASSERT_FALSE(body.empty());
  Exposition strict = mustParse(body);
  EXPECT_EQ(strict.families().size(), c.families);
  EXPECT_EQ(strict.sampleCount(), c.samples);
  EXPECT_EQ(strict.errorCount(), 0u);

  Result<Exposition> lenient = parse(body, kText, ErrorPolicy::kLenient);
  ASSERT_TRUE(lenient.isOk());
  EXPECT_EQ(lenient->errorCount(), 0u);
  EXPECT_EQ(testing::difference(strict.families(), lenient->families()), "");

  // CRLF line ends and a missing final line break change nothing.
  std::string crlf;
  for (char ch : body) {
    if (ch == '\n') crlf += '\r';
    crlf += ch;
  }
  crlf.resize(crlf.size() - 2);
  Exposition e2 = mustParse(crlf);
  EXPECT_EQ(testing::difference(strict.families(), e2.families()), "");

  // Rendered back as text 0.0.4 and as OpenMetrics, it parses to the same families.
  std::string text = testing::render(strict.families(), kText);
  Exposition e3 = mustParse(text);
  EXPECT_EQ(testing::difference(strict.families(), e3.families()), "");
}

// 0.0.4 samples of counters need no _total and the fixtures' counters have it in the family
// name, so the fixtures are not valid OpenMetrics; their families as such are checked above.
INSTANTIATE_TEST_SUITE_P(
    Fixtures, FixtureTest,
    ::testing::Values(FixtureCase{"prometheus/etcd-3.4.23_metrics_mtls.txt", 122, 1244},
                      FixtureCase{"prometheus/node-exporter-1.5.0_metrics.txt", 283, 507},
                      FixtureCase{"prometheus/prometheus-2.42.0_metrics.txt", 168, 364},
                      FixtureCase{"k8s/kube-state-metrics_metrics_v1.35.txt", 231, 1698},
                      FixtureCase{"istio/istio-1.5-proxy_stats_prometheus.EXCERPT.txt", 36, 111}));

TEST(PrometheusFixtures, Etcd) {
  std::string body = fixture("prometheus/etcd-3.4.23_metrics_mtls.txt");
  Exposition e = mustParse(body);
  const Family& first = e.families().front();
  EXPECT_EQ(first.name, "etcd_cluster_version");
  EXPECT_EQ(first.type, MetricType::kGauge);
  EXPECT_EQ(first.help,
            "Which version is running. 1 for 'cluster_version' label with current "
            "cluster version");
  ASSERT_EQ(first.samples.size(), 1u);
  EXPECT_EQ(labels(first.samples[0]), (std::vector<Label>{{"cluster_version", "3.4"}}));
  EXPECT_EQ(first.samples[0].value, 1.0);
  EXPECT_FALSE(first.samples[0].timestamp_ms);

  // Lines 73-101: 25 buckets, _sum, _count.
  const Family* ttl = findFamily(e, "etcd_debugging_lease_ttl_total");
  ASSERT_NE(ttl, nullptr);
  EXPECT_EQ(ttl->type, MetricType::kHistogram);
  ASSERT_EQ(ttl->samples.size(), 27u);
  EXPECT_EQ(ttl->samples[20].name, "etcd_debugging_lease_ttl_total_bucket");
  EXPECT_EQ(labels(ttl->samples[20]), (std::vector<Label>{{"le", "1.048576e+06"}}));
  EXPECT_EQ(labels(ttl->samples[24]), (std::vector<Label>{{"le", "+Inf"}}));
  EXPECT_EQ(ttl->samples[25].name, "etcd_debugging_lease_ttl_total_sum");
  EXPECT_EQ(ttl->samples[26].name, "etcd_debugging_lease_ttl_total_count");
  EXPECT_TRUE(ttl->samples[26].labels.empty());

  // Lines 540-547.
  const Family* gc = findFamily(e, "go_gc_duration_seconds");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->type, MetricType::kSummary);
  ASSERT_EQ(gc->samples.size(), 7u);
  EXPECT_EQ(labels(gc->samples[2]), (std::vector<Label>{{"quantile", "0.5"}}));
  EXPECT_EQ(gc->samples[2].value, 7.863e-05);
  EXPECT_EQ(gc->samples[5].name, "go_gc_duration_seconds_sum");
  EXPECT_EQ(gc->samples[5].value, 0.000108876);
  EXPECT_EQ(gc->samples[6].value, 2.0);
}

TEST(PrometheusFixtures, NodeExporter) {
  std::string body = fixture("prometheus/node-exporter-1.5.0_metrics.txt");
  Exposition e = mustParse(body);
  size_t untyped = 0;
  for (const Family& f : e.families()) untyped += f.type == MetricType::kUntyped;
  EXPECT_EQ(untyped, 47u);  // `grep '^# TYPE' | grep -c untyped`

  const Family* uname = findFamily(e, "node_uname_info");  // line 1019
  ASSERT_NE(uname, nullptr);
  ASSERT_EQ(uname->samples.size(), 1u);
  EXPECT_EQ(labels(uname->samples[0]),
            (std::vector<Label>{{"domainname", "(none)"},
                                {"machine", "x86_64"},
                                {"nodename", "vm"},
                                {"release", "6.18.44-fc-v669"},
                                {"sysname", "Linux"},
                                {"version", "#1 SMP PREEMPT_DYNAMIC @0"}}));

  const Family* avail = findFamily(e, "node_filesystem_avail_bytes");  // line 210
  ASSERT_NE(avail, nullptr);
  ASSERT_FALSE(avail->samples.empty());
  EXPECT_EQ(avail->samples[0].value, 7.978835968e+10);

  const Family& last = e.families().back();  // the last two lines
  EXPECT_EQ(last.name, "promhttp_metric_handler_requests_total");
  EXPECT_EQ(last.type, MetricType::kCounter);
  ASSERT_EQ(last.samples.size(), 3u);
  EXPECT_EQ(labels(last.samples[2]), (std::vector<Label>{{"code", "503"}}));
}

TEST(PrometheusFixtures, Prometheus) {
  std::string body = fixture("prometheus/prometheus-2.42.0_metrics.txt");
  Exposition e = mustParse(body);
  const Family* q = findFamily(e, "prometheus_engine_query_duration_seconds");  // line 171
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, MetricType::kSummary);
  EXPECT_TRUE(std::isnan(q->samples[0].value));
  EXPECT_EQ(labels(q->samples[0]),
            (std::vector<Label>{{"slice", "inner_eval"}, {"quantile", "0.5"}}));

  const Family* build = findFamily(e, "prometheus_build_info");  // line 156
  ASSERT_NE(build, nullptr);
  ASSERT_EQ(build->samples.size(), 1u);
  std::vector<Label> l = labels(build->samples[0]);
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(l[0], (Label{"branch", "debian/sid"}));
  EXPECT_EQ(l[4], (Label{"revision", "2.42.0+ds-5+deb12u1"}));
}

TEST(PrometheusFixtures, KubeStateMetrics) {
  std::string body = fixture("k8s/kube-state-metrics_metrics_v1.35.txt");
  Exposition e = mustParse(body);
  // Lines 1-2: a family with HELP and TYPE but no sample.
  const Family& first = e.families().front();
  EXPECT_EQ(first.name, "kube_certificatesigningrequest_annotations");
  EXPECT_EQ(first.help, "Kubernetes annotations converted to Prometheus labels.");
  EXPECT_TRUE(first.samples.empty());

  const Family* restarts = findFamily(e, "kube_pod_container_status_restarts_total");
  ASSERT_NE(restarts, nullptr);
  EXPECT_EQ(restarts->type, MetricType::kCounter);
  ASSERT_EQ(restarts->samples.size(), 24u);  // grep -c
  EXPECT_EQ(labels(restarts->samples[0]),
            (std::vector<Label>{{"namespace", "kube-system"},
                                {"pod", "kube-apiserver-datagen-1-35"},
                                {"uid", "091e4cfe-bbaf-4634-99c2-2627b3b25e5e"},
                                {"container", "kube-apiserver"}}));

  const Family* csr = findFamily(e, "kube_certificatesigningrequest_created");
  ASSERT_NE(csr, nullptr);
  ASSERT_FALSE(csr->samples.empty());
  EXPECT_EQ(csr->samples[0].value, 1.782468732e+09);
}

TEST(PrometheusFixtures, IstioSidecarTraps) {
  std::string body = fixture("istio/istio-1.5-proxy_stats_prometheus.EXCERPT.txt");
  Exposition e = mustParse(body);
  const auto& fams = e.families();
  ASSERT_EQ(fams.size(), 36u);

  // Non-contiguous: lines 2-5, 25, 32 and 33 all belong to the family of line 1.
  const Family& sds = fams[0];
  EXPECT_EQ(sds.name, "envoy_cluster_client_ssl_socket_factory_ssl_context_update_by_sds");
  EXPECT_EQ(sds.type, MetricType::kCounter);
  ASSERT_EQ(sds.samples.size(), 7u);
  std::vector<double> values;
  for (const Sample& s : sds.samples) values.push_back(s.value);
  EXPECT_EQ(values, (std::vector<double>{4, 2, 8, 2, 2, 6, 2}));
  EXPECT_EQ(
      labels(sds.samples[6]),
      (std::vector<Label>{
          {"cluster_name", "outbound|443||istio-egressgateway.istio-system.svc.cluster.local"}}));
  // Lines 7 and 14.
  EXPECT_EQ(fams[1].name, "envoy_cluster_upstream_rq");
  ASSERT_EQ(fams[1].samples.size(), 2u);
  EXPECT_EQ(labels(fams[1].samples[1]),
            (std::vector<Label>{{"response_code_class", "2xx"}, {"cluster_name", "xds-grpc"}}));

  // Lines 38 and 41: no TYPE line, so an untyped family where its first sample appears.
  EXPECT_EQ(fams[13].name, "envoy_listener_server_ssl_socket_factory_ssl_context_update_by_sds");
  EXPECT_EQ(fams[13].type, MetricType::kUntyped);
  ASSERT_EQ(fams[13].samples.size(), 2u);
  EXPECT_EQ(fams[13].samples[1].labels[0].value, "[fe80__4457_a4ff_fe40_c2bd]_27017");
  EXPECT_EQ(fams[14].name, "envoy_cluster_manager_cds_update_success");

  // `name{}` (line 18) and values above 2^53 (lines 71, 77): the double strtod gives.
  const Family* removed = findFamily(e, "envoy_cluster_manager_cluster_removed");
  ASSERT_NE(removed, nullptr);
  ASSERT_EQ(removed->samples.size(), 1u);
  EXPECT_TRUE(removed->samples[0].labels.empty());
  const Family* lds = findFamily(e, "envoy_listener_manager_lds_version");
  ASSERT_NE(lds, nullptr);
  EXPECT_EQ(lds->samples[0].value, 13313255528978349008.0);
  EXPECT_EQ(lds->samples[0].value, std::strtod("13313255528978349008", nullptr));

  // Lines 101-123: a histogram with 24 labels per sample, 20 buckets + _sum + _count.
  const Family* dur = findFamily(e, "istio_request_duration_milliseconds");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(dur->type, MetricType::kHistogram);
  ASSERT_EQ(dur->samples.size(), 22u);
  EXPECT_EQ(dur->samples[19].labels.size(), 24u);
  EXPECT_EQ(dur->samples[19].labels.back(), (Label{"le", "+Inf"}));
  EXPECT_EQ(dur->samples[20].name, "istio_request_duration_milliseconds_sum");
  EXPECT_EQ(dur->samples[20].value, 43.5);
  const Family* req = findFamily(e, "istio_requests_total");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->samples[0].labels[17], (Label{"grpc_response_status", ""}));
}

// ---------------------------------------------------------------------------------------------
// The traps, one by one.

TEST(PrometheusText, EmptyBraces) {
  Exposition e = mustParse("a{} 1\nb { } 2\n");
  ASSERT_EQ(e.families().size(), 2u);
  EXPECT_TRUE(e.families()[0].samples[0].labels.empty());
  EXPECT_TRUE(e.families()[1].samples[0].labels.empty());
  EXPECT_EQ(e.families()[1].samples[0].value, 2.0);
}

TEST(PrometheusText, NonContiguousFamiliesAreMerged) {
  Exposition e = mustParse(
      "# TYPE a counter\na{x=\"1\"} 1\n# TYPE b gauge\nb 2\na{x=\"2\"} 3\nc 4\na{x=\"3\"} 5\n");
  ASSERT_EQ(e.families().size(), 3u);
  EXPECT_EQ(e.families()[0].name, "a");
  ASSERT_EQ(e.families()[0].samples.size(), 3u);
  EXPECT_EQ(e.families()[0].samples[1].value, 3.0);
  EXPECT_EQ(e.families()[0].samples[2].labels[0].value, "3");
  EXPECT_EQ(e.families()[1].name, "b");
  EXPECT_EQ(e.families()[2].name, "c");
  EXPECT_EQ(e.families()[2].type, MetricType::kUntyped);
}

TEST(PrometheusText, HistogramAndSummarySuffixes) {
  Exposition e = mustParse(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
      "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n"
      "# TYPE g gauge\nh_sum 9\ns_count 8\n");
  ASSERT_EQ(e.families().size(), 3u);
  EXPECT_EQ(e.families()[0].samples.size(), 5u);  // h_sum 9 comes back to h
  EXPECT_EQ(e.families()[1].samples.size(), 4u);
  EXPECT_EQ(e.families()[0].samples[4].value, 9.0);
  EXPECT_TRUE(e.families()[2].samples.empty());
  // In text 0.0.4 `_total` is part of a counter family's name, never a suffix.
  Exposition c = mustParse("# TYPE c counter\nc_total 1\nc 2\n");
  ASSERT_EQ(c.families().size(), 2u);
  EXPECT_EQ(c.families()[1].name, "c_total");
  EXPECT_EQ(c.families()[0].samples[0].value, 2.0);
}

TEST(PrometheusText, ValuesAbove2To53) {
  Exposition e =
      mustParse("a 9007199254740993\nb 13313255528978349008\nc 18446744073709551615\nd -9.2e18\n");
  EXPECT_EQ(e.families()[0].samples[0].value, 9007199254740992.0);  // round half to even
  EXPECT_EQ(e.families()[1].samples[0].value, 13313255528978349008.0);
  EXPECT_EQ(e.families()[2].samples[0].value, 18446744073709551616.0);
  EXPECT_EQ(e.families()[3].samples[0].value, -9.2e18);
}

TEST(PrometheusText, SpecialAndOddFloats) {
  struct Case {
    const char* text;
    double want;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (Case c : {Case{"+Inf", inf}, Case{"-Inf", -inf}, Case{"Inf", inf}, Case{"inf", inf},
                 Case{"+infinity", inf}, Case{"-INF", -inf}, Case{".5", 0.5}, Case{"5.", 5.0},
                 Case{"1e3", 1000.0}, Case{"-1E-3", -0.001}, Case{"+1", 1.0}, Case{"1e-400", 0.0},
                 Case{"4.9e-324", 4.9e-324}, Case{"1.7976931348623157e308", 1.7976931348623157e308},
                 Case{"-0", -0.0}, Case{"0.1", 0.1}}) {
    std::string body = std::string("a ") + c.text + "\n";
    Exposition e = mustParse(body);
    ASSERT_EQ(e.sampleCount(), 1u) << c.text;
    double v = e.families()[0].samples[0].value;
    EXPECT_EQ(v, c.want) << c.text;
    EXPECT_EQ(std::signbit(v), std::signbit(c.want)) << c.text;
  }
  for (const char* nan : {"NaN", "nan", "NAN"}) {
    std::string body = std::string("a ") + nan;
    Exposition e = mustParse(body);
    EXPECT_TRUE(std::isnan(e.families()[0].samples[0].value)) << nan;
  }
  for (const char* bad : {"-NaN", "+NaN", "1e400", "-1e400", "0x10", "1_000", "1.1.1", "--1", "+",
                          "abc", "1,5", "Infinit", "nan(1)", "1e", "."}) {
    std::string body = std::string("a ") + bad;
    EXPECT_EQ(parseError(body),
              std::string("text format parsing error in line 1, column 3: expected float as "
                          "value, got \"") +
                  bad + "\"");
  }
}

// Decimal values of every shape the fast path takes (and its edges: 2^53 significands, +-22
// exponents, 17+ digits, long exponents) must give exactly the double strtod gives.
TEST(PrometheusText, DecimalValuesMatchStrtod) {
  std::mt19937_64 rng(7);
  auto digits = [&](size_t n) {
    std::string d;
    for (size_t i = 0; i < n; ++i) d += static_cast<char>('0' + rng() % 10);
    return d;
  };
  std::vector<std::string> texts = {"9007199254740991",
                                    "9007199254740992",
                                    "9007199254740993",
                                    "1e22",
                                    "1e23",
                                    "1e-22",
                                    "1e-23",
                                    "123456789012345678",
                                    "0.1",
                                    "0.3",
                                    "1.782468771e+09",
                                    "00000000000000000001",
                                    "1e0000",
                                    "1e00001",
                                    "2.5e-05",
                                    "0.000001",
                                    "123.e2"};
  for (int i = 0; i < 20000; ++i) {
    std::string t = digits(1 + rng() % 18);
    if (rng() % 2) t.insert(rng() % (t.size() + 1), ".");
    if (rng() % 3 == 0) {
      t += (rng() % 2) ? "e" : "E";
      if (rng() % 2) t += (rng() % 2) ? "-" : "+";
      t += digits(1 + rng() % 3);
    }
    if (t == "." || t.starts_with(".e") || t.starts_with(".E")) continue;
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    for (const char* sign : {"", "-"}) {
      std::string text = sign + t;
      std::string body = "a " + text + "\n";
      double want = std::strtod(text.c_str(), nullptr);
      if (std::isinf(want)) {  // beyond the double range: an error, as Go's ParseFloat
        EXPECT_FALSE(parse(body, kText).isOk()) << text;
        continue;
      }
      Exposition e = mustParse(body);
      ASSERT_EQ(e.sampleCount(), 1u) << text;
      double v = e.families()[0].samples[0].value;
      EXPECT_EQ(v, want) << text;
      EXPECT_EQ(std::signbit(v), std::signbit(want)) << text;
    }
  }
}

// Names are scanned eight bytes at a time: every byte value at every offset of a metric name and
// of a label name must be classified as the grammar says ([a-zA-Z_:][a-zA-Z0-9_:]* and
// [a-zA-Z_][a-zA-Z0-9_]*; the classes written out here by hand).
TEST(PrometheusText, NameBytesAtEveryOffset) {
  auto nameByte = [](int c, bool colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (colon && c == ':');
  };
  for (int c = 0; c < 256; ++c) {
    if (c == '\n' || c == '\r') continue;  // end the line
    for (size_t at = 1; at < 38; ++at) {
      // After '_' too: a borrow-based byte match would also flag the byte above a '_' ('^').
      const char fill = at < 19 ? 'a' : '_';
      std::string name =
          std::string(at < 19 ? at : at - 18, fill) + static_cast<char>(c) + "bcdefghijklmnopq";
      // As a metric name: a name byte keeps the whole token one name.
      std::string body = name + "{x=\"1\"} 1\n";
      Result<Exposition> r = parse(body, kText);
      if (nameByte(c, true)) {
        ASSERT_TRUE(r.isOk()) << c << " at " << at;
        EXPECT_EQ(r->families()[0].samples[0].name, name) << c << " at " << at;
      } else if (r.isOk()) {  // a blank: the rest is not a value
        ADD_FAILURE() << c << " at " << at;
      }
      // As a label name.
      body = "m{" + name + "=\"v\"} 1\n";
      r = parse(body, kText);
      if (nameByte(c, false)) {
        ASSERT_TRUE(r.isOk()) << c << " at " << at;
        EXPECT_EQ(r->families()[0].samples[0].labels[0].name, name) << c << " at " << at;
      } else {
        EXPECT_FALSE(r.isOk()) << c << " at " << at;
      }
    }
  }
}

TEST(PrometheusText, LabelEscapes) {
  Exposition e = mustParse(R"(a{p="C:\\dir\\",q="say \"hi\"",n="l1\nl2",u="\t\x"} 1)");
  std::vector<Label> l = labels(e.families()[0].samples[0]);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0].value, "C:\\dir\\");
  EXPECT_EQ(l[1].value, "say \"hi\"");
  EXPECT_EQ(l[2].value, "l1\nl2");
  EXPECT_EQ(l[3].value, "\\t\\x");  // unknown escapes stay as written (as Prometheus' scraper)
  // Values without escapes are views into the body.
  std::string body = "a{x=\"plain\"} 1";
  Exposition v = mustParse(body);
  EXPECT_EQ(v.families()[0].samples[0].labels[0].value.data(), body.data() + 5);
}

// The label value scanner skips eight bytes at a time: put each kind of special byte at every
// offset of values of every length around the word size.
TEST(PrometheusText, LabelValueSpecialsAtEveryOffset) {
  const std::pair<std::string, std::string> kSpecials[] = {
      {"\\\\", "\\"}, {"\\\"", "\""}, {"\\n", "\n"}, {"é", "é"}, {"日", "日"}, {"\\x", "\\x"}};
  for (size_t len = 0; len <= 40; ++len) {  // past two 16-byte blocks
    for (size_t pos = 0; pos <= len; ++pos) {
      for (const auto& [written, meant] : kSpecials) {
        std::string plain(len, 'v');
        std::string body = "m{a=\"" + plain.substr(0, pos) + written + plain.substr(pos) +
                           "\",b=\"" + plain + "\"} 1";
        Exposition e = mustParse(body);
        ASSERT_EQ(e.sampleCount(), 1u) << body;
        const Sample& s = e.families()[0].samples[0];
        EXPECT_EQ(s.labels[0].value, plain.substr(0, pos) + meant + plain.substr(pos)) << body;
        EXPECT_EQ(s.labels[1].value, plain) << body;
      }
      std::string bad =
          "m{a=\"" + std::string(pos, 'v') + "\xff" + std::string(len - pos, 'v') + "\"} 1";
      EXPECT_EQ(parseError(bad), "text format parsing error in line 1, column " +
                                     std::to_string(6 + pos) + ": invalid UTF-8 in label value");
    }
  }
}

TEST(PrometheusText, Utf8LabelValues) {
  Exposition e = mustParse("a{city=\"Zürich\",jp=\"日本語\",emoji=\"\xF0\x9F\x98\x80\"} 1\n");
  std::vector<Label> l = labels(e.families()[0].samples[0]);
  EXPECT_EQ(l[0].value, "Zürich");
  EXPECT_EQ(l[1].value, "日本語");
  EXPECT_EQ(l[2].value, "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseError("a{x=\"ab\xff\"} 1"),
            "text format parsing error in line 1, column 8: invalid UTF-8 in label value");
  EXPECT_NE(parseError("a{x=\"\xc0\xaf\"} 1").find("invalid UTF-8"),
            std::string::npos);  // overlong
  EXPECT_NE(parseError("a{x=\"\xed\xa0\x80\"} 1").find("invalid UTF-8"),
            std::string::npos);  // surrogate
  EXPECT_NE(parseError("a{x=\"\xf4\x90\x80\x80\"} 1").find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(parseError("a{x=\"\xe6\x97\"} 1").find("invalid UTF-8"), std::string::npos);  // cut
}

TEST(PrometheusText, Timestamps) {
  Exposition e = mustParse(
      "a 1 1395066363000\nb 2 -5\nc 3 +7\nd 4 9223372036854775807\ne 5 -9223372036854775808\n");
  EXPECT_EQ(e.families()[0].samples[0].timestamp_ms, 1395066363000);
  EXPECT_EQ(e.families()[1].samples[0].timestamp_ms, -5);
  EXPECT_EQ(e.families()[2].samples[0].timestamp_ms, 7);
  EXPECT_EQ(e.families()[3].samples[0].timestamp_ms, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(e.families()[4].samples[0].timestamp_ms, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parseError("a 1 1.5"),
            "text format parsing error in line 1, column 5: expected "
            "integer as timestamp, got \"1.5\"");
  EXPECT_NE(parseError("a 1 9223372036854775808").find("expected integer as timestamp"),
            std::string::npos);
  EXPECT_NE(parseError("a 1 +-5").find("expected integer as timestamp"), std::string::npos);
}

TEST(PrometheusText, CrlfAndMissingFinalNewline) {
  Exposition e = mustParse("# HELP a Help.\r\n# TYPE a gauge\r\na{b=\"c\"} 1 5\r\nb 2");
  ASSERT_EQ(e.families().size(), 2u);
  EXPECT_EQ(e.families()[0].help, "Help.");
  EXPECT_EQ(e.families()[0].type, MetricType::kGauge);
  EXPECT_EQ(e.families()[0].samples[0].timestamp_ms, 5);
  EXPECT_EQ(e.families()[1].samples[0].value, 2.0);
  Exposition om = mustParse("# TYPE a gauge\r\na 1\r\n# EOF", kOm);
  EXPECT_EQ(om.sampleCount(), 1u);
}

TEST(PrometheusText, BlanksCommentsAndTrailingComma) {
  Exposition e = mustParse(
      "\n   \n# just a comment\n#\n# HELP\n# HELPER x\n\t a { x = \"1\" , y=\"2\", } \t 3 \t 4 \n"
      "#TYPE b counter\nb\t5\n");
  ASSERT_EQ(e.families().size(), 2u);
  const Sample& s = e.families()[0].samples[0];
  EXPECT_EQ(labels(s), (std::vector<Label>{{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ(s.value, 3.0);
  EXPECT_EQ(s.timestamp_ms, 4);
  EXPECT_EQ(e.families()[1].type, MetricType::kCounter);
}

TEST(PrometheusText, HelpTextEscapes) {
  Exposition e = mustParse("# HELP a x\\\\y\\nz \\\"q\\\" \\t\n# HELP b\n# HELP c   lead\n");
  EXPECT_EQ(e.families()[0].help, "x\\y\nz \\\"q\\\" \\t");  // 0.0.4: only \\ and \n
  EXPECT_EQ(e.families()[1].help, "");
  EXPECT_EQ(e.families()[2].help, "lead");
  Exposition om = mustParse("# HELP a say \\\"hi\\\"\n# EOF\n", kOm);
  EXPECT_EQ(om.families()[0].help, "say \"hi\"");
}

TEST(PrometheusText, BadLineLeavesNothingBehind) {
  Result<Exposition> r =
      parse("a{x=\"1\",y=\"2\"} bad\nb{z=\"3\"} 1\nc{w=\"4\"} 2 x\n", kText, ErrorPolicy::kLenient);
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->families().size(), 1u);
  EXPECT_EQ(labels(r->families()[0].samples[0]), (std::vector<Label>{{"z", "3"}}));
  EXPECT_EQ(r->errorCount(), 2u);
}

TEST(PrometheusText, MovingKeepsViewsValid) {
  std::string body = "a{x=\"esc\\\"aped\"} 1\n";
  Exposition moved;
  {
    Exposition e = mustParse(body);
    moved = std::move(e);
  }
  EXPECT_EQ(moved.families()[0].samples[0].labels[0].value, "esc\"aped");
}

// ---------------------------------------------------------------------------------------------
// Errors.

TEST(PrometheusTextErrors, MessagesWithLineAndColumn) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"a 1\nb 2\nc abc\n", "line 3, column 3: expected float as value, got \"abc\""},
      {"a", "line 1, column 2: expected float as value, got end of line"},
      {"a{b=\"c} 1", "line 1, column 5: unterminated label value"},
      {"a{b=c} 1", "line 1, column 5: expected '\"' at start of label value, got \"c}\""},
      {"a{1b=\"c\"} 1", "line 1, column 3: expected label name, got \"1b=\\\"c\\\"}\""},
      {"a{b=\"c\" d=\"e\"} 1",
       "line 1, column 9: expected ',' or '}' after label value, got "
       "\"d=\\\"e\\\"}\""},
      {"a{b \"c\"} 1", "line 1, column 5: expected '=' after label name \"b\", got \"\\\"c\\\"}\""},
      {"a{b=\"1\",b=\"2\"} 1", "line 1, column 9: duplicate label name \"b\""},
      {"a{b=\"1\"", "line 1, column 8: expected ',' or '}' after label value, got end of line"},
      {"a 1 2 3", "line 1, column 7: spurious string after timestamp: \"3\""},
      {"1a 1", "line 1, column 1: invalid metric name, got \"1a\""},
      {"  {a=\"b\"} 1", "line 1, column 3: invalid metric name, got \"{a=\\\"b\\\"}\""},
      {"a-b 1", "line 1, column 2: expected blank or '{' after metric name, got \"-b\""},
      {"# TYPE a foo", "line 1, column 10: unknown metric type \"foo\""},
      {"# TYPE a unknown", "line 1, column 10: unknown metric type \"unknown\""},
      {"# HELP 1a x", "line 1, column 8: invalid metric name in comment, got \"1a\""},
      {"# TYPE a gauge\n# TYPE a gauge",
       "line 2, column 8: second TYPE line for metric name \"a\""},
      {"# HELP a x\n# HELP a y", "line 2, column 8: second HELP line for metric name \"a\""},
      {"a 1\n# TYPE a gauge",
       "line 2, column 8: TYPE reported after samples for metric name \"a\""},
      {"a 1 # {x=\"y\"} 1", "line 1, column 5: expected integer as timestamp, got \"#\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parseError(c.body), std::string("text format parsing error in ") + c.message)
        << c.body;
  }
}

TEST(PrometheusTextErrors, DuplicateInLongLabelList) {
  std::string ok = "a{";
  for (int i = 0; i < 40; ++i) ok += "l" + std::to_string(i) + "=\"v\",";
  std::string bad = ok + "l33=\"v\"} 1";
  ok += "} 1";
  Exposition e = mustParse(ok);
  EXPECT_EQ(e.families()[0].samples[0].labels.size(), 40u);
  EXPECT_NE(parseError(bad).find("duplicate label name \"l33\""), std::string::npos);
}

TEST(PrometheusTextErrors, LenientSkipsCountsAndGoesOn) {
  std::string body = "a 1\nbad line\nb 2\n# TYPE c foo\nc 3\nd{x=\"} 4\n";
  Result<Exposition> r = parse(body, kText, ErrorPolicy::kLenient);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->sampleCount(), 3u);
  EXPECT_EQ(r->errorCount(), 3u);
  ASSERT_EQ(r->errors().size(), 3u);
  EXPECT_EQ(r->errors()[0], (ParseError{2, 5, "expected float as value, got \"line\""}));
  EXPECT_EQ(r->errors()[1], (ParseError{4, 10, "unknown metric type \"foo\""}));
  EXPECT_EQ(r->errors()[2].line, 6u);
  EXPECT_EQ(r->families()[2].name, "c");
  EXPECT_EQ(r->families()[2].type, MetricType::kUntyped);

  std::string many;
  for (int i = 0; i < 150; ++i) many += "x y\nok 1\n";
  Result<Exposition> m = parse(many, kText, ErrorPolicy::kLenient);
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->errorCount(), 150u);
  EXPECT_EQ(m->errors().size(), kMaxErrors);
  EXPECT_EQ(m->sampleCount(), 150u);
  EXPECT_EQ(m->errors()[99].line, 199u);
}

// ---------------------------------------------------------------------------------------------
// OpenMetrics.

TEST(OpenMetrics, SpecExampleWithExemplarsAndCreated) {
  const char* body =
      "# TYPE foo counter\n"
      "# UNIT foo seconds\n"
      "# HELP foo Some help.\n"
      "foo_total 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67 1520879607.789\n"
      "foo_created 1520430000.123\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"0.01\"} 0 # {} 0.005\n"
      "h_bucket{le=\"+Inf\"} 17 # {trace_id=\"oHg5SJYRHA0\"} 9.8 1520879607.789\n"
      "h_count 17\nh_sum 324789.3\nh_created 1520430000.123\n"
      "# EOF\n";
  Exposition e = mustParse(body, kOm);
  ASSERT_EQ(e.families().size(), 2u);
  const Family& foo = e.families()[0];
  EXPECT_EQ(foo.type, MetricType::kCounter);
  EXPECT_EQ(foo.unit, "seconds");
  EXPECT_EQ(foo.help, "Some help.");
  ASSERT_EQ(foo.samples.size(), 2u);
  EXPECT_EQ(foo.samples[0].name, "foo_total");
  EXPECT_EQ(foo.samples[0].value, 17.0);
  EXPECT_EQ(foo.samples[0].timestamp_ms, 1520879607789);
  ASSERT_NE(foo.samples[0].exemplar, nullptr);
  EXPECT_EQ(std::vector<Label>(foo.samples[0].exemplar->labels.begin(),
                               foo.samples[0].exemplar->labels.end()),
            (std::vector<Label>{{"trace_id", "KOO5S4vxi0o"}}));
  EXPECT_EQ(foo.samples[0].exemplar->value, 0.67);
  EXPECT_EQ(foo.samples[0].exemplar->timestamp_ms, 1520879607789);
  EXPECT_EQ(foo.samples[1].name, "foo_created");
  EXPECT_EQ(foo.samples[1].value, 1520430000.123);
  EXPECT_EQ(foo.samples[1].exemplar, nullptr);
  const Family& h = e.families()[1];
  ASSERT_EQ(h.samples.size(), 5u);
  ASSERT_NE(h.samples[0].exemplar, nullptr);
  EXPECT_TRUE(h.samples[0].exemplar->labels.empty());
  EXPECT_FALSE(h.samples[0].exemplar->timestamp_ms);
  EXPECT_EQ(h.samples[1].exemplar->value, 9.8);
  EXPECT_EQ(h.samples[4].name, "h_created");
}

TEST(OpenMetrics, AllTypes) {
  Exposition e = mustParse(
      "# TYPE g gauge\ng 1\n# TYPE u unknown\nu 2\n"
      "# TYPE s summary\ns{quantile=\"0.9\"} 1\ns_sum 1\ns_count 1\ns_created 1\n"
      "# TYPE gh gaugehistogram\ngh_bucket{le=\"+Inf\"} 1\ngh_gsum 1\ngh_gcount 1\n"
      "# TYPE st stateset\nst{st=\"a\"} 1\nst{st=\"b\"} 0\n"
      "# TYPE i info\ni_info{version=\"1.2\"} 1\n# EOF\n",
      kOm);
  std::vector<MetricType> types;
  std::vector<size_t> counts;
  for (const Family& f : e.families()) {
    types.push_back(f.type);
    counts.push_back(f.samples.size());
  }
  EXPECT_EQ(types, (std::vector<MetricType>{MetricType::kGauge, MetricType::kUntyped,
                                            MetricType::kSummary, MetricType::kGaugeHistogram,
                                            MetricType::kStateSet, MetricType::kInfo}));
  EXPECT_EQ(counts, (std::vector<size_t>{1, 1, 4, 3, 2, 1}));
  EXPECT_NE(parseError("# TYPE a untyped\n# EOF\n", kOm).find("unknown metric type \"untyped\""),
            std::string::npos);
  EXPECT_NE(parseError("# TYPE a info\n", kText).find("unknown metric type \"info\""),
            std::string::npos);
}

TEST(OpenMetrics, CounterNeedsTotalOrCreated) {
  EXPECT_EQ(parseError("# TYPE foo counter\nfoo 1\n# EOF\n", kOm),
            "text format parsing error in line 2, column 1: sample name \"foo\" does not fit the "
            "counter family \"foo\"");
  EXPECT_NE(parseError("# TYPE i info\ni 1\n# EOF\n", kOm).find("does not fit the info family"),
            std::string::npos);
  // A _created sample in a gauge family is a family of its own.
  Exposition e = mustParse("# TYPE g gauge\ng 1\ng_created 2\n# EOF\n", kOm);
  ASSERT_EQ(e.families().size(), 2u);
  EXPECT_EQ(e.families()[1].name, "g_created");
}

TEST(OpenMetrics, EofRules) {
  EXPECT_EQ(parseError("a 1\n", kOm),
            "text format parsing error in line 2, column 1: expected # EOF at the end of "
            "OpenMetrics input");
  EXPECT_NE(parseError("", kOm).find("expected # EOF"), std::string::npos);
  EXPECT_EQ(parseError("a 1\n# EOF\nb 2\n", kOm),
            "text format parsing error in line 3, column 1: unexpected data after # EOF");
  Exposition blank_after = mustParse("a 1\n# EOF\n\n", kOm);
  EXPECT_EQ(blank_after.sampleCount(), 1u);

  Result<Exposition> r = parse("a 1\nb 2\n", kOm, ErrorPolicy::kLenient);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->sampleCount(), 2u);
  EXPECT_EQ(r->errorCount(), 1u);
  Result<Exposition> after = parse("a 1\n# EOF\nb 2\nc 3\n", kOm, ErrorPolicy::kLenient);
  ASSERT_TRUE(after.isOk());
  EXPECT_EQ(after->sampleCount(), 1u);
  EXPECT_EQ(after->errorCount(), 1u);  // parsing stops at the first line after # EOF

  // In text 0.0.4 `# EOF` is a comment.
  Exposition text = mustParse("a 1\n# EOF\nb 2\n");
  EXPECT_EQ(text.sampleCount(), 2u);
}

TEST(OpenMetrics, Timestamps) {
  Exposition e = mustParse(
      "a 1 1.001\nb 1 1.0005\nc 1 -1.0005\nd 1 1e3\ne 1 1520879607\nf 1 .5\n# EOF\n", kOm);
  std::vector<int64_t> ts;
  for (const Family& f : e.families()) ts.push_back(*f.samples[0].timestamp_ms);
  EXPECT_EQ(ts, (std::vector<int64_t>{1001, 1001, -1001, 1000000, 1520879607000, 500}));
  EXPECT_NE(parseError("a 1 NaN\n# EOF\n", kOm).find("expected float as timestamp, got \"NaN\""),
            std::string::npos);
  EXPECT_NE(parseError("a 1 1e300\n# EOF\n", kOm).find("expected float as timestamp"),
            std::string::npos);
  EXPECT_NE(parseError("a 1 9223372036854776\n# EOF\n", kOm).find("expected float as timestamp"),
            std::string::npos);
}

TEST(OpenMetrics, ExemplarErrors) {
  EXPECT_NE(parseError("a_total 1 # x\n# EOF\n", kOm).find("expected '{' at start of exemplar"),
            std::string::npos);
  EXPECT_NE(parseError("a_total 1 # {a=\"b\"}\n# EOF\n", kOm)
                .find("expected float as exemplar value, got end of line"),
            std::string::npos);
  EXPECT_NE(parseError("a_total 1 # {a=\"b\"} 1 2 3\n# EOF\n", kOm)
                .find("spurious string after exemplar: \"3\""),
            std::string::npos);
}

TEST(OpenMetrics, ContentTypeAndTypeNames) {
  EXPECT_EQ(formatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            kOm);
  EXPECT_EQ(formatFromContentType("Application/OpenMetrics-Text;version=0.0.1"), kOm);
  EXPECT_EQ(formatFromContentType("text/plain; version=0.0.4; charset=utf-8"), kText);
  EXPECT_EQ(formatFromContentType(""), kText);
  EXPECT_EQ(formatFromContentType("application/json"), kText);
  EXPECT_EQ(metricTypeName(MetricType::kUntyped, kText), "untyped");
  EXPECT_EQ(metricTypeName(MetricType::kUntyped, kOm), "unknown");
  EXPECT_EQ(metricTypeName(MetricType::kGaugeHistogram, kOm), "gaugehistogram");
}

// ---------------------------------------------------------------------------------------------
// Property: random expositions, rendered by prometheus_text_render.h, parse back equal.

// Owns the strings and label arrays a generated exposition's views point to.
struct Generated {
  std::deque<std::string> strings;
  std::deque<std::vector<Label>> label_sets;
  std::deque<Exemplar> exemplars;
  std::vector<Family> families;

  std::string_view keep(std::string s) { return strings.emplace_back(std::move(s)); }
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  void generate(Format format, Generated* g) {
    size_t n = pick(6);
    std::vector<std::string> used;
    for (size_t i = 0; i < n; ++i) {
      Family f;
      std::string name;
      do {
        name = randomName();
      } while (std::find(used.begin(), used.end(), name) != used.end());
      used.push_back(name);
      f.name = g->keep(name);
      f.type = randomType(format);
      if (coin()) f.help = g->keep(randomHelp());
      if (format == Format::kOpenMetrics && coin()) f.unit = g->keep(randomWord(0, 5));
      size_t samples = pick(5);
      for (size_t j = 0; j < samples; ++j) f.samples.push_back(randomSample(f, format, g));
      g->families.push_back(std::move(f));
    }
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n)(rng_); }
  bool coin() { return pick(1) == 1; }

  std::string randomWord(size_t min, size_t max) {
    static constexpr char kChars[] = "abcxyz";
    std::string s;
    size_t len = min + pick(max - min);
    for (size_t i = 0; i < len; ++i) s += kChars[pick(sizeof(kChars) - 2)];
    return s;
  }

  std::string randomName() {
    static const char* kNames[] = {"a",        "a_sum", "a_total", "a_count", "b:c",       "_d1",
                                   "x_bucket", "x",     "m_info",  "m",       "n_created", "n"};
    if (coin()) return kNames[pick(std::size(kNames) - 1)];
    return randomWord(1, 3) + (coin() ? "_" + randomWord(1, 3) : "");
  }

  MetricType randomType(Format format) {
    if (format == Format::kText004) return static_cast<MetricType>(pick(4));
    return static_cast<MetricType>(pick(7));
  }

  std::string randomText(std::string_view alphabet_extra) {
    static const std::vector<std::string> kPieces = {"a",  "Z",  "0",    " ",  "\\", "\"",
                                                     "\n", "\t", "{",    "}",  ",",  "=",
                                                     "#",  "é",  "日本", "\r", "\\n"};
    std::string s;
    size_t len = pick(6);
    for (size_t i = 0; i < len; ++i) s += kPieces[pick(kPieces.size() - 1)];
    s += alphabet_extra;
    return s;
  }

  std::string randomHelp() {
    std::string s = randomText("");
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
    while (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }

  double randomValue() {
    static const double kValues[] = {0.0,
                                     -0.0,
                                     1.0,
                                     1.5,
                                     0.1,
                                     -3e-5,
                                     9007199254740993.0,
                                     13313255528978349008.0,
                                     1.7976931348623157e308,
                                     4.9e-324,
                                     std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity(),
                                     std::numeric_limits<double>::quiet_NaN()};
    if (pick(3) == 0) {
      double d;
      do {
        uint64_t bits = std::uniform_int_distribution<uint64_t>()(rng_);
        std::memcpy(&d, &bits, sizeof(d));
      } while (!std::isfinite(d));
      return d;
    }
    return kValues[pick(std::size(kValues) - 1)];
  }

  std::optional<int64_t> randomTimestamp() {
    switch (pick(4)) {
      case 0: return std::nullopt;
      case 1: return std::numeric_limits<int64_t>::min() + static_cast<int64_t>(pick(1));
      case 2: return std::numeric_limits<int64_t>::max() - static_cast<int64_t>(pick(1));
      default:
        return std::uniform_int_distribution<int64_t>(-2'000'000'000'000, 2'000'000'000'000)(rng_);
    }
  }

  std::span<const Label> randomLabels(Generated* g) {
    static const char* kLabelNames[] = {"a", "b", "le", "quantile", "_x", "l2", "Zz"};
    std::vector<Label> l;
    size_t n = pick(4);
    for (size_t i = 0; i < n; ++i) {
      std::string_view name = kLabelNames[pick(std::size(kLabelNames) - 1)];
      bool dup = false;
      for (const Label& x : l) dup |= x.name == name;
      if (dup) continue;
      l.push_back(Label{name, g->keep(randomText(""))});
    }
    const auto& stored = g->label_sets.emplace_back(std::move(l));
    return std::span<const Label>(stored);
  }

  Sample randomSample(const Family& f, Format format, Generated* g) {
    std::vector<std::string> names;
    bool om = format == Format::kOpenMetrics;
    std::string base(f.name);
    auto add = [&](const char* suffix) { names.push_back(base + suffix); };
    switch (f.type) {
      case MetricType::kCounter:
        if (om) {
          add("_total");
          add("_created");
        } else {
          add("");
        }
        break;
      case MetricType::kHistogram:
        add("_bucket");
        add("_sum");
        add("_count");
        if (om) add("_created");
        if (!om) add("");
        break;
      case MetricType::kSummary:
        add("");
        add("_sum");
        add("_count");
        if (om) add("_created");
        break;
      case MetricType::kGaugeHistogram:
        add("_bucket");
        add("_gsum");
        add("_gcount");
        break;
      case MetricType::kInfo: add("_info"); break;
      default: add("");
    }
    Sample s;
    s.name = g->keep(names[pick(names.size() - 1)]);
    s.labels = randomLabels(g);
    s.value = randomValue();
    s.timestamp_ms = randomTimestamp();
    if (om && pick(3) == 0) {
      Exemplar& ex = g->exemplars.emplace_back();
      ex.labels = randomLabels(g);
      ex.value = randomValue();
      ex.timestamp_ms = randomTimestamp();
      s.exemplar = &ex;
    }
    return s;
  }

  std::mt19937_64 rng_;
};

TEST(PrometheusTextProperty, RandomExpositionsRoundTrip) {
  for (Format format : {kText, kOm}) {
    for (uint64_t seed = 0; seed < 2000; ++seed) {
      Generator gen(seed * 2 + (format == kOm ? 1 : 0));
      Generated g;
      gen.generate(format, &g);
      std::string text = testing::render(g.families, format);
      Result<Exposition> r = parse(text, format);
      ASSERT_TRUE(r.isOk()) << r.status().toString() << "\nseed " << seed << "\n" << text;
      ASSERT_EQ(testing::difference(g.families, r->families()), "") << "seed " << seed << "\n"
                                                                    << text;
      // The same with CRLF line ends and without the final line break.
      std::string crlf;
      for (char c : text) {
        if (c == '\n') crlf += '\r';
        crlf += c;
      }
      if (crlf.size() >= 2) crlf.resize(crlf.size() - 2);
      Result<Exposition> r2 = parse(crlf, format);
      ASSERT_TRUE(r2.isOk()) << r2.status().toString() << "\nseed " << seed;
      ASSERT_EQ(testing::difference(g.families, r2->families()), "") << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace sextant::codec::prom

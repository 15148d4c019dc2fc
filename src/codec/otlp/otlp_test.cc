// Tests of the OTLP trace decoders. Expected values are written by hand from the real captures
// in ../shared/fixtures/tracing (an OpenTelemetry JS exporter, protobuf and JSON) or come from
// libprotobuf: classes generated from our proto/ transcription build random requests, which
// libprotobuf serializes to binary and to proto3 JSON; the expected spans are derived from the
// generated message objects by test code independent of the decoders.
#include "codec/otlp/otlp.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "codec/compression/compression.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace sextant::codec::otlp {
namespace {

namespace otel = opentelemetry::proto;
using model::Span;
using model::SpanAnnotation;
using model::SpanKind;
using model::SpanTag;
using Request = otel::collector::trace::v1::ExportTraceServiceRequest;

std::string readFixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<SpanTag> tags(std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::vector<SpanTag> out;
  for (const auto& [k, v] : kv) out.push_back({k, v});
  return out;
}

// model::SpanEndpoint has no operator== (so neither has Span): compare field by field.
void expectEndpoint(const model::SpanEndpoint& got, const model::SpanEndpoint& want) {
  EXPECT_EQ(got.service, want.service);
  EXPECT_EQ(got.ipv4, want.ipv4);
  EXPECT_EQ(got.ipv6, want.ipv6);
  EXPECT_EQ(got.port, want.port);
}

void expectSpanEq(const Span& got, const Span& want) {
  EXPECT_EQ(got.format, want.format);
  EXPECT_EQ(got.trace_id, want.trace_id);
  EXPECT_EQ(got.span_id, want.span_id);
  EXPECT_EQ(got.parent_id, want.parent_id);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.start_us, want.start_us);
  EXPECT_EQ(got.duration_us, want.duration_us);
  expectEndpoint(got.local, want.local);
  expectEndpoint(got.remote, want.remote);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_EQ(got.annotations, want.annotations);
  EXPECT_EQ(got.resource_tags, want.resource_tags);
  EXPECT_EQ(got.error, want.error);
  EXPECT_EQ(got.error_message, want.error_message);
  EXPECT_EQ(got.shared, want.shared);
  EXPECT_EQ(got.debug, want.debug);
}

// ---- wire helpers building bytes by hand (independent of the decoder) ----

std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string key(uint32_t field, uint32_t wire_type) { return varint(field << 3 | wire_type); }
std::string lenField(uint32_t field, std::string_view payload) {
  return key(field, 2) + varint(payload.size()) + std::string(payload);
}
std::string varintField(uint32_t field, uint64_t v) { return key(field, 0) + varint(v); }
std::string fixed64Field(uint32_t field, uint64_t v) {
  std::string s = key(field, 1);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

const std::string kTraceBytes("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\xAB",
                              16);
const std::string kSpanBytes("\xDE\xAD\xBE\xEF\x00\x00\x00\x01", 8);

// A minimal valid span message plus `extra` fields.
std::string spanMsg(const std::string& extra = "") {
  return lenField(1, kTraceBytes) + lenField(2, kSpanBytes) + lenField(5, "op") + extra;
}
// ExportTraceServiceRequest{resource_spans{scope_spans{spans...}}} around span messages.
std::string requestOf(const std::vector<std::string>& spans, const std::string& resource = "") {
  std::string ss;
  for (const auto& s : spans) ss += lenField(2, s);
  return lenField(1, resource + lenField(2, ss));
}
std::string kvString(std::string_view k, std::string_view v) {
  return lenField(1, k) + lenField(2, lenField(1, v));
}

// ---- the real captures ----

// What differs between runs of the capture program (written from protoc --decode of each .pb
// and from the .json text).
struct Run {
  const char* service;
  const char* trace_id;
  const char* db_span_id;
  const char* pay_span_id;
  const char* root_span_id;
  int64_t db_start_us, db_duration_us, db_event_us;
  int64_t pay_start_us, pay_duration_us, pay_event_us;
  int64_t root_start_us, root_duration_us;
};

// otel-js_otlp_traces.pb
constexpr Run kPbRun = {"otel-otlp-proto-svc",
                        "079a510b58322739d2678d1be84af4c4",
                        "e66989b87436e8f4",
                        "10f6d505bb89dfbe",
                        "4144a858c34a65e6",
                        1795271756154000,
                        227,  // 227832 ns
                        1795271756154156,
                        1795271756155000,
                        407,
                        1795271756155291,
                        1795271756152000,
                        2509};
// otel-js_otlp_traces.pb.gz: another run of the same program.
constexpr Run kGzRun = {"otel-otlp-proto-svc",
                        "aa37802c855bd52e5c1e98e689cf4ea1",
                        "057343a1844c6411",
                        "b6ecb86f51e922c6",
                        "04678797b82865ea",
                        1795271953456000,
                        230,  // 230774 ns
                        1795271953456155,
                        1795271953457000,
                        476,
                        1795271953457361,
                        1795271953455000,
                        2527};
// otel-js_otlp_traces.json: the JSON exporter's run (its own service name).
constexpr Run kJsonRun = {"otel-otlp-http-svc",
                          "6c15b56b6fb6975dc0a90b866c5f6386",
                          "fb048aaf38af415f",
                          "2893dfd6117ddc02",
                          "74efdeb2ad0a3a68",
                          1795271754399000,
                          251,  // 251203 ns
                          1795271754399173,
                          1795271754400000,
                          418,
                          1795271754400308,
                          1795271754398000,
                          2521};

void expectCaptureSpans(const std::vector<Span>& spans, const Run& run) {
  ASSERT_EQ(spans.size(), 3u);
  const auto resource = tags({{"service.name", run.service},
                              {"service.version", "1.2.3"},
                              {"deployment.environment", "test"},
                              {"otel.scope.name", "rc-test"},
                              {"otel.scope.version", "0.1.0"}});
  for (const Span& s : spans) {
    EXPECT_EQ(s.format, model::SpanFormat::kOtlp);
    EXPECT_EQ(s.trace_id, run.trace_id);
    EXPECT_EQ(s.resource_tags, resource);
    EXPECT_EQ(s.local.service, run.service);
    EXPECT_TRUE(s.local.ipv4.empty() && s.local.ipv6.empty() && s.local.port == 0);
  }
  const Span& db = spans[0];
  EXPECT_EQ(db.span_id, run.db_span_id);
  EXPECT_EQ(db.parent_id, run.root_span_id);
  EXPECT_EQ(db.name, "SELECT orders");
  EXPECT_EQ(db.kind, SpanKind::kClient);
  EXPECT_EQ(db.start_us, run.db_start_us);
  EXPECT_EQ(db.duration_us, run.db_duration_us);
  EXPECT_EQ(db.tags, tags({{"db.system", "mysql"},
                           {"db.statement", "SELECT * FROM orders WHERE id=?"},
                           {"peer.service", "mysql"}}));
  EXPECT_EQ(db.annotations, (std::vector<SpanAnnotation>{{run.db_event_us, "rows.fetched"}}));
  EXPECT_FALSE(db.error);
  EXPECT_EQ(db.remote.service, "mysql");
  EXPECT_TRUE(db.remote.ipv4.empty() && db.remote.ipv6.empty() && db.remote.port == 0);

  const Span& pay = spans[1];
  EXPECT_EQ(pay.span_id, run.pay_span_id);
  EXPECT_EQ(pay.parent_id, run.root_span_id);
  EXPECT_EQ(pay.name, "POST /api/pay");
  EXPECT_EQ(pay.kind, SpanKind::kClient);
  EXPECT_EQ(pay.start_us, run.pay_start_us);
  EXPECT_EQ(pay.duration_us, run.pay_duration_us);
  EXPECT_EQ(pay.tags, tags({{"http.method", "POST"},
                            {"http.url", "http://127.0.0.1:9999/api/pay"},
                            {"http.status_code", "500"}}));
  EXPECT_EQ(pay.annotations, (std::vector<SpanAnnotation>{{run.pay_event_us, "exception"}}));
  EXPECT_TRUE(pay.error);
  EXPECT_EQ(pay.error_message, "payment backend returned 500");
  EXPECT_TRUE(pay.remote.empty());

  const Span& root = spans[2];
  EXPECT_EQ(root.span_id, run.root_span_id);
  EXPECT_EQ(root.parent_id, "");
  EXPECT_EQ(root.name, "GET /checkout");
  EXPECT_EQ(root.kind, SpanKind::kServer);
  EXPECT_EQ(root.start_us, run.root_start_us);
  EXPECT_EQ(root.duration_us, run.root_duration_us);
  EXPECT_EQ(root.tags, tags({{"http.method", "GET"},
                             {"http.route", "/checkout"},
                             {"http.status_code", "200"},
                             {"user.id", "42"}}));
  EXPECT_TRUE(root.annotations.empty());
  EXPECT_FALSE(root.error);
  EXPECT_EQ(root.error_message, "");
}

TEST(OtlpFixture, ProtoCaptureDecodesFieldByField) {
  auto spans = decodeTracesProto(readFixture("tracing/otel-js_otlp_traces.pb"));
  ASSERT_TRUE(spans.isOk()) << spans.status().toString();
  expectCaptureSpans(*spans, kPbRun);
}

TEST(OtlpFixture, GzipCaptureDecodesFieldByField) {
  std::string gz = readFixture("tracing/otel-js_otlp_traces.pb.gz");
  auto body = decompress(gz, ContentEncoding::kGzip, 1 << 20);
  ASSERT_TRUE(body.isOk()) << body.status().toString();
  auto spans = decodeTracesProto(*body);
  ASSERT_TRUE(spans.isOk()) << spans.status().toString();
  expectCaptureSpans(*spans, kGzRun);
}

TEST(OtlpFixture, JsonCaptureDecodesFieldByField) {
  auto spans = decodeTracesJson(readFixture("tracing/otel-js_otlp_traces.json"));
  ASSERT_TRUE(spans.isOk()) << spans.status().toString();
  expectCaptureSpans(*spans, kJsonRun);
}

// The .pb and .json captures are two runs of the same program (different service names, ids
// and times): everything else must agree.
TEST(OtlpFixture, ProtoAndJsonCapturesHaveTheSameShape) {
  auto pb = decodeTracesProto(readFixture("tracing/otel-js_otlp_traces.pb"));
  auto js = decodeTracesJson(readFixture("tracing/otel-js_otlp_traces.json"));
  ASSERT_TRUE(pb.isOk() && js.isOk());
  ASSERT_EQ(pb->size(), js->size());
  for (size_t i = 0; i < pb->size(); ++i) {
    const Span& a = (*pb)[i];
    const Span& b = (*js)[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.error_message, b.error_message);
    expectEndpoint(a.remote, b.remote);
    EXPECT_EQ(a.parent_id.empty(), b.parent_id.empty());
    ASSERT_EQ(a.annotations.size(), b.annotations.size());
    for (size_t k = 0; k < a.annotations.size(); ++k) {
      EXPECT_EQ(a.annotations[k].value, b.annotations[k].value);
    }
    EXPECT_EQ(a.resource_tags.size(), b.resource_tags.size());
  }
}

// ---- libprotobuf oracle ----

// Test-side renderings (written from the README's mapping, not shared with the decoder).
std::string hexOf(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

std::string base64Of(std::string_view in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                 static_cast<uint8_t>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(a[(v >> (6 * k)) & 63]);
  }
  if (in.size() - i == 1) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += {a[v >> 18], a[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8;
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

std::string shortest(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string scalarText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return shortest(v);
}

// JSON text of a string the generator makes (printable ASCII, '"', '\\', UTF-8 letters).
std::string jsonQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string jsonOf(const otel::common::v1::AnyValue& v) {
  using AV = otel::common::v1::AnyValue;
  switch (v.value_case()) {
    case AV::kStringValue: return jsonQuote(v.string_value());
    case AV::kBoolValue: return v.bool_value() ? "true" : "false";
    case AV::kIntValue: return std::to_string(v.int_value());
    case AV::kDoubleValue: {
      double d = v.double_value();
      if (!std::isfinite(d)) return "null";
      if (d == 0 && std::signbit(d)) return "-0.0";
      std::string s = shortest(d);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    case AV::kBytesValue: return "\"" + base64Of(v.bytes_value()) + "\"";
    case AV::kArrayValue: {
      std::string s = "[";
      for (int i = 0; i < v.array_value().values_size(); ++i) {
        if (i > 0) s += ",";
        s += jsonOf(v.array_value().values(i));
      }
      return s + "]";
    }
    case AV::kKvlistValue: {
      std::string s = "{";
      for (int i = 0; i < v.kvlist_value().values_size(); ++i) {
        if (i > 0) s += ",";
        const auto& kv = v.kvlist_value().values(i);
        s += jsonQuote(kv.key()) + ":" + jsonOf(kv.value());
      }
      return s + "}";
    }
    case AV::VALUE_NOT_SET: break;
  }
  return "null";
}

std::string tagText(const otel::common::v1::AnyValue& v) {
  using AV = otel::common::v1::AnyValue;
  switch (v.value_case()) {
    case AV::kStringValue: return v.string_value();
    case AV::kBoolValue: return v.bool_value() ? "true" : "false";
    case AV::kIntValue: return std::to_string(v.int_value());
    case AV::kDoubleValue: return scalarText(v.double_value());
    case AV::kBytesValue: return base64Of(v.bytes_value());
    case AV::VALUE_NOT_SET: return "";
    default: return jsonOf(v);
  }
}

SpanKind kindOf(int k) {
  switch (k) {
    case 1: return SpanKind::kInternal;
    case 2: return SpanKind::kServer;
    case 3: return SpanKind::kClient;
    case 4: return SpanKind::kProducer;
    case 5: return SpanKind::kConsumer;
    default: return SpanKind::kUnspecified;
  }
}

// The spans a request must decode to, derived from the message objects.
std::vector<Span> expectedSpans(const Request& req) {
  std::vector<Span> out;
  for (const auto& rs : req.resource_spans()) {
    std::vector<SpanTag> res;
    std::string service;
    bool have_service = false;  // the first service.name wins
    for (const auto& kv : rs.resource().attributes()) {
      res.push_back({kv.key(), tagText(kv.value())});
      if (kv.key() == "service.name" && !have_service) {
        service = res.back().value;
        have_service = true;
      }
    }
    for (const auto& ss : rs.scope_spans()) {
      std::vector<SpanTag> rt = res;
      if (!ss.scope().name().empty()) rt.push_back({"otel.scope.name", ss.scope().name()});
      if (!ss.scope().version().empty()) {
        rt.push_back({"otel.scope.version", ss.scope().version()});
      }
      for (const auto& sp : ss.spans()) {
        Span s;
        s.format = model::SpanFormat::kOtlp;
        s.trace_id = hexOf(sp.trace_id());
        s.span_id = hexOf(sp.span_id());
        s.parent_id = hexOf(sp.parent_span_id());
        if (s.parent_id == "0000000000000000") s.parent_id.clear();
        s.name = sp.name();
        s.kind = kindOf(sp.kind());
        s.start_us = static_cast<int64_t>(sp.start_time_unix_nano() / 1000);
        s.duration_us = sp.end_time_unix_nano() < sp.start_time_unix_nano()
                            ? 0
                            : static_cast<int64_t>(
                                  (sp.end_time_unix_nano() - sp.start_time_unix_nano()) / 1000);
        s.local.service = service;
        bool have_peer = false;
        for (const auto& kv : sp.attributes()) {
          s.tags.push_back({kv.key(), tagText(kv.value())});
          const std::string& v = s.tags.back().value;
          if (kv.key() == "peer.service" && !have_peer) {
            s.remote.service = v;
            have_peer = true;
          }
        }
        // The generator's remote attributes: net.peer.ip is an IPv4 literal, server.port a
        // valid port; nothing else sets the remote address.
        if (const SpanTag* ip = s.findTag("net.peer.ip")) s.remote.ipv4 = ip->value;
        if (const SpanTag* port = s.findTag("server.port")) s.remote.port = std::stoi(port->value);
        for (const auto& ev : sp.events()) {
          s.annotations.push_back({static_cast<int64_t>(ev.time_unix_nano() / 1000), ev.name()});
        }
        s.error = sp.status().code() == otel::trace::v1::Status::STATUS_CODE_ERROR;
        if (s.error) s.error_message = sp.status().message();
        s.resource_tags = rt;
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

class Gen {
 public:
  // negative_zero: whether doubles may be -0.0. libprotobuf's JSON writes -0.0 as the integer
  // token -0, which simdjson (so decodeTracesJson) reads as 0: a documented limitation.
  explicit Gen(uint32_t seed, bool negative_zero = true)
      : rng_(seed), negative_zero_(negative_zero) {}

  int range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint64_t u64() { return std::uniform_int_distribution<uint64_t>()(rng_); }
  std::string bytes(size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(range(0, 255));
    return s;
  }
  std::string text() {
    static const char* pieces[] = {"a", "b", "Z", "0", " ", ".", "\"", "\\", "é", "世", "/", "_"};
    std::string s;
    int n = range(0, 8);
    for (int i = 0; i < n; ++i) s += pieces[range(0, 11)];
    return s;
  }
  double dbl() {
    switch (range(0, 7)) {
      case 0: return 3.0;
      case 1: return negative_zero_ ? -0.0 : 0.0;
      case 2: return std::numeric_limits<double>::quiet_NaN();
      case 3: return -std::numeric_limits<double>::infinity();
      case 4: return 1e300;
      case 5: return 0.1;
      default: {
        double d = std::bit_cast<double>(u64() & 0xBFFFFFFFFFFFFFFFull);
        return d == 0 && !negative_zero_ ? 0.0 : d;
      }
    }
  }

  void value(otel::common::v1::AnyValue* v, int depth) {
    int kind = range(0, depth < 4 ? 7 : 5);
    switch (kind) {
      case 0: v->set_string_value(text()); break;
      case 1: v->set_bool_value(range(0, 1) == 1); break;
      case 2: v->set_int_value(static_cast<int64_t>(u64()) >> range(0, 63)); break;
      case 3: v->set_double_value(dbl()); break;
      case 4: v->set_bytes_value(bytes(static_cast<size_t>(range(0, 7)))); break;
      case 5: break;  // empty AnyValue
      case 6: {
        auto* arr = v->mutable_array_value();
        int n = range(0, 3);
        for (int i = 0; i < n; ++i) value(arr->add_values(), depth + 1);
        break;
      }
      default: {
        auto* kvl = v->mutable_kvlist_value();
        int n = range(0, 3);
        for (int i = 0; i < n; ++i) {
          auto* kv = kvl->add_values();
          kv->set_key(text());
          value(kv->mutable_value(), depth + 1);
        }
      }
    }
  }

  void attributes(google::protobuf::RepeatedPtrField<otel::common::v1::KeyValue>* attrs, int max) {
    int n = range(0, max);
    for (int i = 0; i < n; ++i) {
      auto* kv = attrs->Add();
      kv->set_key(range(0, 3) == 0 ? "service.name" : text());
      value(kv->mutable_value(), 1);
    }
  }

  Request request() {
    Request req;
    int nrs = range(0, 3);
    for (int r = 0; r < nrs; ++r) {
      auto* rs = req.add_resource_spans();
      if (range(0, 3) > 0) attributes(rs->mutable_resource()->mutable_attributes(), 4);
      if (range(0, 3) == 0) rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
      int nss = range(0, 3);
      for (int k = 0; k < nss; ++k) {
        auto* ss = rs->add_scope_spans();
        if (range(0, 2) > 0) {
          ss->mutable_scope()->set_name(text());
          ss->mutable_scope()->set_version(text());
          attributes(ss->mutable_scope()->mutable_attributes(), 2);
        }
        int nsp = range(0, 4);
        for (int i = 0; i < nsp; ++i) span(ss->add_spans());
      }
    }
    return req;
  }

  void span(otel::trace::v1::Span* sp) {
    sp->set_trace_id(bytes(16));
    sp->set_span_id(bytes(8));
    switch (range(0, 2)) {
      case 0: break;
      case 1: sp->set_parent_span_id(std::string(8, '\0')); break;
      default: sp->set_parent_span_id(bytes(8));
    }
    sp->set_name(text());
    sp->set_kind(static_cast<otel::trace::v1::Span::SpanKind>(range(0, 5)));
    sp->set_trace_state(range(0, 1) ? "k=v" : "");
    sp->set_flags(static_cast<uint32_t>(range(0, 0x301)));
    uint64_t start = u64();
    sp->set_start_time_unix_nano(start);
    sp->set_end_time_unix_nano(range(0, 4) == 0 ? u64()
                                                : start + static_cast<uint64_t>(range(0, 1 << 30)));
    attributes(sp->mutable_attributes(), 6);
    if (range(0, 2) == 0) {
      auto* kv = sp->add_attributes();
      kv->set_key("peer.service");
      kv->mutable_value()->set_string_value(text());
    }
    if (range(0, 2) == 0) {
      auto* kv = sp->add_attributes();
      kv->set_key("net.peer.ip");
      kv->mutable_value()->set_string_value(std::to_string(range(1, 255)) + ".0.0." +
                                            std::to_string(range(0, 255)));
    }
    if (range(0, 2) == 0) {
      auto* kv = sp->add_attributes();
      kv->set_key("server.port");
      kv->mutable_value()->set_int_value(range(1, 65535));
    }
    sp->set_dropped_attributes_count(static_cast<uint32_t>(range(0, 3)));
    int nev = range(0, 3);
    for (int i = 0; i < nev; ++i) {
      auto* ev = sp->add_events();
      ev->set_time_unix_nano(u64());
      ev->set_name(text());
      attributes(ev->mutable_attributes(), 2);
    }
    int nlinks = range(0, 2);
    for (int i = 0; i < nlinks; ++i) {
      auto* l = sp->add_links();
      l->set_trace_id(bytes(16));
      l->set_span_id(bytes(8));
      l->set_trace_state("a=b");
      attributes(l->mutable_attributes(), 2);
      l->set_flags(1);
    }
    sp->set_dropped_events_count(static_cast<uint32_t>(range(0, 2)));
    sp->set_dropped_links_count(static_cast<uint32_t>(range(0, 2)));
    if (range(0, 2) > 0) {
      sp->mutable_status()->set_code(static_cast<otel::trace::v1::Status::StatusCode>(range(0, 2)));
      sp->mutable_status()->set_message(text());
    }
  }

 private:
  std::mt19937 rng_;
  bool negative_zero_;
};

// NaN != NaN is not an issue: tags are strings.
void expectSameSpans(const std::vector<Span>& got, const std::vector<Span>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("span " + std::to_string(i));
    expectSpanEq(got[i], want[i]);
  }
}

TEST(OtlpOracle, RandomRequestsDecodeAsLibprotobufSees) {
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    Gen g(seed);
    Request req = g.request();
    std::string body;
    ASSERT_TRUE(req.SerializeToString(&body));
    auto got = decodeTracesProto(body);
    ASSERT_TRUE(got.isOk()) << "seed " << seed << ": " << got.status().toString();
    SCOPED_TRACE("seed " + std::to_string(seed));
    expectSameSpans(*got, expectedSpans(req));
    if (HasFailure()) return;
  }
}

// libprotobuf's proto3 JSON: ids in base64, 64-bit integers as strings, enums as names, NaN
// and infinities as strings; camelCase or (preserve_proto_field_names) snake_case keys.
TEST(OtlpOracle, RandomRequestsAsProto3JsonDecodeTheSame) {
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    Gen g(seed, /*negative_zero=*/false);
    Request req = g.request();
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = seed % 2 == 0;
    opts.always_print_enums_as_ints = seed % 3 == 0;
    std::string body;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(req, &body, opts).ok());
    auto got = decodeTracesJson(body);
    ASSERT_TRUE(got.isOk()) << "seed " << seed << ": " << got.status().toString() << "\n" << body;
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + body);
    expectSameSpans(*got, expectedSpans(req));
    if (HasFailure()) return;
  }
}

// ---- protobuf details ----

TEST(OtlpProto, EmptyBodyIsNoSpans) {
  auto r = decodeTracesProto("");
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->empty());
}

TEST(OtlpProto, ResourceAndScopeMayFollowTheSpans) {
  std::string scope = lenField(1, lenField(1, "lib") + lenField(2, "9"));
  std::string ss = lenField(2, spanMsg()) + scope;
  std::string resource = lenField(1, lenField(1, kvString("service.name", "svc")));
  std::string body = lenField(1, lenField(2, ss) + resource);
  auto r = decodeTracesProto(body);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].local.service, "svc");
  EXPECT_EQ(
      (*r)[0].resource_tags,
      tags({{"service.name", "svc"}, {"otel.scope.name", "lib"}, {"otel.scope.version", "9"}}));
  EXPECT_EQ((*r)[0].trace_id, "0102030405060708090a0b0c0d0e0fab");
  EXPECT_EQ((*r)[0].span_id, "deadbeef00000001");
}

TEST(OtlpProto, LegacyInstrumentationLibrarySpansAreRead) {
  // ResourceSpans.instrumentation_library_spans = 1000 (OTLP < 0.15), laid out as ScopeSpans.
  std::string ils = lenField(1, lenField(1, "oldlib")) + lenField(2, spanMsg());
  auto r = decodeTracesProto(lenField(1, lenField(1000, ils)));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].resource_tags, tags({{"otel.scope.name", "oldlib"}}));
}

TEST(OtlpProto, NoServiceNameLeavesLocalServiceEmpty) {
  auto r = decodeTracesProto(requestOf({spanMsg()}));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ((*r)[0].local.service, "");
  EXPECT_TRUE((*r)[0].resource_tags.empty());
}

TEST(OtlpProto, TimesAndDuration) {
  auto r = decodeTracesProto(requestOf({
      spanMsg(fixed64Field(7, 1'700'000'000'123'456'789) +
              fixed64Field(8, 1'700'000'000'124'456'000)),
      spanMsg(fixed64Field(7, 2'000'000) + fixed64Field(8, 1'000'000)),  // end before start
  }));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ((*r)[0].start_us, 1'700'000'000'123'456);
  EXPECT_EQ((*r)[0].duration_us, 999);  // 999'211 ns
  EXPECT_EQ((*r)[1].start_us, 2000);
  EXPECT_EQ((*r)[1].duration_us, 0);
}

TEST(OtlpProto, AttributeRendering) {
  auto kv = [](std::string_view k, const std::string& any) {
    return lenField(9, lenField(1, k) + lenField(2, any));
  };
  std::string dbl3 = fixed64Field(4, std::bit_cast<uint64_t>(3.0));
  std::string dbl01 = fixed64Field(4, std::bit_cast<uint64_t>(0.1));
  std::string array =
      lenField(5, lenField(1, lenField(1, "x\"y")) + lenField(1, varintField(3, 7)) +
                      lenField(1, dbl3) + lenField(1, varintField(2, 1)) + lenField(1, "") +
                      lenField(1, lenField(7, "\x01\x02")));
  std::string kvlist = lenField(
      6, lenField(1, kvString("k", "v")) + lenField(1, lenField(1, "n") + lenField(2, array)));
  std::string extra =
      kv("s", lenField(1, "text")) + kv("b", varintField(2, 1)) + kv("f", varintField(2, 0)) +
      kv("i", varintField(3, static_cast<uint64_t>(int64_t{-5}))) + kv("d3", dbl3) +
      kv("d", dbl01) + kv("nan", fixed64Field(4, std::bit_cast<uint64_t>(std::nan("")))) +
      kv("bytes", lenField(7, "hi!")) + kv("arr", array) + kv("kvl", kvlist) + kv("empty", "") +
      lenField(9, lenField(1, "novalue"));
  auto r = decodeTracesProto(requestOf({spanMsg(extra)}));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ((*r)[0].tags, tags({{"s", "text"},
                                {"b", "true"},
                                {"f", "false"},
                                {"i", "-5"},
                                {"d3", "3"},
                                {"d", "0.1"},
                                {"nan", "NaN"},
                                {"bytes", "aGkh"},
                                {"arr", R"(["x\"y",7,3.0,true,null,"AQI="])"},
                                {"kvl", R"({"k":"v","n":["x\"y",7,3.0,true,null,"AQI="]})"},
                                {"empty", ""},
                                {"novalue", ""}}));
}

TEST(OtlpProto, KindsStatusEventsAndIgnoredFields) {
  std::vector<std::string> spans;
  for (uint64_t k = 0; k <= 7; ++k) spans.push_back(spanMsg(varintField(6, k)));
  // status ERROR with a message; status OK keeps no message.
  spans.push_back(spanMsg(lenField(15, lenField(2, "boom") + varintField(3, 2))));
  spans.push_back(spanMsg(lenField(15, lenField(2, "fine") + varintField(3, 1))));
  // events, links, trace_state, flags, dropped counts, an unknown field.
  spans.push_back(spanMsg(lenField(11, fixed64Field(1, 5'000'999) + lenField(2, "e1") +
                                           lenField(3, kvString("a", "b"))) +
                          lenField(11, lenField(2, "e2")) + lenField(3, "k=v") + key(16, 5) +
                          std::string("\x01\x01\x00\x00", 4) + varintField(10, 3) +
                          lenField(13, lenField(1, kTraceBytes) + lenField(2, kSpanBytes)) +
                          varintField(14, 1) + varintField(12, 2) + varintField(99, 1)));
  auto r = decodeTracesProto(requestOf(spans));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  const SpanKind kinds[] = {SpanKind::kUnspecified, SpanKind::kInternal,   SpanKind::kServer,
                            SpanKind::kClient,      SpanKind::kProducer,   SpanKind::kConsumer,
                            SpanKind::kUnspecified, SpanKind::kUnspecified};
  for (int k = 0; k <= 7; ++k) EXPECT_EQ((*r)[k].kind, kinds[k]) << k;
  EXPECT_TRUE((*r)[8].error);
  EXPECT_EQ((*r)[8].error_message, "boom");
  EXPECT_FALSE((*r)[9].error);
  EXPECT_EQ((*r)[9].error_message, "");
  EXPECT_EQ((*r)[10].annotations, (std::vector<SpanAnnotation>{{5000, "e1"}, {0, "e2"}}));
  EXPECT_TRUE((*r)[10].tags.empty());
}

TEST(OtlpProto, RemoteEndpointFromAttributes) {
  auto kvInt = [](std::string_view k, int64_t v) {
    return lenField(9, lenField(1, k) + lenField(2, varintField(3, static_cast<uint64_t>(v))));
  };
  auto kvStr = [](std::string_view k, std::string_view v) { return lenField(9, kvString(k, v)); };
  auto r = decodeTracesProto(requestOf({
      spanMsg(kvStr("peer.service", "db") + kvStr("net.peer.ip", "10.1.2.3") +
              kvInt("net.peer.port", 3306)),
      spanMsg(kvStr("server.address", "db.example.com") +
              kvStr("net.sock.peer.addr", "2001:0DB8::0001") + kvInt("server.port", 443)),
      spanMsg(kvStr("server.address", "192.168.0.1") + kvStr("server.port", "8080")),
      spanMsg(kvStr("net.peer.ip", "not-an-ip") + kvInt("net.peer.port", 70000)),
      spanMsg(kvStr("net.peer.port", "abc") + kvInt("server.port", 9000)),
  }));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  const auto& s = *r;
  expectEndpoint(s[0].remote, model::SpanEndpoint{"db", "10.1.2.3", "", 3306});
  expectEndpoint(s[1].remote, model::SpanEndpoint{"", "", "2001:db8::1", 443});
  expectEndpoint(s[2].remote, model::SpanEndpoint{"", "192.168.0.1", "", 8080});
  EXPECT_TRUE(s[3].remote.empty());
  expectEndpoint(s[4].remote, model::SpanEndpoint{"", "", "", 9000});
}

TEST(OtlpProto, ParentIdNormalisation) {
  auto r = decodeTracesProto(requestOf({
      spanMsg(lenField(4, std::string(8, '\0'))),                  // all zero: root
      spanMsg(lenField(4, "")),                                    // empty: root
      spanMsg(lenField(4, std::string("\0\0\0\0\0\0\0\xff", 8))),  // a real id
  }));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ((*r)[0].parent_id, "");
  EXPECT_EQ((*r)[1].parent_id, "");
  EXPECT_EQ((*r)[2].parent_id, "00000000000000ff");
}

// Builds an AnyValue nested `depth` deep: arrays around a string.
std::string nestedValue(int depth) {
  std::string v = lenField(1, "leaf");
  for (int d = 1; d < depth; ++d) v = lenField(5, lenField(1, v));
  return v;
}

TEST(OtlpProto, NestingLimit) {
  auto at = [](int depth) {
    return requestOf({spanMsg(lenField(9, lenField(1, "deep") + lenField(2, nestedValue(depth))))});
  };
  auto ok = decodeTracesProto(at(kMaxValueDepth));
  ASSERT_TRUE(ok.isOk()) << ok.status().toString();
  EXPECT_EQ((*ok)[0].tags[0].value, std::string(kMaxValueDepth - 1, '[') + "\"leaf\"" +
                                        std::string(kMaxValueDepth - 1, ']'));
  auto bad = decodeTracesProto(at(kMaxValueDepth + 1));
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "otlp protobuf: resource_spans[0].scope_spans[0].spans[0].attributes[0]: value nested "
            "deeper than 16");
  // Far deeper than the limit: still a clean error (no deep recursion).
  EXPECT_FALSE(decodeTracesProto(at(5000)).isOk());
}

TEST(OtlpProto, ErrorsNameWhatFailed) {
  struct Case {
    std::string body;
    std::string message;
  };
  std::string good = spanMsg();
  std::vector<Case> cases = {
      {"\x0a\x05\x01", "otlp protobuf: resource_spans[0]: malformed message"},
      {"\x80", "otlp protobuf: resource_spans: malformed field key"},
      {"\x0a\x05", "otlp protobuf: resource_spans[0]: malformed message"},
      {"\x08\x01", "otlp protobuf: resource_spans[0]: malformed message"},
      {std::string("\x00\x01", 2), "otlp protobuf: resource_spans: malformed field key"},
      {"\x0f", "otlp protobuf: resource_spans: malformed field key"},
      {requestOf({good, lenField(1, "short") + lenField(2, kSpanBytes)}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[1]: trace_id is 5 bytes, want 16"},
      {requestOf({lenField(1, kTraceBytes) + lenField(2, "1234567")}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0]: span_id is 7 bytes, want 8"},
      {requestOf({spanMsg(lenField(4, "123"))}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0]: parent_span_id is 3 bytes, "
       "want 8"},
      {requestOf({spanMsg(varintField(5, 1))}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0]: malformed field 5"},
      {requestOf({spanMsg(varintField(7, 1))}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0]: malformed field 7"},
      {requestOf({spanMsg(lenField(9, lenField(1, "k") + lenField(2, varintField(1, 3))))}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0].attributes[0]: malformed value "
       "field 1"},
      {requestOf({spanMsg(lenField(11, varintField(1, 3)))}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0].events[0]: malformed field 1"},
      {requestOf({spanMsg(lenField(15, lenField(3, "x")))}),
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0].status: malformed field 3"},
      {requestOf({good}, lenField(1, lenField(1, lenField(1, "k") + lenField(2, "\x0a\x09")))),
       "otlp protobuf: resource_spans[0].resource.attributes[0]: malformed value field 1"},
      {lenField(1, lenField(2, lenField(1, varintField(1, 1)))),
       "otlp protobuf: resource_spans[0].scope_spans[0].scope: malformed field 1"},
      {requestOf({spanMsg(key(3, 3))}),  // an unterminated group
       "otlp protobuf: resource_spans[0].scope_spans[0].spans[0]: malformed field 3"},
  };
  for (const Case& c : cases) {
    auto r = decodeTracesProto(c.body);
    ASSERT_FALSE(r.isOk()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message);
  }
}

TEST(OtlpProto, ResourceCopiesAreBounded) {
  // A 4 MiB resource attribute and 40 spans: 160 MiB of copies, over the budget of
  // 64 MiB + 16 x body (~128 MiB). With 8 spans (32 MiB of copies) it decodes.
  std::string resource = lenField(1, lenField(1, kvString("big", std::string(4 << 20, 'x'))));
  std::vector<std::string> many(40, spanMsg()), few(8, spanMsg());
  auto r = decodeTracesProto(requestOf(many, resource));
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("memory budget"), std::string::npos);
  auto ok = decodeTracesProto(requestOf(few, resource));
  ASSERT_TRUE(ok.isOk()) << ok.status().toString();
  EXPECT_EQ(ok->size(), 8u);
}

TEST(OtlpProto, EveryTruncationOfTheCaptureFailsCleanly) {
  std::string body = readFixture("tracing/otel-js_otlp_traces.pb");
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = decodeTracesProto(std::string_view(body).substr(0, n));
    // A cut exactly between two top-level ResourceSpans would decode; this body has one.
    EXPECT_EQ(r.isOk(), n == 0) << n;
  }
}

// ---- JSON details ----

std::string jsonSpan(const std::string& extra) {
  return R"({"traceId":"0102030405060708090A0B0C0D0E0FAB","spanId":"deadbeef00000001","name":"op")" +
         extra + "}";
}
std::string jsonRequest(const std::string& spans, const std::string& resource = "") {
  return R"({"resourceSpans":[{)" + resource + R"("scopeSpans":[{"spans":[)" + spans + "]}]}]}";
}

TEST(OtlpJson, ValueFormsAndKeys) {
  std::string attrs = R"(,"attributes":[
    {"key":"i1","value":{"intValue":"-12"}},
    {"key":"i2","value":{"int_value":12}},
    {"key":"d1","value":{"doubleValue":2.5}},
    {"key":"d2","value":{"doubleValue":"Infinity"}},
    {"key":"d3","value":{"doubleValue":7}},
    {"key":"b","value":{"boolValue":false}},
    {"key":"by","value":{"bytesValue":"aGk_"}},
    {"key":"arr","value":{"arrayValue":{"values":[{"intValue":"1"},{"doubleValue":1},{},{"kvlistValue":{}}]}}},
    {"key":"kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"stringValue":"\u00e9"}}]}}},
    {"key":"nul","value":null},
    {"key":"s","value":{"stringValue":"x","unknownField":1}}
  ])";
  auto r = decodeTracesJson(jsonRequest(
      jsonSpan(attrs + R"(,"kind":"SPAN_KIND_CONSUMER","start_time_unix_nano":1000000,)"
                       R"("endTimeUnixNano":"3500000","parentSpanId":"")"
                       R"(,"status":{"code":"STATUS_CODE_ERROR","message":"m"})"
                       R"(,"events":[{"time_unix_nano":"2000","name":"ev"}],"links":[],)"
                       R"("flags":257,"traceState":"","droppedAttributesCount":0)"),
      R"("resource":{"attributes":[{"key":"service.name","value":{"stringValue":"s1"}}]},)"));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  const Span& s = (*r)[0];
  EXPECT_EQ(s.trace_id, "0102030405060708090a0b0c0d0e0fab");
  EXPECT_EQ(s.span_id, "deadbeef00000001");
  EXPECT_EQ(s.parent_id, "");
  EXPECT_EQ(s.kind, SpanKind::kConsumer);
  EXPECT_EQ(s.start_us, 1000);
  EXPECT_EQ(s.duration_us, 2500);
  EXPECT_TRUE(s.error);
  EXPECT_EQ(s.error_message, "m");
  EXPECT_EQ(s.annotations, (std::vector<SpanAnnotation>{{2, "ev"}}));
  EXPECT_EQ(s.local.service, "s1");
  EXPECT_EQ(s.tags, tags({{"i1", "-12"},
                          {"i2", "12"},
                          {"d1", "2.5"},
                          {"d2", "+Inf"},
                          {"d3", "7"},
                          {"b", "false"},
                          {"by", "aGk/"},
                          {"arr", R"([1,1.0,null,{}])"},
                          {"kv", "{\"a\":\"\xc3\xa9\"}"},
                          {"nul", ""},
                          {"s", "x"}}));
}

TEST(OtlpJson, EmptyRequests) {
  for (const char* body :
       {"{}", R"({"resourceSpans":[]})", R"({"resourceSpans":null})", R"({"resourceSpans":[{}]})",
        R"({"resourceSpans":[{"scopeSpans":[{}]}]})"}) {
    auto r = decodeTracesJson(body);
    ASSERT_TRUE(r.isOk()) << body << ": " << r.status().toString();
    EXPECT_TRUE(r->empty());
  }
}

TEST(OtlpJson, ResourceCopiesAreBounded) {
  std::string resource = R"("resource":{"attributes":[{"key":"big","value":{"stringValue":")" +
                         std::string(4 << 20, 'x') + R"("}}]},)";
  std::string spans;
  for (int i = 0; i < 40; ++i) spans += (i ? "," : "") + jsonSpan("");
  auto r = decodeTracesJson(jsonRequest(spans, resource));
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

TEST(OtlpJson, NestingLimit) {
  auto at = [](int depth) {
    std::string v = R"({"stringValue":"leaf"})";
    for (int d = 1; d < depth; ++d) v = R"({"arrayValue":{"values":[)" + v + "]}}";
    return jsonRequest(jsonSpan(R"(,"attributes":[{"key":"k","value":)" + v + "}]"));
  };
  ASSERT_TRUE(decodeTracesJson(at(kMaxValueDepth)).isOk());
  auto bad = decodeTracesJson(at(kMaxValueDepth + 1));
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(),
            "otlp json: resourceSpans[0].scopeSpans[0].spans[0].attributes[0]: value nested deeper "
            "than 16");
  EXPECT_FALSE(decodeTracesJson(at(3000)).isOk());
}

TEST(OtlpJson, ErrorsNameWhatFailed) {
  struct Case {
    std::string body;
    std::string message;
  };
  const std::string at = "otlp json: resourceSpans[0].scopeSpans[0].spans[0]";
  std::vector<Case> cases = {
      {"", ""},
      {"{", ""},
      {"[]", "otlp json: body is not a JSON object"},
      {R"({"resourceSpans":{}})", "otlp json: resourceSpans is not an array"},
      {R"({"resourceSpans":[1]})", "otlp json: resourceSpans[0]: resource spans is not an object"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]})",
       "otlp json: resourceSpans[0].scopeSpans[0]: spans is not an array"},
      {jsonRequest(R"({"spanId":"deadbeef00000001"})"), at + ": traceId is not 32 hex digits"},
      {jsonRequest(jsonSpan("").replace(12, 1, "x")), at + ": traceId is not hex"},
      {jsonRequest(R"({"traceId":"0102030405060708090a0b0c0d0e0fab","spanId":"abc"})"),
       at + ": spanId is not 16 hex digits"},
      {jsonRequest(jsonSpan(R"(,"parentSpanId":"0000")")),
       at + ": parentSpanId is not 16 hex digits"},
      {jsonRequest(jsonSpan(R"(,"kind":"SERVER")")), at + ": kind is not a SpanKind"},
      {jsonRequest(jsonSpan(R"(,"kind":-1)")), at + ": kind is not a SpanKind"},
      {jsonRequest(jsonSpan(R"(,"startTimeUnixNano":"12x")")),
       at + ": startTimeUnixNano is not a uint64"},
      {jsonRequest(jsonSpan(R"(,"endTimeUnixNano":-5)")), at + ": endTimeUnixNano is not a uint64"},
      {jsonRequest(jsonSpan(R"(,"name":5)")), at + ": name is not a string"},
      {jsonRequest(jsonSpan(R"(,"status":{"code":"BAD"})")),
       at + ".status: code is not a StatusCode"},
      {jsonRequest(jsonSpan(R"(,"events":[{"timeUnixNano":1.5}])")),
       at + ".events[0]: timeUnixNano is not a uint64"},
      {jsonRequest(jsonSpan(R"(,"attributes":[{"key":"k","value":{"intValue":"1.5"}}])")),
       at + ".attributes[0]: intValue is not an int64"},
      {jsonRequest(
           jsonSpan(R"(,"attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}])")),
       at + ".attributes[0]: intValue is not an int64"},
      {jsonRequest(jsonSpan(R"(,"attributes":[{"key":"k","value":{"bytesValue":"!!"}}])")),
       at + ".attributes[0]: bytesValue is not base64"},
      {jsonRequest(jsonSpan(R"(,"attributes":[{"key":"k","value":{"boolValue":"true"}}])")),
       at + ".attributes[0]: boolValue is not a bool"},
      {jsonRequest(jsonSpan(R"(,"attributes":[{"key":1}])")),
       at + ".attributes[0]: key is not a string"},
      {jsonRequest(jsonSpan(
           R"(,"attributes":[{"key":"k","value":{"arrayValue":{"values":[{"doubleValue":"x"}]}}}])")),
       at + ".attributes[0]: doubleValue is not a number"},
  };
  for (const Case& c : cases) {
    auto r = decodeTracesJson(c.body);
    ASSERT_FALSE(r.isOk()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    if (c.message.empty()) {
      EXPECT_EQ(r.status().message().rfind("otlp json: invalid JSON: ", 0), 0u)
          << r.status().message();
    } else {
      EXPECT_EQ(r.status().message(), c.message) << c.body;
    }
  }
}

}  // namespace
}  // namespace sextant::codec::otlp

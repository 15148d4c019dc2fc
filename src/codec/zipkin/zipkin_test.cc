// Tests of the Zipkin codecs: the real captures in ../shared/fixtures/tracing checked field by
// field (expected values read from the files by hand), v1 conversion rules, v1 JSON vs v1
// Thrift, v2 JSON round trips over random spans, the v2 proto decoder against libprotobuf
// (protoc-generated code from zipkin.proto as the oracle), and malformed input.
#include "codec/zipkin/zipkin.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <string>

#include "codec/zipkin/zipkin.pb.h"
#include "codec/zipkin/zipkin_testing.h"
#include "core/testing/read_file.h"

namespace sextant::codec::zipkin {
namespace {

using model::Span;
using model::SpanAnnotation;
using model::SpanEndpoint;
using model::SpanFormat;
using model::SpanKind;
using model::SpanTag;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::show;
using testing::spanDifference;
using testing::spansDifference;

using ::sextant::testing::readFile;

std::string fixture(const std::string& name) {
  return readFile(std::string(SEXTANT_SHARED_DIR) + "/fixtures/tracing/" + name);
}

std::vector<Span> ok(Result<std::vector<Span>> r) {
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Span>{};
}

std::string errorOf(const Result<std::vector<Span>>& r) {
  EXPECT_FALSE(r.isOk());
  if (r.isOk()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

SpanEndpoint ep(std::string service, std::string ipv4 = "", int32_t port = 0,
                std::string ipv6 = "") {
  SpanEndpoint e;
  e.service = std::move(service);
  e.ipv4 = std::move(ipv4);
  e.ipv6 = std::move(ipv6);
  e.port = port;
  return e;
}

// ---- fixtures -------------------------------------------------------------------------------

// zipkin-js_v2_spans.json and zipkin_v2_spans.proto3.pb carry the same three spans.
void expectZipkinJsV2(const std::vector<Span>& spans) {
  ASSERT_EQ(spans.size(), 3u);
  const Span& a = spans[0];
  EXPECT_EQ(a.format, SpanFormat::kZipkinV2);
  EXPECT_EQ(a.trace_id, "ea9ab6c2140ad42c7fbe5cea58b3732b");
  EXPECT_EQ(a.parent_id, "7fbe5cea58b3732b");
  EXPECT_EQ(a.span_id, "c608f622ccf7ed3b");
  EXPECT_EQ(a.name, "compute-total");
  EXPECT_EQ(a.kind, SpanKind::kUnspecified);
  EXPECT_EQ(a.start_us, 1795271747180346);
  EXPECT_EQ(a.duration_us, 2962);
  EXPECT_TRUE(a.local.empty());
  EXPECT_TRUE(a.remote.empty());
  EXPECT_TRUE(a.tags.empty());
  EXPECT_FALSE(a.error);

  const Span& b = spans[1];
  EXPECT_EQ(b.trace_id, "ea9ab6c2140ad42c7fbe5cea58b3732b");
  EXPECT_EQ(b.parent_id, "7fbe5cea58b3732b");
  EXPECT_EQ(b.span_id, "3693d9c1e357f53e");
  EXPECT_EQ(b.name, "post /api/pay");
  EXPECT_EQ(b.kind, SpanKind::kClient);
  EXPECT_EQ(b.start_us, 1795271747179950);
  EXPECT_EQ(b.duration_us, 54732);
  EXPECT_EQ(show(b.local), show(ep("zk-frontend")));
  EXPECT_EQ(show(b.remote), show(ep("payment", "127.0.0.1", 9999)));
  EXPECT_THAT(b.annotations, ElementsAre(SpanAnnotation{1795271747234602, "retrying"}));
  EXPECT_THAT(b.tags, ElementsAre(SpanTag{"http.url", "http://127.0.0.1:9999/api/pay"},
                                  SpanTag{"http.status_code", "500"},
                                  SpanTag{"error", "payment backend returned 500"}));
  EXPECT_TRUE(b.error);
  EXPECT_EQ(b.error_message, "payment backend returned 500");
  EXPECT_FALSE(b.shared);
  EXPECT_FALSE(b.debug);

  const Span& c = spans[2];
  EXPECT_EQ(c.span_id, "7fbe5cea58b3732b");
  EXPECT_EQ(c.parent_id, "");
  EXPECT_EQ(c.name, "get /checkout");
  EXPECT_EQ(c.kind, SpanKind::kServer);
  EXPECT_EQ(c.start_us, 1795271747179645);
  EXPECT_EQ(c.duration_us, 55134);
  EXPECT_EQ(show(c.local), show(ep("zk-frontend", "127.0.0.1", 8080)));
  EXPECT_TRUE(c.remote.empty());
  EXPECT_THAT(c.tags, ElementsAre(SpanTag{"http.path", "/checkout"}, SpanTag{"http.method", "GET"},
                                  SpanTag{"http.status_code", "200"}));
  EXPECT_FALSE(c.error);
}

TEST(ZipkinFixtures, ZipkinJsV2Json) {
  expectZipkinJsV2(ok(decodeV2Json(fixture("zipkin-js_v2_spans.json"))));
}

TEST(ZipkinFixtures, V2Proto3) {
  std::vector<Span> spans = ok(decodeV2Proto(fixture("zipkin_v2_spans.proto3.pb")));
  expectZipkinJsV2(spans);
  EXPECT_EQ(spansDifference(spans, ok(decodeV2Json(fixture("zipkin-js_v2_spans.json")))), "");
}

TEST(ZipkinFixtures, OtelJsV2Json) {
  std::vector<Span> spans = ok(decodeV2Json(fixture("otel-js_zipkin_v2_spans.json")));
  ASSERT_EQ(spans.size(), 3u);
  for (const Span& s : spans) {
    EXPECT_EQ(s.trace_id, "5c37f3da9dc82374183117b38af4581e");
    EXPECT_EQ(show(s.local), show(ep("otel-zipkin-svc")));
    EXPECT_TRUE(s.remote.empty());
  }
  const Span& a = spans[0];
  EXPECT_EQ(a.name, "SELECT orders");
  EXPECT_EQ(a.span_id, "21d43f66f3be5ab1");
  EXPECT_EQ(a.parent_id, "cac056037bf62707");
  EXPECT_EQ(a.kind, SpanKind::kClient);
  EXPECT_EQ(a.start_us, 1795271752608000);
  EXPECT_EQ(a.duration_us, 393);
  EXPECT_THAT(a.annotations, ElementsAre(SpanAnnotation{1795271752608252, "rows.fetched"}));
  ASSERT_EQ(a.tags.size(), 6u);
  EXPECT_EQ(a.tags[0], (SpanTag{"db.system", "mysql"}));
  EXPECT_EQ(a.tags[1], (SpanTag{"db.statement", "SELECT * FROM orders WHERE id=?"}));
  EXPECT_EQ(a.tags[5], (SpanTag{"deployment.environment", "test"}));
  EXPECT_FALSE(a.error);

  const Span& b = spans[1];
  EXPECT_EQ(b.name, "POST /api/pay");
  EXPECT_EQ(b.span_id, "2590e1ef4024592c");
  EXPECT_EQ(b.kind, SpanKind::kClient);
  EXPECT_EQ(b.start_us, 1795271752610000);
  EXPECT_EQ(b.duration_us, 699);
  EXPECT_EQ(b.tags.size(), 8u);
  EXPECT_EQ(b.tags[3], (SpanTag{"otel.status_code", "ERROR"}));
  EXPECT_TRUE(b.error);
  EXPECT_EQ(b.error_message, "payment backend returned 500");
  EXPECT_THAT(b.annotations, ElementsAre(SpanAnnotation{1795271752610598, "exception"}));

  const Span& c = spans[2];
  EXPECT_EQ(c.name, "GET /checkout");
  EXPECT_EQ(c.span_id, "cac056037bf62707");
  EXPECT_EQ(c.parent_id, "");
  EXPECT_EQ(c.kind, SpanKind::kServer);
  EXPECT_EQ(c.start_us, 1795271752606000);
  EXPECT_EQ(c.duration_us, 4222);
  ASSERT_NE(c.findTag("user.id"), nullptr);
  EXPECT_EQ(c.findTag("user.id")->value, "42");
  EXPECT_TRUE(c.annotations.empty());
  EXPECT_FALSE(c.error);
}

TEST(ZipkinFixtures, ZipkinJsV1Json) {
  std::vector<Span> spans = ok(decodeV1Json(fixture("zipkin-js_v1_spans.json")));
  ASSERT_EQ(spans.size(), 3u);
  for (const Span& s : spans) {
    EXPECT_EQ(s.format, SpanFormat::kZipkinV1Json);
    EXPECT_EQ(s.trace_id, "2d9a47ba53bed96c73cab6138f40752a");
    EXPECT_FALSE(s.shared);
  }
  const Span& a = spans[0];
  EXPECT_EQ(a.span_id, "ba4c37f015d6148b");
  EXPECT_EQ(a.parent_id, "73cab6138f40752a");
  EXPECT_EQ(a.name, "compute-total");
  EXPECT_EQ(a.kind, SpanKind::kUnspecified);
  EXPECT_EQ(a.start_us, 1795271749886127);
  EXPECT_EQ(a.duration_us, 2661);
  EXPECT_TRUE(a.local.empty());
  EXPECT_TRUE(a.tags.empty());
  EXPECT_TRUE(a.annotations.empty());

  const Span& b = spans[1];
  EXPECT_EQ(b.span_id, "aa648c93b1529caf");
  EXPECT_EQ(b.name, "post /api/pay");
  EXPECT_EQ(b.kind, SpanKind::kClient);
  EXPECT_EQ(b.start_us, 1795271749885047);
  EXPECT_EQ(b.duration_us, 54994);
  EXPECT_EQ(show(b.local), show(ep("zk-frontend")));
  EXPECT_EQ(show(b.remote), show(ep("payment", "127.0.0.1", 9999)));
  // cs and cr are consumed by the conversion; "retrying" stays.
  EXPECT_THAT(b.annotations, ElementsAre(SpanAnnotation{1795271749939940, "retrying"}));
  EXPECT_THAT(b.tags, ElementsAre(SpanTag{"http.url", "http://127.0.0.1:9999/api/pay"},
                                  SpanTag{"http.status_code", "500"},
                                  SpanTag{"error", "payment backend returned 500"}));
  EXPECT_TRUE(b.error);
  EXPECT_EQ(b.error_message, "payment backend returned 500");

  const Span& c = spans[2];
  EXPECT_EQ(c.span_id, "73cab6138f40752a");
  EXPECT_EQ(c.parent_id, "");
  EXPECT_EQ(c.name, "get /checkout");
  EXPECT_EQ(c.kind, SpanKind::kServer);
  EXPECT_EQ(c.start_us, 1795271749884625);
  EXPECT_EQ(c.duration_us, 55635);
  EXPECT_EQ(show(c.local), show(ep("zk-frontend", "127.0.0.1", 8080)));
  EXPECT_TRUE(c.remote.empty());
  EXPECT_TRUE(c.annotations.empty());
  EXPECT_THAT(c.tags, ElementsAre(SpanTag{"http.path", "/checkout"}, SpanTag{"http.method", "GET"},
                                  SpanTag{"http.status_code", "200"}));
  EXPECT_FALSE(c.error);
}

TEST(ZipkinFixtures, ZipkinJsV1Thrift) {
  std::vector<Span> spans = ok(decodeV1Thrift(fixture("zipkin-js_v1_spans.thrift")));
  ASSERT_EQ(spans.size(), 2u);
  // trace_id_high 1cf6ea1ba3c39097, trace_id f807aea92deb0629.
  for (const Span& s : spans) {
    EXPECT_EQ(s.format, SpanFormat::kZipkinV1Thrift);
    EXPECT_EQ(s.trace_id, "1cf6ea1ba3c39097f807aea92deb0629");
    EXPECT_FALSE(s.debug);
    EXPECT_FALSE(s.shared);
    EXPECT_TRUE(s.annotations.empty());
  }
  const Span& a = spans[0];
  EXPECT_EQ(a.name, "post /api/pay");
  EXPECT_EQ(a.span_id, "563a9b1c591afcc0");
  EXPECT_EQ(a.parent_id, "f807aea92deb0629");
  EXPECT_EQ(a.kind, SpanKind::kClient);
  EXPECT_EQ(a.start_us, 1795271939970848);
  EXPECT_EQ(a.duration_us, 39250);
  EXPECT_EQ(show(a.local), show(ep("zk-thrift")));  // ipv4 0 is absent
  EXPECT_EQ(show(a.remote), show(ep("payment", "127.0.0.1", 9999)));
  EXPECT_THAT(a.tags, ElementsAre(SpanTag{"error", "payment backend returned 500"}));
  EXPECT_TRUE(a.error);
  EXPECT_EQ(a.error_message, "payment backend returned 500");

  const Span& b = spans[1];
  EXPECT_EQ(b.name, "get /checkout");
  EXPECT_EQ(b.span_id, "f807aea92deb0629");
  EXPECT_EQ(b.parent_id, "");
  EXPECT_EQ(b.kind, SpanKind::kServer);
  EXPECT_EQ(b.start_us, 1795271939970615);
  EXPECT_EQ(b.duration_us, 42545);
  EXPECT_EQ(show(b.local), show(ep("zk-thrift", "127.0.0.1", 8080)));
  EXPECT_TRUE(b.remote.empty());
  EXPECT_THAT(b.tags, ElementsAre(SpanTag{"http.path", "/checkout"}));
  EXPECT_FALSE(b.error);
}

// ---- v2 JSON encoder --------------------------------------------------------------------------

TEST(ZipkinEncode, ExactOutput) {
  Span s;
  s.trace_id = "0123456789abcdef";
  s.span_id = "00000000000000aa";
  s.parent_id = "00000000000000bb";
  s.name = "get \"x\"";
  s.kind = SpanKind::kServer;
  s.start_us = 1700000000000001;
  s.duration_us = 25;
  s.local = ep("svc", "10.0.0.1", 80);
  s.remote = ep("", "", 0, "2001:db8::1");
  s.annotations = {{1700000000000002, "wr"}};
  s.tags = {{"b", "2"}, {"a", "1"}};
  s.shared = true;
  std::string out;
  encodeV2JsonSpan(s, &out);
  EXPECT_EQ(
      out, R"({"traceId":"0123456789abcdef","parentId":"00000000000000bb","id":"00000000000000aa",)"
           R"("kind":"SERVER","name":"get \"x\"","timestamp":1700000000000001,"duration":25,)"
           R"("localEndpoint":{"serviceName":"svc","ipv4":"10.0.0.1","port":80},)"
           R"("remoteEndpoint":{"ipv6":"2001:db8::1"},)"
           R"("annotations":[{"timestamp":1700000000000002,"value":"wr"}],)"
           R"("tags":{"b":"2","a":"1"},"shared":true})");

  Span min;
  min.trace_id = "00000000000000ff";
  min.span_id = "0000000000000001";
  min.kind = SpanKind::kInternal;  // not a Zipkin kind: omitted
  min.error = true;                // no "error" tag: one is added
  min.error_message = "boom";
  min.debug = true;
  out = "x";
  encodeV2Json(std::span<const Span>(&min, 1), &out);
  EXPECT_EQ(out, R"(x[{"traceId":"00000000000000ff","id":"0000000000000001",)"
                 R"("tags":{"error":"boom"},"debug":true}])");
  out.clear();
  encodeV2Json({}, &out);
  EXPECT_EQ(out, "[]");
}

// ---- v2 JSON leniency and normalisation ------------------------------------------------------

TEST(ZipkinV2Json, NormalisesIdsAndToleratesClientQuirks) {
  std::vector<Span> spans = ok(decodeV2Json(R"([
    {"traceId":"ABC","id":"1F","parentId":"0000000000000000","name":null,"kind":"client",
     "timestamp":"12","duration":3.0,"localEndpoint":null,"tags":{"n":5,"b":true,"z":null},
     "annotations":null,"debug":null,"shared":false,"unknown":{"x":[1]}},
    {"traceId":"00000000000000000000000000000abc","id":"a","parentId":"0",
     "localEndpoint":{"serviceName":"s","ipv4":"not-an-ip","ipv6":"::ffff:10.1.2.3","port":null}},
    {"traceId":"10000000000000000000000000000abc","id":"b","kind":"MYSTERY",
     "remoteEndpoint":{"ipv6":"2001:DB8:0:0:0:0:0:1"}}
  ])"));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].trace_id, "0000000000000abc");
  EXPECT_EQ(spans[0].span_id, "000000000000001f");
  EXPECT_EQ(spans[0].parent_id, "");
  EXPECT_EQ(spans[0].name, "");
  EXPECT_EQ(spans[0].kind, SpanKind::kClient);
  EXPECT_EQ(spans[0].start_us, 12);
  EXPECT_EQ(spans[0].duration_us, 3);
  EXPECT_THAT(spans[0].tags, ElementsAre(SpanTag{"n", "5"}, SpanTag{"b", "true"}));
  EXPECT_EQ(spans[1].trace_id, "0000000000000abc");
  EXPECT_EQ(spans[1].span_id, "000000000000000a");
  EXPECT_EQ(spans[1].parent_id, "");
  EXPECT_EQ(show(spans[1].local),
            show(ep("s", "10.1.2.3")));  // bad ipv4 dropped, mapped ipv6 -> ipv4
  EXPECT_EQ(spans[2].trace_id, "10000000000000000000000000000abc");
  EXPECT_EQ(spans[2].kind, SpanKind::kUnspecified);
  EXPECT_EQ(show(spans[2].remote), show(ep("", "", 0, "2001:db8::1")));
}

TEST(ZipkinV2Json, Errors) {
  EXPECT_THAT(errorOf(decodeV2Json("")), HasSubstr("invalid JSON"));
  EXPECT_THAT(errorOf(decodeV2Json("[{")), HasSubstr("invalid JSON"));
  EXPECT_THAT(errorOf(decodeV2Json(R"({"traceId":"1","id":"2"})")), HasSubstr("not a JSON array"));
  const std::string good = R"({"traceId":"1","id":"2"},)";
  auto second = [&](const std::string& span) {
    return errorOf(decodeV2Json("[" + good + span + "]"));
  };
  EXPECT_THAT(second("3"), HasSubstr("span 1: not a JSON object"));
  EXPECT_THAT(second(R"({"id":"2"})"), HasSubstr("span 1: missing traceId"));
  EXPECT_THAT(second(R"({"traceId":"1"})"), HasSubstr("span 1: missing id"));
  EXPECT_THAT(second(R"({"traceId":"xyz","id":"2"})"),
              HasSubstr("span 1: traceId: trace id is not hex"));
  EXPECT_THAT(second(R"({"traceId":"123456789012345678901234567890123","id":"2"})"),
              HasSubstr("longer than 32"));
  EXPECT_THAT(second(R"({"traceId":"0","id":"2"})"), HasSubstr("trace id is zero"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"12345678901234567"})"),
              HasSubstr("span 1: id: span id longer"));
  EXPECT_THAT(second(R"({"traceId":"1","id":""})"), HasSubstr("empty span id"));
  EXPECT_THAT(second(R"({"traceId":"1","id":2})"), HasSubstr("id: is not a string"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","parentId":"g"})"),
              HasSubstr("parent id is not hex"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","timestamp":-1})"),
              HasSubstr("timestamp: is negative"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","timestamp":"x"})"), HasSubstr("timestamp"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","duration":true})"),
              HasSubstr("duration: is not a number"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","tags":[]})"), HasSubstr("tags: is not an object"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","tags":{"a":{}}})"),
              HasSubstr("tag \"a\" is not a string"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","annotations":{}})"),
              HasSubstr("annotations: is not an array"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","annotations":[{"timestamp":1,"value":2}]})"),
              HasSubstr("annotation value"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","localEndpoint":"x"})"),
              HasSubstr("localEndpoint: is not an object"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","localEndpoint":{"port":70000}})"),
              HasSubstr("port is out of range"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","debug":"yes"})"),
              HasSubstr("debug: is not a boolean"));
  EXPECT_THAT(second(R"({"traceId":"1","id":"2","name":1})"), HasSubstr("name: is not a string"));
}

// ---- random spans and the v2 JSON round trip --------------------------------------------------

std::string randomHex(std::mt19937_64& rng, size_t n) {
  std::string s;
  while (s.size() < n) s.push_back("0123456789abcdef"[rng() % 16]);
  if (s.find_first_not_of('0') == std::string::npos) s.back() = '1';
  return s;
}

std::string randomText(std::mt19937_64& rng, size_t max_len) {
  static const char* const kPieces[] = {"a",    "Z", "0",  " ", "\"", "\\", "\n", "/",   "é",
                                        "日本", "😀", "\t", "{", "}",  ":",  ",",  "\x01"};
  std::string s;
  size_t n = rng() % (max_len + 1);
  for (size_t i = 0; i < n; ++i) s += kPieces[rng() % std::size(kPieces)];
  return s;
}

SpanEndpoint randomEndpoint(std::mt19937_64& rng) {
  static const char* const kIpv6[] = {"2001:db8::1", "fe80::1:2", "::1", "2001:db8:1:2:3:4:5:6"};
  SpanEndpoint e;
  if (rng() % 4 == 0) return e;
  if (rng() % 2) e.service = randomText(rng, 8);
  if (rng() % 2) {
    e.ipv4 = std::to_string(1 + rng() % 255) + "." + std::to_string(rng() % 256) + "." +
             std::to_string(rng() % 256) + "." + std::to_string(rng() % 256);
  }
  if (rng() % 3 == 0) e.ipv6 = kIpv6[rng() % std::size(kIpv6)];
  if (rng() % 2) e.port = static_cast<int32_t>(rng() % 65536);
  return e;
}

// A span as Zipkin v2 can carry it: Zipkin kinds only, unique tag keys, `error` consistent with
// an "error" tag, no resource tags.
Span randomSpan(std::mt19937_64& rng) {
  Span s;
  s.trace_id = randomHex(rng, rng() % 2 ? 32 : 16);
  if (s.trace_id.size() == 32 && s.trace_id.compare(0, 16, "0000000000000000") == 0)
    s.trace_id[0] = 'f';
  s.span_id = randomHex(rng, 16);
  if (rng() % 3) s.parent_id = randomHex(rng, 16);
  s.name = randomText(rng, 12);
  s.kind = static_cast<SpanKind>(rng() % 5);
  s.start_us = rng() % 3 ? static_cast<int64_t>(rng() % 2000000000000000) : 0;
  s.duration_us = rng() % 3 ? static_cast<int64_t>(rng() % 100000000) : 0;
  s.local = randomEndpoint(rng);
  s.remote = randomEndpoint(rng);
  for (size_t i = 0, n = rng() % 4; i < n; ++i) {
    s.annotations.push_back({static_cast<int64_t>(rng() % 2000000000000000), randomText(rng, 10)});
  }
  for (size_t i = 0, n = rng() % 6; i < n; ++i) {
    s.tags.push_back({"k" + std::to_string(i) + randomText(rng, 5), randomText(rng, 20)});
  }
  if (rng() % 4 == 0) {
    s.tags.insert(s.tags.begin() + static_cast<long>(rng() % (s.tags.size() + 1)),
                  SpanTag{"error", randomText(rng, 10)});
    s.error = true;
    s.error_message = s.findTag("error")->value;
  }
  s.debug = rng() % 5 == 0;
  s.shared = rng() % 5 == 0;
  return s;
}

TEST(ZipkinV2Json, RoundTripFixtures) {
  std::vector<std::vector<Span>> inputs = {
      ok(decodeV2Json(fixture("zipkin-js_v2_spans.json"))),
      ok(decodeV2Json(fixture("otel-js_zipkin_v2_spans.json"))),
      ok(decodeV2Proto(fixture("zipkin_v2_spans.proto3.pb"))),
      ok(decodeV1Json(fixture("zipkin-js_v1_spans.json"))),
      ok(decodeV1Thrift(fixture("zipkin-js_v1_spans.thrift"))),
  };
  for (std::vector<Span>& spans : inputs) {
    ASSERT_FALSE(spans.empty());
    for (Span& s : spans) s.format = SpanFormat::kZipkinV2;
    std::string out;
    encodeV2Json(spans, &out);
    EXPECT_EQ(spansDifference(ok(decodeV2Json(out)), spans), "") << out;
  }
}

TEST(ZipkinV2Json, RoundTripRandomSpans) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<Span> spans;
    for (size_t i = 0, n = rng() % 5; i < n; ++i) spans.push_back(randomSpan(rng));
    std::string out;
    encodeV2Json(spans, &out);
    std::vector<Span> back = ok(decodeV2Json(out));
    ASSERT_EQ(spansDifference(back, spans), "") << out;
    // encodeV2JsonSpan writes exactly the array's elements.
    std::string joined = "[";
    for (size_t i = 0; i < spans.size(); ++i) {
      if (i > 0) joined += ",";
      encodeV2JsonSpan(spans[i], &joined);
    }
    joined += "]";
    EXPECT_EQ(joined, out);
  }
}

// ---- v2 proto3 against libprotobuf -------------------------------------------------------------

std::string idBytes(const std::string& hex) {
  std::string b;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    b.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return b;
}

void toProto(const SpanEndpoint& e, ::zipkin::proto3::Endpoint* p) {
  p->set_service_name(e.service);
  if (!e.ipv4.empty()) {
    in_addr a;
    ASSERT_EQ(inet_pton(AF_INET, e.ipv4.c_str(), &a), 1);
    p->set_ipv4(std::string(reinterpret_cast<const char*>(&a), 4));
  }
  if (!e.ipv6.empty()) {
    in6_addr a;
    ASSERT_EQ(inet_pton(AF_INET6, e.ipv6.c_str(), &a), 1);
    p->set_ipv6(std::string(reinterpret_cast<const char*>(&a), 16));
  }
  p->set_port(e.port);
}

std::vector<SpanTag> sortedTags(std::vector<SpanTag> t) {
  std::sort(t.begin(), t.end(), [](const SpanTag& a, const SpanTag& b) { return a.key < b.key; });
  return t;
}

TEST(ZipkinV2Proto, AgreesWithLibprotobuf) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<Span> spans;
    ::zipkin::proto3::ListOfSpans list;
    for (size_t i = 0, n = rng() % 5; i < n; ++i) {
      Span s = randomSpan(rng);
      ::zipkin::proto3::Span* p = list.add_spans();
      p->set_trace_id(idBytes(s.trace_id));
      p->set_id(idBytes(s.span_id));
      p->set_parent_id(idBytes(s.parent_id));
      p->set_kind(static_cast<::zipkin::proto3::Span_Kind>(s.kind));
      p->set_name(s.name);
      p->set_timestamp(static_cast<uint64_t>(s.start_us));
      p->set_duration(static_cast<uint64_t>(s.duration_us));
      if (!s.local.empty()) toProto(s.local, p->mutable_local_endpoint());
      if (!s.remote.empty()) toProto(s.remote, p->mutable_remote_endpoint());
      for (const SpanAnnotation& a : s.annotations) {
        ::zipkin::proto3::Annotation* pa = p->add_annotations();
        pa->set_timestamp(static_cast<uint64_t>(a.time_us));
        pa->set_value(a.value);
      }
      for (const SpanTag& t : s.tags) (*p->mutable_tags())[t.key] = t.value;
      p->set_debug(s.debug);
      p->set_shared(s.shared);
      spans.push_back(std::move(s));
    }
    std::vector<Span> got = ok(decodeV2Proto(list.SerializeAsString()));
    ASSERT_EQ(got.size(), spans.size());
    for (size_t i = 0; i < got.size(); ++i) {
      // libprotobuf does not keep a map's insertion order.
      EXPECT_EQ(sortedTags(got[i].tags), sortedTags(spans[i].tags));
      got[i].tags = spans[i].tags;
      EXPECT_EQ(spanDifference(got[i], spans[i]), "") << "iteration " << iter << " span " << i;
    }
  }
}

TEST(ZipkinV2Proto, FixtureParsesWithLibprotobufToTheSameValues) {
  std::string body = fixture("zipkin_v2_spans.proto3.pb");
  ::zipkin::proto3::ListOfSpans list;
  ASSERT_TRUE(list.ParseFromString(body));
  std::vector<Span> spans = ok(decodeV2Proto(body));
  ASSERT_EQ(spans.size(), static_cast<size_t>(list.spans_size()));
  for (size_t i = 0; i < spans.size(); ++i) {
    const ::zipkin::proto3::Span& p = list.spans(static_cast<int>(i));
    EXPECT_EQ(idBytes(spans[i].span_id), p.id());
    EXPECT_EQ(spans[i].name, p.name());
    EXPECT_EQ(static_cast<uint64_t>(spans[i].start_us), p.timestamp());
    EXPECT_EQ(static_cast<uint64_t>(spans[i].duration_us), p.duration());
    EXPECT_EQ(spans[i].local.service, p.local_endpoint().service_name());
    EXPECT_EQ(spans[i].tags.size(), static_cast<size_t>(p.tags_size()));
  }
}

TEST(ZipkinV2Proto, Errors) {
  std::string body = fixture("zipkin_v2_spans.proto3.pb");
  // Every strict prefix cut inside a span is an error, never a crash.
  size_t errors = 0;
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = decodeV2Proto(std::string_view(body).substr(0, n));
    if (!r.isOk()) {
      ++errors;
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  // Only the cuts between spans are valid: before the first, after the first and the second.
  EXPECT_EQ(errors, body.size() - 3);
  EXPECT_TRUE(ok(decodeV2Proto("")).empty());

  auto span = [](const std::string& fields) {
    return std::string("\x0a", 1) + static_cast<char>(fields.size()) + fields;
  };
  const std::string trace = std::string("\x0a\x08", 2) + std::string(7, '\0') + "\x01";
  const std::string id = std::string("\x1a\x08", 2) + std::string(7, '\0') + "\x02";
  EXPECT_EQ(ok(decodeV2Proto(span(trace + id)))[0].span_id, "0000000000000002");
  EXPECT_THAT(errorOf(decodeV2Proto(span(trace + id) + span(id))),
              HasSubstr("span 1: missing trace_id"));
  EXPECT_THAT(errorOf(decodeV2Proto(span(trace))), HasSubstr("span 0: missing id"));
  EXPECT_THAT(errorOf(decodeV2Proto(span(std::string("\x0a\x03xyz", 5) + id))),
              HasSubstr("trace_id is not 8 or 16 bytes"));
  EXPECT_THAT(errorOf(decodeV2Proto(span(trace + std::string("\x1a\x02xy", 4)))),
              HasSubstr("id is not 8 bytes"));
  EXPECT_THAT(errorOf(decodeV2Proto(span(trace + id + std::string("\x12\x01x", 3)))),
              HasSubstr("parent_id is not 8 bytes"));
  EXPECT_THAT(errorOf(decodeV2Proto(span(trace + id + std::string("\x2a\x7f", 2)))),
              HasSubstr("length past the end"));
  EXPECT_THAT(errorOf(decodeV2Proto(span(trace + id + std::string("\x28\x01", 2)))),
              HasSubstr("another wire type"));
  EXPECT_THAT(errorOf(decodeV2Proto(std::string("\x0a\xff\xff\xff\xff\x0f", 6))),
              HasSubstr("length past the end"));
  // Unknown fields are skipped.
  EXPECT_EQ(ok(decodeV2Proto(span(trace + id + std::string("\xa0\x06\x05", 3)) +
                             std::string("\x10\x01", 2)))
                .size(),
            1u);
}

// ---- v1 conversion rules ------------------------------------------------------------------------

TEST(ZipkinV1Json, SharedServerSpanAndTimesFromAnnotations) {
  // A server side reported without a span timestamp shares the client's id: shared, times from
  // sr..ss. Binary annotations: numbers and bools become tags; "ca" is the remote endpoint.
  std::vector<Span> spans = ok(decodeV1Json(R"([{"traceId":"a","id":"b","parentId":"c","name":"rpc",
    "annotations":[{"timestamp":100,"value":"sr","endpoint":{"serviceName":"srv","ipv4":"10.0.0.2"}},
                   {"timestamp":150,"value":"cache miss","endpoint":{"serviceName":"srv"}},
                   {"timestamp":180,"value":"ss","endpoint":{"serviceName":"srv","ipv4":"10.0.0.2"}}],
    "binaryAnnotations":[{"key":"n","value":42},{"key":"f","value":1.5},{"key":"ok","value":false},
                         {"key":"ca","value":true,"endpoint":{"serviceName":"cli","ipv6":"2001:db8::2","port":1234}}],
    "debug":true}])"));
  ASSERT_EQ(spans.size(), 1u);
  const Span& s = spans[0];
  EXPECT_EQ(s.trace_id, "000000000000000a");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_TRUE(s.shared);
  EXPECT_TRUE(s.debug);
  EXPECT_EQ(s.start_us, 100);
  EXPECT_EQ(s.duration_us, 80);
  EXPECT_EQ(show(s.local), show(ep("srv", "10.0.0.2")));
  EXPECT_EQ(show(s.remote), show(ep("cli", "", 1234, "2001:db8::2")));
  EXPECT_THAT(s.annotations, ElementsAre(SpanAnnotation{150, "cache miss"}));
  EXPECT_THAT(s.tags, ElementsAre(SpanTag{"n", "42"}, SpanTag{"f", "1.5"}, SpanTag{"ok", "false"}));
}

TEST(ZipkinV1Json, ClientAndServerInOneSpanSplit) {
  std::vector<Span> spans = ok(decodeV1Json(R"([{"traceId":"a","id":"b","name":"rpc",
    "annotations":[{"timestamp":10,"value":"cs","endpoint":{"serviceName":"front"}},
                   {"timestamp":12,"value":"sr","endpoint":{"serviceName":"back"}},
                   {"timestamp":13,"value":"db","endpoint":{"serviceName":"back"}},
                   {"timestamp":18,"value":"ss","endpoint":{"serviceName":"back"}},
                   {"timestamp":20,"value":"cr","endpoint":{"serviceName":"front"}}],
    "binaryAnnotations":[{"key":"q","value":"1","endpoint":{"serviceName":"back"}},
                         {"key":"u","value":"2","endpoint":{"serviceName":"front"}}]}])"));
  ASSERT_EQ(spans.size(), 2u);
  const Span& c = spans[0];
  const Span& s = spans[1];
  EXPECT_EQ(c.kind, SpanKind::kClient);
  EXPECT_FALSE(c.shared);
  EXPECT_EQ(c.start_us, 10);
  EXPECT_EQ(c.duration_us, 10);
  EXPECT_EQ(show(c.local), show(ep("front")));
  EXPECT_THAT(c.tags, ElementsAre(SpanTag{"u", "2"}));
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_TRUE(s.shared);
  EXPECT_EQ(s.span_id, c.span_id);
  EXPECT_EQ(s.start_us, 12);
  EXPECT_EQ(s.duration_us, 6);
  EXPECT_EQ(show(s.local), show(ep("back")));
  EXPECT_THAT(s.annotations, ElementsAre(SpanAnnotation{13, "db"}));
  EXPECT_THAT(s.tags, ElementsAre(SpanTag{"q", "1"}));
}

TEST(ZipkinV1Json, MessagingAndIncompleteSpans) {
  std::vector<Span> spans = ok(decodeV1Json(R"([
    {"traceId":"a","id":"1","annotations":[{"timestamp":5,"value":"ms","endpoint":{"serviceName":"p"}}],
     "binaryAnnotations":[{"key":"ma","value":true,"endpoint":{"serviceName":"kafka"}}]},
    {"traceId":"a","id":"2","annotations":[{"timestamp":7,"value":"mr","endpoint":{"serviceName":"c"}}]},
    {"traceId":"a","id":"3","annotations":[{"timestamp":9,"value":"cs"}],
     "binaryAnnotations":[{"key":"sa","value":true,"endpoint":{"serviceName":"db"}},{"key":"lc","value":"x","endpoint":{"serviceName":"l"}}]}
  ])"));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].kind, SpanKind::kProducer);
  EXPECT_EQ(spans[0].start_us, 5);
  EXPECT_EQ(show(spans[0].local), show(ep("p")));
  EXPECT_EQ(show(spans[0].remote), show(ep("kafka")));
  EXPECT_EQ(spans[1].kind, SpanKind::kConsumer);
  EXPECT_EQ(spans[1].start_us, 7);
  // "cs" without an endpoint is not a core annotation; "sa" alone makes it a client span.
  EXPECT_EQ(spans[2].kind, SpanKind::kClient);
  EXPECT_THAT(spans[2].annotations, ElementsAre(SpanAnnotation{9, "cs"}));
  EXPECT_EQ(show(spans[2].remote), show(ep("db")));
  EXPECT_EQ(show(spans[2].local), show(ep("l")));
  EXPECT_THAT(spans[2].tags, ElementsAre(SpanTag{"lc", "x"}));
}

TEST(ZipkinV1Json, Errors) {
  EXPECT_THAT(errorOf(decodeV1Json("{}")), HasSubstr("zipkin v1 JSON body: not a JSON array"));
  EXPECT_THAT(errorOf(decodeV1Json(R"([{"traceId":"a","id":"b"},{"id":"b"}])")),
              HasSubstr("span 1: missing traceId"));
  EXPECT_THAT(errorOf(decodeV1Json(R"([{"traceId":"a"}])")), HasSubstr("span 0: missing id"));
  EXPECT_THAT(errorOf(decodeV1Json(R"([{"traceId":"a","id":"b","annotations":{}}])")),
              HasSubstr("span 0: annotations is not an array"));
  EXPECT_THAT(errorOf(decodeV1Json(
                  R"([{"traceId":"a","id":"b","binaryAnnotations":[{"key":"k","value":[1]}]}])")),
              HasSubstr("value is not a scalar"));
  EXPECT_THAT(errorOf(decodeV1Json(
                  R"([{"traceId":"a","id":"b","annotations":[{"value":"x","endpoint":3}]}])")),
              HasSubstr("annotation endpoint is invalid"));
}

// ---- v1 Thrift ------------------------------------------------------------------------------

// A minimal TBinaryProtocol writer (test-only) to build bodies from hand-written values.
class ThriftWriter {
 public:
  ThriftWriter& listHeader(uint8_t type, int32_t n) { return u8(type).i32(n); }
  ThriftWriter& field(uint8_t type, int16_t id) { return u8(type).i16(id); }
  ThriftWriter& stop() { return u8(0); }
  ThriftWriter& u8(uint8_t v) {
    out.push_back(static_cast<char>(v));
    return *this;
  }
  ThriftWriter& i16(int16_t v) { return big(static_cast<uint16_t>(v), 2); }
  ThriftWriter& i32(int32_t v) { return big(static_cast<uint32_t>(v), 4); }
  ThriftWriter& i64(int64_t v) { return big(static_cast<uint64_t>(v), 8); }
  ThriftWriter& str(std::string_view s) {
    i32(static_cast<int32_t>(s.size()));
    out.append(s);
    return *this;
  }
  ThriftWriter& endpoint(int16_t id, std::string_view service, uint32_t ipv4, int16_t port) {
    field(12, id);
    field(8, 1).i32(static_cast<int32_t>(ipv4));
    field(6, 2).i16(port);
    field(11, 3).str(service);
    return stop();
  }
  ThriftWriter& annotation(int64_t ts, std::string_view value, std::string_view service,
                           uint32_t ipv4 = 0, int16_t port = 0) {
    field(10, 1).i64(ts);
    field(11, 2).str(value);
    endpoint(3, service, ipv4, port);
    return stop();
  }
  ThriftWriter& binary(std::string_view key, std::string_view value, int32_t type,
                       std::string_view service, uint32_t ipv4 = 0, int16_t port = 0) {
    field(11, 1).str(key);
    field(11, 2).str(value);
    field(8, 3).i32(type);
    endpoint(4, service, ipv4, port);
    return stop();
  }
  std::string out;

 private:
  ThriftWriter& big(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
};

std::string bigEndian(uint64_t v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

// The content of zipkin-js_v1_spans.json written as Thrift by hand, plus typed binary
// annotations: both decoders must give the same spans.
TEST(ZipkinV1Thrift, AgreesWithV1JsonOnTheSameSpans) {
  constexpr uint32_t kLocalhost = 0x7f000001;
  ThriftWriter w;
  w.listHeader(12, 3);
  // compute-total
  w.field(10, 1).i64(0x73cab6138f40752a).field(10, 12).i64(0x2d9a47ba53bed96c);
  w.field(11, 3).str("compute-total").field(10, 4).i64(static_cast<int64_t>(0xba4c37f015d6148bULL));
  w.field(10, 5)
      .i64(0x73cab6138f40752a)
      .field(10, 10)
      .i64(1795271749886127)
      .field(10, 11)
      .i64(2661);
  w.stop();
  // post /api/pay (plus an unknown field of each kind, skipped)
  w.field(10, 1).i64(0x73cab6138f40752a).field(10, 12).i64(0x2d9a47ba53bed96c);
  w.field(11, 3).str("post /api/pay").field(10, 4).i64(static_cast<int64_t>(0xaa648c93b1529cafULL));
  w.field(10, 5)
      .i64(0x73cab6138f40752a)
      .field(10, 10)
      .i64(1795271749885047)
      .field(10, 11)
      .i64(54994);
  w.field(15, 6).listHeader(12, 3);
  w.annotation(1795271749939940, "retrying", "zk-frontend");
  w.annotation(1795271749885047, "cs", "zk-frontend");
  w.annotation(1795271749940041, "cr", "zk-frontend");
  w.field(15, 8).listHeader(12, 8);
  w.binary("http.url", "http://127.0.0.1:9999/api/pay", 6, "zk-frontend");
  w.binary("http.status_code", "500", 6, "zk-frontend");
  w.binary("error", "payment backend returned 500", 6, "zk-frontend");
  w.binary("sa", std::string(1, '\x01'), 0, "payment", kLocalhost, 9999);
  w.binary("i64", bigEndian(static_cast<uint64_t>(-7), 8), 4, "zk-frontend");
  w.binary("i32", bigEndian(123456, 4), 3, "zk-frontend");
  w.binary("i16", bigEndian(static_cast<uint16_t>(-2), 2), 2, "zk-frontend");
  w.binary("dbl", bigEndian(std::bit_cast<uint64_t>(2.5), 8), 5, "zk-frontend");
  w.field(13, 20).u8(11).u8(8).i32(1).str("k").i32(5);             // map<string,i32>
  w.field(15, 21).listHeader(15, 1).listHeader(3, 2).u8(1).u8(2);  // list<list<byte>>
  w.field(4, 22).i64(0);                                           // double
  w.stop();
  // get /checkout
  w.field(10, 1).i64(0x73cab6138f40752a).field(10, 12).i64(0x2d9a47ba53bed96c);
  w.field(11, 3).str("get /checkout").field(10, 4).i64(0x73cab6138f40752a);
  w.field(10, 10).i64(1795271749884625).field(10, 11).i64(55635);
  w.field(15, 6).listHeader(12, 2);
  w.annotation(1795271749884625, "sr", "zk-frontend", kLocalhost, 8080);
  w.annotation(1795271749940260, "ss", "zk-frontend", kLocalhost, 8080);
  w.field(15, 8).listHeader(12, 3);
  w.binary("http.path", "/checkout", 6, "zk-frontend", kLocalhost, 8080);
  w.binary("http.method", "GET", 6, "zk-frontend", kLocalhost, 8080);
  w.binary("http.status_code", "200", 6, "zk-frontend", kLocalhost, 8080);
  w.stop();

  std::vector<Span> thrift = ok(decodeV1Thrift(w.out));
  std::string json = fixture("zipkin-js_v1_spans.json");
  // The same typed values in JSON.
  json.replace(json.find(R"({"key":"sa")"), 0,
               R"({"key":"i64","value":-7},{"key":"i32","value":123456},)"
               R"({"key":"i16","value":-2},{"key":"dbl","value":2.5},)");
  std::vector<Span> from_json = ok(decodeV1Json(json));
  ASSERT_EQ(thrift.size(), 3u);
  ASSERT_EQ(from_json.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(thrift[i].format, SpanFormat::kZipkinV1Thrift);
    thrift[i].format = SpanFormat::kZipkinV1Json;
    EXPECT_EQ(spanDifference(thrift[i], from_json[i]), "") << "span " << i;
  }
  EXPECT_THAT(thrift[1].tags,
              ElementsAre(SpanTag{"http.url", "http://127.0.0.1:9999/api/pay"},
                          SpanTag{"http.status_code", "500"},
                          SpanTag{"error", "payment backend returned 500"}, SpanTag{"i64", "-7"},
                          SpanTag{"i32", "123456"}, SpanTag{"i16", "-2"}, SpanTag{"dbl", "2.5"}));
}

TEST(ZipkinV1Thrift, Errors) {
  std::string body = fixture("zipkin-js_v1_spans.thrift");
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = decodeV1Thrift(std::string_view(body).substr(0, n));
    EXPECT_FALSE(r.isOk()) << n;
  }
  EXPECT_THAT(errorOf(decodeV1Thrift(body + "x")), HasSubstr("1 bytes after the span list"));
  EXPECT_THAT(errorOf(decodeV1Thrift(body.substr(0, 200))), HasSubstr("span 0: "));
  EXPECT_THAT(errorOf(decodeV1Thrift(body.substr(0, 400))), HasSubstr("span 1: truncated"));

  ThriftWriter huge;
  huge.listHeader(12, 0x7fffffff);
  EXPECT_THAT(errorOf(decodeV1Thrift(huge.out)), HasSubstr("list size past the end"));
  ThriftWriter neg;
  neg.listHeader(12, -1);
  EXPECT_THAT(errorOf(decodeV1Thrift(neg.out)), HasSubstr("negative list size"));
  ThriftWriter notstruct;
  notstruct.listHeader(8, 0);
  EXPECT_THAT(errorOf(decodeV1Thrift(notstruct.out)), HasSubstr("not a list of structs"));
  ThriftWriter longstr;
  longstr.listHeader(12, 1).field(11, 3).i32(1000).str("ab");
  EXPECT_THAT(errorOf(decodeV1Thrift(longstr.out)),
              HasSubstr("span 0: string length past the end"));
  ThriftWriter noid;
  noid.listHeader(12, 1).field(10, 1).i64(1).stop();
  EXPECT_THAT(errorOf(decodeV1Thrift(noid.out)), HasSubstr("span 0: missing id"));
  ThriftWriter notrace;
  notrace.listHeader(12, 1).field(10, 4).i64(1).stop();
  EXPECT_THAT(errorOf(decodeV1Thrift(notrace.out)), HasSubstr("span 0: missing trace_id"));
  ThriftWriter badtype;
  badtype.listHeader(12, 1).field(10, 1).i64(1).field(10, 4).i64(1).field(99, 7).stop();
  EXPECT_THAT(errorOf(decodeV1Thrift(badtype.out)), HasSubstr("unknown field type"));
  ThriftWriter deep;
  deep.listHeader(12, 1).field(10, 1).i64(1).field(10, 4).i64(1);
  for (int i = 0; i < 100; ++i) deep.field(12, 30);
  EXPECT_THAT(errorOf(decodeV1Thrift(deep.out)), HasSubstr("nesting too deep"));
  ThriftWriter negtime;
  negtime.listHeader(12, 1).field(10, 1).i64(1).field(10, 4).i64(1);
  negtime.field(15, 6).listHeader(12, 1).annotation(-5, "x", "s").stop();
  EXPECT_THAT(errorOf(decodeV1Thrift(negtime.out)),
              HasSubstr("span 0: annotation timestamp is negative"));
  EXPECT_TRUE(ok(decodeV1Thrift(std::string("\x0c\0\0\0\0", 5))).empty());
}

}  // namespace
}  // namespace sextant::codec::zipkin

// The tracing inputs (zipkin, opentelemetry): spans -> points (DataKit's mapping), the filter
// chain, config and ENV_INPUT_* parsing, request handling on the real captures of
// ../shared/fixtures/tracing, the disk buffer and the extra listener.
#include "agent/inputs/tracing/tracing_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "agent/inputs/opentelemetry/otel_input.h"
#include "agent/inputs/tracing/span_points.h"
#include "agent/inputs/tracing/trace_filter.h"
#include "agent/inputs/zipkin/zipkin_input.h"
#include "codec/compression/compression.h"
#include "core/testing/temp_dir.h"
#include "net/http_client.h"

namespace sextant::agent::inputs::tracing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/tracing/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tag(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t ? t->value : "<absent>";
}

template <typename T>
T field(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) return T{};
  const T* v = std::get_if<T>(&f->value);
  return v ? *v : T{};
}

const model::Point* byResource(const std::vector<model::Point>& pts, std::string_view r) {
  for (const model::Point& p : pts) {
    if (field<std::string>(p, "resource") == r) return &p;
  }
  return nullptr;
}

model::Span span(std::string service, std::string id, std::string parent, std::string name = "op") {
  model::Span s;
  s.trace_id = "00000000000000aa";
  s.span_id = std::move(id);
  s.parent_id = std::move(parent);
  s.name = std::move(name);
  s.local.service = std::move(service);
  s.start_us = 1'700'000'000'000'000;
  s.duration_us = 10;
  return s;
}

class RecordingFeeder final : public Feeder {
 public:
  Status feed(model::Category category, std::vector<model::Point>&& pts,
              const FeedOptions& options) override {
    std::lock_guard<std::mutex> l(mu);
    ++calls;
    if (fail.load()) return Status(StatusCode::kResourceExhausted, "queue full");
    EXPECT_EQ(category, model::Category::kTracing);
    EXPECT_TRUE(options.durable);
    last_input = options.input;
    for (model::Point& p : pts) points.push_back(std::move(p));
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> l(mu);
    errors.emplace_back(message);
  }
  size_t size() {
    std::lock_guard<std::mutex> l(mu);
    return points.size();
  }

  std::mutex mu;
  std::atomic<bool> fail{false};
  int calls = 0;
  std::string last_input;
  std::vector<model::Point> points;
  std::vector<std::string> errors;
};

// ------------------------------------------------------------------ spans -> points

TEST(SpanPoints, SpanTypeFollowsDataKitsBatchRule) {
  std::vector<model::Span> spans = {
      span("a", "0000000000000001", ""),                  // root: entry
      span("a", "0000000000000002", "0000000000000001"),  // same service, has child: local
      span("a", "0000000000000003", "0000000000000002"),  // same service, leaf: exit
      span("b", "0000000000000004", "0000000000000002"),  // other service: entry
      span("a", "0000000000000005", "00000000000000ff"),  // parent not in batch: entry
  };
  std::vector<model::Point> pts;
  spansToPoints(spans, SpanPointOptions{}, 0, &pts);
  ASSERT_EQ(pts.size(), 5u);
  EXPECT_EQ(tag(pts[0], "span_type"), "entry");
  EXPECT_EQ(tag(pts[1], "span_type"), "local");
  EXPECT_EQ(tag(pts[2], "span_type"), "exit");
  EXPECT_EQ(tag(pts[3], "span_type"), "entry");
  EXPECT_EQ(tag(pts[4], "span_type"), "entry");
  EXPECT_EQ(field<std::string>(pts[0], "parent_id"), "0");
}

TEST(SpanPoints, SharedClientServerIdsPickTheParentInTheChildsService) {
  // B3 join: productpage's client span and reviews' server span share id S; reviews' own client
  // span to ratings has parent S and is in reviews: its parent is the reviews server span.
  std::vector<model::Span> spans = {
      span("productpage", "0000000000000001", ""),
      span("productpage", "00000000000000c5", "0000000000000001"),  // client, shared id
      span("reviews", "00000000000000c5", "0000000000000001"),      // server, shared id
      span("reviews", "00000000000000c6", "00000000000000c5"),      // client to ratings
      span("ratings", "00000000000000c6", "00000000000000c5"),      // server, shared id
  };
  spans[1].kind = model::SpanKind::kClient;
  spans[2].kind = model::SpanKind::kServer;
  spans[2].shared = true;
  std::vector<model::Point> pts;
  spansToPoints(spans, SpanPointOptions{}, 0, &pts);
  ASSERT_EQ(pts.size(), 5u);
  EXPECT_EQ(tag(pts[0], "span_type"), "entry");
  EXPECT_EQ(tag(pts[1], "span_type"), "exit");   // no productpage span below it
  EXPECT_EQ(tag(pts[2], "span_type"), "entry");  // parent in productpage
  EXPECT_EQ(tag(pts[3], "span_type"), "exit");   // parent: the reviews server span
  EXPECT_EQ(tag(pts[4], "span_type"), "entry");
}

TEST(SpanPoints, ZipkinV2FixtureMapsAsDataKitDocuments) {
  auto spans = zipkin::decodeV2Request("application/json", fixture("zipkin-js_v2_spans.json"));
  ASSERT_TRUE(spans.isOk()) << spans.status().message();
  SpanPointOptions o;
  o.tags = {{"cluster", "c1"}, {"env", "from-config"}};
  std::vector<model::Point> pts;
  spansToPoints(*spans, o, 0, &pts);
  ASSERT_EQ(pts.size(), 3u);

  const model::Point* root = byResource(pts, "get /checkout");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->category, model::Category::kTracing);
  EXPECT_EQ(root->measurement, "zipkin");
  EXPECT_EQ(tag(*root, "service"), "zk-frontend");
  EXPECT_EQ(tag(*root, "operation"), "get /checkout");
  EXPECT_EQ(tag(*root, "span_type"), "entry");
  EXPECT_EQ(tag(*root, "source"), "zipkin");
  EXPECT_EQ(tag(*root, "source_type"), "custom");
  EXPECT_EQ(tag(*root, "status"), "ok");
  EXPECT_EQ(tag(*root, "http_path"), "/checkout");  // "http.path" with '.' -> '_'
  EXPECT_EQ(tag(*root, "http_method"), "GET");
  EXPECT_EQ(tag(*root, "cluster"), "c1");
  EXPECT_EQ(field<std::string>(*root, "trace_id"), "ea9ab6c2140ad42c7fbe5cea58b3732b");
  EXPECT_EQ(field<std::string>(*root, "span_id"), "7fbe5cea58b3732b");
  EXPECT_EQ(field<std::string>(*root, "parent_id"), "0");
  EXPECT_EQ(field<int64_t>(*root, "start"), 1795271747179645);
  EXPECT_EQ(field<int64_t>(*root, "duration"), 55134);
  EXPECT_EQ(root->time_ns, 1795271747179645LL * 1000);
  // message: the span as Zipkin v2 JSON.
  simdjson::dom::parser parser;
  simdjson::dom::element msg;
  ASSERT_EQ(parser.parse(field<std::string>(*root, "message")).get(msg), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(msg["id"]), "7fbe5cea58b3732b");
  EXPECT_EQ(std::string_view(msg["localEndpoint"]["serviceName"]), "zk-frontend");

  const model::Point* pay = byResource(pts, "post /api/pay");
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(tag(*pay, "status"), "error");
  EXPECT_EQ(tag(*pay, "span_type"), "exit");
  EXPECT_EQ(tag(*pay, "http_status_code"), "500");
  EXPECT_EQ(field<std::string>(*pay, "error_message"), "payment backend returned 500");

  const model::Point* compute = byResource(pts, "compute-total");
  ASSERT_NE(compute, nullptr);
  EXPECT_EQ(tag(*compute, "service"), "zipkin_v2_unknow_service");  // DataKit's spelling
  EXPECT_EQ(tag(*compute, "span_type"), "entry");
}

TEST(SpanPoints, V1TakesResourceFromPathHttpAndNamesItsUnknownService) {
  model::Span s = span("", "0000000000000001", "");
  s.format = model::SpanFormat::kZipkinV1Json;
  s.name = "get";
  s.tags.push_back({"path.http", "/api/items"});
  model::Span t = s;
  t.format = model::SpanFormat::kZipkinV1Thrift;
  t.span_id = "0000000000000002";
  std::vector<model::Point> pts;
  spansToPoints({s, t}, SpanPointOptions{}, 0, &pts);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(field<std::string>(pts[0], "resource"), "/api/items");
  EXPECT_EQ(tag(pts[0], "operation"), "get");
  EXPECT_EQ(tag(pts[0], "service"), "zipkin_v1_unknown_service");
  EXPECT_EQ(tag(pts[1], "service"), "zipkin_core_v1_unknown_service");
}

TEST(SpanPoints, IgnoreTagsDelMessageAndSpanTagsOverConfigTags) {
  model::Span s = span("svc", "0000000000000001", "");
  s.tags = {{"env", "prod"}, {"secret.token", "x"}, {"version", "v2"}};
  SpanPointOptions o;
  o.tags = {{"env", "config"}, {"team", "core"}};
  o.ignore_tags.push_back(std::make_shared<const re2::RE2>("^secret"));
  o.del_message = true;
  std::vector<model::Point> pts;
  spansToPoints({s}, o, 0, &pts);
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(tag(pts[0], "env"), "prod");
  EXPECT_EQ(tag(pts[0], "team"), "core");
  EXPECT_EQ(tag(pts[0], "version"), "v2");
  EXPECT_EQ(tag(pts[0], "secret_token"), "<absent>");
  EXPECT_EQ(pts[0].findField("message"), nullptr);
}

TEST(SpanPoints, SpanWithoutStartGetsTheReceiveTime) {
  model::Span s = span("svc", "0000000000000001", "");
  s.start_us = 0;
  std::vector<model::Point> pts;
  spansToPoints({s}, SpanPointOptions{}, 1'800'000'000'123'456'789, &pts);
  EXPECT_EQ(field<int64_t>(pts[0], "start"), 1'800'000'000'123'456);
  EXPECT_EQ(pts[0].time_ns, 1'800'000'000'123'456'000);
}

TEST(SpanPoints, OtlpFixtureGetsCanonicalTagsAndCustomerTags) {
  auto spans = opentelemetry::decodeTracesRequest("application/x-protobuf",
                                                  fixture("otel-js_otlp_traces.pb"));
  ASSERT_TRUE(spans.isOk()) << spans.status().message();
  SpanPointOptions o;
  o.source = "opentelemetry";
  o.all_span_tags = false;
  o.customer_tags = {"user.id"};
  o.customer_tag_res.push_back(std::make_shared<const re2::RE2>("^peer\\."));
  std::vector<model::Point> pts;
  spansToPoints(*spans, o, 0, &pts);
  ASSERT_EQ(pts.size(), 3u);
  const model::Point* root = byResource(pts, "GET /checkout");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->measurement, "opentelemetry");
  EXPECT_EQ(tag(*root, "service"), "otel-otlp-proto-svc");
  EXPECT_EQ(tag(*root, "version"), "1.2.3");
  EXPECT_EQ(tag(*root, "env"), "test");
  EXPECT_EQ(tag(*root, "source_type"), "web");
  EXPECT_EQ(tag(*root, "http_method"), "GET");
  EXPECT_EQ(tag(*root, "http_route"), "/checkout");
  EXPECT_EQ(tag(*root, "http_status_code"), "200");  // an int attribute, as a string
  EXPECT_EQ(tag(*root, "user_id"), "42");            // customer tag
  EXPECT_EQ(tag(*root, "span_type"), "entry");
  const model::Point* db = byResource(pts, "SELECT orders");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(tag(*db, "source_type"), "db");
  EXPECT_EQ(tag(*db, "db_system"), "mysql");
  EXPECT_EQ(tag(*db, "peer_service"), "mysql");     // "reg:" customer tag
  EXPECT_EQ(tag(*db, "db_statement"), "<absent>");  // not promoted
  EXPECT_EQ(tag(*db, "span_type"), "exit");
  const model::Point* pay = byResource(pts, "POST /api/pay");
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(tag(*pay, "status"), "error");
  EXPECT_EQ(field<std::string>(*pay, "error_message"), "payment backend returned 500");
  EXPECT_EQ(tag(*pay, "http_status_code"), "500");
}

// ------------------------------------------------------------------ filters

model::Point tracePoint(std::string trace_id, std::string service, std::string resource,
                        std::string status = "ok", std::string span_type = "entry") {
  model::Point p;
  p.category = model::Category::kTracing;
  p.measurement = "zipkin";
  p.addTag("service", std::move(service));
  p.addTag("status", std::move(status));
  p.addTag("span_type", std::move(span_type));
  p.addTag("source_type", "custom");
  p.addField("trace_id", std::move(trace_id));
  p.addField("resource", std::move(resource));
  return p;
}

std::vector<std::string> traceIds(const std::vector<model::Point>& pts) {
  std::vector<std::string> out;
  for (const model::Point& p : pts) out.push_back(field<std::string>(p, "trace_id"));
  return out;
}

TEST(TraceFilter, UnifyTraceIdAsDataKit) {
  EXPECT_EQ(unifyTraceId("12345"), 12345u);
  EXPECT_EQ(unifyTraceId("ff"), 255u);
  EXPECT_EQ(unifyTraceId("7fbe5cea58b3732b"), 0x7fbe5cea58b3732bull);
  // 32 hex digits overflow: the hex encoding of the last 8 characters ("58b3732b").
  EXPECT_EQ(unifyTraceId("ea9ab6c2140ad42c7fbe5cea58b3732b"), 0x3538623337333262ull);
}

TEST(TraceFilter, CloseResourceDropsTheWholeTrace) {
  TraceFilterOptions o;
  o.close_resource["api"].push_back(std::make_shared<const re2::RE2>("^/health"));
  o.close_resource["*"].push_back(std::make_shared<const re2::RE2>("metrics$"));
  TraceFilter f(o, [] { return int64_t{0}; });
  std::vector<model::Point> pts = {
      tracePoint("1", "api", "/healthz"), tracePoint("1", "db", "select", "ok", "exit"),
      tracePoint("2", "web", "/api/metrics"), tracePoint("3", "web", "/healthz"),
      tracePoint("4", "api", "/items")};
  f.apply(&pts);
  EXPECT_THAT(traceIds(pts), ElementsAre("3", "4"));
  EXPECT_EQ(f.stats().closed, 2u);
  EXPECT_EQ(f.stats().traces_in, 4u);
}

TEST(TraceFilter, SamplerKeepsErrorsAndRareResources) {
  TraceFilterOptions o;
  o.sampler = true;
  o.sampling_rate = 0;  // keeps only ids with id % 10000 == 0
  TraceFilter f(o, [] { return int64_t{0}; });
  std::vector<model::Point> pts = {tracePoint("10000", "a", "/x"), tracePoint("10001", "a", "/x"),
                                   tracePoint("10002", "a", "/x", "error")};
  f.apply(&pts);
  EXPECT_THAT(traceIds(pts), ElementsAre("10000", "10002"));
  EXPECT_EQ(f.stats().sampled_out, 1u);
  EXPECT_EQ(f.stats().kept_for_error, 1u);
  EXPECT_NE(pts[0].findField("dk_sampling_rate"), nullptr);

  // omit_err_status: a 404 error does not force the trace through.
  o.omit_err_status = {"404"};
  TraceFilter g(o, [] { return int64_t{0}; });
  std::vector<model::Point> more = {tracePoint("20001", "a", "/x", "error")};
  more[0].addTag("http_status_code", "404");
  g.apply(&more);
  EXPECT_TRUE(more.empty());

  // keep_rare_resource: the first trace of a resource in an hour passes the sampler.
  int64_t now = 0;
  o.omit_err_status.clear();
  o.keep_rare_resource = true;
  TraceFilter h(o, [&] { return now; });
  std::vector<model::Point> a = {tracePoint("30001", "a", "/rare")};
  h.apply(&a);
  EXPECT_EQ(a.size(), 1u);
  std::vector<model::Point> b = {tracePoint("30003", "a", "/rare")};
  now += 60LL * 1000 * 1000 * 1000;
  h.apply(&b);
  EXPECT_TRUE(b.empty());  // seen a minute ago: sampled (out)
  std::vector<model::Point> c = {tracePoint("30005", "a", "/rare")};
  now += 2 * 3600LL * 1000 * 1000 * 1000;
  h.apply(&c);
  EXPECT_EQ(c.size(), 1u);  // not seen for an hour: rare again
  EXPECT_EQ(h.stats().kept_as_rare, 2u);
}

// ------------------------------------------------------------------ config

Result<std::unique_ptr<Input>> makeInput(const std::string& name, const std::string& toml,
                                         const InputEnv& env) {
  auto doc = config::ConfigTable::parse(toml, "conf.d/" + name + ".conf");
  if (!doc.isOk()) return doc.status();
  auto inputs = doc->table("inputs");
  if (!inputs.isOk() || !*inputs) return invalidArgument("no [inputs]");
  auto tables = (**inputs).tableArray(name);
  if (!tables.isOk()) return tables.status();
  const InputFactory* f = findInput(name);
  if (f == nullptr) return invalidArgument("no input " + name);
  return f->create(tables->front(), env);
}

InputEnv testEnv(Feeder* feeder, std::string install_dir = "") {
  InputEnv env;
  env.feeder = feeder;
  env.now_ns = [] { return int64_t{1'800'000'000'000'000'000}; };
  env.install_dir = std::move(install_dir);
  return env;
}

TEST(TracingConfig, SeedZipkinConfLoadsAndServesItsPaths) {
  // ../shared/seeds: the zipkin.conf of the Rancher guide, unchanged.
  const std::string seed = R"([[inputs.zipkin]]
        pathV1 = "/api/v1/spans"
        pathV2 = "/api/v2/spans"
        customer_tags = ["project","version","env"]
)";
  RecordingFeeder feeder;
  auto in = makeInput("zipkin", seed, testEnv(&feeder));
  ASSERT_TRUE(in.isOk()) << in.status().message();
  EXPECT_EQ((*in)->category(), model::Category::kTracing);
  std::vector<std::string> paths;
  for (const InputRoute& r : (*in)->routes()) paths.push_back(r.method + " " + r.path);
  EXPECT_THAT(paths, ElementsAre("POST /api/v1/spans", "POST /api/v2/spans"));
}

TEST(TracingConfig, EnvOverridesAndErrorsNameTheKey) {
  RecordingFeeder feeder;
  InputEnv env = testEnv(&feeder);
  env.env = {{"PATH_V2", "/custom/v2"},
             {"SAMPLER", "0.5"},
             {"CLOSE_RESOURCE", R"({"api":["^/health"]})"},
             {"TAGS", R"({"cluster":"c9"})"},
             {"IGNORE_TAGS", R"(["^secret"])"}};
  auto in = makeInput("zipkin", "[[inputs.zipkin]]\n", env);
  ASSERT_TRUE(in.isOk()) << in.status().message();
  std::vector<std::string> paths;
  for (const InputRoute& r : (*in)->routes()) paths.push_back(r.path);
  EXPECT_THAT(paths, ElementsAre("/api/v1/spans", "/custom/v2"));

  env.env = {{"SAMPLER", "lots"}};
  auto bad = makeInput("zipkin", "[[inputs.zipkin]]\n", env);
  ASSERT_FALSE(bad.isOk());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("ENV_INPUT_ZIPKIN_SAMPLER"));

  auto bad_re =
      makeInput("zipkin", "[[inputs.zipkin]]\n  ignore_tags = [\"(\"]\n", testEnv(&feeder));
  ASSERT_FALSE(bad_re.isOk());
  EXPECT_THAT(bad_re.status().message(), ::testing::HasSubstr("zipkin.conf:2"));
  EXPECT_THAT(bad_re.status().message(), ::testing::HasSubstr("ignore_tags"));

  auto bad_rate = makeInput("zipkin",
                            "[[inputs.zipkin]]\n  [inputs.zipkin.sampler]\n"
                            "    sampling_rate = 3.0\n",
                            testEnv(&feeder));
  ASSERT_FALSE(bad_rate.isOk());
  EXPECT_THAT(bad_rate.status().message(), ::testing::HasSubstr("sampling_rate"));
}

// ------------------------------------------------------------------ requests

net::HttpRequest post(std::string content_type, std::string body, std::string encoding = "") {
  net::HttpRequest r;
  r.method = "POST";
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
  if (!encoding.empty()) r.headers.emplace_back("Content-Encoding", std::move(encoding));
  return r;
}

TracingInput* asTracing(std::unique_ptr<Input>& in) { return static_cast<TracingInput*>(in.get()); }

TEST(TracingInput, EveryZipkinEncodingOfTheFixturesIsFed) {
  RecordingFeeder feeder;
  auto in = makeInput("zipkin", "[[inputs.zipkin]]\n", testEnv(&feeder));
  ASSERT_TRUE(in.isOk());
  TracingInput* t = asTracing(*in);
  struct Case {
    size_t route;
    const char* content_type;
    const char* file;
  };
  const Case cases[] = {{0, "application/json", "zipkin-js_v1_spans.json"},
                        {0, "application/x-thrift", "zipkin-js_v1_spans.thrift"},
                        {1, "application/json", "zipkin-js_v2_spans.json"},
                        {1, "application/json; charset=utf-8", "otel-js_zipkin_v2_spans.json"},
                        {1, "application/x-protobuf", "zipkin_v2_spans.proto3.pb"}};
  for (const Case& c : cases) {
    size_t before = feeder.size();
    net::HttpResponse r = t->handle(c.route, post(c.content_type, fixture(c.file)));
    EXPECT_EQ(r.status, 200) << c.file << ": " << r.body;
    EXPECT_EQ(r.body, "");
    EXPECT_GT(feeder.size(), before) << c.file;
  }
  EXPECT_EQ(feeder.last_input, "zipkin");
  // gzip, as Content-Encoding.
  std::string gz =
      codec::compress(fixture("zipkin-js_v2_spans.json"), codec::ContentEncoding::kGzip, -1);
  size_t before = feeder.size();
  EXPECT_EQ(t->handle(1, post("application/json", gz, "gzip")).status, 200);
  EXPECT_EQ(feeder.size(), before + 3);
  for (const model::Point& p : feeder.points) {
    EXPECT_EQ(p.measurement, "zipkin");
    EXPECT_FALSE(field<std::string>(p, "trace_id").empty());
    EXPECT_GT(field<int64_t>(p, "start"), 1'700'000'000'000'000);  // µs for v1 and v2 alike
  }
}

TEST(TracingInput, BadRequestsGetDataKitsEnvelopeAndAreCounted) {
  RecordingFeeder feeder;
  auto in = makeInput("zipkin", "[[inputs.zipkin]]\n", testEnv(&feeder));
  ASSERT_TRUE(in.isOk());
  TracingInput* t = asTracing(*in);
  net::HttpResponse r = t->handle(1, post("text/xml", "<spans/>"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, ::testing::HasSubstr("\"error_code\":\"datakit.badRequest\""));
  EXPECT_THAT(r.body, ::testing::HasSubstr("text/xml"));
  EXPECT_EQ(t->handle(1, post("application/json", "[{\"traceId\":")).status, 400);
  EXPECT_EQ(t->handle(1, post("application/x-protobuf", "\xff\xff\xff")).status, 400);
  EXPECT_EQ(t->handle(1, post("application/json", "not gzip", "gzip")).status, 400);
  EXPECT_EQ(t->handle(1, post("application/json", "[]", "compress")).status, 400);
  EXPECT_EQ(t->stats().bad_requests, 5u);
  EXPECT_EQ(feeder.errors.size(), 5u);
  EXPECT_EQ(feeder.size(), 0u);
  // A full agent: 503, nothing lost silently.
  feeder.fail = true;
  r = t->handle(1, post("application/json", fixture("zipkin-js_v2_spans.json")));
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, ::testing::HasSubstr("datakit.queueFull"));
  EXPECT_EQ(t->stats().feed_failures, 1u);
}

TEST(TracingInput, OpenTelemetryRoutesTakeProtobufJsonAndGzip) {
  RecordingFeeder feeder;
  auto in =
      makeInput("opentelemetry", "[[inputs.opentelemetry]]\n  customer_tags = [\"user.id\"]\n",
                testEnv(&feeder));
  ASSERT_TRUE(in.isOk()) << in.status().message();
  std::vector<std::string> paths;
  for (const InputRoute& r : (*in)->routes()) paths.push_back(r.path);
  EXPECT_THAT(paths, ElementsAre("/otel/v1/traces", "/v1/traces"));
  TracingInput* t = asTracing(*in);
  EXPECT_EQ(t->handle(0, post("application/x-protobuf", fixture("otel-js_otlp_traces.pb"))).status,
            200);
  EXPECT_EQ(t->handle(1, post("application/json", fixture("otel-js_otlp_traces.json"))).status,
            200);
  EXPECT_EQ(
      t->handle(0, post("application/x-protobuf", fixture("otel-js_otlp_traces.pb.gz"), "gzip"))
          .status,
      200);
  EXPECT_EQ(feeder.size(), 9u);
  EXPECT_EQ(feeder.last_input, "opentelemetry");
  std::map<std::string, int> services;
  for (const model::Point& p : feeder.points) {
    EXPECT_EQ(p.measurement, "opentelemetry");
    ++services[tag(p, "service")];
  }
  // The .pb and .pb.gz captures come from the proto exporter, the .json one from the JSON one.
  EXPECT_EQ(services["otel-otlp-proto-svc"], 6);
  EXPECT_EQ(services["otel-otlp-http-svc"], 3);
  EXPECT_EQ(t->handle(0, post("text/plain", "x")).status, 400);
}

TEST(TracingInput, DiskBufferAnswersAtOnceAndDeliversWhenUpstreamRecovers) {
  testing::TempDir dir;
  RecordingFeeder feeder;
  feeder.fail = true;  // upstream slow: every feed fails for now
  const std::string conf =
      "[[inputs.zipkin]]\n  [inputs.zipkin.storage]\n    path = \"zipkin_storage\"\n"
      "    capacity = 64\n";
  {
    auto in = makeInput("zipkin", conf, testEnv(&feeder, dir.path()));
    ASSERT_TRUE(in.isOk()) << in.status().message();
    ASSERT_TRUE((*in)->start().isOk());
    TracingInput* t = asTracing(*in);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(t->handle(1, post("application/json", fixture("zipkin-js_v2_spans.json"))).status,
                200);
    }
    // A bad body is still refused up front.
    EXPECT_EQ(t->handle(1, post("application/json", "{")).status, 400);
    EXPECT_EQ(t->stats().buffered, 3u);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(feeder.size(), 0u);
    (*in)->stop();  // the agent restarts before upstream recovers
  }
  feeder.fail = false;
  auto in = makeInput("zipkin", conf, testEnv(&feeder, dir.path()));
  ASSERT_TRUE(in.isOk());
  ASSERT_TRUE((*in)->start().isOk());
  for (int i = 0; i < 200 && feeder.size() < 9; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_EQ(feeder.size(), 9u);  // every buffered request, once
  (*in)->stop();
}

TEST(TracingInput, ExtraListenerServesTheSameRoutes) {
  RecordingFeeder feeder;
  auto in =
      makeInput("zipkin", "[[inputs.zipkin]]\n  listen = \"127.0.0.1:0\"\n", testEnv(&feeder));
  ASSERT_TRUE(in.isOk()) << in.status().message();
  ASSERT_TRUE((*in)->start().isOk());
  TracingInput* t = asTracing(*in);
  ASSERT_FALSE(t->listenAddress().empty());
  auto client = net::makeHttpClient();
  net::ClientRequest req;
  req.method = "POST";
  req.url = "http://" + t->listenAddress() + "/api/v2/spans";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = fixture("zipkin-js_v2_spans.json");
  auto resp = client->send(req);
  ASSERT_TRUE(resp.isOk()) << resp.status().message();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(feeder.size(), 3u);
  (*in)->stop();
}

}  // namespace
}  // namespace sextant::agent::inputs::tracing

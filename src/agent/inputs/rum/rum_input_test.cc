// The rum input: every capture of ../shared/fixtures/rum replayed into the handler (counts and
// key tags derived here from the fixture text), deflate, JSON sniffing, the RUM checks and their
// DataKit errors, client IP precedence and geo tags from a test IP database, CDN providers, the
// per-IP limit and body caps, config parsing, and the session-replay queue forwarded to a fake
// DataWay, also after DataWay was down and across an input restart.
#include "agent/inputs/rum/rum_input.h"

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

#include "codec/compression/compression.h"
#include "core/testing/temp_dir.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace sextant::agent::inputs::rum {
namespace {

using ::testing::HasSubstr;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/rum/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A request as captured: method, path and query, headers from <name>.request.json.
net::HttpRequest capturedRequest(const std::string& name, std::string body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(fixture(name + ".request.json"));
  net::HttpRequest req;
  req.method = std::string(std::string_view(doc["method"]));
  req.target = std::string(std::string_view(doc["path"]));
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = net::parseQuery(req.target.substr(q + 1));
  for (simdjson::dom::element h : doc["headers"].get_array()) {
    req.headers.emplace_back(std::string(std::string_view(h.at(0))),
                             std::string(std::string_view(h.at(1))));
  }
  req.body = std::move(body);
  req.remote_ip = "198.51.100.20";
  return req;
}

// Measurement of each record of a line-protocol body: the lines that start a record
// ("<measurement>,sdk_name=..."); continuation lines of multi-line strings do not.
std::map<std::string, size_t> recordsPerMeasurement(const std::string& lp) {
  std::map<std::string, size_t> out;
  std::istringstream in(lp);
  std::string line;
  while (std::getline(in, line)) {
    size_t n = 0;
    while (n < line.size() && ((line[n] >= 'a' && line[n] <= 'z') || line[n] == '_')) ++n;
    if (n > 0 && line.compare(n, 10, ",sdk_name=") == 0) ++out[line.substr(0, n)];
  }
  return out;
}

std::string tag(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t ? t->value : "<absent>";
}

std::string stringField(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) return "<absent>";
  const std::string* s = std::get_if<std::string>(&f->value);
  return s ? *s : "<not a string>";
}

class RecordingFeeder final : public Feeder {
 public:
  Status feed(model::Category category, std::vector<model::Point>&& pts,
              const FeedOptions& options) override {
    std::lock_guard<std::mutex> l(mu);
    ++calls;
    EXPECT_EQ(category, model::Category::kRum);
    EXPECT_TRUE(options.durable);
    last_input = options.input;
    if (fail) return Status(StatusCode::kResourceExhausted, "queue full");
    for (model::Point& p : pts) points.push_back(std::move(p));
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> l(mu);
    errors.emplace_back(message);
  }
  std::map<std::string, size_t> perMeasurement() {
    std::lock_guard<std::mutex> l(mu);
    std::map<std::string, size_t> out;
    for (const model::Point& p : points) ++out[p.measurement];
    return out;
  }

  std::mutex mu;
  int calls = 0;
  bool fail = false;
  std::string last_input;
  std::vector<model::Point> points;
  std::vector<std::string> errors;
};

InputEnv testEnv(Feeder* feeder, std::string install_dir = "") {
  InputEnv env;
  env.feeder = feeder;
  env.now_ns = [] { return int64_t{1'795'271'900'000'000'000}; };
  env.install_dir = std::move(install_dir);
  return env;
}

std::unique_ptr<RumInput> makeInput(RumConfig c, const InputEnv& env) {
  auto in = RumInput::create(std::move(c), env);
  EXPECT_TRUE(in.isOk()) << in.status().message();
  return in.isOk() ? std::move(*in) : nullptr;
}

RumConfig noLimit() {
  RumConfig c;
  c.rate_limit = 0;
  return c;
}

std::string errorCode(const net::HttpResponse& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(r.body).get(doc) != simdjson::SUCCESS) return "<not json: " + r.body + ">";
  std::string_view code;
  if (doc["error_code"].get(code) != simdjson::SUCCESS) return "<no error_code>";
  return std::string(code);
}

// ------------------------------------------------------------------ fixtures

struct LpFixture {
  std::string name;     // request capture
  std::string body;     // as sent
  std::string lp_text;  // the line protocol inside
};

std::vector<LpFixture> lpFixtures() {
  return {
      {"guance-rum_lineproto_batch1", fixture("guance-rum_lineproto_batch1.txt"),
       fixture("guance-rum_lineproto_batch1.txt")},
      {"guance-rum_lineproto_pageexit", fixture("guance-rum_lineproto_pageexit.txt"),
       fixture("guance-rum_lineproto_pageexit.txt")},
      {"guance-rum_deflate_batch1", fixture("guance-rum_deflate_batch1.zlib"),
       fixture("guance-rum_deflate_batch1.decoded.txt")},
  };
}

TEST(RumFixtures, LineProtocolCapturesYieldOnePointPerRecord) {
  for (const LpFixture& f : lpFixtures()) {
    SCOPED_TRACE(f.name);
    ASSERT_FALSE(f.body.empty());
    std::map<std::string, size_t> expected = recordsPerMeasurement(f.lp_text);
    ASSERT_FALSE(expected.empty());
    RecordingFeeder feeder;
    auto in = makeInput(noLimit(), testEnv(&feeder));
    net::HttpRequest req = capturedRequest(f.name, f.body);
    net::HttpResponse resp = in->handleWrite(req);
    ASSERT_EQ(resp.status, 200) << resp.body;
    EXPECT_EQ(feeder.perMeasurement(), expected);
    EXPECT_EQ(feeder.last_input, "rum");
    for (const model::Point& p : feeder.points) {
      EXPECT_EQ(p.category, model::Category::kRum);
      EXPECT_EQ(tag(p, "app_id"), "rc_test_app");
      EXPECT_EQ(tag(p, "sdk_name"), "df_web_rum_sdk");
      EXPECT_EQ(tag(p, "ip"), "198.51.100.20");  // no proxy header: the peer
      EXPECT_EQ(tag(p, "country"), "unknown");   // no IP database
      EXPECT_EQ(tag(p, "city"), "unknown");
      EXPECT_EQ(tag(p, "province"), "unknown");
      EXPECT_EQ(tag(p, "isp"), "unknown");
      // precision=ms: the SDK's millisecond dates (2026-11) scaled to ns.
      EXPECT_EQ(p.time_ns % 1'000'000, 0);
      EXPECT_GT(p.time_ns, int64_t{1'795'000'000'000'000'000});
      EXPECT_LT(p.time_ns, int64_t{1'796'000'000'000'000'000});
      if (p.measurement == "resource") {
        // resource_url_host 127.0.0.1 is the page's own host (view_host 127.0.0.1:18080).
        EXPECT_EQ(stringField(p, "provider_type"), "first-party");
        EXPECT_EQ(stringField(p, "provider_name"), "unknown");
      } else {
        EXPECT_EQ(p.findField("provider_type"), nullptr);
      }
    }
  }
}

TEST(RumFixtures, MultiLineStringsAndEscapedTagsSurvive) {
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  net::HttpRequest req =
      capturedRequest("guance-rum_lineproto_batch1", fixture("guance-rum_lineproto_batch1.txt"));
  ASSERT_EQ(in->handleWrite(req).status, 200);
  bool found = false;
  for (const model::Point& p : feeder.points) {
    if (p.measurement == "error" && tag(p, "error_source") == "console") {
      found = true;
      EXPECT_EQ(stringField(p, "error_message"), "rc console error {\n  \"a\": 1\n}");
      // view_url=...?traceType\=zipkin&replay\=1 in the tag set.
      EXPECT_EQ(tag(p, "view_url"), "http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1");
    }
  }
  EXPECT_TRUE(found);
}

TEST(RumFixtures, DeflateBodyIsTheDecodedText) {
  // The capture's .zlib is what the SDK sent with ?encoding=deflate; .decoded.txt its content.
  auto inflated = codec::decompress(fixture("guance-rum_deflate_batch1.zlib"),
                                    codec::ContentEncoding::kDeflate, 1 << 20);
  ASSERT_TRUE(inflated.isOk()) << inflated.status().message();
  EXPECT_EQ(*inflated, fixture("guance-rum_deflate_batch1.decoded.txt"));
  // The same body without ?encoding= is not line protocol: 400, nothing fed.
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  net::HttpRequest req =
      capturedRequest("guance-rum_deflate_batch1", fixture("guance-rum_deflate_batch1.zlib"));
  std::erase_if(req.query, [](const auto& kv) { return kv.first == "encoding"; });
  net::HttpResponse resp = in->handleWrite(req);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(feeder.calls, 0);
  // A corrupt deflate body is a decode error.
  net::HttpRequest corrupt = capturedRequest("guance-rum_deflate_batch1", "not zlib at all");
  resp = in->handleWrite(corrupt);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(errorCode(resp), "datakit.decodeBodyFailed");
  EXPECT_GE(in->stats().bad_requests, 2u);
}

TEST(RumFixtures, JsonBodySentAsTextPlainIsSniffed) {
  const std::string body = fixture("guance-rum_json_batch1.json");
  simdjson::dom::parser parser;
  simdjson::dom::array arr = parser.parse(body).get_array();
  std::map<std::string, size_t> expected;
  std::string first_session;
  int64_t first_time = 0;
  for (simdjson::dom::element e : arr) {
    ++expected[std::string(std::string_view(e["measurement"]))];
    if (first_session.empty()) {
      first_session = std::string(std::string_view(e["tags"]["session_id"]));
      first_time = int64_t(e["time"]);
    }
  }
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  net::HttpRequest req = capturedRequest("guance-rum_json_batch1", body);
  ASSERT_EQ(req.header("Content-Type"), "text/plain;charset=UTF-8");
  net::HttpResponse resp = in->handleWrite(req);
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(feeder.perMeasurement(), expected);
  ASSERT_FALSE(feeder.points.empty());
  EXPECT_EQ(tag(feeder.points[0], "session_id"), first_session);
  EXPECT_EQ(feeder.points[0].time_ns, first_time * 1'000'000);
  EXPECT_EQ(stringField(feeder.points[0], "team"), "rc");
}

TEST(RumFixtures, DeflatedJsonIsSniffedAfterDecompression) {
  const std::string json = fixture("guance-rum_json_batch1.json");
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  net::HttpRequest req = capturedRequest("guance-rum_json_batch1", "");
  req.body = codec::compress(json, codec::ContentEncoding::kDeflate);
  req.query.emplace_back("encoding", "deflate");
  net::HttpResponse resp = in->handleWrite(req);
  ASSERT_EQ(resp.status, 200) << resp.body;
  simdjson::dom::parser parser;
  EXPECT_EQ(feeder.points.size(), parser.parse(json).get_array().size());
}

TEST(RumFixtures, ServedOverHttpThroughItsRoutes) {
  // The input's routes on a real server: the deflate capture posted as the SDK does.
  RecordingFeeder feeder;
  testing::TempDir dir;
  auto in = makeInput(noLimit(), testEnv(&feeder, dir.path()));
  ASSERT_TRUE(in->start().isOk());
  net::Router router;
  for (InputRoute& r : in->routes()) router.add(r.method, r.path, std::move(r.handler));
  net::HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  net::HttpServer server(std::move(o), std::move(router));
  ASSERT_TRUE(server.start().isOk());
  auto client = net::makeHttpClient();
  net::ClientRequest cr;
  cr.method = "POST";
  cr.url = "http://127.0.0.1:" + std::to_string(server.port()) +
           "/v1/write/rum?precision=ms&encoding=deflate";
  cr.headers = {{"Content-Type", "text/plain"}, {"X-Forwarded-For", "203.0.113.9"}};
  cr.body = fixture("guance-rum_deflate_batch1.zlib");
  auto resp = client->send(cr);
  ASSERT_TRUE(resp.isOk()) << resp.status().message();
  EXPECT_EQ(resp->status, 200) << resp->body;
  EXPECT_EQ(feeder.perMeasurement(),
            recordsPerMeasurement(fixture("guance-rum_deflate_batch1.decoded.txt")));
  ASSERT_FALSE(feeder.points.empty());
  EXPECT_EQ(tag(feeder.points[0], "ip"), "203.0.113.9");

  // sendBeacon-style: no Content-Type at all is line protocol.
  feeder.points.clear();
  cr.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/write/rum?precision=ms";
  cr.headers = {};
  cr.body = fixture("guance-rum_lineproto_pageexit.txt");
  resp = client->send(cr);
  ASSERT_TRUE(resp.isOk());
  EXPECT_EQ(resp->status, 200) << resp->body;
  EXPECT_EQ(feeder.perMeasurement(),
            recordsPerMeasurement(fixture("guance-rum_lineproto_pageexit.txt")));
  server.stop();
  in->stop();
}

// ------------------------------------------------------------------ checks

net::HttpRequest lpRequest(std::string body) {
  net::HttpRequest req;
  req.method = "POST";
  req.path = "/v1/write/rum";
  req.query = {{"precision", "ms"}};
  req.headers = {{"Content-Type", "text/plain;charset=UTF-8"}};
  req.body = std::move(body);
  req.remote_ip = "198.51.100.20";
  return req;
}

TEST(RumChecks, MissingAppIdIsRejected) {
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  net::HttpRequest req = lpRequest(
      "view,app_id=a1,session_id=s loading_time=1 1795271877178\n"
      "action,session_id=s duration=2 1795271877179\n");
  net::HttpResponse resp = in->handleWrite(req);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(errorCode(resp), "datakit.invalidKey");
  EXPECT_THAT(resp.body, HasSubstr("app_id"));
  EXPECT_TRUE(feeder.points.empty());  // the whole request is rejected
  EXPECT_EQ(in->stats().bad_requests, 1u);
  EXPECT_EQ(feeder.errors.size(), 1u);
  // An app_id field (not a tag) is accepted, as DataKit's p.Get.
  net::HttpRequest as_field = lpRequest("view,session_id=s app_id=\"a1\",x=1 1795271877178\n");
  EXPECT_EQ(in->handleWrite(as_field).status, 200);
  EXPECT_EQ(feeder.points.size(), 1u);
}

TEST(RumChecks, AppIdWhiteList) {
  RecordingFeeder feeder;
  InputEnv env = testEnv(&feeder);
  env.rum_app_id_white_list = {"allowed_app", "other"};
  auto in = makeInput(noLimit(), env);
  net::HttpRequest ok = lpRequest("view,app_id=allowed_app x=1 1795271877178\n");
  EXPECT_EQ(in->handleWrite(ok).status, 200);
  net::HttpRequest denied = lpRequest(
      "view,app_id=allowed_app x=1 1795271877178\nview,app_id=intruder x=1 1795271877178\n");
  net::HttpResponse resp = in->handleWrite(denied);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(errorCode(resp), "datakit.RUMApp_idNotInTheWhiteList");
  EXPECT_EQ(feeder.points.size(), 1u);  // only the first request's
  EXPECT_EQ(in->stats().not_allowed, 1u);
  // The fixture's app is not in this list either.
  net::HttpRequest fx =
      capturedRequest("guance-rum_lineproto_batch1", fixture("guance-rum_lineproto_batch1.txt"));
  EXPECT_EQ(in->handleWrite(fx).status, 403);
}

TEST(RumChecks, UnknownMeasurementIsDataKitsError) {
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  // `session` is computed server-side: the agent rejects it, as DataKit.
  net::HttpRequest req = lpRequest("session,app_id=a x=1 1795271877178\n");
  net::HttpResponse resp = in->handleWrite(req);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(errorCode(resp), "datakit.unknownRUMMeasurement");
  EXPECT_THAT(resp.body, HasSubstr("unknown RUM measurement: session"));
  EXPECT_TRUE(feeder.points.empty());

  // The measurements option replaces the list.
  RumConfig c = noLimit();
  c.measurements = {"view", "session"};
  auto in2 = makeInput(c, testEnv(&feeder));
  net::HttpRequest again = lpRequest("session,app_id=a x=1 1795271877178\n");
  EXPECT_EQ(in2->handleWrite(again).status, 200);
  net::HttpRequest error = lpRequest("error,app_id=a x=1 1795271877178\n");
  EXPECT_EQ(in2->handleWrite(error).status, 400);
}

TEST(RumChecks, FeedFailuresAreNotTheClientsFault) {
  RecordingFeeder feeder;
  feeder.fail = true;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  net::HttpRequest req = lpRequest("view,app_id=a x=1 1795271877178\n");
  net::HttpResponse resp = in->handleWrite(req);
  EXPECT_EQ(resp.status, 503);
  EXPECT_EQ(errorCode(resp), "datakit.queueFull");
  EXPECT_EQ(in->stats().feed_failures, 1u);
}

TEST(RumChecks, BadBodiesAreClearErrors) {
  RecordingFeeder feeder;
  auto in = makeInput(noLimit(), testEnv(&feeder));
  for (std::string body : {std::string(""), std::string("view,app_id=a"),
                           std::string("[{\"measurement\":"), std::string("\xff\xfe garbage")}) {
    net::HttpRequest req = lpRequest(body);
    net::HttpResponse resp = in->handleWrite(req);
    EXPECT_EQ(resp.status, 400) << body;
  }
  net::HttpRequest gz = lpRequest("x");
  gz.query.emplace_back("encoding", "lzma");
  EXPECT_EQ(in->handleWrite(gz).status, 400);
  EXPECT_TRUE(feeder.points.empty());
}

// ------------------------------------------------------------------ client IP and geo

TEST(RumClientIp, HeaderPrecedence) {
  net::HttpRequest req;
  req.remote_ip = "10.0.0.9";
  EXPECT_EQ(clientIp(req, "X-Forwarded-For"), "10.0.0.9");
  req.headers.emplace_back("X-Real-IP", "198.51.100.3");
  EXPECT_EQ(clientIp(req, "X-Forwarded-For"), "198.51.100.3");
  req.headers.emplace_back("X-Forwarded-For", "203.0.113.5, 10.0.0.1, 10.0.0.2");
  EXPECT_EQ(clientIp(req, "X-Forwarded-For"), "203.0.113.5");
  req.headers.emplace_back("CF-Connecting-IP", "2001:db8::7");
  EXPECT_EQ(clientIp(req, "CF-Connecting-IP"), "2001:db8::7");
  EXPECT_EQ(clientIp(req, "cf-connecting-ip"), "2001:db8::7");  // case-insensitive
  EXPECT_EQ(clientIp(req, ""), "203.0.113.5");
  // Values that are not addresses are skipped; ports and brackets removed.
  net::HttpRequest odd;
  odd.remote_ip = "10.0.0.9";
  odd.headers = {{"X-Forwarded-For", "unknown, 203.0.113.5"}, {"X-Real-IP", "198.51.100.3:5555"}};
  EXPECT_EQ(clientIp(odd, "X-Forwarded-For"), "198.51.100.3");
  odd.headers = {{"X-Real-IP", "[2001:db8::1]:443"}};
  EXPECT_EQ(clientIp(odd, "X-Forwarded-For"), "2001:db8::1");
  odd.headers = {{"X-Real-IP", "garbage"}};
  EXPECT_EQ(clientIp(odd, "X-Forwarded-For"), "10.0.0.9");
}

TEST(RumGeo, TagsFromTheIpDatabaseFirstWins) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/ipdb.csv")
      << "# test database\n"
         "203.0.113.0/24,US,California,San Jose,Example Net\n"
         "2001:db8::,2001:db8::ffff,DE,Berlin,Berlin,Beispiel\n";
  RecordingFeeder feeder;
  InputEnv env = testEnv(&feeder, dir.path());
  env.rum_origin_ip_header = "CF-Connecting-IP";
  RumConfig c = noLimit();
  c.ipdb_path = "ipdb.csv";  // relative: under the install dir
  auto in = makeInput(c, env);
  ASSERT_NE(in, nullptr);

  net::HttpRequest req = lpRequest(
      "view,app_id=a x=1 1795271877178\n"
      "action,app_id=a,city=Client\\ City x=1 1795271877179\n"
      "error,app_id=a isp=\"client isp\" 1795271877180\n");
  req.headers.emplace_back("CF-Connecting-IP", "203.0.113.77");
  req.headers.emplace_back("X-Forwarded-For", "2001:db8::5");
  ASSERT_EQ(in->handleWrite(req).status, 200);
  ASSERT_EQ(feeder.points.size(), 3u);
  const model::Point& view = feeder.points[0];
  EXPECT_EQ(tag(view, "ip"), "203.0.113.77");
  EXPECT_EQ(tag(view, "country"), "US");
  EXPECT_EQ(tag(view, "province"), "California");
  EXPECT_EQ(tag(view, "city"), "San Jose");
  EXPECT_EQ(tag(view, "isp"), "Example Net");
  EXPECT_EQ(tag(feeder.points[1], "city"), "Client City");  // the client's tag wins
  EXPECT_EQ(tag(feeder.points[1], "country"), "US");
  EXPECT_EQ(stringField(feeder.points[2], "isp"), "client isp");  // a field wins too
  EXPECT_EQ(feeder.points[2].findTag("isp"), nullptr);

  // Without the configured header: X-Forwarded-For (IPv6).
  feeder.points.clear();
  net::HttpRequest v6 = lpRequest("view,app_id=a x=1 1795271877178\n");
  v6.headers.emplace_back("X-Forwarded-For", "2001:db8::5");
  ASSERT_EQ(in->handleWrite(v6).status, 200);
  EXPECT_EQ(tag(feeder.points[0], "ip"), "2001:db8::5");
  EXPECT_EQ(tag(feeder.points[0], "country"), "DE");
  EXPECT_EQ(tag(feeder.points[0], "isp"), "Beispiel");

  // Not in the database: unknown.
  feeder.points.clear();
  net::HttpRequest peer = lpRequest("view,app_id=a x=1 1795271877178\n");
  ASSERT_EQ(in->handleWrite(peer).status, 200);
  EXPECT_EQ(tag(feeder.points[0], "ip"), "198.51.100.20");
  EXPECT_EQ(tag(feeder.points[0], "country"), "unknown");
}

TEST(RumGeo, BadDatabaseFailsTheInputsCreation) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/bad.csv") << "1.2.3.4,oops,a,b,c,d\n";
  RecordingFeeder feeder;
  RumConfig c = noLimit();
  c.ipdb_path = dir.path() + "/bad.csv";
  auto in = RumInput::create(c, testEnv(&feeder));
  ASSERT_FALSE(in.isOk());
  EXPECT_THAT(in.status().message(), HasSubstr("bad.csv:1: bad end address 'oops'"));
  c.ipdb_path = dir.path() + "/missing.csv";
  EXPECT_EQ(RumInput::create(c, testEnv(&feeder)).status().code(), StatusCode::kNotFound);
}

TEST(RumCdn, ResourceProviderFromCdnMap) {
  RecordingFeeder feeder;
  RumConfig c = noLimit();
  c.cdn_map = R"([{"domain":"*.alicdn.com","name":"Alibaba Cloud CDN","website":"x"},
                  {"domain":"127.0.0.1","name":"Loopback CDN"}])";
  auto in = makeInput(c, testEnv(&feeder));
  net::HttpRequest req = lpRequest(
      "resource,app_id=a resource_url_host=\"g.alicdn.com\",duration=1 1795271877178\n"
      "resource,app_id=a resource_url_host=\"api.example.com\",view_host=\"www.example.com\" "
      "1795271877178\n"
      "resource,app_id=a,provider_type=mine resource_url_host=\"127.0.0.1\" 1795271877178\n");
  ASSERT_EQ(in->handleWrite(req).status, 200);
  ASSERT_EQ(feeder.points.size(), 3u);
  EXPECT_EQ(stringField(feeder.points[0], "provider_type"), "CDN");
  EXPECT_EQ(stringField(feeder.points[0], "provider_name"), "Alibaba Cloud CDN");
  EXPECT_EQ(stringField(feeder.points[1], "provider_type"), "unknown");
  EXPECT_EQ(stringField(feeder.points[1], "provider_name"), "unknown");
  EXPECT_EQ(tag(feeder.points[2], "provider_type"), "mine");  // the client's key wins
  EXPECT_EQ(feeder.points[2].findField("provider_type"), nullptr);
  EXPECT_EQ(stringField(feeder.points[2], "provider_name"), "Loopback CDN");

  // The captured batch with the page host mapped as a CDN.
  feeder.points.clear();
  net::HttpRequest fx =
      capturedRequest("guance-rum_lineproto_batch1", fixture("guance-rum_lineproto_batch1.txt"));
  ASSERT_EQ(in->handleWrite(fx).status, 200);
  size_t resources = 0;
  for (const model::Point& p : feeder.points) {
    if (p.measurement != "resource") continue;
    ++resources;
    EXPECT_EQ(stringField(p, "provider_name"), "Loopback CDN");
  }
  EXPECT_EQ(resources,
            recordsPerMeasurement(fixture("guance-rum_lineproto_batch1.txt"))["resource"]);
}

// ------------------------------------------------------------------ limits

TEST(RumLimits, PerClientIpRateLimit) {
  RecordingFeeder feeder;
  RumConfig c;
  c.rate_limit = 0.001;  // practically no refill during the test
  c.rate_limit_burst = 2;
  auto in = makeInput(c, testEnv(&feeder));
  auto post = [&](const std::string& xff) {
    net::HttpRequest req = lpRequest("view,app_id=a x=1 1795271877178\n");
    req.headers.emplace_back("X-Forwarded-For", xff);
    return in->handleWrite(req);
  };
  EXPECT_EQ(post("203.0.113.1").status, 200);
  EXPECT_EQ(post("203.0.113.1").status, 200);
  net::HttpResponse limited = post("203.0.113.1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(errorCode(limited), "datakit.reachMaxAPILimit");
  EXPECT_EQ(post("203.0.113.2").status, 200);  // another client is not affected
  EXPECT_EQ(in->stats().rate_limited, 1u);
  EXPECT_EQ(feeder.points.size(), 3u);
}

TEST(RumLimits, BodyCaps) {
  RecordingFeeder feeder;
  RumConfig c = noLimit();
  c.max_body_bytes = 96;
  c.max_decompressed_bytes = 128;
  auto in = makeInput(c, testEnv(&feeder));
  net::HttpRequest big = lpRequest(std::string(97, 'x'));
  net::HttpResponse resp = in->handleWrite(big);
  EXPECT_EQ(resp.status, 413);
  EXPECT_EQ(errorCode(resp), "datakit.bodyTooLarge");
  // A small deflate body that inflates past the cap (a "zip bomb").
  std::string lines;
  while (lines.size() < 4096) lines += "view,app_id=a x=1 1795271877178\n";
  net::HttpRequest bomb = lpRequest(codec::compress(lines, codec::ContentEncoding::kDeflate));
  ASSERT_LE(bomb.body.size(), 96u);
  bomb.query.emplace_back("encoding", "deflate");
  EXPECT_EQ(in->handleWrite(bomb).status, 413);
  EXPECT_EQ(in->stats().too_large, 2u);
  EXPECT_TRUE(feeder.points.empty());
}

// ------------------------------------------------------------------ config

Result<std::unique_ptr<Input>> fromToml(const std::string& toml, const InputEnv& env) {
  auto doc = config::ConfigTable::parse(toml, "conf.d/rum/rum.conf");
  if (!doc.isOk()) return doc.status();
  auto inputs = doc->table("inputs");
  if (!inputs.isOk() || !*inputs) return invalidArgument("no [inputs]");
  auto tables = (**inputs).tableArray("rum");
  if (!tables.isOk()) return tables.status();
  std::vector<InputFactory> list;
  registerRumInput(&list);
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "rum");
  return list[0].create(tables->front(), env);
}

// The first [[inputs.rum]] table of a TOML document.
config::ConfigTable rumTable(const std::string& toml) {
  auto parsed = config::ConfigTable::parse(toml, "rum.conf");
  EXPECT_TRUE(parsed.isOk()) << parsed.status().message();
  auto inputs = parsed->table("inputs");
  EXPECT_TRUE(inputs.isOk() && *inputs);
  auto t = (**inputs).tableArray("rum");
  EXPECT_TRUE(t.isOk() && !t->empty());
  return t->front();
}

TEST(RumConfig, DataKitSampleConfAndOptions) {
  // DataKit's rum.conf.sample keys (sourcemap tools etc. accepted and ignored).
  const std::string conf = R"toml([[inputs.rum]]
  endpoints = ["/v1/write/rum"]
  session_replay_endpoints = ["/v1/write/rum/replay"]
  measurements = ["view", "resource", "action", "long_task", "error", "telemetry"]
  android_cmdline_home = "/usr/local/datakit/data/rum/tools/cmdline-tools"
  proguard_home = "/usr/local/datakit/data/rum/tools/proguard"
  cdn_map = '[{"domain":"15cdn.com","name":"腾正安全加速(原 15CDN)","website":"https://www.15cdn.com"}]'
  [inputs.rum.threads]
    buffer = 100
    threads = 8
  [inputs.rum.storage]
    path = "./rum_storage"
    capacity = 5120
  [inputs.rum.session_replay]
    cache_path = "replay_cache"
    cache_capacity_mb = 100
    clear_cache_on_start = false
    upload_workers = 16
    send_timeout = "75s"
    send_retry_count = 3
)toml";
  RecordingFeeder feeder;
  auto in = fromToml(conf, testEnv(&feeder));
  ASSERT_TRUE(in.isOk()) << in.status().message();
  EXPECT_EQ((*in)->name(), "rum");
  EXPECT_EQ((*in)->category(), model::Category::kRum);
  std::vector<std::string> routes;
  for (const InputRoute& r : (*in)->routes()) routes.push_back(r.method + " " + r.path);
  EXPECT_THAT(routes, ::testing::ElementsAre("POST /v1/write/rum", "POST /v1/write/rum/replay",
                                             "PUT /v1/sourcemap", "DELETE /v1/sourcemap",
                                             "GET /v1/sourcemap/check"));

  auto c = parseRumConfig(rumTable(conf), {});
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->replay_cache_path, "replay_cache");
  EXPECT_EQ(c->replay_cache_capacity_mb, 100);
  EXPECT_EQ(c->replay_send_timeout, std::chrono::seconds(75));
  EXPECT_EQ(c->measurements.size(), 6u);
  EXPECT_EQ(c->rate_limit, 20);  // the default
}

TEST(RumConfig, EnvOverridesAndErrors) {
  const config::ConfigTable t = rumTable("[[inputs.rum]]\n");
  EnvMap env = {{"ENDPOINTS", "/a,/b"},
                {"MEASUREMENTS", "view,error"},
                {"RATE_LIMIT", "5"},
                {"IPDB_PATH", "/x.csv"}};
  auto c = parseRumConfig(t, env);
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->endpoints, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(c->measurements, (std::vector<std::string>{"view", "error"}));
  EXPECT_EQ(c->rate_limit, 5);
  EXPECT_EQ(c->ipdb_path, "/x.csv");
  EXPECT_FALSE(parseRumConfig(t, {{"RATE_LIMIT", "fast"}}).isOk());

  RecordingFeeder feeder;
  for (const char* bad :
       {"[[inputs.rum]]\nmeasurements = \"view\"\n",
        "[[inputs.rum]]\ncdn_map = '[{\"name\":\"x\"}]'\n",
        "[[inputs.rum]]\nendpoints = [\"no-slash\"]\n", "[[inputs.rum]]\nmax_body_bytes = 0\n",
        "[[inputs.rum]]\n[inputs.rum.session_replay]\nsend_timeout = \"x\"\n"}) {
    auto in = fromToml(bad, testEnv(&feeder));
    ASSERT_FALSE(in.isOk()) << bad;
    EXPECT_THAT(in.status().message(), HasSubstr("rum")) << in.status().message();
  }
}

// ------------------------------------------------------------------ session replay

// A DataWay stand-in: records POST /v1/write/rum/replay requests; answers `status`.
class FakeDataway {
 public:
  explicit FakeDataway(std::string listen = "127.0.0.1:0") {
    net::Router router;
    router.add("POST", "/v1/write/rum/replay", [this](net::HttpRequest& req) {
      std::lock_guard<std::mutex> l(mu_);
      bodies_.push_back(req.body);
      content_types_.emplace_back(req.header("Content-Type"));
      tokens_.emplace_back(req.queryValue("token"));
      return net::HttpResponse{status.load(), "", "", {}};
    });
    net::HttpServerOptions o;
    o.listen = std::move(listen);
    server_ = std::make_unique<net::HttpServer>(std::move(o), std::move(router));
    started_ = server_->start();
  }
  ~FakeDataway() { server_->stop(); }
  const Status& started() const { return started_; }
  uint16_t port() const { return server_->port(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "?token=tkn_rum";
  }
  size_t received() {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_.size();
  }
  std::string body(size_t i) {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_.at(i);
  }
  std::string contentType(size_t i) {
    std::lock_guard<std::mutex> l(mu_);
    return content_types_.at(i);
  }
  std::string token(size_t i) {
    std::lock_guard<std::mutex> l(mu_);
    return tokens_.at(i);
  }
  std::atomic<int> status{200};

 private:
  std::mutex mu_;
  std::vector<std::string> bodies_, content_types_, tokens_;
  std::unique_ptr<net::HttpServer> server_;
  Status started_;
};

template <typename F>
bool eventually(F cond, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

net::HttpRequest replayRequest() {
  return capturedRequest("guance-rum_replay_segment",
                         fixture("guance-rum_replay_segment.multipart"));
}

RumConfig fastReplay() {
  RumConfig c = noLimit();
  c.replay_min_backoff = std::chrono::milliseconds(20);
  c.replay_max_backoff = std::chrono::milliseconds(200);
  c.replay_send_timeout = std::chrono::seconds(5);
  return c;
}

// An install dir, a feeder and a real HTTP client pointed at `dataway_url`.
struct ReplayRig {
  explicit ReplayRig(std::string dataway_url) : client(net::makeHttpClient()) {
    env = testEnv(&feeder, dir.path());
    env.dataway_url = std::move(dataway_url);
    env.dataway_client = client.get();
  }
  std::unique_ptr<RumInput> started() {
    auto in = makeInput(fastReplay(), env);
    EXPECT_TRUE(in->start().isOk());
    return in;
  }

  testing::TempDir dir;
  RecordingFeeder feeder;
  std::unique_ptr<net::HttpClient> client;
  InputEnv env;
};

TEST(RumReplay, QueuedAndForwardedUnchanged) {
  FakeDataway dw;
  ASSERT_TRUE(dw.started().isOk());
  ReplayRig rig(dw.url());
  auto in = rig.started();
  net::HttpRequest req = replayRequest();
  const std::string body = req.body;
  const std::string content_type(req.header("Content-Type"));
  ASSERT_EQ(body.size(), 3077u);
  net::HttpResponse resp = in->handleReplay(req);
  ASSERT_EQ(resp.status, 200) << resp.body;
  ASSERT_TRUE(eventually([&] { return dw.received() == 1; }));
  EXPECT_EQ(dw.body(0), body);
  EXPECT_EQ(dw.contentType(0), content_type);
  EXPECT_EQ(dw.token(0), "tkn_rum");
  EXPECT_TRUE(eventually([&] { return in->stats().replay_forwarded == 1; }));
  EXPECT_EQ(in->stats().replay_queued, 1u);
  EXPECT_TRUE(std::filesystem::exists(rig.dir.path() + "/cache/rum_replay"));
  in->stop();
}

TEST(RumReplay, ValidationErrors) {
  testing::TempDir dir;
  RecordingFeeder feeder;
  InputEnv env = testEnv(&feeder, dir.path());
  env.rum_app_id_white_list = {"rc_test_app"};
  auto in = makeInput(fastReplay(), env);
  // Before start(): the cache is not open.
  net::HttpRequest early = replayRequest();
  EXPECT_EQ(in->handleReplay(early).status, 503);
  ASSERT_TRUE(in->start().isOk());

  const std::string fx = fixture("guance-rum_replay_segment.multipart");
  auto withBody = [&](std::string body) {
    net::HttpRequest r = replayRequest();
    r.body = std::move(body);
    return in->handleReplay(r);
  };
  auto without = [&](const std::string& field) {
    // Renames the form field so that it is absent.
    std::string b = fx;
    std::string needle = "name=\"" + field + "\"";
    size_t at = b.find(needle);
    EXPECT_NE(at, std::string::npos) << field;
    b.replace(at, needle.size(), "name=\"x_" + field + "\"");
    return b;
  };
  net::HttpResponse r = withBody(without("session_id"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("session_id"));
  r = withBody(without("app_id"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("app_id"));
  EXPECT_EQ(withBody("not multipart at all").status, 400);
  EXPECT_EQ(withBody(fx.substr(0, 100)).status, 400);  // truncated

  net::HttpRequest plain = replayRequest();
  plain.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(in->handleReplay(plain).status, 400);

  std::string other_app = fx;
  size_t at = other_app.find("rc_test_app");
  ASSERT_NE(at, std::string::npos);
  other_app.replace(at, 11, "xx_test_app");
  r = withBody(other_app);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(errorCode(r), "datakit.RUMApp_idNotInTheWhiteList");

  net::HttpRequest huge = replayRequest();
  huge.body.assign((32u << 20) + 1, 'x');
  r = in->handleReplay(huge);
  EXPECT_EQ(r.status, 413);

  RumStats s = in->stats();
  EXPECT_EQ(s.replay_bad_requests, 5u);  // 403 and 413 are counted apart
  EXPECT_EQ(s.replay_queued, 0u);
  EXPECT_EQ(s.too_large, 1u);
  EXPECT_EQ(s.not_allowed, 1u);
  EXPECT_EQ(withBody(fx).status, 200);
  in->stop();
}

TEST(RumReplay, ConcurrentUploadsAreAllForwarded) {
  FakeDataway dw;
  ASSERT_TRUE(dw.started().isOk());
  ReplayRig rig(dw.url());
  auto in = rig.started();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        net::HttpRequest req = replayRequest();
        if (in->handleReplay(req).status == 200) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  ASSERT_TRUE(eventually([&] { return dw.received() == 20; }));
  EXPECT_EQ(in->stats().replay_forwarded, 20u);
  in->stop();
}

// A free port: bound once, then released (nothing listens there until a test starts a server).
uint16_t freePort() {
  FakeDataway probe;
  return probe.port();
}

TEST(RumReplay, RetriedWhileDataWayIsDownThenForwarded) {
  const uint16_t port = freePort();
  ASSERT_NE(port, 0);
  ReplayRig rig("http://127.0.0.1:" + std::to_string(port) + "?token=tkn_rum");
  auto in = rig.started();
  net::HttpRequest req = replayRequest();
  const std::string body = req.body;
  ASSERT_EQ(in->handleReplay(req).status, 200);
  ASSERT_TRUE(eventually([&] { return in->stats().replay_retries >= 2; }));
  EXPECT_EQ(in->stats().replay_forwarded, 0u);

  // DataWay comes up answering 503 first (retried), then 200.
  FakeDataway dw("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(dw.started().isOk()) << dw.started().message();
  dw.status = 503;
  ASSERT_TRUE(eventually([&] { return dw.received() >= 1; }));
  dw.status = 200;
  ASSERT_TRUE(eventually([&] { return in->stats().replay_forwarded == 1; }));
  EXPECT_EQ(dw.body(dw.received() - 1), body);
  in->stop();
}

TEST(RumReplay, ARejectedSegmentIsDroppedNotRetried) {
  FakeDataway dw;
  dw.status = 400;
  ReplayRig rig(dw.url());
  auto in = rig.started();
  net::HttpRequest req = replayRequest();
  ASSERT_EQ(in->handleReplay(req).status, 200);
  ASSERT_TRUE(eventually([&] { return in->stats().replay_dropped == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(dw.received(), 1u);
  in->stop();
}

TEST(RumReplay, DurableAcrossAnInputRestart) {
  const uint16_t port = freePort();
  ReplayRig rig("http://127.0.0.1:" + std::to_string(port) + "?token=tkn_rum");
  const std::string body = fixture("guance-rum_replay_segment.multipart");
  {
    auto in = rig.started();
    for (int i = 0; i < 3; ++i) {
      net::HttpRequest req = replayRequest();
      ASSERT_EQ(in->handleReplay(req).status, 200);
    }
    ASSERT_TRUE(eventually([&] { return in->stats().replay_retries >= 1; }));
    in->stop();
  }  // the input is gone with DataWay still down
  FakeDataway dw("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(dw.started().isOk()) << dw.started().message();
  auto again = rig.started();
  ASSERT_TRUE(eventually([&] { return dw.received() == 3; }));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(dw.body(i), body);
  ASSERT_TRUE(eventually([&] { return again->stats().replay_forwarded == 3; }));
  again->stop();
  // Acknowledged: a third start sends nothing more.
  auto third = rig.started();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(dw.received(), 3u);
  third->stop();
}

}  // namespace
}  // namespace sextant::agent::inputs::rum

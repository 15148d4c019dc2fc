#include "agent/write_api.h"

#include <gtest/gtest.h>

#include "codec/compression/compression.h"
#include "codec/point_json/point_json.h"
#include "core/testing/read_file.h"

namespace sextant::agent {
namespace {

using model::Category;
using model::Point;

constexpr int64_t kNow = 1'700'000'000'123'456'789;

struct Captured {
  int calls = 0;
  Category category = Category::kMetric;
  std::string input;
  FeedOptions feed;
  std::vector<Point> points;
  Status answer = Status::ok();
};

class WriteApiTest : public ::testing::Test {
 protected:
  WriteApiTest() {
    ctx_.now_ns = [] { return kNow; };
    ctx_.sink = [this](Category c, std::vector<Point>&& pts, const FeedOptions& feed) {
      ++got_.calls;
      got_.category = c;
      got_.input = feed.input;
      got_.feed = feed;
      got_.points = std::move(pts);
      return got_.answer;
    };
  }

  net::HttpResponse post(const std::string& target, std::string body, net::KeyValues headers = {}) {
    net::HttpRequest req;
    req.method = "POST";
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = net::parseQuery(target.substr(q + 1));
    req.path_params = {{"category", req.path.substr(req.path.rfind('/') + 1)}};
    req.headers = std::move(headers);
    req.body = std::move(body);
    return handleWrite(req, ctx_);
  }

  WriteContext ctx_;
  Captured got_;
};

// The error envelope's code, read without a JSON library: {"error_code":"X",...}.
std::string errorCode(const net::HttpResponse& r) {
  const std::string key = "\"error_code\":\"";
  size_t p = r.body.find(key);
  if (p == std::string::npos) return "";
  p += key.size();
  return r.body.substr(p, r.body.find('"', p) - p);
}

TEST_F(WriteApiTest, LineProtocolReachesSinkWithCategoryAndInput) {
  auto r = post("/v1/write/metric?input=myinput",
                "cpu,host=a usage=1.5,n=3i 1700000000000000000\nmem used=2u 1700000000000000001\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  ASSERT_EQ(got_.calls, 1);
  EXPECT_EQ(got_.category, Category::kMetric);
  EXPECT_EQ(got_.input, "myinput");
  ASSERT_EQ(got_.points.size(), 2u);
  Point want;
  want.measurement = "cpu";
  want.addTag("host", "a");
  want.addField("usage", 1.5);
  want.addField("n", int64_t{3});
  want.time_ns = 1'700'000'000'000'000'000;
  EXPECT_EQ(got_.points[0], want);
  EXPECT_EQ(fieldType(got_.points[1].fields[0].value), model::FieldType::kUint);
}

TEST_F(WriteApiTest, InputDefaultsToCategoryName) {
  ASSERT_EQ(post("/v1/write/logging", "nginx message=\"x\"").status, 200);
  EXPECT_EQ(got_.input, "logging");
  EXPECT_EQ(got_.feed.pipeline, "");  // no ?source: the point path picks by the data
}

TEST_F(WriteApiTest, StorageIndexIsForLoggingOnly) {
  ASSERT_EQ(post("/v1/write/logging?storage_index=idx", "x message=\"y\"").status, 200);
  EXPECT_EQ(got_.feed.storage_index, "idx");
  ASSERT_EQ(post("/v1/write/metric?storage_index=idx", "m v=1").status, 200);
  EXPECT_EQ(got_.feed.storage_index, "");
}

TEST_F(WriteApiTest, SourceNamesThePipelineScript) {
  ASSERT_EQ(post("/v1/write/logging?source=nginx", "x message=\"y\"").status, 200);
  EXPECT_EQ(got_.feed.pipeline, "nginx.p");
}

TEST_F(WriteApiTest, RejectsCategoriesTheGenericHandlerDoesNot) {
  for (const char* c : {"metrics", "profiling", "dialtesting", "M", "nope"}) {
    auto r = post(std::string("/v1/write/") + c, "cpu x=1");
    EXPECT_EQ(r.status, 400) << c;
    EXPECT_EQ(errorCode(r), "datakit.invalidCategory") << c;
  }
  EXPECT_EQ(got_.calls, 0);
}

TEST_F(WriteApiTest, EmptyBodyAndNoPoints) {
  EXPECT_EQ(errorCode(post("/v1/write/metric", "")), "datakit.emptyBody");
  EXPECT_EQ(errorCode(post("/v1/write/metric", "# only a comment\n\n")), "datakit.noPoints");
  // A metric point whose only field is a string has no field left after normalisation.
  EXPECT_EQ(errorCode(post("/v1/write/metric", "cpu s=\"x\"")), "datakit.noPoints");
}

TEST_F(WriteApiTest, OneBadLineRejectsTheWholeRequest) {
  auto r = post("/v1/write/metric", "cpu x=1\ncpu x=\ncpu y=2\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorCode(r), "datakit.invalidLinePoint");
  EXPECT_NE(r.body.find("unable to parse 'cpu x='"), std::string::npos) << r.body;
  EXPECT_EQ(got_.calls, 0);
  EXPECT_NE(r.headers.end(),
            std::find(r.headers.begin(), r.headers.end(),
                      std::pair<std::string, std::string>("X-Content-Type-Options", "nosniff")));
}

TEST_F(WriteApiTest, PrecisionScalesAndAutoDetects) {
  ASSERT_EQ(post("/v1/write/metric?precision=ms", "cpu x=1 1700000000123").status, 200);
  EXPECT_EQ(got_.points[0].time_ns, 1'700'000'000'123'000'000);
  ASSERT_EQ(post("/v1/write/metric", "cpu x=1 1700000000").status, 200);
  EXPECT_EQ(got_.points[0].time_ns, 1'700'000'000'000'000'000) << "seconds auto-detected";
  ASSERT_EQ(post("/v1/write/metric", "cpu x=1").status, 200);
  EXPECT_EQ(got_.points[0].time_ns, kNow) << "missing timestamp = receive time";
}

TEST_F(WriteApiTest, DryDoesNotFeedButEchoes) {
  auto r = post("/v1/write/logging?dry&echo=lp", "nginx,host=a message=\"hi\" 1700000000000000000");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(got_.calls, 0);
  // Normalisation added the logging point's required status field.
  EXPECT_EQ(r.body, "nginx,host=a message=\"hi\",status=\"info\" 1700000000000000000\n");
}

TEST_F(WriteApiTest, EchoJsonAndPbJsonCarryNormalisedPoints) {
  auto r = post("/v1/write/logging?echo=json", "nginx,a.b=1 message=\"m\" 1700000000000000000");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  auto back = codec::json::decodeJson(r.body, Category::kLogging, 0);
  ASSERT_TRUE(back.isOk()) << r.body;
  ASSERT_EQ(back->size(), 1u);
  Point want;
  want.category = Category::kLogging;
  want.measurement = "nginx";
  want.addTag("a_b", "1");
  want.addField("message", std::string("m"));
  want.addField("status", std::string("info"));
  want.time_ns = 1'700'000'000'000'000'000;
  EXPECT_EQ((*back)[0], want);

  r = post("/v1/write/logging?echo=pbjson", "nginx,a.b=1 message=\"m\" 1700000000000000000");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"warns\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("invalid_tag_key"), std::string::npos) << r.body;
  auto pb = codec::json::decodePbJson(r.body, Category::kLogging);
  ASSERT_TRUE(pb.isOk());
  EXPECT_EQ((*pb)[0], want);
}

TEST_F(WriteApiTest, StrictTurnsWarningsIntoErrors) {
  auto r = post("/v1/write/logging?strict", "nginx message=\"m\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorCode(r), "datakit.pointGotWarning");
  EXPECT_NE(r.body.find("add_required_kv"), std::string::npos) << r.body;
  EXPECT_EQ(got_.calls, 0);
  EXPECT_EQ(post("/v1/write/logging?strict", "nginx message=\"m\",status=\"ok\"").status, 200);
}

TEST_F(WriteApiTest, CompressedBodies) {
  std::string lp = "cpu x=1 1700000000000000000\n";
  EXPECT_EQ(
      post("/v1/write/metric?encoding=gzip", codec::compress(lp, codec::ContentEncoding::kGzip))
          .status,
      200);
  EXPECT_EQ(post("/v1/write/metric", codec::compress(lp, codec::ContentEncoding::kZstd),
                 {{"Content-Encoding", "zstd"}})
                .status,
            200);
  EXPECT_EQ(got_.points.size(), 1u);
  auto bad = post("/v1/write/metric?encoding=gzip", "not gzip at all");
  EXPECT_EQ(errorCode(bad), "datakit.decodeBodyFailed");
  EXPECT_EQ(errorCode(post("/v1/write/metric?encoding=lzma", lp)), "datakit.decodeBodyFailed");
}

TEST_F(WriteApiTest, ZipBombIsRejected) {
  ctx_.max_decompressed_bytes = 1 << 20;
  std::string big(8 << 20, 'a');
  auto r =
      post("/v1/write/metric?encoding=gzip", codec::compress(big, codec::ContentEncoding::kGzip));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorCode(r), "datakit.decodeBodyFailed");
}

TEST_F(WriteApiTest, JsonAndPbJsonBodies) {
  auto r = post(
      "/v1/write/metric",
      R"([{"measurement":"cpu","tags":{"host":"a"},"fields":{"x":1},"time":1700000000000000000}])",
      {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(got_.points.size(), 1u);
  EXPECT_EQ(got_.points[0].fields[0].value, model::FieldValue(1.0)) << "JSON numbers are floats";
  r = post("/v1/write/metric", R"([{"name":"cpu","fields":[{"key":"x","i":"7"}],"time":"5"}])",
           {{"Content-Type", "application/pbjson; proto=com.guance.Point"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(got_.points[0].fields[0].value, model::FieldValue(int64_t{7}));
  r = post("/v1/write/metric", R"({"not":"an array"})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(errorCode(r), "datakit.invalidJsonPoint");
}

using ::sextant::testing::readFile;

TEST_F(WriteApiTest, ProtobufBodyFromARealDataKit) {
  std::string body =
      readFile(std::string(SEXTANT_SHARED_DIR) + "/fixtures/datakit-upload/metric-1.body");
  ASSERT_FALSE(body.empty()) << "fixture missing";
  auto r = post("/v1/write/metric", body,
                {{"Content-Type", "application/protobuf; proto=com.guance.Point"},
                 {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(got_.points.size(), 1u);
  EXPECT_EQ(got_.points[0].measurement, "swap");
  ASSERT_NE(got_.points[0].findTag("cluster_name_k8s"), nullptr);
  EXPECT_EQ(got_.points[0].findTag("cluster_name_k8s")->value, "k8s-prod");
  auto bad = post("/v1/write/metric", "\x0a\xff\xff",
                  {{"Content-Type", "application/protobuf; proto=com.guance.Point"}});
  EXPECT_EQ(errorCode(bad), "datakit.invalidProtobufPoint");
}

TEST_F(WriteApiTest, FeedOptionsFromTheQuery) {
  ASSERT_EQ(post("/v1/write/metric", "cpu x=1").status, 200);
  EXPECT_TRUE(got_.feed.durable);
  EXPECT_FALSE(got_.feed.election);
  EXPECT_FALSE(got_.feed.ignore_global_tags);
  ASSERT_EQ(post("/v1/write/metric?ignore_global_host_tags=1", "cpu x=1").status, 200);
  EXPECT_TRUE(got_.feed.ignore_global_tags);
  ASSERT_EQ(post("/v1/write/metric?ignore_global_tags", "cpu x=1").status, 200);
  EXPECT_TRUE(got_.feed.ignore_global_tags);
  // Election tags replace host tags (DataKit adds election tags only).
  ASSERT_EQ(post("/v1/write/metric?global_election_tags&ignore_global_host_tags", "cpu x=1").status,
            200);
  EXPECT_TRUE(got_.feed.election);
  EXPECT_FALSE(got_.feed.ignore_global_tags);
}

TEST_F(WriteApiTest, SinkFailuresAreAnswered) {
  got_.answer = Status(StatusCode::kResourceExhausted, "logging queue full");
  net::HttpResponse r = post("/v1/write/logging", "app message=\"x\"");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "{\"error_code\":\"datakit.queueFull\",\"message\":\"logging queue full\"}");
  got_.answer = Status(StatusCode::kDataLoss, "disk error");
  EXPECT_EQ(post("/v1/write/logging", "app message=\"x\"").status, 500);
}

}  // namespace
}  // namespace sextant::agent

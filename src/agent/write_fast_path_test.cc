// The /v1/write line-protocol fast path (PointPath::feedLineProtocol) against the ordinary path
// (decode -> normalise -> PointPath::feed): the same requests through both must give the same
// answers and the same uploaded PBPoints bytes, and the fast path must hand every body it cannot
// take unchanged to the ordinary path.
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "agent/point_path.h"
#include "agent/write_api.h"
#include "codec/point_pb/point_pb.h"
#include "model/testing/random_points.h"

namespace sextant::agent {
namespace {

using model::Category;
using model::Point;

constexpr int64_t kNow = 1'700'000'000'000'000'000;

// A point path and /v1/write context whose sinks record the PBPoints bytes the uploader would be
// given: the ordinary sink encodes its points the way Uploader::write does (pb::appendPoint per
// point), the fast sink gets the bytes ready-made.
struct Lane {
  Lane(bool fast, TagMap host_tags, bool with_pipeline = false) {
    auto tags = std::make_shared<const TagMap>(std::move(host_tags));
    auto election = std::make_shared<const TagMap>(TagMap{{"cluster", "c1"}});
    PointPathOptions o;
    o.now_ns = [] { return kNow; };
    o.host_tags = [tags] { return tags; };
    o.election_tags = [election] { return election; };
    o.sink = [this](Category, const std::vector<Point>& pts, const std::string&) {
      ++slow_calls;
      for (const Point& p : pts) codec::pb::appendPoint(p, &uploaded);
      return sink_answer;
    };
    if (fast) {
      o.protobuf_sink = [this](Category, std::string_view pb, std::span<const uint32_t> ends,
                               const std::string&) {
        ++fast_calls;
        EXPECT_FALSE(ends.empty());
        EXPECT_EQ(ends.back(), pb.size());
        uploaded.append(pb);
        return sink_answer;
      };
    }
    if (with_pipeline) {  // a script that renames every measurement
      o.pipeline = [](Category, const FeedOptions&, std::vector<Point>* pts) {
        for (Point& p : *pts) p.measurement += "_piped";
      };
      o.pipeline_applies = [](Category, const FeedOptions&) { return true; };
    }
    path = std::make_unique<PointPath>(std::move(o));
    ctx.now_ns = [] { return kNow; };
    ctx.sink = [this](Category c, std::vector<Point>&& pts, const FeedOptions& feed) {
      return path->feed(c, std::move(pts), feed);
    };
    if (fast) {
      ctx.line_protocol_feed = [this](Category c, std::string_view body,
                                      const codec::lp::DecodeOptions& decode,
                                      const model::CheckOptions& check, const FeedOptions& feed) {
        return path->feedLineProtocol(c, body, decode, check, feed);
      };
    }
  }

  net::HttpResponse post(const std::string& target, const std::string& body) {
    net::HttpRequest req;
    req.method = "POST";
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = net::parseQuery(target.substr(q + 1));
    req.path_params = {{"category", req.path.substr(req.path.rfind('/') + 1)}};
    req.body = body;
    return handleWrite(req, ctx);
  }

  std::unique_ptr<PointPath> path;
  WriteContext ctx;
  std::string uploaded;
  int fast_calls = 0;
  int slow_calls = 0;
  Status sink_answer = Status::ok();
};

// Point equality including the order of tags and fields (model::Point's == ignores order).
void expectSamePoints(const std::vector<Point>& a, const std::vector<Point>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].measurement, b[i].measurement) << i;
    EXPECT_EQ(a[i].tags, b[i].tags) << i << ": " << model::debugString(a[i]);
    EXPECT_EQ(a[i].fields, b[i].fields) << i << ": " << model::debugString(a[i]);
    EXPECT_EQ(a[i].time_ns, b[i].time_ns) << i;
  }
}

std::vector<Point> decoded(const std::string& pb, Category category) {
  auto r = codec::pb::decode(pb, category);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

enum class Want { kFast, kOrdinary, kEither };

// Posts the body to both lanes; both must answer alike and upload the same bytes, and the fast
// lane must have used the path `want` says.
std::vector<Point> both(const std::string& target, const std::string& body, Want want,
                        const TagMap& host_tags = {{"host", "agent-1"}}) {
  Lane fast(true, host_tags), ordinary(false, host_tags);
  const net::HttpResponse a = fast.post(target, body);
  const net::HttpResponse b = ordinary.post(target, body);
  EXPECT_EQ(a.status, b.status) << a.body;
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.content_type, b.content_type);
  EXPECT_EQ(fast.uploaded, ordinary.uploaded);
  EXPECT_EQ(ordinary.fast_calls, 0);
  if (want == Want::kFast) {
    EXPECT_EQ(fast.fast_calls, 1) << target;
    EXPECT_EQ(fast.slow_calls, 0) << target;
  } else if (want == Want::kOrdinary) {
    EXPECT_EQ(fast.fast_calls, 0) << target;
    EXPECT_EQ(fast.slow_calls, ordinary.slow_calls) << target;
  }
  // The same stats either way (feeds, points, sink calls, re-timed points).
  const PointPathStats sa = fast.path->stats(), sb = ordinary.path->stats();
  EXPECT_EQ(sa.flushes, sb.flushes);
  EXPECT_EQ(sa.sunk_points, sb.sunk_points);
  EXPECT_EQ(sa.corrected_times, sb.corrected_times);
  EXPECT_EQ(sa.feeds.size(), sb.feeds.size());
  for (size_t i = 0; i < sa.feeds.size() && i < sb.feeds.size(); ++i) {
    EXPECT_EQ(sa.feeds[i].input, sb.feeds[i].input);
    EXPECT_EQ(sa.feeds[i].feeds, sb.feeds[i].feeds);
    EXPECT_EQ(sa.feeds[i].points, sb.feeds[i].points);
  }
  const Category category =
      model::parseCategory(target.substr(10, target.find('?') - 10)).value_or(Category::kMetric);
  std::vector<Point> from_fast = decoded(fast.uploaded, category);
  // NaN != NaN: the bytes above are compared already.
  if (!model::testing::containsNan(from_fast)) {
    expectSamePoints(from_fast, decoded(ordinary.uploaded, category));
  }
  return from_fast;
}

TEST(WriteFastPath, HandWrittenExpectation) {
  // Independent of both paths: what DataKit stores for this line with host tags host and env.
  std::vector<Point> got =
      both("/v1/write/metric", "cpu,host=web-1 usage=1.5,n=3i,env=\"eA==\"b 1700000000000000001\n",
           Want::kOrdinary,  // a bytes field in a metric: dropped by normalisation
           {{"host", "agent-1"}, {"env", "prod"}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{{"host", "web-1"}, {"env", "prod"}}));

  got = both("/v1/write/metric", "cpu,host=web-1 usage=1.5,n=3i,env=2u 1700000000000000001\n",
             Want::kFast, {{"host", "agent-1"}, {"env", "prod"}, {"zone", "z1"}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].measurement, "cpu");
  // host: the point's own; env: the point has it as a field; zone: added.
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{{"host", "web-1"}, {"zone", "z1"}}));
  EXPECT_EQ(got[0].fields,
            (std::vector<model::Field>{{"usage", 1.5}, {"n", int64_t{3}}, {"env", uint64_t{2}}}));
  EXPECT_EQ(got[0].time_ns, 1700000000000000001);
}

TEST(WriteFastPath, EscapesAndEveryFieldType) {
  both("/v1/write/metric",
       "cpu\\,x\\ y,ho\\ st=a\\,b,k\\=1=v\\=2 f\\ 1=1i,f\\,2=-2i,u=18446744073709551615u,"
       "d=1.5e3,neg=-0.25,b1=t,b2=FALSE,ai=[1i,2i],af=[1.5,2],ab=[true,false],au=[7u] "
       "1700000000000000000\n"
       "odd\\\\name,t=a\\b x=1 1700000000000000000\n"
       "  # a comment\n\n"
       "m y=1\r\n",
       Want::kFast);
  both("/v1/write/logging",
       "nginx,service=web status=\"info\",message=\"GET \\\"/\\\" 200\\\\\",raw=\"aGk=\"b,"
       "as=[\"a\",\"b\"],abytes=[\"AQ==\"b],multi=\"line1\nline2\" 1700000000000000000\n",
       Want::kFast);
  both("/v1/write/object", "host_obj,name=h1 cpu=4i,message=\"m\" 1700000000000000000\n",
       Want::kFast);
  both("/v1/write/custom_object",
       "svc,name=a,dotted.tag=x dotted.field=\"v\",n=1u 1700000000000000000\n", Want::kFast);
}

TEST(WriteFastPath, TimestampsAndPrecision) {
  // No timestamp: now. Auto precision: seconds, ms, us and ns, all near now.
  const std::string body =
      "m v=1\n"
      "m v=2 1700000000\n"
      "m v=3 1700000000123\n"
      "m v=4 1700000000123456\n"
      "m v=5 1700000000123456789\n";
  std::vector<Point> got = both("/v1/write/metric", body, Want::kFast);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].time_ns, kNow);
  EXPECT_EQ(got[1].time_ns, 1700000000000000000);
  EXPECT_EQ(got[2].time_ns, 1700000000123000000);
  EXPECT_EQ(got[3].time_ns, 1700000000123456000);
  EXPECT_EQ(got[4].time_ns, 1700000000123456789);
  for (std::string precision : {"n", "ns", "u", "ms", "s", "m", "h", "bogus"}) {
    // 28333333 h does not fit int64 ns: a bad line.
    both("/v1/write/metric?precision=" + precision, "m v=1 28333333\nm v=2\n",
         precision == "h" ? Want::kOrdinary : Want::kFast);
  }
  // Far from now: re-timed with __orig_time (time correction), on the fly in the fast path.
  got = both("/v1/write/metric?precision=s", "m v=1 1600000000\nm v=2 1700000000\n", Want::kFast);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].time_ns, kNow);
  EXPECT_EQ(got[0].fields.back(), (model::Field{"__orig_time", int64_t{1600000000000000000}}));
  EXPECT_EQ(got[1].fields.size(), 1u);
  // A timestamp out of range is a bad line: the ordinary path's 400.
  both("/v1/write/metric?precision=h", "m v=1 1700000000000\n", Want::kOrdinary);
}

TEST(WriteFastPath, GlobalTagsAndTheirQueryOptions) {
  const TagMap tags = {{"host", "agent-1"}, {"project", "p1"}, {"v", "tag-v"}};
  // host collides with a point tag, v with a field: neither is overridden.
  both("/v1/write/metric", "m,host=mine v=1,w=2\nm x=1\n", Want::kFast, tags);
  both("/v1/write/metric?ignore_global_host_tags", "m,host=mine v=1\nm x=1\n", Want::kFast, tags);
  both("/v1/write/metric?ignore_global_tags", "m x=1\n", Want::kFast, tags);
  both("/v1/write/metric?global_election_tags", "m,cluster=mine x=1\nm x=2\n", Want::kFast, tags);
  both("/v1/write/metric?input=my_input", "m x=1\n", Want::kFast, tags);
  both("/v1/write/metric", "m x=1\n", Want::kFast, {});
}

TEST(WriteFastPath, PointsNeedingRepairTakeTheOrdinaryPath) {
  // Each body has one line normalisation changes; the whole body goes the ordinary way.
  const char* cases[][2] = {
      {"/v1/write/metric", "m v=1\nm f=1,f=2\n"},               // duplicate field keys
      {"/v1/write/metric", "m,k=1 k=2\n"},                      // tag and field share a key
      {"/v1/write/metric", "m v=1,s=\"str\"\n"},                // string in a metric
      {"/v1/write/metric", "m,k=v f=1,\\=2\n"},                 // '\=' escapes the '=': a bad line
      {"/v1/write/metric", "m \xff=1\n"},                       // invalid UTF-8 key
      {"/v1/write/metric", "m,t=\xc3 v=1\n"},                   // invalid UTF-8 value
      {"/v1/write/metric", "m v=1,w=-1e400\n"},                 // out of range: bad line
      {"/v1/write/logging", "nginx message=\"no status\"\n"},   // required status added
      {"/v1/write/logging", "nginx,a.b=1 status=\"ok\"\n"},     // dot in a logging key
      {"/v1/write/logging", "nginx,source=x status=\"ok\"\n"},  // forbidden key
      {"/v1/write/object", "o,class=c name=\"n\"\n"},           // forbidden key
      {"/v1/write/metric", "m,a=1,a=2 v=1\n"},                  // duplicate tags: bad line
      {"/v1/write/metric", "m v=1\nbad line\n"},                // a bad line: 400
      {"/v1/write/metric", "# only a comment\n"},               // no points: 400
      {"/v1/write/metric?echo=lp", "m v=1\n"},                  // echo
      {"/v1/write/metric?echo=json", "m v=1\n"},                //
      {"/v1/write/metric?dry", "m v=1\n"},                      // dry: nothing fed
      {"/v1/write/metric?strict", "m f=1,f=2\n"},               // strict: 400
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c[0] + std::string(" ") + c[1]);
    both(c[0], c[1], Want::kOrdinary);
  }
  // Over the limits: a long measurement, a long tag value, too many tags.
  both("/v1/write/metric", "m" + std::string(1100, 'x') + " v=1\n", Want::kOrdinary);
  both("/v1/write/metric", "m,t=" + std::string(1100, 'x') + " v=1\n", Want::kOrdinary);
  std::string many = "m";
  for (int i = 0; i < 300; ++i) many += ",t" + std::to_string(i) + "=v";
  both("/v1/write/metric", many + " v=1\n", Want::kOrdinary);
  // Strict without anything to repair stays on the fast path.
  both("/v1/write/metric?strict", "m f=1,g=2\n", Want::kFast);
}

TEST(WriteFastPath, PipelineFeedsTakeTheOrdinaryPath) {
  Lane fast(true, {}, /*with_pipeline=*/true), ordinary(false, {}, true);
  EXPECT_EQ(fast.post("/v1/write/metric?source=x", "m v=1\n").status, 200);
  EXPECT_EQ(ordinary.post("/v1/write/metric?source=x", "m v=1\n").status, 200);
  EXPECT_EQ(fast.fast_calls, 0);
  EXPECT_EQ(fast.uploaded, ordinary.uploaded);
  std::vector<Point> got = decoded(fast.uploaded, Category::kMetric);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].measurement, "m_piped");
}

TEST(WriteFastPath, SinkErrorsAreAnsweredAlike) {
  for (StatusCode code : {StatusCode::kResourceExhausted, StatusCode::kInternal}) {
    Lane fast(true, {}), ordinary(false, {});
    fast.sink_answer = ordinary.sink_answer = Status(code, "disk says no");
    const net::HttpResponse a = fast.post("/v1/write/metric", "m v=1\n");
    const net::HttpResponse b = ordinary.post("/v1/write/metric", "m v=1\n");
    EXPECT_EQ(fast.fast_calls, 1);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.status, code == StatusCode::kResourceExhausted ? 503 : 500);
    EXPECT_EQ(a.body, b.body);
    EXPECT_EQ(fast.path->stats().sink_failures, 1u);
    EXPECT_EQ(fast.path->stats().failed_points, 1u);
  }
}

// Random points of every category (odd characters, every field type, some not valid for their
// category), sometimes with a line that needs repair or does not parse, with and without
// timestamps, under random global tags: both paths agree, and the fast path is taken for most.
TEST(WriteFastPath, RandomBodiesAgree) {
  std::mt19937_64 rng(20261122);
  const Category categories[] = {Category::kMetric, Category::kLogging, Category::kObject,
                                 Category::kCustomObject, Category::kTracing};
  int fast = 0, total = 0;
  for (int round = 0; round < 300; ++round) {
    model::testing::RandomPointOptions ro;
    ro.category = categories[round % 5];
    // Metrics with strings and logging without status fall back: keep most bodies valid.
    ro.strings = ro.bytes = ro.category != Category::kMetric;
    ro.odd_chars = round % 3 != 0;
    std::vector<Point> pts;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      Point p = model::testing::randomPoint(rng, ro);
      if (ro.category == Category::kLogging && rng() % 4 != 0) {
        p.addField("status", std::string("info"));
      }
      if (ro.category == Category::kObject && rng() % 4 != 0) {
        p.addTag("name", "obj");
      }
      p.time_ns = rng() % 2 ? kNow - static_cast<int64_t>(rng() % 10'000'000'000'000) : p.time_ns;
      pts.push_back(std::move(p));
    }
    std::string body;
    for (const Point& p : pts) {
      std::string line;
      codec::lp::encode(p, &line);
      if (rng() % 5 == 0) {  // drop the timestamp
        const size_t space = line.rfind(' ');
        line = line.substr(0, space) + "\n";
      }
      body += line;
    }
    if (rng() % 10 == 0) body += "m f=1,f=2\n";  // needs repair
    if (rng() % 20 == 0) body += "broken\n";     // does not parse
    TagMap tags = {{"host", "agent-1"}};
    if (rng() % 2) tags["t" + std::to_string(rng() % 3)] = "global";
    std::string target = "/v1/write/" + std::string(model::categoryName(ro.category));
    if (rng() % 4 == 0) target += "?precision=ns";
    SCOPED_TRACE(body);
    Lane probe(true, tags);
    probe.post(target, body);
    fast += probe.fast_calls;
    ++total;
    both(target, body, Want::kEither, tags);
  }
  EXPECT_GT(fast, total / 3);
}

// Lines are read as views; the ones with an array or bytes field are read again as points, in
// the middle of a body: one upload, in line order, global tags and time correction on both.
TEST(WriteFastPath, ViewsAndPointsMixInOneBody) {
  const std::string body =
      "nginx,host=a status=\"info\",msg=\"say \\\"hi\\\"\" 1600000000000000000\n"
      "nginx,host=b status=\"info\",arr=[1i,2i] 1700000000000000000\n"
      "nginx,host=c status=\"info\",raw=\"aGk=\"b\n"
      "ng\\ inx,ho\\,st=d status=\"info\",n=1u,b=t\n"
      "nginx,host=e status=\"info\",arr=[\"x\"] 1600000000000000000\n";
  std::vector<Point> got =
      both("/v1/write/logging", body, Want::kFast, {{"host", "agent-1"}, {"zone", "z1"}});
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{{"host", "a"}, {"zone", "z1"}}));
  EXPECT_EQ(got[0].fields.back(), (model::Field{"__orig_time", int64_t{1600000000000000000}}));
  EXPECT_EQ(got[0].time_ns, kNow);
  EXPECT_EQ(*got[0].findField("msg"), (model::Field{"msg", std::string("say \"hi\"")}));
  EXPECT_EQ(got[1].time_ns, 1700000000000000000);
  EXPECT_EQ(got[2].time_ns, kNow);  // no timestamp: now, not re-timed
  EXPECT_EQ(got[2].fields.size(), 2u);
  EXPECT_EQ(got[3].measurement, "ng inx");
  EXPECT_EQ(got[3].tags[0], (model::Tag{"ho,st", "d"}));
  EXPECT_EQ(got[4].fields.back().key, "__orig_time");
}

// A batch repeating its names: the check of the names is remembered, the values are checked on
// every line; a bad value late in the body still sends the body the ordinary way.
TEST(WriteFastPath, RepeatedNamesWithABadValueLateInTheBody) {
  std::string body;
  for (int i = 0; i < 50; ++i) body += "cpu,host=h" + std::to_string(i) + " v=1,w=2i\n";
  both("/v1/write/metric", body, Want::kFast);
  both("/v1/write/metric", body + "cpu,host=h\xff v=1,w=2i\n", Want::kOrdinary);
  both("/v1/write/metric", body + "cpu,host=" + std::string(1100, 'x') + " v=1,w=2i\n",
       Want::kOrdinary);
  both("/v1/write/metric", body + "cpu,host=h v=\"s\",w=2i\n", Want::kOrdinary);
  both("/v1/write/metric", body + "cpu,host=h v=1,w=2u\n", Want::kFast);
  both("/v1/write/metric", body + "cpu,host=h\\ v=1,w=2i\n", Want::kOrdinary);
}

// Many lines of the bench's shape, in bodies of a few thousand points.
TEST(WriteFastPath, LargeBody) {
  std::string body;
  for (int i = 0; i < 3000; ++i) {
    body += "cpu,host=h" + std::to_string(i % 50) + ",cpu=cpu" + std::to_string(i % 8) +
            " usage_user=" + std::to_string(i * 0.25) + ",usage_system=1." + std::to_string(i) +
            ",n=" + std::to_string(i) + "i " + std::to_string(1700000000000000000 + i) + "\n";
  }
  EXPECT_EQ(both("/v1/write/metric", body, Want::kFast).size(), 3000u);
}

}  // namespace
}  // namespace sextant::agent

#include "agent/uploader/upload_body.h"

#include <gtest/gtest.h>

#include <random>

#include "codec/line_protocol/line_protocol.h"
#include "codec/point_pb/point_pb.h"
#include "model/testing/random_points.h"

namespace sextant::agent {
namespace {

model::Point metric(int i, size_t pad = 0) {
  model::Point p;
  p.measurement = "cpu";
  p.addTag("host", "h" + std::to_string(i) + std::string(pad, 'x'));
  p.addField("usage", static_cast<int64_t>(i));
  p.time_ns = 1700000000000000000 + i;
  return p;
}

struct Collected {
  std::vector<std::string> bodies;
  std::vector<uint32_t> counts;
};

Collected split(const std::vector<model::Point>& pts, UploadEncoding enc, size_t cap) {
  Collected c;
  Status st = splitBodies(pts, enc, cap, [&](std::string& body, uint32_t n) {
    c.bodies.push_back(body);
    c.counts.push_back(n);
    return Status::ok();
  });
  EXPECT_TRUE(st.isOk());
  return c;
}

TEST(UploadBodyTest, ContentTypesAreDataKits) {
  EXPECT_EQ(uploadContentType(UploadEncoding::kProtobuf),
            "application/protobuf; proto=com.guance.Point");
  EXPECT_EQ(uploadContentType(UploadEncoding::kLineProtocol), "application/line-protocol");
}

TEST(UploadBodyTest, LineProtocolSplitsAtTheCap) {
  std::vector<model::Point> pts;
  for (int i = 0; i < 10; ++i) pts.push_back(metric(i));
  // Each line: "cpu,host=hN usage=Ni 17000000000000000N\n" = 41 bytes.
  const std::string line0 = "cpu,host=h0 usage=0i 1700000000000000000\n";
  ASSERT_EQ(line0.size(), 41u);
  Collected c = split(pts, UploadEncoding::kLineProtocol, 100);  // two lines fit, not three
  ASSERT_EQ(c.bodies.size(), 5u);
  EXPECT_EQ(c.counts, (std::vector<uint32_t>{2, 2, 2, 2, 2}));
  EXPECT_EQ(c.bodies[0], line0 + "cpu,host=h1 usage=1i 1700000000000000001\n");
  for (const auto& b : c.bodies) EXPECT_LE(b.size(), 100u);
  // Exactly at the cap: 82 bytes hold two lines.
  EXPECT_EQ(split(pts, UploadEncoding::kLineProtocol, 82).bodies.size(), 5u);
  EXPECT_EQ(split(pts, UploadEncoding::kLineProtocol, 81).bodies.size(), 10u);
  EXPECT_EQ(split(pts, UploadEncoding::kLineProtocol, 1 << 20).bodies.size(), 1u);
}

TEST(UploadBodyTest, OversizedPointGoesAlone) {
  std::vector<model::Point> pts = {metric(1), metric(2, 500), metric(3)};
  Collected c = split(pts, UploadEncoding::kLineProtocol, 100);
  ASSERT_EQ(c.bodies.size(), 3u);
  EXPECT_EQ(c.counts, (std::vector<uint32_t>{1, 1, 1}));
  EXPECT_GT(c.bodies[1].size(), 500u);
}

TEST(UploadBodyTest, ProtobufBodiesDecodeToTheSamePointsInOrder) {
  std::mt19937_64 rng(7);
  std::vector<model::Point> pts;
  for (int i = 0; i < 300; ++i) pts.push_back(model::testing::randomPoint(rng));
  for (size_t cap : {size_t{1}, size_t{500}, size_t{4096}, size_t{1} << 20}) {
    Collected c = split(pts, UploadEncoding::kProtobuf, cap);
    std::vector<model::Point> back;
    size_t total = 0;
    for (size_t i = 0; i < c.bodies.size(); ++i) {
      if (c.counts[i] > 1) {
        EXPECT_LE(c.bodies[i].size(), cap);
      }
      auto d = codec::pb::decode(c.bodies[i], model::Category::kMetric);
      ASSERT_TRUE(d.isOk()) << d.status().toString();
      EXPECT_EQ(d->size(), c.counts[i]);
      total += c.counts[i];
      back.insert(back.end(), d->begin(), d->end());
    }
    EXPECT_EQ(total, pts.size());
    ASSERT_EQ(back.size(), pts.size());
    for (size_t i = 0; i < pts.size(); ++i) {
      if (!model::testing::containsNan(std::span(&pts[i], 1))) {
        EXPECT_EQ(back[i], pts[i]) << i;
      }
    }
    if (cap == 1) {
      EXPECT_EQ(c.bodies.size(), pts.size());
    }
    if (cap == (size_t{1} << 20)) {
      EXPECT_EQ(c.bodies.size(), 1u);
    }
  }
}

TEST(UploadBodyTest, UnencodablePointsAreSkippedAndEmitErrorsStop) {
  model::Point empty;  // no field: line protocol cannot write it
  empty.measurement = "m";
  std::vector<model::Point> pts = {empty, metric(1), empty};
  Collected c = split(pts, UploadEncoding::kLineProtocol, 1000);
  ASSERT_EQ(c.bodies.size(), 1u);
  EXPECT_EQ(c.counts[0], 1u);
  EXPECT_TRUE(split({empty}, UploadEncoding::kLineProtocol, 1000).bodies.empty());

  std::vector<model::Point> many = {metric(1), metric(2), metric(3)};
  int calls = 0;
  Status st = splitBodies(many, UploadEncoding::kLineProtocol, 10, [&](std::string&, uint32_t) {
    ++calls;
    return Status(StatusCode::kResourceExhausted, "full");
  });
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(calls, 1);
}

TEST(UploadBodyTest, PackageIdShapeAndStability) {
  std::string a = packageId(1700000000123456789, "body");
  EXPECT_EQ(a.size(), 23u);
  EXPECT_EQ(a.substr(0, 3), "dk_");
  for (char c : a.substr(3)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'v')) << a;
  EXPECT_EQ(a, packageId(1700000000123456789, "body"));
  EXPECT_NE(a, packageId(1700000000123456790, "body"));
  EXPECT_NE(a, packageId(1700000000123456789, "bodz"));
  // Time 0 and crc32c("") = 0: 96 zero bits, 20 zero digits.
  EXPECT_EQ(packageId(0, ""), "dk_00000000000000000000");
}

}  // namespace
}  // namespace sextant::agent

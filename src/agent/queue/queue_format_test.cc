// The byte layouts of docs/formats/disk-queue.md, written out by hand here.
#include "agent/queue/queue_format.h"

#include <gtest/gtest.h>

#include "core/crc32c.h"

namespace sextant::agent {
namespace {

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (unsigned v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string le32(std::uint32_t v) {
  return bytes({v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24});
}

TEST(QueueFormatTest, SegmentNamesAreTwentyDigits) {
  EXPECT_EQ(segmentFileName(42), "00000000000000000042.seg");
  EXPECT_EQ(segmentFileName(18446744073709551615u), "18446744073709551615.seg");
  EXPECT_EQ(parseSegmentName("00000000000000000042.seg"), 42u);
  EXPECT_EQ(parseSegmentName("18446744073709551615.seg"), 18446744073709551615u);
  EXPECT_EQ(parseSegmentName("18446744073709551616.seg"), std::nullopt);  // overflow
  EXPECT_EQ(parseSegmentName("42.seg"), std::nullopt);
  EXPECT_EQ(parseSegmentName("0000000000000000004x.seg"), std::nullopt);
  EXPECT_EQ(parseSegmentName("00000000000000000042.tmp"), std::nullopt);
  EXPECT_EQ(parseSegmentName("cursor"), std::nullopt);
}

TEST(QueueFormatTest, SegmentHeaderLayout) {
  const std::string head = bytes({0x53, 0x58, 0x51, 0x53,  // "SXQS"
                                  0x01, 0x00,              // version 1
                                  0x00, 0x00,              // reserved
                                  0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01});
  const std::string expected = head + le32(crc32c(head));
  EXPECT_EQ(encodeSegmentHeader(0x0102030405060708u), expected);
  ASSERT_EQ(expected.size(), kSegmentHeaderSize);
  Result<std::uint64_t> seq = decodeSegmentHeader(expected);
  ASSERT_TRUE(seq.isOk());
  EXPECT_EQ(*seq, 0x0102030405060708u);
}

TEST(QueueFormatTest, BadSegmentHeadersAreDataLoss) {
  const std::string good = encodeSegmentHeader(7);
  EXPECT_EQ(decodeSegmentHeader(good.substr(0, 19)).status().code(), StatusCode::kDataLoss);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_EQ(decodeSegmentHeader(bad).status().code(), StatusCode::kDataLoss) << "byte " << i;
  }
  // A valid CRC over an unknown version is still refused.
  std::string v2 = bytes({0x53, 0x58, 0x51, 0x53, 0x02, 0x00, 0x00, 0x00, 7, 0, 0, 0, 0, 0, 0, 0});
  v2 += le32(crc32c(v2));
  EXPECT_EQ(decodeSegmentHeader(v2).status().code(), StatusCode::kDataLoss);
}

TEST(QueueFormatTest, RecordLayout) {
  QueueRecord r;
  r.body = "xyz";
  r.content_type = "text/plain";
  r.content_encoding = "gzip";
  r.point_count = 7;
  r.create_time_ns = 0x0102030405060708;
  const std::string after_crc = bytes({0x21, 0x00, 0x00, 0x00,  // length 33 = 16 + 10 + 4 + 3
                                       0x01, 0x00, 0x00, 0x00,  // type 1, flags, reserved
                                       0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // time
                                       0x07, 0x00, 0x00, 0x00,                          // points
                                       0x0A, 0x00, 0x04, 0x00}) +  // string lengths
                                "text/plain"
                                "gzip"
                                "xyz";
  const std::string expected = le32(crc32c(after_crc)) + after_crc;
  Result<std::string> encoded = encodeRecord(r);
  ASSERT_TRUE(encoded.isOk());
  EXPECT_EQ(*encoded, expected);

  Result<RecordHeader> h = decodeRecordHeader(expected);
  ASSERT_TRUE(h.isOk());
  EXPECT_EQ(h->length, 33u);
  Result<QueueRecord> back =
      decodeRecordBody(std::string_view(expected).substr(0, kRecordHeaderSize),
                       std::string_view(expected).substr(kRecordHeaderSize));
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, r);
}

TEST(QueueFormatTest, RecordWithAStorageIndex) {
  QueueRecord r;
  r.body = "xyz";
  r.content_type = "t";
  r.content_encoding = "";
  r.point_count = 2;
  r.create_time_ns = 1;
  r.storage_index = "idx";
  const std::string after_crc = bytes({0x19, 0x00, 0x00, 0x00,  // length 25 = 16 + 2 + 1 + 3 + 3
                                       0x01, 0x01, 0x00, 0x00,  // type 1, flag: storage index
                                       0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // time
                                       0x02, 0x00, 0x00, 0x00,                          // points
                                       0x01, 0x00, 0x00, 0x00,  // type and encoding lengths
                                       0x03, 0x00}) +           // storage index length
                                "t"
                                "idx"
                                "xyz";
  const std::string expected = le32(crc32c(after_crc)) + after_crc;
  Result<std::string> encoded = encodeRecord(r);
  ASSERT_TRUE(encoded.isOk());
  EXPECT_EQ(*encoded, expected);
  Result<QueueRecord> back =
      decodeRecordBody(std::string_view(expected).substr(0, kRecordHeaderSize),
                       std::string_view(expected).substr(kRecordHeaderSize));
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, r);
  // The flag set but the index length cut off.
  std::string cut = bytes({0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00}) + std::string(16, '\0');
  cut = le32(crc32c(cut)) + cut;
  EXPECT_EQ(decodeRecordBody(std::string_view(cut).substr(0, 12), std::string_view(cut).substr(12))
                .status()
                .code(),
            StatusCode::kDataLoss);
}

TEST(QueueFormatTest, RecordRoundTripsEdgeValues) {
  QueueRecord r;  // all empty
  r.create_time_ns = -1;
  r.point_count = 0xFFFFFFFFu;
  Result<std::string> encoded = encodeRecord(r);
  ASSERT_TRUE(encoded.isOk());
  EXPECT_EQ(encoded->size(), kRecordHeaderSize + kRecordMetaSize);
  std::string_view e = *encoded;
  Result<QueueRecord> back =
      decodeRecordBody(e.substr(0, kRecordHeaderSize), e.substr(kRecordHeaderSize));
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, r);

  r.body = std::string(1 << 20, '\0');  // binary bodies are fine
  r.body[100] = '\xff';
  encoded = encodeRecord(r);
  ASSERT_TRUE(encoded.isOk());
  e = *encoded;
  back = decodeRecordBody(e.substr(0, kRecordHeaderSize), e.substr(kRecordHeaderSize));
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, r);
}

TEST(QueueFormatTest, EveryCorruptedByteIsDetected) {
  QueueRecord r;
  r.body = "payload bytes";
  r.content_type = "application/x-protobuf";
  r.content_encoding = "gzip";
  r.point_count = 3;
  r.create_time_ns = 12345;
  Result<std::string> encoded = encodeRecord(r);
  ASSERT_TRUE(encoded.isOk());
  for (size_t i = 0; i < encoded->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = *encoded;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      std::string_view b = bad;
      Result<QueueRecord> got =
          decodeRecordBody(b.substr(0, kRecordHeaderSize), b.substr(kRecordHeaderSize));
      EXPECT_EQ(got.status().code(), StatusCode::kDataLoss) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(QueueFormatTest, HeaderChecksWithoutBody) {
  EXPECT_EQ(decodeRecordHeader("short").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(decodeRecordHeader(std::string(12, '\0')).status().code(),
            StatusCode::kDataLoss);  // zero fill: length 0
  const std::string crc = le32(0);
  // Length below the fixed metadata, above the cap.
  EXPECT_FALSE(decodeRecordHeader(crc + le32(15) + bytes({1, 0, 0, 0})).isOk());
  EXPECT_FALSE(decodeRecordHeader(crc + le32(kMaxRecordBodySize + 1) + bytes({1, 0, 0, 0})).isOk());
  EXPECT_TRUE(decodeRecordHeader(crc + le32(kMaxRecordBodySize) + bytes({1, 0, 0, 0})).isOk());
  // Unknown type, flags, reserved.
  EXPECT_FALSE(decodeRecordHeader(crc + le32(16) + bytes({2, 0, 0, 0})).isOk());
  EXPECT_FALSE(decodeRecordHeader(crc + le32(16) + bytes({1, 2, 0, 0})).isOk());
  EXPECT_TRUE(decodeRecordHeader(crc + le32(18) + bytes({1, 1, 0, 0})).isOk());  // storage index
  EXPECT_FALSE(decodeRecordHeader(crc + le32(16) + bytes({1, 0, 0, 1})).isOk());
}

TEST(QueueFormatTest, StringLengthsPastTheRecordAreDataLoss) {
  // A record with a valid CRC whose content-type length points past its end.
  std::string after_crc = le32(16) + bytes({1, 0, 0, 0}) + std::string(12, '\0') +
                          bytes({0x01, 0x00, 0x00, 0x00});  // T = 1, E = 0, nothing follows
  std::string rec = le32(crc32c(after_crc)) + after_crc;
  std::string_view v = rec;
  EXPECT_EQ(decodeRecordBody(v.substr(0, 12), v.substr(12)).status().code(), StatusCode::kDataLoss);
  // A body shorter than the header says.
  Result<std::string> good = encodeRecord(QueueRecord{"abc", "t", "e", 1, 2});
  ASSERT_TRUE(good.isOk());
  v = *good;
  EXPECT_EQ(decodeRecordBody(v.substr(0, 12), v.substr(12, v.size() - 13)).status().code(),
            StatusCode::kDataLoss);
}

TEST(QueueFormatTest, EncodeRefusesWhatCannotBeFramed) {
  QueueRecord r;
  r.content_type = std::string(65536, 't');
  EXPECT_EQ(encodeRecord(r).status().code(), StatusCode::kInvalidArgument);
  r.content_type = "t";
  r.body = std::string(kMaxRecordBodySize, 'b');  // + 17 bytes of metadata: over the cap
  EXPECT_EQ(encodeRecord(r).status().code(), StatusCode::kOutOfRange);
  r.body.resize(kMaxRecordBodySize - kRecordMetaSize - 1);
  EXPECT_TRUE(encodeRecord(r).isOk());
}

TEST(QueueFormatTest, CursorLayout) {
  const std::string head = bytes({0x53, 0x58, 0x51, 0x43,                // "SXQC"
                                  0x01, 0x00, 0x00, 0x00,                // version 1, reserved
                                  0x05, 0,    0,    0,    0, 0, 0, 0,    // segment 5
                                  0x34, 0x12, 0,    0,    0, 0, 0, 0});  // offset 0x1234
  const std::string expected = head + le32(crc32c(head));
  EXPECT_EQ(encodeCursor(QueueCursor{5, 0x1234}), expected);
  Result<QueueCursor> c = decodeCursor(expected);
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(*c, (QueueCursor{5, 0x1234}));

  EXPECT_FALSE(decodeCursor(expected.substr(0, 27)).isOk());
  EXPECT_FALSE(decodeCursor(expected + "x").isOk());
  EXPECT_FALSE(decodeCursor("").isOk());
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string bad = expected;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_EQ(decodeCursor(bad).status().code(), StatusCode::kDataLoss) << "byte " << i;
  }
}

}  // namespace
}  // namespace sextant::agent

// The byte layouts of docs/formats/wal.md, written out by hand here, and how a segment scan tells
// a torn tail from corruption.
#include "storage/wal/wal_format.h"

#include <gtest/gtest.h>

#include <random>

#include "core/crc32c.h"

namespace sextant::storage {
namespace {

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (unsigned v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string le32(std::uint32_t v) {
  return bytes({v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24});
}

// A segment numbered `seq` holding records first_lsn, first_lsn+1, ... with these payloads.
std::string segment(std::uint64_t seq, std::uint64_t first_lsn,
                    const std::vector<std::string>& payloads) {
  std::string out = encodeWalSegmentHeader({seq, first_lsn});
  for (std::size_t i = 0; i < payloads.size(); ++i)
    appendWalRecord(out, first_lsn + i, payloads[i]);
  return out;
}

TEST(WalFormatTest, FileNames) {
  EXPECT_EQ(walSegmentName(42), "wal-00000000000000000042.log");
  EXPECT_EQ(walSegmentName(42, WalFileKind::kCorrupt), "wal-00000000000000000042.log.corrupt");
  EXPECT_EQ(walSegmentName(42, WalFileKind::kTemp), "wal-00000000000000000042.log.tmp");
  std::optional<WalFileName> n = parseWalFileName("wal-00000000000000000042.log");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->seq, 42u);
  EXPECT_EQ(n->kind, WalFileKind::kSegment);
  n = parseWalFileName("wal-18446744073709551615.log.corrupt");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->seq, 18446744073709551615u);
  EXPECT_EQ(n->kind, WalFileKind::kCorrupt);
  n = parseWalFileName("wal-00000000000000000007.log.tmp");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->kind, WalFileKind::kTemp);
  EXPECT_FALSE(parseWalFileName("wal-18446744073709551616.log"));  // overflow
  EXPECT_FALSE(parseWalFileName("wal-42.log"));
  EXPECT_FALSE(parseWalFileName("wal-0000000000000000004x.log"));
  EXPECT_FALSE(parseWalFileName("wal-00000000000000000042.seg"));
  EXPECT_FALSE(parseWalFileName("00000000000000000042.log"));
  EXPECT_FALSE(parseWalFileName("checkpoint"));
}

TEST(WalFormatTest, SegmentHeaderLayout) {
  const std::string head = bytes({0x53, 0x58, 0x57, 0x4C,                          // "SXWL"
                                  0x01, 0x00,                                      // version
                                  0x00, 0x00,                                      // reserved
                                  0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // seq
                                  0x2A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // first LSN
                                  0x00, 0x00, 0x00, 0x00});                        // reserved
  const std::string expected = head + le32(crc32c(head));
  ASSERT_EQ(expected.size(), kWalSegmentHeaderSize);
  EXPECT_EQ(encodeWalSegmentHeader({0x0102030405060708u, 42}), expected);
  Result<WalSegmentHeader> h = decodeWalSegmentHeader(expected);
  ASSERT_TRUE(h.isOk());
  EXPECT_EQ(h->seq, 0x0102030405060708u);
  EXPECT_EQ(h->first_lsn, 42u);
}

TEST(WalFormatTest, BadSegmentHeadersAreDataLoss) {
  const std::string good = encodeWalSegmentHeader({1, 1});
  EXPECT_EQ(decodeWalSegmentHeader(good.substr(0, 31)).status().code(), StatusCode::kDataLoss);
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_EQ(decodeWalSegmentHeader(bad).status().code(), StatusCode::kDataLoss) << "byte " << i;
  }
  // Version 2 with a correct CRC is refused too.
  std::string v2 = good.substr(0, 28);
  v2[4] = 2;
  EXPECT_EQ(decodeWalSegmentHeader(v2 + le32(crc32c(v2))).status().code(), StatusCode::kDataLoss);
}

TEST(WalFormatTest, RecordLayout) {
  std::string out = "prefix";
  appendWalRecord(out, 0x0102030405060708u, "abc");
  const std::string rest = bytes({0x03, 0x00, 0x00, 0x00,  // length
                                  0x01,                    // type: full record
                                  0x00,                    // flags
                                  0x00, 0x00,              // reserved
                                  0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}) +
                           "abc";
  EXPECT_EQ(out, "prefix" + le32(crc32c(rest)) + rest);
  EXPECT_EQ(walRecordSize(3), 23u);

  WalRecordView r = decodeWalRecord(std::string_view(out).substr(6));
  ASSERT_EQ(r.outcome, WalRecordView::Outcome::kRecord) << r.error;
  EXPECT_EQ(r.lsn, 0x0102030405060708u);
  EXPECT_EQ(r.payload, "abc");
  EXPECT_EQ(r.size, 23u);
}

TEST(WalFormatTest, EmptyPayloadAndTrailingBytes) {
  std::string out;
  appendWalRecord(out, 5, "");
  out += "next";
  WalRecordView r = decodeWalRecord(out);
  ASSERT_EQ(r.outcome, WalRecordView::Outcome::kRecord);
  EXPECT_EQ(r.lsn, 5u);
  EXPECT_EQ(r.payload, "");
  EXPECT_EQ(r.size, 20u);
}

TEST(WalFormatTest, EveryFlippedBitIsDetected) {
  std::string good;
  appendWalRecord(good, 9, "payload bytes");
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_NE(decodeWalRecord(bad).outcome, WalRecordView::Outcome::kRecord)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(WalFormatTest, TruncatedAndZeroedRecords) {
  std::string good;
  appendWalRecord(good, 9, "payload bytes");
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(decodeWalRecord(good.substr(0, n)).outcome, WalRecordView::Outcome::kTruncated) << n;
  }
  EXPECT_EQ(decodeWalRecord(std::string(64, '\0')).outcome, WalRecordView::Outcome::kCorrupt);
  // A length over 64 MiB is corrupt, not "truncated".
  std::string huge = good;
  huge[7] = 0x10;
  EXPECT_EQ(decodeWalRecord(huge).outcome, WalRecordView::Outcome::kCorrupt);
}

TEST(WalFormatTest, ScanCleanSegment) {
  const std::string seg = segment(3, 10, {"a", "bb", "ccc"});
  WalSegmentScan s = scanWalSegment(seg, 3);
  EXPECT_TRUE(s.header_ok);
  EXPECT_FALSE(s.damaged);
  EXPECT_EQ(s.header.first_lsn, 10u);
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.last_lsn, 12u);
  EXPECT_EQ(s.valid_end, 32u + 21 + 22 + 23);

  WalSegmentScan empty = scanWalSegment(segment(4, 10, {}), 4);
  EXPECT_FALSE(empty.damaged);
  EXPECT_EQ(empty.records, 0u);
  EXPECT_EQ(empty.last_lsn, 9u);
}

TEST(WalFormatTest, ScanTornTailHasNoRecordAfterTheDamage) {
  const std::string seg = segment(1, 1, {"first", "second", "third"});
  const std::size_t two = 32 + 25 + 26;  // header + first + second
  for (std::size_t cut = two + 1; cut < seg.size(); ++cut) {
    WalSegmentScan s = scanWalSegment(seg.substr(0, cut), 1);
    EXPECT_TRUE(s.damaged) << cut;
    EXPECT_EQ(s.valid_end, two) << cut;
    EXPECT_EQ(s.records, 2u);
    EXPECT_EQ(s.last_lsn, 2u);
    EXPECT_FALSE(s.lsn_after_damage.has_value()) << cut;
  }
  // A torn write followed by zeros or garbage.
  WalSegmentScan z = scanWalSegment(seg.substr(0, two + 7) + std::string(100, '\0'), 1);
  EXPECT_TRUE(z.damaged);
  EXPECT_EQ(z.valid_end, two);
  EXPECT_FALSE(z.lsn_after_damage.has_value());
}

TEST(WalFormatTest, ScanCorruptionHasRecordsAfterTheDamage) {
  std::string seg = segment(1, 1, {"first", "second", "third", "fourth"});
  seg[32 + 25 + 22] ^= 0x40;  // a payload byte of the second record
  WalSegmentScan s = scanWalSegment(seg, 1);
  EXPECT_TRUE(s.damaged);
  EXPECT_EQ(s.error, "record checksum mismatch");
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.valid_end, 32u + 25);
  ASSERT_TRUE(s.lsn_after_damage.has_value());
  EXPECT_EQ(*s.lsn_after_damage, 4u);
  EXPECT_EQ(s.records_after_damage, 2u);  // third and fourth
}

TEST(WalFormatTest, ScanRejectsLsnGapsAndForeignHeaders) {
  std::string seg = encodeWalSegmentHeader({1, 1});
  appendWalRecord(seg, 1, "a");
  appendWalRecord(seg, 3, "b");  // 2 is missing
  WalSegmentScan s = scanWalSegment(seg, 1);
  EXPECT_TRUE(s.damaged);
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.error, "record LSN 3 where 2 was expected");
  ASSERT_TRUE(s.lsn_after_damage.has_value());
  EXPECT_EQ(*s.lsn_after_damage, 3u);

  WalSegmentScan other = scanWalSegment(segment(2, 1, {"a"}), 7);  // file name says 7
  EXPECT_FALSE(other.header_ok);
  EXPECT_TRUE(other.damaged);
  EXPECT_EQ(other.valid_end, 0u);
  ASSERT_TRUE(other.lsn_after_damage.has_value());
  EXPECT_EQ(*other.lsn_after_damage, 1u);
}

// Random damage never makes a scan crash, read out of bounds or accept a record that was not
// written: the valid records are always a prefix of what was written.
TEST(WalFormatTest, RandomDamageYieldsAPrefix) {
  std::vector<std::string> payloads;
  for (int i = 0; i < 20; ++i)
    payloads.push_back(std::string(static_cast<std::size_t>(i * 7), 'a' + static_cast<char>(i)));
  const std::string good = segment(5, 100, payloads);
  std::mt19937_64 rng(1);
  for (int round = 0; round < 2000; ++round) {
    std::string bad = good;
    switch (rng() % 4) {
      case 0: bad.resize(rng() % bad.size()); break;
      case 1: bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255); break;
      case 2: {
        const std::size_t at = rng() % bad.size();
        for (std::size_t i = at; i < bad.size() && i < at + 64; ++i)
          bad[i] = static_cast<char>(rng());
        break;
      }
      default:
        bad.insert(rng() % bad.size(), std::string(1 + rng() % 30, static_cast<char>(rng())));
    }
    WalSegmentScan s = scanWalSegment(bad, 5);
    ASSERT_LE(s.valid_end, bad.size());
    ASSERT_LE(s.records, payloads.size());
    if (s.header_ok) {
      ASSERT_EQ(s.last_lsn, 99 + s.records);
      // The valid part is byte for byte what was written.
      ASSERT_EQ(bad.substr(0, s.valid_end), good.substr(0, s.valid_end)) << "round " << round;
    }
    if (!s.damaged) {
      ASSERT_EQ(s.valid_end, bad.size());
    }
  }
}

}  // namespace
}  // namespace sextant::storage

// Column blocks: hand-written layouts from docs/formats/column-blocks.md, round trips of every
// type (absent rows, edge values, random columns and ranges), the appending and presence rules,
// and damage: every flipped bit, every truncation and random re-checksummed corruption.
#include "storage/encoding/block.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/crc32c.h"
#include "core/little_endian.h"
#include "storage/encoding/bit_io.h"

namespace sextant::storage::encoding {
namespace {

using model::FieldType;

ColumnValues strings(std::vector<std::string> v) {
  return ColumnValues(std::in_place_index<4>, std::move(v));
}
ColumnValues bytesCol(std::vector<std::string> v) {
  return ColumnValues(std::in_place_index<5>, std::move(v));
}
FieldType typeOf(const ColumnValues& v) { return static_cast<FieldType>(v.index()); }

std::string encode(const ColumnValues& v, std::span<const std::uint8_t> present = {},
                   BlockHint hint = BlockHint::kAuto) {
  std::string out;
  encodeBlock(v, present, 0, columnSize(v), hint, &out);
  return out;
}

ColumnValues decodeOk(std::string_view block, FieldType t,
                      std::vector<std::uint8_t>* present = nullptr) {
  ColumnValues v = emptyColumnValues(t);
  std::vector<std::uint8_t> p;
  Status st = decodeBlock(block, &v, present != nullptr ? present : &p);
  EXPECT_TRUE(st.isOk()) << st.toString();
  return v;
}

// Doubles compare by their bits (NaN payloads, -0.0).
std::vector<std::uint64_t> bitsOf(const std::vector<double>& v) {
  std::vector<std::uint64_t> out;
  for (double d : v) out.push_back(std::bit_cast<std::uint64_t>(d));
  return out;
}

void expectSameValues(const ColumnValues& got, const ColumnValues& want) {
  ASSERT_EQ(got.index(), want.index());
  if (got.index() == 2) {
    EXPECT_EQ(bitsOf(std::get<2>(got)), bitsOf(std::get<2>(want)));
  } else {
    EXPECT_TRUE(got == want);
  }
}

// A block from its hand-written header fields and raw body (no zstd), with the CRC filled in.
std::string handBlock(std::uint8_t type, std::uint8_t codec, std::uint8_t flags, std::uint32_t rows,
                      std::vector<std::uint8_t> body) {
  std::string b(4, '\0');
  b.push_back(1);  // version
  b.push_back(static_cast<char>(type));
  b.push_back(static_cast<char>(codec));
  b.push_back(static_cast<char>(flags));
  for (std::uint32_t v :
       {rows, static_cast<std::uint32_t>(body.size()), static_cast<std::uint32_t>(body.size())}) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  for (std::uint8_t c : body) b.push_back(static_cast<char>(c));
  const std::uint32_t crc = crc32c(std::string_view(b).substr(4));
  for (int i = 0; i < 4; ++i)
    b[static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  return b;
}

std::string hex(std::string_view s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof(buf), "%02x ", c);
    out += buf;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hand-written layouts: one per codec, encoded and decoded.

struct HandCase {
  const char* name;
  ColumnValues values;
  std::vector<std::uint8_t> present;
  BlockHint hint;
  std::string block;
};

std::vector<HandCase> handCases() {
  std::vector<HandCase> c;
  // delta2: zigzag 1000 = 2000 = D0 0F; d1 = 100 -> 200 = C8 01; then three zero dods.
  c.push_back({"delta2",
               std::vector<std::int64_t>{1000, 1100, 1200, 1300, 1400},
               {},
               BlockHint::kTimestamps,
               handBlock(0, 3, 0, 5, {0xD0, 0x0F, 0xC8, 0x01, 0x00, 0x00, 0x00})});
  // delta: zz(5)=0A, zz(-2)=03, zz(1)=02 (delta2 also 3 bytes: the lower id wins).
  c.push_back({"delta",
               std::vector<std::int64_t>{5, 3, 4},
               {},
               BlockHint::kAuto,
               handBlock(0, 2, 0, 3, {0x0A, 0x03, 0x02})});
  // runs of uint64: (zz 7 = 0E, 4), (zz +2 = 04, 4).
  c.push_back({"runs",
               std::vector<std::uint64_t>{7, 7, 7, 7, 9, 9, 9, 9},
               {},
               BlockHint::kAuto,
               handBlock(1, 4, 0, 8, {0x0E, 0x04, 0x04, 0x04})});
  // plain64: zigzag INT64_MIN would take 10 bytes.
  c.push_back({"plain64",
               std::vector<std::int64_t>{INT64_MIN},
               {},
               BlockHint::kAuto,
               handBlock(0, 1, 0, 1, {0, 0, 0, 0, 0, 0, 0, 0x80})});
  // gorilla: -0.0 (64 bits), same (bit 0), +0.0: 1, 1, lz=0 (5 bits), len-1=0 (6 bits), bit 1.
  c.push_back({"gorilla",
               std::vector<double>{-0.0, -0.0, 0.0},
               {},
               BlockHint::kAuto,
               handBlock(2, 5, 0, 3, {0, 0, 0, 0, 0, 0, 0, 0x80, 0x06, 0x40})});
  // decimal: e=2, zz(5731)=11462 = C6 59, zz(-37)=73 = 49.
  c.push_back({"decimal",
               std::vector<double>{57.31, 56.94},
               {},
               BlockHint::kAuto,
               handBlock(2, 6, 0, 2, {0x02, 0xC6, 0x59, 0x49})});
  // decimal integers: e=0, zz(1000)=2000 = D0 0F, zz(-1003)=2005 = D5 0F, zz(5)=0A.
  c.push_back({"decimal_e0",
               std::vector<double>{1000, -3, 2},
               {},
               BlockHint::kAuto,
               handBlock(2, 6, 0, 3, {0x00, 0xD0, 0x0F, 0xD5, 0x0F, 0x0A})});
  // bitmap: 1,0,1,1,0,0,0,0 | 1.
  c.push_back({"bitmap",
               std::vector<std::uint8_t>{1, 0, 1, 1, 0, 0, 0, 0, 1},
               {},
               BlockHint::kAuto,
               handBlock(3, 7, 0, 9, {0x0D, 0x01})});
  // strings: "ab", "".
  c.push_back({"strings",
               strings({"ab", ""}),
               {},
               BlockHint::kAuto,
               handBlock(4, 8, 0, 2, {0x02, 'a', 'b', 0x00})});
  // dict: D=2, "x", "y", indexes 0,0,0,1 in 1-bit fields.
  c.push_back({"dict",
               strings({"x", "x", "x", "y"}),
               {},
               BlockHint::kAuto,
               handBlock(4, 9, 0, 4, {0x02, 0x01, 'x', 0x01, 'y', 0x08})});
  c.push_back({"dict_bytes",
               bytesCol({"x", "x", "x", "y"}),
               {},
               BlockHint::kAuto,
               handBlock(5, 9, 0, 4, {0x02, 0x01, 'x', 0x01, 'y', 0x08})});
  // arrays: int64 {1, -1}, bool {true}.
  {
    model::Array a{std::vector<std::int64_t>{1, -1}};
    model::Array b{std::vector<bool>{true}};
    c.push_back({"arrays",
                 std::vector<model::Array>{a, b},
                 {},
                 BlockHint::kAuto,
                 handBlock(6, 10, 0, 2, {0x00, 0x02, 0x02, 0x01, 0x03, 0x01, 0x01})});
  }
  // presence: rows absent, 5, absent: bitmap 0b010, then delta zz(5).
  c.push_back({"presence",
               std::vector<std::int64_t>{0, 5, 0},
               {0, 1, 0},
               BlockHint::kAuto,
               handBlock(0, 2, 2, 3, {0x02, 0x0A})});
  // empty block: header only.
  c.push_back(
      {"empty", std::vector<std::int64_t>{}, {}, BlockHint::kAuto, handBlock(0, 1, 0, 0, {})});
  c.push_back({"empty_strings", strings({}), {}, BlockHint::kAuto, handBlock(4, 8, 0, 0, {})});
  return c;
}

TEST(ColumnBlockLayout, HandWrittenBlocks) {
  for (const HandCase& c : handCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(hex(encode(c.values, c.present, c.hint)), hex(c.block));
    std::vector<std::uint8_t> present;
    expectSameValues(decodeOk(c.block, typeOf(c.values), &present), c.values);
    EXPECT_EQ(present, c.present);
    EXPECT_EQ(*blockRows(c.block), columnSize(c.values));
    EXPECT_EQ(*blockSize(c.block), c.block.size());
  }
}

TEST(ColumnBlockLayout, HandWrittenGorillaWindowReuse) {
  // 1.0; 3.0: x = 0x7FF8000000000000: 1, 1, lz=1, len-1=11, 12 one bits; 1.0: 1, 0, 12 one bits.
  std::string b =
      handBlock(2, 5, 0, 3, {0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x87, 0xE5, 0xFF, 0xFB, 0x7F});
  expectSameValues(decodeOk(b, FieldType::kFloat), std::vector<double>{1.0, 3.0, 1.0});
}

TEST(ColumnBlockLayout, HandWrittenZstd) {
  // Unique but similar lines: length-prefixed strings, then zstd.
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) lines.push_back("GET /api/v1/items/" + std::to_string(i) + " 200");
  std::string b = encode(strings(lines));
  EXPECT_EQ(b[7], 1);  // flags: zstd
  std::size_t raw = 0;
  for (const std::string& l : lines) raw += 1 + l.size();
  EXPECT_EQ(b[6], 8);  // codec: strings
  EXPECT_EQ(getLe(b, 16, 4), raw);
  EXPECT_LE(b.size() - kBlockHeaderSize, raw - raw / 8);
  expectSameValues(decodeOk(b, FieldType::kString), strings(lines));
}

// ---------------------------------------------------------------------------------------------
// Edge values.

TEST(ColumnBlock, EdgeInts) {
  const std::vector<std::int64_t> v = {0,         -1,        1,         INT64_MIN, INT64_MAX,
                                       INT64_MIN, INT64_MAX, INT64_MAX, 0,         INT64_MIN + 1};
  for (BlockHint hint : {BlockHint::kAuto, BlockHint::kTimestamps}) {
    expectSameValues(decodeOk(encode(v, {}, hint), FieldType::kInt), v);
  }
  const std::vector<std::uint64_t> u = {0, UINT64_MAX, 1, UINT64_MAX, UINT64_MAX, 0, 1ull << 63};
  expectSameValues(decodeOk(encode(u), FieldType::kUint), u);
}

// The delta and delta2 decoders have fast paths (one-byte varints read inline, eight zero bytes
// = eight equal steps at once). Payloads written here with the test's own LEB128/zigzag writer.
void testVarint(std::vector<std::uint8_t>* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<std::uint8_t>(v));
}
std::uint64_t testZigzag(std::int64_t v) {
  return v < 0 ? (~static_cast<std::uint64_t>(v) << 1) | 1 : static_cast<std::uint64_t>(v) << 1;
}
std::vector<std::uint8_t> delta2Payload(const std::vector<std::int64_t>& v) {
  std::vector<std::uint8_t> out;
  std::uint64_t prev = 0, prev_delta = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::uint64_t x = static_cast<std::uint64_t>(v[i]);
    const std::uint64_t d = x - prev;
    const std::uint64_t dod = i < 2 ? d : d - prev_delta;
    testVarint(&out, testZigzag(static_cast<std::int64_t>(i == 0 ? x : dod)));
    prev_delta = i == 0 ? 0 : d;
    prev = x;
  }
  return out;
}
std::vector<std::uint8_t> deltaPayload(const std::vector<std::int64_t>& v) {
  std::vector<std::uint8_t> out;
  std::uint64_t prev = 0;
  for (std::int64_t x : v) {
    testVarint(&out, testZigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(x) - prev)));
    prev = static_cast<std::uint64_t>(x);
  }
  return out;
}

// readVarintAt: every length at its edges, with 0 to 11 bytes after it, stops at its last byte.
TEST(Varint, EveryLengthWithAnyTail) {
  std::vector<std::uint64_t> values = {0, UINT64_MAX, 1ull << 63};
  for (int bits = 1; bits < 64; ++bits) {
    values.push_back((1ull << bits) - 1);
    values.push_back(1ull << bits);
    values.push_back((1ull << bits) | 0x55);
  }
  for (std::uint64_t v : values) {
    for (std::size_t tail = 0; tail < 12; ++tail) {
      std::vector<std::uint8_t> bytes = {0x01};  // a one-byte varint (1) before it
      testVarint(&bytes, v);
      const std::size_t end = bytes.size();
      bytes.resize(end + tail, 0xFF);
      const std::string in(bytes.begin(), bytes.end());
      std::size_t pos = 1;
      std::uint64_t got = 0;
      ASSERT_TRUE(readVarintAt(in, &pos, &got)) << v << " tail " << tail;
      EXPECT_EQ(got, v) << "tail " << tail;
      EXPECT_EQ(pos, end) << v << " tail " << tail;
    }
  }
}

TEST(Varint, TruncatedAndOverlongFail) {
  std::uint64_t v = 0;
  for (std::size_t n = 1; n < 16; ++n) {
    // Only continuation bytes: truncated whatever the length.
    const std::string cont(n, static_cast<char>(0x80));
    std::size_t pos = 0;
    EXPECT_FALSE(readVarintAt(cont, &pos, &v)) << n;
  }
  // Ten bytes with a 10th above 1: above 2^64 - 1.
  std::string over(9, static_cast<char>(0xFF));
  over.push_back(0x02);
  over.append(8, '\0');
  std::size_t pos = 0;
  EXPECT_FALSE(readVarintAt(over, &pos, &v));
}

TEST(ColumnBlock, DeltaFastPathsMatchValues) {
  // Hand-checked: 15 s steps in ns, eight zero dods (one word), then a 1 ns jitter, two zeros.
  // 1000 -> D0 0F; delta 15e9 -> zz 3e10 = 80 D8 8E E1 6F; then 8 x 00; dod +1 -> 02; dod -1 -> 01.
  std::vector<std::int64_t> want = {1000};
  for (int i = 0; i < 9; ++i) want.push_back(want.back() + 15'000'000'000);
  want.push_back(want.back() + 15'000'000'001);
  want.push_back(want.back() + 15'000'000'000);
  want.push_back(want.back() + 15'000'000'000);
  std::vector<std::uint8_t> body = {0xD0, 0x0F, 0x80, 0xD8, 0x8E, 0xE1, 0x6F, 0,    0,
                                    0,    0,    0,    0,    0,    0,    0x02, 0x01, 0x00};
  EXPECT_EQ(delta2Payload(want), body);
  expectSameValues(
      decodeOk(handBlock(0, 3, 0, static_cast<std::uint32_t>(want.size()), body), FieldType::kInt),
      want);

  std::mt19937_64 rng(7);
  for (int round = 0; round < 400; ++round) {
    const std::size_t n = rng() % 70;
    std::vector<std::int64_t> v;
    std::int64_t t = static_cast<std::int64_t>(rng() % 2 == 0 ? rng() : rng() % 1000);
    const std::int64_t step = static_cast<std::int64_t>(rng() % 4 == 0 ? rng() % 200 : 15'000);
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned kind = static_cast<unsigned>(rng() % 16);
      if (kind == 0) {
        t = static_cast<std::int64_t>(rng());  // any value, any step (wraps)
      } else if (kind == 1) {
        t += static_cast<std::int64_t>(rng() % 300) - 150;
      } else {
        t = static_cast<std::int64_t>(static_cast<std::uint64_t>(t) +
                                      static_cast<std::uint64_t>(step));
      }
      v.push_back(t);
    }
    const auto rows = static_cast<std::uint32_t>(n);
    expectSameValues(decodeOk(handBlock(0, 3, 0, rows, delta2Payload(v)), FieldType::kInt), v);
    expectSameValues(decodeOk(handBlock(0, 2, 0, rows, deltaPayload(v)), FieldType::kInt), v);
    // The encoder's own choice decodes too.
    expectSameValues(decodeOk(encode(v, {}, BlockHint::kTimestamps), FieldType::kInt), v);
  }
}

TEST(ColumnBlockDamage, DeltaPayloadsOfTheWrongSize) {
  ColumnValues v = emptyColumnValues(FieldType::kInt);
  std::vector<std::uint8_t> present;
  // Ten zero-dod values need ten bytes: one more is trailing, one fewer is truncated, a
  // declared count above the payload size is refused before any value is written.
  std::vector<std::uint8_t> ten(10, 0);
  EXPECT_TRUE(decodeBlock(handBlock(0, 3, 0, 10, ten), &v, &present).isOk());
  EXPECT_EQ(std::get<0>(v), std::vector<std::int64_t>(10, 0));
  for (std::uint8_t codec : {std::uint8_t{2}, std::uint8_t{3}}) {
    v = std::vector<std::int64_t>{5};
    EXPECT_EQ(decodeBlock(handBlock(0, codec, 0, 9, ten), &v, &present).code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(decodeBlock(handBlock(0, codec, 0, 11, ten), &v, &present).code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(decodeBlock(handBlock(0, codec, 0, 1'000'000, ten), &v, &present).code(),
              StatusCode::kDataLoss);
    // A varint cut after eight zero bytes (the word fast path) then a continuation byte.
    std::vector<std::uint8_t> cut(9, 0);
    cut.push_back(0x80);
    EXPECT_EQ(decodeBlock(handBlock(0, codec, 0, 10, cut), &v, &present).code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(std::get<0>(v), std::vector<std::int64_t>{5});
  }
}

TEST(ColumnBlock, EdgeFloats) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> v = {0.0,
                           -0.0,
                           inf,
                           -inf,
                           std::numeric_limits<double>::denorm_min(),
                           DBL_MAX,
                           -DBL_MAX,
                           std::numeric_limits<double>::quiet_NaN(),
                           1.5};
  v.push_back(std::bit_cast<double>(std::uint64_t{0x7FF0000000000001}));  // signalling NaN
  v.push_back(std::bit_cast<double>(std::uint64_t{0xFFF8DEADBEEF0001}));  // negative NaN payload
  expectSameValues(decodeOk(encode(v), FieldType::kFloat), v);
  // One of each alone, and long constants.
  for (double d : v) {
    std::vector<double> one(100, d);
    expectSameValues(decodeOk(encode(one), FieldType::kFloat), one);
  }
  // Decimal lookalikes that are not decimals in 15 digits, and big integers.
  std::vector<double> w = {0.1, 0.2, 0.30000000000000004, 1e15, 9007199254740993.0, 1e-15, 3.14159};
  expectSameValues(decodeOk(encode(w), FieldType::kFloat), w);
}

TEST(ColumnBlock, EdgeStrings) {
  std::string nul("a\0b", 3);
  std::string high = "\xff\xfe\x80";
  std::string big(100000, 'z');
  ColumnValues v = strings({"", "", nul, high, big, "", big});
  expectSameValues(decodeOk(encode(v), FieldType::kString), v);
  ColumnValues b = bytesCol({"", nul, high});
  expectSameValues(decodeOk(encode(b), FieldType::kBytes), b);
  ColumnValues only_empty = strings(std::vector<std::string>(50, ""));
  expectSameValues(decodeOk(encode(only_empty), FieldType::kString), only_empty);
}

TEST(ColumnBlock, EdgeArrays) {
  std::vector<model::Array> v = {
      model::Array{std::vector<std::int64_t>{}},
      model::Array{std::vector<std::uint64_t>{UINT64_MAX, 0}},
      model::Array{std::vector<double>{-0.0, std::numeric_limits<double>::quiet_NaN()}},
      model::Array{std::vector<bool>{true, false, false}},
      model::Array{std::vector<std::string>{"", "x"}},
      model::Array{std::vector<model::Bytes>{model::Bytes{"\x01\x02"}, model::Bytes{}}},
      model::Array{std::vector<std::int64_t>{INT64_MIN, INT64_MAX}},
      model::Array{std::vector<double>{}},
  };
  ColumnValues d = decodeOk(encode(v), FieldType::kArray);
  const auto& got = std::get<6>(d);
  ASSERT_EQ(got.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i == 2) {
      EXPECT_EQ(bitsOf(std::get<2>(got[i].items)), bitsOf(std::get<2>(v[i].items)));
    } else {
      EXPECT_EQ(got[i], v[i]) << i;
    }
  }
}

TEST(ColumnBlock, AllAbsentAndEmptyRanges) {
  ColumnValues v = std::vector<double>{1, 2, 3};
  std::vector<std::uint8_t> none = {0, 0, 0};
  std::vector<std::uint8_t> present;
  ColumnValues d = decodeOk(encode(v, none), FieldType::kFloat, &present);
  expectSameValues(d, std::vector<double>{0, 0, 0});
  EXPECT_EQ(present, none);
  // An empty range in the middle of a column.
  std::string b;
  encodeBlock(v, {}, 2, 2, BlockHint::kAuto, &b);
  EXPECT_EQ(*blockRows(b), 0u);
  expectSameValues(decodeOk(b, FieldType::kFloat), std::vector<double>{});
}

// ---------------------------------------------------------------------------------------------
// Workload shapes: sizes (bytes per value) that the README quotes, checked loosely.

std::vector<double> randomWalk(std::mt19937_64& rng, std::size_t n) {
  std::vector<double> v;
  double x = 50;
  std::uniform_real_distribution<double> step(-1, 1);
  for (std::size_t i = 0; i < n; ++i) {
    x += step(rng);
    v.push_back(std::round(x * 100) / 100);
  }
  return v;
}

TEST(ColumnBlock, WorkloadSizes) {
  std::mt19937_64 rng(7);
  std::vector<double> walk = randomWalk(rng, 8192);
  std::string b = encode(walk);
  EXPECT_LT(b.size(), 8192u * 2);  // decimal: ~1.3 bytes/value
  expectSameValues(decodeOk(b, FieldType::kFloat), walk);

  std::vector<std::int64_t> ts;
  for (int i = 0; i < 8192; ++i) ts.push_back(1700000000000000000 + i * 10000000000LL);
  b = encode(ts, {}, BlockHint::kTimestamps);
  EXPECT_LT(b.size(), 100u);
  expectSameValues(decodeOk(b, FieldType::kInt), ts);

  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 8192; ++i) ids.push_back(1000003 + i / 100);
  b = encode(ids);
  EXPECT_LT(b.size(), 400u);
  expectSameValues(decodeOk(b, FieldType::kUint), ids);

  std::vector<double> constant(8192, 42.5);
  b = encode(constant);
  EXPECT_LT(b.size(), 100u);
  expectSameValues(decodeOk(b, FieldType::kFloat), constant);
}

// ---------------------------------------------------------------------------------------------
// Random columns and ranges.

std::int64_t randomInt(std::mt19937_64& rng, int shape, std::int64_t i) {
  static const std::int64_t kEdges[] = {
      0, 1, -1, INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, 1700000000000000000};
  switch (shape) {
    case 0: return kEdges[rng() % 8];
    case 1: return static_cast<std::int64_t>(rng());
    case 2: return 1700000000000000000 + i * 10000000000LL + static_cast<std::int64_t>(rng() % 3);
    case 3: return static_cast<std::int64_t>(rng() % 3);  // runs
    default: return i * 7 - 100;                          // counter
  }
}

double randomDouble(std::mt19937_64& rng, int shape, double* walk) {
  static const double kEdges[] = {0.0,
                                  -0.0,
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(),
                                  std::numeric_limits<double>::quiet_NaN(),
                                  DBL_MAX,
                                  std::numeric_limits<double>::denorm_min(),
                                  57.31};
  switch (shape) {
    case 0: return kEdges[rng() % 8];
    case 1: return std::bit_cast<double>(rng());  // any pattern, NaN payloads included
    case 2:
      *walk += static_cast<double>(static_cast<int>(rng() % 201) - 100) / 100;
      return std::round(*walk * 100) / 100;
    case 3: return 3.25;
    default: return static_cast<double>(rng() % 1000) / 8;
  }
}

std::string randomString(std::mt19937_64& rng, int shape) {
  if (shape == 0) return std::string(1, static_cast<char>('a' + rng() % 3));
  std::string s(rng() % 20, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

model::Array randomArray(std::mt19937_64& rng) {
  model::Array a;
  const std::size_t n = rng() % 4;
  switch (rng() % 6) {
    case 0: {
      auto& v = a.items.emplace<0>();
      for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<std::int64_t>(rng()));
      break;
    }
    case 1: {
      auto& v = a.items.emplace<1>();
      for (std::size_t i = 0; i < n; ++i) v.push_back(rng());
      break;
    }
    case 2: {
      auto& v = a.items.emplace<2>();
      for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<double>(rng() % 100) / 4);
      break;
    }
    case 3: {
      auto& v = a.items.emplace<3>();
      for (std::size_t i = 0; i < n; ++i) v.push_back(rng() % 2 == 0);
      break;
    }
    case 4: {
      auto& v = a.items.emplace<4>();
      for (std::size_t i = 0; i < n; ++i) v.push_back(randomString(rng, 1));
      break;
    }
    default: {
      auto& v = a.items.emplace<5>();
      for (std::size_t i = 0; i < n; ++i) v.push_back(model::Bytes{randomString(rng, 1)});
      break;
    }
  }
  return a;
}

ColumnValues randomColumn(std::mt19937_64& rng, FieldType t, std::size_t n) {
  ColumnValues v = emptyColumnValues(t);
  const int shape = static_cast<int>(rng() % 5);
  double walk = 50;
  for (std::size_t i = 0; i < n; ++i) {
    // Mostly one shape, sometimes another, so that codecs meet mixed data.
    const int s = rng() % 10 == 0 ? static_cast<int>(rng() % 5) : shape;
    switch (t) {
      case FieldType::kInt:
        std::get<0>(v).push_back(randomInt(rng, s, static_cast<std::int64_t>(i)));
        break;
      case FieldType::kUint:
        std::get<1>(v).push_back(
            static_cast<std::uint64_t>(randomInt(rng, s, static_cast<std::int64_t>(i))));
        break;
      case FieldType::kFloat: std::get<2>(v).push_back(randomDouble(rng, s, &walk)); break;
      case FieldType::kBool: std::get<3>(v).push_back(static_cast<std::uint8_t>(rng() % 2)); break;
      case FieldType::kString: std::get<4>(v).push_back(randomString(rng, s % 2)); break;
      case FieldType::kBytes: std::get<5>(v).push_back(randomString(rng, s % 2)); break;
      case FieldType::kArray: std::get<6>(v).push_back(randomArray(rng)); break;
    }
  }
  return v;
}

// Rows [begin, end) of v with absent rows replaced by the default value.
ColumnValues expectedRange(const ColumnValues& v, const std::vector<std::uint8_t>& present,
                           std::size_t begin, std::size_t end) {
  return std::visit(
      [&](const auto& vec) -> ColumnValues {
        using Vec = std::decay_t<decltype(vec)>;
        Vec out;
        for (std::size_t i = begin; i < end; ++i) {
          out.push_back(present.empty() || present[i] != 0 ? vec[i] : typename Vec::value_type{});
        }
        ColumnValues r = v;
        std::visit(
            [&out](auto& dst) {
              if constexpr (std::is_same_v<std::decay_t<decltype(dst)>, Vec>) dst = std::move(out);
            },
            r);
        return r;
      },
      v);
}

TEST(ColumnBlockProperty, RandomColumnsAndRanges) {
  std::mt19937_64 rng(12345);
  int blocks = 0, with_zstd = 0;
  for (int iter = 0; iter < 3500; ++iter) {
    const FieldType t = static_cast<FieldType>(iter % 7);
    const std::size_t n = rng() % 4 == 0 ? rng() % 3000 : rng() % 200;
    ColumnValues v = randomColumn(rng, t, n);
    std::vector<std::uint8_t> present;
    if (rng() % 2 == 0) {
      const unsigned absent_per_16 = static_cast<unsigned>(rng() % 17);
      for (std::size_t i = 0; i < n; ++i) present.push_back(rng() % 16 >= absent_per_16 ? 1 : 0);
    }
    const std::size_t begin = n == 0 ? 0 : rng() % (n + 1);
    const std::size_t end = begin + (n == begin ? 0 : rng() % (n - begin + 1));
    const BlockHint hint = rng() % 2 == 0 ? BlockHint::kAuto : BlockHint::kTimestamps;
    std::string block;
    encodeBlock(v, present, begin, end, hint, &block);
    ++blocks;
    if ((block[7] & 1) != 0) ++with_zstd;
    SCOPED_TRACE(::testing::Message() << "iter " << iter << " type " << static_cast<int>(t)
                                      << " rows " << begin << ".." << end);
    ASSERT_EQ(*blockRows(block), end - begin);
    ColumnValues got = emptyColumnValues(t);
    std::vector<std::uint8_t> got_present;
    ASSERT_TRUE(decodeBlock(block, &got, &got_present).isOk());
    expectSameValues(got, expectedRange(v, present, begin, end));
    bool any_absent = false;
    for (std::size_t i = begin; i < end; ++i) any_absent |= !present.empty() && present[i] == 0;
    if (any_absent) {
      EXPECT_EQ(got_present,
                std::vector<std::uint8_t>(present.begin() + static_cast<std::ptrdiff_t>(begin),
                                          present.begin() + static_cast<std::ptrdiff_t>(end)));
    } else {
      EXPECT_TRUE(got_present.empty());
    }
  }
  EXPECT_GT(with_zstd, 0);
  EXPECT_EQ(blocks, 3500);
}

// ---------------------------------------------------------------------------------------------
// Appending and the presence rules of decodeBlock.

TEST(ColumnBlockAppend, AppendsToNonEmptyVectors) {
  ColumnValues values = std::vector<std::int64_t>{10, 20, 30};
  std::vector<std::uint8_t> present;
  // All present: values appended, present stays empty.
  ASSERT_TRUE(decodeBlock(encode(std::vector<std::int64_t>{1, 2}), &values, &present).isOk());
  EXPECT_EQ(std::get<0>(values), (std::vector<std::int64_t>{10, 20, 30, 1, 2}));
  EXPECT_TRUE(present.empty());
  // With absent rows: present first gets a 1 for each row already there.
  std::vector<std::uint8_t> p = {1, 0, 1};
  ASSERT_TRUE(decodeBlock(encode(std::vector<std::int64_t>{7, 8, 9}, p), &values, &present).isOk());
  EXPECT_EQ(std::get<0>(values), (std::vector<std::int64_t>{10, 20, 30, 1, 2, 7, 0, 9}));
  EXPECT_EQ(present, (std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 1}));
  // present not empty: an all-present block adds a 1 per row.
  ASSERT_TRUE(decodeBlock(encode(std::vector<std::int64_t>{4}), &values, &present).isOk());
  EXPECT_EQ(std::get<0>(values).size(), 9u);
  EXPECT_EQ(present, (std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 1, 1}));
  // Strings too (moves of the spread values).
  ColumnValues s = strings({"keep"});
  std::vector<std::uint8_t> sp;
  std::vector<std::uint8_t> p2 = {0, 1, 1, 0, 1};
  ASSERT_TRUE(
      decodeBlock(encode(strings({"x", "long string not in SSO buffer ....", "b", "y", "c"}), p2),
                  &s, &sp)
          .isOk());
  EXPECT_EQ(std::get<4>(s), (std::vector<std::string>{
                                "keep", "", "long string not in SSO buffer ....", "b", "", "c"}));
  EXPECT_EQ(sp, (std::vector<std::uint8_t>{1, 0, 1, 1, 0, 1}));
}

TEST(ColumnBlockAppend, TypeMismatchIsDataLossAndLeavesOutputsAlone) {
  const std::string b = encode(strings({"a"}));
  ColumnValues bytes = bytesCol({"z"});  // same C++ type, another column type
  std::vector<std::uint8_t> present = {1};
  Status st = decodeBlock(b, &bytes, &present);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_EQ(std::get<5>(bytes), std::vector<std::string>{"z"});
  EXPECT_EQ(present, std::vector<std::uint8_t>{1});
  ColumnValues ints = std::vector<std::int64_t>{};
  EXPECT_EQ(decodeBlock(encode(std::vector<double>{1}), &ints, &present).code(),
            StatusCode::kDataLoss);
}

TEST(ColumnBlockAppend, FailedDecodeLeavesOutputsAlone) {
  // A payload that decodes several values and then fails (checksum made valid).
  std::string b = handBlock(0, 2, 2, 4, {0x0F, 0x02, 0x04, 0x06, 0x80});  // truncated varint
  ColumnValues v = std::vector<std::int64_t>{1};
  std::vector<std::uint8_t> present;
  EXPECT_EQ(decodeBlock(b, &v, &present).code(), StatusCode::kDataLoss);
  EXPECT_EQ(std::get<0>(v), std::vector<std::int64_t>{1});
  EXPECT_TRUE(present.empty());
}

// ---------------------------------------------------------------------------------------------
// Damage.

std::vector<std::pair<std::string, FieldType>> sampleBlocks() {
  std::mt19937_64 rng(99);
  std::vector<std::pair<std::string, FieldType>> out;
  for (const HandCase& c : handCases()) out.emplace_back(c.block, typeOf(c.values));
  for (int t = 0; t < 7; ++t) {
    ColumnValues v = randomColumn(rng, static_cast<FieldType>(t), 300);
    std::vector<std::uint8_t> present;
    for (int i = 0; i < 300; ++i) present.push_back(rng() % 5 != 0 ? 1 : 0);
    out.emplace_back(encode(v, present), static_cast<FieldType>(t));
  }
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) lines.push_back("request " + std::to_string(i % 37) + " done");
  out.emplace_back(encode(bytesCol(lines)), FieldType::kBytes);  // zstd
  out.emplace_back(encode(randomWalk(rng, 500)), FieldType::kFloat);
  return out;
}

TEST(ColumnBlockDamage, EveryFlippedBitIsDataLoss) {
  for (const auto& [block, type] : sampleBlocks()) {
    for (std::size_t bit = 0; bit < block.size() * 8; ++bit) {
      std::string bad = block;
      bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
      ColumnValues v = emptyColumnValues(type);
      std::vector<std::uint8_t> present;
      ASSERT_EQ(decodeBlock(bad, &v, &present).code(), StatusCode::kDataLoss) << "bit " << bit;
      EXPECT_EQ(columnSize(v), 0u);
      EXPECT_TRUE(present.empty());
    }
  }
}

TEST(ColumnBlockDamage, TruncationsAndExtensionsAreDataLoss) {
  for (const auto& [block, type] : sampleBlocks()) {
    for (std::size_t n = 0; n < block.size(); ++n) {
      ColumnValues v = emptyColumnValues(type);
      std::vector<std::uint8_t> present;
      ASSERT_EQ(decodeBlock(block.substr(0, n), &v, &present).code(), StatusCode::kDataLoss);
      if (n < kBlockHeaderSize) {
        EXPECT_FALSE(blockRows(block.substr(0, n)).isOk());
        EXPECT_FALSE(blockSize(block.substr(0, n)).isOk());
      }
    }
    ColumnValues v = emptyColumnValues(type);
    std::vector<std::uint8_t> present;
    EXPECT_EQ(decodeBlock(block + '\0', &v, &present).code(), StatusCode::kDataLoss);
  }
}

// Re-checksums the block after damaging it, so that the decoders themselves meet the damage.
void rechecksum(std::string* b) {
  if (b->size() < 4) return;
  const std::uint32_t crc = crc32c(std::string_view(*b).substr(4));
  for (int i = 0; i < 4; ++i)
    (*b)[static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFF);
}

TEST(ColumnBlockDamage, RechecksummedCorruptionNeverCrashes) {
  std::mt19937_64 rng(4242);
  const auto samples = sampleBlocks();
  int ok = 0, loss = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const auto& [block, type] = samples[rng() % samples.size()];
    std::string bad = block;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = 4 + rng() % (bad.size() - 4);
      if (rng() % 2 == 0) {
        bad[pos] = static_cast<char>(rng());
      } else {
        bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8)));
      }
    }
    rechecksum(&bad);
    ColumnValues v = emptyColumnValues(type);
    std::vector<std::uint8_t> present = {1};
    Status st = decodeBlock(bad, &v, &present);
    if (st.isOk()) {
      ++ok;
      Result<std::size_t> rows = blockRows(bad);
      ASSERT_TRUE(rows.isOk());
      EXPECT_EQ(columnSize(v), *rows);
      EXPECT_EQ(present.size(), *rows + 1);
    } else {
      ++loss;
      EXPECT_EQ(st.code(), StatusCode::kDataLoss);
      EXPECT_EQ(columnSize(v), 0u);
      EXPECT_EQ(present.size(), 1u);
    }
  }
  EXPECT_GT(loss, 0);
}

TEST(ColumnBlockDamage, HeaderRules) {
  const std::string good = handBlock(0, 2, 0, 3, {0x0A, 0x03, 0x02});
  auto decodeWith = [](std::string b) {
    rechecksum(&b);
    ColumnValues v = std::vector<std::int64_t>{};
    std::vector<std::uint8_t> p;
    return decodeBlock(b, &v, &p).code();
  };
  EXPECT_EQ(decodeWith(good), StatusCode::kOk);
  std::string b = good;
  b[4] = 2;  // version
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  b = good;
  b[5] = 7;  // type
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  for (int codec : {0, 5, 6, 7, 8, 9, 10, 11, 255}) {
    b = good;
    b[6] = static_cast<char>(codec);
    EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss) << codec;
  }
  b = good;
  b[7] = 4;  // unknown flag
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  b = good;
  b[7] = 1;  // zstd flag on a plain body
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  b = good;
  b[8] = 4;  // more rows than values
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  b = good;
  b[8] = 2;  // fewer rows than values
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  b = good;
  b[10] = 0x10;  // 1 Mi + 3 rows: above the limit
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  EXPECT_FALSE(blockRows(b).isOk());
  b = good;
  b[16] = 4;  // raw length differs from stored length
  EXPECT_EQ(decodeWith(b), StatusCode::kDataLoss);
  // Varint overflow: an 11-byte varint, and a 10th byte above 1.
  std::vector<std::uint8_t> eleven(10, 0xFF);
  eleven.push_back(0x01);
  EXPECT_EQ(decodeWith(handBlock(0, 2, 0, 1, eleven)), StatusCode::kDataLoss);
  std::vector<std::uint8_t> ten(9, 0xFF);
  ten.push_back(0x02);
  EXPECT_EQ(decodeWith(handBlock(0, 2, 0, 1, ten)), StatusCode::kDataLoss);
  ten.back() = 0x01;  // 2^64 - 1: fine
  EXPECT_EQ(decodeWith(handBlock(0, 2, 0, 1, ten)), StatusCode::kOk);
  // Runs longer than the block, a zero-length run.
  auto decodeUint = [](const std::string& blk) {
    ColumnValues v = std::vector<std::uint64_t>{};
    std::vector<std::uint8_t> p;
    return decodeBlock(blk, &v, &p).code();
  };
  EXPECT_EQ(decodeUint(handBlock(1, 4, 0, 8, {0x0E, 0x05, 0x04, 0x04})), StatusCode::kDataLoss);
  EXPECT_EQ(decodeUint(handBlock(1, 4, 0, 8, {0x0E, 0x00, 0x04, 0x08})), StatusCode::kDataLoss);
  // Presence bitmap with a padding bit set; dictionary index out of range; bool byte padding.
  EXPECT_EQ(decodeWith(handBlock(0, 2, 2, 3, {0x0A, 0x0A})), StatusCode::kDataLoss);
  ColumnValues s = strings({});
  std::vector<std::uint8_t> p;
  EXPECT_EQ(decodeBlock(handBlock(4, 9, 0, 4, {0x02, 0x01, 'x', 0x01, 'y', 0x0C}), &s, &p).code(),
            StatusCode::kOk);  // indexes 0,0,1,1
  EXPECT_EQ(decodeBlock(handBlock(4, 9, 0, 4, {0x02, 0x01, 'x', 0x01, 'y', 0x18}), &s, &p).code(),
            StatusCode::kDataLoss);  // a padding bit
  EXPECT_EQ(
      decodeBlock(handBlock(4, 9, 0, 2, {0x03, 0x01, 'x', 0x01, 'y', 0x01, 'z', 0x0B}), &s, &p)
          .code(),
      StatusCode::kDataLoss);  // D = 3 > N = 2
  ColumnValues bools = std::vector<std::uint8_t>{};
  EXPECT_EQ(decodeBlock(handBlock(3, 7, 0, 9, {0x0D, 0x03}), &bools, &p).code(),
            StatusCode::kDataLoss);
  // Gorilla: reusing a window before one is set.
  ColumnValues f = std::vector<double>{};
  EXPECT_EQ(decodeBlock(handBlock(2, 5, 0, 2, {0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x01}), &f, &p).code(),
            StatusCode::kDataLoss);
  // Decimal exponent above 15.
  EXPECT_EQ(decodeBlock(handBlock(2, 6, 0, 1, {0x10, 0x02}), &f, &p).code(), StatusCode::kDataLoss);
  // Arrays: an unknown element type, a bool byte of 2, a count beyond the bytes left.
  ColumnValues a = std::vector<model::Array>{};
  EXPECT_EQ(decodeBlock(handBlock(6, 10, 0, 1, {0x06, 0x00}), &a, &p).code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(decodeBlock(handBlock(6, 10, 0, 1, {0x03, 0x01, 0x02}), &a, &p).code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(decodeBlock(handBlock(6, 10, 0, 1, {0x00, 0x7F, 0x00}), &a, &p).code(),
            StatusCode::kDataLoss);
}

TEST(ColumnBlockDamage, HugeDeclaredSizes) {
  // A zstd frame that declares far more than the block allows, a huge dictionary.
  std::string b = handBlock(4, 8, 1, 1, {0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x00});
  b[16] = 0;
  b[17] = 0;
  b[18] = 0;
  b[19] = 0x40;  // raw length 1 GiB
  rechecksum(&b);
  ColumnValues s = strings({});
  std::vector<std::uint8_t> p;
  EXPECT_EQ(decodeBlock(b, &s, &p).code(), StatusCode::kDataLoss);
  // Dictionary of 1 entry of 3 bytes referenced by 1 Mi rows at width 0: fine (3 MiB); an entry
  // count larger than the payload: rejected before allocating.
  std::vector<std::uint8_t> body = {0x01, 0x03, 'a', 'b', 'c'};
  EXPECT_EQ(decodeBlock(handBlock(4, 9, 0, 1 << 20, body), &s, &p).code(), StatusCode::kOk);
  EXPECT_EQ(std::get<4>(s).size(), std::size_t{1} << 20);
  EXPECT_EQ(decodeBlock(handBlock(4, 9, 0, 1 << 20, {0xFF, 0xFF, 0x3F, 0x00}), &s, &p).code(),
            StatusCode::kDataLoss);
}

// A block whose body is zstd, built here with libzstd from a hand-written raw body.
std::string zstdBlock(std::uint8_t type, std::uint8_t codec, std::uint32_t rows,
                      const std::string& raw, int frames) {
  std::string body;
  const std::size_t half = frames == 1 ? raw.size() : raw.size() / 2;
  for (const std::string& part : {raw.substr(0, half), raw.substr(half)}) {
    if (part.empty() && frames == 1) continue;
    std::string f(ZSTD_compressBound(part.size()), '\0');
    const std::size_t n = ZSTD_compress(f.data(), f.size(), part.data(), part.size(), 3);
    EXPECT_FALSE(ZSTD_isError(n));
    body.append(f.data(), n);
  }
  std::string b = handBlock(type, codec, 1, rows, {});
  b.resize(kBlockHeaderSize);
  for (int i = 0; i < 4; ++i) {
    b[12 + i] = static_cast<char>((body.size() >> (8 * i)) & 0xFF);
    b[16 + i] = static_cast<char>((raw.size() >> (8 * i)) & 0xFF);
  }
  b += body;
  rechecksum(&b);
  return b;
}

TEST(ColumnBlockDamage, ZstdBodyMustBeOneFrameOfTheDeclaredSize) {
  // 100 strings "abc": varint 3 + "abc" each.
  std::string raw;
  for (int i = 0; i < 100; ++i)
    raw +=
        "\x03"
        "abc";
  ColumnValues s = strings({});
  std::vector<std::uint8_t> p;
  ASSERT_TRUE(decodeBlock(zstdBlock(4, 8, 100, raw, 1), &s, &p).isOk());
  EXPECT_EQ(std::get<4>(s), std::vector<std::string>(100, "abc"));
  s = strings({});
  EXPECT_EQ(decodeBlock(zstdBlock(4, 8, 100, raw, 2), &s, &p).code(), StatusCode::kDataLoss);
  // The frame is right but the header's raw length is not.
  std::string b = zstdBlock(4, 8, 100, raw, 1);
  b[16] = static_cast<char>(b[16] + 1);
  rechecksum(&b);
  EXPECT_EQ(decodeBlock(b, &s, &p).code(), StatusCode::kDataLoss);
  EXPECT_TRUE(std::get<4>(s).empty());
}

}  // namespace
}  // namespace sextant::storage::encoding

// Token bloom filter: tokenizer, layout (docs/formats/column-blocks.md), no false negatives, the
// false-positive rate on 10k tokens, and damage (a damaged filter answers true).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "core/little_endian.h"
#include "storage/encoding/block.h"

namespace sextant::storage::encoding {
namespace {

std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  forEachToken(text, [&out](std::string_view t) { out.emplace_back(t); });
  return out;
}

TEST(Tokens, SplitsAndLowercases) {
  EXPECT_EQ(tokens("Hello, W\xc3\xb6rld_1 foo-bar  ERROR_code=42"),
            (std::vector<std::string>{"hello", "w", "\xc3\xb6", "rld_1", "foo", "bar", "error_code",
                                      "42"}));
  EXPECT_TRUE(tokens("").empty());
  EXPECT_TRUE(tokens(" ,.;-\n").empty());
  EXPECT_EQ(tokens("\xe4\xb8\xad\xe6\x96\x87 ok"),
            (std::vector<std::string>{"\xe4\xb8\xad\xe6\x96\x87", "ok"}));
}

TEST(Bloom, EmptyFilterLayout) {
  const std::string f = BloomBuilder().finish();
  // CRC, version 1, 7 probes, reserved 0, then 64 zero bits.
  ASSERT_EQ(f.size(), 16u);
  EXPECT_EQ(f.substr(4), std::string("\x01\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12));
  EXPECT_EQ(getLe(f, 0, 4), crc32c(std::string_view(f).substr(4)));
  EXPECT_FALSE(bloomMayContain(f, "anything"));
  EXPECT_FALSE(bloomMayContain(f, ""));
}

TEST(Bloom, SizeIsTenBitsPerDistinctToken) {
  BloomBuilder b;
  for (int i = 0; i < 1000; ++i) b.addToken("t" + std::to_string(i % 100));  // 100 distinct
  EXPECT_EQ(b.finish().size(), 8u + 1024 / 8);                               // 1000 -> 1024 bits
}

TEST(Bloom, NoFalseNegativesAndFewFalsePositives) {
  std::mt19937_64 rng(5);
  auto word = [&rng] {
    std::string w(4 + rng() % 8, 'a');
    for (char& c : w) c = static_cast<char>('a' + rng() % 26);
    return w;
  };
  std::set<std::string> in;
  while (in.size() < 10000) in.insert(word());
  BloomBuilder b;
  std::string text;
  for (const std::string& w : in) {
    text += w;
    text += in.size() % 3 == 0 ? " " : ", ";
    if (text.size() > 200) {
      b.addText(text);
      text.clear();
    }
  }
  b.addText(text);
  const std::string f = b.finish();
  for (const std::string& w : in) ASSERT_TRUE(bloomMayContain(f, w)) << w;
  int fp = 0, probes = 0;
  while (probes < 10000) {
    std::string w = word();
    if (in.count(w) != 0) continue;
    ++probes;
    if (bloomMayContain(f, w)) ++fp;
  }
  const double rate = static_cast<double>(fp) / probes;
  std::printf("bloom: %zu bytes for %zu tokens, false-positive rate %.3f%%\n", f.size(), in.size(),
              rate * 100);
  EXPECT_LT(rate, 0.03);
}

TEST(Bloom, DamagedFilterAnswersTrue) {
  BloomBuilder b;
  b.addText("alpha beta gamma");
  const std::string f = b.finish();
  EXPECT_FALSE(bloomMayContain(f, "delta"));
  for (std::size_t bit = 0; bit < f.size() * 8; ++bit) {
    std::string bad = f;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_TRUE(bloomMayContain(bad, "delta")) << bit;
  }
  for (std::size_t n = 0; n < f.size(); ++n) EXPECT_TRUE(bloomMayContain(f.substr(0, n), "delta"));
  EXPECT_TRUE(bloomMayContain(f + std::string(8, '\0'), "delta"));
  // A well-formed filter with 0 or 17 probes, or a bad version, is damaged too.
  for (std::uint8_t k : {0, 17}) {
    std::string bad = f;
    bad[5] = static_cast<char>(k);
    const std::uint32_t crc = crc32c(std::string_view(bad).substr(4));
    for (int i = 0; i < 4; ++i)
      bad[static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
    EXPECT_TRUE(bloomMayContain(bad, "delta"));
  }
}

}  // namespace
}  // namespace sextant::storage::encoding

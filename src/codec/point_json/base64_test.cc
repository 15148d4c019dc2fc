#include "codec/point_json/base64.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>

namespace sextant::codec::json {
namespace {

std::string encoded(std::string_view in) {
  std::string out;
  base64Encode(in, &out);
  return out;
}

std::optional<std::string> decoded(std::string_view in) {
  std::string out;
  if (!base64Decode(in, &out)) return std::nullopt;
  return out;
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> kVectors[] = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (auto [plain, b64] : kVectors) {
    EXPECT_EQ(encoded(plain), b64);
    EXPECT_EQ(decoded(b64), std::string(plain));
  }
}

TEST(Base64, EncodeAppends) {
  std::string out = "x:";
  base64Encode(std::string("\xff\xfe\x00", 3), &out);
  EXPECT_EQ(out, "x://4A");
}

TEST(Base64, DecodeAcceptsUrlSafeAndMissingPadding) {
  EXPECT_EQ(decoded("Zg"), "f");
  EXPECT_EQ(decoded("Zm8"), "fo");
  EXPECT_EQ(decoded("_-8="), std::string("\xff\xef", 2));
  EXPECT_EQ(decoded("/+8="), std::string("\xff\xef", 2));
  EXPECT_EQ(decoded("_-8"), std::string("\xff\xef", 2));
}

TEST(Base64, DecodeRejectsMalformedInput) {
  for (std::string_view bad :
       {"Z", "Zg=", "Zg===", "Z===", "Z=g=", "=Zg=", "Zm9v!", "Zm 9v", "Zm9v\n", "Zm9vY", "===="}) {
    EXPECT_FALSE(decoded(bad).has_value()) << bad;
  }
}

TEST(Base64, RandomBytesRoundTrip) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string b64 = encoded(bytes);
    EXPECT_EQ(b64.size() % 4, 0u);
    EXPECT_EQ(decoded(b64), bytes);
  }
}

}  // namespace
}  // namespace sextant::codec::json

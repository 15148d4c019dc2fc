#include "core/duration.h"

#include <gtest/gtest.h>

namespace sextant {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesGoForms) {
  EXPECT_EQ(*parseDuration("30s"), 30s);
  EXPECT_EQ(*parseDuration("1m30s"), 90s);
  EXPECT_EQ(*parseDuration("500ms"), 500ms);
  EXPECT_EQ(*parseDuration("1.5h"), 90min);
  EXPECT_EQ(*parseDuration("10us"), 10us);
  EXPECT_EQ(*parseDuration("10µs"), 10us);
  EXPECT_EQ(*parseDuration("7ns"), 7ns);
  EXPECT_EQ(*parseDuration("0"), 0ns);
  EXPECT_EQ(*parseDuration("2h45m"), 165min);
}

TEST(DurationTest, RejectsBadInput) {
  EXPECT_FALSE(parseDuration("").isOk());
  EXPECT_FALSE(parseDuration("10").isOk());
  EXPECT_FALSE(parseDuration("10x").isOk());
  EXPECT_FALSE(parseDuration("-1s").isOk());
  EXPECT_FALSE(parseDuration("1..2s").isOk());
  EXPECT_FALSE(parseDuration("s").isOk());
  EXPECT_EQ(parseDuration("99999999999h").status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(parseDuration("3 s").status().message().find("unknown unit"), std::string::npos);
}

}  // namespace
}  // namespace sextant

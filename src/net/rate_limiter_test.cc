#include "net/rate_limiter.h"

#include <gtest/gtest.h>

namespace sextant::net {
namespace {

struct FakeClock {
  std::chrono::steady_clock::time_point t{std::chrono::seconds(1000)};
  std::function<std::chrono::steady_clock::time_point()> fn() {
    return [this] { return t; };
  }
};

TEST(RateLimiterTest, BurstThenRefillAtRate) {
  FakeClock clock;
  RateLimiter limiter(
      {.rate = 10, .burst = 5, .ttl = std::chrono::seconds(60), .clock = clock.fn()});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("10.0.0.1", "/v1/write/metric")) << i;
  EXPECT_FALSE(limiter.allow("10.0.0.1", "/v1/write/metric"));
  clock.t += std::chrono::milliseconds(100);  // 10/s -> one token
  EXPECT_TRUE(limiter.allow("10.0.0.1", "/v1/write/metric"));
  EXPECT_FALSE(limiter.allow("10.0.0.1", "/v1/write/metric"));
  clock.t += std::chrono::seconds(10);  // refills only up to the burst
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("10.0.0.1", "/v1/write/metric")) << i;
  EXPECT_FALSE(limiter.allow("10.0.0.1", "/v1/write/metric"));
}

TEST(RateLimiterTest, KeysAreClientAndRoute) {
  FakeClock clock;
  RateLimiter limiter(
      {.rate = 1, .burst = 1, .ttl = std::chrono::seconds(60), .clock = clock.fn()});
  EXPECT_TRUE(limiter.allow("10.0.0.1", "/a"));
  EXPECT_FALSE(limiter.allow("10.0.0.1", "/a"));
  EXPECT_TRUE(limiter.allow("10.0.0.1", "/b"));
  EXPECT_TRUE(limiter.allow("10.0.0.2", "/a"));
}

TEST(RateLimiterTest, ZeroRateDisables) {
  RateLimiter limiter({.rate = 0, .burst = 0});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.allow("x", "/y"));
  EXPECT_EQ(limiter.trackedKeys(), 0u);
}

TEST(RateLimiterTest, IdleKeysAreForgottenAfterTtl) {
  FakeClock clock;
  RateLimiter limiter(
      {.rate = 1, .burst = 1, .ttl = std::chrono::seconds(60), .clock = clock.fn()});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.allow("10.0.0." + std::to_string(i), "/a"));
  EXPECT_EQ(limiter.trackedKeys(), 100u);
  clock.t += std::chrono::seconds(61);
  EXPECT_TRUE(limiter.allow("10.0.0.200", "/a"));
  EXPECT_EQ(limiter.trackedKeys(), 1u);
}

}  // namespace
}  // namespace sextant::net

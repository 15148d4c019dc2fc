// RateLimiter: a token bucket per key refilled at `rate` requests per second up to `burst`;
// buckets unused for `ttl` are forgotten. The agent keys it by (client IP, route) as DataKit's
// tollbooth limiter does (429 datakit.reachMaxAPILimit, input routes included); the server keys
// it by workspace token.
// Thread-safety: allow() may be called from any thread (one mutex; the critical section is a few
// arithmetic operations and a hash lookup).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sextant::net {

struct RateLimiterOptions {
  double rate = 100.0;  // requests per second per key; <= 0 disables the limiter
  double burst = 500;   // bucket size (DataKit's request_rate_limit_burst)
  std::chrono::nanoseconds ttl = std::chrono::seconds(60);
  // Clock seam (steady); steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options);

  // Takes one token from the bucket of (client, route); false when it is empty.
  bool allow(std::string_view client, std::string_view route);

  bool enabled() const { return options_.rate > 0; }
  size_t trackedKeys() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::chrono::steady_clock::time_point now() const;
  void evictExpiredLocked(std::chrono::steady_clock::time_point now);

  const RateLimiterOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::chrono::steady_clock::time_point last_eviction_{};
};

}  // namespace sextant::net

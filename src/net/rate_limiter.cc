#include "net/rate_limiter.h"

#include <algorithm>

namespace sextant::net {

RateLimiter::RateLimiter(RateLimiterOptions options) : options_(std::move(options)) {}

std::chrono::steady_clock::time_point RateLimiter::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

bool RateLimiter::allow(std::string_view client, std::string_view route) {
  if (!enabled()) return true;
  const auto t = now();
  std::string key;
  key.reserve(client.size() + route.size() + 1);
  key.append(client).push_back(' ');
  key.append(route);

  std::lock_guard lock(mu_);
  evictExpiredLocked(t);
  auto [it, inserted] = buckets_.try_emplace(std::move(key));
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = std::max(options_.burst, 1.0);
  } else {
    double elapsed = std::chrono::duration<double>(t - b.last).count();
    b.tokens = std::min(std::max(options_.burst, 1.0), b.tokens + elapsed * options_.rate);
  }
  b.last = t;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void RateLimiter::evictExpiredLocked(std::chrono::steady_clock::time_point now) {
  // A sweep at most once per ttl keeps allow() O(1) amortised.
  if (now - last_eviction_ < options_.ttl) return;
  last_eviction_ = now;
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.last >= options_.ttl; });
}

size_t RateLimiter::trackedKeys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace sextant::net

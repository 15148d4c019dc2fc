// ApiCounters: requests per (route pattern, method, status) with the summed handling time, for
// the self-metrics of an HTTP API (the agent's datakit_http_api_total, the server's
// sextant_http_requests_total). Thread-safe.
//
//   net::ApiCounters counters;
//   counters.count("/v1/logs/search", "POST", 400, 0.002);
//   for (const net::ApiCounter& c : counters.snapshot()) ...
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/metrics_text.h"

namespace sextant::net {

struct ApiCounter {
  std::string api;  // route pattern
  std::string method;
  int status = 0;
  uint64_t count = 0;
  double elapsed_seconds = 0;  // sum
};

class ApiCounters {
 public:
  void count(std::string_view api, std::string_view method, int status, double seconds);
  // Every counter, ordered by (api, method, status).
  std::vector<ApiCounter> snapshot() const;
  // `<prefix>_total` (counter) and `<prefix>_elapsed_seconds` (summary: _sum, _count), labelled
  // api, method and status.
  void render(std::string_view prefix, MetricsText* m) const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, ApiCounter, std::less<>> counters_;
};

}  // namespace sextant::net

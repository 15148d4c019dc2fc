#include "net/api_counters.h"

namespace sextant::net {

void ApiCounters::count(std::string_view api, std::string_view method, int status, double seconds) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = counters_.try_emplace({std::string(api), std::string(method), status});
  ApiCounter& c = it->second;
  if (inserted) {
    c.api = std::string(api);
    c.method = std::string(method);
    c.status = status;
  }
  ++c.count;
  c.elapsed_seconds += seconds;
}

std::vector<ApiCounter> ApiCounters::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<ApiCounter> out;
  out.reserve(counters_.size());
  for (const auto& [key, c] : counters_) out.push_back(c);
  return out;
}

void ApiCounters::render(std::string_view prefix, MetricsText* m) const {
  std::vector<ApiCounter> all = snapshot();
  const std::string total = std::string(prefix) + "_total";
  const std::string elapsed = std::string(prefix) + "_elapsed_seconds";
  m->family(total, "counter", "API requests by route, method and status");
  for (const ApiCounter& c : all) {
    std::string status = std::to_string(c.status);
    m->sample(total, {{"api", c.api}, {"method", c.method}, {"status", status}},
              static_cast<double>(c.count));
  }
  m->family(elapsed, "summary", "API latency");
  for (const ApiCounter& c : all) {
    std::string status = std::to_string(c.status);
    MetricsText::Labels l = {{"api", c.api}, {"method", c.method}, {"status", status}};
    m->sample(elapsed + "_sum", l, c.elapsed_seconds);
    m->sample(elapsed + "_count", l, static_cast<double>(c.count));
  }
}

}  // namespace sextant::net

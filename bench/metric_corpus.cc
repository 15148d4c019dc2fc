#include "bench/metric_corpus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace sextant::bench {

using model::Point;

std::vector<Point> metricCorpus(size_t series, size_t steps, uint64_t seed) {
  if (std::getenv("SEXTANT_BENCH_SMOKE") != nullptr) {
    series = std::min<size_t>(series, 200);
    steps = std::min<size_t>(steps, 10);
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> walk(0.0, 1.0);
  std::uniform_real_distribution<double> start(0.0, 100.0);
  const int64_t t0 = 1'700'000'000'000'000'000LL;
  std::vector<std::vector<double>> vals(series, std::vector<double>(5));
  for (auto& v : vals)
    for (auto& x : v) x = std::round(start(rng) * 100) / 100;
  char buf[64];
  std::vector<Point> out;
  out.reserve(series * steps);
  for (size_t s = 0; s < steps; ++s) {
    for (size_t i = 0; i < series; ++i) {
      Point p;
      p.measurement = "bench";
      snprintf(buf, sizeof(buf), "host-%05zu", i);
      p.addTag("host", buf);
      p.addTag("region", "region-" + std::to_string(i % 8));
      p.addTag("dc", "dc-" + std::to_string(i % 32));
      snprintf(buf, sizeof(buf), "svc-%02zu", i % 50);
      p.addTag("service", buf);
      for (int k = 0; k < 5; ++k) {
        vals[i][k] = std::round((vals[i][k] + walk(rng)) * 100) / 100;
        p.addField("f" + std::to_string(k), vals[i][k]);
      }
      p.time_ns = t0 + static_cast<int64_t>(s) * 10'000'000'000LL;
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace sextant::bench

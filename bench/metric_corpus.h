// The metric-shaped corpus behind the codec benchmarks, the same shape as
// ../shared/tools/gen_lp.py: series x steps points, measurement "bench", tags
// host/region/dc/service, float fields f0..f4 (random walks rounded to 2 decimals),
// 10 s apart, timestamp-major order. The default benchmark size is 10,000 x 100.
// When SEXTANT_BENCH_SMOKE is set (ctest's bench smoke runs under ASan), the corpus is cut to at
// most 200 series x 10 steps so that a smoke run checks the bench works without timing anything.
#pragma once

#include <cstdint>
#include <vector>

#include "model/point.h"

namespace sextant::bench {

std::vector<model::Point> metricCorpus(size_t series, size_t steps, uint64_t seed = 1);

}  // namespace sextant::bench

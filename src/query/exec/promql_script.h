// A runner for PromQL test scripts in the shape of Prometheus' promqltest (testdata/*.test):
//
//   load 1m
//     http_requests{job="api", instance="0"} 0+10x10 _ stale 1 NaN Inf
//   clear
//   eval instant at 5m sum by (job) (http_requests)
//     {job="api"} 50
//   eval_ordered instant at 5m sort(http_requests)     # result order is checked too
//   eval_fail instant at 5m foo + on() group_left bar
//     expected_fail_message found duplicate series     # a substring of the error
//   eval range from 0 to 4m step 1m http_requests
//     http_requests{job="api", instance="0"} 0 10 _ 30 40
//
// Series values: numbers (NaN, Inf, -Inf), `_` (no sample), `stale` (a stale marker),
// `a+bxn` / `a-bxn` (n+1 values a, a±b, ...), `axn` (n+1 copies), `_xn` (n blanks); the i-th value
// is at i * interval. Expected samples compare with relative tolerance 1e-9 (NaN equals NaN); an
// instant query of a scalar expects one line with the number. Times are durations (`5m`, `0`,
// `1h30m`) from the epoch. Comments start with `#`.
//
// Thread-safety: none needed; a pure function of the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "query/exec/promql_engine.h"

namespace sextant::query::promql {

struct ScriptOutcome {
  int evals = 0;                      // eval commands run
  std::vector<std::string> failures;  // "<name>:<line>: <what>"; empty when every eval passed
};

ScriptOutcome runScript(std::string_view text, std::string_view name,
                        const EngineOptions& options = {});

}  // namespace sextant::query::promql

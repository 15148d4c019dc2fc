// The numeric kernels of the PromQL evaluator (promql_engine.cc), each a transcription of the
// Prometheus 2.42 function of the same name (promql/functions.go, promql/quantile.go): range
// functions over one window of samples, quantiles, histogram buckets, Go-compatible helpers.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant::query::promql::fn {

// The samples of one series inside one range window, ascending by time.
struct Window {
  const int64_t* t = nullptr;
  const double* v = nullptr;
  size_t n = 0;
  // Optional, for rate/increase over many windows of one series: reset_sum[i] is the sum of
  // v[j-1] over the counter resets (v[j] < v[j-1]) at j <= i, aligned with v (resetSums()). With
  // it a window's reset correction is reset_sum[n-1] - reset_sum[0] instead of a loop.
  const double* reset_sum = nullptr;
};

// The prefix sums of counter-reset corrections of a whole series for Window::reset_sum.
void resetSums(const double* v, size_t n, std::vector<double>* out);

// rate / increase / delta: Prometheus' extrapolatedRate. nullopt below two samples.
std::optional<double> extrapolatedRate(Window w, int64_t range_start_ms, int64_t range_end_ms,
                                       int64_t range_ms, bool is_counter, bool is_rate);
// extrapolatedRate for counters (rate: is_rate, increase) of four windows with reset sums, at once:
// out[j] = *extrapolatedRate(w[j], start[j], end[j], range_ms, true, is_rate) bit for bit, ok[j]
// false where that is nullopt (n < 2). Straight-line code over the four, so that the CPU
// overlaps their divisions. Every w[j].n >= 1 and w[j].reset_sum set.
void counterRate4(const Window* w, const int64_t* start, const int64_t* end, int64_t range_ms,
                  bool is_rate, double* out, bool* ok);
// irate / idelta.
std::optional<double> instantValue(Window w, bool is_rate);
// deriv: the least-squares slope per second.
std::optional<double> deriv(Window w);
// predict_linear: the regression line at eval_ms + duration_s.
std::optional<double> predictLinear(Window w, int64_t eval_ms, double duration_s);
double resets(Window w);
double changes(Window w);
std::optional<double> holtWinters(Window w, double sf, double tf);
double avgOverTime(Window w);
// avgOverTime of four windows at once, out[j] = avgOverTime(w[j]) bit for bit: the four running
// means are independent chains of divisions that the CPU overlaps (one window's chain is
// latency-bound). Windows with n == 0 give an unspecified out[j].
void avgOverTime4(const Window* w, double* out);
double sumOverTime(Window w);
double minOverTime(Window w);
double maxOverTime(Window w);
double stdvarOverTime(Window w);

// Prometheus' quantile (φ-quantile with linear interpolation; q < 0 → -Inf, q > 1 → +Inf,
// NaN q or no values → NaN). Sorts `values`.
double quantile(double q, std::vector<double>& values);

// Prometheus' bucketQuantile over classic buckets (upper bound, cumulative count): sorts,
// requires a +Inf bucket, coalesces equal bounds and forces monotonic counts.
double bucketQuantile(double q, std::vector<std::pair<double, double>>& buckets);

// Go's math.Max / math.Min (NaN wins; +0 > -0).
double goMax(double a, double b);
double goMin(double a, double b);
// Go's strconv.FormatFloat(v, 'f', -1, 64) ("+Inf", "-Inf", "NaN" for the specials).
std::string formatFloatF(double v);
// Go's strconv.ParseFloat for a label value (le); nullopt on error.
std::optional<double> parseFloat(std::string_view s);
// Whether s is a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*).
bool isValidLabelName(std::string_view s);

}  // namespace sextant::query::promql::fn

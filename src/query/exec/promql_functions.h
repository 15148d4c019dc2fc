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
// Whether some v[i] < v[i - 1] (else every resetSums() entry is +0: RateMemo then needs none).
bool hasResets(const double* v, size_t n);

// rate / increase / delta over the successive windows of one series (one memo per series and
// thread). Prometheus' extrapolation factor depends on the window's shape only (its first and
// last sample's distances to the range's ends, its sampled duration, its sample count) but where
// a counter's zero point cuts the start; regular samples under regular steps repeat a few shapes,
// so the factor (four divisions) is computed once per run of one shape and each window is then a
// subtraction and a product. at() is Prometheus' extrapolatedRate bit for bit (the tests compare
// it with a straight transcription): the zero-point cut is excluded with a margin before the
// memoised factor is used, else the window takes the full computation.
class RateMemo {
 public:
  RateMemo(int64_t range_ms, bool is_counter, bool is_rate)
      : range_ms_(range_ms), is_counter_(is_counter), is_rate_(is_rate) {}
  // w.n >= 2; for counters w.reset_sum, or null when the series has no reset. Inline: called per
  // step, its window in registers.
  double at(const Window& w, int64_t range_start_ms, int64_t range_end_ms) {
    const size_t n = w.n;
    const double first = w.v[0];
    double result = w.v[n - 1] - first;
    // No reset sums: none to add (+0, as the difference of two zero sums).
    if (is_counter_) result += w.reset_sum ? w.reset_sum[n - 1] - w.reset_sum[0] : 0.0;
    const int64_t to_start = w.t[0] - range_start_ms;
    const int64_t to_end = range_end_ms - w.t[n - 1];
    const int64_t sampled_ms = w.t[n - 1] - w.t[0];
    const bool may_cut = is_counter_ && result > 0 && first >= 0;
    if (valid_ && to_start == to_start_ms_ && to_end == to_end_ms_ && sampled_ms == sampled_ms_ &&
        n == n_) {
      if (!may_cut) return result * factor_;
      // The zero point sampled * (first / result) is not below the start's distance: proved on
      // finite, normal values with a margin far above the few roundings of either side.
      constexpr double kMargin = 1 + 0x1p-30;
      if (result >= 0x1p-900 && result <= 0x1p900 && first <= 0x1p900 &&
          first * sampled_s_ >= to_start_s_ * result * kMargin) {
        return result * factor_;
      }
    }
    return full(n, first, result, to_start, to_end, sampled_ms, may_cut);
  }

 private:
  // extrapolatedRate's steps; memoises the factor when the zero point does not cut the start.
  double full(size_t n, double first, double result, int64_t to_start, int64_t to_end,
              int64_t sampled_ms, bool may_cut);

  int64_t range_ms_;
  bool is_counter_, is_rate_;
  bool valid_ = false;
  int64_t to_start_ms_ = 0, to_end_ms_ = 0, sampled_ms_ = 0;
  size_t n_ = 0;
  double to_start_s_ = 0, sampled_s_ = 0, factor_ = 0;
};
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

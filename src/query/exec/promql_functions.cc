#include "query/exec/promql_functions.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace sextant::query::promql::fn {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Kahan-Babuška summation step (Prometheus 2.42's kahanSumInc). 2.42 has no infinity case: an
// infinite term makes the compensation NaN (Inf - Inf), so stdvar/stddev_over_time of values
// whose squares overflow are NaN, as Prometheus 2.42 answers; sum/avg_over_time return the
// infinite sum before adding the compensation.
void kahanInc(double inc, double* sum, double* c) {
  double t = *sum + inc;
  if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

// Prometheus' linearRegression: slope per second and intercept at intercept_ms.
std::pair<double, double> linearRegression(Window w, int64_t intercept_ms) {
  double n = 0, sum_x = 0, sum_y = 0, sum_xy = 0, sum_x2 = 0;
  double init_y = w.v[0];
  bool const_y = true;
  for (size_t i = 0; i < w.n; ++i) {
    if (const_y && i > 0 && w.v[i] != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(w.t[i] - intercept_ms) / 1e3;
    sum_x += x;
    sum_y += w.v[i];
    sum_xy += x * w.v[i];
    sum_x2 += x * x;
  }
  if (const_y) {
    if (std::isinf(init_y)) return {kNaN, kNaN};
    return {0, init_y};
  }
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  double slope = cov_xy / var_x;
  double intercept = sum_y / n - slope * sum_x / n;
  return {slope, intercept};
}

}  // namespace

double RateMemo::full(size_t n, double first, double result, int64_t to_start, int64_t to_end,
                      int64_t sampled_ms, bool may_cut) {
  // Prometheus' extrapolatedRate, step by step.
  double duration_to_start = static_cast<double>(to_start) / 1000;
  const double duration_to_end = static_cast<double>(to_end) / 1000;
  const double sampled = static_cast<double>(sampled_ms) / 1000;
  const double avg_between = sampled / static_cast<double>(n - 1);
  const double to_start_s = duration_to_start;
  bool cut = false;
  if (may_cut) {
    const double duration_to_zero = sampled * (first / result);
    if (duration_to_zero < duration_to_start) {
      duration_to_start = duration_to_zero;
      cut = true;
    }
  }
  const double threshold = avg_between * 1.1;
  double extrapolate_to = sampled;
  extrapolate_to += duration_to_start < threshold ? duration_to_start : avg_between / 2;
  extrapolate_to += duration_to_end < threshold ? duration_to_end : avg_between / 2;
  double factor = extrapolate_to / sampled;
  if (is_rate_) factor /= static_cast<double>(range_ms_) / 1000;
  if (!cut) {  // the factor of this shape
    valid_ = true;
    to_start_ms_ = to_start;
    to_end_ms_ = to_end;
    sampled_ms_ = sampled_ms;
    n_ = n;
    to_start_s_ = to_start_s;
    sampled_s_ = sampled;
    factor_ = factor;
  }
  return result * factor;
}

void resetSums(const double* v, size_t n, std::vector<double>* out) {
  out->resize(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && v[i] < v[i - 1]) sum += v[i - 1];
    (*out)[i] = sum;
  }
}

bool hasResets(const double* v, size_t n) {
  // Two pairs at a time in SSE2 lanes (GCC vector types; -O2 leaves the plain loop scalar).
  using V2 = double __attribute__((vector_size(16)));
  using M2 = long long __attribute__((vector_size(16)));
  M2 any2 = {0, 0};
  size_t i = 1;
  for (; i + 2 <= n; i += 2) {
    V2 cur, prev;
    std::memcpy(&cur, v + i, sizeof(cur));
    std::memcpy(&prev, v + i - 1, sizeof(prev));
    any2 |= cur < prev;
  }
  bool any = (any2[0] | any2[1]) != 0;
  for (; i < n; ++i) any |= v[i] < v[i - 1];
  return any;
}

std::optional<double> instantValue(Window w, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  double last = w.v[w.n - 1], prev = w.v[w.n - 2];
  double result = (is_rate && last < prev) ? last : last - prev;
  int64_t interval = w.t[w.n - 1] - w.t[w.n - 2];
  if (interval == 0) return std::nullopt;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

std::optional<double> deriv(Window w) {
  if (w.n < 2) return std::nullopt;
  return linearRegression(w, w.t[0]).first;
}

std::optional<double> predictLinear(Window w, int64_t eval_ms, double duration_s) {
  if (w.n < 2) return std::nullopt;
  auto [slope, intercept] = linearRegression(w, eval_ms);
  return slope * duration_s + intercept;
}

double resets(Window w) {
  double n = 0;
  for (size_t i = 1; i < w.n; ++i) {
    if (w.v[i] < w.v[i - 1]) ++n;
  }
  return n;
}

double changes(Window w) {
  double n = 0;
  for (size_t i = 1; i < w.n; ++i) {
    double cur = w.v[i], prev = w.v[i - 1];
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) ++n;
  }
  return n;
}

std::optional<double> holtWinters(Window w, double sf, double tf) {
  if (w.n < 2) return std::nullopt;
  double s0 = 0, s1 = w.v[0], b = w.v[1] - w.v[0];
  for (size_t i = 1; i < w.n; ++i) {
    double x = sf * w.v[i];
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;  // calcTrendValue
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

double avgOverTime(Window w) {
  double mean = 0, count = 0, c = 0;
  for (size_t i = 0; i < w.n; ++i) {
    double v = w.v[i];
    count += 1;
    if (std::isinf(mean)) {
      if (std::isinf(v) && (mean > 0) == (v > 0)) continue;
      if (!std::isinf(v) && !std::isnan(v)) continue;
    }
    kahanInc(v / count - mean / count, &mean, &c);
  }
  if (std::isinf(mean)) return mean;
  return mean + c;
}

void avgOverTime4(const Window* w, double* out) {
  double mean[4] = {0, 0, 0, 0}, count[4] = {0, 0, 0, 0}, c[4] = {0, 0, 0, 0};
  const size_t n = std::max(std::max(w[0].n, w[1].n), std::max(w[2].n, w[3].n));
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < 4; ++j) {  // the same steps as avgOverTime, four windows interleaved
      if (i >= w[j].n) continue;
      double v = w[j].v[i];
      count[j] += 1;
      if (std::isinf(mean[j])) {
        if (std::isinf(v) && (mean[j] > 0) == (v > 0)) continue;
        if (!std::isinf(v) && !std::isnan(v)) continue;
      }
      kahanInc(v / count[j] - mean[j] / count[j], &mean[j], &c[j]);
    }
  }
  for (int j = 0; j < 4; ++j) out[j] = std::isinf(mean[j]) ? mean[j] : mean[j] + c[j];
}

double sumOverTime(Window w) {
  double sum = 0, c = 0;
  for (size_t i = 0; i < w.n; ++i) kahanInc(w.v[i], &sum, &c);
  if (std::isinf(sum)) return sum;
  return sum + c;
}

double minOverTime(Window w) {
  double m = w.v[0];
  for (size_t i = 0; i < w.n; ++i) {
    if (w.v[i] < m || std::isnan(m)) m = w.v[i];
  }
  return m;
}

double maxOverTime(Window w) {
  double m = w.v[0];
  for (size_t i = 0; i < w.n; ++i) {
    if (w.v[i] > m || std::isnan(m)) m = w.v[i];
  }
  return m;
}

double stdvarOverTime(Window w) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (size_t i = 0; i < w.n; ++i) {
    double v = w.v[i];
    count += 1;
    double delta = v - (mean + c_mean);
    kahanInc(delta / count, &mean, &c_mean);
    kahanInc(delta * (v - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

double bucketQuantile(double q, std::vector<std::pair<double, double>>& buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  if (buckets.empty()) return kNaN;
  std::sort(buckets.begin(), buckets.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (!(std::isinf(buckets.back().first) && buckets.back().first > 0)) return kNaN;
  // coalesceBuckets
  size_t w = 0;
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].first == buckets[w].first) {
      buckets[w].second += buckets[i].second;
    } else {
      buckets[++w] = buckets[i];
    }
  }
  buckets.resize(w + 1);
  // ensureMonotonic
  double max = -kInf;
  for (auto& b : buckets) {
    if (b.second > max) {
      max = b.second;
    } else if (b.second < max) {
      b.second = max;
    }
  }
  if (buckets.size() < 2) return kNaN;
  double observations = buckets.back().second;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t b = 0;
  while (b < buckets.size() - 1 && !(buckets[b].second >= rank)) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].first;
  if (b == 0 && buckets[0].first <= 0) return buckets[0].first;
  double bucket_start = 0, bucket_end = buckets[b].first, count = buckets[b].second;
  if (b > 0) {
    bucket_start = buckets[b - 1].first;
    count -= buckets[b - 1].second;
    rank -= buckets[b - 1].second;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

double goMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double goMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

std::string formatFloatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Go prints the shortest round-tripping digits and pads with zeros (1e300 is "1" and 300
  // zeros); to_chars(fixed) may print the exact binary expansion instead. So: the shortest
  // digits from the scientific form, placed by hand.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));  // [-]d[.ddd]e(+|-)xx
  std::string out;
  if (!sci.empty() && sci.front() == '-') {
    out = "-";
    sci.remove_prefix(1);
  }
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp10 = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  int point = exp10 + 1;  // digits before the decimal point
  int n = static_cast<int>(digits.size());
  if (point <= 0) {
    out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (point >= n) {
    out += digits + std::string(static_cast<size_t>(point - n), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(point)) + "." +
           digits.substr(static_cast<size_t>(point));
  }
  return out;
}

std::optional<double> parseFloat(std::string_view s) {
  if (s.empty() || s.front() == ' ' || s.front() == '\t' || s.front() == '\n') return std::nullopt;
  std::string z(s);
  char* end = nullptr;
  double v = std::strtod(z.c_str(), &end);
  if (end != z.c_str() + z.size()) return std::nullopt;
  return v;
}

bool isValidLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace sextant::query::promql::fn

#include "query/exec/promql_engine.h"

#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <numbers>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "query/exec/parallel.h"
#include "query/exec/promql_functions.h"
#include "query/promql/functions.h"
#include "query/promql/text.h"

namespace sextant::query::promql {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
constexpr std::string_view kMetricName = "__name__";
// Aggregations keep (group, step) cells of state when there are at most this many or twice the
// input points (so the cells cost about what the input does); else they go step by step.
constexpr size_t kMinDenseCells = 1024 * 1024;
constexpr std::string_view kDupLabelset = "vector cannot contain metrics with the same labelset";

using Labels = std::vector<model::Tag>;

// One series over the evaluation steps (instant vectors: points at step times) or raw samples
// (range vectors).
struct Series {
  Labels labels;
  std::vector<int64_t> t;
  std::vector<double> v;
};
using Matrix = std::vector<Series>;

// What a node evaluates to over all steps.
struct Value {
  ValueType type = ValueType::kNone;
  std::vector<double> scalar;  // kScalar: one value per step
  Matrix m;                    // kVector: points at step times
  std::string str;             // kString
};

// A range vector argument: raw series plus how each step's window is cut.
struct RangeArg {
  Matrix series;
  int64_t range_ms = 0;
  int64_t offset_ms = 0;
  AtModifier at;
  const VectorSelector* selector = nullptr;  // for absent_over_time's labels
  size_t fetched = 0;  // samples fetched for a matrix selector (released once consumed)
};

// a - b, saturated to the int64 range (hostile offsets and ranges must not overflow).
int64_t subSat(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b > 0 ? INT64_MIN : INT64_MAX;
}

std::string labelsKey(const Labels& l) {
  std::string k;
  for (const model::Tag& t : l) {
    k += t.key;
    k += '\xff';
    k += t.value;
    k += '\xfe';
  }
  return k;
}

const std::string* getLabel(const Labels& l, std::string_view name) {
  for (const model::Tag& t : l) {
    if (t.key == name) return &t.value;
  }
  return nullptr;
}

void setLabel(Labels* l, const std::string& name, const std::string& value) {
  auto it = std::lower_bound(l->begin(), l->end(), name,
                             [](const model::Tag& t, const std::string& n) { return t.key < n; });
  if (it != l->end() && it->key == name) {
    if (value.empty()) {
      l->erase(it);
    } else {
      it->value = value;
    }
  } else if (!value.empty()) {
    l->insert(it, model::Tag{name, value});
  }
}

void delLabel(Labels* l, std::string_view name) {
  std::erase_if(*l, [&](const model::Tag& t) { return t.key == name; });
}

Labels dropName(Labels l) {
  delLabel(&l, kMetricName);
  return l;
}

bool contains(const std::vector<std::string>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

// Prometheus' labels.String(): {a="b", c="d"}.
std::string labelsString(const Labels& l) {
  std::string s = "{";
  for (size_t i = 0; i < l.size(); ++i) {
    if (i > 0) s += ", ";
    s += l[i].key;
    s += '=';
    s += goQuote(l[i].value);
  }
  s += '}';
  return s;
}

bool labelsLess(const Labels& a, const Labels& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i].key != b[i].key) return a[i].key < b[i].key;
    if (a[i].value != b[i].value) return a[i].value < b[i].value;
  }
  return a.size() < b.size();
}

// The series of streamed workers (each with `out`) appended to `m` in the selection's order: by
// labels as selected.
template <typename Worker>
void gatherByLabels(std::vector<Worker>& workers, std::vector<Series>* m) {
  for (Worker& wk : workers) {
    for (Series& s : wk.out) m->push_back(std::move(s));
  }
  std::sort(m->begin(), m->end(),
            [](const Series& a, const Series& b) { return labelsLess(a.labels, b.labels); });
}

// Collects output series by labelset; one point per series per step, else Prometheus' error.
class OutBuilder {
 public:
  size_t seriesFor(Labels labels) {
    std::string key = labelsKey(labels);
    auto [it, fresh] = index_.try_emplace(std::move(key), out_.size());
    if (fresh) out_.push_back(Series{std::move(labels), {}, {}});
    return it->second;
  }
  Status add(size_t i, int64_t t, double v) {
    Series& s = out_[i];
    if (!s.t.empty() && s.t.back() == t) return invalidArgument(std::string(kDupLabelset));
    s.t.push_back(t);
    s.v.push_back(v);
    return Status::ok();
  }
  bool hasPointAt(size_t i, int64_t t) const { return !out_[i].t.empty() && out_[i].t.back() == t; }
  Matrix finish() {
    Matrix m;
    m.reserve(out_.size());
    for (Series& s : out_) {
      if (!s.t.empty()) m.push_back(std::move(s));
    }
    return m;
  }

 private:
  std::unordered_map<std::string, size_t> index_;
  Matrix out_;
};

Status checkSameLabelset(const Matrix& m) {
  std::unordered_map<std::string, int> seen;
  for (const Series& s : m) {
    if (!seen.emplace(labelsKey(s.labels), 0).second) {
      return invalidArgument(std::string(kDupLabelset));
    }
  }
  return Status::ok();
}

Value vectorValue(Matrix m) {
  Value v;
  v.type = ValueType::kVector;
  v.m = std::move(m);
  return v;
}

// Adds every point of `s` to the output series of `labels`.
Status addAll(OutBuilder* ob, Labels labels, const Series& s) {
  size_t i = ob->seriesFor(std::move(labels));
  for (size_t p = 0; p < s.t.size(); ++p) SEXTANT_RETURN_IF_ERROR(ob->add(i, s.t[p], s.v[p]));
  return Status::ok();
}

const Expr& unwrapParens(const Expr& e) {
  const Expr* p = &e;
  while (const ParenExpr* pe = p->as<ParenExpr>()) p = pe->expr.get();
  return *p;
}

// Prometheus' createLabelsForAbsentFunction.
Labels absentLabels(const Expr& arg) {
  const VectorSelector* vs = arg.as<VectorSelector>();
  if (const MatrixSelector* ms = arg.as<MatrixSelector>()) vs = &ms->selector;
  Labels l;
  if (vs == nullptr) return l;
  std::vector<std::string> empty;
  for (const LabelMatcher& m : vs->matchers) {
    if (m.name == kMetricName) continue;
    if (m.op == MatchOp::kEqual && getLabel(l, m.name) == nullptr) {
      setLabel(&l, m.name, m.value);
    } else {
      empty.push_back(m.name);
    }
  }
  for (const std::string& n : empty) delLabel(&l, n);
  return l;
}

// Go's regexp.Expand over RE2 submatches: $1, ${1}, $name, ${name}, $$.
std::string expandTemplate(const re2::RE2& re, std::string_view tmpl,
                           const std::vector<std::string_view>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    size_t next = i;
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t j = brace ? i + 1 : i;
    size_t k = j;
    while (k < tmpl.size() &&
           (std::isalnum(static_cast<unsigned char>(tmpl[k])) || tmpl[k] == '_')) {
      ++k;
    }
    bool ok = k > j;
    if (ok && brace) {
      if (k < tmpl.size() && tmpl[k] == '}') {
        name = tmpl.substr(j, k - j);
        next = k + 1;
      } else {
        ok = false;
      }
    } else if (ok) {
      name = tmpl.substr(j, k - j);
      next = k;
    }
    if (!ok) {
      out += '$';
      continue;
    }
    i = next;
    bool numeric =
        std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    int idx = -1;
    if (numeric) {
      if (name.size() < 10) idx = std::stoi(std::string(name));
    } else {
      auto it = named.find(std::string(name));
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr) {
      out += groups[idx];
    }
  }
  return out;
}

enum class RangeFn {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kDeriv,
  kPredictLinear,
  kResets,
  kChanges,
  kHoltWinters,
  kAvg,
  kMin,
  kMax,
  kSum,
  kCount,
  kQuantile,
  kStddev,
  kStdvar,
  kLast,
  kPresent,
  kAbsent,
};

std::optional<RangeFn> rangeFn(std::string_view n) {
  static const std::pair<std::string_view, RangeFn> kTable[] = {
      {"rate", RangeFn::kRate},
      {"increase", RangeFn::kIncrease},
      {"delta", RangeFn::kDelta},
      {"irate", RangeFn::kIrate},
      {"idelta", RangeFn::kIdelta},
      {"deriv", RangeFn::kDeriv},
      {"predict_linear", RangeFn::kPredictLinear},
      {"resets", RangeFn::kResets},
      {"changes", RangeFn::kChanges},
      {"holt_winters", RangeFn::kHoltWinters},
      {"avg_over_time", RangeFn::kAvg},
      {"min_over_time", RangeFn::kMin},
      {"max_over_time", RangeFn::kMax},
      {"sum_over_time", RangeFn::kSum},
      {"count_over_time", RangeFn::kCount},
      {"quantile_over_time", RangeFn::kQuantile},
      {"stddev_over_time", RangeFn::kStddev},
      {"stdvar_over_time", RangeFn::kStdvar},
      {"last_over_time", RangeFn::kLast},
      {"present_over_time", RangeFn::kPresent},
      {"absent_over_time", RangeFn::kAbsent},
  };
  for (const auto& [name, f] : kTable) {
    if (name == n) return f;
  }
  return std::nullopt;
}

// Per-element math of the simple vector functions; nullopt when `name` is not one.
std::optional<double (*)(double)> simpleFn(std::string_view n) {
  static const std::pair<std::string_view, double (*)(double)> kTable[] = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sgn",
       [](double v) {
         if (v < 0) return -1.0;
         if (v > 0) return 1.0;
         return v;
       }},
      {"acos", [](double v) { return std::acos(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"sin", [](double v) { return std::sin(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"deg", [](double v) { return v * 180 / std::numbers::pi; }},
      {"rad", [](double v) { return v * std::numbers::pi / 180; }},
  };
  for (const auto& [name, f] : kTable) {
    if (name == n) return f;
  }
  return std::nullopt;
}

// Date functions over unix seconds (UTC), Go's time package semantics.
std::optional<double (*)(double)> dateFn(std::string_view n) {
  struct Civil {
    int64_t y;
    unsigned m, d;
  };
  // Howard Hinnant's civil_from_days.
  static constexpr auto civil = [](int64_t days) {
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = static_cast<unsigned>(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = static_cast<int64_t>(yoe) + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return Civil{y + (m <= 2), m, d};
  };
  static constexpr auto leap = [](int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  };
  static constexpr auto secs = [](double v) { return static_cast<int64_t>(v); };
  static constexpr auto days = [](int64_t s) { return s >= 0 ? s / 86400 : (s - 86399) / 86400; };
  static const std::pair<std::string_view, double (*)(double)> kTable[] = {
      {"minute",
       [](double v) {
         int64_t s = secs(v);
         return static_cast<double>(((s % 3600) + 3600) % 3600 / 60);
       }},
      {"hour",
       [](double v) {
         int64_t s = secs(v);
         return static_cast<double>(((s % 86400) + 86400) % 86400 / 3600);
       }},
      {"day_of_week",
       [](double v) {
         int64_t d = days(secs(v));
         return static_cast<double>(((d + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
       }},
      {"day_of_month", [](double v) { return static_cast<double>(civil(days(secs(v))).d); }},
      {"day_of_year",
       [](double v) {
         int64_t d = days(secs(v));
         Civil c = civil(d);
         static constexpr int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
         int doy = kCum[c.m - 1] + static_cast<int>(c.d) + (c.m > 2 && leap(c.y) ? 1 : 0);
         return static_cast<double>(doy);
       }},
      {"days_in_month",
       [](double v) {
         Civil c = civil(days(secs(v)));
         static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
         return static_cast<double>(kDays[c.m - 1] + (c.m == 2 && leap(c.y) ? 1 : 0));
       }},
      {"month", [](double v) { return static_cast<double>(civil(days(secs(v))).m); }},
      {"year", [](double v) { return static_cast<double>(civil(days(secs(v))).y); }},
  };
  for (const auto& [name, f] : kTable) {
    if (name == n) return f;
  }
  return std::nullopt;
}

// vectorElemBinop: the value and whether to keep the element.
std::pair<double, bool> elemBinop(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::kAdd: return {l + r, true};
    case BinOp::kSub: return {l - r, true};
    case BinOp::kMul: return {l * r, true};
    case BinOp::kDiv: return {l / r, true};
    case BinOp::kPow: return {std::pow(l, r), true};
    case BinOp::kMod: return {std::fmod(l, r), true};
    case BinOp::kAtan2: return {std::atan2(l, r), true};
    case BinOp::kEql: return {l, l == r};
    case BinOp::kNeq: return {l, l != r};
    case BinOp::kGtr: return {l, l > r};
    case BinOp::kLss: return {l, l < r};
    case BinOp::kGte: return {l, l >= r};
    case BinOp::kLte: return {l, l <= r};
    default: return {kNaN, false};
  }
}

bool dropsMetricName(BinOp op) {
  switch (op) {
    case BinOp::kAdd:
    case BinOp::kSub:
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kMod:
    case BinOp::kPow: return true;
    default: return false;  // atan2 keeps it in 2.42 (shouldDropMetricName lists + - * / % ^)
  }
}

// Evaluation context shared by the top-level evaluator and its subquery evaluators.
struct Ctx {
  Queryable& q;
  const EngineOptions& o;
  int64_t query_start = 0;
  int64_t query_end = 0;
  std::chrono::steady_clock::time_point deadline;
  // Samples held now (an upper bound): fetched ones until their selector or range function is
  // done with them, plus every point produced by selectors and range functions (never
  // released: operators above them produce at most what they consume). Plain counters, added
  // per series or per fetch, never per sample.
  size_t samples = 0;
  size_t peak_samples = 0;
  size_t series = 0;     // series fetched by all selectors so far
  unsigned threads = 1;  // EngineOptions::threads resolved
  std::vector<std::string> warnings;

  // The deadline alone: safe from any thread (EngineOptions::cancelled is not).
  Status checkDeadline() const {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(StatusCode::kDeadlineExceeded, std::string(kTimeoutError));
    }
    return Status::ok();
  }
  Status check() const {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(StatusCode::kDeadlineExceeded, std::string(kTimeoutError));
    }
    if (o.cancelled && o.cancelled()) {
      return Status(StatusCode::kCancelled, std::string(kCancelledError));
    }
    return Status::ok();
  }
  Status addSamples(size_t n) {
    samples += n;
    peak_samples = std::max(peak_samples, samples);
    if (samples > o.max_samples) return outOfRange(std::string(kTooManySamplesError));
    return Status::ok();
  }
  void releaseSamples(size_t n) { samples -= std::min(n, samples); }
  Status addSeries(size_t n) {
    series += n;
    if (series > o.max_series) return seriesError();
    return Status::ok();
  }
  Status seriesError() const {
    return outOfRange("the number of series selected by the query exceeds the limit of " +
                      std::to_string(o.max_series) +
                      "; narrow down the selectors or the time range");
  }
  // What is left of the budget, for the Queryable to stop early.
  query::FetchLimits fetchLimits() const {
    query::FetchLimits l;
    l.max_series = o.max_series - std::min(o.max_series, series);
    l.max_samples = o.max_samples - std::min(o.max_samples, samples);
    l.deadline = deadline;
    l.cancelled = o.cancelled;
    l.threads = threads;
    return l;
  }
  // The Queryable's limit errors in the evaluator's words.
  Status mapFetchError(const Status& st) const {
    if (st.code() == StatusCode::kOutOfRange && st.message() == query::kFetchTooManySeries) {
      return seriesError();
    }
    if (st.code() == StatusCode::kOutOfRange && st.message() == query::kFetchTooManySamples) {
      return outOfRange(std::string(kTooManySamplesError));
    }
    if (st.code() == StatusCode::kDeadlineExceeded) {
      return Status(StatusCode::kDeadlineExceeded, std::string(kTimeoutError));
    }
    if (st.code() == StatusCode::kCancelled) {
      return Status(StatusCode::kCancelled, std::string(kCancelledError));
    }
    return st;
  }
};

class Evaluator {
 public:
  Evaluator(Ctx& c, int64_t start, int64_t end, int64_t interval)
      : c_(c), start_(start), interval_(interval) {
    n_ = end < start
             ? 0
             : static_cast<size_t>((static_cast<uint64_t>(end) - static_cast<uint64_t>(start)) /
                                   static_cast<uint64_t>(interval)) +
                   1;
  }

  size_t steps() const { return n_; }
  int64_t ts(size_t k) const {
    // In uint64 so that start + k * interval cannot overflow on the way (the result fits).
    return static_cast<int64_t>(static_cast<uint64_t>(start_) +
                                static_cast<uint64_t>(k) * static_cast<uint64_t>(interval_));
  }

  // The index of step time t.
  size_t stepOf(int64_t t) const {
    return static_cast<size_t>((static_cast<uint64_t>(t) - static_cast<uint64_t>(start_)) /
                               static_cast<uint64_t>(interval_));
  }

  Result<Value> eval(const Expr& e);
  Result<RangeArg> evalRangeArg(const Expr& e);

 private:
  int64_t atTs(const AtModifier& at, int64_t ts) const {
    switch (at.kind) {
      case AtModifier::Kind::kNone: return ts;
      case AtModifier::Kind::kTimestamp: return at.timestamp_ms;
      case AtModifier::Kind::kStart: return c_.query_start;
      case AtModifier::Kind::kEnd: return c_.query_end;
    }
    return ts;
  }

  // Selects and counts the series and samples; `*samples` is what to release once consumed.
  Result<std::vector<PromSeries>> fetch(const VectorSelector& vs, int64_t min_ms, int64_t max_ms,
                                        size_t* samples);
  Result<Value> evalVectorSelector(const VectorSelector& vs, bool sample_timestamps);
  Result<Value> evalCall(const Call& call);
  Result<Value> evalRangeFunction(const Call& call, size_t arg_index, RangeFn f);
  // evalRangeFunction over a matrix selector, series by series as the fetch reads them: `one`
  // is its per-series function (samples, output, the worker's scratch).
  template <typename One>
  Result<Value> streamRangeFunction(const MatrixSelector& ms, RangeFn f, const One& one);
  Result<Value> evalAggregate(const AggregateExpr& a);
  Result<Value> evalCountValues(const AggregateExpr& a, Value in);
  // evalAggregate for ops with a few numbers of state per (group, step), series by series.
  Result<Value> aggregateDense(AggOp op, const Matrix& in, const std::vector<size_t>& group_of,
                               std::vector<Labels> group_labels);
  Result<Value> evalBinary(const BinaryExpr& b);
  Result<Value> vectorScalar(BinOp op, Value vec, const std::vector<double>& s, bool swap,
                             bool return_bool);
  Result<Value> vectorVector(const BinaryExpr& b, const Matrix& lhs, const Matrix& rhs);
  Result<Value> setOp(const BinaryExpr& b, const Matrix& lhs, const Matrix& rhs);
  Result<Value> mapSeries(Matrix in, bool drop_name, double (*f)(double));
  Result<Value> histogramQuantile(const std::vector<double>& q, const Matrix& in);
  Result<Value> labelReplace(std::vector<Value>& args);
  Result<Value> labelJoin(std::vector<Value>& args);

  Value scalarValue(double v) const {
    Value out;
    out.type = ValueType::kScalar;
    out.scalar.assign(n_, v);
    return out;
  }

  Ctx& c_;
  int64_t start_, interval_;
  size_t n_ = 0;
};

Result<std::vector<PromSeries>> Evaluator::fetch(const VectorSelector& vs, int64_t min_ms,
                                                 int64_t max_ms, size_t* samples) {
  SEXTANT_RETURN_IF_ERROR(c_.check());
  auto r = c_.q.select(vs.matchers, min_ms, max_ms, c_.fetchLimits());
  if (!r.isOk()) return c_.mapFetchError(r.status());
  SEXTANT_RETURN_IF_ERROR(c_.addSeries(r->size()));
  size_t n = 0;
  for (PromSeries& s : *r) {
    n += s.values.size();
    std::erase_if(s.labels, [](const model::Tag& t) { return t.value.empty(); });
  }
  SEXTANT_RETURN_IF_ERROR(c_.addSamples(n));
  *samples = n;
  return r;
}

Result<Value> Evaluator::evalVectorSelector(const VectorSelector& vs, bool sample_timestamps) {
  Value out;
  out.type = ValueType::kVector;
  if (n_ == 0) return out;
  int64_t lookback = c_.o.lookback_ms;
  int64_t first = subSat(atTs(vs.at, ts(0)), vs.offset_ms);
  int64_t last = subSat(atTs(vs.at, ts(n_ - 1)), vs.offset_ms);
  bool open = c_.o.left_open_ranges;
  // One series' points: per step, its latest sample in the lookback window.
  auto one = [&](const std::vector<int64_t>& time_ms, const std::vector<double>& values,
                 Series* s) {
    size_t j = 0;
    for (size_t k = 0; k < n_; ++k) {
      int64_t ref = subSat(atTs(vs.at, ts(k)), vs.offset_ms);
      while (j < time_ms.size() && time_ms[j] <= ref) ++j;
      if (j == 0) continue;
      int64_t t = time_ms[j - 1];
      int64_t min_t = subSat(ref, lookback);
      if (open ? t <= min_t : t < min_t) continue;
      double v = values[j - 1];
      if (isStaleNaN(v)) continue;
      s->t.push_back(ts(k));
      s->v.push_back(sample_timestamps ? static_cast<double>(t) / 1000 : v);
    }
  };
  if (c_.o.stream_selections) {
    // Streamed as range functions are: each series as the fetch reads it, on its threads, then
    // in the selection's order (by labels as selected) with the counts of a materialised fetch.
    struct Worker {
      std::vector<Series> out;
      size_t series = 0;
      size_t samples = 0;
    };
    std::vector<Worker> workers(std::max(1u, c_.threads));
    SEXTANT_RETURN_IF_ERROR(c_.check());
    Status st = c_.q.selectEach(vs.matchers, subSat(first, lookback), last, c_.fetchLimits(),
                                [&](size_t w, PromSeries& ps) -> Status {
                                  Worker& wk = workers[w];
                                  SEXTANT_RETURN_IF_ERROR(w == 0 ? c_.check() : c_.checkDeadline());
                                  ++wk.series;
                                  wk.samples += ps.values.size();
                                  Series s;
                                  one(ps.time_ms, ps.values, &s);
                                  if (!s.t.empty()) {
                                    s.labels = std::move(ps.labels);
                                    wk.out.push_back(std::move(s));
                                  }
                                  return Status::ok();
                                });
    if (!st.isOk()) return c_.mapFetchError(st);
    size_t series = 0, fetched = 0;
    for (const Worker& wk : workers) {
      series += wk.series;
      fetched += wk.samples;
    }
    SEXTANT_RETURN_IF_ERROR(c_.addSeries(series));
    SEXTANT_RETURN_IF_ERROR(c_.addSamples(fetched));
    gatherByLabels(workers, &out.m);
    for (Series& s : out.m) {
      SEXTANT_RETURN_IF_ERROR(c_.addSamples(s.t.size()));
      std::erase_if(s.labels, [](const model::Tag& t) { return t.value.empty(); });
    }
    c_.releaseSamples(fetched);
    return out;
  }
  size_t fetched_samples = 0;
  auto fetched = fetch(vs, subSat(first, lookback), last, &fetched_samples);
  if (!fetched.isOk()) return fetched.status();
  for (PromSeries& ps : *fetched) {
    SEXTANT_RETURN_IF_ERROR(c_.check());
    Series s;
    one(ps.time_ms, ps.values, &s);
    if (!s.t.empty()) {
      SEXTANT_RETURN_IF_ERROR(c_.addSamples(s.t.size()));
      s.labels = std::move(ps.labels);
      out.m.push_back(std::move(s));
    }
  }
  c_.releaseSamples(fetched_samples);  // *fetched is freed on return
  return out;
}

Result<RangeArg> Evaluator::evalRangeArg(const Expr& expr) {
  const Expr& e = unwrapParens(expr);
  RangeArg ra;
  if (n_ == 0) return ra;
  if (const MatrixSelector* ms = e.as<MatrixSelector>()) {
    const VectorSelector& vs = ms->selector;
    ra.range_ms = ms->range_ms;
    ra.offset_ms = vs.offset_ms;
    ra.at = vs.at;
    ra.selector = &vs;
    int64_t first = subSat(subSat(atTs(vs.at, ts(0)), vs.offset_ms), ms->range_ms);
    int64_t last = subSat(atTs(vs.at, ts(n_ - 1)), vs.offset_ms);
    auto fetched = fetch(vs, first, last, &ra.fetched);
    if (!fetched.isOk()) return fetched.status();
    ra.series.resize(fetched->size());
    // Stale markers dropped, series by series on the query's threads.
    const size_t n = fetched->size();
    const size_t workers = workersFor(ra.fetched, c_.threads, 256 * 1024);
    runParallel(workers, [&](size_t w) {
      const size_t end = sliceBegin(n, w + 1, workers);
      for (size_t i = sliceBegin(n, w, workers); i < end; ++i) {
        PromSeries& ps = (*fetched)[i];
        Series& s = ra.series[i];
        s.labels = std::move(ps.labels);
        s.t = std::move(ps.time_ms);
        s.v = std::move(ps.values);
        if (std::any_of(s.v.begin(), s.v.end(), isStaleNaN)) {
          size_t k = 0;
          for (size_t j = 0; j < s.v.size(); ++j) {
            if (isStaleNaN(s.v[j])) continue;
            s.t[k] = s.t[j];
            s.v[k] = s.v[j];
            ++k;
          }
          s.t.resize(k);
          s.v.resize(k);
        }
      }
    });
    return ra;
  }
  const SubqueryExpr* sq = e.as<SubqueryExpr>();
  if (sq == nullptr) return invalidArgument("expected a range vector");
  int64_t step = sq->step_ms > 0 ? sq->step_ms : c_.o.default_subquery_step_ms;
  if (step <= 0) return invalidArgument("subquery step must be positive");
  int64_t eff_start = subSat(atTs(sq->at, ts(0)), sq->offset_ms);
  int64_t eff_end = subSat(atTs(sq->at, ts(n_ - 1)), sq->offset_ms);
  int64_t lo = subSat(eff_start, sq->range_ms);
  int64_t inner_start = step * (lo / step);  // Go's truncating division, as Prometheus
  if (inner_start < lo) inner_start = subSat(inner_start, -step);
  Evaluator inner(c_, inner_start, eff_end, step);
  auto v = inner.eval(*sq->expr);
  if (!v.isOk()) return v.status();
  ra.range_ms = sq->range_ms;
  ra.offset_ms = sq->offset_ms;
  ra.at = sq->at;
  if (v->type == ValueType::kScalar) {
    Series s;
    for (size_t k = 0; k < inner.steps(); ++k) {
      s.t.push_back(inner.ts(k));
      s.v.push_back(v->scalar[k]);
    }
    if (!s.t.empty()) ra.series.push_back(std::move(s));
  } else if (v->type == ValueType::kVector) {
    ra.series = std::move(v->m);
  } else {
    return invalidArgument("subquery is only allowed on instant vector or scalar");
  }
  return ra;
}

Result<Value> Evaluator::eval(const Expr& e) {
  SEXTANT_RETURN_IF_ERROR(c_.check());
  // Every node holds up to one value per step: more steps than samples allowed is an error.
  if (n_ > c_.o.max_samples) return c_.addSamples(n_);
  if (const NumberLiteral* n = e.as<NumberLiteral>()) return scalarValue(n->value);
  if (const StringLiteral* s = e.as<StringLiteral>()) {
    Value v;
    v.type = ValueType::kString;
    v.str = s->value;
    return v;
  }
  if (const ParenExpr* p = e.as<ParenExpr>()) return eval(*p->expr);
  if (const VectorSelector* vs = e.as<VectorSelector>()) return evalVectorSelector(*vs, false);
  if (const UnaryExpr* u = e.as<UnaryExpr>()) {
    auto v = eval(*u->expr);
    if (!v.isOk() || !u->negate) return v;
    if (v->type == ValueType::kScalar) {
      for (double& x : v->scalar) x = -x;
      return v;
    }
    for (Series& s : v->m) {
      delLabel(&s.labels, kMetricName);
      for (double& x : s.v) x = -x;
    }
    SEXTANT_RETURN_IF_ERROR(checkSameLabelset(v->m));
    return v;
  }
  if (const Call* call = e.as<Call>()) return evalCall(*call);
  if (const AggregateExpr* a = e.as<AggregateExpr>()) return evalAggregate(*a);
  if (const BinaryExpr* b = e.as<BinaryExpr>()) return evalBinary(*b);
  if (e.as<MatrixSelector>() != nullptr || e.as<SubqueryExpr>() != nullptr) {
    return invalidArgument("a range vector can only be a function argument or a query");
  }
  return invalidArgument("unknown expression");
}

Result<Value> Evaluator::mapSeries(Matrix in, bool drop_name, double (*f)(double)) {
  OutBuilder ob;
  for (Series& s : in) {
    Labels l = drop_name ? dropName(std::move(s.labels)) : std::move(s.labels);
    size_t i = ob.seriesFor(std::move(l));
    for (size_t p = 0; p < s.t.size(); ++p) {
      SEXTANT_RETURN_IF_ERROR(ob.add(i, s.t[p], f ? f(s.v[p]) : s.v[p]));
    }
  }
  return vectorValue(ob.finish());
}

Result<Value> Evaluator::evalCall(const Call& call) {
  std::string_view name = call.func->name;
  for (size_t i = 0; i < call.args.size(); ++i) {
    const Expr& a = unwrapParens(*call.args[i]);
    if (a.as<MatrixSelector>() || a.as<SubqueryExpr>()) {
      auto f = rangeFn(name);
      if (!f) return invalidArgument("unsupported function " + std::string(name));
      return evalRangeFunction(call, i, *f);
    }
  }
  Value out;
  out.type = ValueType::kVector;
  if (name == "time") {
    Value s = scalarValue(0);
    for (size_t k = 0; k < n_; ++k) s.scalar[k] = static_cast<double>(ts(k)) / 1000;
    return s;
  }
  if (name == "pi") return scalarValue(std::numbers::pi);
  if (name == "timestamp") {
    const Expr& a = unwrapParens(*call.args[0]);
    if (const VectorSelector* vs = a.as<VectorSelector>()) {
      auto v = evalVectorSelector(*vs, true);
      if (!v.isOk()) return v.status();
      return mapSeries(std::move(v->m), true, nullptr);
    }
  }
  // Evaluate the arguments over all steps.
  std::vector<Value> args;
  for (const ExprPtr& a : call.args) {
    auto v = eval(*a);
    if (!v.isOk()) return v.status();
    args.push_back(std::move(v).value());
  }
  if (name == "vector") {
    Series s;
    for (size_t k = 0; k < n_; ++k) {
      s.t.push_back(ts(k));
      s.v.push_back(args[0].scalar[k]);
    }
    if (!s.t.empty()) out.m.push_back(std::move(s));
    return out;
  }
  if (name == "scalar") {
    Value s = scalarValue(kNaN);
    std::vector<int> count(n_, 0);
    for (const Series& x : args[0].m) {
      for (size_t p = 0; p < x.t.size(); ++p) {
        size_t k = stepOf(x.t[p]);
        if (++count[k] == 1) {
          s.scalar[k] = x.v[p];
        } else {
          s.scalar[k] = kNaN;
        }
      }
    }
    return s;
  }
  if (name == "absent") {
    std::vector<bool> present(n_, false);
    for (const Series& x : args[0].m) {
      for (int64_t t : x.t) present[stepOf(t)] = true;
    }
    Series s;
    s.labels = absentLabels(*call.args[0]);
    for (size_t k = 0; k < n_; ++k) {
      if (present[k]) continue;
      s.t.push_back(ts(k));
      s.v.push_back(1);
    }
    if (!s.t.empty()) out.m.push_back(std::move(s));
    return out;
  }
  if (name == "sort" || name == "sort_desc") {
    Matrix m = std::move(args[0].m);
    if (n_ == 1) {
      bool desc = name == "sort_desc";
      std::stable_sort(m.begin(), m.end(), [desc](const Series& a, const Series& b) {
        // NaN sorts to the bottom either way (Prometheus' funcSort / funcSortDesc).
        double x = a.v[0], y = b.v[0];
        if (std::isnan(x)) return false;
        if (std::isnan(y)) return true;
        return desc ? x > y : x < y;
      });
    }
    out.m = std::move(m);
    return out;
  }
  if (name == "timestamp") {
    Matrix m = std::move(args[0].m);
    for (Series& s : m) {
      for (size_t p = 0; p < s.t.size(); ++p) s.v[p] = static_cast<double>(s.t[p]) / 1000;
    }
    return mapSeries(std::move(m), true, nullptr);
  }
  if (auto f = simpleFn(name)) return mapSeries(std::move(args[0].m), true, *f);
  if (auto f = dateFn(name)) {
    if (args.empty()) {
      Series s;
      for (size_t k = 0; k < n_; ++k) {
        s.t.push_back(ts(k));
        s.v.push_back((*f)(static_cast<double>(ts(k)) / 1000));
      }
      if (!s.t.empty()) out.m.push_back(std::move(s));
      return out;
    }
    return mapSeries(std::move(args[0].m), true, *f);
  }
  if (name == "round" || name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    OutBuilder ob;
    for (Series& s : args[0].m) {
      size_t i = ob.seriesFor(dropName(std::move(s.labels)));
      for (size_t p = 0; p < s.t.size(); ++p) {
        size_t k = stepOf(s.t[p]);
        double v = s.v[p];
        if (name == "round") {
          double to_nearest = args.size() > 1 ? args[1].scalar[k] : 1;
          double inv = 1.0 / to_nearest;
          v = std::floor(v * inv + 0.5) / inv;
        } else if (name == "clamp") {
          double lo = args[1].scalar[k], hi = args[2].scalar[k];
          if (hi < lo) continue;
          v = fn::goMax(lo, fn::goMin(hi, v));
        } else if (name == "clamp_min") {
          v = fn::goMax(args[1].scalar[k], v);
        } else {
          v = fn::goMin(args[1].scalar[k], v);
        }
        SEXTANT_RETURN_IF_ERROR(ob.add(i, s.t[p], v));
      }
    }
    out.m = ob.finish();
    return out;
  }
  if (name == "histogram_quantile") return histogramQuantile(args[0].scalar, args[1].m);
  if (name == "label_replace") return labelReplace(args);
  if (name == "label_join") return labelJoin(args);
  if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_fraction") {
    return out;  // native histograms only; float samples give nothing (as Prometheus)
  }
  return invalidArgument("unsupported function " + std::string(name));
}

// The window [lo, hi) of a range function's samples t[0, n) (ascending) in [mint, eff] (open:
// (mint, eff]) at successive steps, which only move forward (with @ it is the same every step).
// Each end first tries the previous step's advance (regular samples under regular steps: always
// right, no mispredicted loop exits), else walks.
struct WindowWalk {
  const int64_t* t;
  size_t n;
  bool open;
  size_t lo = 0, hi = 0, dlo = 0, dhi = 0;

  void advance(int64_t mint, int64_t eff) {
    const size_t hi0 = hi, lo0 = lo;
    if (const size_t g = hi + dhi;
        g <= n && (g == hi || t[g - 1] <= eff) && (g == n || t[g] > eff)) {
      hi = g;
    } else {
      while (hi < n && t[hi] <= eff) ++hi;
    }
    if (lo > hi) lo = hi;
    auto before = [&](int64_t x) { return open ? x <= mint : x < mint; };
    if (const size_t g = lo + dlo;
        g <= hi && (g == lo || before(t[g - 1])) && (g == hi || !before(t[g]))) {
      lo = g;
    } else {
      while (lo < hi && before(t[lo])) ++lo;
    }
    dhi = hi - hi0;
    dlo = lo >= lo0 ? lo - lo0 : 0;
  }
};

Result<Value> Evaluator::evalRangeFunction(const Call& call, size_t arg_index, RangeFn f) {
  // Scalar arguments (quantile_over_time's q, predict_linear's t, holt_winters' factors).
  std::vector<std::vector<double>> scalars;
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (i == arg_index) continue;
    auto v = eval(*call.args[i]);
    if (!v.isOk()) return v.status();
    scalars.push_back(std::move(v->scalar));
  }
  // A matrix selector's series go through the function as the fetch reads them, pass by pass
  // (Queryable::selectEach), never all held at once; subqueries and absent_over_time (one
  // shared array) take their materialised range argument.
  const MatrixSelector* streamed = f == RangeFn::kAbsent || !c_.o.stream_selections
                                       ? nullptr
                                       : unwrapParens(*call.args[arg_index]).as<MatrixSelector>();
  RangeArg ra;
  if (streamed != nullptr) {
    ra.range_ms = streamed->range_ms;
    ra.offset_ms = streamed->selector.offset_ms;
    ra.at = streamed->selector.at;
    ra.selector = &streamed->selector;
  } else {
    auto r = evalRangeArg(*call.args[arg_index]);
    if (!r.isOk()) return r.status();
    ra = std::move(r).value();
  }
  Value out;
  out.type = ValueType::kVector;
  bool open = c_.o.left_open_ranges;
  std::vector<char> any(f == RangeFn::kAbsent ? n_ : 0, 0);
  const bool counter_fn = f == RangeFn::kRate || f == RangeFn::kIncrease;
  // One series' points (samples in_t, in_v, in_n) into *s. buf and reset_sum are the worker's
  // scratch (reset_sum: rate / increase, per series, so each window is O(1)).
  auto one = [&](const int64_t* in_t, const double* in_v, size_t in_n, Series* s,
                 std::vector<double>& buf, std::vector<double>& reset_sum) -> Status {
    // rate / increase: the prefix sums of reset corrections, where the series has resets.
    const bool resets = counter_fn && fn::hasResets(in_v, in_n);
    if (resets) fn::resetSums(in_v, in_n, &reset_sum);
    s->t.reserve(std::min(n_, in_n));  // at most a point per step and per sample
    s->v.reserve(std::min(n_, in_n));
    // avg_over_time: windows go four at a time through fn::avgOverTime4 (the CPU overlaps their
    // divisions). rate, increase and delta: fn::RateMemo (the factor once per window shape).
    const bool by4 = f == RangeFn::kAvg;
    fn::RateMemo memo(ra.range_ms, counter_fn, f == RangeFn::kRate);
    fn::Window pending[4];
    int64_t pending_t[4];
    size_t npending = 0;
    auto flush = [&] {
      double r[4];
      for (size_t j = npending; j < 4; ++j) {  // padding: a one-sample window, ignored
        pending[j] = pending[0];
        pending[j].n = 1;
      }
      fn::avgOverTime4(pending, r);
      for (size_t j = 0; j < npending; ++j) {
        s->t.push_back(pending_t[j]);
        s->v.push_back(r[j]);
      }
      npending = 0;
    };
    WindowWalk walk{in_t, in_n, open};
    if (f == RangeFn::kRate || f == RangeFn::kIncrease || f == RangeFn::kDelta) {
      // The loop below for these alone (no per-step dispatch).
      for (size_t k = 0; k < n_; ++k) {
        const int64_t ts_k = ts(k);
        const int64_t eff = subSat(atTs(ra.at, ts_k), ra.offset_ms);
        const int64_t mint = subSat(eff, ra.range_ms);
        walk.advance(mint, eff);
        const size_t lo = walk.lo, n = walk.hi - walk.lo;
        if (n < 2) continue;
        s->t.push_back(ts_k);
        s->v.push_back(
            memo.at(fn::Window{in_t + lo, in_v + lo, n, resets ? reset_sum.data() + lo : nullptr},
                    mint, eff));
      }
      return Status::ok();
    }
    for (size_t k = 0; k < n_; ++k) {
      int64_t ts_k = ts(k);
      int64_t eff = subSat(atTs(ra.at, ts_k), ra.offset_ms);
      int64_t mint = subSat(eff, ra.range_ms);
      walk.advance(mint, eff);
      const size_t lo = walk.lo, hi = walk.hi;
      // The window moves forward only; with @ it is the same every step.
      if (lo == hi) continue;
      fn::Window w{in_t + lo, in_v + lo, hi - lo, resets ? reset_sum.data() + lo : nullptr};
      if (by4) {
        pending[npending] = w;
        pending_t[npending] = ts_k;
        if (++npending == 4) flush();
        continue;
      }
      std::optional<double> r;
      switch (f) {
        case RangeFn::kRate:
        case RangeFn::kIncrease:
        case RangeFn::kDelta: break;  // above
        case RangeFn::kIrate: r = fn::instantValue(w, true); break;
        case RangeFn::kIdelta: r = fn::instantValue(w, false); break;
        case RangeFn::kDeriv: r = fn::deriv(w); break;
        case RangeFn::kPredictLinear: r = fn::predictLinear(w, ts_k, scalars[0][k]); break;
        case RangeFn::kResets: r = fn::resets(w); break;
        case RangeFn::kChanges: r = fn::changes(w); break;
        case RangeFn::kHoltWinters: {
          double sf = scalars[0][k], tf = scalars[1][k];
          if (sf <= 0 || sf >= 1) {
            char m[64];
            std::snprintf(m, sizeof(m), "%f", sf);
            return invalidArgument("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                                   std::string(m));
          }
          if (tf <= 0 || tf >= 1) {
            char m[64];
            std::snprintf(m, sizeof(m), "%f", tf);
            return invalidArgument("invalid trend factor. Expected: 0 < tf < 1, got: " +
                                   std::string(m));
          }
          r = fn::holtWinters(w, sf, tf);
          break;
        }
        case RangeFn::kAvg: break;  // above
        case RangeFn::kMin: r = fn::minOverTime(w); break;
        case RangeFn::kMax: r = fn::maxOverTime(w); break;
        case RangeFn::kSum: r = fn::sumOverTime(w); break;
        case RangeFn::kCount: r = static_cast<double>(w.n); break;
        case RangeFn::kQuantile:
          buf.assign(w.v, w.v + w.n);
          r = fn::quantile(scalars[0][k], buf);
          break;
        case RangeFn::kStddev: r = std::sqrt(fn::stdvarOverTime(w)); break;
        case RangeFn::kStdvar: r = fn::stdvarOverTime(w); break;
        case RangeFn::kLast: r = w.v[w.n - 1]; break;
        case RangeFn::kPresent: r = 1; break;
        case RangeFn::kAbsent: any[k] = 1; break;
      }
      if (r) {
        s->t.push_back(ts_k);
        s->v.push_back(*r);
      }
    }
    if (npending > 0) flush();
    return Status::ok();
  };
  if (streamed != nullptr) return streamRangeFunction(*streamed, f, one);
  // Series are independent: contiguous slices on the query's threads (absent_over_time writes
  // one shared array: one thread). The calling thread's slice also checks for cancellation.
  Matrix& ins = ra.series;
  std::vector<Series> res(ins.size());
  const size_t workers = f == RangeFn::kAbsent ? 1
                                               : workersFor(std::max(ins.size() * n_, ra.fetched),
                                                            c_.threads, 64 * 1024);
  std::vector<Status> status(workers);
  runParallel(workers, [&](size_t w) {
    std::vector<double> buf, reset_sum;
    const size_t end = sliceBegin(ins.size(), w + 1, workers);
    for (size_t i = sliceBegin(ins.size(), w, workers); i < end; ++i) {
      Status st = w == 0 ? c_.check() : c_.checkDeadline();
      if (st.isOk())
        st = one(ins[i].t.data(), ins[i].v.data(), ins[i].t.size(), &res[i], buf, reset_sum);
      if (!st.isOk()) {
        status[w] = std::move(st);
        return;
      }
    }
  });
  for (Status& st : status) {
    if (!st.isOk()) return st;
  }
  for (size_t i = 0; i < ins.size(); ++i) {
    Series& s = res[i];
    if (!s.t.empty()) {
      SEXTANT_RETURN_IF_ERROR(c_.addSamples(s.t.size()));
      Labels& l = ins[i].labels;
      s.labels = f == RangeFn::kLast ? std::move(l) : dropName(std::move(l));
      out.m.push_back(std::move(s));
    }
  }
  c_.releaseSamples(ra.fetched);  // the range argument is freed on return
  if (f == RangeFn::kAbsent) {
    Series s;
    s.labels = absentLabels(unwrapParens(*call.args[arg_index]));
    if (unwrapParens(*call.args[arg_index]).as<SubqueryExpr>()) s.labels.clear();
    for (size_t k = 0; k < n_; ++k) {
      if (any[k]) continue;
      s.t.push_back(ts(k));
      s.v.push_back(1);
    }
    out.m.clear();
    if (!s.t.empty()) out.m.push_back(std::move(s));
    return out;
  }
  SEXTANT_RETURN_IF_ERROR(checkSameLabelset(out.m));
  return out;
}

template <typename One>
Result<Value> Evaluator::streamRangeFunction(const MatrixSelector& ms, RangeFn f, const One& one) {
  Value out;
  out.type = ValueType::kVector;
  if (n_ == 0) return out;  // no steps: nothing to select (as evalRangeArg)
  const VectorSelector& vs = ms.selector;
  const int64_t first = subSat(subSat(atTs(vs.at, ts(0)), vs.offset_ms), ms.range_ms);
  const int64_t last = subSat(atTs(vs.at, ts(n_ - 1)), vs.offset_ms);
  // Per fetch worker: scratch, the series with points (full labels, points) and the counts.
  struct Worker {
    std::vector<double> buf, reset_sum;
    std::vector<Series> out;
    size_t series = 0;
    size_t samples = 0;
  };
  std::vector<Worker> workers(std::max(1u, c_.threads));
  SEXTANT_RETURN_IF_ERROR(c_.check());
  Status st = c_.q.selectEach(
      vs.matchers, first, last, c_.fetchLimits(), [&](size_t w, PromSeries& ps) -> Status {
        Worker& wk = workers[w];
        SEXTANT_RETURN_IF_ERROR(w == 0 ? c_.check() : c_.checkDeadline());
        ++wk.series;
        wk.samples += ps.values.size();
        // Stale markers dropped (in place).
        std::vector<int64_t>& t = ps.time_ms;
        std::vector<double>& v = ps.values;
        if (std::any_of(v.begin(), v.end(), isStaleNaN)) {
          size_t k = 0;
          for (size_t j = 0; j < v.size(); ++j) {
            if (isStaleNaN(v[j])) continue;
            t[k] = t[j];
            v[k] = v[j];
            ++k;
          }
          t.resize(k);
          v.resize(k);
        }
        Series res;
        SEXTANT_RETURN_IF_ERROR(one(t.data(), v.data(), t.size(), &res, wk.buf, wk.reset_sum));
        if (!res.t.empty()) {
          res.labels = std::move(ps.labels);
          wk.out.push_back(std::move(res));
        }
        return Status::ok();
      });
  if (!st.isOk()) return c_.mapFetchError(st);
  // The counts of a materialised fetch (series, then the samples held until the function is
  // done with them), so limits and peak_samples are the same.
  size_t series = 0, fetched = 0, results = 0;
  for (const Worker& wk : workers) {
    series += wk.series;
    fetched += wk.samples;
    results += wk.out.size();
  }
  SEXTANT_RETURN_IF_ERROR(c_.addSeries(series));
  SEXTANT_RETURN_IF_ERROR(c_.addSamples(fetched));
  // Input order (the selection's, by labels as selected), then the selector's empty labels
  // dropped.
  out.m.reserve(results);
  gatherByLabels(workers, &out.m);
  for (Series& s : out.m) {
    SEXTANT_RETURN_IF_ERROR(c_.addSamples(s.t.size()));
    std::erase_if(s.labels, [](const model::Tag& t) { return t.value.empty(); });
    if (f != RangeFn::kLast) s.labels = dropName(std::move(s.labels));
  }
  c_.releaseSamples(fetched);
  SEXTANT_RETURN_IF_ERROR(checkSameLabelset(out.m));
  return out;
}

Result<Value> Evaluator::histogramQuantile(const std::vector<double>& q, const Matrix& in) {
  // Group the buckets by their labels without `le`; the output drops __name__ and le.
  struct Group {
    Labels labels;
    std::vector<std::pair<size_t, double>> members;  // (series, upper bound)
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> by_key;
  std::vector<std::pair<size_t, double>> series_group(in.size(), {SIZE_MAX, 0});
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string* le = getLabel(in[i].labels, "le");
    if (le == nullptr) continue;
    auto ub = fn::parseFloat(*le);
    if (!ub) continue;
    Labels l = in[i].labels;
    delLabel(&l, "le");
    auto [it, fresh] = by_key.try_emplace(labelsKey(l), groups.size());
    if (fresh) groups.push_back(Group{dropName(std::move(l)), {}});
    series_group[i] = {it->second, *ub};
  }
  OutBuilder ob;
  std::vector<size_t> out_idx(groups.size(), SIZE_MAX);
  std::vector<std::vector<std::pair<double, double>>> buckets(groups.size());
  std::vector<size_t> touched;
  std::vector<size_t> cur(in.size(), 0);
  for (size_t k = 0; k < n_; ++k) {
    if ((k & 63) == 0) SEXTANT_RETURN_IF_ERROR(c_.check());
    int64_t t = ts(k);
    touched.clear();
    for (size_t i = 0; i < in.size(); ++i) {
      if (cur[i] >= in[i].t.size() || in[i].t[cur[i]] != t) continue;
      double v = in[i].v[cur[i]++];
      auto [g, ub] = series_group[i];
      if (g == SIZE_MAX) continue;
      if (buckets[g].empty()) touched.push_back(g);
      buckets[g].emplace_back(ub, v);
    }
    for (size_t g : touched) {
      double r = fn::bucketQuantile(q[k], buckets[g]);
      buckets[g].clear();
      if (out_idx[g] == SIZE_MAX) out_idx[g] = ob.seriesFor(groups[g].labels);
      SEXTANT_RETURN_IF_ERROR(ob.add(out_idx[g], t, r));
    }
  }
  return vectorValue(ob.finish());
}

Result<Value> Evaluator::labelReplace(std::vector<Value>& args) {
  Matrix in = std::move(args[0].m);
  const std::string& dst = args[1].str;
  const std::string& repl = args[2].str;
  const std::string& src = args[3].str;
  const std::string& pattern = args[4].str;
  re2::RE2 re("^(?:" + pattern + ")$", re2::RE2::Quiet);
  if (!re.ok()) {
    return invalidArgument("invalid regular expression in label_replace(): " + pattern);
  }
  if (!fn::isValidLabelName(dst)) {
    return invalidArgument("invalid destination label name in label_replace(): " + dst);
  }
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(static_cast<size_t>(ngroups));
  OutBuilder ob;
  for (Series& s : in) {
    const std::string* sv = getLabel(s.labels, src);
    std::string val = sv ? *sv : std::string();
    if (re.Match(val, 0, val.size(), re2::RE2::UNANCHORED, sub.data(), ngroups)) {
      std::vector<std::string_view> groups(sub.begin(), sub.end());
      setLabel(&s.labels, dst, expandTemplate(re, repl, groups));
    }
    SEXTANT_RETURN_IF_ERROR(addAll(&ob, std::move(s.labels), s));
  }
  return vectorValue(ob.finish());
}

Result<Value> Evaluator::labelJoin(std::vector<Value>& args) {
  Matrix in = std::move(args[0].m);
  const std::string& dst = args[1].str;
  const std::string& sep = args[2].str;
  std::vector<std::string> srcs;
  for (size_t i = 3; i < args.size(); ++i) {
    const std::string& s = args[i].str;
    if (!fn::isValidLabelName(s)) {
      return invalidArgument("invalid source label name in label_join(): " + s);
    }
    srcs.push_back(s);
  }
  if (!fn::isValidLabelName(dst)) {
    return invalidArgument("invalid destination label name in label_join(): " + dst);
  }
  OutBuilder ob;
  for (Series& s : in) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      if (const std::string* v = getLabel(s.labels, srcs[i])) joined += *v;
    }
    setLabel(&s.labels, dst, joined);
    SEXTANT_RETURN_IF_ERROR(addAll(&ob, std::move(s.labels), s));
  }
  return vectorValue(ob.finish());
}

// ---- aggregation ----

Result<Value> Evaluator::evalAggregate(const AggregateExpr& a) {
  std::vector<double> param;
  if (a.param && a.op != AggOp::kCountValues) {
    auto p = eval(*a.param);
    if (!p.isOk()) return p.status();
    param = std::move(p->scalar);
  }
  auto inr = eval(*a.expr);
  if (!inr.isOk()) return inr.status();
  if (a.op == AggOp::kCountValues) return evalCountValues(a, std::move(inr).value());
  const Matrix& in = inr->m;
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());

  // Group of every input series (labels are constant along a series).
  std::vector<Labels> group_labels;
  std::vector<size_t> group_of(in.size());
  {
    std::unordered_map<std::string, size_t> by_key;
    for (size_t i = 0; i < in.size(); ++i) {
      Labels l;
      for (const model::Tag& t : in[i].labels) {
        bool listed = std::binary_search(grouping.begin(), grouping.end(), t.key);
        if (a.without ? (!listed && t.key != kMetricName) : listed) l.push_back(t);
      }
      auto [it, fresh] = by_key.try_emplace(labelsKey(l), group_labels.size());
      if (fresh) group_labels.push_back(std::move(l));
      group_of[i] = it->second;
    }
  }
  size_t ng = group_labels.size();
  size_t points = 0;
  for (const Series& s : in) points += s.t.size();
  const bool dense = a.op != AggOp::kTopk && a.op != AggOp::kBottomk && a.op != AggOp::kQuantile &&
                     ng <= std::max(kMinDenseCells, 2 * points) / std::max<size_t>(n_, 1);
  if (dense) return aggregateDense(a.op, in, group_of, std::move(group_labels));
  struct Acc {
    double value = 0, mean = 0, count = 0;
    std::vector<std::pair<double, size_t>> items;  // topk/bottomk/quantile: (value, series)
  };
  std::vector<Acc> acc(ng);
  std::vector<size_t> seen(ng, SIZE_MAX);
  std::vector<size_t> touched;
  OutBuilder ob;
  std::vector<size_t> out_group(ng, SIZE_MAX), out_series(in.size(), SIZE_MAX);
  std::vector<size_t> cur(in.size(), 0);
  bool is_k = a.op == AggOp::kTopk || a.op == AggOp::kBottomk;
  for (size_t k = 0; k < n_; ++k) {
    if ((k & 63) == 0) SEXTANT_RETURN_IF_ERROR(c_.check());
    int64_t t = ts(k);
    int64_t kk = 0;
    if (is_k) {
      double f = param[k];
      if (!(f <= 9.223372036854775807e18 && f >= -9.223372036854775808e18)) {
        return invalidArgument("Scalar value " + goFormatFloat(f) + " overflows int64");
      }
      kk = static_cast<int64_t>(f);
    }
    touched.clear();
    for (size_t i = 0; i < in.size(); ++i) {
      const Series& s = in[i];
      if (cur[i] >= s.t.size() || s.t[cur[i]] != t) continue;
      double v = s.v[cur[i]++];
      size_t g = group_of[i];
      Acc& x = acc[g];
      if (seen[g] != k) {
        seen[g] = k;
        touched.push_back(g);
        x.value = v;
        x.mean = v;
        x.count = 1;
        x.items.clear();
        if (a.op == AggOp::kStddev || a.op == AggOp::kStdvar) x.value = 0;
        if (a.op == AggOp::kCount || a.op == AggOp::kGroup) x.value = 1;
        if (is_k || a.op == AggOp::kQuantile) x.items.emplace_back(v, i);
        continue;
      }
      switch (a.op) {
        case AggOp::kSum: x.value += v; break;
        case AggOp::kAvg:
          x.count += 1;
          if (std::isinf(x.mean)) {
            if (std::isinf(v) && (x.mean > 0) == (v > 0)) break;
            if (!std::isinf(v) && !std::isnan(v)) break;
          }
          x.mean += v / x.count - x.mean / x.count;
          break;
        case AggOp::kCount: x.value += 1; break;
        case AggOp::kGroup: break;
        case AggOp::kMax:
          if (x.value < v || std::isnan(x.value)) x.value = v;
          break;
        case AggOp::kMin:
          if (x.value > v || std::isnan(x.value)) x.value = v;
          break;
        case AggOp::kStddev:
        case AggOp::kStdvar: {
          x.count += 1;
          double delta = v - x.mean;
          x.mean += delta / x.count;
          x.value += delta * (v - x.mean);
          break;
        }
        default: x.items.emplace_back(v, i); break;
      }
    }
    for (size_t g : touched) {
      Acc& x = acc[g];
      if (is_k) {
        if (kk < 1) continue;
        bool top = a.op == AggOp::kTopk;
        // Keep the k largest (topk) / smallest (bottomk); NaN ranks last either way, ties in
        // input order (items are in ascending series index): the first k of a stable sort by
        // rank, selected without sorting the rest.
        auto ranks_before = [top](double p, double q) {
          if (std::isnan(p)) return false;
          if (std::isnan(q)) return true;
          return top ? p > q : p < q;
        };
        size_t keep =
            std::min(x.items.size(), static_cast<size_t>(std::min<int64_t>(kk, SIZE_MAX >> 1)));
        std::partial_sort(x.items.begin(), x.items.begin() + static_cast<std::ptrdiff_t>(keep),
                          x.items.end(), [&](const auto& p, const auto& q) {
                            if (ranks_before(p.first, q.first)) return true;
                            if (ranks_before(q.first, p.first)) return false;
                            return p.second < q.second;
                          });
        for (size_t j = 0; j < keep; ++j) {
          size_t i = x.items[j].second;
          if (out_series[i] == SIZE_MAX) out_series[i] = ob.seriesFor(in[i].labels);
          SEXTANT_RETURN_IF_ERROR(ob.add(out_series[i], t, x.items[j].first));
        }
        continue;
      }
      double r = x.value;
      switch (a.op) {
        case AggOp::kAvg: r = x.mean; break;
        case AggOp::kStdvar: r = x.value / x.count; break;
        case AggOp::kStddev: r = std::sqrt(x.value / x.count); break;
        case AggOp::kQuantile: {
          std::vector<double> vals;
          vals.reserve(x.items.size());
          for (const auto& p : x.items) vals.push_back(p.first);
          r = fn::quantile(param[k], vals);
          break;
        }
        default: break;
      }
      if (out_group[g] == SIZE_MAX) out_group[g] = ob.seriesFor(group_labels[g]);
      SEXTANT_RETURN_IF_ERROR(ob.add(out_group[g], t, r));
    }
  }
  return vectorValue(ob.finish());
}

Result<Value> Evaluator::aggregateDense(AggOp op, const Matrix& in,
                                        const std::vector<size_t>& group_of,
                                        std::vector<Labels> group_labels) {
  const size_t ng = group_labels.size();
  const size_t cells = ng * n_;
  const bool with_mean = op == AggOp::kAvg || op == AggOp::kStddev || op == AggOp::kStdvar;
  std::vector<double> value(cells, 0), count(cells, 0), mean(with_mean ? cells : 0, 0);
  // Workers take contiguous ranges of steps: each cell still sees its series in input order, so
  // results are the same on any number of threads. Each tracks, for the output order (groups by
  // their first step, then by the first series there), its range's first step and series per
  // group; the first range with one wins.
  size_t points = 0;
  for (const Series& s : in) points += s.t.size();
  const size_t workers = workersFor(points, c_.threads, 512 * 1024);
  std::vector<std::vector<size_t>> firsts_k(workers), firsts_i(workers);
  // One loop per operation (the switch below resolved at compile time, not per point), over the
  // steps [k0, k1).
  auto run = [&](auto op_constant, size_t w, size_t k0, size_t k1) -> Status {
    constexpr AggOp kOp = decltype(op_constant)::value;
    constexpr bool kWithMean = kOp == AggOp::kAvg || kOp == AggOp::kStddev || kOp == AggOp::kStdvar;
    std::vector<size_t>& first_k = firsts_k[w];
    std::vector<size_t>& first_i = firsts_i[w];
    first_k.assign(ng, SIZE_MAX);
    first_i.assign(ng, SIZE_MAX);
    if (k0 >= k1) return Status::ok();
    const int64_t t_begin = ts(k0), t_last = ts(k1 - 1);
    for (size_t i = 0; i < in.size(); ++i) {
      if ((i & 63) == 0) SEXTANT_RETURN_IF_ERROR(w == 0 ? c_.check() : c_.checkDeadline());
      const Series& s = in[i];
      const size_t g = group_of[i];
      const size_t base = g * n_;
      size_t step = k0;
      const size_t j0 = k0 == 0
                            ? 0
                            : static_cast<size_t>(
                                  std::lower_bound(s.t.begin(), s.t.end(), t_begin) - s.t.begin());
      for (size_t j = j0; j < s.t.size(); ++j) {
        // Points sit on step times in ascending order: walk from the previous step instead of a
        // division per point (stepOf where a point is not where the walk stops).
        // Usually the point is on the step after the previous one's.
        const int64_t t = s.t[j];
        if (t > t_last) break;
        if (step >= n_ || ts(step) != t) {
          while (step < n_ && ts(step) < t) ++step;
          if (step >= n_ || ts(step) != t) step = stepOf(t);
        }
        const size_t cell = base + step++;
        const double v = s.v[j];
        double& x = value[cell];
        double& cnt = count[cell];
        if (cnt == 0) {
          const size_t k = cell - base;
          if (k < first_k[g]) {
            first_k[g] = k;
            first_i[g] = i;
          }
          cnt = 1;
          x = v;
          if (kWithMean) mean[cell] = v;
          if (kOp == AggOp::kStddev || kOp == AggOp::kStdvar) x = 0;
          if (kOp == AggOp::kCount || kOp == AggOp::kGroup) x = 1;
          continue;
        }
        switch (kOp) {
          case AggOp::kSum: x += v; break;
          case AggOp::kAvg: {
            cnt += 1;
            double& m = mean[cell];
            if (std::isinf(m)) {
              if (std::isinf(v) && (m > 0) == (v > 0)) break;
              if (!std::isinf(v) && !std::isnan(v)) break;
            }
            m += v / cnt - m / cnt;
            break;
          }
          case AggOp::kCount: x += 1; break;
          case AggOp::kGroup: break;
          case AggOp::kMax:
            if (x < v || std::isnan(x)) x = v;
            break;
          case AggOp::kMin:
            if (x > v || std::isnan(x)) x = v;
            break;
          case AggOp::kStddev:
          case AggOp::kStdvar: {
            cnt += 1;
            double& m = mean[cell];
            double delta = v - m;
            m += delta / cnt;
            x += delta * (v - m);
            break;
          }
          default: break;
        }
      }
    }
    return Status::ok();
  };
  std::vector<Status> status(workers);
  runParallel(workers, [&](size_t w) {
    using C = AggOp;
    const size_t k0 = sliceBegin(n_, w, workers), k1 = sliceBegin(n_, w + 1, workers);
    Status& st = status[w];
    switch (op) {
      case C::kSum: st = run(std::integral_constant<C, C::kSum>{}, w, k0, k1); break;
      case C::kAvg: st = run(std::integral_constant<C, C::kAvg>{}, w, k0, k1); break;
      case C::kCount: st = run(std::integral_constant<C, C::kCount>{}, w, k0, k1); break;
      case C::kGroup: st = run(std::integral_constant<C, C::kGroup>{}, w, k0, k1); break;
      case C::kMax: st = run(std::integral_constant<C, C::kMax>{}, w, k0, k1); break;
      case C::kMin: st = run(std::integral_constant<C, C::kMin>{}, w, k0, k1); break;
      case C::kStddev: st = run(std::integral_constant<C, C::kStddev>{}, w, k0, k1); break;
      case C::kStdvar: st = run(std::integral_constant<C, C::kStdvar>{}, w, k0, k1); break;
      default: st = internalError("aggregateDense: unexpected operation");
    }
  });
  for (Status& st : status) {
    if (!st.isOk()) return st;
  }
  std::vector<size_t> first_k(ng, SIZE_MAX), first_i(ng, SIZE_MAX);
  for (size_t g = 0; g < ng; ++g) {
    for (size_t w = 0; w < workers; ++w) {
      if (firsts_k[w][g] == SIZE_MAX) continue;
      first_k[g] = firsts_k[w][g];
      first_i[g] = firsts_i[w][g];
      break;
    }
  }
  std::vector<size_t> order;
  for (size_t g = 0; g < ng; ++g) {
    if (first_k[g] != SIZE_MAX) order.push_back(g);
  }
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return std::tie(first_k[x], first_i[x]) < std::tie(first_k[y], first_i[y]);
  });
  Matrix m;
  m.reserve(order.size());
  for (size_t g : order) {
    Series& out = m.emplace_back();
    out.labels = std::move(group_labels[g]);
    out.t.reserve(n_ - first_k[g]);
    out.v.reserve(n_ - first_k[g]);
    for (size_t k = 0; k < n_; ++k) {
      const size_t cell = g * n_ + k;
      if (count[cell] == 0) continue;
      double r = value[cell];
      switch (op) {
        case AggOp::kAvg: r = mean[cell]; break;
        case AggOp::kStdvar: r = value[cell] / count[cell]; break;
        case AggOp::kStddev: r = std::sqrt(value[cell] / count[cell]); break;
        default: break;
      }
      out.t.push_back(ts(k));
      out.v.push_back(r);
    }
  }
  return vectorValue(std::move(m));
}

Result<Value> Evaluator::evalCountValues(const AggregateExpr& a, Value in) {
  const StringLiteral* sl = unwrapParens(*a.param).as<StringLiteral>();
  std::string label = sl ? sl->value : std::string();
  if (!fn::isValidLabelName(label)) return invalidArgument("invalid label name " + goQuote(label));
  std::vector<std::string> grouping = a.grouping;
  if (!a.without) grouping.push_back(label);
  std::sort(grouping.begin(), grouping.end());
  OutBuilder ob;
  std::unordered_map<std::string, size_t> step_groups;
  std::vector<std::pair<size_t, double>> order;  // (out series, count) in first-seen order
  std::vector<size_t> cur(in.m.size(), 0);
  for (size_t k = 0; k < n_; ++k) {
    if ((k & 63) == 0) SEXTANT_RETURN_IF_ERROR(c_.check());
    int64_t t = ts(k);
    step_groups.clear();
    order.clear();
    for (size_t i = 0; i < in.m.size(); ++i) {
      const Series& s = in.m[i];
      if (cur[i] >= s.t.size() || s.t[cur[i]] != t) continue;
      double v = s.v[cur[i]++];
      Labels metric = s.labels;
      setLabel(&metric, label, fn::formatFloatF(v));
      Labels l;
      for (const model::Tag& tag : metric) {
        bool listed = std::binary_search(grouping.begin(), grouping.end(), tag.key);
        if (a.without ? (!listed && tag.key != kMetricName) : listed) l.push_back(tag);
      }
      std::string key = labelsKey(l);
      auto it = step_groups.find(key);
      if (it == step_groups.end()) {
        step_groups.emplace(std::move(key), order.size());
        order.emplace_back(ob.seriesFor(std::move(l)), 1);
      } else {
        order[it->second].second += 1;
      }
    }
    for (const auto& [idx, count] : order) SEXTANT_RETURN_IF_ERROR(ob.add(idx, t, count));
  }
  return vectorValue(ob.finish());
}

// ---- binary operators ----

Result<Value> Evaluator::evalBinary(const BinaryExpr& b) {
  auto l = eval(*b.lhs);
  if (!l.isOk()) return l.status();
  auto r = eval(*b.rhs);
  if (!r.isOk()) return r.status();
  bool ls = l->type == ValueType::kScalar, rs = r->type == ValueType::kScalar;
  if (ls && rs) {
    Value out = scalarValue(0);
    for (size_t k = 0; k < n_; ++k) {
      double x = l->scalar[k], y = r->scalar[k];
      auto [v, keep] = elemBinop(b.op, x, y);
      if (isComparison(b.op)) v = keep ? 1 : 0;
      out.scalar[k] = v;
    }
    return out;
  }
  if (ls) return vectorScalar(b.op, std::move(r).value(), l->scalar, true, b.return_bool);
  if (rs) return vectorScalar(b.op, std::move(l).value(), r->scalar, false, b.return_bool);
  if (isSetOperator(b.op)) return setOp(b, l->m, r->m);
  return vectorVector(b, l->m, r->m);
}

Result<Value> Evaluator::vectorScalar(BinOp op, Value vec, const std::vector<double>& s, bool swap,
                                      bool return_bool) {
  OutBuilder ob;
  bool drop = dropsMetricName(op) || return_bool;
  for (Series& x : vec.m) {
    size_t idx = SIZE_MAX;
    for (size_t p = 0; p < x.t.size(); ++p) {
      size_t k = stepOf(x.t[p]);
      double lv = x.v[p], rv = s[k];
      if (swap) std::swap(lv, rv);
      auto [v, keep] = elemBinop(op, lv, rv);
      if (isComparison(op) && swap) v = rv;
      if (return_bool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      if (idx == SIZE_MAX) idx = ob.seriesFor(drop ? dropName(x.labels) : x.labels);
      SEXTANT_RETURN_IF_ERROR(ob.add(idx, x.t[p], v));
    }
  }
  return vectorValue(ob.finish());
}

namespace {

// The matching signature of a series: the on(...) labels, or all but ignoring(...) and __name__.
std::string signature(const Labels& l, const VectorMatching& vm) {
  std::string k;
  for (const model::Tag& t : l) {
    bool listed = contains(vm.matching_labels, t.key);
    if (vm.on ? listed : (!listed && t.key != kMetricName)) {
      k += t.key;
      k += '\xff';
      k += t.value;
      k += '\xfe';
    }
  }
  return k;
}

Labels matchLabels(const Labels& l, const VectorMatching& vm) {
  Labels out;
  for (const model::Tag& t : l) {
    bool listed = contains(vm.matching_labels, t.key);
    if (vm.on ? listed : (!listed && t.key != kMetricName)) out.push_back(t);
  }
  return out;
}

// Interns signatures of both sides into small ids.
std::vector<size_t> signatureIds(const Matrix& m, const VectorMatching& vm,
                                 std::unordered_map<std::string, size_t>* ids) {
  std::vector<size_t> out(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    auto [it, fresh] = ids->try_emplace(signature(m[i].labels, vm), ids->size());
    out[i] = it->second;
  }
  return out;
}

}  // namespace

Result<Value> Evaluator::setOp(const BinaryExpr& b, const Matrix& lhs, const Matrix& rhs) {
  static const VectorMatching kDefault{Cardinality::kManyToMany, {}, false, {}};
  const VectorMatching& vm = b.matching ? *b.matching : kDefault;
  std::unordered_map<std::string, size_t> ids;
  std::vector<size_t> lsig = signatureIds(lhs, vm, &ids), rsig = signatureIds(rhs, vm, &ids);
  std::vector<size_t> lstamp(ids.size(), SIZE_MAX), rstamp(ids.size(), SIZE_MAX);
  std::vector<size_t> lcur(lhs.size(), 0), rcur(rhs.size(), 0);
  std::vector<size_t> lout(lhs.size(), SIZE_MAX), rout(rhs.size(), SIZE_MAX);
  std::vector<std::pair<size_t, double>> lnow, rnow;  // present samples this step
  OutBuilder ob;
  for (size_t k = 0; k < n_; ++k) {
    if ((k & 63) == 0) SEXTANT_RETURN_IF_ERROR(c_.check());
    int64_t t = ts(k);
    lnow.clear();
    rnow.clear();
    for (size_t i = 0; i < lhs.size(); ++i) {
      if (lcur[i] < lhs[i].t.size() && lhs[i].t[lcur[i]] == t) {
        lnow.emplace_back(i, lhs[i].v[lcur[i]++]);
        lstamp[lsig[i]] = k;
      }
    }
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (rcur[i] < rhs[i].t.size() && rhs[i].t[rcur[i]] == t) {
        rnow.emplace_back(i, rhs[i].v[rcur[i]++]);
        rstamp[rsig[i]] = k;
      }
    }
    auto emitL = [&](size_t i, double v) {
      if (lout[i] == SIZE_MAX) lout[i] = ob.seriesFor(lhs[i].labels);
      return ob.add(lout[i], t, v);
    };
    switch (b.op) {
      case BinOp::kAnd:
        if (rnow.empty()) break;
        for (auto [i, v] : lnow) {
          if (rstamp[lsig[i]] == k) SEXTANT_RETURN_IF_ERROR(emitL(i, v));
        }
        break;
      case BinOp::kOr:
        for (auto [i, v] : lnow) SEXTANT_RETURN_IF_ERROR(emitL(i, v));
        for (auto [i, v] : rnow) {
          if (lstamp[rsig[i]] == k) continue;
          if (rout[i] == SIZE_MAX) rout[i] = ob.seriesFor(rhs[i].labels);
          SEXTANT_RETURN_IF_ERROR(ob.add(rout[i], t, v));
        }
        break;
      default:  // unless
        for (auto [i, v] : lnow) {
          if (rstamp[lsig[i]] != k) SEXTANT_RETURN_IF_ERROR(emitL(i, v));
        }
        break;
    }
  }
  return vectorValue(ob.finish());
}

Result<Value> Evaluator::vectorVector(const BinaryExpr& b, const Matrix& lhs_in,
                                      const Matrix& rhs_in) {
  static const VectorMatching kDefault{};
  const VectorMatching& vm = b.matching ? *b.matching : kDefault;
  bool swapped = vm.card == Cardinality::kOneToMany;
  // `many` is the side whose samples drive the output; `one` must be unique per signature.
  const Matrix& many = swapped ? rhs_in : lhs_in;
  const Matrix& one = swapped ? lhs_in : rhs_in;
  std::unordered_map<std::string, size_t> ids;
  std::vector<size_t> msig = signatureIds(many, vm, &ids), osig = signatureIds(one, vm, &ids);
  size_t nsig = ids.size();
  std::vector<size_t> ostamp(nsig, SIZE_MAX), oat(nsig, 0), matched(nsig, SIZE_MAX);
  std::vector<double> oval(nsig, 0);
  std::vector<size_t> mcur(many.size(), 0), ocur(one.size(), 0);
  std::unordered_map<uint64_t, size_t> result_series;  // (many, one) -> output series
  std::vector<size_t> out_sig_stamp, out_sig;          // many-to-one duplicate detection
  std::vector<std::pair<size_t, double>> mnow;
  OutBuilder ob;
  bool drop = dropsMetricName(b.op);
  for (size_t k = 0; k < n_; ++k) {
    if ((k & 63) == 0) SEXTANT_RETURN_IF_ERROR(c_.check());
    int64_t t = ts(k);
    mnow.clear();
    for (size_t i = 0; i < many.size(); ++i) {
      if (mcur[i] < many[i].t.size() && many[i].t[mcur[i]] == t) {
        mnow.emplace_back(i, many[i].v[mcur[i]++]);
      }
    }
    bool any_one = false;
    for (size_t j = 0; j < one.size(); ++j) {
      if (ocur[j] >= one[j].t.size() || one[j].t[ocur[j]] != t) continue;
      double v = one[j].v[ocur[j]++];
      any_one = true;
      if (mnow.empty()) continue;
      size_t s = osig[j];
      if (ostamp[s] == k) {
        return invalidArgument(
            "found duplicate series for the match group " +
            labelsString(matchLabels(one[j].labels, vm)) + " on the " +
            (swapped ? "left" : "right") + " hand-side of the operation: [" +
            labelsString(one[j].labels) + ", " + labelsString(one[oat[s]].labels) +
            "];many-to-many matching not allowed: matching labels must be unique on one side");
      }
      ostamp[s] = k;
      oat[s] = j;
      oval[s] = v;
    }
    if (!any_one) continue;
    for (auto [i, mv] : mnow) {
      size_t s = msig[i];
      if (ostamp[s] != k) continue;
      size_t j = oat[s];
      double vl = mv, vr = oval[s];
      if (swapped) std::swap(vl, vr);
      auto [value, keep] = elemBinop(b.op, vl, vr);
      if (b.return_bool) {
        value = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      uint64_t key = static_cast<uint64_t>(i) * one.size() + j;
      auto it = result_series.find(key);
      if (it == result_series.end()) {
        // Prometheus' resultMetric.
        Labels l = many[i].labels;
        if (drop) delLabel(&l, kMetricName);
        if (vm.card == Cardinality::kOneToOne) {
          if (vm.on) {
            std::erase_if(
                l, [&](const model::Tag& tag) { return !contains(vm.matching_labels, tag.key); });
          } else {
            std::erase_if(
                l, [&](const model::Tag& tag) { return contains(vm.matching_labels, tag.key); });
          }
        }
        for (const std::string& ln : vm.include) {
          const std::string* v = getLabel(one[j].labels, ln);
          if (v != nullptr && !v->empty()) {
            setLabel(&l, ln, *v);
          } else {
            delLabel(&l, ln);
          }
        }
        if (b.return_bool) delLabel(&l, kMetricName);
        it = result_series.emplace(key, ob.seriesFor(std::move(l))).first;
      }
      size_t out = it->second;
      if (vm.card == Cardinality::kOneToOne) {
        if (matched[s] == k) {
          return invalidArgument(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        matched[s] = k;
      } else {
        if (out >= out_sig.size()) {
          out_sig.resize(out + 1, SIZE_MAX);
          out_sig_stamp.resize(out + 1, SIZE_MAX);
        }
        if (out_sig_stamp[out] == k && out_sig[out] == s) {
          return invalidArgument(
              "multiple matches for labels: grouping labels must ensure unique matches");
        }
        out_sig_stamp[out] = k;
        out_sig[out] = s;
      }
      SEXTANT_RETURN_IF_ERROR(ob.add(out, t, value));
    }
  }
  return vectorValue(ob.finish());
}

void sortByLabels(std::vector<SeriesValues>* s) {
  std::sort(s->begin(), s->end(), [](const SeriesValues& a, const SeriesValues& b) {
    return labelsLess(a.labels, b.labels);
  });
}

Result<QueryResult> run(Queryable& q, const Expr& e, int64_t start, int64_t end, int64_t step,
                        bool instant, const EngineOptions& o) {
  // A timeout of a century or more is no timeout, zero or less is already over (and now() + it
  // cannot overflow).
  auto now = std::chrono::steady_clock::now();
  auto deadline = o.timeout >= std::chrono::hours(24 * 365 * 100)
                      ? std::chrono::steady_clock::time_point::max()
                  : o.timeout.count() <= 0 ? std::chrono::steady_clock::time_point::min()
                                           : now + o.timeout;
  Ctx c{.q = q, .o = o, .query_start = start, .query_end = end, .deadline = deadline};
  c.threads = o.threads != 0 ? o.threads : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  Evaluator ev(c, start, end, step);
  QueryResult out;
  ValueType type = valueType(e);
  if (!instant && type != ValueType::kScalar && type != ValueType::kVector) {
    return invalidArgument("invalid expression type \"" + std::string(documentedType(type)) +
                           "\" for range query, must be Scalar or instant Vector");
  }
  if (instant && type == ValueType::kMatrix) {
    auto ra = ev.evalRangeArg(e);
    if (!ra.isOk()) return ra.status();
    out.type = ValueType::kMatrix;
    bool open = o.left_open_ranges;
    for (Series& s : ra->series) {
      int64_t eff = subSat(ra->at.kind == AtModifier::Kind::kNone        ? start
                           : ra->at.kind == AtModifier::Kind::kTimestamp ? ra->at.timestamp_ms
                           : ra->at.kind == AtModifier::Kind::kStart     ? start
                                                                         : end,
                           ra->offset_ms);
      int64_t mint = subSat(eff, ra->range_ms);
      SeriesValues sv;
      for (size_t p = 0; p < s.t.size(); ++p) {
        if (s.t[p] > eff || (open ? s.t[p] <= mint : s.t[p] < mint)) continue;
        sv.t_ms.push_back(s.t[p]);
        sv.v.push_back(s.v[p]);
      }
      if (sv.t_ms.empty()) continue;
      sv.labels = std::move(s.labels);
      out.series.push_back(std::move(sv));
    }
    sortByLabels(&out.series);
    out.warnings = std::move(c.warnings);
    out.peak_samples = c.peak_samples;
    return out;
  }
  auto v = ev.eval(e);
  if (!v.isOk()) return v.status();
  out.warnings = std::move(c.warnings);
  out.peak_samples = c.peak_samples;
  if (v->type == ValueType::kString) {
    out.type = ValueType::kString;
    out.string = std::move(v->str);
    out.t_ms = start;
    return out;
  }
  if (instant && v->type == ValueType::kScalar) {
    out.type = ValueType::kScalar;
    out.scalar = v->scalar.empty() ? 0 : v->scalar[0];
    out.t_ms = start;
    return out;
  }
  if (v->type == ValueType::kScalar) {
    SeriesValues sv;
    for (size_t k = 0; k < ev.steps(); ++k) {
      sv.t_ms.push_back(ev.ts(k));
      sv.v.push_back(v->scalar[k]);
    }
    out.type = ValueType::kMatrix;
    if (!sv.t_ms.empty()) out.series.push_back(std::move(sv));
    return out;
  }
  out.type = instant ? ValueType::kVector : ValueType::kMatrix;
  out.t_ms = start;
  for (Series& s : v->m) {
    out.series.push_back(SeriesValues{std::move(s.labels), std::move(s.t), std::move(s.v)});
  }
  if (!instant) sortByLabels(&out.series);
  return out;
}

class StorageQueryable : public Queryable {
 public:
  StorageQueryable(storage::StorageEngine& engine, std::string ws)
      : engine_(engine), ws_(std::move(ws)) {}
  Result<std::vector<PromSeries>> select(const std::vector<LabelMatcher>& matchers, int64_t min_ms,
                                         int64_t max_ms,
                                         const query::FetchLimits& limits) override {
    return query::fetchPromSeries(engine_, ws_, storageMatchers(matchers), min_ms, max_ms, limits);
  }
  Status selectEach(const std::vector<LabelMatcher>& matchers, int64_t min_ms, int64_t max_ms,
                    const query::FetchLimits& limits, const query::PromSeriesSink& sink) override {
    return query::forEachPromSeries(engine_, ws_, storageMatchers(matchers), min_ms, max_ms, limits,
                                    sink);
  }

 private:
  static std::vector<storage::TagMatcher> storageMatchers(
      const std::vector<LabelMatcher>& matchers) {
    std::vector<storage::TagMatcher> tm;
    tm.reserve(matchers.size());
    for (const LabelMatcher& m : matchers) {
      storage::TagMatcher t;
      t.key = m.name;
      t.values = {m.value};
      switch (m.op) {
        case MatchOp::kEqual: t.op = storage::TagMatcher::kEq; break;
        case MatchOp::kNotEqual: t.op = storage::TagMatcher::kNe; break;
        case MatchOp::kRegexMatch: t.op = storage::TagMatcher::kRegex; break;
        case MatchOp::kRegexNoMatch: t.op = storage::TagMatcher::kNotRegex; break;
      }
      tm.push_back(std::move(t));
    }
    return tm;
  }

  storage::StorageEngine& engine_;
  std::string ws_;
};

}  // namespace

Status Queryable::selectEach(const std::vector<LabelMatcher>& matchers, int64_t min_ms,
                             int64_t max_ms, const query::FetchLimits& limits,
                             const query::PromSeriesSink& sink) {
  auto r = select(matchers, min_ms, max_ms, limits);
  if (!r.isOk()) return r.status();
  std::vector<PromSeries>& all = *r;
  size_t samples = 0;
  for (const PromSeries& s : all) samples += s.values.size();
  const size_t workers = workersFor(samples, limits.threads, 64 * 1024);
  std::vector<Status> status(workers);
  runParallel(workers, [&](size_t w) {
    const size_t end = sliceBegin(all.size(), w + 1, workers);
    for (size_t i = sliceBegin(all.size(), w, workers); i < end && status[w].isOk(); ++i) {
      status[w] = sink(w, all[i]);
    }
  });
  for (Status& st : status) {
    if (!st.isOk()) return st;
  }
  return Status::ok();
}

double staleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool isStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

std::unique_ptr<Queryable> storageQueryable(storage::StorageEngine& engine,
                                            std::string workspace_id) {
  return std::make_unique<StorageQueryable>(engine, std::move(workspace_id));
}

Result<std::vector<PromSeries>> MemoryQueryable::select(const std::vector<LabelMatcher>& matchers,
                                                        int64_t min_ms, int64_t max_ms,
                                                        const query::FetchLimits& limits) {
  ++selects_;
  std::vector<PromSeries> out;
  size_t samples = 0;
  for (const PromSeries& s : series_) {
    bool ok = true;
    for (const LabelMatcher& m : matchers) {
      std::string_view v;
      for (const model::Tag& t : s.labels) {
        if (t.key == m.name) v = t.value;
      }
      if (!m.matches(v)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    auto lo = std::lower_bound(s.time_ms.begin(), s.time_ms.end(), min_ms);
    auto hi = std::upper_bound(s.time_ms.begin(), s.time_ms.end(), max_ms);
    if (lo == hi) continue;
    if (out.size() == limits.max_series) return outOfRange(std::string(query::kFetchTooManySeries));
    if (static_cast<size_t>(hi - lo) > limits.max_samples - samples) {
      return outOfRange(std::string(query::kFetchTooManySamples));
    }
    samples += static_cast<size_t>(hi - lo);
    PromSeries p;
    p.labels = s.labels;
    size_t a = static_cast<size_t>(lo - s.time_ms.begin()),
           b = static_cast<size_t>(hi - s.time_ms.begin());
    p.time_ms.assign(lo, hi);
    p.values.assign(s.values.begin() + static_cast<std::ptrdiff_t>(a),
                    s.values.begin() + static_cast<std::ptrdiff_t>(b));
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const PromSeries& a, const PromSeries& b) {
    return labelsLess(a.labels, b.labels);
  });
  return out;
}

Result<QueryResult> evalInstant(Queryable& q, const Expr& e, int64_t t_ms, const EngineOptions& o) {
  return run(q, e, t_ms, t_ms, 1, true, o);
}

Result<QueryResult> evalRange(Queryable& q, const Expr& e, int64_t start_ms, int64_t end_ms,
                              int64_t step_ms, const EngineOptions& o) {
  if (step_ms <= 0) {
    return invalidArgument("zero or negative query resolution step widths are not accepted");
  }
  if (end_ms < start_ms) return invalidArgument("end timestamp must not be before start time");
  return run(q, e, start_ms, end_ms, step_ms, false, o);
}

}  // namespace sextant::query::promql

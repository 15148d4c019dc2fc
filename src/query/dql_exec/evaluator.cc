#include "query/dql_exec/evaluator.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/clock.h"
#include "pipeline/funcs/time_parse.h"
#include "query/dql_exec/values.h"
#include "query/exec/series_source.h"

namespace sextant::query::dql_exec {

namespace {

using dql::Expr;
using dql::ExprKind;
using dql::Namespace;
using dql::Op;
using dql::Query;
using model::Category;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerS = 1'000'000'000;

// ---------------------------------------------------------------------------------------------
// Rows: the shape every source is turned into.

struct Row {
  std::int64_t t = 0;  // ns
  std::vector<std::pair<std::string, Value>> cols;
};

// Rows of one measurement (events, objects) or one metrics series (tags in `tags`, not in rows).
struct RowSet {
  std::string measurement;
  std::vector<model::Tag> tags;
  std::vector<Row> rows;  // ascending time
};

// The names a query may use for a row's measurement (object class).
bool isMeasurementKey(std::string_view key) {
  return key == "__source" || key == "source" || key == "class" || key == "__class" ||
         key == "measurement";
}

Value lookup(const RowSet& rs, const Row* row, std::string_view key) {
  if (row != nullptr) {
    for (const auto& [k, v] : row->cols) {
      if (k == key) return v;
    }
  }
  for (const model::Tag& t : rs.tags) {
    if (t.key == key) return t.value;
  }
  if (key == "time") return row != nullptr ? Value(row->t / kNsPerMs) : Value();
  if (isMeasurementKey(key)) {
    return rs.measurement;
  }
  return std::monostate{};
}

class RowResolver : public Resolver {
 public:
  RowResolver(const RowSet& rs, const Row* row, bool events)
      : rs_(rs), row_(row), events_(events) {}
  Value name(std::string_view n) const override { return lookup(rs_, row_, n); }
  bool fullText(std::string_view text) const override {
    return fullTextMatch(toText(lookup(rs_, row_, "message")), text);
  }
  bool messageIsFullText() const override { return events_; }

 private:
  const RowSet& rs_;
  const Row* row_;
  bool events_;
};

// ---------------------------------------------------------------------------------------------
// Context, time window.

struct Ctx {
  storage::StorageEngine& engine;
  std::string ws;
  const EvalOptions& opt;
  std::int64_t now_ns = 0;
  ExprEvaluator ev;
  std::size_t rows_read = 0;
  std::size_t series = 0;  // series read plus result groups made (EvalOptions::max_series)
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct Window {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::int64_t interval_ns = 0;  // 0: one bucket over the whole window
  std::string rollup;
  bool explicit_time = false;  // the query has a time expression
  // tz('..'): buckets start at multiples of the interval in this zone's local time. Null: UTC.
  std::shared_ptr<const pipeline::funcs::TimeZone> tz;
};

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Local time of a UTC instant in the window's zone (ns; as if local were UTC) and back. In a
// spring-forward gap a local time maps with the offset before it, in an overlap to the earlier
// instant (TimeZone::localToUtc).
std::int64_t toLocal(std::int64_t t, const Window& w) {
  if (!w.tz) return t;
  return satAdd(t, std::int64_t{w.tz->offsetAtUtc(floorDiv(t, kNsPerS))} * kNsPerS);
}
std::int64_t toUtc(std::int64_t local, const Window& w) {
  if (!w.tz) return local;
  std::int64_t s = floorDiv(local, kNsPerS);
  return satAdd(satMul(w.tz->localToUtc(s), kNsPerS), local - s * kNsPerS);
}

// The start of t's bucket: a multiple of the interval since the epoch, in local time with tz().
std::int64_t bucketOf(std::int64_t t, const Window& w) {
  if (w.interval_ns <= 0) return w.start_ns;
  return toUtc(satMul(floorDiv(toLocal(t, w), w.interval_ns), w.interval_ns), w);
}

// The bucket after the one starting at b (false when it would overflow).
bool nextBucket(std::int64_t* b, const Window& w) {
  std::int64_t local = toLocal(*b, w);
  if (__builtin_add_overflow(local, w.interval_ns, &local)) return false;
  std::int64_t next = toUtc(local, w);
  if (next <= *b) return false;
  *b = next;
  return true;
}

// Window bounds stay within +-2^62 ns (1824..2116), so their differences fit in an int64.
constexpr std::int64_t kMaxBoundNs = (std::int64_t{1} << 62) - 1;
std::int64_t clampBound(std::int64_t t) { return std::clamp(t, -kMaxBoundNs, kMaxBoundNs); }

Result<Window> resolveWindow(const Ctx& c, const Query& q) {
  const std::optional<dql::TimeRange>& tr = q.time;
  Window w;
  if (q.tz) {
    Result<std::shared_ptr<const pipeline::funcs::TimeZone>> tz =
        q.tz->empty() ? Result<std::shared_ptr<const pipeline::funcs::TimeZone>>(
                            invalidArgument("empty name"))
                      : pipeline::funcs::loadTimeZone(*q.tz);
    if (!tz.isOk()) {
      return invalidArgument(at(q.tz_pos) + "unknown time zone '" + *q.tz + "' in tz() (" +
                             std::string(tz.status().message()) + ")");
    }
    w.tz = *tz;
  }
  w.end_ns = clampBound(c.opt.end_ms ? satMul(*c.opt.end_ms, kNsPerMs) : c.now_ns);
  w.start_ns =
      clampBound(c.opt.start_ms ? satMul(*c.opt.start_ms, kNsPerMs)
                                : satAdd(w.end_ns, -satMul(c.opt.default_range_ms, kNsPerMs)));
  if (tr) {
    w.explicit_time = tr->start.kind != dql::TimeBound::Kind::kNone ||
                      tr->end.kind != dql::TimeBound::Kind::kNone;
    auto bound = [&](const dql::TimeBound& b, std::int64_t dflt) {
      switch (b.kind) {
        case dql::TimeBound::Kind::kRelative: return clampBound(satAdd(c.now_ns, b.value));
        case dql::TimeBound::Kind::kAbsolute: return clampBound(satMul(b.value, kNsPerMs));
        default: return dflt;
      }
    };
    w.start_ns = bound(tr->start, w.start_ns);
    w.end_ns = bound(tr->end, w.end_ns);
    if (tr->interval_ns) w.interval_ns = *tr->interval_ns;
    w.rollup = tr->rollup;
  }
  if (w.start_ns > w.end_ns) {
    return invalidArgument((tr ? at(tr->pos) : std::string()) +
                           "the time range starts after it ends");
  }
  if (w.interval_ns == 0 && !(tr && tr->interval_auto) && c.opt.interval_ms &&
      *c.opt.interval_ms > 0) {
    w.interval_ns = satMul(*c.opt.interval_ms, kNsPerMs);
  }
  if (tr && tr->interval_auto) {
    // About 360 buckets, in whole seconds.
    std::int64_t span = w.end_ns - w.start_ns;
    std::int64_t s = (span / 360 + kNsPerS - 1) / kNsPerS;
    w.interval_ns = std::max<std::int64_t>(1, s) * kNsPerS;
  }
  if (w.interval_ns < 0) {
    return invalidArgument((tr ? at(tr->pos) : std::string()) + "the interval must be positive");
  }
  if (w.interval_ns > 0 &&
      static_cast<std::size_t>((w.end_ns - w.start_ns) / w.interval_ns) > c.opt.max_buckets) {
    return outOfRange("too many time buckets: the interval is too small for the time range");
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// Names used by expressions.

bool isAggregateName(std::string_view f, double* pct = nullptr) {
  static const std::set<std::string, std::less<>> kAgg = {
      "count", "count_distinct", "sum",    "avg",      "mean",   "min",    "max",
      "first", "last",           "median", "distinct", "stddev", "spread", "percentile"};
  if (kAgg.count(f)) return true;
  // pNN: a percentile (p50, p99, p999 = 99.9).
  if (f.size() >= 2 && f.size() <= 8 && f[0] == 'p' &&
      std::all_of(f.begin() + 1, f.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    if (pct != nullptr) {
      std::string digits(f.substr(1));
      double v = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (digits.size() > 2) v /= std::pow(10.0, static_cast<double>(digits.size() - 2));
      *pct = v;
    }
    return true;
  }
  return false;
}

bool isUnsupportedAggregate(std::string_view f) {
  static const std::set<std::string, std::less<>> kNo = {"mode",
                                                         "top",
                                                         "bottom",
                                                         "distinct_by_collapse",
                                                         "count_filter",
                                                         "histogram",
                                                         "derivative",
                                                         "difference",
                                                         "non_negative_derivative",
                                                         "moving_average",
                                                         "regexp_extract",
                                                         "regexp_extract_all",
                                                         "non_negative_difference"};
  return kNo.count(f) != 0;
}

void collectNames(const Expr& e, std::set<std::string>* out) {
  switch (e.kind) {
    case ExprKind::kIdent: out->insert(e.text); return;
    case ExprKind::kBinary:
    case ExprKind::kIn:
      if (e.op != Op::kAnd && e.op != Op::kOr && !e.args.empty() &&
          e.args[0].kind == ExprKind::kString) {
        out->insert(e.args[0].text);
      }
      break;
    case ExprKind::kCall:
      if ((isAggregateName(e.text) || e.text == "exists") && !e.args.empty() &&
          e.args[0].kind == ExprKind::kString) {
        out->insert(e.args[0].text);
      }
      if (e.text == "match") out->insert("message");
      break;
    default: break;
  }
  for (const Expr& a : e.args) collectNames(a, out);
}

const Expr* findUnsupportedAggregate(const Expr& e) {
  if (e.kind == ExprKind::kCall && isUnsupportedAggregate(e.text)) return &e;
  for (const Expr& a : e.args) {
    if (const Expr* u = findUnsupportedAggregate(a)) return u;
  }
  return nullptr;
}

bool containsAggregate(const Expr& e) {
  if (e.kind == ExprKind::kCall && isAggregateName(e.text)) return true;
  return std::any_of(e.args.begin(), e.args.end(), containsAggregate);
}

// ---------------------------------------------------------------------------------------------
// Targets.

struct Target {
  std::string name;
  Expr expr;
  std::optional<Expr> fill;  // fill mode: a literal, nil, or ident linear/previous
};

std::string exprName(const Expr& e) {
  if (e.kind == ExprKind::kIdent || e.kind == ExprKind::kString) return e.text;
  return dql::toString(e);
}

Target normalizeTarget(const Expr& in) {
  Target t;
  const Expr* e = &in;
  std::string alias;
  if (e->kind == ExprKind::kAlias) {
    alias = e->text;
    e = &e->args[0];
  }
  if (e->kind == ExprKind::kCall && e->text == "fill" && e->args.size() == 2) {
    t.fill = e->args[1];
    e = &e->args[0];
    if (e->kind == ExprKind::kAlias) {
      alias = e->text;
      e = &e->args[0];
    }
  }
  t.expr = *e;
  if (t.expr.kind == ExprKind::kString) t.expr.kind = ExprKind::kIdent;  // a name
  t.name = alias.empty() ? exprName(t.expr) : alias;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Aggregation.

struct AggSpec {
  std::string func;
  const Expr* arg = nullptr;  // nullptr: `*`
  double pct = 0;
};

struct Acc {
  std::int64_t count = 0;
  std::int64_t rows = 0;
  double sum = 0;
  std::int64_t isum = 0;
  bool all_int = true;
  Value min;
  Value max;
  std::int64_t first_t = INT64_MAX;
  std::int64_t last_t = INT64_MIN;
  Value first;
  Value last;
  std::vector<double> nums;
  std::map<std::string, Value> distinct;
};

bool needsNums(const std::string& f) { return f == "percentile" || f == "median" || f == "stddev"; }

void accumulate(const AggSpec& s, std::int64_t t, const Value& v, Acc* a) {
  ++a->rows;
  if (isNull(v)) return;
  ++a->count;
  const std::string& f = s.func;
  if (f == "first") {
    if (t < a->first_t) {
      a->first_t = t;
      a->first = v;
    }
    return;
  }
  if (f == "last") {
    if (t >= a->last_t) {
      a->last_t = t;
      a->last = v;
    }
    return;
  }
  if (f == "count_distinct" || f == "distinct") {
    a->distinct.emplace(toText(v), v);
    return;
  }
  if (f == "count") return;
  std::optional<double> d = toDouble(v);
  if (!d) {
    --a->count;  // strings take no part in numeric aggregates
    return;
  }
  a->sum += *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    if (a->all_int && __builtin_add_overflow(a->isum, *i, &a->isum)) a->all_int = false;
  } else {
    a->all_int = false;
  }
  Value num = std::holds_alternative<bool>(v) ? Value(*d) : v;
  if (isNull(a->min) || sortCompare(num, a->min) < 0) a->min = num;
  if (isNull(a->max) || sortCompare(num, a->max) > 0) a->max = num;
  if (needsNums(f)) a->nums.push_back(*d);
}

Value aggResult(const AggSpec& s, Acc& a) {
  const std::string& f = s.func;
  if (f == "count") return s.arg == nullptr ? a.rows : a.count;
  if (f == "count_distinct") return static_cast<std::int64_t>(a.distinct.size());
  if (f == "first") return a.first;
  if (f == "last") return a.last;
  if (a.count == 0) return std::monostate{};
  if (f == "sum") return a.all_int ? Value(a.isum) : Value(a.sum);
  if (f == "avg" || f == "mean") return a.sum / static_cast<double>(a.count);
  if (f == "min") return a.min;
  if (f == "max") return a.max;
  if (f == "spread") return arith(Op::kSub, a.max, a.min);
  std::vector<double>& n = a.nums;
  std::sort(n.begin(), n.end());
  if (f == "median") {
    std::size_t m = n.size() / 2;
    return n.size() % 2 == 1 ? n[m] : (n[m - 1] + n[m]) / 2;
  }
  if (f == "stddev") {
    if (n.size() < 2) return std::monostate{};
    double mean = a.sum / static_cast<double>(n.size());
    double ss = 0;
    for (double x : n) ss += (x - mean) * (x - mean);
    return std::sqrt(ss / static_cast<double>(n.size() - 1));
  }
  // percentile: nearest rank.
  double rank = std::ceil(std::clamp(s.pct, 0.0, 100.0) / 100.0 * static_cast<double>(n.size()));
  std::size_t idx = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return n[std::min(idx, n.size() - 1)];
}

// Aggregate calls of the targets and HAVING, numbered; bare names outside aggregates (not BY
// keys, not target names) become last(name).
struct AggPlan {
  std::vector<AggSpec> specs;
  std::map<const Expr*, std::size_t> by_node;
  std::map<std::string, std::size_t, std::less<>> last_of_name;
  Status status;

  void add(const Expr& e, const std::set<std::string>& reserved) {
    if (e.kind == ExprKind::kCall && isUnsupportedAggregate(e.text)) {
      if (status.isOk()) {
        status = invalidArgument(at(e.pos) + "unsupported aggregate function " + e.text + "() in " +
                                 dql::toString(e));
      }
      return;
    }
    double pct = 0;
    if (e.kind == ExprKind::kCall && isAggregateName(e.text, &pct)) {
      AggSpec s;
      s.func = e.text;
      if (s.func[0] == 'p' && s.func != "percentile") s.func = "percentile";
      if (e.args.empty()) {
        status = invalidArgument(at(e.pos) + e.text + "() needs an argument");
        return;
      }
      if (e.args[0].kind != ExprKind::kStar) s.arg = &e.args[0];
      if (e.text == "percentile") {
        if (e.args.size() != 2 ||
            !toDouble(e.args[1].kind == ExprKind::kInt ? Value(e.args[1].int_value)
                                                       : Value(e.args[1].float_value))) {
          status = invalidArgument(at(e.pos) + "percentile() takes a field and a number");
          return;
        }
        pct = e.args[1].kind == ExprKind::kInt ? static_cast<double>(e.args[1].int_value)
                                               : e.args[1].float_value;
      }
      if (s.arg == nullptr && s.func != "count") {
        status = invalidArgument(at(e.pos) + e.text + "(*) is not supported (only count(*))");
        return;
      }
      s.pct = pct;
      by_node[&e] = specs.size();
      specs.push_back(s);
      return;
    }
    if (e.kind == ExprKind::kIdent && !reserved.count(e.text) && !last_of_name.count(e.text)) {
      AggSpec s;
      s.func = "last";
      s.arg = &e;
      last_of_name.emplace(e.text, specs.size());
      specs.push_back(s);
      return;
    }
    for (const Expr& a : e.args) add(a, reserved);
  }
};

class GroupResolver : public Resolver {
 public:
  GroupResolver(const AggPlan& plan, std::vector<Acc>& accs, const std::vector<std::string>& by,
                const std::vector<std::string>& key, const std::vector<std::string>& names,
                const std::vector<Value>& values)
      : plan_(plan), accs_(accs), by_(by), key_(key), names_(names), values_(values) {}
  Value name(std::string_view n) const override {
    for (std::size_t i = 0; i < by_.size(); ++i) {
      if (by_[i] == n) return key_[i];
    }
    for (std::size_t i = 0; i < names_.size() && i < values_.size(); ++i) {
      if (names_[i] == n) return values_[i];
    }
    auto it = plan_.last_of_name.find(n);
    if (it != plan_.last_of_name.end())
      return aggResult(plan_.specs[it->second], accs_[it->second]);
    return std::monostate{};
  }
  std::optional<Value> call(const Expr& e) const override {
    auto it = plan_.by_node.find(&e);
    if (it == plan_.by_node.end()) return std::nullopt;
    return aggResult(plan_.specs[it->second], accs_[it->second]);
  }

 private:
  const AggPlan& plan_;
  std::vector<Acc>& accs_;
  const std::vector<std::string>& by_;
  const std::vector<std::string>& key_;
  const std::vector<std::string>& names_;
  const std::vector<Value>& values_;
};

// Resolves names to the cells of one output row (HAVING on listings, SORDER BY).
class OutputRowResolver : public Resolver {
 public:
  OutputRowResolver(const Series& s, const std::vector<Value>& row) : s_(s), row_(row) {}
  Value name(std::string_view n) const override {
    for (std::size_t i = 0; i < s_.columns.size(); ++i) {
      if (s_.columns[i] == n) return row_[i];
    }
    for (const model::Tag& t : s_.tags) {
      if (t.key == n) return t.value;
    }
    return std::monostate{};
  }

 private:
  const Series& s_;
  const std::vector<Value>& row_;
};

void applyFill(const Expr& mode, std::size_t col, std::vector<std::vector<Value>>* rows) {
  if (mode.kind == ExprKind::kNil) return;
  if (mode.kind == ExprKind::kIdent && mode.text == "previous") {
    Value prev;
    for (auto& r : *rows) {
      if (isNull(r[col])) {
        r[col] = prev;
      } else {
        prev = r[col];
      }
    }
    return;
  }
  if (mode.kind == ExprKind::kIdent && mode.text == "linear") {
    // Interpolates between the nearest non-null neighbours (by time, column 0); no extrapolation.
    std::optional<std::size_t> prev;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      if (isNull((*rows)[i][col])) continue;
      if (prev && i > *prev + 1) {
        double t0 = *toDouble((*rows)[*prev][0]);
        double t1 = *toDouble((*rows)[i][0]);
        std::optional<double> v0 = toDouble((*rows)[*prev][col]);
        std::optional<double> v1 = toDouble((*rows)[i][col]);
        if (v0 && v1) {
          for (std::size_t j = *prev + 1; j < i; ++j) {
            double t = *toDouble((*rows)[j][0]);
            (*rows)[j][col] = *v0 + (*v1 - *v0) * (t - t0) / (t1 - t0);
          }
        }
      }
      prev = i;
    }
    return;
  }
  Value constant;
  switch (mode.kind) {
    case ExprKind::kInt: constant = mode.int_value; break;
    case ExprKind::kFloat: constant = mode.float_value; break;
    case ExprKind::kString: constant = mode.text; break;
    case ExprKind::kBool: constant = mode.bool_value; break;
    default: return;
  }
  for (auto& r : *rows) {
    if (isNull(r[col])) r[col] = constant;
  }
}

// ---------------------------------------------------------------------------------------------
// Rollups (per series, before aggregation).

bool rollupNeedsPrevious(const std::string& f) {
  return f == "rate" || f == "irate" || f == "deriv" || f == "increase";
}

Result<std::optional<double>> rollupValue(const std::string& f,
                                          std::optional<std::pair<std::int64_t, double>> prev,
                                          const std::vector<std::pair<std::int64_t, double>>& s) {
  if (s.empty()) return std::optional<double>();
  if (rollupNeedsPrevious(f)) {
    std::vector<std::pair<std::int64_t, double>> pts;
    if (prev) pts.push_back(*prev);
    pts.insert(pts.end(), s.begin(), s.end());
    if (pts.size() < 2) return std::optional<double>();
    if (f == "irate") {
      const auto& a = pts[pts.size() - 2];
      const auto& b = pts.back();
      double d = b.second >= a.second ? b.second - a.second : b.second;
      double dt = static_cast<double>(b.first - a.first) / kNsPerS;
      if (dt <= 0) return std::optional<double>();
      return std::optional<double>(d / dt);
    }
    double dt = static_cast<double>(pts.back().first - pts.front().first) / kNsPerS;
    if (f == "deriv") {
      if (dt <= 0) return std::optional<double>();
      return std::optional<double>((pts.back().second - pts.front().second) / dt);
    }
    double inc = 0;
    for (std::size_t i = 1; i < pts.size(); ++i) {
      double d = pts[i].second - pts[i - 1].second;
      inc += d >= 0 ? d : pts[i].second;  // a counter reset
    }
    if (f == "increase") return std::optional<double>(inc);
    if (dt <= 0) return std::optional<double>();
    return std::optional<double>(inc / dt);
  }
  std::vector<double> v;
  v.reserve(s.size());
  for (const auto& p : s) v.push_back(p.second);
  if (f == "last") return std::optional<double>(v.back());
  if (f == "first") return std::optional<double>(v.front());
  if (f == "count") return std::optional<double>(static_cast<double>(v.size()));
  double sum = 0;
  for (double x : v) sum += x;
  if (f == "sum") return std::optional<double>(sum);
  if (f == "avg" || f == "mean") return std::optional<double>(sum / static_cast<double>(v.size()));
  std::sort(v.begin(), v.end());
  if (f == "min") return std::optional<double>(v.front());
  if (f == "max") return std::optional<double>(v.back());
  if (f == "spread") return std::optional<double>(v.back() - v.front());
  if (f == "median") {
    std::size_t m = v.size() / 2;
    return std::optional<double>(v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2);
  }
  if (f == "stddev") {
    if (v.size() < 2) return std::optional<double>();
    double mean = sum / static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) ss += (x - mean) * (x - mean);
    return std::optional<double>(std::sqrt(ss / static_cast<double>(v.size() - 1)));
  }
  double pct = 0;
  if (f != "percentile" && isAggregateName(f, &pct) && f[0] == 'p') {
    double rank = std::ceil(std::clamp(pct, 0.0, 100.0) / 100.0 * static_cast<double>(v.size()));
    std::size_t idx = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return std::optional<double>(v[std::min(idx, v.size() - 1)]);
  }
  return Status(invalidArgument("unsupported rollup function " + f +
                                " (supported: avg sum min max count first last median stddev "
                                "spread rate irate deriv increase pNN)"));
}

Status applyRollup(const Window& w, std::vector<RowSet>* sets) {
  for (RowSet& rs : *sets) {
    std::map<std::string, std::vector<std::pair<std::int64_t, double>>> fields;
    for (const Row& r : rs.rows) {
      for (const auto& [k, v] : r.cols) {
        if (std::optional<double> d = toDouble(v)) fields[k].emplace_back(r.t, *d);
      }
    }
    std::map<std::int64_t, Row> out;
    for (auto& [name, pts] : fields) {
      std::stable_sort(pts.begin(), pts.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::optional<std::pair<std::int64_t, double>> prev;
      std::size_t i = 0;
      while (i < pts.size() && pts[i].first < w.start_ns) prev = pts[i++];
      while (i < pts.size()) {
        std::int64_t b = bucketOf(pts[i].first, w);
        std::vector<std::pair<std::int64_t, double>> in;
        while (i < pts.size() && bucketOf(pts[i].first, w) == b) in.push_back(pts[i++]);
        Result<std::optional<double>> v = rollupValue(w.rollup, prev, in);
        if (!v.isOk()) return v.status();
        if (*v) {
          Row& row = out[b];
          row.t = b;
          row.cols.emplace_back(name, **v);
        }
        prev = in.back();
      }
    }
    rs.rows.clear();
    for (auto& [t, row] : out) rs.rows.push_back(std::move(row));
  }
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Loading rows.

std::optional<Category> categoryOf(Namespace ns) {
  switch (ns) {
    case Namespace::kM: return Category::kMetric;
    case Namespace::kL:
    case Namespace::kBL:
    case Namespace::kCI: return Category::kLogging;
    case Namespace::kO:
    case Namespace::kOH: return Category::kObject;
    case Namespace::kCO:
    case Namespace::kCOH: return Category::kCustomObject;
    case Namespace::kE: return Category::kKeyEvent;
    case Namespace::kT: return Category::kTracing;
    case Namespace::kP: return Category::kProfiling;
    case Namespace::kR: return Category::kRum;
    case Namespace::kS: return Category::kSecurity;
    case Namespace::kN: return Category::kNetwork;
    default: return std::nullopt;
  }
}

Value cellAt(const storage::Column& c, std::size_t i) {
  switch (c.values.index()) {
    case 0: return std::get<0>(c.values)[i];
    case 1: {
      std::uint64_t u = std::get<1>(c.values)[i];
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
      return static_cast<double>(u);
    }
    case 2: return std::get<2>(c.values)[i];
    case 3: return std::get<3>(c.values)[i] != 0;
    case 4: return std::get<4>(c.values)[i];
    case 5: return std::get<5>(c.values)[i];
    default: return fromFieldValue(c.valueAt(i));
  }
}

// The limits (EvalOptions): counted per storage batch, series or group, never per cell.
Status checkDeadline(const Ctx& c) {
  if (std::chrono::steady_clock::now() > c.deadline) {
    return Status(StatusCode::kDeadlineExceeded, "the query timed out after " +
                                                     std::to_string(c.opt.timeout.count()) +
                                                     " ms; narrow the time range or the filter");
  }
  if (c.opt.cancelled && c.opt.cancelled()) {
    return Status(StatusCode::kCancelled, "the query was cancelled: the client went away");
  }
  return Status::ok();
}

Status rowsError(const Ctx& c) {
  return outOfRange("the query reads more than " + std::to_string(c.opt.max_rows) +
                    " rows; narrow the time range or the filter");
}

Status countRows(Ctx& c, std::size_t n) {
  c.rows_read += n;
  if (c.rows_read > c.opt.max_rows) return rowsError(c);
  return checkDeadline(c);
}

Status seriesError(const Ctx& c) {
  return outOfRange("the query reads or groups more than " + std::to_string(c.opt.max_series) +
                    " series; narrow the filter, the time range or the BY keys");
}

Status countSeries(Ctx& c, std::size_t n) {
  c.series += n;
  if (c.series > c.opt.max_series) return seriesError(c);
  return Status::ok();
}

void splitAnd(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kBinary && e.op == Op::kAnd) {
    splitAnd(e.args[0], out);
    splitAnd(e.args[1], out);
  } else {
    out->push_back(&e);
  }
}

// Filter conjuncts the series index can answer (tag = 'v', != , =~ re(), wildcard, IN lists).
std::vector<storage::TagMatcher> tagMatchers(const std::optional<Expr>& filter,
                                             const std::vector<std::string>& tag_keys) {
  std::vector<storage::TagMatcher> out;
  if (!filter) return out;
  std::vector<const Expr*> conj;
  splitAnd(*filter, &conj);
  auto isTag = [&](const Expr& k) {
    return (k.kind == ExprKind::kIdent || k.kind == ExprKind::kString) &&
           std::binary_search(tag_keys.begin(), tag_keys.end(), k.text);
  };
  for (const Expr* e : conj) {
    if (e->kind == ExprKind::kBinary && (e->op == Op::kEq || e->op == Op::kNe) &&
        isTag(e->args[0])) {
      const Expr& r = e->args[1];
      bool eq = e->op == Op::kEq;
      storage::TagMatcher m;
      m.key = e->args[0].text;
      if (r.kind == ExprKind::kString) {
        m.op = eq ? storage::TagMatcher::kEq : storage::TagMatcher::kNe;
        m.values = {r.text};
      } else if (r.kind == ExprKind::kRegex) {
        m.op = eq ? storage::TagMatcher::kRegex : storage::TagMatcher::kNotRegex;
        m.values = {r.text};
      } else if (r.kind == ExprKind::kCall && r.text == "wildcard" && r.args.size() == 1 &&
                 r.args[0].kind == ExprKind::kString) {
        m.op = eq ? storage::TagMatcher::kRegex : storage::TagMatcher::kNotRegex;
        m.values = {wildcardToRegex(r.args[0].text)};
      } else {
        continue;
      }
      out.push_back(std::move(m));
    } else if (e->kind == ExprKind::kIn && isTag(e->args[0])) {
      storage::TagMatcher m;
      m.key = e->args[0].text;
      m.op = e->negated ? storage::TagMatcher::kNotIn : storage::TagMatcher::kIn;
      bool ok = true;
      for (const Expr& v : e->args[1].args) {
        if (v.kind != ExprKind::kString) ok = false;
        m.values.push_back(v.text);
      }
      if (ok && !m.values.empty()) out.push_back(std::move(m));
    }
  }
  return out;
}

std::string fullTextOf(const std::optional<Expr>& filter) {
  std::string text;
  if (!filter) return text;
  std::vector<const Expr*> conj;
  splitAnd(*filter, &conj);
  for (const Expr* e : conj) {
    const std::string* t = nullptr;
    if (e->kind == ExprKind::kCall && e->text == "match" && e->args.size() == 1 &&
        e->args[0].kind == ExprKind::kString) {
      t = &e->args[0].text;
    } else if (e->kind == ExprKind::kBinary && e->op == Op::kEq &&
               e->args[0].kind == ExprKind::kIdent && e->args[0].text == "message") {
      const Expr& rhs = e->args[1];
      if (rhs.kind == ExprKind::kString) {
        t = &rhs.text;
      } else if (rhs.kind == ExprKind::kCall && rhs.text == "match" && rhs.args.size() == 1 &&
                 rhs.args[0].kind == ExprKind::kString) {
        t = &rhs.args[0].text;  // message = match('...'): the same full-text condition
      }
    }
    if (t != nullptr) text += (text.empty() ? "" : " ") + *t;
  }
  return text;
}

// The filter's top-level AND conjuncts that storage can evaluate as field predicates
// (storage/field_predicate.h) without changing what the filter keeps: `name op literal`,
// `name [NOT] IN (literals)`, `exists(name)` and `NOT exists(name)`, on plain column names. Storage
// then returns a superset of the rows the filter keeps (the filter still runs on every row):
// - storage compares values as compareValues does, and a row without the column passes only
//   !=, NOT IN and NOT EXISTS there; DQL's "a missing value equals ''" is kept by not pushing
//   `= ''` or an IN list holding '';
// - `message` (full text outside metrics), names that fall back to something else when the row has
//   no such column (time, source, class, measurement, ...) and names with an array column (DQL
//   compares arrays by their text; storage does not compare arrays) are not pushed.
std::vector<storage::FieldPredicate> fieldPredicates(const std::optional<Expr>& filter,
                                                     const std::set<std::string>& array_columns) {
  std::vector<storage::FieldPredicate> out;
  if (!filter) return out;
  std::vector<const Expr*> conj;
  splitAnd(*filter, &conj);
  auto pushable = [&](const Expr& k) {
    static const std::set<std::string, std::less<>> kFallback = {
        "time", "__source", "source", "class", "__class", "measurement", "message"};
    return k.kind == ExprKind::kIdent && !k.text.empty() && kFallback.count(k.text) == 0 &&
           array_columns.count(k.text) == 0;
  };
  auto literal = [](const Expr& v) -> std::optional<model::FieldValue> {
    switch (v.kind) {
      case ExprKind::kInt:
      case ExprKind::kDuration: return model::FieldValue(v.int_value);
      case ExprKind::kFloat: return model::FieldValue(v.float_value);
      case ExprKind::kBool: return model::FieldValue(v.bool_value);
      case ExprKind::kString: return model::FieldValue(v.text);
      default: return std::nullopt;
    }
  };
  auto isEmptyString = [](const model::FieldValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s != nullptr && s->empty();
  };
  using FP = storage::FieldPredicate;
  for (const Expr* e : conj) {
    if (e->kind == ExprKind::kBinary && e->args.size() == 2 && pushable(e->args[0])) {
      std::optional<model::FieldValue> v = literal(e->args[1]);
      if (!v) continue;
      FP p;
      p.column = e->args[0].text;
      switch (e->op) {
        case Op::kEq: p.op = FP::kEq; break;
        case Op::kNe: p.op = FP::kNe; break;
        case Op::kLt: p.op = FP::kLt; break;
        case Op::kLe: p.op = FP::kLe; break;
        case Op::kGt: p.op = FP::kGt; break;
        case Op::kGe: p.op = FP::kGe; break;
        default: continue;
      }
      if (p.op == FP::kEq && isEmptyString(*v)) continue;
      p.values.push_back(std::move(*v));
      out.push_back(std::move(p));
    } else if (e->kind == ExprKind::kIn && e->args.size() == 2 && pushable(e->args[0])) {
      FP p;
      p.column = e->args[0].text;
      p.op = e->negated ? FP::kNotIn : FP::kIn;
      bool ok = !e->args[1].args.empty();
      for (const Expr& item : e->args[1].args) {
        std::optional<model::FieldValue> v = literal(item);
        if (!v || (!e->negated && isEmptyString(*v))) {
          ok = false;
          break;
        }
        p.values.push_back(std::move(*v));
      }
      if (ok) out.push_back(std::move(p));
    } else {
      const bool negated = e->kind == ExprKind::kUnary && e->op == Op::kNot && e->args.size() == 1;
      const Expr& call = negated ? e->args[0] : *e;
      if (call.kind == ExprKind::kCall && call.text == "exists" && call.args.size() == 1 &&
          pushable(call.args[0])) {
        out.push_back(FP{call.args[0].text, negated ? FP::kNotExists : FP::kExists, {}});
      }
    }
  }
  return out;
}

std::string keyOf(const std::vector<model::Tag>& tags) {
  std::string k;
  for (const model::Tag& t : tags) {
    k += t.key;
    k.push_back('\0');
    k += t.value;
    k.push_back('\0');
  }
  return k;
}

// ---------------------------------------------------------------------------------------------
// FILTER / LINK keys (docs/dql.md, "FILTER and LINK").

// WITH {left = right, ...}: names of the outer statement (left) paired with names of the joined
// one (right); the parser accepts nothing else.
struct JoinKeys {
  std::vector<std::string> left;
  std::vector<std::string> right;
};

void collectJoinKeys(const Expr& e, JoinKeys* k) {
  if (e.kind == ExprKind::kBinary && e.op == Op::kAnd) {
    collectJoinKeys(e.args[0], k);
    collectJoinKeys(e.args[1], k);
  } else if (e.kind == ExprKind::kBinary && e.op == Op::kEq && e.args.size() == 2) {
    k->left.push_back(e.args[0].text);
    k->right.push_back(e.args[1].text);
  }
}

// Appends one key value to a tuple key: values match when their texts are equal (so 1, 1.0 and
// '1' are one key); a null never matches.
bool appendKeyPart(const Value& v, std::string* key) {
  if (isNull(v)) return false;
  std::string t = toText(v);
  const auto len = static_cast<std::uint32_t>(t.size());
  key->append(reinterpret_cast<const char*>(&len), sizeof len);
  key->append(t);
  return true;
}

// A cell of a result row by name: its column, else the series' tag.
Value outputValue(const Series& s, const std::vector<Value>& row, const std::string& name) {
  return OutputRowResolver(s, row).name(name);
}

// The key tuple of a result row (appendKeyPart() of each name's outputValue()); false when one
// of them is null.
bool keyTuple(const Series& s, const std::vector<Value>& row, const std::vector<std::string>& names,
              std::string* key) {
  for (const std::string& name : names) {
    if (!appendKeyPart(outputValue(s, row, name), key)) return false;
  }
  return true;
}

// FILTER's right side: the key tuples of the joined statement's rows.
struct SemiJoin {
  std::vector<std::string> keys;           // left names
  std::unordered_set<std::string> tuples;  // appendKeyPart() encodings
  // The distinct texts per key (metrics: pushed to the series index as IN matchers on tags).
  std::vector<std::set<std::string>> values;

  // Whether the row whose names `get` resolves has a key tuple of the right side.
  template <typename Get>
  bool matches(const Get& get) const {
    std::string k;
    for (const std::string& name : keys) {
      if (!appendKeyPart(get(name), &k)) return false;
    }
    return tuples.count(k) > 0;
  }
};

struct Plan {
  const Query* q = nullptr;
  const SemiJoin* semi = nullptr;  // FILTER ... WITH: rows must match it
  Category cat = Category::kMetric;
  bool events = false;   // full-text semantics for message
  bool objects = false;  // O / CO: latest state
  Window w;
  std::vector<Target> targets;
  bool all_columns = false;  // no targets or `*`
  bool aggregated = false;
  std::vector<std::string> by;
  std::string name;  // the result series' name
  // Several measurements named in the source list (`R::view,resource`): one series per
  // measurement (and BY values), named after it. re('..') and `*` pool their sources instead.
  bool per_measurement = false;
};

Result<QueryOutput> evalQuery(Ctx& c, const Query& q);

Result<std::vector<std::string>> resolveSources(Ctx& c, const Plan& p) {
  std::vector<std::string> out;
  for (const dql::Source& s : p.q->sources) {
    if (s.kind == dql::Source::Kind::kName) {
      if (s.name == "*") {
        if (p.q->ns == Namespace::kCI) {
          out.push_back("gitlab_pipeline");
          out.push_back("gitlab_job");
        } else if (p.cat == Category::kMetric) {
          for (auto& m : c.engine.measurements(c.ws, p.cat)) out.push_back(m);
        } else {
          return std::vector<std::string>{};  // all
        }
      } else {
        out.push_back(s.name);
      }
    } else if (s.kind == dql::Source::Kind::kRegex) {
      for (auto& m : c.engine.measurements(c.ws, p.cat)) {
        if (c.ev.regexMatch(s.name, m)) out.push_back(m);
      }
      SEXTANT_RETURN_IF_ERROR(c.ev.status());
      if (out.empty()) out.push_back(std::string("\x01no-such-measurement"));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status loadMetrics(Ctx& c, const Plan& p, const std::vector<std::string>& measurements,
                   std::vector<RowSet>* sets) {
  storage::SeriesIndex* idx = c.engine.seriesIndex(c.ws);
  if (idx == nullptr) return Status::ok();
  std::int64_t lookback = 0;
  if (rollupNeedsPrevious(p.w.rollup)) {
    lookback = p.w.interval_ns > 0 ? p.w.interval_ns : p.w.end_ns - p.w.start_ns;
  }
  for (const std::string& m : measurements) {
    std::vector<std::string> tag_keys = idx->tagKeys(m);
    std::set<std::string> names;
    if (!p.all_columns) {
      for (const Target& t : p.targets) collectNames(t.expr, &names);
      if (p.q->filter) collectNames(*p.q->filter, &names);
      if (p.semi != nullptr) names.insert(p.semi->keys.begin(), p.semi->keys.end());
      if (p.q->having) {
        // Target aliases in HAVING are not fields (unless a target reads them too).
        std::set<std::string> having;
        collectNames(*p.q->having, &having);
        for (const Target& t : p.targets) {
          if (!names.count(t.name)) having.erase(t.name);
        }
        names.insert(having.begin(), having.end());
      }
    }
    std::vector<std::string> fields;
    for (const std::string& n : names) {
      if (!std::binary_search(tag_keys.begin(), tag_keys.end(), n) && n != "time" &&
          std::find(p.by.begin(), p.by.end(), n) == p.by.end()) {
        fields.push_back(n);
      }
    }
    FieldSelector sel;
    sel.workspace_id = c.ws;
    sel.measurement = m;
    sel.fields = fields;  // empty: every numeric field
    sel.tags = tagMatchers(p.q->filter, tag_keys);
    if (p.semi != nullptr) {
      // FILTER keys that are tags: only the series holding one of the right side's values.
      for (std::size_t i = 0; i < p.semi->keys.size(); ++i) {
        const std::string& k = p.semi->keys[i];
        if (p.semi->values[i].empty() || !std::binary_search(tag_keys.begin(), tag_keys.end(), k)) {
          continue;
        }
        storage::TagMatcher in;
        in.key = k;
        in.op = storage::TagMatcher::kIn;
        in.values.assign(p.semi->values[i].begin(), p.semi->values[i].end());
        sel.tags.push_back(std::move(in));
      }
    }
    for (const storage::TagMatcher& tm : sel.tags) {
      if (tm.op == storage::TagMatcher::kRegex || tm.op == storage::TagMatcher::kNotRegex) {
        (void)c.ev.regexMatch(tm.values[0], "");
      }
    }
    SEXTANT_RETURN_IF_ERROR(c.ev.status());
    sel.min_time_ns = satAdd(p.w.start_ns, -lookback);
    sel.max_time_ns = p.w.end_ns;
    // What is left of the budget: the scan stops as soon as it is over.
    sel.limits.max_series = c.opt.max_series - std::min(c.opt.max_series, c.series);
    sel.limits.max_samples = c.opt.max_rows - std::min(c.opt.max_rows, c.rows_read);
    sel.limits.deadline = c.deadline;
    sel.limits.cancelled = c.opt.cancelled;
    Result<std::vector<FieldSeries>> fs = fetchFieldSeries(c.engine, sel);
    if (!fs.isOk()) {
      const Status& st = fs.status();
      if (st.code() == StatusCode::kOutOfRange && st.message() == kFetchTooManySeries) {
        return seriesError(c);
      }
      if (st.code() == StatusCode::kOutOfRange && st.message() == kFetchTooManySamples) {
        return rowsError(c);
      }
      if (st.code() == StatusCode::kDeadlineExceeded || st.code() == StatusCode::kCancelled) {
        return checkDeadline(c);
      }
      return st;
    }
    SEXTANT_RETURN_IF_ERROR(countSeries(c, fs->size()));
    std::map<std::string, std::pair<std::vector<model::Tag>, std::map<std::int64_t, Row>>>
        by_series;
    for (FieldSeries& s : *fs) {
      SEXTANT_RETURN_IF_ERROR(countRows(c, s.values.size()));
      auto& entry = by_series[keyOf(s.tags)];
      entry.first = s.tags;
      for (std::size_t i = 0; i < s.values.size(); ++i) {
        Row& r = entry.second[s.time_ns[i]];
        r.t = s.time_ns[i];
        r.cols.emplace_back(s.field, s.values[i]);
      }
    }
    for (auto& [k, entry] : by_series) {
      RowSet rs;
      rs.measurement = m;
      rs.tags = std::move(entry.first);
      for (auto& [t, r] : entry.second) rs.rows.push_back(std::move(r));
      sets->push_back(std::move(rs));
    }
  }
  return Status::ok();
}

Status loadObjects(Ctx& c, const Plan& p, const std::vector<std::string>& classes,
                   std::vector<RowSet>* sets) {
  std::vector<model::Point> pts = c.engine.latestObjects(c.ws, p.cat, classes);
  SEXTANT_RETURN_IF_ERROR(countRows(c, pts.size()));
  std::map<std::string, RowSet> by_class;
  for (model::Point& pt : pts) {
    if (p.w.explicit_time && (pt.time_ns < p.w.start_ns || pt.time_ns > p.w.end_ns)) continue;
    RowSet& rs = by_class[pt.measurement];
    rs.measurement = pt.measurement;
    Row r;
    r.t = pt.time_ns;
    for (model::Tag& t : pt.tags) r.cols.emplace_back(std::move(t.key), std::move(t.value));
    for (model::Field& f : pt.fields)
      r.cols.emplace_back(std::move(f.key), fromFieldValue(f.value));
    rs.rows.push_back(std::move(r));
  }
  for (auto& [k, rs] : by_class) {
    std::stable_sort(rs.rows.begin(), rs.rows.end(),
                     [](const Row& a, const Row& b) { return a.t < b.t; });
    sets->push_back(std::move(rs));
  }
  return Status::ok();
}

// The scan of an event statement: time window, sources, pushed-down full text and field
// predicates, and the columns the statement names.
storage::ScanRequest eventScanRequest(Ctx& c, const Plan& p,
                                      const std::vector<std::string>& measurements) {
  storage::ScanRequest req;
  req.workspace_id = c.ws;
  req.category = p.cat;
  req.min_time_ns = p.w.start_ns;
  req.max_time_ns = p.w.end_ns;
  req.measurements = measurements;
  if (p.events) req.text = fullTextOf(p.q->filter);
  if (p.q->filter) {
    // Columns of array type are left to the row filter (see fieldPredicates).
    std::set<std::string> array_columns;
    std::vector<std::string> ms = measurements;
    if (ms.empty()) ms = c.engine.measurements(c.ws, p.cat);
    for (const std::string& m : ms) {
      for (const storage::PartColumnKey& k : c.engine.columns(c.ws, p.cat, m)) {
        if (k.type == model::FieldType::kArray) array_columns.insert(k.name);
      }
    }
    req.fields = fieldPredicates(p.q->filter, array_columns);
  }
  if (!p.all_columns) {
    std::set<std::string> names;
    for (const Target& t : p.targets) collectNames(t.expr, &names);
    if (p.q->filter) collectNames(*p.q->filter, &names);
    if (p.q->having) collectNames(*p.q->having, &names);
    for (const auto& k : p.q->order_by) collectNames(k.expr, &names);
    for (const std::string& b : p.by) names.insert(b);
    if (p.semi != nullptr) names.insert(p.semi->keys.begin(), p.semi->keys.end());
    if (!req.text.empty()) names.insert("message");
    req.columns.assign(names.begin(), names.end());
    req.no_columns = req.columns.empty();
  }
  return req;
}

Status loadEvents(Ctx& c, const Plan& p, const std::vector<std::string>& measurements,
                  std::vector<RowSet>* sets) {
  storage::ScanRequest req = eventScanRequest(c, p, measurements);
  std::map<std::string, RowSet> by_m;
  Status st = c.engine.scan(req, [&](storage::ColumnBatch&& b) {
    SEXTANT_RETURN_IF_ERROR(countRows(c, b.rows()));
    RowSet& rs = by_m[b.measurement];
    rs.measurement = b.measurement;
    for (std::size_t i = 0; i < b.rows(); ++i) {
      Row r;
      r.t = b.time_ns[i];
      for (const model::Tag& t : b.series_tags) r.cols.emplace_back(t.key, t.value);
      for (const storage::Column& col : b.columns) {
        if (col.isPresent(i)) r.cols.emplace_back(col.name, cellAt(col, i));
      }
      rs.rows.push_back(std::move(r));
    }
    return Status::ok();
  });
  SEXTANT_RETURN_IF_ERROR(st);
  for (auto& [k, rs] : by_m) {
    std::stable_sort(rs.rows.begin(), rs.rows.end(),
                     [](const Row& a, const Row& b) { return a.t < b.t; });
    sets->push_back(std::move(rs));
  }
  return Status::ok();
}

// A result turned back into rows (a subquery in the source position).
std::vector<RowSet> rowsOf(const QueryOutput& out) {
  std::vector<RowSet> sets;
  for (const Series& s : out.series) {
    RowSet rs;
    rs.measurement = s.name;
    rs.tags = s.tags;
    for (const auto& v : s.values) {
      Row r;
      for (std::size_t i = 0; i < s.columns.size() && i < v.size(); ++i) {
        if (s.columns[i] == "time") {
          if (auto d = toDouble(v[i])) r.t = satMul(clampToInt64(*d), kNsPerMs);
        } else {
          r.cols.emplace_back(s.columns[i], v[i]);
        }
      }
      rs.rows.push_back(std::move(r));
    }
    std::stable_sort(rs.rows.begin(), rs.rows.end(),
                     [](const Row& a, const Row& b) { return a.t < b.t; });
    sets.push_back(std::move(rs));
  }
  return sets;
}

// ---------------------------------------------------------------------------------------------
// Aggregate / project.

// What an aggregate statement computes: the aggregate calls of its targets and HAVING, the
// target names, and whether it lists distinct() values.
struct AggSetup {
  AggPlan plan;
  std::vector<std::string> names;
  bool distinct = false;
};

Result<AggSetup> aggSetup(const Plan& p) {
  AggSetup a;
  std::set<std::string> reserved(p.by.begin(), p.by.end());
  reserved.insert("time");
  for (const Target& t : p.targets) a.plan.add(t.expr, reserved);
  for (const Target& t : p.targets) a.names.push_back(t.name);
  std::set<std::string> having_reserved = reserved;
  having_reserved.insert(a.names.begin(), a.names.end());
  if (p.q->having) a.plan.add(*p.q->having, having_reserved);
  SEXTANT_RETURN_IF_ERROR(a.plan.status);

  // distinct(f) lists values: it must be the only target.
  for (const Target& t : p.targets) {
    if (t.expr.kind == ExprKind::kCall && t.expr.text == "distinct") a.distinct = true;
  }
  if (a.distinct && p.targets.size() != 1) {
    return invalidArgument("distinct() must be the only target");
  }
  // Nor part of an expression or of HAVING (it has no one value per group).
  std::size_t distinct_calls = std::count_if(a.plan.specs.begin(), a.plan.specs.end(),
                                             [](const AggSpec& s) { return s.func == "distinct"; });
  if (distinct_calls > (a.distinct ? 1u : 0u)) {
    return invalidArgument(at(p.q->pos) + "distinct() must be the only target, alone");
  }
  return a;
}

// The accumulators of one group (BY values): one vector (one Acc per AggSpec) per time bucket.
struct AggGroup {
  std::map<std::int64_t, std::vector<Acc>> buckets;
};
using AggGroups = std::map<std::vector<std::string>, AggGroup>;

// Groups → series: targets evaluated over each bucket's accumulators, HAVING, fill.
Result<std::vector<Series>> emitGroups(Ctx& c, const Plan& p, AggSetup& a, AggGroups& groups) {
  const AggPlan& plan = a.plan;
  bool any_fill = std::any_of(p.targets.begin(), p.targets.end(),
                              [](const Target& t) { return t.fill.has_value(); });
  // A lone selector without an interval (InfluxQL: first/last without GROUP BY time) stamps its
  // row with the selected point's time; otherwise rows carry their bucket's (window's) start.
  const bool selector_time = p.w.interval_ns == 0 && p.targets.size() == 1 &&
                             plan.specs.size() == 1 && plan.by_node.size() == 1 &&
                             &p.targets[0].expr == plan.by_node.begin()->first &&
                             (plan.specs[0].func == "first" || plan.specs[0].func == "last");
  // Result rows count against max_rows too: fill() makes one per bucket and group, so a few
  // rows read can ask for max_series x max_buckets rows.
  std::size_t emitted = 0;
  auto countRow = [&]() -> Status {
    if (++emitted > c.opt.max_rows) {
      return outOfRange("the query's result has more than " + std::to_string(c.opt.max_rows) +
                        " rows; use a longer interval or narrow the time range or the BY keys");
    }
    return (emitted & 4095) == 0 ? checkDeadline(c) : Status::ok();
  };
  std::vector<Series> out;
  for (auto& [gkey, g] : groups) {
    Series s;
    const std::size_t off = p.per_measurement ? 1 : 0;
    s.name = off ? gkey[0] : p.name;
    for (std::size_t i = 0; i < p.by.size(); ++i) s.tags.push_back({p.by[i], gkey[off + i]});
    s.columns.push_back("time");
    s.columns.insert(s.columns.end(), a.names.begin(), a.names.end());
    const bool filled = any_fill && p.w.interval_ns > 0;
    if (filled) {
      for (std::int64_t b = bucketOf(p.w.start_ns, p.w); b <= p.w.end_ns;) {
        SEXTANT_RETURN_IF_ERROR(countRow());
        g.buckets[b].resize(plan.specs.size());
        if (!nextBucket(&b, p.w)) break;
      }
    }
    for (auto& [b, accs] : g.buckets) {
      if (accs.empty()) accs.resize(plan.specs.size());
      if (a.distinct) {
        for (auto& [text, v] : accs[plan.by_node.at(&p.targets[0].expr)].distinct) {
          SEXTANT_RETURN_IF_ERROR(countRow());
          s.values.push_back({Value(b / kNsPerMs), v});
        }
        continue;
      }
      std::vector<Value> row;
      std::int64_t stamp = b;
      if (selector_time && accs[0].count > 0) {
        stamp = plan.specs[0].func == "first" ? accs[0].first_t : accs[0].last_t;
      }
      row.push_back(stamp / kNsPerMs);
      std::vector<Value> vals;
      for (const Target& t : p.targets) {
        GroupResolver gr(plan, accs, p.by, gkey, a.names, vals);
        vals.push_back(c.ev.eval(t.expr, gr));
      }
      if (p.q->having) {
        GroupResolver gr(plan, accs, p.by, gkey, a.names, vals);
        if (!c.ev.test(*p.q->having, gr)) continue;
      }
      row.insert(row.end(), vals.begin(), vals.end());
      if (!filled) SEXTANT_RETURN_IF_ERROR(countRow());  // filled buckets were counted above
      s.values.push_back(std::move(row));
    }
    for (std::size_t i = 0; i < p.targets.size(); ++i) {
      if (p.targets[i].fill) applyFill(*p.targets[i].fill, i + 1, &s.values);
    }
    if (!s.values.empty()) out.push_back(std::move(s));
  }
  SEXTANT_RETURN_IF_ERROR(c.ev.status());
  return out;
}

// The row's group: its measurement first when the plan keeps measurements apart, then the BY
// values as text.
void groupKey(const Plan& p, const RowSet& rs, const Row& row, std::vector<std::string>* key) {
  const std::size_t off = p.per_measurement ? 1 : 0;
  key->resize(off + p.by.size());
  if (off) (*key)[0] = rs.measurement;
  for (std::size_t i = 0; i < p.by.size(); ++i) {
    (*key)[off + i] = toText(lookup(rs, &row, p.by[i]));
  }
}

Result<std::vector<Series>> aggregate(Ctx& c, const Plan& p, std::vector<RowSet>& sets) {
  Result<AggSetup> setup = aggSetup(p);
  if (!setup.isOk()) return setup.status();
  AggSetup& a = *setup;
  const AggPlan& plan = a.plan;

  AggGroups groups;
  std::vector<std::string> key;
  std::size_t seen = 0;
  for (const RowSet& rs : sets) {
    for (const Row& row : rs.rows) {
      if ((++seen & 4095) == 0) SEXTANT_RETURN_IF_ERROR(checkDeadline(c));
      groupKey(p, rs, row, &key);
      auto [git, fresh] = groups.try_emplace(key);
      if (fresh) SEXTANT_RETURN_IF_ERROR(countSeries(c, 1));
      std::vector<Acc>& accs = git->second.buckets[bucketOf(row.t, p.w)];
      if (accs.empty()) accs.resize(plan.specs.size());
      RowResolver rr(rs, &row, p.events);
      for (std::size_t i = 0; i < plan.specs.size(); ++i) {
        const AggSpec& s = plan.specs[i];
        Value v;
        if (s.arg != nullptr) {
          v = s.arg->kind == ExprKind::kIdent || s.arg->kind == ExprKind::kString
                  ? lookup(rs, &row, s.arg->text)
                  : c.ev.eval(*s.arg, rr);
        }
        accumulate(s, row.t, v, &accs[i]);
      }
    }
  }
  SEXTANT_RETURN_IF_ERROR(c.ev.status());
  return emitGroups(c, p, a, groups);
}

// ---------------------------------------------------------------------------------------------
// Columnar aggregation: an aggregate statement over event scans computed straight from storage's
// column batches, without materialising rows (10 M log rows grouped by a field per minute:
// README.md, "Speed"). Everything it computes is what aggregate() computes over loadEvents()'
// rows: names resolve as lookup() does, the filter runs on every row through the same
// ExprEvaluator, the accumulators and the output stage (emitGroups) are shared. Only the order
// rows reach the accumulators differs (scan order instead of measurement, then time), so
// statements whose result depends on it (first, last, and bare names, which are last()) and
// rollups take the row path.

// A name in one row of a batch, as lookup() resolves it in the row loadEvents() makes of it.
Value batchLookup(const storage::ColumnBatch& b, std::size_t i, std::string_view key) {
  for (const model::Tag& t : b.series_tags) {
    if (t.key == key) return t.value;
  }
  for (const storage::Column& col : b.columns) {
    if (col.name == key && col.isPresent(i)) return cellAt(col, i);
  }
  if (key == "time") return b.time_ns[i] / kNsPerMs;
  if (isMeasurementKey(key)) {
    return b.measurement;
  }
  return std::monostate{};
}

class BatchRowResolver : public Resolver {
 public:
  BatchRowResolver(const storage::ColumnBatch& b, std::size_t row) : b_(b), row_(row) {}
  Value name(std::string_view n) const override { return batchLookup(b_, row_, n); }
  bool fullText(std::string_view text) const override {
    return fullTextMatch(toText(batchLookup(b_, row_, "message")), text);
  }
  bool messageIsFullText() const override { return true; }

 private:
  const storage::ColumnBatch& b_;
  std::size_t row_;
};

// The columns of a batch a name may resolve to, in lookup() order (the first present one wins);
// `general` when series tags carry the name (metrics only): then batchLookup() answers.
struct NameColumns {
  std::vector<const storage::Column*> cols;
  bool general = false;  // resolve with batchLookup()
};

NameColumns nameColumns(const storage::ColumnBatch& b, std::string_view name) {
  NameColumns n;
  for (const model::Tag& t : b.series_tags) {
    if (t.key == name) n.general = true;
  }
  for (const storage::Column& col : b.columns) {
    if (col.name == name) n.cols.push_back(&col);
  }
  return n;
}

const storage::Column* firstPresent(const NameColumns& n, std::size_t i) {
  for (const storage::Column* col : n.cols) {
    if (col->isPresent(i)) return col;
  }
  return nullptr;
}

// Whether the columnar path computes the statement exactly as the row path does.
bool columnarEligible(const Ctx& c, const Plan& p, const AggPlan& plan) {
  if (!c.opt.columnar || !p.events || p.objects || !p.aggregated || !p.w.rollup.empty()) {
    return false;
  }
  if (p.q->sources.size() == 1 && p.q->sources[0].kind == dql::Source::Kind::kSubquery) {
    return false;
  }
  for (const AggSpec& s : plan.specs) {
    if (s.func == "first" || s.func == "last") return false;
  }
  return true;
}

Result<std::vector<Series>> aggregateColumnar(Ctx& c, const Plan& p, AggSetup& a,
                                              const std::vector<std::string>& measurements) {
  const AggPlan& plan = a.plan;
  storage::ScanRequest req = eventScanRequest(c, p, measurements);

  // Groups by their BY values, each as its length (4 bytes) and its bytes.
  struct Group {
    std::vector<std::string> key;
    std::map<std::int64_t, std::vector<Acc>> buckets;
    std::int64_t last_bucket = 0;
    std::vector<Acc>* last_accs = nullptr;  // the accumulators of last_bucket
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>> index;
  std::vector<Group> groups;
  std::string joined;
  std::string prev_joined;
  std::size_t prev_group = SIZE_MAX;
  std::vector<std::string> texts(p.by.size());
  std::vector<std::string_view> views(p.by.size());
  std::size_t seen = 0;

  Status st = c.engine.scan(req, [&](storage::ColumnBatch&& b) {
    SEXTANT_RETURN_IF_ERROR(countRows(c, b.rows()));
    std::vector<std::pair<std::string_view, std::size_t>> recent;  // views into this batch
    std::vector<NameColumns> by_cols;
    for (const std::string& k : p.by) by_cols.push_back(nameColumns(b, k));
    std::vector<NameColumns> arg_cols(plan.specs.size());
    for (std::size_t s = 0; s < plan.specs.size(); ++s) {
      const Expr* arg = plan.specs[s].arg;
      if (arg != nullptr && (arg->kind == ExprKind::kIdent || arg->kind == ExprKind::kString)) {
        arg_cols[s] = nameColumns(b, arg->text);
      }
    }
    for (std::size_t i = 0; i < b.rows(); ++i) {
      if ((++seen & 4095) == 0) SEXTANT_RETURN_IF_ERROR(checkDeadline(c));
      if (p.q->filter) {
        BatchRowResolver rr(b, i);
        if (!c.ev.test(*p.q->filter, rr)) continue;
      }
      if (p.semi != nullptr &&
          !p.semi->matches([&](const std::string& n) { return batchLookup(b, i, n); })) {
        continue;
      }
      // The group: each BY value's text, as toText(lookup(..)).
      bool in_batch = true;  // every value is a view into the batch's string columns
      for (std::size_t k = 0; k < p.by.size(); ++k) {
        const NameColumns& n = by_cols[k];
        const storage::Column* col = n.general ? nullptr : firstPresent(n, i);
        if (col != nullptr && (col->values.index() == 4 || col->values.index() == 5)) {
          views[k] =
              col->values.index() == 4 ? std::get<4>(col->values)[i] : std::get<5>(col->values)[i];
        } else {
          texts[k] = toText(col != nullptr ? cellAt(*col, i) : batchLookup(b, i, p.by[k]));
          views[k] = texts[k];
          in_batch = false;
        }
      }
      // One string key (`BY status`): the batch's first few distinct values map to their
      // groups without hashing.
      const bool cacheable = in_batch && !p.per_measurement && p.by.size() == 1;
      std::size_t gi = SIZE_MAX;
      if (cacheable) {
        for (const auto& [v, g] : recent) {
          if (v == views[0]) {
            gi = g;
            break;
          }
        }
      }
      if (gi == SIZE_MAX) {
        joined.clear();
        if (p.per_measurement) {
          const auto len = static_cast<std::uint32_t>(b.measurement.size());
          joined.append(reinterpret_cast<const char*>(&len), sizeof len);
          joined.append(b.measurement);
        }
        for (std::string_view v : views) {
          const auto len = static_cast<std::uint32_t>(v.size());
          joined.append(reinterpret_cast<const char*>(&len), sizeof len);
          joined.append(v);
        }
        gi = prev_group;
        if (gi == SIZE_MAX || joined != prev_joined) {
          auto it = index.find(std::string_view(joined));
          if (it == index.end()) {
            SEXTANT_RETURN_IF_ERROR(countSeries(c, 1));
            Group g;
            if (p.per_measurement) g.key.push_back(b.measurement);
            for (std::string_view v : views) g.key.emplace_back(v);
            groups.push_back(std::move(g));
            it = index.emplace(joined, groups.size() - 1).first;
          }
          gi = it->second;
          prev_group = gi;
          prev_joined = joined;
        }
        if (cacheable && recent.size() < 16) recent.emplace_back(views[0], gi);
      }
      Group& g = groups[gi];
      const std::int64_t t = b.time_ns[i];
      const std::int64_t bucket = bucketOf(t, p.w);
      if (g.last_accs == nullptr || g.last_bucket != bucket) {
        std::vector<Acc>& accs = g.buckets[bucket];
        if (accs.empty()) accs.resize(plan.specs.size());
        g.last_bucket = bucket;
        g.last_accs = &accs;
      }
      std::vector<Acc>& accs = *g.last_accs;
      for (std::size_t s = 0; s < plan.specs.size(); ++s) {
        const AggSpec& spec = plan.specs[s];
        if (spec.arg == nullptr) {
          ++accs[s].rows;  // count(*): accumulate() of a null value
          continue;
        }
        Value v;
        if (spec.arg->kind == ExprKind::kIdent || spec.arg->kind == ExprKind::kString) {
          const NameColumns& n = arg_cols[s];
          const storage::Column* col = n.general ? nullptr : firstPresent(n, i);
          v = col != nullptr ? cellAt(*col, i) : batchLookup(b, i, spec.arg->text);
        } else {
          BatchRowResolver rr(b, i);
          v = c.ev.eval(*spec.arg, rr);
        }
        accumulate(spec, t, v, &accs[s]);
      }
    }
    return Status::ok();
  });
  SEXTANT_RETURN_IF_ERROR(st);
  SEXTANT_RETURN_IF_ERROR(c.ev.status());

  AggGroups sorted;
  for (Group& g : groups) sorted[std::move(g.key)].buckets = std::move(g.buckets);
  return emitGroups(c, p, a, sorted);
}

Result<std::vector<Series>> project(Ctx& c, const Plan& p, std::vector<RowSet>& sets) {
  std::vector<std::string> columns;
  if (p.all_columns) {
    std::set<std::string> all;
    for (const RowSet& rs : sets) {
      for (const model::Tag& t : rs.tags) all.insert(t.key);
      for (const Row& r : rs.rows) {
        for (const auto& [k, v] : r.cols) all.insert(k);
      }
    }
    all.erase("time");
    columns.assign(all.begin(), all.end());
  } else {
    for (const Target& t : p.targets) columns.push_back(t.name);
  }
  std::map<std::vector<std::string>, Series> groups;
  std::vector<std::string> key;
  std::size_t seen = 0;
  for (const RowSet& rs : sets) {
    for (const Row& row : rs.rows) {
      if ((++seen & 4095) == 0) SEXTANT_RETURN_IF_ERROR(checkDeadline(c));
      groupKey(p, rs, row, &key);
      auto [git, fresh] = groups.try_emplace(key);
      if (fresh) SEXTANT_RETURN_IF_ERROR(countSeries(c, 1));
      Series& s = git->second;
      std::vector<Value> out;
      out.reserve(columns.size() + 1);
      out.push_back(row.t / kNsPerMs);
      if (p.all_columns) {
        for (const std::string& col : columns) out.push_back(lookup(rs, &row, col));
      } else {
        RowResolver rr(rs, &row, p.events);
        for (const Target& t : p.targets) out.push_back(c.ev.eval(t.expr, rr));
      }
      s.values.push_back(std::move(out));
    }
  }
  SEXTANT_RETURN_IF_ERROR(c.ev.status());
  const std::size_t off = p.per_measurement ? 1 : 0;  // key[0]: the measurement
  std::vector<Series> out;
  for (auto& [gkey, s] : groups) {
    s.name = off ? gkey[0] : p.name;
    for (std::size_t i = 0; i < p.by.size(); ++i) s.tags.push_back({p.by[i], gkey[off + i]});
    s.columns.push_back("time");
    s.columns.insert(s.columns.end(), columns.begin(), columns.end());
    // Rows of several series are merged by time (stable: series order within one time).
    std::stable_sort(s.values.begin(), s.values.end(),
                     [](const auto& a, const auto& b) { return sortCompare(a[0], b[0]) < 0; });
    if (p.q->having) {
      std::vector<std::vector<Value>> kept;
      for (auto& row : s.values) {
        OutputRowResolver orr(s, row);
        if (c.ev.test(*p.q->having, orr)) kept.push_back(std::move(row));
      }
      s.values = std::move(kept);
    }
    for (std::size_t i = 0; i < p.targets.size(); ++i) {
      if (p.targets[i].fill) applyFill(*p.targets[i].fill, i + 1, &s.values);
    }
    out.push_back(std::move(s));
  }
  SEXTANT_RETURN_IF_ERROR(c.ev.status());
  return out;
}

// ---------------------------------------------------------------------------------------------
// ORDER BY, LIMIT, search_after, SORDER BY, SLIMIT (shared by every statement).

int columnIndex(const Series& s, const std::string& name) {
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    if (s.columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Value seriesKey(Ctx& c, const Series& s, const Expr& e) {
  if (e.kind == ExprKind::kIdent || e.kind == ExprKind::kString) {
    for (const model::Tag& t : s.tags) {
      if (t.key == e.text) return t.value;
    }
    int i = columnIndex(s, e.text);
    if (i < 0) return std::monostate{};
    for (const auto& row : s.values) {
      if (!isNull(row[static_cast<std::size_t>(i)])) return row[static_cast<std::size_t>(i)];
    }
    return std::monostate{};
  }
  if (e.kind == ExprKind::kCall && e.args.size() == 1 &&
      (e.args[0].kind == ExprKind::kIdent || e.args[0].kind == ExprKind::kString)) {
    int i = columnIndex(s, dql::toString(e));
    if (i < 0) i = columnIndex(s, e.args[0].text);
    if (i < 0) return std::monostate{};
    AggSpec spec;
    spec.func = e.text;
    spec.arg = &e.args[0];
    if (!isAggregateName(spec.func) || spec.func == "distinct" || needsNums(spec.func) ||
        spec.func[0] == 'p') {
      c.ev.fail(at(e.pos) + "unsupported SORDER BY key " + dql::toString(e));
      return std::monostate{};
    }
    Acc a;
    for (const auto& row : s.values) {
      accumulate(spec, toDouble(row[0]).value_or(0), row[static_cast<std::size_t>(i)], &a);
    }
    return aggResult(spec, a);
  }
  c.ev.fail(at(e.pos) + "unsupported SORDER BY key " + dql::toString(e));
  return std::monostate{};
}

bool isDesc(dql::OrderKey::Dir d, bool dflt_desc) {
  return d == dql::OrderKey::Dir::kDefault ? dflt_desc : d == dql::OrderKey::Dir::kDesc;
}

Status finalize(Ctx& c, const Query& q, bool listing, std::vector<Series> series,
                QueryOutput* out) {
  // ORDER BY (rows); default: time descending.
  for (Series& s : series) {
    std::vector<std::pair<int, bool>> keys;
    for (const dql::OrderKey& k : q.order_by) {
      std::string n = exprName(k.expr);
      int i = columnIndex(s, n);
      if (i < 0) return invalidArgument("ORDER BY " + n + ": no such column");
      keys.emplace_back(i, isDesc(k.dir, n == "time"));
    }
    if (keys.empty()) {
      int t = columnIndex(s, "time");
      if (t >= 0) keys.emplace_back(t, true);
    }
    if (keys.empty()) continue;
    std::stable_sort(s.values.begin(), s.values.end(), [&](const auto& a, const auto& b) {
      for (const auto& [i, desc] : keys) {
        const Value& x = a[static_cast<std::size_t>(i)];
        const Value& y = b[static_cast<std::size_t>(i)];
        int cmp = sortCompare(x, y);
        if (cmp != 0) {
          if (isNull(x) || isNull(y)) return cmp < 0;  // nulls last either way
          return desc ? cmp > 0 : cmp < 0;
        }
      }
      return false;
    });
  }
  for (const Series& s : series) out->total_hits += static_cast<std::int64_t>(s.values.size());

  // search_after: [time_ms, rows with that time already returned] (row listings by time).
  bool time_order =
      q.order_by.empty() || (q.order_by.size() == 1 && exprName(q.order_by[0].expr) == "time");
  bool desc = q.order_by.empty() || isDesc(q.order_by[0].dir, true);
  if (listing && time_order && c.opt.search_after.size() == 2 && series.size() == 1) {
    std::optional<double> t = toDouble(c.opt.search_after[0]);
    std::optional<double> n = toDouble(c.opt.search_after[1]);
    if (!t || !n) return invalidArgument("search_after must be [time_ms, count]");
    auto& rows = series[0].values;
    std::int64_t tc = clampToInt64(*t);
    std::int64_t skip_same = clampToInt64(*n);
    std::vector<std::vector<Value>> kept;
    for (auto& r : rows) {
      std::int64_t rt = clampToInt64(toDouble(r[0]).value_or(0));
      bool before = desc ? rt > tc : rt < tc;
      if (before) continue;
      if (rt == tc && skip_same > 0) {
        --skip_same;
        continue;
      }
      kept.push_back(std::move(r));
    }
    rows = std::move(kept);
  }

  std::optional<std::int64_t> limit = q.limit ? q.limit : c.opt.limit;
  std::optional<std::int64_t> offset = q.offset ? q.offset : c.opt.offset;
  if (!limit && listing) limit = c.opt.default_limit;
  bool more = false;
  for (Series& s : series) {
    auto& rows = s.values;
    std::size_t off = offset ? static_cast<std::size_t>(std::max<std::int64_t>(0, *offset)) : 0;
    if (off > 0)
      rows.erase(rows.begin(),
                 rows.begin() + static_cast<std::ptrdiff_t>(std::min(off, rows.size())));
    if (limit && *limit >= 0 && rows.size() > static_cast<std::size_t>(*limit)) {
      rows.resize(static_cast<std::size_t>(*limit));
      more = true;
    }
  }
  if (listing && more && time_order && series.size() == 1 && !series[0].values.empty()) {
    const auto& rows = series[0].values;
    Value last_t = rows.back()[0];
    std::int64_t same = 0;
    for (const auto& r : rows) {
      if (sortCompare(r[0], last_t) == 0) ++same;
    }
    if (c.opt.search_after.size() == 2 && sortCompare(c.opt.search_after[0], last_t) == 0) {
      same = satAdd(same, clampToInt64(toDouble(c.opt.search_after[1]).value_or(0)));
    }
    out->search_after = {last_t, Value(same)};
  }

  // SORDER BY (series), SOFFSET, SLIMIT.
  if (!q.sorder_by.empty()) {
    std::vector<std::vector<Value>> keys(series.size());
    for (std::size_t i = 0; i < series.size(); ++i) {
      for (const dql::OrderKey& k : q.sorder_by) keys[i].push_back(seriesKey(c, series[i], k.expr));
    }
    SEXTANT_RETURN_IF_ERROR(c.ev.status());
    std::vector<std::size_t> order(series.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      for (std::size_t k = 0; k < q.sorder_by.size(); ++k) {
        const Value& x = keys[a][k];
        const Value& y = keys[b][k];
        int cmp = sortCompare(x, y);
        if (cmp != 0) {
          if (isNull(x) || isNull(y)) return cmp < 0;
          return isDesc(q.sorder_by[k].dir, false) ? cmp > 0 : cmp < 0;
        }
      }
      return false;
    });
    std::vector<Series> sorted;
    for (std::size_t i : order) sorted.push_back(std::move(series[i]));
    series = std::move(sorted);
  }
  std::optional<std::int64_t> slimit = q.slimit ? q.slimit : c.opt.slimit;
  std::optional<std::int64_t> soffset = q.soffset ? q.soffset : c.opt.soffset;
  if (soffset && *soffset > 0) {
    std::size_t off = std::min(series.size(), static_cast<std::size_t>(*soffset));
    series.erase(series.begin(), series.begin() + static_cast<std::ptrdiff_t>(off));
  }
  if (slimit && *slimit >= 0 && series.size() > static_cast<std::size_t>(*slimit)) {
    series.resize(static_cast<std::size_t>(*slimit));
  }
  out->series = std::move(series);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Select statements.

Result<QueryOutput> evalJoin(Ctx& c, const Query& q);

// A select; `semi`: the right side of its FILTER (rows must match it).
Result<QueryOutput> evalSelect(Ctx& c, const Query& q, const SemiJoin* semi = nullptr) {
  if (q.join != Query::Join::kNone) return evalJoin(c, q);
  std::optional<Category> cat = categoryOf(q.ns);
  if (!cat) {
    return Status(StatusCode::kUnimplemented,
                  at(q.pos) + "namespace " + dql::namespaceName(q.ns) + ":: is not supported");
  }
  Plan p;
  p.q = &q;
  p.semi = semi;
  p.cat = *cat;
  p.objects = q.ns == Namespace::kO || q.ns == Namespace::kCO;
  p.events = p.cat != Category::kMetric && !p.objects;
  Result<Window> w = resolveWindow(c, q);
  if (!w.isOk()) return w.status();
  p.w = *w;
  for (const Expr& b : q.by) {
    if (b.kind != ExprKind::kIdent && b.kind != ExprKind::kString) {
      return invalidArgument(at(b.pos) + "BY takes tag or field names, not " + dql::toString(b));
    }
    p.by.push_back(b.text);
  }
  for (const Expr& t : q.targets) {
    if (t.kind == ExprKind::kStar) {
      p.all_columns = true;
      continue;
    }
    p.targets.push_back(normalizeTarget(t));
  }
  if (q.targets.empty()) p.all_columns = true;
  if (p.all_columns && !p.targets.empty()) {
    return invalidArgument("`*` cannot be mixed with other targets");
  }
  for (const Target& t : p.targets) {
    if (const Expr* u = findUnsupportedAggregate(t.expr)) {
      return invalidArgument(at(u->pos) + "unsupported aggregate function " + u->text + "() in " +
                             dql::toString(*u));
    }
  }
  p.aggregated = std::any_of(p.targets.begin(), p.targets.end(),
                             [](const Target& t) { return containsAggregate(t.expr); });

  std::vector<RowSet> sets;
  if (q.sources.size() == 1 && q.sources[0].kind == dql::Source::Kind::kSubquery) {
    Result<QueryOutput> inner = evalQuery(c, *q.sources[0].subquery);
    if (!inner.isOk()) return inner.status();
    p.name = inner->series.empty() ? std::string() : inner->series[0].name;
    sets = rowsOf(*inner);
    p.events = false;
  } else {
    std::vector<std::string> names;
    for (const dql::Source& s : q.sources) {
      names.push_back(s.kind == dql::Source::Kind::kRegex ? "re('" + s.name + "')" : s.name);
    }
    for (std::size_t i = 0; i < names.size(); ++i) p.name += (i ? "," : "") + names[i];
    std::set<std::string> listed;
    for (const dql::Source& s : q.sources) {
      if (s.kind == dql::Source::Kind::kName && s.name != "*") listed.insert(s.name);
    }
    p.per_measurement = listed.size() > 1 && listed.size() == q.sources.size();
    Result<std::vector<std::string>> ms = resolveSources(c, p);
    if (!ms.isOk()) return ms.status();
    const bool nothing = semi != nullptr && semi->tuples.empty();  // FILTER keeps no row
    if (p.aggregated && p.events && !nothing) {
      Result<AggSetup> setup = aggSetup(p);
      if (!setup.isOk()) return setup.status();
      if (columnarEligible(c, p, setup->plan)) {
        Result<std::vector<Series>> series = aggregateColumnar(c, p, *setup, *ms);
        if (!series.isOk()) return series.status();
        QueryOutput out;
        SEXTANT_RETURN_IF_ERROR(finalize(c, q, /*listing=*/false, std::move(*series), &out));
        return out;
      }
    }
    Status st;
    if (nothing) {
      // No rows: the right side of FILTER is empty.
    } else if (p.cat == Category::kMetric) {
      st = loadMetrics(c, p, *ms, &sets);
    } else if (p.objects) {
      st = loadObjects(c, p, *ms, &sets);
    } else {
      st = loadEvents(c, p, *ms, &sets);
    }
    SEXTANT_RETURN_IF_ERROR(st);
  }

  if (q.filter || semi != nullptr) {
    for (RowSet& rs : sets) {
      std::vector<Row> kept;
      for (Row& r : rs.rows) {
        RowResolver rr(rs, &r, p.events);
        if (q.filter && !c.ev.test(*q.filter, rr)) continue;
        if (semi != nullptr &&
            !semi->matches([&](const std::string& n) { return lookup(rs, &r, n); })) {
          continue;
        }
        kept.push_back(std::move(r));
      }
      rs.rows = std::move(kept);
    }
    SEXTANT_RETURN_IF_ERROR(c.ev.status());
  }
  if (!p.w.rollup.empty()) SEXTANT_RETURN_IF_ERROR(applyRollup(p.w, &sets));

  Result<std::vector<Series>> series = p.aggregated ? aggregate(c, p, sets) : project(c, p, sets);
  if (!series.isOk()) return series.status();
  QueryOutput out;
  bool listing = !p.aggregated && p.cat != Category::kMetric;
  SEXTANT_RETURN_IF_ERROR(finalize(c, q, listing, std::move(*series), &out));
  return out;
}

// FILTER q WITH {a = b}: the outer statement over only the rows whose key values (a) are among
// the key values (b) of q's result rows. LINK q [LINK q2 ...] WITH {a = b}: the outer statement's
// result, each row extended with the columns of the newest row of each joined result with the
// same key values (nulls when none matches).
Result<QueryOutput> evalJoin(Ctx& c, const Query& q) {
  JoinKeys keys;
  if (q.join_on) collectJoinKeys(*q.join_on, &keys);
  if (keys.left.empty() || q.joined.empty()) {
    return invalidArgument(at(q.pos) + "FILTER/LINK need a statement and WITH {...} key pairs");
  }
  Query outer = q;
  outer.join = Query::Join::kNone;
  outer.joined.clear();
  outer.join_on.reset();

  if (q.join == Query::Join::kFilter) {
    Result<QueryOutput> right = evalQuery(c, q.joined[0]);
    if (!right.isOk()) return right.status();
    SemiJoin semi;
    semi.keys = keys.left;
    semi.values.resize(keys.left.size());
    for (const Series& s : right->series) {
      for (const auto& row : s.values) {
        std::string k;
        if (!keyTuple(s, row, keys.right, &k)) continue;
        if (!semi.tuples.insert(std::move(k)).second) continue;
        for (std::size_t i = 0; i < keys.right.size(); ++i) {
          semi.values[i].insert(toText(outputValue(s, row, keys.right[i])));
        }
      }
    }
    return evalSelect(c, outer, &semi);
  }

  Result<QueryOutput> left = evalSelect(c, outer);
  if (!left.isOk()) return left.status();
  QueryOutput out = std::move(*left);
  for (const Query& j : q.joined) {
    Result<QueryOutput> right = evalQuery(c, j);
    if (!right.isOk()) return right.status();
    // The columns LINK adds: every column of the joined result but time and its keys, named
    // `<joined series name>.<column>` when the outer result has the name already.
    std::vector<std::string> added;
    for (const Series& s : right->series) {
      for (const std::string& col : s.columns) {
        if (col == "time" ||
            std::find(keys.right.begin(), keys.right.end(), col) != keys.right.end() ||
            std::find(added.begin(), added.end(), col) != added.end()) {
          continue;
        }
        added.push_back(col);
      }
    }
    // Key tuple -> the newest row with it.
    struct Match {
      const Series* s = nullptr;
      const std::vector<Value>* row = nullptr;
    };
    std::unordered_map<std::string, Match> newest;
    for (const Series& s : right->series) {
      for (const auto& row : s.values) {
        std::string k;
        if (!keyTuple(s, row, keys.right, &k)) continue;
        auto [it, fresh] = newest.try_emplace(std::move(k), Match{&s, &row});
        if (!fresh && sortCompare(outputValue(s, row, "time"),
                                  outputValue(*it->second.s, *it->second.row, "time")) > 0) {
          it->second = Match{&s, &row};
        }
      }
    }
    const std::string prefix = right->series.empty() ? std::string() : right->series[0].name + ".";
    for (Series& s : out.series) {
      std::vector<std::string> names;
      for (const std::string& col : added) {
        bool taken = std::find(s.columns.begin(), s.columns.end(), col) != s.columns.end();
        names.push_back(taken ? prefix + col : col);
      }
      for (auto& row : s.values) {
        std::string k;
        auto it = keyTuple(s, row, keys.left, &k) ? newest.find(k) : newest.end();
        for (const std::string& col : added) {
          row.push_back(it == newest.end() ? Value()
                                           : outputValue(*it->second.s, *it->second.row, col));
        }
      }
      s.columns.insert(s.columns.end(), names.begin(), names.end());
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Outer functions, eval(), show_*.

const Expr* queryArg(const Query& q) {
  for (std::size_t i = 0; i < q.args.size(); ++i) {
    if (q.args[i].kind == ExprKind::kQuery && (q.arg_names[i].empty() || q.arg_names[i] == "dql")) {
      return &q.args[i];
    }
  }
  return nullptr;
}

void sortByTime(Series* s, bool desc) {
  int t = columnIndex(*s, "time");
  if (t < 0) return;
  std::stable_sort(s->values.begin(), s->values.end(), [&](const auto& a, const auto& b) {
    int cmp = sortCompare(a[static_cast<std::size_t>(t)], b[static_cast<std::size_t>(t)]);
    return desc ? cmp > 0 : cmp < 0;
  });
}

std::vector<std::string> stringList(const Query& q, std::string_view name) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < q.args.size(); ++i) {
    if (q.arg_names[i] != name) continue;
    const Expr& a = q.args[i];
    if (a.kind == ExprKind::kList) {
      for (const Expr& x : a.args) out.push_back(x.text);
    } else {
      out.push_back(a.text);
    }
  }
  return out;
}

// series_sum over one group of series (at least one): one series adding them up per time.
Series seriesSum(const std::vector<const Series*>& in) {
  Series out;
  out.name = in[0]->name;
  out.columns = in[0]->columns;
  // Series of one row each (aggregates without an interval, whose selectors carry their
  // points' times) add up into one row at the newest of their times.
  std::optional<std::int64_t> one_time;
  if (std::all_of(in.begin(), in.end(), [](const Series* s) { return s->values.size() <= 1; })) {
    for (const Series* s : in) {
      if (s->values.empty()) continue;
      std::int64_t t = clampToInt64(toDouble(s->values[0][0]).value_or(0));
      one_time = one_time ? std::max(*one_time, t) : t;
    }
  }
  std::map<std::int64_t, std::vector<Value>> rows;
  for (const Series* s : in) {
    for (const auto& r : s->values) {
      std::int64_t t = one_time ? *one_time : clampToInt64(toDouble(r[0]).value_or(0));
      auto& acc = rows[t];
      if (acc.empty()) {
        acc.assign(out.columns.size(), Value());
        acc[0] = t;
      }
      for (std::size_t i = 1; i < out.columns.size() && i < r.size(); ++i) {
        if (!isNumeric(r[i])) continue;
        acc[i] = isNull(acc[i]) ? r[i] : arith(Op::kAdd, acc[i], r[i]);
      }
    }
  }
  for (auto& [t, r] : rows) out.values.push_back(std::move(r));
  return out;
}

Result<std::vector<Series>> applyOuter(const Query& q, std::vector<Series> in) {
  const std::string& f = q.func;
  static const std::set<std::string, std::less<>> kKnown = {"series_sum",
                                                            "abs",
                                                            "log",
                                                            "log10",
                                                            "log2",
                                                            "round",
                                                            "ceil",
                                                            "floor",
                                                            "cumsum",
                                                            "difference",
                                                            "non_negative_difference",
                                                            "derivative",
                                                            "non_negative_derivative",
                                                            "irate",
                                                            "sum",
                                                            "avg",
                                                            "min",
                                                            "max",
                                                            "count",
                                                            "first",
                                                            "last",
                                                            "rate",
                                                            "count_distinct",
                                                            "moving_average"};
  if (!kKnown.count(f)) {
    return invalidArgument(
        "unsupported outer function " + f +
        "() (supported: series_sum, eval, irate, rate, difference, non_negative_difference, "
        "derivative, non_negative_derivative, cumsum, moving_average, count_filter, abs, log, "
        "log10, log2, round, ceil, floor, sum, avg, min, max, count, count_distinct, first, "
        "last)");
  }
  for (Series& s : in) {
    if (columnIndex(s, "time") != 0) return invalidArgument(f + "() needs rows with a time");
    sortByTime(&s, false);
  }
  // Optional numeric second argument (round digits, log base).
  std::optional<double> arg2;
  for (std::size_t i = 0; i < q.args.size(); ++i) {
    if (q.args[i].kind == ExprKind::kInt) arg2 = static_cast<double>(q.args[i].int_value);
    if (q.args[i].kind == ExprKind::kFloat) arg2 = q.args[i].float_value;
  }
  if (f == "moving_average" && (!arg2 || *arg2 < 1 || *arg2 > 1e6 || *arg2 != std::floor(*arg2))) {
    return invalidArgument(at(q.pos) +
                           "moving_average() takes a window size: an integer from 1 to 1000000 "
                           "(moving_average(\"<dql>\", 3) or size=3)");
  }
  if (f == "series_sum") {
    // sumBy=['host']: one sum per value of those tags (tagged with them); else one series.
    std::vector<std::string> by = stringList(q, "sumBy");
    for (std::string& k : stringList(q, "sumby")) by.push_back(std::move(k));
    std::map<std::vector<std::string>, std::vector<const Series*>> groups;
    for (const Series& s : in) {
      std::vector<std::string> key;
      for (const std::string& k : by) {
        std::string v;
        for (const model::Tag& t : s.tags) {
          if (t.key == k) v = t.value;
        }
        key.push_back(std::move(v));
      }
      groups[key].push_back(&s);
    }
    std::vector<Series> out;
    for (const auto& [key, group] : groups) {
      Series sum = seriesSum(group);
      for (std::size_t i = 0; i < by.size(); ++i) sum.tags.push_back({by[i], key[i]});
      out.push_back(std::move(sum));
    }
    return out;
  }
  static const std::set<std::string, std::less<>> kCell = {"abs",   "log",  "log10", "log2",
                                                           "round", "ceil", "floor"};
  static const std::set<std::string, std::less<>> kDelta = {
      "difference", "non_negative_difference", "derivative", "non_negative_derivative", "irate"};
  static const std::set<std::string, std::less<>> kReduce = {
      "sum", "avg", "min", "max", "count", "first", "last", "rate", "count_distinct"};
  std::vector<Series> out;
  for (Series& s : in) {
    std::size_t ncol = s.columns.size();
    Series r;
    r.name = s.name;
    r.tags = s.tags;
    r.columns = s.columns;
    if (kCell.count(f)) {
      for (auto row : s.values) {
        for (std::size_t i = 1; i < ncol; ++i) {
          std::optional<double> d = toDouble(row[i]);
          if (!d) {
            row[i] = std::monostate{};
            continue;
          }
          double v = *d;
          if (f == "abs") v = std::fabs(v);
          if (f == "log") v = arg2 ? std::log(v) / std::log(*arg2) : std::log(v);
          if (f == "log10") v = std::log10(v);
          if (f == "log2") v = std::log2(v);
          if (f == "ceil") v = std::ceil(v);
          if (f == "floor") v = std::floor(v);
          if (f == "round") {
            double scale = std::pow(10.0, arg2.value_or(0));
            v = std::round(v * scale) / scale;
          }
          row[i] = v;
        }
        r.values.push_back(std::move(row));
      }
    } else if (f == "moving_average") {
      // The mean of each column over the last `size` rows (numeric values among them); the
      // first size-1 rows have no full window and are left out.
      const std::size_t n = static_cast<std::size_t>(*arg2);
      for (std::size_t k = n - 1; k < s.values.size(); ++k) {
        std::vector<Value> row(ncol);
        row[0] = s.values[k][0];
        for (std::size_t i = 1; i < ncol; ++i) {
          double sum = 0;
          std::size_t m = 0;
          for (std::size_t j = k + 1 - n; j <= k; ++j) {
            if (!isNumeric(s.values[j][i])) continue;
            sum += *toDouble(s.values[j][i]);
            ++m;
          }
          if (m > 0) row[i] = sum / static_cast<double>(m);
        }
        r.values.push_back(std::move(row));
      }
    } else if (f == "cumsum") {
      std::vector<Value> acc(ncol);
      for (auto row : s.values) {
        for (std::size_t i = 1; i < ncol; ++i) {
          if (isNumeric(row[i])) acc[i] = isNull(acc[i]) ? row[i] : arith(Op::kAdd, acc[i], row[i]);
          row[i] = acc[i];
        }
        r.values.push_back(std::move(row));
      }
    } else if (kDelta.count(f)) {
      bool non_negative = f.rfind("non_negative", 0) == 0;
      bool per_second = f != "difference" && f != "non_negative_difference";
      for (std::size_t k = 1; k < s.values.size(); ++k) {
        const auto& a = s.values[k - 1];
        const auto& b = s.values[k];
        std::vector<Value> row(ncol);
        row[0] = b[0];
        double dt = (toDouble(b[0]).value_or(0) - toDouble(a[0]).value_or(0)) / 1000.0;
        bool any = false;
        for (std::size_t i = 1; i < ncol; ++i) {
          std::optional<double> x = toDouble(a[i]);
          std::optional<double> y = toDouble(b[i]);
          if (!x || !y) continue;
          double d = *y - *x;
          if (f == "irate" && d < 0) d = *y;  // a counter reset
          if (per_second) {
            if (dt <= 0) continue;
            d /= dt;
          }
          if (non_negative && d < 0) continue;
          row[i] = d;
          any = true;
        }
        if (any || !non_negative) r.values.push_back(std::move(row));
      }
    } else if (kReduce.count(f)) {
      if (s.values.empty()) continue;
      std::vector<Value> row(ncol);
      row[0] = (f == "first" ? s.values.front() : s.values.back())[0];
      for (std::size_t i = 1; i < ncol; ++i) {
        if (f == "rate") {
          // Average per-second increase over the series (counter resets handled).
          std::vector<std::pair<std::int64_t, double>> pts;
          for (const auto& v : s.values) {
            if (auto d = toDouble(v[i])) {
              pts.emplace_back(satMul(clampToInt64(toDouble(v[0]).value_or(0)), kNsPerMs), *d);
            }
          }
          if (pts.size() < 2) continue;
          std::vector<std::pair<std::int64_t, double>> rest(pts.begin() + 1, pts.end());
          Result<std::optional<double>> v = rollupValue("rate", pts[0], rest);
          if (v.isOk() && *v) row[i] = **v;
          continue;
        }
        // A column reduced like an aggregate (arg set: count counts non-null values).
        static const Expr kColumn;
        AggSpec spec;
        spec.func = f;
        spec.arg = &kColumn;
        Acc a;
        for (const auto& v : s.values) {
          accumulate(spec, clampToInt64(toDouble(v[0]).value_or(0)), v[i], &a);
        }
        row[i] = aggResult(spec, a);
      }
      r.values.push_back(std::move(row));
    }
    out.push_back(std::move(r));
  }
  return out;
}

class EvalResolver : public Resolver {
 public:
  EvalResolver(
      const std::map<std::string, std::pair<const Series*, const std::vector<Value>*>>& args)
      : args_(args) {}
  Value name(std::string_view n) const override {
    std::string_view base = n;
    std::string_view col;
    std::size_t dot = n.find('.');
    if (dot != std::string_view::npos) {
      base = n.substr(0, dot);
      col = n.substr(dot + 1);
    }
    auto it = args_.find(std::string(base));
    if (it == args_.end() || it->second.second == nullptr) return std::monostate{};
    const Series& s = *it->second.first;
    const std::vector<Value>& row = *it->second.second;
    if (col.empty()) return row.size() > 1 ? row[1] : Value();
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (s.columns[i] == col) return row[i];
    }
    return std::monostate{};
  }

 private:
  const std::map<std::string, std::pair<const Series*, const std::vector<Value>*>>& args_;
};

Result<std::vector<Series>> evalEval(Ctx& c, const Query& q) {
  const Expr* expr = nullptr;
  std::string alias;
  std::map<std::string, QueryOutput> outs;
  for (std::size_t i = 0; i < q.args.size(); ++i) {
    const std::string& n = q.arg_names[i];
    const Expr& a = q.args[i];
    if (n.empty()) {
      if (expr == nullptr) expr = &a;
      continue;
    }
    if (n == "alias") {
      alias = a.text;
      continue;
    }
    if (a.kind != ExprKind::kQuery) return invalidArgument("eval(): " + n + " must be a query");
    Result<QueryOutput> r = evalQuery(c, *a.query);
    if (!r.isOk()) return r.status();
    outs.emplace(n, std::move(*r));
  }
  if (expr == nullptr) return invalidArgument("eval() needs an expression");
  if (outs.empty()) return invalidArgument("eval() needs at least one query argument");
  // The argument with the most series drives; others match by tags or broadcast a single series.
  const std::string* driver = nullptr;
  for (const auto& [n, o] : outs) {
    if (driver == nullptr || o.series.size() > outs.at(*driver).series.size()) driver = &n;
  }
  std::vector<Series> result;
  for (const Series& d : outs.at(*driver).series) {
    std::map<std::string, const Series*> match;
    bool ok = true;
    for (const auto& [n, o] : outs) {
      const Series* m = nullptr;
      if (&n == driver) {
        m = &d;
      } else if (o.series.size() == 1) {
        m = &o.series[0];
      } else {
        for (const Series& s : o.series) {
          if (s.tags == d.tags) m = &s;
        }
      }
      if (m == nullptr) ok = false;
      match[n] = m;
    }
    if (!ok) continue;
    Series out;
    out.name = d.name;
    out.tags = d.tags;
    out.columns = {"time", alias.empty() ? dql::toString(*expr) : alias};
    for (const auto& row : d.values) {
      std::map<std::string, std::pair<const Series*, const std::vector<Value>*>> cur;
      for (const auto& [n, s] : match) {
        const std::vector<Value>* r = nullptr;
        if (s == &d) {
          r = &row;
        } else if (s->values.size() == 1) {
          r = &s->values[0];  // a single value applies at every time
        } else {
          for (const auto& x : s->values) {
            if (!x.empty() && sortCompare(x[0], row[0]) == 0) r = &x;
          }
        }
        cur[n] = {s, r};
      }
      EvalResolver er(cur);
      out.values.push_back({row[0], c.ev.eval(*expr, er)});
    }
    result.push_back(std::move(out));
  }
  SEXTANT_RETURN_IF_ERROR(c.ev.status());
  return result;
}

std::string fieldTypeName(const storage::PartColumnKey& k) {
  if (k.kind == storage::ColumnKind::kTag) return "tag";
  switch (k.type) {
    case model::FieldType::kInt:
    case model::FieldType::kUint: return "integer";
    case model::FieldType::kFloat: return "float";
    case model::FieldType::kBool: return "boolean";
    case model::FieldType::kArray: return "array";
    default: return "string";
  }
}

std::optional<Category> showCategory(std::string_view word) {
  static const std::map<std::string, Category, std::less<>> kMap = {
      {"object", Category::kObject},
      {"custom_object", Category::kCustomObject},
      {"logging", Category::kLogging},
      {"event", Category::kKeyEvent},
      {"keyevent", Category::kKeyEvent},
      {"tracing", Category::kTracing},
      {"rum", Category::kRum},
      {"network", Category::kNetwork},
      {"profiling", Category::kProfiling},
      {"security", Category::kSecurity},
      {"metric", Category::kMetric},
      {"backup_log", Category::kLogging}};
  auto it = kMap.find(word);
  if (it == kMap.end()) return std::nullopt;
  return it->second;
}

// One-column listing filtered by the statement's filter on `name`.
Series nameListing(Ctx& c, const Query& q, const std::vector<std::string>& names) {
  Series s;
  s.name = "measurements";
  s.columns = {"name"};
  for (const std::string& n : names) {
    if (q.filter) {
      RowSet rs;
      Row r;
      r.cols.emplace_back("name", n);
      RowResolver rr(rs, &r, false);
      if (!c.ev.test(*q.filter, rr)) continue;
    }
    s.values.push_back({Value(n)});
  }
  return s;
}

Result<std::vector<Series>> evalShow(Ctx& c, const Query& q) {
  const std::string& f = q.func;
  std::vector<std::string> from = stringList(q, "from");
  std::vector<Series> out;
  if (f == "show_measurement") {
    out.push_back(nameListing(c, q, c.engine.measurements(c.ws, Category::kMetric)));
    return out;
  }
  storage::SeriesIndex* idx = c.engine.seriesIndex(c.ws);
  if (f == "show_tag_key" || f == "show_tag_value" || f == "show_field_key") {
    if (from.empty()) from = c.engine.measurements(c.ws, Category::kMetric);
    for (const std::string& m : from) {
      Series s;
      s.name = m;
      if (f == "show_field_key") {
        s.columns = {"fieldKey", "fieldType"};
        for (const auto& k : c.engine.columns(c.ws, Category::kMetric, m)) {
          if (k.kind == storage::ColumnKind::kField) {
            s.values.push_back({Value(k.name), Value(fieldTypeName(k))});
          }
        }
      } else if (idx != nullptr && f == "show_tag_key") {
        s.columns = {"tagKey"};
        for (auto& k : idx->tagKeys(m)) s.values.push_back({Value(k)});
      } else if (idx != nullptr) {
        s.columns = {"key", "value"};
        std::vector<std::string> keys = stringList(q, "keyin");
        for (auto& k : stringList(q, "key")) keys.push_back(k);
        if (keys.empty()) keys = idx->tagKeys(m);
        std::vector<std::string> tag_keys = idx->tagKeys(m);
        Result<std::vector<std::uint64_t>> ids = idx->select(m, tagMatchers(q.filter, tag_keys));
        if (!ids.isOk()) return ids.status();
        // Only series with a point in the time window (the query's, else the request's
        // time_range, else the last 15 minutes), as Guance's show_tag_value(...)[5m].
        Result<Window> w = resolveWindow(c, q);
        if (!w.isOk()) return w.status();
        std::set<std::uint64_t> live;
        storage::ScanRequest req;
        req.workspace_id = c.ws;
        req.category = Category::kMetric;
        req.min_time_ns = w->start_ns;
        req.max_time_ns = w->end_ns;
        req.measurements = {m};
        req.tags = tagMatchers(q.filter, tag_keys);
        req.no_columns = true;
        Status scanned = c.engine.scan(req, [&](storage::ColumnBatch&& b) {
          if (b.rows() > 0) live.insert(b.series_id);
          return countRows(c, b.rows());
        });
        SEXTANT_RETURN_IF_ERROR(scanned);
        std::set<std::pair<std::string, std::string>> pairs;
        for (std::uint64_t id : *ids) {
          if (!live.count(id)) continue;
          std::optional<storage::SeriesKey> sk = idx->lookup(id);
          if (!sk) continue;
          RowSet rs;
          rs.measurement = m;
          rs.tags = sk->tags;
          if (q.filter) {
            RowResolver rr(rs, nullptr, false);
            if (!c.ev.test(*q.filter, rr)) continue;
          }
          for (const std::string& k : keys) {
            for (const model::Tag& t : sk->tags) {
              if (t.key == k) pairs.emplace(k, t.value);
            }
          }
        }
        for (const auto& [k, v] : pairs) s.values.push_back({Value(k), Value(v)});
      }
      if (!s.values.empty()) out.push_back(std::move(s));
    }
    SEXTANT_RETURN_IF_ERROR(c.ev.status());
    return out;
  }
  // show_<category>_source / _class / _field.
  if (f.rfind("show_", 0) == 0) {
    std::string rest = f.substr(5);
    std::size_t us = rest.rfind('_');
    if (us != std::string::npos) {
      std::string word = rest.substr(0, us);
      std::string what = rest.substr(us + 1);
      std::optional<Category> cat = showCategory(word);
      if (cat && (what == "source" || what == "class")) {
        out.push_back(nameListing(c, q, c.engine.measurements(c.ws, *cat)));
        SEXTANT_RETURN_IF_ERROR(c.ev.status());
        return out;
      }
      if (cat && what == "field") {
        std::vector<std::string> ms = from;
        for (std::size_t i = 0; i < q.args.size(); ++i) {
          if (q.arg_names[i].empty() && q.args[i].kind == ExprKind::kString) {
            ms.push_back(q.args[i].text);
          }
        }
        if (ms.empty()) ms = c.engine.measurements(c.ws, *cat);
        for (const std::string& m : ms) {
          Series s;
          s.name = m;
          s.columns = {"fieldKey", "fieldType"};
          for (const auto& k : c.engine.columns(c.ws, *cat, m)) {
            s.values.push_back({Value(k.name), Value(fieldTypeName(k))});
          }
          if (!s.values.empty()) out.push_back(std::move(s));
        }
        return out;
      }
    }
  }
  return Status(StatusCode::kUnimplemented, f + "() is not supported");
}

// count_filter(dql, expr=<condition>): the rows of the result for which the condition holds
// (names: the row's columns, then its series' tags); series left without rows are dropped. The
// condition is an expression or a string holding one, in which backticks quote values as in
// Guance's `expr="status != \`critical\`"`.
Result<std::vector<Series>> countFilter(Ctx& c, const Query& q, std::vector<Series> in) {
  const Expr* cond = nullptr;
  for (std::size_t i = 0; i < q.args.size(); ++i) {
    if (q.arg_names[i] == "expr") cond = &q.args[i];
  }
  if (cond == nullptr) {
    return invalidArgument(at(q.pos) + "count_filter() needs expr=<condition>");
  }
  std::optional<Expr> parsed;
  if (cond->kind == ExprKind::kString) {
    std::string text = cond->text;
    std::replace(text.begin(), text.end(), '`', '\'');
    const std::string head = "M::_ {";
    Result<Query> wrapped = dql::parse(head + text + "}");
    Result<Query> bare = dql::parse("M::_");
    if (wrapped.isOk() && bare.isOk()) {
      bare->filter = wrapped->filter;
      if (!wrapped->filter || !(*bare == *wrapped)) {
        return invalidArgument(at(cond->pos) + "count_filter(): expr must be one condition");
      }
    } else if (!wrapped.isOk()) {
      // "1:<col>: what" counts from the wrapper; give the column within the string.
      std::string msg = wrapped.status().message();
      std::size_t colon = msg.find(':');
      std::size_t colon2 = msg.find(':', colon + 1);
      if (msg.rfind("1:", 0) == 0 && colon2 != std::string::npos) {
        long col =
            std::strtol(msg.c_str() + colon + 1, nullptr, 10) - static_cast<long>(head.size());
        msg = "1:" + std::to_string(std::max(1L, col)) + msg.substr(colon2);
      }
      return invalidArgument(at(cond->pos) + "in count_filter expr: " + msg);
    }
    parsed = std::move(wrapped->filter);
    cond = &*parsed;
  }
  std::vector<Series> out;
  for (Series& s : in) {
    std::vector<std::vector<Value>> kept;
    for (auto& row : s.values) {
      if (c.ev.test(*cond, OutputRowResolver(s, row))) kept.push_back(std::move(row));
    }
    s.values = std::move(kept);
    if (!s.values.empty()) out.push_back(std::move(s));
  }
  SEXTANT_RETURN_IF_ERROR(c.ev.status());
  return out;
}

Result<QueryOutput> evalCall(Ctx& c, const Query& q) {
  Result<std::vector<Series>> series = Status(invalidArgument(""));
  if (q.func.rfind("show_", 0) == 0) {
    series = evalShow(c, q);
  } else if (q.func == "eval") {
    series = evalEval(c, q);
  } else if (q.func == "count_filter") {
    const Expr* arg = queryArg(q);
    if (arg == nullptr) return invalidArgument(q.func + "() needs a DQL query argument");
    Result<QueryOutput> inner = evalQuery(c, *arg->query);
    if (!inner.isOk()) return inner.status();
    series = countFilter(c, q, std::move(inner->series));
  } else {
    const Expr* arg = queryArg(q);
    if (arg == nullptr) return invalidArgument(q.func + "() needs a DQL query argument");
    Result<QueryOutput> inner = evalQuery(c, *arg->query);
    if (!inner.isOk()) return inner.status();
    series = applyOuter(q, std::move(inner->series));
  }
  if (!series.isOk()) return series.status();
  QueryOutput out;
  SEXTANT_RETURN_IF_ERROR(finalize(c, q, false, std::move(*series), &out));
  return out;
}

Result<QueryOutput> evalQuery(Ctx& c, const Query& q) {
  SEXTANT_RETURN_IF_ERROR(checkDeadline(c));
  return q.kind == Query::Kind::kSelect ? evalSelect(c, q) : evalCall(c, q);
}

}  // namespace

Result<QueryOutput> evaluate(storage::StorageEngine& engine, std::string_view workspace_id,
                             const dql::Query& query, const EvalOptions& options) {
  Ctx c{engine, std::string(workspace_id), options};
  c.now_ns = clampBound(options.now_ms != 0 ? satMul(options.now_ms, kNsPerMs) : wallNowNs());
  // A timeout of a century or more is no timeout; zero or less is already over.
  if (options.timeout.count() <= 0) {
    c.deadline = std::chrono::steady_clock::time_point::min();
  } else if (options.timeout < std::chrono::hours(24 * 365 * 100)) {
    c.deadline = std::chrono::steady_clock::now() + options.timeout;
  }
  if (!options.variables.empty()) {
    Result<Query> s = dql::substituteVariables(query, options.variables);
    if (!s.isOk()) return s.status();
    c.ev.prepareInLists(*s);
    return evalQuery(c, *s);
  }
  c.ev.prepareInLists(query);
  return evalQuery(c, query);
}

Result<QueryOutput> evaluateText(storage::StorageEngine& engine, std::string_view workspace_id,
                                 std::string_view text, const EvalOptions& options) {
  Result<Query> q = dql::parse(text);
  if (!q.isOk()) return q.status();
  return evaluate(engine, workspace_id, *q, options);
}

}  // namespace sextant::query::dql_exec

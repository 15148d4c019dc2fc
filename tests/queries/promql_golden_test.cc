// PromQL correctness oracle (issue 10): a generated dataset is written as OpenMetrics text,
// loaded into Prometheus 2.42 with `promtool tsdb create-blocks-from openmetrics` and served by
// a `prometheus` process this test starts on 127.0.0.1; the same samples go into an in-process
// storage::StorageEngine (metric `m_f` = field f of measurement m, labels = tags). Every query
// of promql_golden.txt runs through both (instant at several times, range queries with two
// steps) and the results must match: result type, label sets, timestamps, values within a
// relative 1e-9 (NaN equals NaN, infinities exact). Series are compared sorted by labels unless
// the query's line says `ordered`.
//
// A missing `prometheus` or `promtool` binary is a failure, never a skip (the Debian package
// `prometheus` is in deps/apt.txt).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"
#include "model/point.h"
#include "net/http_client.h"
#include "query/exec/promql_engine.h"
#include "query/promql/parser.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant {
namespace {

namespace pq = query::promql;
using Labels = std::vector<std::pair<std::string, std::string>>;  // sorted by name

// 2025-11-20T00:00:00Z: blocks in the past, older than Prometheus' head window.
constexpr int64_t kT0Ms = 1'763'596'800'000;
constexpr int64_t kStepMs = 15'000;
constexpr int kSteps = 241;  // 0 .. 60 min at 15 s

// ---- the dataset ----

struct GenSeries {
  std::string name;
  Labels labels;  // sorted, without __name__
  std::vector<int64_t> t_ms;
  std::vector<double> v;
};

// splitmix64: deterministic, seeded per series.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t s_;
};

// Three decimals, so values print short; the double is what both sides get.
double round3(double x) { return std::round(x * 1000) / 1000; }

class DatasetBuilder {
 public:
  std::vector<GenSeries> series;

  GenSeries& add(std::string name, Labels labels) {
    std::sort(labels.begin(), labels.end());
    series.push_back(GenSeries{std::move(name), std::move(labels), {}, {}});
    return series.back();
  }
};

// Sample i of a series with phase `phase_s` (whole seconds, so OpenMetrics' float seconds are
// exact) is at kT0Ms + i*15s + phase.
int64_t sampleTime(int i, int phase_s) { return kT0Ms + i * kStepMs + phase_s * 1000; }

std::vector<GenSeries> buildDataset() {
  DatasetBuilder b;
  uint64_t seed = 1;

  // Counters: http_requests_total{job, instance, method, code}; some reset, some have gaps, some
  // start late or end early.
  int n = 0;
  for (std::string job : {"api", "web"}) {
    for (int inst = 0; inst < 5; ++inst) {
      for (std::string method : {"GET", "POST", "PUT"}) {
        for (std::string code : {"200", "500"}) {
          Rng r(seed++);
          GenSeries& s = b.add("http_requests_total", {{"job", job},
                                                       {"instance", "i" + std::to_string(inst)},
                                                       {"method", method},
                                                       {"code", code}});
          int phase = n % 4 == 0 ? 0 : r.below(15);
          double rate = code == "200" ? 1 + r.below(20) : r.below(3);
          double c = r.below(1000);
          int first = n % 11 == 3 ? 40 : 0;
          int last = n % 13 == 5 ? 160 : kSteps - 1;
          bool gap = n % 7 == 2;
          for (int i = first; i <= last; ++i) {
            c += rate * 15 * (0.5 + r.uniform());
            c = std::floor(c);
            if ((n % 5 == 1 && i == 120) || (n % 9 == 4 && i == 200)) c = r.below(10);
            if (gap && i >= 100 && i < 130) continue;
            s.t_ms.push_back(sampleTime(i, phase));
            s.v.push_back(c);
          }
          ++n;
        }
      }
    }
  }

  // Gauges: mem_usage_bytes{instance, region}, large values, a random walk.
  for (int inst = 0; inst < 10; ++inst) {
    for (std::string region : {"eu", "us"}) {
      Rng r(seed++);
      GenSeries& s =
          b.add("mem_usage_bytes", {{"instance", "i" + std::to_string(inst)}, {"region", region}});
      double v = 1e9 * (1 + r.below(64));
      int phase = inst % 3 == 0 ? 0 : r.below(15);
      for (int i = 0; i < kSteps; ++i) {
        v = std::max(0.0, v + (r.uniform() - 0.5) * 1e8);
        v = std::round(v);
        s.t_ms.push_back(sampleTime(i, phase));
        s.v.push_back(v);
      }
    }
  }

  // Gauges with gaps and early ends: temp_celsius{sensor, zone}.
  for (int sensor = 0; sensor < 40; ++sensor) {
    Rng r(seed++);
    GenSeries& s =
        b.add("temp_celsius", {{"sensor", "s" + std::to_string(sensor)},
                               {"zone", std::string(1, static_cast<char>('a' + sensor % 4))}});
    int phase = sensor % 2 == 0 ? 0 : r.below(15);
    double v = 15 + r.below(20);
    int last = sensor % 6 == 1 ? 150 + sensor : kSteps - 1;
    for (int i = 0; i <= last; ++i) {
      v = round3(v + (r.uniform() - 0.5) * 2);
      if (sensor % 5 == 2 && i >= 60 && i < 90) continue;    // 7.5 min gap: stale
      if (sensor % 5 == 3 && i % 10 == 4) continue;          // short gaps
      if (sensor % 8 == 7 && i >= 200 && i < 215) continue;  // gap at the end of the range
      s.t_ms.push_back(sampleTime(i, phase));
      s.v.push_back(v);
    }
  }

  // A classic histogram: rpc_duration_seconds_{bucket,sum,count}{service, instance}, 10 buckets.
  const std::vector<std::pair<std::string, double>> kLe = {
      {"0.005", 0.005}, {"0.01", 0.01}, {"0.025", 0.025}, {"0.05", 0.05}, {"0.1", 0.1},
      {"0.25", 0.25},   {"0.5", 0.5},   {"1", 1},         {"2.5", 2.5},   {"+Inf", INFINITY}};
  for (std::string service : {"auth", "cart", "pay", "search"}) {
    for (int inst = 0; inst < 2; ++inst) {
      Rng r(seed++);
      Labels base = {{"service", service}, {"instance", "i" + std::to_string(inst)}};
      std::vector<GenSeries*> buckets;
      size_t first_index = b.series.size();
      for (const auto& [le, bound] : kLe) {
        Labels l = base;
        l.emplace_back("le", le);
        b.add("rpc_duration_seconds_bucket", l);
      }
      b.add("rpc_duration_seconds_sum", base);
      b.add("rpc_duration_seconds_count", base);
      std::vector<double> counts(kLe.size(), 0);
      double sum = 0, count = 0;
      double scale = 0.02 * (1 + r.below(10));
      bool restart = service == "cart" && inst == 1;
      for (int i = 0; i < kSteps; ++i) {
        if (restart && i == 150) {
          std::fill(counts.begin(), counts.end(), 0);
          sum = 0;
          count = 0;
        }
        int obs = 5 + r.below(40);
        for (int k = 0; k < obs; ++k) {
          double x = round3(-std::log(1 - r.uniform()) * scale);
          sum += x;
          count += 1;
          for (size_t j = 0; j < kLe.size(); ++j) {
            if (x <= kLe[j].second) counts[j] += 1;
          }
        }
        int64_t t = sampleTime(i, inst * 3);
        for (size_t j = 0; j < kLe.size(); ++j) {
          b.series[first_index + j].t_ms.push_back(t);
          b.series[first_index + j].v.push_back(counts[j]);
        }
        b.series[first_index + kLe.size()].t_ms.push_back(t);
        b.series[first_index + kLe.size()].v.push_back(round3(sum));
        b.series[first_index + kLe.size() + 1].t_ms.push_back(t);
        b.series[first_index + kLe.size() + 1].v.push_back(count);
      }
    }
  }

  // A summary-like set: db_query_seconds{db, quantile} gauges plus _sum and _count counters.
  for (std::string db : {"orders", "users", "events"}) {
    Rng r(seed++);
    size_t first_index = b.series.size();
    for (std::string q : {"0.5", "0.9", "0.99"})
      b.add("db_query_seconds", {{"db", db}, {"quantile", q}});
    b.add("db_query_seconds_sum", {{"db", db}});
    b.add("db_query_seconds_count", {{"db", db}});
    double sum = 0, count = 0;
    for (int i = 0; i < kSteps; ++i) {
      int64_t t = sampleTime(i, 7);
      double base = 0.01 + r.uniform() * 0.05;
      double qs[3] = {round3(base), round3(base * 3), round3(base * 10)};
      for (int j = 0; j < 3; ++j) {
        b.series[first_index + j].t_ms.push_back(t);
        b.series[first_index + j].v.push_back(qs[j]);
      }
      count += 10 + r.below(10);
      sum = round3(sum + count * 0.001 * (1 + r.below(5)));
      b.series[first_index + 3].t_ms.push_back(t);
      b.series[first_index + 3].v.push_back(sum);
      b.series[first_index + 4].t_ms.push_back(t);
      b.series[first_index + 4].v.push_back(count);
    }
  }

  // An info metric for group_left: build_info{instance, version} = 1.
  for (int inst = 0; inst < 5; ++inst) {
    GenSeries& s = b.add("build_info", {{"instance", "i" + std::to_string(inst)},
                                        {"version", inst < 3 ? "1.2.0" : "1.3.0"}});
    for (int i = 0; i < kSteps; i += 4) {
      s.t_ms.push_back(sampleTime(i, 0));
      s.v.push_back(1);
    }
  }

  // Odd values: NaN samples, +Inf, huge and tiny magnitudes, a huge counter.
  {
    Rng r(seed++);
    GenSeries& nan = b.add("weird_value", {{"kind", "nan"}});
    GenSeries& inf = b.add("weird_value", {{"kind", "inf"}});
    GenSeries& big = b.add("weird_value", {{"kind", "big"}});
    GenSeries& tiny = b.add("weird_value", {{"kind", "tiny"}});
    GenSeries& neg = b.add("weird_value", {{"kind", "neg"}});
    GenSeries& hc = b.add("weird_counter_total", {{"kind", "huge"}});
    double c = 1e18;
    for (int i = 0; i < kSteps; ++i) {
      int64_t t = sampleTime(i, 0);
      double u = round3(r.uniform() * 100);
      nan.t_ms.push_back(t);
      nan.v.push_back(i % 7 == 3 ? NAN : u);
      inf.t_ms.push_back(t);
      inf.v.push_back(i % 50 == 10 ? INFINITY : u);
      big.t_ms.push_back(t);
      big.v.push_back(u * 1e300);
      tiny.t_ms.push_back(t);
      tiny.v.push_back(u * 1e-300);
      neg.t_ms.push_back(t);
      neg.v.push_back(-u);
      c += 1e15 * (1 + r.below(5));
      hc.t_ms.push_back(t);
      hc.v.push_back(c);
    }
  }
  return std::move(b.series);
}

std::string formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string toOpenMetrics(const std::vector<GenSeries>& data) {
  std::string out;
  for (const GenSeries& s : data) {
    std::string head = s.name + "{";
    for (size_t i = 0; i < s.labels.size(); ++i) {
      if (i > 0) head += ",";
      head += s.labels[i].first + "=\"" + s.labels[i].second + "\"";
    }
    head += "} ";
    for (size_t i = 0; i < s.t_ms.size(); ++i) {
      out += head + formatValue(s.v[i]) + " " + std::to_string(s.t_ms[i] / 1000) + "\n";
    }
  }
  out += "# EOF\n";
  return out;
}

// Metric `m_f` is field f of measurement m; points of one (measurement, tags, time) share a row.
std::vector<model::Point> toPoints(const std::vector<GenSeries>& data) {
  std::map<std::tuple<std::string, Labels, int64_t>, model::Point> rows;
  for (const GenSeries& s : data) {
    size_t us = s.name.find('_');
    std::string m = s.name.substr(0, us), f = s.name.substr(us + 1);
    for (size_t i = 0; i < s.t_ms.size(); ++i) {
      model::Point& p = rows[{m, s.labels, s.t_ms[i]}];
      if (p.measurement.empty()) {
        p.measurement = m;
        for (const auto& [k, v] : s.labels) p.addTag(k, v);
        p.time_ns = s.t_ms[i] * 1'000'000;
      }
      p.fields.push_back(model::Field{f, s.v[i]});
    }
  }
  std::vector<model::Point> pts;
  pts.reserve(rows.size());
  for (auto& [k, p] : rows) pts.push_back(std::move(p));
  return pts;
}

// ---- processes ----

std::string findInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string p = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// Starts argv[0] with stdout and stderr appended to log; the child dies with this process.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

using ::sextant::testing::readFile;

std::string tail(const std::string& s, size_t n = 4000) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// A port that was free a moment ago on 127.0.0.1.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::string urlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string formatSeconds(int64_t ms) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

// ---- results in one shape ----

struct NormSeries {
  Labels labels;
  std::vector<int64_t> t;
  std::vector<double> v;
};

struct NormResult {
  std::string error;  // non-empty: the query failed
  std::string type;   // vector, matrix, scalar, string
  std::vector<NormSeries> series;
  int64_t t = 0;  // scalar, string
  double scalar = 0;
  std::string str;
};

std::string labelsText(const Labels& l) {
  std::string s = "{";
  for (size_t i = 0; i < l.size(); ++i) {
    if (i > 0) s += ", ";
    s += l[i].first + "=\"" + l[i].second + "\"";
  }
  return s + "}";
}

std::string describe(const NormResult& r, size_t max_series = 6) {
  if (!r.error.empty()) return "error: " + r.error;
  std::ostringstream o;
  o << r.type;
  if (r.type == "scalar") o << " " << formatValue(r.scalar) << " @" << r.t;
  if (r.type == "string") o << " \"" << r.str << "\" @" << r.t;
  if (r.type == "vector" || r.type == "matrix") {
    o << " (" << r.series.size() << " series)";
    for (size_t i = 0; i < r.series.size() && i < max_series; ++i) {
      const NormSeries& s = r.series[i];
      o << "\n    " << labelsText(s.labels) << " " << s.v.size() << " points:";
      for (size_t j = 0; j < s.v.size() && j < 4; ++j) {
        o << " " << formatValue(s.v[j]) << "@" << s.t[j];
      }
      if (s.v.size() > 4) o << " ...";
    }
    if (r.series.size() > max_series) o << "\n    ...";
  }
  return o.str();
}

double parseValue(std::string_view s) {
  std::string str(s);
  return std::strtod(str.c_str(), nullptr);  // "NaN", "+Inf", "-Inf" included
}

int64_t jsonTimeMs(simdjson::dom::element e) {
  double d = 0;
  if (e.get(d) != simdjson::SUCCESS) {
    int64_t i = 0;
    if (e.get(i) == simdjson::SUCCESS) return i * 1000;
    uint64_t u = 0;
    if (e.get(u) == simdjson::SUCCESS) return static_cast<int64_t>(u) * 1000;
  }
  return std::llround(d * 1000);
}

bool readPoint(simdjson::dom::element pair, int64_t* t, double* v) {
  simdjson::dom::array a;
  if (pair.get(a) != simdjson::SUCCESS || a.size() != 2) return false;
  *t = jsonTimeMs(a.at(0).value());
  std::string_view s;
  if (a.at(1).get(s) != simdjson::SUCCESS) return false;
  *v = parseValue(s);
  return true;
}

Labels readLabels(simdjson::dom::element metric) {
  Labels l;
  simdjson::dom::object o;
  if (metric.get(o) != simdjson::SUCCESS) return l;
  for (auto field : o) {
    std::string_view v;
    if (field.value.get(v) == simdjson::SUCCESS) l.emplace_back(std::string(field.key), v);
  }
  std::sort(l.begin(), l.end());
  return l;
}

NormResult fromPrometheus(const std::string& body) {
  NormResult r;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    r.error = "unparsable Prometheus answer: " + tail(body, 300);
    return r;
  }
  std::string_view status;
  if (doc["status"].get(status) != simdjson::SUCCESS || status != "success") {
    std::string_view msg = "?";
    if (doc["error"].get(msg) != simdjson::SUCCESS) msg = "?";
    r.error = std::string(msg);
    if (r.error.empty()) r.error = "?";
    return r;
  }
  simdjson::dom::element data = doc["data"].value();
  std::string_view type;
  if (data["resultType"].get(type) != simdjson::SUCCESS) type = "?";
  r.type = std::string(type);
  simdjson::dom::element result = data["result"].value();
  if (r.type == "scalar" || r.type == "string") {
    simdjson::dom::array a;
    if (result.get(a) != simdjson::SUCCESS) {
      r.error = "no result array: " + tail(body, 300);
      return r;
    }
    r.t = jsonTimeMs(a.at(0).value());
    std::string_view s = a.at(1).get_string().value();
    if (r.type == "scalar") {
      r.scalar = parseValue(s);
    } else {
      r.str = std::string(s);
    }
    return r;
  }
  simdjson::dom::array all_series;
  if (result.get(all_series) != simdjson::SUCCESS) {
    r.error = "no result array: " + tail(body, 300);
    return r;
  }
  for (simdjson::dom::element s : all_series) {
    NormSeries ns;
    ns.labels = readLabels(s["metric"].value());
    if (r.type == "vector") {
      int64_t t = 0;
      double v = 0;
      readPoint(s["value"].value(), &t, &v);
      ns.t.push_back(t);
      ns.v.push_back(v);
    } else {
      simdjson::dom::array values;
      if (s["values"].get(values) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element p : values) {
        int64_t t = 0;
        double v = 0;
        readPoint(p, &t, &v);
        ns.t.push_back(t);
        ns.v.push_back(v);
      }
    }
    r.series.push_back(std::move(ns));
  }
  return r;
}

NormResult fromSextant(const Result<pq::QueryResult>& res, bool range) {
  NormResult r;
  if (!res.isOk()) {
    r.error = res.status().toString();
    if (r.error.empty()) r.error = "?";
    return r;
  }
  const pq::QueryResult& q = *res;
  switch (q.type) {
    case pq::ValueType::kScalar:
      r.type = "scalar";
      r.scalar = q.scalar;
      r.t = q.t_ms;
      return r;
    case pq::ValueType::kString:
      r.type = "string";
      r.str = q.string;
      r.t = q.t_ms;
      return r;
    case pq::ValueType::kVector: r.type = "vector"; break;
    case pq::ValueType::kMatrix: r.type = "matrix"; break;
    default: r.type = "none"; return r;
  }
  for (const pq::SeriesValues& s : q.series) {
    NormSeries ns;
    for (const model::Tag& t : s.labels) ns.labels.emplace_back(t.key, t.value);
    std::sort(ns.labels.begin(), ns.labels.end());
    if (q.type == pq::ValueType::kVector && !range) {
      ns.t.push_back(q.t_ms);
      ns.v.push_back(s.v.empty() ? NAN : s.v[0]);
    } else {
      ns.t = s.t_ms;
      ns.v = s.v;
    }
    r.series.push_back(std::move(ns));
  }
  return r;
}

bool sameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

// Empty when the two agree; otherwise what differs first.
std::string compare(NormResult want, NormResult got, bool ordered) {
  if (!want.error.empty() || !got.error.empty()) {
    if (want.error.empty() || got.error.empty()) return "only one side fails";
    // Both reject the query: Sextant's status message carries Prometheus' text.
    return got.error.find(want.error) != std::string::npos ? "" : "error messages differ";
  }
  if (want.type != got.type) return "result type " + got.type + ", want " + want.type;
  if (want.type == "scalar") {
    if (want.t != got.t) return "scalar time differs";
    return sameValue(want.scalar, got.scalar) ? "" : "scalar value differs";
  }
  if (want.type == "string") return want.str == got.str && want.t == got.t ? "" : "string differs";
  auto byLabels = [](const NormSeries& a, const NormSeries& b) { return a.labels < b.labels; };
  if (!ordered) {
    std::sort(want.series.begin(), want.series.end(), byLabels);
    std::sort(got.series.begin(), got.series.end(), byLabels);
  } else {
    // Ties have no specified order (Prometheus' sort and heap are not stable): runs of equal
    // values are compared sorted by labels.
    for (std::vector<NormSeries>* v : {&want.series, &got.series}) {
      size_t i = 0;
      while (i < v->size()) {
        size_t j = i + 1;
        while (j < v->size() && !(*v)[j].v.empty() && !(*v)[i].v.empty() &&
               sameValue((*v)[j].v[0], (*v)[i].v[0])) {
          ++j;
        }
        std::sort(v->begin() + static_cast<ptrdiff_t>(i), v->begin() + static_cast<ptrdiff_t>(j),
                  byLabels);
        i = j;
      }
    }
  }
  for (size_t i = 0; i < std::max(want.series.size(), got.series.size()); ++i) {
    if (i >= got.series.size()) return "missing series " + labelsText(want.series[i].labels);
    if (i >= want.series.size()) return "extra series " + labelsText(got.series[i].labels);
    const NormSeries& w = want.series[i];
    const NormSeries& g = got.series[i];
    if (w.labels != g.labels) {
      return "series #" + std::to_string(i) + " is " + labelsText(g.labels) + ", want " +
             labelsText(w.labels);
    }
    for (size_t j = 0; j < std::max(w.t.size(), g.t.size()); ++j) {
      std::string where = labelsText(w.labels) + " point #" + std::to_string(j);
      if (j >= g.t.size()) {
        return where + ": missing (want " + formatValue(w.v[j]) + " @" + std::to_string(w.t[j]) +
               ")";
      }
      if (j >= w.t.size()) {
        return where + ": extra (" + formatValue(g.v[j]) + " @" + std::to_string(g.t[j]) + ")";
      }
      if (w.t[j] != g.t[j]) {
        return where + ": time " + std::to_string(g.t[j]) + ", want " + std::to_string(w.t[j]);
      }
      if (!sameValue(w.v[j], g.v[j])) {
        return where + " @" + std::to_string(w.t[j]) + ": value " + formatValue(g.v[j]) +
               ", want " + formatValue(w.v[j]);
      }
    }
  }
  return "";
}

// ---- the golden file ----

struct GoldenQuery {
  int line = 0;
  std::string mode;  // all | instant | ordered
  std::string query;
};

std::vector<GoldenQuery> readGolden(const std::string& path, std::string* error) {
  std::vector<GoldenQuery> out;
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return out;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    line = line.substr(b);
    size_t sp = line.find(' ');
    std::string mode = line.substr(0, sp);
    if (sp == std::string::npos || (mode != "all" && mode != "instant" && mode != "ordered")) {
      *error = path + ":" + std::to_string(n) + ": expected `all|instant|ordered <query>`";
      return {};
    }
    out.push_back(GoldenQuery{n, mode, line.substr(sp + 1)});
  }
  return out;
}

// ---- the test ----

class PrometheusProcess {
 public:
  ~PrometheusProcess() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid_ = -1;
  int port_ = 0;
};

int runToEnd(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = spawn(argv, log);
  if (pid < 0) return -1;
  int st = 0;
  if (::waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TEST(PromqlGolden, MatchesPrometheus) {
  auto started = std::chrono::steady_clock::now();
  std::string prometheus = findInPath("prometheus");
  std::string promtool = findInPath("promtool");
  ASSERT_FALSE(prometheus.empty())
      << "the `prometheus` binary (2.42) is not in PATH: install the Debian package `prometheus` "
         "(deps/apt.txt; scripts/install-deps.sh)";
  ASSERT_FALSE(promtool.empty())
      << "the `promtool` binary is not in PATH: install the Debian package `prometheus` "
         "(deps/apt.txt; scripts/install-deps.sh)";

  std::string error;
  std::vector<GoldenQuery> queries =
      readGolden(std::string(SEXTANT_SOURCE_DIR) + "/tests/queries/promql_golden.txt", &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_GE(queries.size(), 60u);

  testing::TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string om = tmp.path() + "/data.om";
  const std::string tsdb = tmp.path() + "/tsdb";
  const std::string log = tmp.path() + "/prometheus.log";
  const std::string config = tmp.path() + "/prometheus.yml";
  std::vector<GenSeries> data = buildDataset();
  {
    std::ofstream(om) << toOpenMetrics(data);
    std::ofstream(config) << "global:\n  scrape_interval: 15s\nscrape_configs: []\n";
  }

  // Prometheus: blocks from the OpenMetrics file, then the server on loopback.
  int rc = runToEnd({promtool, "tsdb", "create-blocks-from", "openmetrics", om, tsdb},
                    tmp.path() + "/promtool.log");
  ASSERT_EQ(rc, 0) << "promtool tsdb create-blocks-from openmetrics failed:\n"
                   << tail(readFile(tmp.path() + "/promtool.log"));

  auto http = net::makeHttpClient();
  PrometheusProcess prom;
  for (int attempt = 0; attempt < 3 && prom.pid_ <= 0; ++attempt) {
    int port = freePort();
    ASSERT_GT(port, 0);
    pid_t pid = spawn({prometheus, "--config.file=" + config, "--storage.tsdb.path=" + tsdb,
                       "--storage.tsdb.retention.time=100y",
                       "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                      log);
    ASSERT_GT(pid, 0);
    prom.pid_ = pid;
    prom.port_ = port;
    bool ready = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {  // exited (e.g. the port was taken)
        prom.pid_ = -1;
        break;
      }
      net::ClientRequest req;
      req.url = "http://127.0.0.1:" + std::to_string(port) + "/-/ready";
      req.timeout = std::chrono::milliseconds(1000);
      auto r = http->send(req);
      if (r.isOk() && r->status == 200) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready && prom.pid_ > 0) prom.stop();
  }
  ASSERT_GT(prom.pid_, 0) << "prometheus did not become ready:\n" << tail(readFile(log));
  const std::string base = "http://127.0.0.1:" + std::to_string(prom.port_);

  // Sextant: the same samples in a storage engine.
  testing::TempDir sdir;
  auto engine = storage::testing::openTestEngine(sdir.path());
  ASSERT_TRUE(engine);
  {
    std::vector<model::Point> pts = toPoints(data);
    for (size_t i = 0; i < pts.size(); i += 5000) {
      std::vector<model::Point> chunk(
          pts.begin() + static_cast<ptrdiff_t>(i),
          pts.begin() + static_cast<ptrdiff_t>(std::min(pts.size(), i + 5000)));
      Status st = storage::testing::writePoints(*engine, "ws", model::Category::kMetric, chunk);
      ASSERT_TRUE(st.isOk()) << st.toString();
    }
    ASSERT_TRUE(engine->flush().isOk());
  }
  auto queryable = pq::storageQueryable(*engine, "ws");

  auto askPrometheus = [&](const std::string& path, const std::string& form) -> NormResult {
    net::ClientRequest req;
    req.method = "POST";
    req.url = base + path;
    req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.body = form;
    req.timeout = std::chrono::milliseconds(20'000);
    auto r = http->send(req);
    NormResult out;
    if (!r.isOk()) {
      out.error = "no answer from prometheus: " + r.status().toString();
      return out;
    }
    return fromPrometheus(r->body);
  };

  // The blocks were loaded: every generated series is there at some time in the hour.
  {
    NormResult r = askPrometheus(
        "/api/v1/query", "query=" + urlEncode("count(last_over_time({__name__=~\".+\"}[2h]))") +
                             "&time=" + formatSeconds(kT0Ms + 3'600'000));
    ASSERT_TRUE(r.error.empty() && r.series.size() == 1) << describe(r);
    ASSERT_EQ(r.series[0].v[0], static_cast<double>(data.size()))
        << "prometheus does not hold the generated series:\n"
        << tail(readFile(log));
  }

  const std::vector<int64_t> kInstantOffsetsS = {300, 1207, 1800, 2700, 3600, 3780, 4020};
  struct Range {
    int64_t start_s, end_s, step_s;
  };
  const std::vector<Range> kRanges = {{0, 4020, 60}, {433, 3133, 37}};

  int evaluations = 0, mismatches = 0, both_errors = 0;
  std::vector<int> empty_queries;  // lines whose every Prometheus answer is empty
  for (const GoldenQuery& gq : queries) {
    auto parsed = pq::parse(gq.query);
    bool nonempty = false;
    auto report = [&](const std::string& what, const NormResult& want, const NormResult& got,
                      const std::string& diff) {
      ++mismatches;
      ADD_FAILURE() << "promql_golden.txt:" << gq.line << ": " << gq.query << "\n  " << what << ": "
                    << diff << "\n  prometheus: " << describe(want)
                    << "\n  sextant:    " << describe(got);
    };
    for (int64_t off : kInstantOffsetsS) {
      int64_t t = kT0Ms + off * 1000;
      NormResult want = askPrometheus("/api/v1/query",
                                      "query=" + urlEncode(gq.query) + "&time=" + formatSeconds(t));
      NormResult got;
      if (parsed.isOk()) {
        got = fromSextant(pq::evalInstant(*queryable, **parsed, t), false);
      } else {
        got.error = parsed.status().toString();
      }
      ++evaluations;
      if (!want.error.empty() && !got.error.empty()) ++both_errors;
      if (want.error.empty() &&
          (want.type == "scalar" || want.type == "string" || !want.series.empty())) {
        nonempty = true;
      }
      std::string diff = compare(want, got, gq.mode == "ordered");
      if (!diff.empty()) report("instant at T0+" + std::to_string(off) + "s", want, got, diff);
    }
    if (gq.mode != "all") {
      if (!nonempty) empty_queries.push_back(gq.line);
      continue;
    }
    for (const Range& rg : kRanges) {
      int64_t s = kT0Ms + rg.start_s * 1000, e = kT0Ms + rg.end_s * 1000;
      NormResult want =
          askPrometheus("/api/v1/query_range",
                        "query=" + urlEncode(gq.query) + "&start=" + formatSeconds(s) +
                            "&end=" + formatSeconds(e) + "&step=" + std::to_string(rg.step_s));
      NormResult got;
      if (parsed.isOk()) {
        got = fromSextant(pq::evalRange(*queryable, **parsed, s, e, rg.step_s * 1000), true);
      } else {
        got.error = parsed.status().toString();
      }
      ++evaluations;
      if (!want.error.empty() && !got.error.empty()) ++both_errors;
      if (want.error.empty() && !want.series.empty()) nonempty = true;
      std::string diff = compare(want, got, false);
      if (!diff.empty()) {
        report("range T0+" + std::to_string(rg.start_s) + "s..T0+" + std::to_string(rg.end_s) +
                   "s step " + std::to_string(rg.step_s) + "s",
               want, got, diff);
      }
    }
    if (!nonempty) empty_queries.push_back(gq.line);
  }
  prom.stop();
  std::string empty_lines;
  for (int l : empty_queries) empty_lines += " " + std::to_string(l);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "promql golden: %zu queries, %zu series, %d evaluations (%d rejected by both), "
      "%d mismatches, %.1f s; always empty in Prometheus: lines%s\n",
      queries.size(), data.size(), evaluations, both_errors, mismatches, secs, empty_lines.c_str());
}

}  // namespace
}  // namespace sextant

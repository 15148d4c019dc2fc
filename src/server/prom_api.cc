#include "server/prom_api.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "core/version.h"
#include "query/exec/promql_engine.h"
#include "query/exec/series_source.h"
#include "query/promql/parser.h"
#include "query/promql/text.h"
#include "server/workspace/workspace_api.h"

namespace sextant::server {

namespace {

using codec::json::JsonWriter;
namespace promql = query::promql;

constexpr std::int64_t kMinTimeMs = -9'223'372'036'854'775;  // Prometheus' MinTime / 1e6
constexpr std::int64_t kMaxTimeMs = 9'223'372'036'854'775;
constexpr std::int64_t kMaxPoints = 11'000;

// Form semantics ('+' is a space), for the query string and x-www-form-urlencoded bodies.
void parseForm(std::string_view s, net::KeyValues* out) {
  while (!s.empty()) {
    std::size_t amp = s.find('&');
    std::string_view item = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string k(item.substr(0, eq));
    std::string v(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
    std::replace(k.begin(), k.end(), '+', ' ');
    std::replace(v.begin(), v.end(), '+', ' ');
    out->emplace_back(net::percentDecode(k), net::percentDecode(v));
  }
}

net::KeyValues params(const net::HttpRequest& req) {
  net::KeyValues out;
  std::size_t q = req.target.find('?');
  if (q != std::string::npos) parseForm(std::string_view(req.target).substr(q + 1), &out);
  if (req.method == "POST" &&
      req.header("Content-Type").find("application/x-www-form-urlencoded") !=
          std::string_view::npos) {
    parseForm(req.body, &out);
  }
  return out;
}

std::optional<std::string> param(const net::KeyValues& p, std::string_view key) {
  for (const auto& [k, v] : p) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string> params(const net::KeyValues& p, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : p) {
    if (k == key) out.push_back(v);
  }
  return out;
}

net::HttpResponse error(int status, std::string_view type, std::string_view message) {
  std::string body;
  JsonWriter w(&body);
  w.beginObject();
  w.key("status");
  w.string("error");
  w.key("errorType");
  w.string(type);
  w.key("error");
  w.string(message);
  w.endObject();
  return net::HttpResponse::json(status, std::move(body));
}

net::HttpResponse badData(std::string_view message) { return error(400, "bad_data", message); }

// The JSON number of a time in seconds; at most 32 characters at p.
char* timeChars(char* p, std::int64_t ms) {
  double s = static_cast<double>(ms) / 1000.0;
  return std::to_chars(p, p + 32, s, std::chars_format::fixed).ptr;
}

void writeTime(JsonWriter& w, std::int64_t ms) {
  char buf[32];
  w.rawValue(std::string_view(buf, static_cast<std::size_t>(timeChars(buf, ms) - buf)));
}

// [<time>,"<value>"] as formatPromValue writes the value, in one append (a range query's answer
// is mostly these).
void writeSample(JsonWriter& w, std::int64_t ms, double v) {
  char buf[400];
  char* p = buf;
  *p++ = '[';
  p = timeChars(p, ms);
  *p++ = ',';
  *p++ = '"';
  if (std::isnan(v)) {
    p = std::copy_n("NaN", 3, p);
  } else if (std::isinf(v)) {
    p = std::copy_n(v > 0 ? "+Inf" : "-Inf", 4, p);
  } else {
    p = std::to_chars(p, buf + sizeof buf - 2, v, std::chars_format::fixed).ptr;
  }
  *p++ = '"';
  *p++ = ']';
  w.rawValue(std::string_view(buf, static_cast<std::size_t>(p - buf)));
}

void writeLabels(JsonWriter& w, const std::vector<model::Tag>& labels) {
  w.beginObject();
  for (const model::Tag& l : labels) {
    w.key(l.key);
    w.string(l.value);
  }
  w.endObject();
}

std::string success(const std::function<void(JsonWriter&)>& data) {
  std::string body;
  JsonWriter w(&body);
  w.beginObject();
  w.key("status");
  w.string("success");
  w.key("data");
  data(w);
  w.endObject();
  return body;
}

void writeResult(JsonWriter& w, const promql::QueryResult& r) {
  w.beginObject();
  w.key("resultType");
  switch (r.type) {
    case promql::ValueType::kScalar:
      w.string("scalar");
      w.key("result");
      writeSample(w, r.t_ms, r.scalar);
      break;
    case promql::ValueType::kString:
      w.string("string");
      w.key("result");
      w.beginArray();
      writeTime(w, r.t_ms);
      w.string(r.string);
      w.endArray();
      break;
    case promql::ValueType::kVector:
      w.string("vector");
      w.key("result");
      w.beginArray();
      for (const promql::SeriesValues& s : r.series) {
        w.beginObject();
        w.key("metric");
        writeLabels(w, s.labels);
        w.key("value");
        writeSample(w, s.t_ms.empty() ? r.t_ms : s.t_ms[0], s.v.empty() ? 0 : s.v[0]);
        w.endObject();
      }
      w.endArray();
      break;
    default:
      w.string("matrix");
      w.key("result");
      w.beginArray();
      for (const promql::SeriesValues& s : r.series) {
        w.beginObject();
        w.key("metric");
        writeLabels(w, s.labels);
        w.key("values");
        w.beginArray();
        for (std::size_t i = 0; i < s.t_ms.size(); ++i) writeSample(w, s.t_ms[i], s.v[i]);
        w.endArray();
        w.endObject();
      }
      w.endArray();
      break;
  }
  w.endObject();
}

// The label matchers of the match[] selectors; each must be a plain series selector.
Result<std::vector<std::vector<storage::TagMatcher>>> parseMatches(
    const std::vector<std::string>& matches) {
  std::vector<std::vector<storage::TagMatcher>> out;
  for (const std::string& m : matches) {
    Result<promql::ExprPtr> e = promql::parse(m);
    if (!e.isOk()) return invalidArgument("invalid parameter \"match[]\": " + e.status().message());
    const promql::VectorSelector* vs = (*e)->as<promql::VectorSelector>();
    if (vs == nullptr) {
      return invalidArgument("invalid parameter \"match[]\": expected a series selector, got " + m);
    }
    std::vector<storage::TagMatcher> tm;
    for (const promql::LabelMatcher& lm : vs->matchers) {
      storage::TagMatcher t;
      t.key = lm.name;
      t.values = {lm.value};
      switch (lm.op) {
        case promql::MatchOp::kEqual: t.op = storage::TagMatcher::kEq; break;
        case promql::MatchOp::kNotEqual: t.op = storage::TagMatcher::kNe; break;
        case promql::MatchOp::kRegexMatch: t.op = storage::TagMatcher::kRegex; break;
        case promql::MatchOp::kRegexNoMatch: t.op = storage::TagMatcher::kNotRegex; break;
      }
      tm.push_back(std::move(t));
    }
    out.push_back(std::move(tm));
  }
  return out;
}

class PromApi {
 public:
  PromApi(storage::StorageEngine& engine, const workspace::WorkspaceStore& store,
          const QueryLimits& limits)
      : engine_(engine), store_(store), base_(limits.promql()) {}

  using Handler = net::HttpResponse (PromApi::*)(const std::string& ws, const net::KeyValues& p,
                                                 const net::HttpRequest& req);

  net::HttpResponse run(net::HttpRequest& req, Handler h) {
    Result<workspace::Workspace> ws = workspace::authenticate(req, store_);
    if (!ws.isOk()) return workspace::authFailure(ws.status());
    return (this->*h)(ws->id, params(req), req);
  }

  net::HttpResponse query(const std::string& ws, const net::KeyValues& p,
                          const net::HttpRequest& req) {
    std::optional<std::string> q = param(p, "query");
    if (!q) return badData("invalid parameter \"query\": missing");
    std::int64_t t = wallNowNs() / 1'000'000;
    if (auto ts = param(p, "time")) {
      std::optional<std::int64_t> parsed = parsePromTime(*ts);
      if (!parsed)
        return badData("invalid parameter \"time\": cannot parse \"" + *ts +
                       "\" to a valid timestamp");
      t = *parsed;
    }
    Result<promql::ExprPtr> e = promql::parse(*q);
    if (!e.isOk()) return badData("invalid parameter \"query\": " + e.status().message());
    auto queryable = promql::storageQueryable(engine_, ws);
    Result<promql::QueryResult> r = promql::evalInstant(*queryable, **e, t, options(p, req));
    if (!r.isOk()) return execError(r.status());
    return net::HttpResponse::json(200, success([&](JsonWriter& w) { writeResult(w, *r); }));
  }

  net::HttpResponse queryRange(const std::string& ws, const net::KeyValues& p,
                               const net::HttpRequest& req) {
    std::optional<std::string> q = param(p, "query");
    if (!q) return badData("invalid parameter \"query\": missing");
    std::optional<std::int64_t> start, end, step;
    if (auto s = param(p, "start")) start = parsePromTime(*s);
    if (!start) return badData("invalid parameter \"start\": cannot parse to a valid timestamp");
    if (auto s = param(p, "end")) end = parsePromTime(*s);
    if (!end) return badData("invalid parameter \"end\": cannot parse to a valid timestamp");
    if (*end < *start) return badData("end timestamp must not be before start time");
    if (auto s = param(p, "step")) step = parsePromDuration(*s);
    if (!step) return badData("invalid parameter \"step\": cannot parse to a valid duration");
    if (*step <= 0) {
      return badData(
          "zero or negative query resolution step widths are not accepted. Try a positive "
          "integer");
    }
    if ((*end - *start) / *step > kMaxPoints) {
      return badData(
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
          "query resolution (?step=XX)");
    }
    Result<promql::ExprPtr> e = promql::parse(*q);
    if (!e.isOk()) return badData("invalid parameter \"query\": " + e.status().message());
    auto queryable = promql::storageQueryable(engine_, ws);
    Result<promql::QueryResult> r =
        promql::evalRange(*queryable, **e, *start, *end, *step, options(p, req));
    if (!r.isOk()) return execError(r.status());
    return net::HttpResponse::json(200, success([&](JsonWriter& w) { writeResult(w, *r); }));
  }

  net::HttpResponse series(const std::string& ws, const net::KeyValues& p,
                           const net::HttpRequest&) {
    std::vector<std::string> m = params(p, "match[]");
    if (m.empty()) return badData("no match[] parameter provided");
    auto sets = selectLabelSets(ws, p, m);
    if (!sets.isOk())
      return sets.status().code() == StatusCode::kInvalidArgument ? badData(sets.status().message())
                                                                  : execError(sets.status());
    return net::HttpResponse::json(200, success([&](JsonWriter& w) {
                                     w.beginArray();
                                     for (const auto& labels : *sets) writeLabels(w, labels);
                                     w.endArray();
                                   }));
  }

  net::HttpResponse labels(const std::string& ws, const net::KeyValues& p,
                           const net::HttpRequest&) {
    std::set<std::string> names;
    std::vector<std::string> m = params(p, "match[]");
    if (!m.empty()) {
      auto sets = selectLabelSets(ws, p, m);
      if (!sets.isOk()) return badData(sets.status().message());
      for (const auto& labels : *sets) {
        for (const model::Tag& l : labels) names.insert(l.key);
      }
    } else if (storage::SeriesIndex* idx = engine_.seriesIndex(ws)) {
      names.insert("__name__");
      for (std::string& k : idx->tagKeys("")) names.insert(std::move(k));
    }
    return stringList(names);
  }

  net::HttpResponse labelValues(const std::string& ws, const net::KeyValues& p,
                                const net::HttpRequest& req) {
    std::string name(req.pathParam("name"));
    std::set<std::string> values;
    std::vector<std::string> m = params(p, "match[]");
    if (!m.empty()) {
      auto sets = selectLabelSets(ws, p, m);
      if (!sets.isOk()) return badData(sets.status().message());
      for (const auto& labels : *sets) {
        for (const model::Tag& l : labels) {
          if (l.key == name) values.insert(l.value);
        }
      }
    } else if (name == "__name__") {
      auto pairs = query::resolveMetricNames(engine_, ws, {});
      if (!pairs.isOk()) return execError(pairs.status());
      for (auto& [measurement, field] : *pairs) values.insert(measurement + "_" + field);
    } else if (storage::SeriesIndex* idx = engine_.seriesIndex(ws)) {
      for (std::string& v : idx->tagValues("", name)) values.insert(std::move(v));
    }
    return stringList(values);
  }

  net::HttpResponse empty(const std::string&, const net::KeyValues&, const net::HttpRequest& req) {
    bool exemplars = req.path.ends_with("query_exemplars");
    return net::HttpResponse::json(200, success([&](JsonWriter& w) {
                                     if (exemplars) {
                                       w.beginArray();
                                       w.endArray();
                                     } else {
                                       w.beginObject();
                                       w.endObject();
                                     }
                                   }));
  }

 private:
  // The server's limits; a request's `timeout` may only shorten the server's. The query ends
  // early when the client goes away.
  promql::EngineOptions options(const net::KeyValues& p, const net::HttpRequest& req) const {
    promql::EngineOptions o = base_;
    o.cancelled = req.client_gone;
    if (auto t = param(p, "timeout")) {
      if (std::optional<std::int64_t> ms = parsePromDuration(*t); ms && *ms > 0) {
        o.timeout = std::min(o.timeout, std::chrono::milliseconds(*ms));
      }
    }
    return o;
  }

  static net::HttpResponse execError(const Status& st) {
    if (st.code() == StatusCode::kDeadlineExceeded) return error(503, "timeout", st.message());
    // Nobody reads it: the client is gone (nginx's 499 "client closed request", for logs).
    if (st.code() == StatusCode::kCancelled) return error(499, "canceled", st.message());
    if (st.code() == StatusCode::kInvalidArgument) return badData(st.message());
    return error(422, "execution", st.message());
  }

  static net::HttpResponse stringList(const std::set<std::string>& v) {
    return net::HttpResponse::json(200, success([&](JsonWriter& w) {
                                     w.beginArray();
                                     for (const std::string& s : v) w.string(s);
                                     w.endArray();
                                   }));
  }

  Result<std::vector<std::vector<model::Tag>>> selectLabelSets(const std::string& ws,
                                                               const net::KeyValues& p,
                                                               const std::vector<std::string>& m) {
    std::int64_t start = kMinTimeMs, end = kMaxTimeMs;
    if (auto s = param(p, "start")) {
      std::optional<std::int64_t> t = parsePromTime(*s);
      if (!t) return invalidArgument("invalid parameter \"start\": cannot parse \"" + *s + "\"");
      start = *t;
    }
    if (auto s = param(p, "end")) {
      std::optional<std::int64_t> t = parsePromTime(*s);
      if (!t) return invalidArgument("invalid parameter \"end\": cannot parse \"" + *s + "\"");
      end = *t;
    }
    auto matchers = parseMatches(m);
    if (!matchers.isOk()) return matchers.status();
    std::set<std::vector<std::pair<std::string, std::string>>> seen;
    std::vector<std::vector<model::Tag>> out;
    for (const auto& tm : *matchers) {
      auto series = query::fetchPromSeries(engine_, ws, tm, start, end);
      if (!series.isOk()) return series.status();
      for (query::PromSeries& s : *series) {
        if (s.time_ms.empty()) continue;
        std::vector<std::pair<std::string, std::string>> key;
        for (const model::Tag& l : s.labels) key.emplace_back(l.key, l.value);
        if (seen.insert(std::move(key)).second) out.push_back(std::move(s.labels));
      }
    }
    return out;
  }

  storage::StorageEngine& engine_;
  const workspace::WorkspaceStore& store_;
  const promql::EngineOptions base_;
};

}  // namespace

std::optional<std::int64_t> parsePromTime(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double secs = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
    if (!std::isfinite(secs) || std::fabs(secs) > 9.2e15) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(secs * 1000.0));
  }
  // RFC 3339: 2006-01-02T15:04:05[.frac](Z|+hh:mm|-hh:mm)
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || std::sscanf(std::string(s.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d",
                                   &y, &mo, &d, &h, &mi, &sec) != 6) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    std::int64_t scale = 100;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  std::int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = std::atoi(std::string(s.substr(i + 1, 2)).c_str());
    int om = std::atoi(std::string(s.substr(i + 4, 2)).c_str());
    offset_s = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{y},
                                  std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  std::int64_t total_s = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return total_s * 1000 + frac_ms;
}

std::optional<std::int64_t> parsePromDuration(std::string_view s) {
  double secs = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) {
    if (!std::isfinite(secs) || std::fabs(secs) > 9.2e12) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(secs * 1000.0));
  }
  std::string err;
  return promql::parseDuration(s, &err);
}

std::string formatPromValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, static_cast<std::size_t>(r.ptr - buf));
}

void registerPromApi(net::Router& r, storage::StorageEngine& engine,
                     const workspace::WorkspaceStore& store, const QueryLimits& limits) {
  auto api = std::make_shared<PromApi>(engine, store, limits);
  auto add = [&](std::string pattern, PromApi::Handler h) {
    for (const char* method : {"GET", "POST"}) {
      r.add(method, pattern, [api, h](net::HttpRequest& req) { return api->run(req, h); });
    }
  };
  add("/api/v1/query", &PromApi::query);
  add("/api/v1/query_range", &PromApi::queryRange);
  add("/api/v1/series", &PromApi::series);
  add("/api/v1/labels", &PromApi::labels);
  add("/api/v1/label/:name/values", &PromApi::labelValues);
  add("/api/v1/metadata", &PromApi::empty);
  add("/api/v1/query_exemplars", &PromApi::empty);
  r.add("GET", "/api/v1/status/buildinfo", [](net::HttpRequest&) {
    return net::HttpResponse::json(
        200, success([](JsonWriter& w) {
          w.beginObject();
          w.key("version");
          w.string("2.45.0");  // the Prometheus API level we follow (Grafana reads it)
          w.key("revision");
          w.string(kGitCommit);
          w.key("branch");
          w.string("sextant");
          w.key("buildUser");
          w.string("sextant");
          w.key("buildDate");
          w.string("");
          w.key("goVersion");
          w.string(std::string("sextant ") + kVersion);
          w.endObject();
        }));
  });
}

}  // namespace sextant::server

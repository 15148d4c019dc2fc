#include "query/dql_exec/query_raw.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "query/dql/dql.h"
#include "query/dql_exec/evaluator.h"
#include "query/exec/promql_engine.h"
#include "query/promql/parser.h"

namespace sextant::query::dql_exec {

namespace {

using codec::json::JsonWriter;
using simdjson::dom::element;

QueryRawResponse errorResponse(int status, std::string_view code, std::string_view message) {
  QueryRawResponse r;
  r.status = status;
  JsonWriter w(&r.body);
  w.beginObject();
  w.key("error_code");
  w.string(code);
  w.key("message");
  w.string(message);
  w.endObject();
  return r;
}

struct Failure {
  int status = 400;
  std::string code;
  std::string message;
};

// Numbers are clamped to +-9e15 (epoch ms up to year 287 000): differences of two fit an int64.
constexpr std::int64_t kMaxNumber = 9'000'000'000'000'000;

std::optional<std::int64_t> jsonInt(element e) {
  std::int64_t i = 0;
  if (!e.get(i)) return std::clamp(i, -kMaxNumber, kMaxNumber);
  std::uint64_t u = 0;
  if (!e.get(u)) return kMaxNumber;  // only integers above INT64_MAX get here
  double d = 0;
  if (!e.get(d) && std::isfinite(d)) return static_cast<std::int64_t>(std::clamp(d, -9e15, 9e15));
  return std::nullopt;
}

Value jsonValue(element e) {
  if (auto i = jsonInt(e); i && (e.is_int64() || e.is_uint64())) return *i;
  double d = 0;
  if (!e.get(d)) return d;
  bool b = false;
  if (!e.get(b)) return b;
  std::string_view s;
  if (!e.get(s)) return std::string(s);
  return std::monostate{};
}

void writeValue(JsonWriter& w, const Value& v) {
  switch (v.index()) {
    case 1: w.integer(std::get<std::int64_t>(v)); break;
    case 2: w.number(std::get<double>(v)); break;
    case 3: w.boolean(std::get<bool>(v)); break;
    case 4: w.string(std::get<std::string>(v)); break;
    default: w.null(); break;
  }
}

void writeSeries(JsonWriter& w, const Series& s) {
  w.beginObject();
  w.key("name");
  w.string(s.name);
  w.key("tags");
  w.beginObject();
  for (const model::Tag& t : s.tags) {
    w.key(t.key);
    w.string(t.value);
  }
  w.endObject();
  w.key("columns");
  w.beginArray();
  for (const std::string& c : s.columns) w.string(c);
  w.endArray();
  w.key("values");
  w.beginArray();
  for (const auto& row : s.values) {
    w.beginArray();
    for (const Value& v : row) writeValue(w, v);
    w.endArray();
  }
  w.endArray();
  w.endObject();
}

std::string formatCost(std::chrono::steady_clock::duration d) {
  double ms = std::chrono::duration<double, std::milli>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fms", ms);
  return buf;
}

// One query entry, parsed.
struct Entry {
  std::string qtype = "dql";
  std::string q;
  EvalOptions opt;
  std::optional<std::int64_t> interval_s;
};

std::optional<Failure> parseEntry(element e, const QueryRawOptions& ro, std::int64_t now_ms,
                                  Entry* out) {
  auto bad = [](std::string m) { return Failure{400, "dql.BadRequest", std::move(m)}; };
  simdjson::dom::object entry;
  if (e.get(entry)) return bad("each entry of queries must be an object");
  std::string_view qtype;
  if (!entry["qtype"].get(qtype)) out->qtype = std::string(qtype);
  element qe;
  if (entry["query"].get(qe)) return bad("a query entry needs \"query\"");
  simdjson::dom::object fields = entry;  // the flat form: options beside "query"
  std::string_view text;
  if (!qe.get(text)) {
    out->q = std::string(text);
  } else if (!qe.get(fields)) {
    if (fields["q"].get(text) && fields["query"].get(text)) {
      return bad("\"query\" needs \"q\", the query text");
    }
    out->q = std::string(text);
  } else {
    return bad("\"query\" must be a string or an object");
  }
  EvalOptions& o = out->opt;
  o.now_ms = now_ms;
  o.max_rows = ro.dql.max_rows;
  o.max_series = ro.dql.max_series;
  o.max_buckets = ro.dql.max_buckets;
  o.timeout = ro.dql.timeout;
  o.cancelled = ro.dql.cancelled;
  element v;
  if (!fields["time_range"].get(v)) {
    simdjson::dom::array a;
    if (v.get(a) || a.size() == 0 || a.size() > 2) {
      return bad("time_range must be [start_ms, end_ms]");
    }
    std::optional<std::int64_t> s = jsonInt(a.at(0).value_unsafe());
    if (!s) return bad("time_range must hold numbers (epoch ms)");
    o.start_ms = *s;
    if (a.size() == 2) {
      std::optional<std::int64_t> en = jsonInt(a.at(1).value_unsafe());
      if (!en) return bad("time_range must hold numbers (epoch ms)");
      o.end_ms = *en;
    }
  }
  auto intField = [&](const char* name, std::optional<std::int64_t>* dst) -> bool {
    element x;
    if (fields[name].get(x)) return true;
    if (x.is_null()) return true;
    std::optional<std::int64_t> i = jsonInt(x);
    if (!i) return false;
    *dst = *i;
    return true;
  };
  for (auto [name, dst] : {std::pair{"limit", &o.limit}, std::pair{"offset", &o.offset},
                           std::pair{"slimit", &o.slimit}, std::pair{"soffset", &o.soffset},
                           std::pair{"interval", &out->interval_s}}) {
    if (!intField(name, dst)) return bad(std::string(name) + " must be a number");
  }
  if (out->interval_s) {
    if (*out->interval_s < 0 || *out->interval_s > std::int64_t{1} << 40) {
      return bad("interval must be a number of seconds >= 0");
    }
    if (*out->interval_s > 0) o.interval_ms = *out->interval_s * 1000;
  }
  bool disable_slimit = false;
  if (!fields["disable_slimit"].get(disable_slimit) && disable_slimit) o.slimit.reset();
  if (!fields["search_after"].get(v) && !v.is_null()) {
    simdjson::dom::array a;
    if (v.get(a)) return bad("search_after must be an array");
    for (element x : a) o.search_after.push_back(jsonValue(x));
  }
  if (!fields["variables"].get(v) && !v.is_null()) {
    simdjson::dom::object vars;
    if (v.get(vars)) return bad("variables must be an object");
    for (auto field : vars) {
      std::vector<std::string>& vals = o.variables[std::string(field.key)];
      std::string_view s;
      simdjson::dom::array a;
      if (!field.value.get(s)) {
        vals.emplace_back(s);
      } else if (!field.value.get(a)) {
        for (element x : a) {
          if (x.get(s)) return bad("variable values must be strings");
          vals.emplace_back(s);
        }
      } else {
        return bad("variable values must be strings");
      }
    }
  }
  return std::nullopt;
}

Failure evalFailure(const Status& st, std::string_view prefix) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnimplemented:
    case StatusCode::kNotFound:
      return Failure{400, std::string(prefix) + ".QueryError", st.message()};
    case StatusCode::kOutOfRange:  // a per-query limit (rows, series, buckets, samples)
      return Failure{422, std::string(prefix) + ".QueryLimitExceeded", st.message()};
    case StatusCode::kDeadlineExceeded:
      return Failure{503, std::string(prefix) + ".QueryTimeout", st.message()};
    case StatusCode::kCancelled:  // the client is gone; nginx's "client closed request"
      return Failure{499, std::string(prefix) + ".QueryCancelled", st.message()};
    default: return Failure{500, "dql.InternalError", st.message()};
  }
}

// Runs one entry; writes its content object.
std::optional<Failure> runEntry(const Entry& e, std::string_view ws, storage::StorageEngine& engine,
                                const promql::EngineOptions& popt, bool echo, JsonWriter& w) {
  auto started = std::chrono::steady_clock::now();
  std::vector<Series> series;
  std::int64_t total_hits = 0;
  std::vector<Value> search_after;
  if (e.qtype == "dql") {
    Result<dql::Query> q = dql::parse(e.q);
    if (!q.isOk()) return Failure{400, "dql.ParseError", q.status().message()};
    Result<QueryOutput> out = evaluate(engine, ws, *q, e.opt);
    if (!out.isOk()) return evalFailure(out.status(), "dql");
    series = std::move(out->series);
    total_hits = out->total_hits;
    search_after = std::move(out->search_after);
  } else if (e.qtype == "promql") {
    Result<promql::ExprPtr> expr = promql::parse(e.q);
    if (!expr.isOk()) return Failure{400, "promql.ParseError", expr.status().message()};
    std::int64_t end = e.opt.end_ms.value_or(e.opt.now_ms);
    std::int64_t start = e.opt.start_ms.value_or(end - e.opt.default_range_ms);
    if (start > end)
      return Failure{400, "promql.QueryError", "the time range starts after it ends"};
    std::int64_t step = e.interval_s && *e.interval_s > 0 ? *e.interval_s * 1000 : 0;
    if (step == 0) step = std::max<std::int64_t>(1, ((end - start) / 360 + 999) / 1000) * 1000;
    auto qb = promql::storageQueryable(engine, std::string(ws));
    Result<promql::QueryResult> r = promql::evalRange(*qb, **expr, start, end, step, popt);
    if (!r.isOk()) return evalFailure(r.status(), "promql");
    for (const promql::SeriesValues& sv : r->series) {
      Series s;
      std::string name = "value";
      for (const model::Tag& l : sv.labels) {
        if (l.key == "__name__") {
          name = l.value;
        } else {
          s.tags.push_back(l);
        }
      }
      s.name = name;
      s.columns = {"time", name};
      for (std::size_t i = 0; i < sv.t_ms.size() && i < sv.v.size(); ++i) {
        s.values.push_back({Value(sv.t_ms[i]), Value(sv.v[i])});
      }
      total_hits += static_cast<std::int64_t>(s.values.size());
      series.push_back(std::move(s));
    }
  } else {
    return Failure{400, "dql.BadRequest", "unknown qtype \"" + e.qtype + "\" (dql or promql)"};
  }
  w.beginObject();
  w.key("series");
  w.beginArray();
  for (const Series& s : series) writeSeries(w, s);
  w.endArray();
  w.key("cost");
  w.string(formatCost(std::chrono::steady_clock::now() - started));
  w.key("total_hits");
  w.integer(total_hits);
  w.key("query_type");
  w.string("guancedb");
  if (!search_after.empty()) {
    w.key("search_after");
    w.beginArray();
    for (const Value& v : search_after) writeValue(w, v);
    w.endArray();
  }
  if (echo) {
    w.key("raw_query");
    w.string(e.q);
  }
  w.endObject();
  return std::nullopt;
}

}  // namespace

QueryRawResponse handleQueryRaw(std::string_view body, std::string_view workspace_id,
                                storage::StorageEngine& engine, const QueryRawOptions& options) {
  std::int64_t now_ms = options.now_ms != 0 ? options.now_ms : wallNowNs() / 1'000'000;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    return errorResponse(
        400, "dql.BadRequest",
        std::string("the body is not valid JSON (") + simdjson::error_message(err) + ")");
  }
  simdjson::dom::object root;
  if (doc.get(root)) return errorResponse(400, "dql.BadRequest", "the body must be a JSON object");
  simdjson::dom::array queries;
  if (root["queries"].get(queries)) {
    return errorResponse(400, "dql.BadRequest", "the body needs \"queries\", an array");
  }
  bool echo = false;
  if (root["echo_explain"].get(echo)) echo = false;
  std::vector<Entry> entries;
  for (element e : queries) {
    Entry en;
    if (std::optional<Failure> f = parseEntry(e, options, now_ms, &en)) {
      return errorResponse(f->status, f->code, f->message);
    }
    entries.push_back(std::move(en));
  }
  QueryRawResponse r;
  JsonWriter w(&r.body);
  w.beginObject();
  w.key("content");
  w.beginArray();
  for (const Entry& en : entries) {
    if (std::optional<Failure> f = runEntry(en, workspace_id, engine, options.promql, echo, w)) {
      return errorResponse(f->status, f->code, f->message);
    }
  }
  w.endArray();
  w.endObject();
  return r;
}

}  // namespace sextant::query::dql_exec

#include "server/log_api/log_api.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/point_json/base64.h"
#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "server/api_common/api_common.h"
#include "server/log_api/log_query.h"
#include "server/log_api/log_search.h"
#include "server/trace_api/trace_model.h"

namespace sextant::server {

namespace {

using api::badRequest;
using api::jsonError;
using api::Params;
using codec::json::JsonWriter;
using log_api::LogCursor;
using log_api::LogFilter;
using log_api::LogRow;
using log_api::LogSearcher;
using log_api::SearchLimits;
using log_api::SearchStats;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kDefaultRangeMs = 15 * 60 * 1000;
constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 1000;
constexpr std::int64_t kDefaultTop = 10;
constexpr std::int64_t kMaxTop = 100;
constexpr std::size_t kMaxFacets = 20;
constexpr std::size_t kMaxFacetValues = 100'000;  // distinct values counted per facet
constexpr std::int64_t kMaxBuckets = 2000;
constexpr std::size_t kTailMaxRowsPerPoll = 1000;

net::HttpResponse statusError(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument: return badRequest(st.message());
    case StatusCode::kOutOfRange: return jsonError(422, "sextant.queryTooLarge", st.message());
    case StatusCode::kDeadlineExceeded: return jsonError(503, "sextant.queryTimeout", st.message());
    default: return jsonError(500, "sextant.internal", st.toString());
  }
}

// A POST with a form body reads its parameters from the body and the URL.
net::HttpRequest withFormBody(const net::HttpRequest& req) {
  net::HttpRequest r = req;
  if (req.method != "POST" || req.body.empty()) return r;
  std::size_t q = req.target.find('?');
  std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
  r.target = req.path + "?" + req.body + (query.empty() ? "" : "&" + query);
  return r;
}

void writeValue(JsonWriter& w, const model::FieldValue& v) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          w.integer(x);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          w.unsignedInteger(x);
        } else if constexpr (std::is_same_v<T, double>) {
          w.number(x);
        } else if constexpr (std::is_same_v<T, bool>) {
          w.boolean(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          w.string(x);
        } else if constexpr (std::is_same_v<T, model::Bytes>) {
          std::string b64;
          codec::json::base64Encode(x.data, &b64);
          w.string(b64);
        } else {
          w.beginArray();
          std::visit(
              [&w](const auto& vec) {
                for (const auto& e : vec) {
                  using E = std::decay_t<decltype(e)>;
                  if constexpr (std::is_same_v<E, std::int64_t>) {
                    w.integer(e);
                  } else if constexpr (std::is_same_v<E, std::uint64_t>) {
                    w.unsignedInteger(e);
                  } else if constexpr (std::is_same_v<E, double>) {
                    w.number(e);
                  } else if constexpr (std::is_same_v<E, bool>) {
                    w.boolean(e);
                  } else if constexpr (std::is_same_v<E, std::string>) {
                    w.string(e);
                  } else {
                    std::string b64;
                    codec::json::base64Encode(e.data, &b64);
                    w.string(b64);
                  }
                }
              },
              x.items);
          w.endArray();
        }
      },
      v);
}

void writeRow(JsonWriter& w, const LogRow& r) {
  w.beginObject();
  w.key("time");
  w.integer(r.time_ns >= 0 ? r.time_ns / kNsPerMs : -((-(r.time_ns + 1)) / kNsPerMs) - 1);
  w.key("time_ns");
  w.integer(r.time_ns);
  w.key("source");
  w.string(r.source);
  w.key("tags");
  w.beginObject();
  for (const model::Tag& t : r.tags) {
    w.key(t.key);
    w.string(t.value);
  }
  w.endObject();
  w.key("fields");
  w.beginObject();
  for (const model::Field& f : r.fields) {
    w.key(f.key);
    writeValue(w, f.value);
  }
  w.endObject();
  w.endObject();
}

void writeStats(JsonWriter& w, const SearchStats& s, std::chrono::steady_clock::time_point t0) {
  w.key("stats");
  w.beginObject();
  w.key("rows_scanned");
  w.unsignedInteger(s.rows_scanned);
  w.key("rows_matched");
  w.unsignedInteger(s.rows_matched);
  w.key("scans");
  w.unsignedInteger(s.scans);
  w.key("parts");
  w.unsignedInteger(s.scan.parts);
  w.key("granules_total");
  w.unsignedInteger(s.scan.granules_total);
  w.key("granules_read");
  w.unsignedInteger(s.scan.granules_read);
  w.key("bytes_read");
  w.unsignedInteger(s.scan.bytes_read);
  w.key("head_rows");
  w.unsignedInteger(s.scan.head_rows);
  w.key("elapsed_ms");
  w.number(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  w.endObject();
}

// "90s", "1m", "500ms", "2h", "1d" or plain milliseconds; nullopt when malformed or not > 0.
std::optional<std::int64_t> parseIntervalMs(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::optional<std::int64_t> n = trace_api::parseNonNegative(s.substr(0, digits));
  if (!n || *n <= 0) return std::nullopt;
  std::string_view unit = s.substr(digits);
  std::int64_t mul = 0;
  if (unit.empty() || unit == "ms") {
    mul = 1;
  } else if (unit == "s") {
    mul = 1000;
  } else if (unit == "m") {
    mul = 60'000;
  } else if (unit == "h") {
    mul = 3'600'000;
  } else if (unit == "d") {
    mul = 86'400'000;
  } else {
    return std::nullopt;
  }
  return *n * mul;  // at most 12 digits * 86.4e6: fits
}

// The smallest "nice" interval giving at most ~60 buckets over span_ms.
std::int64_t autoIntervalMs(std::int64_t span_ms) {
  static constexpr std::int64_t kNice[] = {
      1'000,      2'000,      5'000,      10'000,     15'000,      30'000,       60'000,
      120'000,    300'000,    600'000,    900'000,    1'800'000,   3'600'000,    7'200'000,
      10'800'000, 21'600'000, 43'200'000, 86'400'000, 604'800'000, 2'592'000'000};
  std::int64_t want = span_ms / 60;
  for (std::int64_t n : kNice) {
    if (n >= want) return n;
  }
  std::int64_t day = 86'400'000;
  return (want + day - 1) / day * day;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The value of a facet / split key in a row: the source, or the text of the first present
// column of that name (tags before fields). nullopt when missing.
std::optional<std::string> keyValue(const storage::ColumnBatch& b, std::size_t row,
                                    std::string_view key) {
  if (key == "source") return b.measurement;
  const storage::Column* field = nullptr;
  for (const storage::Column& c : b.columns) {
    if (c.name != key || !c.isPresent(row)) continue;
    if (c.kind == storage::ColumnKind::kTag) return log_api::valueText(c, row);
    if (field == nullptr) field = &c;
  }
  if (field != nullptr) return log_api::valueText(*field, row);
  return std::nullopt;
}

// What every route parses: the workspace and the filter.
struct Request {
  std::string ws;
  Params params;
  LogFilter filter;
  std::int64_t start_ms = 0, end_ms = 0;
};

class LogApi : public std::enable_shared_from_this<LogApi> {
 public:
  LogApi(storage::StorageEngine& engine, const workspace::WorkspaceStore& store,
         LogApiOptions options)
      : engine_(engine), store_(store), options_(std::move(options)) {}

  std::int64_t nowNs() const { return options_.now_ns ? options_.now_ns() : wallNowNs(); }

  SearchLimits limits() const {
    SearchLimits l;
    l.max_rows_scanned = options_.max_rows_scanned;
    l.deadline = std::chrono::steady_clock::now() + options_.timeout;
    return l;
  }

  // Token, range and filters. nullopt with *err set on failure.
  std::optional<Request> prepare(const net::HttpRequest& raw, bool with_range,
                                 net::HttpResponse* err) const {
    std::optional<workspace::Workspace> ws = api::tokenWorkspace(raw, store_, err);
    if (!ws) return std::nullopt;
    net::HttpRequest req = withFormBody(raw);
    Request r{ws->id, Params(req), {}, 0, 0};
    const Params& p = r.params;
    if (with_range) {
      std::optional<api::TimeRange> range =
          api::parseRange(p, nowNs() / kNsPerMs, kDefaultRangeMs, 0, err);
      if (!range) return std::nullopt;
      r.start_ms = range->start_ms;
      r.end_ms = range->end_ms;
      r.filter.min_time_ns = range->minNs();
      r.filter.max_time_ns = range->maxNs();
    }
    for (const std::string& s : p.all("source")) {
      for (std::string& one : trace_api::splitList(s)) r.filter.sources.push_back(std::move(one));
    }
    for (const std::string& f : p.all("filter")) {
      Result<model::Tag> kv = trace_api::parseTagFilter(f);
      if (!kv.isOk()) {
        *err = badRequest("invalid parameter \"filter\": \"" + f + "\" (use filter=key:value)");
        return std::nullopt;
      }
      r.filter.filters.emplace_back(kv->key, kv->value);
    }
    std::string q = p.get("q").value_or("");
    std::size_t pos = 0;
    Result<log_api::QueryNode> parsed = log_api::parseLogQuery(q, &pos);
    if (!parsed.isOk()) {
      std::string body;
      JsonWriter w(&body);
      w.beginObject();
      w.key("error_code");
      w.string("sextant.badQuery");
      w.key("message");
      w.string("invalid parameter \"q\": " + parsed.status().message());
      w.key("position");
      w.integer(static_cast<std::int64_t>(pos));
      w.endObject();
      *err = net::HttpResponse::json(400, std::move(body));
      return std::nullopt;
    }
    r.filter.query = std::move(parsed).value();
    return r;
  }

  // GET|POST /v1/logs/search.
  net::HttpResponse search(const net::HttpRequest& req) {
    const auto t0 = std::chrono::steady_clock::now();
    net::HttpResponse err;
    std::optional<Request> r = prepare(req, true, &err);
    if (!r) return err;
    const Params& p = r->params;
    std::int64_t limit = kDefaultLimit;
    if (auto s = p.get("limit")) {
      std::optional<std::int64_t> n = trace_api::parseNonNegative(*s);
      if (!n || *n < 1 || *n > kMaxLimit) {
        return badRequest("invalid parameter \"limit\": \"" + *s + "\" (1.." +
                          std::to_string(kMaxLimit) + ")");
      }
      limit = *n;
    }
    bool ascending = false;
    if (auto s = p.get("sort")) {
      if (*s == "asc") {
        ascending = true;
      } else if (*s != "desc" && !s->empty()) {
        return badRequest("invalid parameter \"sort\": \"" + *s + "\" (asc or desc)");
      }
    }
    std::optional<LogCursor> after;
    if (auto s = p.get("search_after"); s && !s->empty()) {
      Result<LogCursor> c = log_api::parseCursor(*s);
      if (!c.isOk()) return badRequest("invalid parameter \"search_after\": \"" + *s + "\"");
      after = *c;
    }
    Result<LogSearcher> searcher = LogSearcher::make(r->filter);
    if (!searcher.isOk()) return statusError(searcher.status());
    std::vector<LogRow> rows;
    std::optional<LogCursor> next;
    SearchStats stats;
    Status st = searcher->search(engine_, r->ws, ascending, static_cast<std::size_t>(limit), after,
                                 limits(), &rows, &next, &stats);
    if (!st.isOk()) return statusError(st);
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("rows");
    w.beginArray();
    for (const LogRow& row : rows) writeRow(w, row);
    w.endArray();
    w.key("next");
    if (next) {
      w.string(log_api::encodeCursor(*next));
    } else {
      w.null();
    }
    writeStats(w, stats, t0);
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/logs/facets.
  net::HttpResponse facets(const net::HttpRequest& req) {
    const auto t0 = std::chrono::steady_clock::now();
    net::HttpResponse err;
    std::optional<Request> r = prepare(req, true, &err);
    if (!r) return err;
    const Params& p = r->params;
    std::vector<std::string> keys;
    for (const std::string& f : p.all("facet")) {
      for (std::string& k : trace_api::splitList(f)) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
      }
    }
    if (keys.empty()) return badRequest("missing parameter \"facet\" (e.g. facet=service)");
    if (keys.size() > kMaxFacets) {
      return badRequest("too many facets (at most " + std::to_string(kMaxFacets) + ")");
    }
    std::int64_t top = kDefaultTop;
    if (auto s = p.get("top")) {
      std::optional<std::int64_t> n = trace_api::parseNonNegative(*s);
      if (!n || *n < 1 || *n > kMaxTop) {
        return badRequest("invalid parameter \"top\": \"" + *s + "\" (1.." +
                          std::to_string(kMaxTop) + ")");
      }
      top = *n;
    }
    Result<LogSearcher> searcher = LogSearcher::make(r->filter);
    if (!searcher.isOk()) return statusError(searcher.status());
    struct Facet {
      std::unordered_map<std::string, std::uint64_t> counts;
      std::uint64_t missing = 0;
      bool truncated = false;
    };
    std::vector<Facet> counts(keys.size());
    std::uint64_t total = 0;
    SearchStats stats;
    Status st = searcher->forEach(
        engine_, r->ws, INT64_MIN, INT64_MAX, limits(),
        [&](const storage::ColumnBatch& b, std::size_t row) {
          ++total;
          for (std::size_t i = 0; i < keys.size(); ++i) {
            std::optional<std::string> v = keyValue(b, row, keys[i]);
            Facet& f = counts[i];
            if (!v) {
              ++f.missing;
              continue;
            }
            auto it = f.counts.find(*v);
            if (it != f.counts.end()) {
              ++it->second;
            } else if (f.counts.size() < kMaxFacetValues) {
              f.counts.emplace(std::move(*v), 1);
            } else {
              f.truncated = true;
            }
          }
          return Status::ok();
        },
        &stats);
    if (!st.isOk()) return statusError(st);
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("total");
    w.unsignedInteger(total);
    w.key("facets");
    w.beginObject();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const Facet& f = counts[i];
      std::vector<std::pair<const std::string*, std::uint64_t>> order;
      order.reserve(f.counts.size());
      for (const auto& [v, n] : f.counts) order.emplace_back(&v, n);
      std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        if (a.second != b.second) return a.second > b.second;
        return *a.first < *b.first;
      });
      if (order.size() > static_cast<std::size_t>(top)) order.resize(static_cast<std::size_t>(top));
      w.key(keys[i]);
      w.beginObject();
      w.key("values");
      w.beginArray();
      for (const auto& [v, n] : order) {
        w.beginObject();
        w.key("value");
        w.string(*v);
        w.key("count");
        w.unsignedInteger(n);
        w.endObject();
      }
      w.endArray();
      w.key("distinct");
      w.unsignedInteger(f.counts.size());
      w.key("missing");
      w.unsignedInteger(f.missing);
      w.key("truncated");
      w.boolean(f.truncated);
      w.endObject();
    }
    w.endObject();
    writeStats(w, stats, t0);
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/logs/histogram.
  net::HttpResponse histogram(const net::HttpRequest& req) {
    const auto t0 = std::chrono::steady_clock::now();
    net::HttpResponse err;
    std::optional<Request> r = prepare(req, true, &err);
    if (!r) return err;
    const Params& p = r->params;
    const std::int64_t span_ms = r->end_ms - r->start_ms;
    std::int64_t interval = autoIntervalMs(span_ms);
    if (auto s = p.get("interval"); s && !s->empty() && *s != "auto") {
      std::optional<std::int64_t> iv = parseIntervalMs(*s);
      if (!iv) {
        return badRequest("invalid parameter \"interval\": \"" + *s +
                          "\" (e.g. 30s, 1m, 1h, 1d or milliseconds)");
      }
      interval = *iv;
    }
    const std::int64_t first = floorDiv(r->start_ms, interval);
    const std::int64_t last = floorDiv(r->end_ms, interval);
    if (last - first + 1 > kMaxBuckets) {
      return badRequest("interval " + std::to_string(interval) + "ms gives more than " +
                        std::to_string(kMaxBuckets) + " buckets; use a wider one");
    }
    std::string split = p.get("split").value_or("");
    Result<LogSearcher> searcher = LogSearcher::make(r->filter);
    if (!searcher.isOk()) return statusError(searcher.status());
    const std::size_t n = static_cast<std::size_t>(last - first + 1);
    std::vector<std::uint64_t> counts(n, 0);
    std::vector<std::map<std::string, std::uint64_t>> by(split.empty() ? 0 : n);
    std::uint64_t total = 0;
    SearchStats stats;
    Status st = searcher->forEach(
        engine_, r->ws, INT64_MIN, INT64_MAX, limits(),
        [&](const storage::ColumnBatch& b, std::size_t row) {
          const std::int64_t ms = floorDiv(b.time_ns[row], kNsPerMs);
          const std::int64_t k = floorDiv(ms, interval) - first;
          if (k < 0 || k >= static_cast<std::int64_t>(n)) return Status::ok();
          ++counts[static_cast<std::size_t>(k)];
          ++total;
          if (!split.empty()) {
            std::optional<std::string> v = keyValue(b, row, split);
            auto& m = by[static_cast<std::size_t>(k)];
            // Bounded: past 100 distinct values per bucket the rest count as "other".
            std::string key = v ? std::move(*v) : "";
            if (m.size() >= 100 && m.find(key) == m.end()) key = "other";
            ++m[key];
          }
          return Status::ok();
        },
        &stats);
    if (!st.isOk()) return statusError(st);
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("interval_ms");
    w.integer(interval);
    w.key("total");
    w.unsignedInteger(total);
    w.key("buckets");
    w.beginArray();
    for (std::size_t i = 0; i < n; ++i) {
      w.beginObject();
      w.key("time");
      w.integer((first + static_cast<std::int64_t>(i)) * interval);
      w.key("count");
      w.unsignedInteger(counts[i]);
      if (!split.empty()) {
        w.key("split");
        w.beginObject();
        for (const auto& [v, c] : by[i]) {
          w.key(v);
          w.unsignedInteger(c);
        }
        w.endObject();
      }
      w.endObject();
    }
    w.endArray();
    writeStats(w, stats, t0);
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/logs/tail: server-sent events.
  net::HttpResponse tail(const net::HttpRequest& req) {
    net::HttpResponse err;
    std::optional<Request> r = prepare(req, false, &err);
    if (!r) return err;
    const Params& p = r->params;
    // Where to start: after the Last-Event-ID cursor, else at since= (default now).
    std::optional<LogCursor> resume;
    std::string last_id(req.header("Last-Event-ID"));
    if (last_id.empty()) last_id = p.get("last_event_id").value_or("");
    if (!last_id.empty()) {
      Result<LogCursor> c = log_api::parseCursor(last_id);
      if (!c.isOk()) return badRequest("invalid Last-Event-ID: \"" + last_id + "\"");
      resume = *c;
    }
    std::int64_t since_ns = nowNs();
    if (std::optional<std::int64_t> s = api::parseTimeParam(p, "since", &err)) {
      since_ns = *s * kNsPerMs;
    } else if (p.get("since")) {
      return err;
    }
    Result<LogSearcher> made = LogSearcher::make(r->filter);
    if (!made.isOk()) return statusError(made.status());
    auto searcher = std::make_shared<LogSearcher>(std::move(made).value());
    net::HttpResponse resp;
    resp.status = 200;
    resp.content_type = "text/event-stream";
    resp.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
    std::string ws = r->ws;
    resp.stream = [self = shared_from_this(), searcher, ws, resume,
                   since_ns](const net::HttpResponse::StreamWrite& write) {
      return self->runTail(*searcher, ws, resume, since_ns, write);
    };
    return resp;
  }

 private:
  // The loop of one tail stream. Rows are sent oldest first; a row is sent once: `sent` holds
  // the (time, hash) of the rows sent within the lookback window (with repeats for identical
  // rows); rows older than the window's start are not looked at again.
  bool runTail(const LogSearcher& searcher, const std::string& ws,
               const std::optional<LogCursor>& resume, std::int64_t since_ns,
               const net::HttpResponse::StreamWrite& write) const {
    using Key = std::pair<std::int64_t, std::uint64_t>;
    std::map<Key, std::uint32_t> sent;
    std::int64_t floor_ns = since_ns;  // rows before it are never sent
    std::int64_t newest = since_ns;
    if (resume) {
      floor_ns = resume->time_ns;
      newest = resume->time_ns;
      sent[{resume->time_ns, resume->hash}] = resume->dups;
    }
    const std::int64_t lookback_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.tail_lookback).count();
    if (!write("retry: 1000\n: sextant log tail\n\n")) return false;
    auto last_write = std::chrono::steady_clock::now();
    for (;;) {
      const std::int64_t lo = std::max(floor_ns, newest - lookback_ns);
      struct Pending {
        std::int64_t time_ns;
        std::uint64_t hash;
        LogRow row;
      };
      std::vector<Pending> rows;
      std::map<Key, std::uint32_t> seen_now;
      SearchStats stats;
      Status st = searcher.forEach(
          engine_, ws, lo, nowNs(), limits(),
          [&](const storage::ColumnBatch& b, std::size_t row) {
            const std::uint64_t h = log_api::rowHash(b, row);
            const Key k{b.time_ns[row], h};
            if (resume && k < Key{resume->time_ns, resume->hash}) return Status::ok();
            std::uint32_t nth = ++seen_now[k];
            auto it = sent.find(k);
            if (it != sent.end() && nth <= it->second) return Status::ok();
            rows.push_back({k.first, h, LogSearcher::toRow(b, row, h)});
            return Status::ok();
          },
          &stats);
      if (!st.isOk()) {
        std::string msg = "event: error\ndata: ";
        codec::json::appendJsonString(st.message(), &msg);
        msg += "\n\n";
        write(msg);
        return false;
      }
      std::sort(rows.begin(), rows.end(), [](const Pending& a, const Pending& b) {
        return a.time_ns != b.time_ns ? a.time_ns < b.time_ns : a.hash < b.hash;
      });
      if (rows.size() > kTailMaxRowsPerPoll) rows.resize(kTailMaxRowsPerPoll);
      std::string out;
      for (const Pending& pr : rows) {
        std::uint32_t& n = sent[{pr.time_ns, pr.hash}];
        ++n;
        out += "id: " + log_api::encodeCursor({pr.time_ns, pr.hash, n}) + "\ndata: ";
        JsonWriter w(&out);
        writeRow(w, pr.row);
        out += "\n\n";
        newest = std::max(newest, pr.time_ns);
      }
      // Forget what is now older than the window.
      const std::int64_t keep_from = std::max(floor_ns, newest - lookback_ns);
      sent.erase(sent.begin(), sent.lower_bound(Key{keep_from, 0}));
      floor_ns = keep_from;
      const auto now = std::chrono::steady_clock::now();
      if (!out.empty()) {
        if (!write(out)) return false;
        last_write = now;
      } else if (now - last_write >= options_.tail_heartbeat) {
        if (!write(": heartbeat\n\n")) return false;
        last_write = now;
      } else if (!write("")) {
        return false;
      }
      // Sleep in short steps so that a departed client is noticed quickly.
      const auto wake = std::chrono::steady_clock::now() + options_.tail_poll;
      while (std::chrono::steady_clock::now() < wake) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(100), wake - std::chrono::steady_clock::now()));
        if (!write("")) return false;
      }
    }
  }

  storage::StorageEngine& engine_;
  const workspace::WorkspaceStore& store_;
  LogApiOptions options_;
};

}  // namespace

void registerLogApi(net::Router& r, storage::StorageEngine& engine,
                    const workspace::WorkspaceStore& store, LogApiOptions options) {
  auto api = std::make_shared<LogApi>(engine, store, std::move(options));
  r.add("GET", "/v1/logs/search", [api](net::HttpRequest& req) { return api->search(req); });
  r.add("POST", "/v1/logs/search", [api](net::HttpRequest& req) { return api->search(req); });
  r.add("GET", "/v1/logs/facets", [api](net::HttpRequest& req) { return api->facets(req); });
  r.add("GET", "/v1/logs/histogram", [api](net::HttpRequest& req) { return api->histogram(req); });
  r.add("GET", "/v1/logs/tail", [api](net::HttpRequest& req) { return api->tail(req); });
}

}  // namespace sextant::server

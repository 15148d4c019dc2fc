#include "server/trace_api/zipkin_api.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "codec/point_json/json_writer.h"
#include "codec/zipkin/zipkin.h"
#include "core/clock.h"
#include "server/trace_api/trace_reader.h"

namespace sextant::server::trace_api {

namespace {

using api::badRequest;
using api::jsonError;
using api::NowNs;
using api::Params;
using api::tokenOrDefaultWorkspace;
using codec::json::JsonWriter;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kDayMs = 24 * 3600 * 1000LL;
constexpr std::int64_t kHourMs = 3600 * 1000LL;
constexpr std::int64_t kTraceLookbackMs = 7 * kDayMs;
constexpr std::int64_t kDefaultLimit = 10;
constexpr std::int64_t kMaxLimit = 1000;
constexpr std::size_t kMaxTraceMany = 100;

// The tags a rebuilt span leaves out: they are the span's own properties in Zipkin's model.
bool isCanonicalTag(std::string_view k) {
  return k == "service" || k == "source" || k == "source_type" || k == "span_type" ||
         k == "status" || k == "resource" || k == "operation";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string underscored(std::string_view k) {
  std::string out(k);
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

bool tagKeyMatches(std::string_view stored, std::string_view wanted) {
  return stored == wanted || stored == underscored(wanted);
}

net::HttpResponse storageError(const Status& st) {
  return jsonError(500, "sextant.internal", st.toString());
}

net::HttpResponse stringArray(const std::set<std::string>& values) {
  std::string body;
  JsonWriter w(&body);
  w.beginArray();
  for (const std::string& v : values) w.string(v);
  w.endArray();
  return net::HttpResponse::json(200, std::move(body));
}

// Zipkin's endTs / lookback (ms), as the window [endTs - lookback, endTs].
struct Window {
  std::int64_t start_ms = 0, end_ms = 0;
};

std::optional<Window> parseWindow(const Params& p, std::int64_t now_ms, bool end_required,
                                  net::HttpResponse* err) {
  Window w;
  w.end_ms = now_ms;
  std::optional<std::string> end = p.get("endTs");
  if (end) {
    std::optional<std::int64_t> v = parseNonNegative(*end);
    if (!v || *v > 9'000'000'000'000) {
      *err = badRequest("invalid parameter \"endTs\": \"" + *end + "\" (epoch milliseconds)");
      return std::nullopt;
    }
    w.end_ms = *v;
  } else if (end_required) {
    *err = badRequest("missing parameter \"endTs\" (epoch milliseconds)");
    return std::nullopt;
  }
  std::int64_t lookback = kDayMs;
  if (auto s = p.get("lookback")) {
    std::optional<std::int64_t> v = parseNonNegative(*s);
    if (!v || *v > 9'000'000'000'000) {
      *err = badRequest("invalid parameter \"lookback\": \"" + *s + "\" (milliseconds)");
      return std::nullopt;
    }
    lookback = *v;
  }
  w.start_ms = w.end_ms - lookback;
  return w;
}

// A service / span name parameter: absent, empty and Zipkin UI's "all" mean no filter.
std::optional<std::string> nameFilter(const Params& p, std::string_view key) {
  std::optional<std::string> v = p.get(key);
  if (!v || v->empty() || *v == "all") return std::nullopt;
  return v;
}

void sortByStart(std::vector<model::Span>* spans) {
  std::stable_sort(spans->begin(), spans->end(), [](const model::Span& a, const model::Span& b) {
    if (a.start_us != b.start_us) return a.start_us < b.start_us;
    return a.span_id < b.span_id;
  });
}

class ZipkinApi {
 public:
  ZipkinApi(storage::StorageEngine& engine, const workspace::WorkspaceStore& store, NowNs now)
      : engine_(engine), store_(store), now_(std::move(now)) {}

  using Handler = net::HttpResponse (ZipkinApi::*)(const std::string& ws, const Params& p,
                                                   const net::HttpRequest& req);

  net::HttpResponse run(const net::HttpRequest& req, Handler h) {
    net::HttpResponse err;
    std::optional<workspace::Workspace> ws = tokenOrDefaultWorkspace(req, store_, &err);
    if (!ws) return err;
    Params p(req);
    return (this->*h)(ws->id, p, req);
  }

  net::HttpResponse services(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Window> win = parseWindow(p, nowMs(), false, &err);
    if (!win) return err;
    std::set<std::string> out;
    if (storage::SeriesIndex* idx = engine_.seriesIndex(ws)) {
      for (std::string& s : idx->tagValues("apm_service", "service")) out.insert(std::move(s));
    }
    SpanScan scan = windowScan(*win);
    scan.columns = {"service"};
    Status st = scanSpans(engine_, ws, scan, [&](SpanRow&& r) {
      if (!r.service.empty()) out.insert(std::move(r.service));
      return Status::ok();
    });
    if (!st.isOk()) return storageError(st);
    out.erase("");
    return stringArray(out);
  }

  net::HttpResponse spanNames(const std::string& ws, const Params& p, const net::HttpRequest&) {
    std::optional<std::string> service = p.get("serviceName");
    if (!service || service->empty()) return badRequest("missing parameter \"serviceName\"");
    net::HttpResponse err;
    std::optional<Window> win = parseWindow(p, nowMs(), false, &err);
    if (!win) return err;
    std::set<std::string> out;
    if (storage::SeriesIndex* idx = engine_.seriesIndex(ws)) {
      std::vector<storage::TagMatcher> m = {{"service", storage::TagMatcher::kEq, {*service}}};
      Result<std::vector<std::uint64_t>> ids = idx->select("apm_service", m);
      if (ids.isOk()) {
        for (std::uint64_t id : *ids) {
          if (auto key = idx->lookup(id)) {
            std::string_view r = tagValue(key->tags, "resource");
            if (!r.empty()) out.insert(std::string(r));
          }
        }
      }
    }
    SpanScan scan = windowScan(*win);
    scan.tags = {{"service", storage::TagMatcher::kEq, {*service}}};
    scan.columns = {"resource"};
    Status st = scanSpans(engine_, ws, scan, [&](SpanRow&& r) {
      if (!r.resource.empty()) out.insert(std::move(r.resource));
      return Status::ok();
    });
    if (!st.isOk()) return storageError(st);
    return stringArray(out);
  }

  net::HttpResponse remoteServices(const std::string& ws, const Params& p,
                                   const net::HttpRequest&) {
    std::optional<std::string> service = p.get("serviceName");
    if (!service || service->empty()) return badRequest("missing parameter \"serviceName\"");
    std::set<std::string> out;
    if (storage::SeriesIndex* idx = engine_.seriesIndex(ws)) {
      std::vector<storage::TagMatcher> m = {
          {"source_service", storage::TagMatcher::kEq, {*service}}};
      Result<std::vector<std::uint64_t>> ids = idx->select("apm_edge", m);
      if (ids.isOk()) {
        for (std::uint64_t id : *ids) {
          if (auto key = idx->lookup(id)) {
            std::string_view t = tagValue(key->tags, "target_service");
            if (!t.empty()) out.insert(std::string(t));
          }
        }
      }
    }
    return stringArray(out);
  }

  net::HttpResponse traces(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Window> win = parseWindow(p, nowMs(), false, &err);
    if (!win) return err;
    std::int64_t limit = kDefaultLimit;
    if (auto s = p.get("limit")) {
      std::optional<std::int64_t> v = parseNonNegative(*s);
      if (!v || *v == 0) return badRequest("invalid parameter \"limit\": \"" + *s + "\"");
      limit = std::min(*v, kMaxLimit);
    }
    std::int64_t min_d = 0, max_d = INT64_MAX;
    if (auto s = p.get("minDuration")) {
      std::optional<std::int64_t> v = parseNonNegative(*s);
      if (!v) return badRequest("invalid parameter \"minDuration\": \"" + *s + "\"");
      min_d = *v;
    }
    if (auto s = p.get("maxDuration")) {
      std::optional<std::int64_t> v = parseNonNegative(*s);
      if (!v) return badRequest("invalid parameter \"maxDuration\": \"" + *s + "\"");
      max_d = *v;
    }
    std::vector<AnnotationTerm> terms;
    if (auto s = p.get("annotationQuery")) {
      Result<std::vector<AnnotationTerm>> t = parseAnnotationQuery(*s);
      if (!t.isOk()) return badRequest(t.status().message());
      terms = std::move(t).value();
    }
    std::optional<std::string> service = nameFilter(p, "serviceName");
    std::optional<std::string> span_name = nameFilter(p, "spanName");
    std::optional<std::string> remote = nameFilter(p, "remoteServiceName");
    if (span_name) span_name = lower(*span_name);
    if (remote) remote = lower(*remote);
    const bool need_span = !terms.empty() || remote.has_value();

    SpanScan scan = windowScan(*win);
    if (service) scan.tags = {{"service", storage::TagMatcher::kEq, {*service}}};
    if (!need_span) {
      scan.columns = {"trace_id", "resource", "start", "duration"};
    }
    // trace id -> latest matching span start
    std::unordered_map<std::string, std::int64_t> found;
    Status st = scanSpans(engine_, ws, scan, [&](SpanRow&& r) {
      if (r.trace_id.empty()) return Status::ok();
      if (r.duration_us < min_d || r.duration_us > max_d) return Status::ok();
      if (need_span || span_name) {
        model::Span s;
        if (need_span) s = spanFromRow(r);
        if (span_name && lower(need_span ? s.name : r.resource) != *span_name) {
          return Status::ok();
        }
        if (remote && lower(s.remote.service) != *remote) return Status::ok();
        if (!terms.empty() && !matchesAnnotationQuery(s, terms)) return Status::ok();
      }
      std::string id = lower(r.trace_id);
      auto [it, inserted] = found.emplace(std::move(id), r.start_us);
      if (!inserted) it->second = std::max(it->second, r.start_us);
      return Status::ok();
    });
    if (!st.isOk()) return storageError(st);

    std::vector<std::pair<std::int64_t, std::string>> order;
    order.reserve(found.size());
    for (auto& [id, t] : found) order.emplace_back(t, id);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first > b.first;
      return a.second < b.second;
    });
    if (order.size() > static_cast<std::size_t>(limit)) {
      order.resize(static_cast<std::size_t>(limit));
    }
    std::string body = "[";
    bool first = true;
    for (const auto& [t, id] : order) {
      Result<std::vector<model::Span>> spans = loadTrace(
          ws, id, (win->start_ms - kHourMs) * kNsPerMs, (win->end_ms + kHourMs) * kNsPerMs);
      if (!spans.isOk()) return storageError(spans.status());
      if (spans->empty()) continue;
      if (!first) body += ",";
      first = false;
      codec::zipkin::encodeV2Json(*spans, &body);
    }
    body += "]";
    return net::HttpResponse::json(200, std::move(body));
  }

  net::HttpResponse trace(const std::string& ws, const Params&, const net::HttpRequest& req) {
    std::string id = lower(req.pathParam("trace_id"));
    if (!validZipkinId(id)) {
      return badRequest("invalid trace id \"" + std::string(req.pathParam("trace_id")) +
                        "\": expected 16 or 32 hex digits");
    }
    const std::int64_t now = nowMs();
    Result<std::vector<model::Span>> spans =
        loadTrace(ws, id, (now - kTraceLookbackMs) * kNsPerMs, (now + kHourMs) * kNsPerMs);
    if (!spans.isOk()) return storageError(spans.status());
    if (spans->empty()) return jsonError(404, "sextant.notFound", "trace " + id + " not found");
    std::string body;
    codec::zipkin::encodeV2Json(*spans, &body);
    return net::HttpResponse::json(200, std::move(body));
  }

  net::HttpResponse traceMany(const std::string& ws, const Params& p, const net::HttpRequest&) {
    std::optional<std::string> ids = p.get("traceIds");
    if (!ids) return badRequest("missing parameter \"traceIds\"");
    std::vector<std::string> list = splitList(*ids);
    if (list.empty()) return badRequest("invalid parameter \"traceIds\": no trace id");
    if (list.size() > kMaxTraceMany) {
      return badRequest("invalid parameter \"traceIds\": more than 100 trace ids");
    }
    for (std::string& id : list) {
      id = lower(id);
      if (!validZipkinId(id)) {
        return badRequest("invalid trace id \"" + id + "\": expected 16 or 32 hex digits");
      }
    }
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    const std::int64_t now = nowMs();
    std::string body = "[";
    bool first = true;
    for (const std::string& id : list) {
      Result<std::vector<model::Span>> spans =
          loadTrace(ws, id, (now - kTraceLookbackMs) * kNsPerMs, (now + kHourMs) * kNsPerMs);
      if (!spans.isOk()) return storageError(spans.status());
      if (spans->empty()) continue;
      if (!first) body += ",";
      first = false;
      codec::zipkin::encodeV2Json(*spans, &body);
    }
    body += "]";
    return net::HttpResponse::json(200, std::move(body));
  }

  net::HttpResponse dependencies(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Window> win = parseWindow(p, nowMs(), true, &err);
    if (!win) return err;
    std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> links;
    Status st = scanApm(engine_, ws, "apm_edge", "calls", win->start_ms * kNsPerMs,
                        win->end_ms * kNsPerMs + (kNsPerMs - 1), {}, [&](const ApmRow& r) {
                          auto& l = links[{std::string(tagValue(*r.tags, "source_service")),
                                           std::string(tagValue(*r.tags, "target_service"))}];
                          l.first = addSaturating(l.first, r.count);
                          l.second = addSaturating(l.second, r.errors);
                        });
    if (!st.isOk()) return storageError(st);
    std::string body;
    JsonWriter w(&body);
    w.beginArray();
    for (const auto& [k, v] : links) {
      w.beginObject();
      w.key("parent");
      w.string(k.first);
      w.key("child");
      w.string(k.second);
      w.key("callCount");
      w.integer(v.first);
      if (v.second > 0) {  // Zipkin omits a zero errorCount
        w.key("errorCount");
        w.integer(v.second);
      }
      w.endObject();
    }
    w.endArray();
    return net::HttpResponse::json(200, std::move(body));
  }

  net::HttpResponse autocompleteKeys(const std::string&, const Params&, const net::HttpRequest&) {
    return stringArray({"env", "project", "version"});
  }

  net::HttpResponse autocompleteValues(const std::string& ws, const Params& p,
                                       const net::HttpRequest&) {
    std::optional<std::string> key = p.get("key");
    if (!key || key->empty()) return badRequest("missing parameter \"key\"");
    if (*key != "env" && *key != "project" && *key != "version") return stringArray({});
    net::HttpResponse err;
    std::optional<Window> win = parseWindow(p, nowMs(), false, &err);
    if (!win) return err;
    std::set<std::string> out;
    SpanScan scan = windowScan(*win);
    scan.columns = {*key};
    Status st = scanSpans(engine_, ws, scan, [&](SpanRow&& r) {
      std::string_view v = tagValue(r.tags, *key);
      if (!v.empty()) out.insert(std::string(v));
      return Status::ok();
    });
    if (!st.isOk()) return storageError(st);
    return stringArray(out);
  }

 private:
  std::int64_t nowMs() const { return (now_ ? now_() : wallNowNs()) / kNsPerMs; }

  static SpanScan windowScan(const Window& w) {
    SpanScan s;
    s.min_ns = w.start_ms * kNsPerMs;
    s.max_ns = w.end_ms * kNsPerMs + (kNsPerMs - 1);
    return s;
  }

  static bool validZipkinId(std::string_view id) {
    if (id.empty() || id.size() > 32) return false;
    for (char c : id) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }

  // The spans of a trace, sorted by start. A trace id whose high 64 bits are zero is also
  // looked for in its other form (16 or 32 digits), as Zipkin treats them as one trace.
  Result<std::vector<model::Span>> loadTrace(const std::string& ws, std::string_view id,
                                             std::int64_t min_ns, std::int64_t max_ns) {
    Result<std::vector<SpanRow>> rows = findTrace(engine_, ws, id, min_ns, max_ns);
    if (!rows.isOk()) return rows.status();
    if (rows->empty()) {
      std::string other;
      if (id.size() == 16) {
        other = "0000000000000000" + std::string(id);
      } else if (id.size() == 32 && id.substr(0, 16) == "0000000000000000") {
        other = std::string(id.substr(16));
      }
      if (!other.empty()) {
        rows = findTrace(engine_, ws, other, min_ns, max_ns);
        if (!rows.isOk()) return rows.status();
      }
    }
    dropDuplicateSpans(&*rows);
    std::vector<model::Span> spans;
    spans.reserve(rows->size());
    for (const SpanRow& r : *rows) spans.push_back(spanFromRow(r));
    sortByStart(&spans);
    return spans;
  }

  storage::StorageEngine& engine_;
  const workspace::WorkspaceStore& store_;
  NowNs now_;
};

}  // namespace

model::Span spanFromRow(const SpanRow& row) {
  if (!row.message.empty() && row.message.front() == '{') {
    std::string list;
    list.reserve(row.message.size() + 2);
    list += '[';
    list += row.message;
    list += ']';
    Result<std::vector<model::Span>> decoded = codec::zipkin::decodeV2Json(list);
    if (decoded.isOk() && decoded->size() == 1 &&
        (row.trace_id.empty() || lower((*decoded)[0].trace_id) == lower(row.trace_id))) {
      return std::move(decoded).value()[0];
    }
  }
  model::Span s;
  s.format = model::SpanFormat::kZipkinV2;
  s.trace_id = lower(row.trace_id);
  s.span_id = lower(row.span_id);
  s.parent_id = lower(row.parent_id);
  s.name = row.resource.empty() ? row.operation : row.resource;
  s.start_us = row.start_us;
  s.duration_us = row.duration_us;
  s.local.service = row.service;
  for (const model::Tag& t : row.tags) {
    if (!isCanonicalTag(t.key)) s.tags.push_back({t.key, t.value});
  }
  if (row.error()) {
    s.error = true;
    bool has_error_tag = false;
    for (const model::SpanTag& t : s.tags) has_error_tag = has_error_tag || t.key == "error";
    if (!has_error_tag) s.tags.push_back({"error", row.status});
    s.error_message = row.status;
  }
  return s;
}

bool matchesAnnotationQuery(const model::Span& span, const std::vector<AnnotationTerm>& terms) {
  for (const AnnotationTerm& term : terms) {
    bool ok = false;
    if (term.value) {
      for (const model::SpanTag& t : span.tags) {
        if (tagKeyMatches(t.key, term.key) && t.value == *term.value) {
          ok = true;
          break;
        }
      }
    } else {
      if (term.key == "error" && span.error) ok = true;
      for (const model::SpanTag& t : span.tags) {
        if (ok) break;
        ok = tagKeyMatches(t.key, term.key);
      }
      for (const model::SpanAnnotation& a : span.annotations) {
        if (ok) break;
        ok = a.value == term.key;
      }
    }
    if (!ok) return false;
  }
  return true;
}

void registerZipkinApi(net::Router& r, storage::StorageEngine& engine,
                       const workspace::WorkspaceStore& store, NowNs now_ns) {
  auto api = std::make_shared<ZipkinApi>(engine, store, std::move(now_ns));
  auto add = [&](const char* pattern, ZipkinApi::Handler h) {
    r.add("GET", pattern, [api, h](net::HttpRequest& req) { return api->run(req, h); });
  };
  add("/api/v2/services", &ZipkinApi::services);
  add("/api/v2/spans", &ZipkinApi::spanNames);
  add("/api/v2/remoteServices", &ZipkinApi::remoteServices);
  add("/api/v2/traces", &ZipkinApi::traces);
  add("/api/v2/trace/:trace_id", &ZipkinApi::trace);
  add("/api/v2/traceMany", &ZipkinApi::traceMany);
  add("/api/v2/dependencies", &ZipkinApi::dependencies);
  add("/api/v2/autocompleteKeys", &ZipkinApi::autocompleteKeys);
  add("/api/v2/autocompleteValues", &ZipkinApi::autocompleteValues);
}

}  // namespace sextant::server::trace_api

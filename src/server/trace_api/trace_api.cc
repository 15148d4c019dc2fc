#include "server/trace_api/trace_api.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "server/api_common/api_common.h"
#include "server/apm/sketch.h"
#include "server/trace_api/trace_model.h"
#include "server/trace_api/trace_reader.h"
#include "server/trace_api/zipkin_api.h"

namespace sextant::server {

namespace {

using api::badRequest;
using api::jsonError;
using api::Params;
using api::parseRange;
using api::TimeRange;
using codec::json::JsonWriter;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kDefaultRangeMs = 15 * 60 * 1000;
constexpr std::int64_t kTraceLookbackMs = 7 * 24 * 3600 * 1000LL;
constexpr std::int64_t kFutureSlackMs = 5 * 60 * 1000;  // spans stamped a little ahead (skew)
constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 1000;
// Trace search keeps one entry per trace seen; past this many matched spans it stops and says so.
constexpr std::size_t kMaxSearchSpans = 2'000'000;

net::HttpResponse storageError(const Status& st) {
  return jsonError(500, "sextant.internal", st.toString());
}

// Counts and the merged sketch of a group of apm_service / apm_edge points.
struct Agg {
  std::int64_t count = 0;
  std::int64_t errors = 0;
  std::int64_t duration_sum = 0;
  std::int64_t duration_max = 0;
  apm::Sketch sketch;

  // Saturating: the points are ordinary metrics, anyone with the token can write odd ones.
  void add(const trace_api::ApmRow& r) {
    count = trace_api::addSaturating(count, r.count);
    errors = trace_api::addSaturating(errors, r.errors);
    duration_sum = trace_api::addSaturating(duration_sum, r.duration_sum);
    duration_max = std::max(duration_max, r.duration_max);
    if (r.sketch) sketch.merge(*r.sketch);
  }
  double errorRate() const {
    return count > 0 ? static_cast<double>(errors) / static_cast<double>(count) : 0.0;
  }
  double avgUs() const {
    return count > 0 ? static_cast<double>(duration_sum) / static_cast<double>(count) : 0.0;
  }
  // A quantile of the merged sketch; null in JSON when no point carried one.
  void writeQuantile(JsonWriter& w, double q) const {
    if (sketch.empty()) {
      w.null();
    } else {
      w.number(sketch.quantile(q));
    }
  }
};

bool validTraceId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The `split` parameter of the services and the map: env, version or env,version; true or 1 for
// both; false, 0 or empty for none. nullopt (with *err set) for anything else.
struct Split {
  bool env = false;
  bool version = false;
};
std::optional<Split> parseSplit(const Params& p, net::HttpResponse* err) {
  Split split;
  std::optional<std::string> s = p.get("split");
  if (!s || s->empty() || *s == "false" || *s == "0") return split;
  if (*s == "true" || *s == "1") return Split{true, true};
  for (const std::string& d : trace_api::splitList(*s)) {
    if (d == "env") {
      split.env = true;
    } else if (d == "version") {
      split.version = true;
    } else {
      *err = badRequest("invalid parameter \"split\": \"" + *s +
                        "\" (use env, version, env,version, true or false)");
      return std::nullopt;
    }
  }
  return split;
}

void writeOptionalString(JsonWriter& w, std::string_view key, std::string_view v) {
  if (v.empty()) return;
  w.key(key);
  w.string(v);
}

// The Sextant APM routes. One instance shared by the handlers (immutable after construction).
class ApmApi {
 public:
  ApmApi(storage::StorageEngine& engine, const workspace::WorkspaceStore& store, api::NowNs now)
      : engine_(engine), store_(store), now_(std::move(now)) {}

  using Handler = net::HttpResponse (ApmApi::*)(const std::string& ws, const Params& p,
                                                const net::HttpRequest& req);

  net::HttpResponse run(const net::HttpRequest& req, Handler h) {
    net::HttpResponse err;
    std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &err);
    if (!ws) return err;
    Params p(req);
    return (this->*h)(ws->id, p, req);
  }

  // GET /v1/apm/services and /v1/apm/resources.
  net::HttpResponse services(const std::string& ws, const Params& p, const net::HttpRequest& req) {
    const bool per_resource = req.path.ends_with("/resources");
    net::HttpResponse err;
    std::optional<TimeRange> range = parseRange(p, nowMs(), kDefaultRangeMs, 0, &err);
    if (!range) return err;
    std::optional<Split> split = parseSplit(p, &err);
    if (!split) return err;
    const bool split_env = split->env, split_version = split->version;
    std::vector<storage::TagMatcher> matchers = filterMatchers(p, {"service", "env", "version"});
    if (per_resource) {
      if (auto r = p.get("resource"))
        matchers.push_back({"resource", storage::TagMatcher::kEq, {*r}});
    }

    // (service, resource, env, version) -> aggregate; unused dimensions stay "".
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    std::map<Key, Agg> groups;
    Status st = trace_api::scanApm(
        engine_, ws, "apm_service", "requests", range->minNs(), range->maxNs(), matchers,
        [&](const trace_api::ApmRow& r) {
          Key k{std::string(trace_api::tagValue(*r.tags, "service")),
                per_resource ? std::string(trace_api::tagValue(*r.tags, "resource")) : "",
                split_env ? std::string(trace_api::tagValue(*r.tags, "env")) : "",
                split_version ? std::string(trace_api::tagValue(*r.tags, "version")) : ""};
          groups[k].add(r);
        });
    if (!st.isOk()) return storageError(st);

    std::vector<const std::pair<const Key, Agg>*> order;
    for (const auto& g : groups) order.push_back(&g);
    std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
      if (a->second.errors != b->second.errors) return a->second.errors > b->second.errors;
      return a->second.count > b->second.count;
    });
    const double range_s = static_cast<double>(range->end_ms - range->start_ms) / 1000.0;
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key(per_resource ? "resources" : "services");
    w.beginArray();
    for (const auto* g : order) {
      const auto& [service, resource, env, version] = g->first;
      const Agg& a = g->second;
      w.beginObject();
      w.key("service");
      w.string(service);
      if (per_resource) {
        w.key("resource");
        w.string(resource);
      }
      if (split_env) writeOptionalString(w, "env", env);
      if (split_version) writeOptionalString(w, "version", version);
      w.key("requests");
      w.integer(a.count);
      w.key("errors");
      w.integer(a.errors);
      w.key("error_rate");
      w.number(a.errorRate());
      w.key("qps");
      w.number(range_s > 0 ? static_cast<double>(a.count) / range_s : 0.0);
      w.key("avg_us");
      w.number(a.avgUs());
      w.key("p50_us");
      a.writeQuantile(w, 0.50);
      w.key("p75_us");
      a.writeQuantile(w, 0.75);
      w.key("p90_us");
      a.writeQuantile(w, 0.90);
      w.key("p95_us");
      a.writeQuantile(w, 0.95);
      w.key("p99_us");
      a.writeQuantile(w, 0.99);
      w.key("max_us");
      w.integer(a.duration_max);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/apm/service_map.
  net::HttpResponse serviceMap(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<TimeRange> range = parseRange(p, nowMs(), kDefaultRangeMs, 0, &err);
    if (!range) return err;
    std::optional<Split> parsed = parseSplit(p, &err);
    if (!parsed) return err;
    const bool split_env = parsed->env, split_version = parsed->version;
    const bool split = split_env || split_version;
    // "service" unsplit, else "service:env:version" with the dimensions not split left empty.
    auto nodeId = [&](std::string_view service, std::string_view env, std::string_view version) {
      std::string id(service);
      if (split) {
        id += ":" + std::string(split_env ? env : "") + ":" +
              std::string(split_version ? version : "");
      }
      return id;
    };
    struct Node {
      std::string service, env, version;
      Agg agg;
    };
    std::map<std::string, Node> nodes;
    auto nodeFor = [&](std::string_view service, std::string_view env,
                       std::string_view version) -> Node& {
      Node& n = nodes[nodeId(service, env, version)];
      if (n.service.empty()) {
        n.service = std::string(service);
        if (split_env) n.env = std::string(env);
        if (split_version) n.version = std::string(version);
      }
      return n;
    };
    std::vector<storage::TagMatcher> svc_matchers = filterMatchers(p, {"env", "version"});
    Status st = trace_api::scanApm(engine_, ws, "apm_service", "requests", range->minNs(),
                                   range->maxNs(), svc_matchers, [&](const trace_api::ApmRow& r) {
                                     nodeFor(trace_api::tagValue(*r.tags, "service"),
                                             trace_api::tagValue(*r.tags, "env"),
                                             trace_api::tagValue(*r.tags, "version"))
                                         .agg.add(r);
                                   });
    if (!st.isOk()) return storageError(st);

    std::vector<storage::TagMatcher> edge_matchers;
    if (auto e = p.get("env")) {
      edge_matchers.push_back({"target_env", storage::TagMatcher::kEq, {*e}});
    }
    if (auto v = p.get("version")) {
      edge_matchers.push_back({"target_version", storage::TagMatcher::kEq, {*v}});
    }
    std::map<std::pair<std::string, std::string>, Agg> edges;
    st = trace_api::scanApm(
        engine_, ws, "apm_edge", "calls", range->minNs(), range->maxNs(), edge_matchers,
        [&](const trace_api::ApmRow& r) {
          const auto& t = *r.tags;
          std::string_view src = trace_api::tagValue(t, "source_service");
          std::string_view dst = trace_api::tagValue(t, "target_service");
          std::string_view src_env = trace_api::tagValue(t, "source_env");
          std::string_view src_ver = trace_api::tagValue(t, "source_version");
          std::string_view dst_env = trace_api::tagValue(t, "target_env");
          std::string_view dst_ver = trace_api::tagValue(t, "target_version");
          nodeFor(src, src_env, src_ver);
          nodeFor(dst, dst_env, dst_ver);
          edges[{nodeId(src, src_env, src_ver), nodeId(dst, dst_env, dst_ver)}].add(r);
        });
    if (!st.isOk()) return storageError(st);

    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("nodes");
    w.beginArray();
    for (const auto& [id, n] : nodes) {
      w.beginObject();
      w.key("id");
      w.string(id);
      w.key("service");
      w.string(n.service);
      writeOptionalString(w, "env", n.env);
      writeOptionalString(w, "version", n.version);
      w.key("requests");
      w.integer(n.agg.count);
      w.key("errors");
      w.integer(n.agg.errors);
      w.key("error_rate");
      w.number(n.agg.errorRate());
      w.key("avg_us");
      w.number(n.agg.avgUs());
      w.key("p99_us");
      n.agg.writeQuantile(w, 0.99);
      w.endObject();
    }
    w.endArray();
    w.key("edges");
    w.beginArray();
    for (const auto& [k, a] : edges) {
      w.beginObject();
      w.key("source");
      w.string(k.first);
      w.key("target");
      w.string(k.second);
      w.key("calls");
      w.integer(a.count);
      w.key("errors");
      w.integer(a.errors);
      w.key("error_rate");
      w.number(a.errorRate());
      w.key("avg_us");
      w.number(a.avgUs());
      w.key("p99_us");
      a.writeQuantile(w, 0.99);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/apm/trace/:trace_id.
  net::HttpResponse trace(const std::string& ws, const Params& p, const net::HttpRequest& req) {
    std::string_view id = req.pathParam("trace_id");
    if (!validTraceId(id)) {
      return badRequest("invalid trace id \"" + std::string(id) +
                        "\": expected 1 to 128 letters, digits, '-' or '_'");
    }
    net::HttpResponse err;
    std::optional<TimeRange> range = parseRange(p, nowMs(), kTraceLookbackMs, kFutureSlackMs, &err);
    if (!range) return err;
    Result<std::vector<trace_api::SpanRow>> rows =
        trace_api::findTrace(engine_, ws, id, range->minNs(), range->maxNs());
    if (!rows.isOk()) return storageError(rows.status());
    if (rows->empty()) {
      return jsonError(404, "sextant.notFound", "trace " + std::string(id) + " not found");
    }
    trace_api::dropDuplicateSpans(&*rows);
    trace_api::TraceTree tree = trace_api::buildTraceTree(*rows);

    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("trace_id");
    w.string((*rows)[0].trace_id);
    w.key("start_us");
    w.integer(tree.start_us);
    w.key("duration_us");
    w.integer(tree.duration_us);
    w.key("spans");
    w.beginArray();
    for (const trace_api::TreeSpan& t : tree.spans) {
      const trace_api::SpanRow& s = (*rows)[t.row];
      w.beginObject();
      w.key("span_id");
      w.string(s.span_id);
      w.key("parent_id");
      w.string(s.parent_id);
      w.key("service");
      w.string(s.service);
      w.key("resource");
      w.string(s.resource);
      w.key("operation");
      w.string(s.operation);
      w.key("span_type");
      w.string(s.span_type);
      w.key("source");
      w.string(s.source);
      w.key("status");
      w.string(s.status);
      w.key("start_us");
      w.integer(s.start_us);
      w.key("duration_us");
      w.integer(s.duration_us);
      w.key("self_us");
      w.integer(t.self_us);
      w.key("depth");
      w.integer(t.depth);
      w.key("entry");
      w.boolean(t.entry);
      w.key("env");
      w.string(s.env);
      w.key("version");
      w.string(s.version);
      w.key("tags");
      w.beginObject();
      for (const model::Tag& tag : s.tags) {
        w.key(tag.key);
        w.string(tag.value);
      }
      w.endObject();
      w.key("error");
      w.boolean(s.error());
      w.endObject();
    }
    w.endArray();
    w.key("services");
    w.beginArray();
    for (const trace_api::ServiceTime& st : tree.services) {
      w.beginObject();
      w.key("service");
      w.string(st.service);
      w.key("self_us");
      w.integer(st.self_us);
      w.key("share");
      w.number(st.share);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/apm/traces.
  net::HttpResponse traces(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<TimeRange> range = parseRange(p, nowMs(), kDefaultRangeMs, 0, &err);
    if (!range) return err;
    std::int64_t limit = kDefaultLimit;
    if (auto s = p.get("limit")) {
      std::optional<std::int64_t> v = trace_api::parseNonNegative(*s);
      if (!v || *v == 0) {
        return badRequest("invalid parameter \"limit\": \"" + *s + "\" (a positive integer)");
      }
      limit = std::min(*v, kMaxLimit);
    }
    std::int64_t min_d = 0, max_d = INT64_MAX;
    if (auto s = p.get("min_duration_us")) {
      std::optional<std::int64_t> v = trace_api::parseNonNegative(*s);
      if (!v) return badRequest("invalid parameter \"min_duration_us\": \"" + *s + "\"");
      min_d = *v;
    }
    if (auto s = p.get("max_duration_us")) {
      std::optional<std::int64_t> v = trace_api::parseNonNegative(*s);
      if (!v) return badRequest("invalid parameter \"max_duration_us\": \"" + *s + "\"");
      max_d = *v;
    }
    if (min_d > max_d) return badRequest("min_duration_us is greater than max_duration_us");

    trace_api::SpanScan scan;
    scan.min_ns = range->minNs();
    scan.max_ns = range->maxNs();
    scan.tags = filterMatchers(p, {"service", "env", "version"});
    if (auto s = p.get("status")) {
      std::vector<std::string> v = trace_api::splitList(*s);
      if (v.empty()) return badRequest("invalid parameter \"status\": empty");
      scan.tags.push_back({"status", storage::TagMatcher::kIn, std::move(v)});
    }
    for (const std::string& t : p.all("tag")) {
      Result<model::Tag> tag = trace_api::parseTagFilter(t);
      if (!tag.isOk()) return badRequest("invalid parameter \"tag\": " + tag.status().message());
      scan.tags.push_back({tag->key, storage::TagMatcher::kEq, {tag->value}});
    }
    std::optional<std::string> resource = p.get("resource");
    scan.columns = {"trace_id",  "span_id", "parent_id", "service", "resource",
                    "span_type", "status",  "start",     "duration"};

    struct Hit {
      std::string trace_id;
      std::int64_t start = INT64_MAX, end = INT64_MIN;
      std::int64_t spans = 0;
      bool error = false;
      std::string service, resource;
      int root_rank = 3;  // 0 entry+root, 1 entry, 2 any; lower wins, then earlier
      std::int64_t root_start = INT64_MAX;
    };
    std::unordered_map<std::string, Hit> hits;
    std::size_t matched = 0;
    bool truncated = false;
    Status st = trace_api::scanSpans(engine_, ws, scan, [&](trace_api::SpanRow&& s) -> Status {
      if (resource && s.resource != *resource) return Status::ok();
      if (s.duration_us < min_d || s.duration_us > max_d) return Status::ok();
      if (s.trace_id.empty()) return Status::ok();
      if (++matched > kMaxSearchSpans) {
        truncated = true;
        return Status(StatusCode::kOutOfRange, "enough");
      }
      Hit& h = hits[s.trace_id];
      if (h.trace_id.empty()) h.trace_id = s.trace_id;
      h.start = std::min(h.start, s.start_us);
      h.end = std::max(h.end, s.endUs());
      ++h.spans;
      h.error = h.error || s.error();
      int rank =
          s.span_type == "entry" ? (s.parent_id.empty() ? 0 : 1) : (s.parent_id.empty() ? 1 : 2);
      if (rank < h.root_rank || (rank == h.root_rank && s.start_us < h.root_start)) {
        h.root_rank = rank;
        h.root_start = s.start_us;
        h.service = std::move(s.service);
        h.resource = std::move(s.resource);
      }
      return Status::ok();
    });
    if (!st.isOk() && !truncated) return storageError(st);

    std::vector<const Hit*> order;
    order.reserve(hits.size());
    for (const auto& [id, h] : hits) order.push_back(&h);
    std::sort(order.begin(), order.end(), [](const Hit* a, const Hit* b) {
      if (a->start != b->start) return a->start > b->start;
      return a->trace_id < b->trace_id;
    });
    if (order.size() > static_cast<std::size_t>(limit)) {
      order.resize(static_cast<std::size_t>(limit));
    }
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("traces");
    w.beginArray();
    for (const Hit* h : order) {
      w.beginObject();
      w.key("trace_id");
      w.string(h->trace_id);
      w.key("service");
      w.string(h->service);
      w.key("resource");
      w.string(h->resource);
      w.key("start_us");
      w.integer(h->start);
      w.key("duration_us");
      w.integer(h->end > h->start ? trace_api::subSaturating(h->end, h->start) : 0);
      w.key("span_count");
      w.integer(h->spans);
      w.key("error");
      w.boolean(h->error);
      w.endObject();
    }
    w.endArray();
    if (truncated) {
      w.key("truncated");
      w.boolean(true);
    }
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

 private:
  std::int64_t nowMs() const { return (now_ ? now_() : wallNowNs()) / kNsPerMs; }

  // kEq matchers for the given parameters when present.
  static std::vector<storage::TagMatcher> filterMatchers(const Params& p,
                                                         std::initializer_list<const char*> keys) {
    std::vector<storage::TagMatcher> out;
    for (const char* k : keys) {
      if (auto v = p.get(k)) out.push_back({k, storage::TagMatcher::kEq, {*v}});
    }
    return out;
  }

  storage::StorageEngine& engine_;
  const workspace::WorkspaceStore& store_;
  api::NowNs now_;
};

}  // namespace

void registerTraceApi(net::Router& r, storage::StorageEngine& engine,
                      const workspace::WorkspaceStore& store) {
  registerTraceApi(r, engine, store, TraceApiOptions{});
}

void registerTraceApi(net::Router& r, storage::StorageEngine& engine,
                      const workspace::WorkspaceStore& store, TraceApiOptions options) {
  auto api = std::make_shared<ApmApi>(engine, store, options.now_ns);
  auto add = [&](const char* pattern, ApmApi::Handler h) {
    r.add("GET", pattern, [api, h](net::HttpRequest& req) { return api->run(req, h); });
  };
  add("/v1/apm/services", &ApmApi::services);
  add("/v1/apm/resources", &ApmApi::services);
  add("/v1/apm/service_map", &ApmApi::serviceMap);
  add("/v1/apm/trace/:trace_id", &ApmApi::trace);
  add("/v1/apm/traces", &ApmApi::traces);
  trace_api::registerZipkinApi(r, engine, store, options.now_ns);
}

}  // namespace sextant::server

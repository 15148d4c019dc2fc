// The RUM analytics routes: see rum_api.h and docs/api/rum.md (definitions of every number).
#include "server/rum_api/rum_api.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "codec/multipart/multipart.h"
#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "server/api_common/api_common.h"
#include "server/rum_api/replay_store.h"
#include "server/rum_api/rum_model.h"
#include "server/trace_api/trace_model.h"

namespace sextant::server {

namespace {

using api::badRequest;
using api::jsonError;
using api::Params;
using api::TimeRange;
using codec::json::JsonWriter;
using rum_api::kNsPerMs;

constexpr std::int64_t kDefaultRangeMs = 3600 * 1000;
constexpr std::int64_t kSessionLookbackMs = 7 * 24 * 3600 * 1000LL;
constexpr std::int64_t kMaxBuckets = 10'000;
constexpr std::int64_t kHourNs = 3600LL * 1'000'000'000;
// The filters every route takes: tag columns of every rum event.
constexpr std::string_view kFilterTags[] = {"app_id",  "env",      "version",
                                            "service", "view_url", "view_path_group",
                                            "browser", "os",       "country"};
constexpr std::string_view kEventMeasurements[] = {"view", "action", "resource", "error",
                                                   "long_task"};

enum Kind : std::uint8_t { kView, kAction, kResource, kError, kLongTask, kOther };

Kind kindOf(std::string_view m) {
  if (m == "view") return kView;
  if (m == "action") return kAction;
  if (m == "resource") return kResource;
  if (m == "error") return kError;
  if (m == "long_task") return kLongTask;
  return kOther;
}

net::HttpResponse storageError(const Status& st) {
  return jsonError(500, "sextant.internal", st.toString());
}

// ---- reading columns --------------------------------------------------------------------------

// Every column of a name in a batch (a tag and fields of several types may share it).
class Col {
 public:
  Col(const storage::ColumnBatch& b, std::string_view name) {
    for (const storage::Column& c : b.columns) {
      if (c.name == name) cols_.push_back(&c);
    }
  }
  // The string value of a row ("" when absent or not a string).
  std::string_view str(std::size_t row) const {
    for (const storage::Column* c : cols_) {
      if (c->type != model::FieldType::kString || !c->isPresent(row)) continue;
      return std::get<4>(c->values)[row];
    }
    return {};
  }
  // The numeric value of a row (int, uint, float, or a string holding a number).
  std::optional<double> num(std::size_t row) const {
    for (const storage::Column* c : cols_) {
      if (!c->isPresent(row)) continue;
      switch (c->type) {
        case model::FieldType::kInt: return static_cast<double>(std::get<0>(c->values)[row]);
        case model::FieldType::kUint: return static_cast<double>(std::get<1>(c->values)[row]);
        case model::FieldType::kFloat: {
          double v = std::get<2>(c->values)[row];
          if (std::isfinite(v)) return v;
          break;
        }
        case model::FieldType::kString: {
          const std::string& s = std::get<4>(c->values)[row];
          double v = 0;
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
          if (ec == std::errc() && p == s.data() + s.size() && std::isfinite(v)) return v;
          break;
        }
        default: break;
      }
    }
    return std::nullopt;
  }
  bool empty() const { return cols_.empty(); }

 private:
  std::vector<const storage::Column*> cols_;
};

// Strings to dense ids (heterogeneous lookup: no copy for a known string).
class Interner {
 public:
  std::uint32_t id(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const auto n = static_cast<std::uint32_t>(strings_.size());
    strings_.emplace_back(s);
    ids_.emplace(strings_.back(), n);
    return n;
  }
  const std::string& str(std::uint32_t id) const { return strings_[id]; }
  std::size_t size() const { return strings_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::deque<std::string> strings_;  // stable addresses for the map's keys
  std::unordered_map<std::string_view, std::uint32_t, Hash, std::equal_to<>> ids_;
};

// ---- request parameters -----------------------------------------------------------------------

// The tag filters of a request; InvalidArgument text in *error for an empty value.
std::optional<std::vector<storage::TagMatcher>> parseFilters(const Params& p,
                                                             net::HttpResponse* err) {
  std::vector<storage::TagMatcher> out;
  for (std::string_view key : kFilterTags) {
    std::vector<std::string> values = p.all(key);
    if (values.empty()) continue;
    for (const std::string& v : values) {
      if (v.empty()) {
        *err = badRequest("invalid parameter \"" + std::string(key) + "\": empty value");
        return std::nullopt;
      }
    }
    storage::TagMatcher m;
    m.key = std::string(key);
    m.op = values.size() == 1 ? storage::TagMatcher::kEq : storage::TagMatcher::kIn;
    m.values = std::move(values);
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<std::int64_t> parseLimitParam(const Params& p, std::int64_t def, std::int64_t max,
                                            net::HttpResponse* err) {
  auto s = p.get("limit");
  if (!s) return def;
  Result<std::int64_t> v = rum_api::parseLimit(*s, max);
  if (!v.isOk()) {
    *err = badRequest("invalid parameter \"limit\": " + v.status().message());
    return std::nullopt;
  }
  return *v;
}

// What every analytics route takes: the time range, the filters and (max_limit > 0) a limit.
struct Query {
  TimeRange range;
  std::vector<storage::TagMatcher> tags;
  std::int64_t limit = 0;
};

std::optional<Query> parseQuery(const Params& p, std::int64_t now_ms, std::int64_t default_limit,
                                std::int64_t max_limit, net::HttpResponse* err) {
  Query q;
  std::optional<TimeRange> range = api::parseRange(p, now_ms, kDefaultRangeMs, 0, err);
  if (!range) return std::nullopt;
  q.range = *range;
  auto tags = parseFilters(p, err);
  if (!tags) return std::nullopt;
  q.tags = std::move(tags).value();
  if (max_limit > 0) {
    std::optional<std::int64_t> limit = parseLimitParam(p, default_limit, max_limit, err);
    if (!limit) return std::nullopt;
    q.limit = *limit;
  }
  return q;
}

// The groups of a map, largest count first (ties in key order).
template <typename Map>
std::vector<typename Map::value_type*> byCountDesc(Map& groups) {
  std::vector<typename Map::value_type*> order;
  for (auto& g : groups) order.push_back(&g);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->second.count > b->second.count; });
  return order;
}

double toMs(double ns) { return ns / 1e6; }

// Percentiles of values (sorted here), in the unit `scale` divides by.
void writePercentiles(JsonWriter& w, std::vector<double>& v, double scale) {
  std::sort(v.begin(), v.end());
  w.key("count");
  w.integer(static_cast<std::int64_t>(v.size()));
  static constexpr std::pair<const char*, double> kQ[] = {
      {"p50", 0.50}, {"p75", 0.75}, {"p90", 0.90}, {"p99", 0.99}};
  for (auto [name, q] : kQ) {
    w.key(name);
    std::optional<double> x = rum_api::nearestRank(v, q);
    if (x) {
      w.number(*x / scale);
    } else {
      w.null();
    }
  }
}

// ---- the routes -------------------------------------------------------------------------------

class RumApi {
 public:
  RumApi(storage::StorageEngine& engine, const workspace::WorkspaceStore& store,
         RumApiOptions options)
      : engine_(engine), store_(store), opts_(std::move(options)) {
    if (!opts_.data_dir.empty()) {
      replay_ = std::make_unique<rum_api::ReplayStore>(opts_.fs ? *opts_.fs : realFileSystem(),
                                                       joinPath(opts_.data_dir, "rum_replay"));
    }
  }

  using Handler = net::HttpResponse (RumApi::*)(const std::string& ws, const Params& p,
                                                const net::HttpRequest& req);

  net::HttpResponse run(const net::HttpRequest& req, Handler h) {
    net::HttpResponse err;
    std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &err);
    if (!ws) return err;
    Params p(req);
    return (this->*h)(ws->id, p, req);
  }

  // Scans the rum events of `measurements` (empty: the five SDK event types) with the request's
  // filters; stops after max_scan_rows rows and sets *truncated.
  Status scan(const std::string& ws, const TimeRange& range,
              const std::vector<storage::TagMatcher>& tags, std::vector<std::string> measurements,
              std::vector<std::string> columns, std::vector<storage::FieldPredicate> fields,
              bool* truncated, const std::function<void(const storage::ColumnBatch&)>& fn) {
    storage::ScanRequest req;
    req.workspace_id = ws;
    req.category = model::Category::kRum;
    req.min_time_ns = range.minNs();
    req.max_time_ns = range.maxNs();
    if (measurements.empty()) {
      for (std::string_view m : kEventMeasurements) measurements.emplace_back(m);
    }
    req.measurements = std::move(measurements);
    req.tags = tags;
    req.columns = std::move(columns);
    req.no_columns = false;
    req.fields = std::move(fields);
    std::int64_t rows = 0;
    *truncated = false;
    const Status stop(StatusCode::kOutOfRange, "rum scan row limit");
    Status st = engine_.scan(req, [&](storage::ColumnBatch&& b) -> Status {
      rows += static_cast<std::int64_t>(b.rows());
      fn(b);
      if (rows >= opts_.max_scan_rows) return stop;
      return Status::ok();
    });
    if (st == stop) {
      *truncated = true;
      return Status::ok();
    }
    return st;
  }

  // GET /v1/rum/overview.
  net::HttpResponse overview(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Query> q = parseQuery(p, nowMs(), 0, 0, &err);
    if (!q) return err;
    const std::int64_t span_ms = std::max<std::int64_t>(q->range.end_ms - q->range.start_ms, 1);
    std::int64_t interval = defaultInterval(span_ms);
    if (auto s = p.get("interval")) {
      Result<std::int64_t> v = rum_api::parseIntervalMs(*s);
      if (!v.isOk()) return badRequest("invalid parameter \"interval\": " + v.status().message());
      interval = *v;
    }
    const std::int64_t buckets = (span_ms + interval - 1) / interval;
    if (buckets > kMaxBuckets) {
      return badRequest("invalid parameter \"interval\": more than " + std::to_string(kMaxBuckets) +
                        " points in the range");
    }
    auto bucketOf = [&](std::int64_t t_ns) {
      std::int64_t b = (t_ns / kNsPerMs - q->range.start_ms) / interval;
      return static_cast<std::size_t>(std::clamp<std::int64_t>(b, 0, buckets - 1));
    };

    Interner sessions, users, views;
    std::vector<rum_api::SessionEvent> events;
    // Per view id: the bucket of its first event and its user (views are reported repeatedly).
    struct ViewInfo {
      std::int64_t first_ns = INT64_MAX;
      std::uint32_t user = 0;
    };
    std::vector<ViewInfo> view_info;
    std::int64_t anonymous_views = 0;
    std::vector<std::int64_t> b_pv(buckets), b_errors(buckets), b_sessions(buckets);
    std::vector<std::unordered_set<std::uint32_t>> b_users(buckets);
    std::unordered_set<std::uint32_t> all_users;
    std::int64_t errors = 0;
    bool truncated = false;
    Status st = scan(ws, q->range, q->tags, {}, {"session_id", "userid", "view_id"}, {}, &truncated,
                     [&](const storage::ColumnBatch& b) {
                       const Kind kind = kindOf(b.measurement);
                       Col sid(b, "session_id"), uid(b, "userid"), vid(b, "view_id");
                       for (std::size_t i = 0; i < b.rows(); ++i) {
                         std::string_view s = sid.str(i);
                         if (!s.empty()) {
                           events.push_back({sessions.id(s), b.time_ns[i], kind});
                         }
                         if (kind == kError) {
                           ++errors;
                           ++b_errors[bucketOf(b.time_ns[i])];
                         } else if (kind == kView) {
                           // UV: userid, else the session id (an SDK without user ids).
                           std::string_view u = uid.str(i);
                           // Session stand-ins get the high bit (ids stay below 2^31).
                           std::uint32_t user =
                               u.empty() ? (sessions.id(s) | 0x80000000u) : users.id(u);
                           std::string_view v = vid.str(i);
                           if (v.empty()) {
                             ++anonymous_views;
                             ++b_pv[bucketOf(b.time_ns[i])];
                             b_users[bucketOf(b.time_ns[i])].insert(user);
                             all_users.insert(user);
                             continue;
                           }
                           std::uint32_t vi = views.id(v);
                           if (vi >= view_info.size()) view_info.resize(vi + 1);
                           ViewInfo& info = view_info[vi];
                           // The user: a real userid from any report of the view beats the
                           // session stand-in (the SDK may learn the user after the view
                           // starts), so the result does not depend on the scan order.
                           const bool stand_in = (user & 0x80000000u) != 0;
                           const bool info_stand_in =
                               info.first_ns == INT64_MAX || (info.user & 0x80000000u) != 0;
                           if (info_stand_in && !stand_in) info.user = user;
                           if (info.first_ns == INT64_MAX) info.user = user;
                           info.first_ns = std::min(info.first_ns, b.time_ns[i]);
                         }
                       }
                     });
    if (!st.isOk()) return storageError(st);
    for (const ViewInfo& v : view_info) {
      std::size_t bk = bucketOf(v.first_ns);
      ++b_pv[bk];
      b_users[bk].insert(v.user);
      all_users.insert(v.user);
    }
    std::vector<rum_api::SessionSpan> spans =
        rum_api::splitSessions(events, rum_api::kSessionIdleNs);
    std::int64_t error_sessions = 0;
    for (const rum_api::SessionSpan& s : spans) {
      ++b_sessions[bucketOf(events[s.begin].time_ns)];
      for (std::size_t i = s.begin; i < s.end; ++i) {
        if (events[i].event == kError) {
          ++error_sessions;
          break;
        }
      }
    }
    const std::int64_t pv = anonymous_views + static_cast<std::int64_t>(view_info.size());
    const auto n_sessions = static_cast<std::int64_t>(spans.size());

    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("start");
    w.integer(q->range.start_ms);
    w.key("end");
    w.integer(q->range.end_ms);
    w.key("interval");
    w.integer(interval);
    w.key("pv");
    w.integer(pv);
    w.key("uv");
    w.integer(static_cast<std::int64_t>(all_users.size()));
    w.key("sessions");
    w.integer(n_sessions);
    w.key("error_sessions");
    w.integer(error_sessions);
    w.key("session_error_rate");
    w.number(n_sessions > 0 ? static_cast<double>(error_sessions) / static_cast<double>(n_sessions)
                            : 0.0);
    w.key("errors");
    w.integer(errors);
    w.key("errors_per_view");
    w.number(pv > 0 ? static_cast<double>(errors) / static_cast<double>(pv) : 0.0);
    w.key("truncated");
    w.boolean(truncated);
    w.key("series");
    w.beginArray();
    for (std::int64_t k = 0; k < buckets; ++k) {
      w.beginObject();
      w.key("time");
      w.integer(q->range.start_ms + k * interval);
      w.key("pv");
      w.integer(b_pv[k]);
      w.key("uv");
      w.integer(static_cast<std::int64_t>(b_users[k].size()));
      w.key("sessions");
      w.integer(b_sessions[k]);
      w.key("errors");
      w.integer(b_errors[k]);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // A derived session with its counts (sessions list and timeline header).
  struct SessionSummary {
    std::string id, session_id;
    std::int64_t start_ns = 0, end_ns = 0;
    std::string first_view, last_view, userid, browser, os, country, app_id;
    std::int64_t views = 0, errors = 0, actions = 0, resources = 0, long_tasks = 0;
  };

  static void writeSession(JsonWriter& w, const SessionSummary& s) {
    w.beginObject();
    w.key("id");
    w.string(s.id);
    w.key("session_id");
    w.string(s.session_id);
    w.key("start");
    w.integer(s.start_ns / kNsPerMs);
    w.key("end");
    w.integer(s.end_ns / kNsPerMs);
    w.key("duration_ms");
    w.integer((s.end_ns - s.start_ns) / kNsPerMs);
    for (auto [k, v] : {std::pair<const char*, const std::string*>{"first_view", &s.first_view},
                        {"last_view", &s.last_view},
                        {"userid", &s.userid},
                        {"browser", &s.browser},
                        {"os", &s.os},
                        {"country", &s.country},
                        {"app_id", &s.app_id}}) {
      w.key(k);
      w.string(*v);
    }
    for (auto [k, v] : {std::pair<const char*, std::int64_t>{"view_count", s.views},
                        {"error_count", s.errors},
                        {"action_count", s.actions},
                        {"resource_count", s.resources},
                        {"long_task_count", s.long_tasks}}) {
      w.key(k);
      w.integer(v);
    }
    w.key("has_error");
    w.boolean(s.errors > 0);
    w.endObject();
  }

  // The columns a session summary reads.
  static std::vector<std::string> sessionColumns() {
    return {"session_id", "userid", "view_id", "view_path", "view_path_group",
            "browser",    "os",     "country", "app_id"};
  }

  // Derived sessions of the rows the scan returns (all of their events).
  struct SessionBuilder {
    struct Ev {
      std::int64_t time_ns = 0;
      Kind kind = kOther;
      std::uint32_t view = 0, path = 0, user = 0, browser = 0, os = 0, country = 0, app = 0;
    };
    Interner sessions, strings;
    std::vector<rum_api::SessionEvent> order;
    std::vector<Ev> evs;

    SessionBuilder() { strings.id(""); }

    void add(const storage::ColumnBatch& b) {
      const Kind kind = kindOf(b.measurement);
      Col sid(b, "session_id"), uid(b, "userid"), vid(b, "view_id"), path(b, "view_path"),
          group(b, "view_path_group"), br(b, "browser"), os(b, "os"), co(b, "country"),
          app(b, "app_id");
      for (std::size_t i = 0; i < b.rows(); ++i) {
        std::string_view s = sid.str(i);
        if (s.empty()) continue;
        std::string_view pth = path.str(i);
        if (pth.empty()) pth = group.str(i);
        order.push_back({sessions.id(s), b.time_ns[i], static_cast<std::uint32_t>(evs.size())});
        evs.push_back({b.time_ns[i], kind, strings.id(vid.str(i)), strings.id(pth),
                       strings.id(uid.str(i)), strings.id(br.str(i)), strings.id(os.str(i)),
                       strings.id(co.str(i)), strings.id(app.str(i))});
      }
    }

    std::vector<SessionSummary> build(std::vector<rum_api::SessionSpan>* spans_out = nullptr) {
      std::vector<rum_api::SessionSpan> spans =
          rum_api::splitSessions(order, rum_api::kSessionIdleNs);
      std::vector<SessionSummary> out;
      out.reserve(spans.size());
      for (const rum_api::SessionSpan& sp : spans) {
        SessionSummary s;
        s.session_id = sessions.str(sp.session);
        s.id = rum_api::sessionRefString(s.session_id, sp.ordinal);
        s.start_ns = order[sp.begin].time_ns;
        s.end_ns = order[sp.end - 1].time_ns;
        std::unordered_set<std::uint32_t> view_ids;
        auto firstOf = [&](std::string* dst, std::uint32_t v) {
          if (dst->empty() && v != 0) *dst = strings.str(v);
        };
        for (std::size_t i = sp.begin; i < sp.end; ++i) {
          const Ev& e = evs[order[i].event];
          firstOf(&s.userid, e.user);
          firstOf(&s.browser, e.browser);
          firstOf(&s.os, e.os);
          firstOf(&s.country, e.country);
          firstOf(&s.app_id, e.app);
          switch (e.kind) {
            case kView:
              if (e.view == 0 || view_ids.insert(e.view).second) ++s.views;
              if (e.path != 0) {
                if (s.first_view.empty()) s.first_view = strings.str(e.path);
                s.last_view = strings.str(e.path);
              }
              break;
            case kError: ++s.errors; break;
            case kAction: ++s.actions; break;
            case kResource: ++s.resources; break;
            case kLongTask: ++s.long_tasks; break;
            default: break;
          }
        }
        out.push_back(std::move(s));
      }
      if (spans_out) *spans_out = std::move(spans);
      return out;
    }
  };

  // GET /v1/rum/sessions.
  net::HttpResponse sessions(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Query> q = parseQuery(p, nowMs(), 50, 1000, &err);
    if (!q) return err;
    std::int64_t offset = 0;
    if (auto s = p.get("offset")) {
      Result<std::int64_t> v = rum_api::parseOffset(*s);
      if (!v.isOk()) return badRequest("invalid parameter \"offset\": " + v.status().message());
      offset = *v;
    }
    std::optional<bool> has_error;
    if (auto s = p.get("has_error")) {
      has_error = rum_api::parseBool(*s);
      if (!has_error) return badRequest("invalid parameter \"has_error\": use true or false");
    }
    std::optional<std::string> userid = p.get("userid");
    SessionBuilder sb;
    bool truncated = false;
    Status st = scan(ws, q->range, q->tags, {}, sessionColumns(), {}, &truncated,
                     [&](const storage::ColumnBatch& b) { sb.add(b); });
    if (!st.isOk()) return storageError(st);
    std::vector<SessionSummary> all = sb.build();
    std::vector<const SessionSummary*> kept;
    for (const SessionSummary& s : all) {
      if (has_error && (s.errors > 0) != *has_error) continue;
      if (userid && s.userid != *userid) continue;
      kept.push_back(&s);
    }
    std::sort(kept.begin(), kept.end(), [](const SessionSummary* a, const SessionSummary* b) {
      if (a->start_ns != b->start_ns) return a->start_ns > b->start_ns;
      return a->id < b->id;
    });
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("total");
    w.integer(static_cast<std::int64_t>(kept.size()));
    w.key("truncated");
    w.boolean(truncated);
    w.key("sessions");
    w.beginArray();
    for (std::size_t i = static_cast<std::size_t>(offset);
         i < kept.size() && i < static_cast<std::size_t>(offset + q->limit); ++i) {
      writeSession(w, *kept[i]);
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/rum/sessions/:id.
  net::HttpResponse session(const std::string& ws, const Params& p, const net::HttpRequest& req) {
    Result<rum_api::SessionRef> ref = rum_api::parseSessionRef(req.pathParam("id"));
    if (!ref.isOk()) return badRequest(ref.status().message());
    net::HttpResponse err;
    std::optional<TimeRange> range = api::parseRange(p, nowMs(), kSessionLookbackMs, 0, &err);
    if (!range) return err;
    // Every event of the session id (value blooms on session_id prune the parts), then the
    // stretch asked for.
    std::vector<storage::ColumnBatch> batches;
    SessionBuilder sb;
    bool truncated = false;
    storage::FieldPredicate pred{"session_id", storage::FieldPredicate::kEq, {ref->session_id}};
    Status st =
        scan(ws, *range, {}, {}, {}, {pred}, &truncated, [&](const storage::ColumnBatch& b) {
          sb.add(b);
          batches.push_back(b);
        });
    if (!st.isOk()) return storageError(st);
    std::vector<rum_api::SessionSpan> spans;
    std::vector<SessionSummary> summaries = sb.build(&spans);
    std::size_t which = spans.size();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      if (spans[i].ordinal == ref->ordinal) which = i;
    }
    if (which == spans.size()) {
      return jsonError(404, "sextant.notFound",
                       "no session " + rum_api::sessionRefString(ref->session_id, ref->ordinal) +
                           " in the range");
    }
    // Event index -> (batch, row), in the order SessionBuilder::add saw them.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> where;
    for (std::size_t bi = 0; bi < batches.size(); ++bi) {
      Col sid(batches[bi], "session_id");
      for (std::size_t r = 0; r < batches[bi].rows(); ++r) {
        if (!sid.str(r).empty()) {
          where.emplace_back(static_cast<std::uint32_t>(bi), static_cast<std::uint32_t>(r));
        }
      }
    }
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("session");
    writeSession(w, summaries[which]);
    w.key("events");
    w.beginArray();
    for (std::size_t i = spans[which].begin; i < spans[which].end; ++i) {
      auto [bi, row] = where[sb.order[i].event];
      writeEvent(w, batches[bi], row);
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  static void writeEvent(JsonWriter& w, const storage::ColumnBatch& b, std::size_t row) {
    const Kind kind = kindOf(b.measurement);
    w.beginObject();
    w.key("time");
    w.integer(b.time_ns[row] / kNsPerMs);
    w.key("type");
    w.string(b.measurement);
    auto str = [&](std::string_view key) {
      std::string_view v = Col(b, key).str(row);
      if (v.empty()) return;
      w.key(key);
      w.string(v);
    };
    auto ms = [&](std::string_view key, std::string_view out) {
      std::optional<double> v = Col(b, key).num(row);
      if (!v) return;
      w.key(out);
      w.number(toMs(*v));
    };
    auto num = [&](std::string_view key) {
      std::optional<double> v = Col(b, key).num(row);
      if (!v) return;
      w.key(key);
      w.number(*v);
    };
    str("view_id");
    str("view_path");
    switch (kind) {
      case kView:
        str("view_url");
        ms("loading_time", "loading_time_ms");
        ms("first_contentful_paint", "first_contentful_paint_ms");
        ms("largest_contentful_paint", "largest_contentful_paint_ms");
        ms("first_input_delay", "first_input_delay_ms");
        ms("interaction_to_next_paint", "interaction_to_next_paint_ms");
        num("cumulative_layout_shift");
        ms("time_spent", "time_spent_ms");
        break;
      case kAction:
        str("action_type");
        str("action_name");
        ms("duration", "duration_ms");
        break;
      case kResource:
        str("resource_type");
        str("resource_method");
        str("resource_url");
        // A number when it reads as one (the SDK sends it as a field), else the text: once.
        if (Col(b, "resource_status").num(row)) {
          num("resource_status");
        } else {
          str("resource_status");
        }
        ms("duration", "duration_ms");
        num("resource_size");
        break;
      case kError:
        str("error_source");
        str("error_type");
        str("error_message");
        str("error_stack");
        break;
      case kLongTask: ms("duration", "duration_ms"); break;
      default: break;
    }
    w.endObject();
  }

  // GET /v1/rum/performance.
  net::HttpResponse performance(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Query> q = parseQuery(p, nowMs(), 100, 10000, &err);
    if (!q) return err;
    static constexpr const char* kMetrics[] = {
        "loading_time",      "first_contentful_paint",    "largest_contentful_paint",
        "first_input_delay", "interaction_to_next_paint", "cumulative_layout_shift"};
    constexpr std::size_t kN = std::size(kMetrics);
    constexpr double kAbsent = -1;  // SDK values are >= 0
    // A view's metrics: the largest value of each over its updates (they only grow).
    struct View {
      std::uint32_t page = 0;
      std::array<double, kN> m;
    };
    Interner pages, view_ids;
    std::vector<View> views;      // by view id
    std::vector<View> anonymous;  // views without an id
    std::vector<std::string> cols = {"view_id", "view_path_group", "view_path"};
    for (const char* m : kMetrics) cols.emplace_back(m);
    bool truncated = false;
    Status st = scan(ws, q->range, q->tags, {"view"}, cols, {}, &truncated,
                     [&](const storage::ColumnBatch& b) {
                       Col vid(b, "view_id"), group(b, "view_path_group"), path(b, "view_path");
                       std::vector<Col> mc;
                       for (const char* m : kMetrics) mc.emplace_back(b, m);
                       for (std::size_t i = 0; i < b.rows(); ++i) {
                         std::string_view pg = group.str(i);
                         if (pg.empty()) pg = path.str(i);
                         std::string_view v = vid.str(i);
                         View* view = nullptr;
                         if (v.empty()) {
                           anonymous.push_back(View{pages.id(pg), {}});
                           anonymous.back().m.fill(kAbsent);
                           view = &anonymous.back();
                         } else {
                           std::uint32_t idx = view_ids.id(v);
                           if (idx == views.size()) {
                             views.push_back(View{pages.id(pg), {}});
                             views.back().m.fill(kAbsent);
                           }
                           view = &views[idx];
                         }
                         for (std::size_t k = 0; k < kN; ++k) {
                           std::optional<double> x = mc[k].num(i);
                           if (x && *x >= 0) view->m[k] = std::max(view->m[k], *x);
                         }
                       }
                     });
    if (!st.isOk()) return storageError(st);
    struct Page {
      std::int64_t views = 0;
      std::array<std::vector<double>, kN> values;
    };
    std::vector<Page> per_page(pages.size());
    Page overall;
    views.insert(views.end(), anonymous.begin(), anonymous.end());
    for (const View& v : views) {
      Page& pg = per_page[v.page];
      ++pg.views;
      ++overall.views;
      for (std::size_t k = 0; k < kN; ++k) {
        if (v.m[k] == kAbsent) continue;
        pg.values[k].push_back(v.m[k]);
        overall.values[k].push_back(v.m[k]);
      }
    }
    std::vector<std::uint32_t> order(per_page.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (per_page[a].views != per_page[b].views) return per_page[a].views > per_page[b].views;
      return pages.str(a) < pages.str(b);
    });
    std::string body;
    JsonWriter w(&body);
    auto writePage = [&](Page& pg) {
      w.key("views");
      w.integer(pg.views);
      for (std::size_t k = 0; k < kN; ++k) {
        const bool cls = k == kN - 1;
        w.key(cls ? std::string(kMetrics[k]) : std::string(kMetrics[k]) + "_ms");
        w.beginObject();
        writePercentiles(w, pg.values[k], cls ? 1.0 : 1e6);
        w.endObject();
      }
    };
    w.beginObject();
    w.key("truncated");
    w.boolean(truncated);
    w.key("overall");
    w.beginObject();
    writePage(overall);
    w.endObject();
    w.key("pages");
    w.beginArray();
    for (std::size_t i = 0; i < order.size() && i < static_cast<std::size_t>(q->limit); ++i) {
      w.beginObject();
      w.key("page");
      w.string(pages.str(order[i]));
      writePage(per_page[order[i]]);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/rum/resources.
  net::HttpResponse resources(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Query> q = parseQuery(p, nowMs(), 100, 10000, &err);
    if (!q) return err;
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    struct Group {
      std::int64_t count = 0, errors = 0, sized = 0;
      double size_sum = 0;
      std::vector<double> durations;
    };
    std::map<Key, Group> groups;
    bool truncated = false;
    Status st = scan(ws, q->range, q->tags, {"resource"},
                     {"resource_url_path_group", "resource_url", "resource_type", "provider_type",
                      "provider_name", "duration", "resource_size", "resource_status"},
                     {}, &truncated, [&](const storage::ColumnBatch& b) {
                       Col group(b, "resource_url_path_group"), url(b, "resource_url"),
                           type(b, "resource_type"), ptype(b, "provider_type"),
                           pname(b, "provider_name"), dur(b, "duration"), size(b, "resource_size"),
                           status(b, "resource_status");
                       Key k;
                       for (std::size_t i = 0; i < b.rows(); ++i) {
                         std::string_view g = group.str(i);
                         if (g.empty()) g = url.str(i);
                         std::get<0>(k).assign(g);
                         std::get<1>(k).assign(type.str(i));
                         std::get<2>(k).assign(ptype.str(i));
                         std::get<3>(k).assign(pname.str(i));
                         Group& gr = groups[k];
                         ++gr.count;
                         if (auto d = dur.num(i); d && *d >= 0) gr.durations.push_back(*d);
                         if (auto s = size.num(i); s && *s >= 0) {
                           gr.size_sum += *s;
                           ++gr.sized;
                         }
                         if (auto s = status.num(i); s && *s >= 400) ++gr.errors;
                       }
                     });
    if (!st.isOk()) return storageError(st);
    auto order = byCountDesc(groups);
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("truncated");
    w.boolean(truncated);
    w.key("resources");
    w.beginArray();
    for (std::size_t i = 0; i < order.size() && i < static_cast<std::size_t>(q->limit); ++i) {
      auto& [key, g] = *order[i];
      w.beginObject();
      w.key("resource");
      w.string(std::get<0>(key));
      w.key("resource_type");
      w.string(std::get<1>(key));
      w.key("provider_type");
      w.string(std::get<2>(key));
      w.key("provider_name");
      w.string(std::get<3>(key));
      w.key("count");
      w.integer(g.count);
      w.key("errors");
      w.integer(g.errors);
      w.key("error_rate");
      w.number(static_cast<double>(g.errors) / static_cast<double>(g.count));
      w.key("avg_size");
      if (g.sized > 0) {
        w.number(g.size_sum / static_cast<double>(g.sized));
      } else {
        w.null();
      }
      w.key("total_size");
      w.number(g.size_sum);
      w.key("duration_ms");
      w.beginObject();
      writePercentiles(w, g.durations, 1e6);
      w.endObject();
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/rum/errors.
  net::HttpResponse errors(const std::string& ws, const Params& p, const net::HttpRequest&) {
    net::HttpResponse err;
    std::optional<Query> q = parseQuery(p, nowMs(), 100, 10000, &err);
    if (!q) return err;
    using Key = std::tuple<std::string, std::string, std::string>;
    struct Group {
      std::int64_t count = 0;
      std::int64_t first_ns = INT64_MAX, last_ns = INT64_MIN;
      std::unordered_set<std::string> sessions;
      std::string message, stack, source;  // of the newest error
    };
    std::map<Key, Group> groups;
    bool truncated = false;
    Status st = scan(ws, q->range, q->tags, {"error"},
                     {"error_type", "error_message", "error_stack", "error_source", "session_id"},
                     {}, &truncated, [&](const storage::ColumnBatch& b) {
                       Col type(b, "error_type"), msg(b, "error_message"), stack(b, "error_stack"),
                           source(b, "error_source"), sid(b, "session_id");
                       for (std::size_t i = 0; i < b.rows(); ++i) {
                         std::string_view m = msg.str(i), s = stack.str(i);
                         Key k{std::string(type.str(i)), rum_api::normalizeErrorMessage(m),
                               std::string(rum_api::firstStackFrame(s))};
                         Group& g = groups[k];
                         ++g.count;
                         g.first_ns = std::min(g.first_ns, b.time_ns[i]);
                         if (b.time_ns[i] >= g.last_ns) {
                           g.last_ns = b.time_ns[i];
                           g.message.assign(m);
                           g.stack.assign(s);
                           g.source.assign(source.str(i));
                         }
                         if (std::string_view x = sid.str(i); !x.empty()) g.sessions.emplace(x);
                       }
                     });
    if (!st.isOk()) return storageError(st);
    auto order = byCountDesc(groups);
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("truncated");
    w.boolean(truncated);
    w.key("errors");
    w.beginArray();
    for (std::size_t i = 0; i < order.size() && i < static_cast<std::size_t>(q->limit); ++i) {
      auto& [key, g] = *order[i];
      w.beginObject();
      w.key("error_type");
      w.string(std::get<0>(key));
      w.key("message");
      w.string(std::get<1>(key));
      w.key("first_frame");
      w.string(std::get<2>(key));
      w.key("count");
      w.integer(g.count);
      w.key("sessions");
      w.integer(static_cast<std::int64_t>(g.sessions.size()));
      w.key("first_seen");
      w.integer(g.first_ns / kNsPerMs);
      w.key("last_seen");
      w.integer(g.last_ns / kNsPerMs);
      w.key("sample");
      w.beginObject();
      w.key("error_source");
      w.string(g.source);
      w.key("error_message");
      w.string(g.message);
      w.key("error_stack");
      w.string(g.stack);
      w.endObject();
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // POST /v1/write/rum/replay.
  net::HttpResponse replayUpload(const std::string& ws, const Params&,
                                 const net::HttpRequest& req) {
    if (!replay_) return replaysOff();
    if (req.body.size() > opts_.max_replay_bytes) {
      return jsonError(
          413, "sextant.bodyTooLarge",
          "replay upload larger than " + std::to_string(opts_.max_replay_bytes) + " bytes");
    }
    std::string_view ct = req.header("Content-Type");
    if (ct.empty()) return badRequest("replay upload without a Content-Type");
    auto parts = codec::multipart::parseMultipart(req.body, ct);
    if (!parts.isOk()) return badRequest(parts.status().message());
    Result<rum_api::ReplaySegmentMeta> meta = rum_api::replayMetaFromParts(*parts);
    if (!meta.isOk()) return badRequest(meta.status().message());
    const std::int64_t now = nowNs();
    maybeApplyRetention(now);
    Result<rum_api::ReplaySegmentInfo> info = replay_->append(ws, *meta, now);
    if (!info.isOk()) return storageError(info.status());
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("session_id");
    w.string(meta->session_id);
    w.key("segment");
    w.integer(info->seq);
    w.key("size");
    w.integer(info->size);
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/rum/replay/:session_id.
  net::HttpResponse replayList(const std::string& ws, const Params& p,
                               const net::HttpRequest& req) {
    if (!replay_) return replaysOff();
    std::string session(req.pathParam("session_id"));
    std::string app = p.get("app_id").value_or("");
    if (!rum_api::validId(session) || (!app.empty() && !rum_api::validId(app))) {
      return badRequest("invalid session or app id");
    }
    auto r = replay_->list(ws, app, session);
    if (!r.isOk() && r.status().code() == StatusCode::kNotFound) {
      // A session without a replay (most of them): an empty list, not an error, so the UI
      // can ask for every session it shows.
      r = rum_api::ReplayStore::SessionReplay{};
      r->app_id = app;
    }
    if (!r.isOk()) return storageError(r.status());
    std::string body;
    JsonWriter w(&body);
    w.beginObject();
    w.key("session_id");
    w.string(session);
    w.key("app_id");
    w.string(r->app_id);
    w.key("segments");
    w.beginArray();
    for (const rum_api::ReplaySegmentInfo& s : r->segments) {
      w.beginObject();
      w.key("segment");
      w.integer(s.seq);
      w.key("view_id");
      w.string(s.view_id);
      w.key("start");
      w.integer(s.start_ms);
      w.key("end");
      w.integer(s.end_ms);
      w.key("records_count");
      w.integer(s.records_count);
      w.key("size");
      w.integer(s.size);
      w.key("content_type");
      w.string(s.content_type);
      w.key("creation_reason");
      w.string(s.creation_reason);
      w.key("has_full_snapshot");
      w.boolean(s.has_full_snapshot);
      w.endObject();
    }
    w.endArray();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // GET /v1/rum/replay/:session_id/:segment.
  net::HttpResponse replayGet(const std::string& ws, const Params& p, const net::HttpRequest& req) {
    if (!replay_) return replaysOff();
    std::string session(req.pathParam("session_id"));
    std::string app = p.get("app_id").value_or("");
    if (!rum_api::validId(session) || (!app.empty() && !rum_api::validId(app))) {
      return badRequest("invalid session or app id");
    }
    std::optional<std::int64_t> seq = trace_api::parseNonNegative(req.pathParam("segment"));
    if (!seq) return badRequest("invalid segment number");
    auto r = replay_->read(ws, app, session, *seq);
    if (!r.isOk()) {
      if (r.status().code() == StatusCode::kNotFound) {
        return jsonError(404, "sextant.notFound", r.status().message());
      }
      return storageError(r.status());
    }
    net::HttpResponse resp;
    resp.status = 200;
    resp.content_type = r->first.content_type;
    resp.body = std::move(r->second);
    resp.headers.emplace_back("X-Replay-View-Id", r->first.view_id);
    resp.headers.emplace_back("X-Replay-Start", std::to_string(r->first.start_ms));
    resp.headers.emplace_back("X-Replay-End", std::to_string(r->first.end_ms));
    return resp;
  }

 private:
  static net::HttpResponse replaysOff() {
    return jsonError(503, "sextant.unavailable", "session replay storage is not configured");
  }

  void maybeApplyRetention(std::int64_t now) {
    if (opts_.replay_retention.count() <= 0) return;
    {
      std::lock_guard<std::mutex> lock(retention_mu_);
      if (last_retention_ns_ != 0 && now - last_retention_ns_ < kHourNs) return;
      last_retention_ns_ = now;
    }
    const std::int64_t age = opts_.replay_retention.count() * kHourNs;
    (void)replay_->removeOlderThan(now - age);  // best effort; the next pass retries
  }

  static std::int64_t defaultInterval(std::int64_t span_ms) {
    static constexpr std::int64_t kSteps[] = {60'000,     300'000,    900'000,    1'800'000,
                                              3'600'000,  10'800'000, 21'600'000, 43'200'000,
                                              86'400'000, 604'800'000};
    for (std::int64_t s : kSteps) {
      if ((span_ms + s - 1) / s <= 120) return s;
    }
    return (span_ms + 119) / 120;
  }

  std::int64_t nowNs() const { return opts_.now_ns ? opts_.now_ns() : wallNowNs(); }
  std::int64_t nowMs() const { return nowNs() / kNsPerMs; }

  storage::StorageEngine& engine_;
  const workspace::WorkspaceStore& store_;
  RumApiOptions opts_;
  std::unique_ptr<rum_api::ReplayStore> replay_;
  std::mutex retention_mu_;
  std::int64_t last_retention_ns_ = 0;
};

}  // namespace

void registerRumApi(net::Router& r, storage::StorageEngine& engine,
                    const workspace::WorkspaceStore& store, RumApiOptions options) {
  auto api = std::make_shared<RumApi>(engine, store, std::move(options));
  auto add = [&](const char* method, const char* pattern, RumApi::Handler h) {
    r.add(method, pattern, [api, h](net::HttpRequest& req) { return api->run(req, h); });
  };
  add("GET", "/v1/rum/overview", &RumApi::overview);
  add("GET", "/v1/rum/sessions", &RumApi::sessions);
  add("GET", "/v1/rum/sessions/:id", &RumApi::session);
  add("GET", "/v1/rum/performance", &RumApi::performance);
  add("GET", "/v1/rum/resources", &RumApi::resources);
  add("GET", "/v1/rum/errors", &RumApi::errors);
  add("POST", "/v1/write/rum/replay", &RumApi::replayUpload);
  add("GET", "/v1/rum/replay/:session_id", &RumApi::replayList);
  add("GET", "/v1/rum/replay/:session_id/:segment", &RumApi::replayGet);
}

}  // namespace sextant::server

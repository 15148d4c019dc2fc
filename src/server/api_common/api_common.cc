#include "server/api_common/api_common.h"

#include "codec/point_json/json_writer.h"
#include "server/trace_api/trace_model.h"
#include "server/workspace/workspace_api.h"

namespace sextant::server::api {

namespace {

std::string formDecode(std::string_view s) {
  std::string plus(s);
  for (char& c : plus) {
    if (c == '+') c = ' ';
  }
  return net::percentDecode(plus);
}

}  // namespace

Params::Params(const net::HttpRequest& req) {
  std::size_t q = req.target.find('?');
  if (q == std::string::npos) {
    kv_ = req.query;
    return;
  }
  std::string_view rest = std::string_view(req.target).substr(q + 1);
  std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string_view k = item.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    kv_.emplace_back(formDecode(k), formDecode(v));
  }
}

std::optional<std::string> Params::get(std::string_view key) const {
  for (const auto& [k, v] : kv_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Params::all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : kv_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

net::HttpResponse jsonError(int status, std::string_view code, std::string_view message) {
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("error_code");
  w.string(code);
  w.key("message");
  w.string(message);
  w.endObject();
  return net::HttpResponse::json(status, std::move(body));
}

std::optional<workspace::Workspace> tokenWorkspace(const net::HttpRequest& req,
                                                   const workspace::WorkspaceStore& store,
                                                   net::HttpResponse* error) {
  std::string_view token = workspace::requestToken(req);
  if (token.empty()) {
    *error = jsonError(401, "sextant.tokenMissing",
                       "token missing: pass ?token= or Authorization: Bearer <token>");
    return std::nullopt;
  }
  std::optional<workspace::Workspace> ws = store.byToken(token);
  if (!ws) *error = jsonError(403, "kodo.tokenNotFound", "token not found");
  return ws;
}

std::optional<workspace::Workspace> tokenOrDefaultWorkspace(const net::HttpRequest& req,
                                                            const workspace::WorkspaceStore& store,
                                                            net::HttpResponse* error) {
  bool present = false;
  req.queryValue("token", &present);
  if (!present && workspace::requestToken(req).empty()) {
    std::optional<workspace::Workspace> ws = store.byName(workspace::kDefaultWorkspace);
    if (!ws) {
      *error = jsonError(401, "sextant.tokenMissing",
                         "token missing and there is no `default` workspace: pass ?token= or "
                         "Authorization: Bearer <token>");
    }
    return ws;
  }
  return tokenWorkspace(req, store, error);
}

std::optional<std::int64_t> parseTimeParam(const Params& p, std::string_view key,
                                           net::HttpResponse* err) {
  std::optional<std::string> s = p.get(key);
  if (!s) return std::nullopt;
  std::optional<std::int64_t> t = trace_api::parseApmTimeMs(*s);
  if (!t) {
    *err = badRequest("invalid parameter \"" + std::string(key) + "\": \"" + *s +
                      "\" is neither Unix milliseconds nor RFC 3339");
  }
  return t;
}

std::optional<TimeRange> parseRange(const Params& p, std::int64_t now_ms, std::int64_t default_ms,
                                    std::int64_t end_slack_ms, net::HttpResponse* err) {
  TimeRange r;
  r.end_ms = now_ms + end_slack_ms;
  if (std::optional<std::int64_t> t = parseTimeParam(p, "end", err)) {
    r.end_ms = *t;
  } else if (err->status >= 400) {
    return std::nullopt;
  }
  r.start_ms = r.end_ms - default_ms;
  if (std::optional<std::int64_t> t = parseTimeParam(p, "start", err)) {
    r.start_ms = *t;
  } else if (err->status >= 400) {
    return std::nullopt;
  }
  if (r.start_ms > r.end_ms) {
    *err = badRequest("invalid time range: start is after end");
    return std::nullopt;
  }
  return r;
}

}  // namespace sextant::server::api

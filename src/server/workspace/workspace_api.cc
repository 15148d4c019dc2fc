#include "server/workspace/workspace_api.h"

#include <strings.h>

#include "codec/point_json/json_writer.h"

namespace sextant::server::workspace {

namespace {

constexpr std::string_view kMissingMessage =
    "token missing: pass ?token=tkn_... or an Authorization: Bearer header";
constexpr std::string_view kNotFoundMessage = "token not found";

net::HttpResponse tokenNotFound() { return kodoError(403, "kodo.tokenNotFound", kNotFoundMessage); }

}  // namespace

net::HttpResponse kodoError(int status, std::string_view error_code, std::string_view message) {
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("code");
  w.integer(status);
  w.key("errorCode");
  w.string(error_code);
  w.key("message");
  w.string(message);
  w.endObject();
  net::HttpResponse resp = net::HttpResponse::json(status, std::move(body));
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return resp;
}

std::string_view requestToken(const net::HttpRequest& req) {
  bool present = false;
  std::string_view token = req.queryValue("token", &present);
  if (present) return token;
  std::string_view auth = req.header("Authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (auth.size() >= kBearer.size() &&
      strncasecmp(auth.data(), kBearer.data(), kBearer.size()) == 0) {
    auth.remove_prefix(kBearer.size());
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    while (!auth.empty() && auth.back() == ' ') auth.remove_suffix(1);
    return auth;
  }
  return {};
}

Result<Workspace> authenticate(const net::HttpRequest& req, const WorkspaceStore& store) {
  std::string_view token = requestToken(req);
  if (token.empty()) return invalidArgument(std::string(kMissingMessage));
  std::optional<Workspace> w = store.byToken(token);
  if (!w) return Status(StatusCode::kPermissionDenied, std::string(kNotFoundMessage));
  return std::move(*w);
}

net::HttpResponse authFailure(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument) {
    return kodoError(401, "dataway.emptyToken", kMissingMessage);
  }
  return tokenNotFound();
}

net::HttpResponse handleCheckToken(const net::HttpRequest& req, const WorkspaceStore& store) {
  std::string_view token = req.pathParam("token");
  if (token.empty() || !store.byToken(token)) return tokenNotFound();
  return kodoError(200, "", "");
}

net::HttpResponse handleWorkspaceInfo(const net::HttpRequest& req, const WorkspaceStore& store) {
  Result<Workspace> ws = authenticate(req, store);
  if (!ws.isOk()) return authFailure(ws.status());
  const std::int64_t created_s = ws->created_ns / 1'000'000'000;
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("content");
  w.beginArray();
  w.beginObject();
  w.key("token");
  w.beginObject();
  w.key("ws_uuid");
  w.string(ws->id);
  w.key("ws_name");
  w.string(ws->name);
  w.key("bill_state");
  w.string("normal");
  w.key("ver_type");
  w.string("pay");
  w.key("token");
  w.string(ws->token);
  w.key("db_uuid");
  w.string("");
  w.key("status");
  w.integer(0);
  w.key("creator");
  w.string("");
  w.key("expire_at");
  w.integer(-1);
  w.key("create_at");
  w.integer(created_s);
  w.key("update_at");
  w.integer(created_s);
  w.key("delete_at");
  w.integer(0);
  w.endObject();
  w.key("data_usage");
  w.beginObject();
  for (std::string_view k : {"data_metric", "data_logging", "data_tracing", "data_rum"}) {
    w.key(k);
    w.integer(0);
  }
  w.key("is_over_usage");
  w.boolean(false);
  w.endObject();
  w.endObject();
  w.endArray();
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

void addWorkspaceRoutes(net::Router& router, const WorkspaceStore& store) {
  router.add("GET", "/v1/check/token/:token",
             [&store](net::HttpRequest& req) { return handleCheckToken(req, store); });
  for (const char* method : {"GET", "POST"}) {
    router.add(method, "/v1/workspace",
               [&store](net::HttpRequest& req) { return handleWorkspaceInfo(req, store); });
  }
}

}  // namespace sextant::server::workspace

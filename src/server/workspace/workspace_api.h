// HTTP side of workspaces for the server: authenticating a request by its token, and DataWay's
// token and workspace APIs (GET /v1/check/token/:token, GET|POST /v1/workspace). Bodies follow
// DataWay's backend (Kodo) envelope {"code","errorCode","message"}; README.md says which parts
// are known from DataKit and which are guessed.
//
// Thread-safety: pure functions over a WorkspaceStore, which is itself thread-safe. Ownership:
// addWorkspaceRoutes() captures the store by reference: it must outlive the router.
#pragma once

#include <string_view>

#include "core/status.h"
#include "net/http_types.h"
#include "net/router.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server::workspace {

// DataWay's backend (Kodo) envelope, {"code":<status>,"errorCode":"<code>","message":"<message>"}
// with `status` and X-Content-Type-Options: nosniff. For every server route answering as DataWay.
net::HttpResponse kodoError(int status, std::string_view error_code, std::string_view message);

// The request's token: ?token= when present (even empty), else the credentials of an
// "Authorization: Bearer <token>" header (scheme case-insensitive), else empty.
std::string_view requestToken(const net::HttpRequest& req);

// The workspace of the request's token. Failures: InvalidArgument ("token missing ...") when
// there is no token, PermissionDenied ("token not found") when no workspace has it.
// authFailure() turns either into the HTTP answer (401 / 403).
Result<Workspace> authenticate(const net::HttpRequest& req, const WorkspaceStore& store);

// 401 {"code":401,"errorCode":"sextant.tokenMissing",...} for InvalidArgument,
// 403 {"code":403,"errorCode":"kodo.tokenNotFound","message":"token not found"} otherwise.
net::HttpResponse authFailure(const Status& status);

// GET /v1/check/token/:token: 200 {"code":200,"errorCode":"","message":""} for a known token,
// 403 with kodo.tokenNotFound otherwise.
net::HttpResponse handleCheckToken(const net::HttpRequest& req, const WorkspaceStore& store);

// GET or POST /v1/workspace?token=T: {"content":[{"token":{...},"data_usage":{...}}]} for T's
// workspace only (tokens in a POST body are ignored: a token reads only its own workspace).
net::HttpResponse handleWorkspaceInfo(const net::HttpRequest& req, const WorkspaceStore& store);

// Registers the two routes above (GET /v1/check/token/:token, GET and POST /v1/workspace).
void addWorkspaceRoutes(net::Router& router, const WorkspaceStore& store);

}  // namespace sextant::server::workspace

// Request plumbing shared by the Sextant APM routes (trace_api.cc) and the Zipkin v2 query routes
// (zipkin_api.cc): query parameters with form semantics, the JSON error shape, and the two ways
// a request finds its workspace. Internal to this folder.
//
// Thread-safety: pure functions; the WorkspaceStore is itself thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server::trace_api {

// Query parameters of a request, decoded with form semantics ('+' is a space, as browsers'
// URLSearchParams and the Zipkin UI encode them; a literal '+' arrives as %2B). Read from the
// raw target; when the target has no query, from HttpRequest::query.
class Params {
 public:
  explicit Params(const net::HttpRequest& req);
  // First value of key, or nullopt.
  std::optional<std::string> get(std::string_view key) const;
  // Every value of key, in order (repeatable parameters such as tag=).
  std::vector<std::string> all(std::string_view key) const;

 private:
  net::KeyValues kv_;
};

// {"error_code":"<code>","message":"<message>"} with `status`.
net::HttpResponse jsonError(int status, std::string_view code, std::string_view message);
inline net::HttpResponse badRequest(std::string_view message) {
  return jsonError(400, "sextant.badRequest", message);
}

// The workspace of the request's token (?token= or Authorization: Bearer). On failure *error
// holds the answer: 401 sextant.tokenMissing without a token, 403 kodo.tokenNotFound for an
// unknown one.
std::optional<workspace::Workspace> tokenWorkspace(const net::HttpRequest& req,
                                                   const workspace::WorkspaceStore& store,
                                                   net::HttpResponse* error);

// As tokenWorkspace, but a request without any token uses the workspace named `default` (the
// Zipkin UI cannot send headers); 401 when there is no such workspace.
std::optional<workspace::Workspace> tokenOrDefaultWorkspace(const net::HttpRequest& req,
                                                            const workspace::WorkspaceStore& store,
                                                            net::HttpResponse* error);

// The clock of the routes (wall clock unless a test sets one).
using NowNs = std::function<std::int64_t()>;

}  // namespace sextant::server::trace_api

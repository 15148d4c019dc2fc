// Request plumbing shared by the server's query APIs (APM and Zipkin in trace_api/, logs in
// log_api/, CI in ci_api/, RUM in rum_api/): query parameters with form semantics, the JSON error
// shape, the two ways a request finds its workspace, and the ?start&end time range.
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

namespace sextant::server::api {

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

// [start, end] in ms, both inclusive.
struct TimeRange {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::int64_t minNs() const { return start_ms * 1'000'000; }
  std::int64_t maxNs() const { return end_ms * 1'000'000 + 999'999; }
};

// ?start and ?end (Unix ms or RFC 3339). Defaults: end = now_ms + end_slack_ms, start = end -
// default_ms. On a bad value or start after end: nullopt and a 400 in *err.
std::optional<TimeRange> parseRange(const Params& p, std::int64_t now_ms, std::int64_t default_ms,
                                    std::int64_t end_slack_ms, net::HttpResponse* err);
// One time parameter (Unix ms or RFC 3339): nullopt when absent, or when malformed with a 400 in
// *err (callers check err->status).
std::optional<std::int64_t> parseTimeParam(const Params& p, std::string_view key,
                                           net::HttpResponse* err);

}  // namespace sextant::server::api

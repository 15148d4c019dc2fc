// Test helper: calls a route of a Router in process, with the request the HTTP server would build
// (path percent-decoded, query parsed), so API tests and benches need no socket. Header-only.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "net/http_types.h"
#include "net/router.h"

namespace sextant::net::testing {

// The request for `method target` ("/v1/x?a=1"), with headers and a body.
inline HttpRequest makeRequest(std::string method, std::string target, KeyValues headers = {},
                               std::string body = {}) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  std::size_t q = req.target.find('?');
  req.path = percentDecode(req.target.substr(0, q));
  if (q != std::string::npos) req.query = parseQuery(req.target.substr(q + 1));
  req.headers = std::move(headers);
  req.body = std::move(body);
  return req;
}

// The answer of the route matching req; nullopt when no route matches.
inline std::optional<HttpResponse> callRoute(const Router& router, HttpRequest& req) {
  const Handler* h = router.match(req);
  if (h == nullptr) return std::nullopt;
  return (*h)(req);
}

}  // namespace sextant::net::testing

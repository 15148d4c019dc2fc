// Router: maps (method, path) to a handler. Patterns are literal segments and ":name" segments
// ("/v1/write/:category"); a trailing "*" segment matches the rest of the path.
// Routes are added before the server starts; lookups are then read-only and thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.h"

namespace sextant::net {

using Handler = std::function<HttpResponse(HttpRequest&)>;

class Router {
 public:
  // Adds a route. Later routes do not shadow earlier ones: the first match wins.
  void add(std::string method, std::string pattern, Handler handler);

  // Finds the handler for req.method and req.path and fills req.path_params.
  // Returns nullptr when no route matches (the caller answers 404). When `pattern` is given it
  // receives the matched route's pattern (for per-route metrics and limits).
  const Handler* match(HttpRequest& req, std::string_view* pattern = nullptr) const;

  // Patterns registered for any method, in order (for access-control whitelists, docs).
  std::vector<std::string> patterns() const;

  // Replaces every handler h by wrap(pattern, h): per-route metrics, limits.
  void wrap(const std::function<Handler(const std::string& pattern, Handler)>& wrap);

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace sextant::net

#include "net/router.h"

namespace sextant::net {

namespace {
std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments = splitPath(pattern);
  routes_.push_back(
      Route{std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

void Router::wrap(const std::function<Handler(const std::string& pattern, Handler)>& wrap) {
  for (Route& r : routes_) r.handler = wrap(r.pattern, std::move(r.handler));
}

const Handler* Router::match(HttpRequest& req, std::string_view* pattern) const {
  std::vector<std::string> parts = splitPath(req.path);
  for (const Route& r : routes_) {
    if (r.method != req.method) continue;
    KeyValues params;
    bool ok = true;
    size_t i = 0;
    for (; i < r.segments.size(); ++i) {
      const std::string& seg = r.segments[i];
      if (seg == "*") {
        std::string rest;
        for (size_t k = i; k < parts.size(); ++k) rest += (k > i ? "/" : "") + parts[k];
        params.emplace_back("*", std::move(rest));
        i = parts.size();
        break;
      }
      if (i >= parts.size()) {
        ok = false;
        break;
      }
      if (!seg.empty() && seg[0] == ':') {
        params.emplace_back(seg.substr(1), parts[i]);
      } else if (seg != parts[i]) {
        ok = false;
        break;
      }
    }
    if (!ok || i != parts.size()) continue;
    req.path_params = std::move(params);
    if (pattern) *pattern = r.pattern;
    return &r.handler;
  }
  return nullptr;
}

std::vector<std::string> Router::patterns() const {
  std::vector<std::string> out;
  for (const Route& r : routes_) out.push_back(r.pattern);
  return out;
}

}  // namespace sextant::net

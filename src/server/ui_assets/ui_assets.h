// The web UI's static files (ui/, built by Vite) served by `sextant server` at "/".
//
// UiAssets::load() reads every regular file under the bundle directory into memory once (the
// bundle is ~2 MB) and keeps a gzip copy of the compressible ones, so serving is a map lookup:
// "/" is index.html, "/<path>" the file at that path. Hashed files under assets/ are cached for a
// year (immutable); the others (index.html, favicon) are revalidated (no-cache + ETag). Clients
// that accept gzip get the gzip copy. Paths with "..", "." or empty segments are 404.
// registerUiRoutes() adds GET "/" and GET "/*" last, after every API route (the router's first
// match wins), so the API is never shadowed. Without a bundle (no --ui-dir), "/" answers a short
// page that says how to build and point the server at the UI.
//
// Thread-safety: immutable after load(); serve() is safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http_types.h"
#include "net/router.h"

namespace sextant::server {

class UiAssets {
 public:
  // Error when dir cannot be read or has no index.html.
  static Result<std::shared_ptr<const UiAssets>> load(const std::string& dir);
  net::HttpResponse serve(const net::HttpRequest& req) const;
  size_t fileCount() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string gzip_body;  // empty: not worth compressing
    std::string etag;
    bool immutable = false;
  };
  std::map<std::string, File, std::less<>> files_;  // "index.html", "assets/index-abc.js"
};

// assets null: "/" answers the "UI not built" page and "/*" is left to the caller's 404.
void registerUiRoutes(net::Router& router, std::shared_ptr<const UiAssets> assets);

}  // namespace sextant::server

#include "server/ui_assets/ui_assets.h"

#include <cstdio>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "codec/compression/compression.h"
#include "core/crc32c.h"
#include "core/file_system.h"

namespace sextant::server {
namespace {

std::string_view contentTypeFor(std::string_view path) {
  struct Entry {
    std::string_view ext, type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const Entry& e : kTypes) {
    if (path.ends_with(e.ext)) return e.type;
  }
  return "application/octet-stream";
}

bool compressible(std::string_view type) {
  return type.starts_with("text/") || type == "application/json" || type == "image/svg+xml";
}

// "assets/x.js" from "/assets/x.js"; empty for "/", and for any ".", ".." or empty segment.
std::string relativePath(std::string_view path) {
  if (path.empty() || path.front() != '/') return {};
  path.remove_prefix(1);
  if (path.empty()) return "index.html";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return {};
    start = end + 1;
  }
  return std::string(path);
}

constexpr std::string_view kNotBuiltPage =
    "<!doctype html><meta charset=utf-8><title>Sextant</title>"
    "<body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\">"
    "<h1>Sextant</h1><p>The server is running, but it was started without the web UI.</p>"
    "<p>Build the UI with <code>make ui</code> (or <code>cd ui &amp;&amp; npm ci &amp;&amp; npm "
    "run "
    "build</code>) and start the server with <code>--ui-dir build/ui</code>. "
    "<code>make run</code> does both.</p><p>The APIs answer anyway: <a href=\"/v1/ping\">/v1/ping"
    "</a>, <a href=\"/metrics\">/metrics</a>.</p></body>";

}  // namespace

Result<std::shared_ptr<const UiAssets>> UiAssets::load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto assets = std::make_shared<UiAssets>();
  FileSystem& files = realFileSystem();
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string rel = it->path().lexically_relative(dir).generic_string();
    Result<std::string> body = files.readFile(it->path().string());
    if (!body.isOk()) return body.status();
    File f;
    f.content_type = std::string(contentTypeFor(rel));
    f.body = std::move(*body);
    if (compressible(f.content_type) && f.body.size() > 512) {
      f.gzip_body = codec::compress(f.body, codec::ContentEncoding::kGzip, 6);
      if (f.gzip_body.size() >= f.body.size()) f.gzip_body.clear();
    }
    char etag[32];
    std::snprintf(etag, sizeof(etag), "\"%08x-%zx\"", crc32c(f.body), f.body.size());
    f.etag = etag;
    f.immutable = rel.starts_with("assets/");
    assets->files_.emplace(std::move(rel), std::move(f));
  }
  if (ec) return internalError("ui dir " + dir + ": " + ec.message());
  if (assets->files_.find("index.html") == assets->files_.end()) {
    return notFound("ui dir " + dir + " has no index.html (build the UI: make ui)");
  }
  return std::shared_ptr<const UiAssets>(std::move(assets));
}

net::HttpResponse UiAssets::serve(const net::HttpRequest& req) const {
  std::string rel = relativePath(req.path);
  auto it = rel.empty() ? files_.end() : files_.find(rel);
  if (it == files_.end()) {
    return net::HttpResponse::json(
        404, R"({"error_code":"sextant.notFound","message":"no such route or file"})");
  }
  const File& f = it->second;
  net::HttpResponse resp;
  resp.headers.emplace_back("Cache-Control",
                            f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  resp.headers.emplace_back("ETag", f.etag);
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (req.header("If-None-Match") == f.etag) {
    resp.status = 304;
    return resp;
  }
  resp.content_type = f.content_type;
  if (!f.gzip_body.empty() &&
      req.header("Accept-Encoding").find("gzip") != std::string_view::npos) {
    resp.headers.emplace_back("Content-Encoding", "gzip");
    resp.headers.emplace_back("Vary", "Accept-Encoding");
    resp.body = f.gzip_body;
  } else {
    resp.body = f.body;
  }
  return resp;
}

void registerUiRoutes(net::Router& router, std::shared_ptr<const UiAssets> assets) {
  if (!assets) {
    router.add("GET", "/", [](net::HttpRequest&) {
      net::HttpResponse r = net::HttpResponse::text(200, std::string(kNotBuiltPage));
      r.content_type = "text/html; charset=utf-8";
      return r;
    });
    return;
  }
  for (const char* pattern : {"/", "/*"}) {
    router.add("GET", pattern, [assets](net::HttpRequest& req) { return assets->serve(req); });
  }
}

}  // namespace sextant::server

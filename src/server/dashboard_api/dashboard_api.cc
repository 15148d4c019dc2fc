#include "server/dashboard_api/dashboard_api.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <random>

#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "server/api_common/api_common.h"

namespace sextant::server {

namespace {

using codec::json::JsonWriter;
using dashboard::Dashboard;

constexpr std::string_view kSuffix = ".json";

std::string randomId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 16; ++i) id += kHex[rd() % 16];
  return id;
}

net::HttpResponse notFound(std::string_view id) {
  return api::jsonError(404, "sextant.dashboardNotFound",
                        "no dashboard " + std::string(id) + " in this workspace");
}

class Api {
 public:
  Api(const workspace::WorkspaceStore& store, std::string data_dir, DashboardApiOptions o)
      : store_(store), root_(joinPath(data_dir, "dashboards")), o_(std::move(o)) {
    if (o_.fs == nullptr) o_.fs = &realFileSystem();
    if (!o_.now_ms) o_.now_ms = [] { return wallNowNs() / 1'000'000; };
    if (!o_.new_id) o_.new_id = randomId;
  }

  net::HttpResponse list(const net::HttpRequest& req);
  net::HttpResponse create(const net::HttpRequest& req);
  net::HttpResponse get(const net::HttpRequest& req);
  net::HttpResponse update(const net::HttpRequest& req);
  net::HttpResponse remove(const net::HttpRequest& req);

 private:
  std::string dir(const workspace::Workspace& ws) const { return joinPath(root_, ws.id); }
  std::string file(const workspace::Workspace& ws, std::string_view id) const {
    return joinPath(dir(ws), std::string(id) + std::string(kSuffix));
  }
  // The stored document `id`: nullopt with *error set (404, 500) when it cannot be read.
  std::optional<std::pair<std::string, Dashboard>> load(const workspace::Workspace& ws,
                                                        std::string_view id,
                                                        net::HttpResponse* error);
  std::optional<Dashboard> body(const net::HttpRequest& req, net::HttpResponse* error) const;
  net::HttpResponse store(const workspace::Workspace& ws, const Dashboard& d,
                          const dashboard::Meta& meta, int status);

  const workspace::WorkspaceStore& store_;
  std::string root_;
  DashboardApiOptions o_;
  std::mutex mu_;  // serialises writers (create, update, delete)
};

std::optional<Dashboard> Api::body(const net::HttpRequest& req, net::HttpResponse* error) const {
  Result<Dashboard> d = dashboard::parseDashboard(req.body, o_.limits);
  if (!d.isOk()) {
    *error = api::badRequest(d.status().message());
    return std::nullopt;
  }
  return std::move(*d);
}

std::optional<std::pair<std::string, Dashboard>> Api::load(const workspace::Workspace& ws,
                                                           std::string_view id,
                                                           net::HttpResponse* error) {
  if (!dashboard::isValidDashboardId(id) || !o_.fs->exists(file(ws, id))) {
    *error = notFound(id);
    return std::nullopt;
  }
  Result<std::string> text = o_.fs->readFile(file(ws, id));
  if (!text.isOk()) {
    *error = text.status().code() == StatusCode::kNotFound
                 ? notFound(id)
                 : api::jsonError(500, "sextant.storageError", text.status().message());
    return std::nullopt;
  }
  dashboard::Limits stored = o_.limits;
  stored.max_bytes += 4096;  // the server's own fields
  Result<Dashboard> d = dashboard::parseDashboard(*text, stored);
  if (!d.isOk()) {
    *error = api::jsonError(500, "sextant.storageError",
                            "stored dashboard " + std::string(id) + ": " + d.status().message());
    return std::nullopt;
  }
  return std::make_pair(std::move(*text), std::move(*d));
}

net::HttpResponse Api::store(const workspace::Workspace& ws, const Dashboard& d,
                             const dashboard::Meta& meta, int status) {
  std::string text = dashboard::renderDashboard(d, meta);
  Status st = o_.fs->createDirs(dir(ws));
  if (st.isOk()) st = writeFileAtomically(*o_.fs, file(ws, meta.id), text);
  if (!st.isOk()) return api::jsonError(500, "sextant.storageError", st.message());
  return net::HttpResponse::json(status, std::move(text));
}

net::HttpResponse Api::list(const net::HttpRequest& req) {
  net::HttpResponse error;
  std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &error);
  if (!ws) return error;
  struct Row {
    std::string id;
    Dashboard d;
  };
  std::vector<Row> rows;
  if (o_.fs->exists(dir(*ws))) {
    Result<std::vector<std::string>> names = o_.fs->listDir(dir(*ws));
    if (!names.isOk()) return api::jsonError(500, "sextant.storageError", names.status().message());
    for (const std::string& name : *names) {
      if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) continue;
      std::string id = name.substr(0, name.size() - kSuffix.size());
      if (!dashboard::isValidDashboardId(id)) continue;
      net::HttpResponse ignored;
      auto loaded = load(*ws, id, &ignored);
      if (!loaded) continue;  // removed meanwhile, or unreadable: GET /:id says why
      rows.push_back({std::move(id), std::move(loaded->second)});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.d.title != b.d.title ? a.d.title < b.d.title : a.id < b.id;
  });
  std::string out;
  JsonWriter w(&out);
  w.beginObject();
  w.key("dashboards");
  w.beginArray();
  for (const Row& r : rows) {
    w.beginObject();
    w.key("id");
    w.string(r.id);
    w.key("title");
    w.string(r.d.title);
    w.key("tags");
    w.beginArray();
    for (const std::string& t : r.d.tags) w.string(t);
    w.endArray();
    w.key("version");
    w.integer(r.d.version.value_or(1));
    w.key("charts");
    w.integer(static_cast<std::int64_t>(r.d.charts));
    w.key("created");
    w.integer(r.d.created_ms);
    w.key("updated");
    w.integer(r.d.updated_ms);
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return net::HttpResponse::json(200, std::move(out));
}

net::HttpResponse Api::create(const net::HttpRequest& req) {
  net::HttpResponse error;
  std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &error);
  if (!ws) return error;
  std::optional<Dashboard> d = body(req, &error);
  if (!d) return error;
  std::lock_guard lock(mu_);
  dashboard::Meta meta;
  for (int attempt = 0; attempt < 8; ++attempt) {
    meta.id = o_.new_id();
    if (!o_.fs->exists(file(*ws, meta.id))) break;
    meta.id.clear();
  }
  if (!dashboard::isValidDashboardId(meta.id))
    return api::jsonError(500, "sextant.internalError", "could not pick a dashboard id");
  meta.version = 1;
  meta.created_ms = meta.updated_ms = o_.now_ms();
  return store(*ws, *d, meta, 201);
}

net::HttpResponse Api::get(const net::HttpRequest& req) {
  net::HttpResponse error;
  std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &error);
  if (!ws) return error;
  auto loaded = load(*ws, req.pathParam("id"), &error);
  if (!loaded) return error;
  return net::HttpResponse::json(200, std::move(loaded->first));
}

net::HttpResponse Api::update(const net::HttpRequest& req) {
  net::HttpResponse error;
  std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &error);
  if (!ws) return error;
  std::string id(req.pathParam("id"));
  std::optional<Dashboard> d = body(req, &error);
  if (!d) return error;
  if (!d->version)
    return api::badRequest(
        "version: missing (send the version you loaded; the server refuses a stale one)");
  std::lock_guard lock(mu_);
  auto loaded = load(*ws, id, &error);
  if (!loaded) return error;
  const std::int64_t current = loaded->second.version.value_or(1);
  if (*d->version != current)
    return api::jsonError(409, "sextant.versionConflict",
                          "dashboard " + id + " was changed since you loaded it (version " +
                              std::to_string(*d->version) + ", now " + std::to_string(current) +
                              "): reload it, or save a copy");
  dashboard::Meta meta;
  meta.id = id;
  meta.version = current + 1;
  meta.created_ms = loaded->second.created_ms;
  meta.updated_ms = std::max(o_.now_ms(), loaded->second.updated_ms);
  return store(*ws, *d, meta, 200);
}

net::HttpResponse Api::remove(const net::HttpRequest& req) {
  net::HttpResponse error;
  std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, &error);
  if (!ws) return error;
  std::string id(req.pathParam("id"));
  std::lock_guard lock(mu_);
  if (!dashboard::isValidDashboardId(id) || !o_.fs->exists(file(*ws, id))) return notFound(id);
  Status st = o_.fs->remove(file(*ws, id));
  if (!st.isOk()) return api::jsonError(500, "sextant.storageError", st.message());
  std::string out;
  JsonWriter w(&out);
  w.beginObject();
  w.key("deleted");
  w.string(id);
  w.endObject();
  return net::HttpResponse::json(200, std::move(out));
}

}  // namespace

void registerDashboardApi(net::Router& r, const workspace::WorkspaceStore& store,
                          std::string data_dir, DashboardApiOptions options) {
  auto api = std::make_shared<Api>(store, std::move(data_dir), std::move(options));
  r.add("GET", "/v1/dashboards", [api](net::HttpRequest& q) { return api->list(q); });
  r.add("POST", "/v1/dashboards", [api](net::HttpRequest& q) { return api->create(q); });
  r.add("GET", "/v1/dashboards/:id", [api](net::HttpRequest& q) { return api->get(q); });
  r.add("PUT", "/v1/dashboards/:id", [api](net::HttpRequest& q) { return api->update(q); });
  r.add("DELETE", "/v1/dashboards/:id", [api](net::HttpRequest& q) { return api->remove(q); });
}

}  // namespace sextant::server

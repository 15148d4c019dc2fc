#include "agent/inputs/rum/rum_input.h"

#include <algorithm>
#include <filesystem>

#include "agent/api_error.h"
#include "agent/queue/disk_queue.h"
#include "agent/write_api.h"
#include "codec/compression/compression.h"
#include "codec/multipart/multipart.h"
#include "codec/point_json/base64.h"
#include "codec/point_json/json_writer.h"
#include "core/file_system.h"

namespace sextant::agent::inputs::rum {

namespace {

constexpr std::string_view kUnknown = "unknown";

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The first address of a header value ("a, b, c" -> "a") without port or brackets, or "" when
// it is not an IP address.
std::string firstAddress(std::string_view value) {
  std::string_view first = trimSpaces(value.substr(0, value.find(',')));
  if (first.empty()) return {};
  if (parseIpAddress(first)) return std::string(first);
  // "[v6]:port" or "v4:port".
  if (first.front() == '[') {
    size_t close = first.find(']');
    if (close != std::string_view::npos && parseIpAddress(first.substr(1, close - 1))) {
      return std::string(first.substr(1, close - 1));
    }
    return {};
  }
  size_t colon = first.find(':');
  if (colon != std::string_view::npos && first.find(':', colon + 1) == std::string_view::npos &&
      parseIpAddress(first.substr(0, colon))) {
    return std::string(first.substr(0, colon));
  }
  return {};
}

bool hasKey(const model::Point& p, std::string_view key) {
  return p.findTag(key) != nullptr || p.findField(key) != nullptr;
}

// The app_id of a point: a tag, or a string field (DataKit's p.Get). nullptr when absent.
const std::string* appIdOf(const model::Point& p) {
  if (const model::Tag* t = p.findTag("app_id")) return &t->value;
  if (const model::Field* f = p.findField("app_id")) return std::get_if<std::string>(&f->value);
  return nullptr;
}

std::string fieldString(const model::Point& p, std::string_view key) {
  if (const model::Field* f = p.findField(key)) {
    if (const std::string* s = std::get_if<std::string>(&f->value)) return *s;
  }
  if (const model::Tag* t = p.findTag(key)) return t->value;
  return {};
}

std::string mediaType(std::string_view content_type) {
  std::string t(trimSpaces(content_type.substr(0, content_type.find(';'))));
  for (char& c : t) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return t;
}

std::string underCache(const std::string& install_dir, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  return (install_dir.empty() ? std::string(".") : install_dir) + "/cache/" + path;
}

}  // namespace

// ------------------------------------------------------------------ config

Result<RumConfig> parseRumConfig(const config::ConfigTable& t, const EnvMap& env) {
  RumConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("endpoints", &c.endpoints));
  SEXTANT_RETURN_IF_ERROR(t.get("session_replay_endpoints", &c.session_replay_endpoints));
  SEXTANT_RETURN_IF_ERROR(t.get("measurements", &c.measurements));
  SEXTANT_RETURN_IF_ERROR(t.get("ipdb_path", &c.ipdb_path));
  SEXTANT_RETURN_IF_ERROR(t.get("cdn_map", &c.cdn_map));
  SEXTANT_RETURN_IF_ERROR(t.get("rate_limit", &c.rate_limit));
  SEXTANT_RETURN_IF_ERROR(t.get("rate_limit_burst", &c.rate_limit_burst));
  int64_t max_body = static_cast<int64_t>(c.max_body_bytes);
  SEXTANT_RETURN_IF_ERROR(t.get("max_body_bytes", &max_body));
  if (max_body <= 0) return invalidArgument(t.where("max_body_bytes") + ": must be positive");
  c.max_body_bytes = static_cast<size_t>(max_body);
  if (c.rate_limit > 0 && c.rate_limit_burst < 1) {
    return invalidArgument(t.where("rate_limit_burst") + ": must be at least 1");
  }
  auto replay = t.table("session_replay");
  if (!replay.isOk()) return replay.status();
  if (*replay) {
    const config::ConfigTable& r = **replay;
    SEXTANT_RETURN_IF_ERROR(r.get("cache_path", &c.replay_cache_path));
    SEXTANT_RETURN_IF_ERROR(r.get("cache_capacity_mb", &c.replay_cache_capacity_mb));
    SEXTANT_RETURN_IF_ERROR(r.get("clear_cache_on_start", &c.replay_clear_cache_on_start));
    SEXTANT_RETURN_IF_ERROR(r.get("send_timeout", &c.replay_send_timeout));
    if (c.replay_cache_capacity_mb <= 0) {
      return invalidArgument(r.where("cache_capacity_mb") + ": must be positive");
    }
    if (c.replay_send_timeout <= std::chrono::nanoseconds(0)) {
      return invalidArgument(r.where("send_timeout") + ": must be positive");
    }
  }
  EnvOverrides e("rum", env);
  auto list = [&](std::string_view key, std::vector<std::string>* out) {
    if (!e.has(key)) return;
    std::vector<std::string> v;
    e.appendList(key, &v);
    if (!v.empty()) *out = std::move(v);
  };
  list("ENDPOINTS", &c.endpoints);
  list("SESSION_REPLAY_ENDPOINTS", &c.session_replay_endpoints);
  list("MEASUREMENTS", &c.measurements);
  e.nonEmptyString("IPDB_PATH", &c.ipdb_path);
  e.nonEmptyString("CDN_MAP", &c.cdn_map);
  if (e.has("RATE_LIMIT")) {
    std::string v;
    e.nonEmptyString("RATE_LIMIT", &v);
    char* end = nullptr;
    double rate = std::strtod(v.c_str(), &end);
    if (v.empty() || end == v.c_str() || *end != '\0') {
      return invalidArgument(e.variable("RATE_LIMIT") + ": not a number '" + v + "'");
    }
    c.rate_limit = rate;
  }
  for (const std::string& p : c.endpoints) {
    if (p.empty() || p.front() != '/')
      return invalidArgument(t.where("endpoints") + ": bad path '" + p + "'");
  }
  for (const std::string& p : c.session_replay_endpoints) {
    if (p.empty() || p.front() != '/') {
      return invalidArgument(t.where("session_replay_endpoints") + ": bad path '" + p + "'");
    }
  }
  return c;
}

// ------------------------------------------------------------------ client IP

std::string clientIp(const net::HttpRequest& req, std::string_view origin_header) {
  if (!origin_header.empty()) {
    std::string ip = firstAddress(req.header(origin_header));
    if (!ip.empty()) return ip;
  }
  for (std::string_view h : {std::string_view("X-Forwarded-For"), std::string_view("X-Real-IP")}) {
    std::string ip = firstAddress(req.header(h));
    if (!ip.empty()) return ip;
  }
  std::string peer = firstAddress(req.remote_ip);
  return peer.empty() ? req.remote_ip : peer;
}

// ------------------------------------------------------------------ input

RumInput::RumInput(RumConfig config, const InputEnv& env)
    : config_(std::move(config)),
      feeder_(env.feeder),
      now_ns_(env.now_ns),
      install_dir_(env.install_dir),
      origin_ip_header_(env.rum_origin_ip_header),
      white_list_(env.rum_app_id_white_list.begin(), env.rum_app_id_white_list.end()),
      measurements_(config_.measurements.begin(), config_.measurements.end()),
      dataway_client_(env.dataway_client),
      sourcemaps_(std::make_unique<SourcemapStore>(
          env.install_dir.empty() ? std::string("data/rum") : joinPath(env.install_dir, "data/rum"),
          config_.sourcemap_cache_bytes)) {
  if (config_.rate_limit > 0) {
    net::RateLimiterOptions o;
    o.rate = config_.rate_limit;
    o.burst = config_.rate_limit_burst;
    limiter_ = std::make_unique<net::RateLimiter>(o);
  }
}

Result<std::unique_ptr<RumInput>> RumInput::create(RumConfig config, const InputEnv& env) {
  std::unique_ptr<RumInput> in(new RumInput(std::move(config), env));
  if (!in->config_.ipdb_path.empty()) {
    std::string path = in->config_.ipdb_path;
    if (path.front() != '/' && !env.install_dir.empty()) path = env.install_dir + "/" + path;
    auto db = IpDatabase::load(path);
    if (!db.isOk()) return Status(db.status().code(), "[inputs.rum] " + db.status().message());
    in->ipdb_ = std::move(*db);
  }
  if (!in->config_.cdn_map.empty()) {
    auto m = CdnMap::parse(in->config_.cdn_map, "[inputs.rum] cdn_map");
    if (!m.isOk()) return m.status();
    in->cdn_map_ = std::move(*m);
  }
  if (!env.dataway_url.empty()) {
    auto dw = parseDatawayUrl(env.dataway_url);
    if (!dw.isOk())
      return Status(dw.status().code(), "[inputs.rum] dataway: " + dw.status().message());
    in->dataway_ = std::move(*dw);
  }
  return in;
}

RumInput::~RumInput() { stop(); }

std::vector<InputRoute> RumInput::routes() {
  std::vector<InputRoute> out;
  for (const std::string& p : config_.endpoints) {
    out.push_back({"POST", p, [this](net::HttpRequest& req) { return handleWrite(req); }});
  }
  for (const std::string& p : config_.session_replay_endpoints) {
    out.push_back({"POST", p, [this](net::HttpRequest& req) { return handleReplay(req); }});
  }
  auto sourcemap = [this](net::HttpRequest& req) { return handleSourcemap(req); };
  out.push_back({"PUT", "/v1/sourcemap", sourcemap});
  out.push_back({"DELETE", "/v1/sourcemap", sourcemap});
  out.push_back({"GET", "/v1/sourcemap/check",
                 [this](net::HttpRequest& req) { return handleSourcemapCheck(req); }});
  return out;
}

Status RumInput::start() {
  std::lock_guard<std::mutex> l(queue_mu_);
  if (replay_) return Status::ok();
  DiskQueueOptions o;
  o.dir = underCache(install_dir_, config_.replay_cache_path);
  if (config_.replay_clear_cache_on_start) {
    std::error_code ec;
    std::filesystem::remove_all(o.dir, ec);
  }
  o.max_bytes = static_cast<uint64_t>(config_.replay_cache_capacity_mb) << 20;
  o.segment_bytes = std::min<uint64_t>(std::max<uint64_t>(o.max_bytes / 4, 1), 64ull << 20);
  o.sync = SyncPolicy::kEveryPut;
  o.when_full = FullPolicy::kDropOldest;
  auto q = DiskQueue::open(realFileSystem(), o);
  if (!q.isOk()) {
    return Status(q.status().code(),
                  "[inputs.rum] session replay cache " + o.dir + ": " + q.status().message());
  }
  replay_ = std::move(*q);
  {
    std::lock_guard<std::mutex> w(worker_mu_);
    stopping_ = false;
  }
  worker_ = std::thread([this] { forwardLoop(); });
  return Status::ok();
}

void RumInput::stop() {
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> l(worker_mu_);
      stopping_ = true;
    }
    worker_cv_.notify_all();
    worker_.join();
  }
  std::lock_guard<std::mutex> l(queue_mu_);
  replay_.reset();
}

void RumInput::count(uint64_t RumStats::*counter, uint64_t n) {
  std::lock_guard<std::mutex> l(stats_mu_);
  stats_.*counter += n;
}

RumStats RumInput::stats() const {
  std::lock_guard<std::mutex> l(stats_mu_);
  return stats_;
}

std::vector<InputCounter> RumInput::counters() const {
  RumStats s = stats();
  return {{"requests", s.requests},
          {"points", s.points},
          {"bad_requests", s.bad_requests},
          {"not_allowed", s.not_allowed},
          {"rate_limited", s.rate_limited},
          {"too_large", s.too_large},
          {"feed_failures", s.feed_failures},
          {"replay_requests", s.replay_requests},
          {"replay_bad_requests", s.replay_bad_requests},
          {"replay_queued", s.replay_queued},
          {"replay_forwarded", s.replay_forwarded},
          {"replay_dropped", s.replay_dropped},
          {"replay_retries", s.replay_retries},
          {"sourcemap_requests", s.sourcemap_requests},
          {"errors_symbolicated", s.errors_symbolicated}};
}

bool RumInput::appIdAllowed(std::string_view app_id) const {
  return white_list_.empty() || white_list_.find(app_id) != white_list_.end();
}

namespace {

// DataKit's answer envelope of the sourcemap routes: {"content":..,"errorMsg":..,"success":..}.
// content_json is a JSON value ("null" when there is none).
net::HttpResponse sourcemapAnswer(int status, std::string_view content_json,
                                  std::string_view error) {
  std::string body = "{\"content\":";
  body += content_json;
  body += ",\"errorMsg\":";
  codec::json::appendJsonString(error, &body);
  body += ",\"success\":";
  body += error.empty() ? "true}" : "false}";
  return net::HttpResponse::json(status, std::move(body));
}

std::string jsonString(std::string_view s) {
  std::string out;
  codec::json::appendJsonString(s, &out);
  return out;
}

int httpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return 404;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnimplemented: return 400;
    default: return 500;
  }
}

SourcemapKey sourcemapKeyOf(const net::HttpRequest& req) {
  SourcemapKey key;
  key.app_id = req.queryValue("app_id");
  key.env = req.queryValue("env");
  key.version = req.queryValue("version");
  std::string_view platform = req.queryValue("platform");
  std::string_view sdk = req.queryValue("sdk_name");
  if (!platform.empty()) {
    key.platform = platform;
  } else if (!sdk.empty()) {  // DataKit's own tests call the check with ?sdk_name=
    key.platform = platformOfSdk(sdk);
    if (key.platform.empty()) key.platform = sdk;
  }
  return key;
}

}  // namespace

// Adds error_stack_source_base64 to an error point whose app_id/env/version have a zip.
void RumInput::symbolicate(model::Point* p) {
  SourcemapKey key;
  key.platform = platformOfSdk(fieldString(*p, "sdk_name"));
  if (key.platform.empty()) return;
  key.app_id = fieldString(*p, "app_id");
  key.env = fieldString(*p, "env");
  key.version = fieldString(*p, "version");
  std::string stack = fieldString(*p, "error_stack");
  if (stack.empty()) return;
  auto out = sourcemaps_->symbolicate(key, stack);
  if (!out.isOk()) {
    if (feeder_ != nullptr) feeder_->reportError("rum", "sourcemap: " + out.status().message());
    return;
  }
  if (!out->has_value()) return;
  std::string b64;
  codec::json::base64Encode((*out)->text, &b64);
  p->addField("error_stack_source_base64", std::move(b64));
  count(&RumStats::errors_symbolicated);
}

net::HttpResponse RumInput::handleSourcemap(net::HttpRequest& req) {
  count(&RumStats::sourcemap_requests);
  SourcemapKey key = sourcemapKeyOf(req);
  std::string_view token = req.queryValue("token");
  // DataKit accepts the token of its DataWay URL.
  if (!dataway_ || dataway_->token.empty()) {
    return sourcemapAnswer(400, "null", "no DataWay token configured: sourcemap uploads disabled");
  }
  if (token != dataway_->token) return sourcemapAnswer(400, "null", "invalid token");
  Status s = SourcemapStore::checkKey(key);
  if (!s.isOk()) return sourcemapAnswer(400, "null", s.message());
  const std::string path = sourcemaps_->zipPath(key);
  if (req.method == "DELETE") {
    s = sourcemaps_->remove(key);
    if (!s.isOk()) {
      return sourcemapAnswer(httpStatusOf(s), "null",
                             "delete sourcemap file [" + path + "] failed: " + s.message());
    }
    return sourcemapAnswer(200, jsonString("deleted [" + path + "]!"), "");
  }
  if (req.body.size() > config_.max_sourcemap_bytes) {
    count(&RumStats::too_large);
    return sourcemapAnswer(413, "null",
                           "sourcemap body of " + std::to_string(req.body.size()) +
                               " bytes is over the limit of " +
                               std::to_string(config_.max_sourcemap_bytes));
  }
  std::string_view zip = req.body;
  std::string_view content_type = req.header("Content-Type");
  if (mediaType(content_type) == "multipart/form-data") {
    auto parts = codec::multipart::parseMultipart(req.body, content_type);
    if (!parts.isOk()) return sourcemapAnswer(400, "null", parts.status().message());
    const auto* file = codec::multipart::findPart(*parts, "file");
    if (file == nullptr) return sourcemapAnswer(400, "null", "multipart part \"file\" not found");
    zip = file->data;
  }
  if (zip.empty()) return sourcemapAnswer(400, "null", "empty sourcemap zip");
  s = sourcemaps_->put(key, zip);
  if (!s.isOk()) {
    return sourcemapAnswer(httpStatusOf(s), "null", "upload sourcemap failed: " + s.message());
  }
  return sourcemapAnswer(200, jsonString("uploaded to [" + path + "]!"), "");
}

net::HttpResponse RumInput::handleSourcemapCheck(net::HttpRequest& req) {
  count(&RumStats::sourcemap_requests);
  SourcemapKey key = sourcemapKeyOf(req);
  std::string stack(req.queryValue("error_stack"));
  auto content = [&](std::string_view symbolicated) {
    return "{\"error_stack\":" + jsonString(symbolicated) +
           ",\"original_error_stack\":" + jsonString(stack) + "}";
  };
  if (stack.empty()) return sourcemapAnswer(400, content(stack), "error_stack not found");
  Status s = SourcemapStore::checkKey(key);
  if (!s.isOk()) return sourcemapAnswer(400, content(stack), s.message());
  auto out = sourcemaps_->symbolicate(key, stack);
  if (!out.isOk()) return sourcemapAnswer(400, content(stack), out.status().message());
  if (!out->has_value()) {
    return sourcemapAnswer(400, content(stack),
                           "sourcemap file [" + sourcemaps_->zipPath(key) + "] not found");
  }
  const auto& sym = **out;
  if (sym.mapped == 0) {
    return sourcemapAnswer(400, content(stack),
                           sym.frames == 0
                               ? "no stack frame found in error_stack"
                               : "fetch original source information failed, make sure the "
                                 "sourcemap file matches the stack's URLs");
  }
  return sourcemapAnswer(200, content(sym.text), "");
}

Status RumInput::checkAndFeed(const std::string& ip, std::vector<model::Point>&& points,
                              const FeedOptions& options,
                              std::optional<net::HttpResponse>* rejection) {
  for (const model::Point& p : points) {
    const std::string* app_id = appIdOf(p);
    if (app_id == nullptr || app_id->empty()) {
      *rejection = apiError(400, "datakit.invalidKey",
                            "invalid key \"app_id\" in RUM measurement " + p.measurement);
      return invalidArgument("app_id missing");
    }
    if (!appIdAllowed(*app_id)) {
      *rejection = apiError(403, "datakit.RUMApp_idNotInTheWhiteList",
                            "RUM app_id not in the white list: " + *app_id);
      return Status(StatusCode::kPermissionDenied, "app_id not allowed");
    }
    if (measurements_.find(p.measurement) == measurements_.end()) {
      *rejection = apiError(400, "datakit.unknownRUMMeasurement",
                            "unknown RUM measurement: " + p.measurement);
      return invalidArgument("unknown measurement");
    }
  }

  std::optional<GeoRecord> geo;
  if (ipdb_) geo = ipdb_->lookup(ip);
  const std::string_view geo_values[] = {geo ? geo->city : kUnknown, geo ? geo->province : kUnknown,
                                         geo ? geo->country : kUnknown, geo ? geo->isp : kUnknown};
  constexpr std::string_view kGeoKeys[] = {"city", "province", "country", "isp"};
  for (model::Point& p : points) {
    if (!hasKey(p, "ip")) p.addTag("ip", ip);
    for (size_t i = 0; i < 4; ++i) {
      if (!hasKey(p, kGeoKeys[i])) p.addTag(std::string(kGeoKeys[i]), std::string(geo_values[i]));
    }
    if (p.measurement == "resource") {
      std::string provider_type(kUnknown), provider_name(kUnknown);
      std::string host = fieldString(p, "resource_url_host");
      if (const CdnProvider* cdn = cdn_map_.match(host)) {
        provider_type = "CDN";
        provider_name = cdn->name;
      } else if (!host.empty() &&
                 normalizeHost(host) == normalizeHost(fieldString(p, "view_host"))) {
        provider_type = "first-party";
      }
      if (!hasKey(p, "provider_type")) p.addField("provider_type", std::move(provider_type));
      if (!hasKey(p, "provider_name")) p.addField("provider_name", std::move(provider_name));
    }
    if (p.measurement == "error" && !hasKey(p, "error_stack_source_base64")) symbolicate(&p);
  }

  if (feeder_ == nullptr) return internalError("rum: no feeder");
  size_t n = points.size();
  Status st = feeder_->feed(model::Category::kRum, std::move(points), options);
  if (!st.isOk()) {
    count(&RumStats::feed_failures);
    // A feed failure is not the client's fault: never a 400.
    if (st.code() != StatusCode::kResourceExhausted) return internalError(st.message());
    return st;
  }
  count(&RumStats::points, n);
  return st;
}

net::HttpResponse RumInput::handleWrite(net::HttpRequest& req) {
  count(&RumStats::requests);
  const std::string ip = clientIp(req, origin_ip_header_);
  if (limiter_ && !limiter_->allow(ip, "rum")) {
    count(&RumStats::rate_limited);
    return apiError(429, "datakit.reachMaxAPILimit", "reach max API limit");
  }
  auto bad = [&](net::HttpResponse resp, std::string_view message) {
    count(&RumStats::bad_requests);
    if (feeder_ != nullptr)
      feeder_->reportError("rum", std::string(message) + " (client " + ip + ")");
    return resp;
  };
  if (req.body.size() > config_.max_body_bytes) {
    count(&RumStats::too_large);
    return apiError(413, "datakit.bodyTooLarge",
                    "body of " + std::to_string(req.body.size()) + " bytes is over the limit of " +
                        std::to_string(config_.max_body_bytes));
  }

  // Decompress here (once) so that the decoded body can be sniffed; the write handler then sees
  // an identity body.
  bool has_encoding = false;
  std::string_view encoding_name = req.queryValue("encoding", &has_encoding);
  if (!has_encoding || encoding_name.empty()) encoding_name = req.header("Content-Encoding");
  auto encoding = codec::parseContentEncoding(encoding_name);
  if (!encoding) {
    std::string msg = "unsupported encoding '" + std::string(encoding_name) + "'";
    return bad(apiError(400, "datakit.decodeBodyFailed", msg), msg);
  }
  if (*encoding != codec::ContentEncoding::kIdentity && !req.body.empty()) {
    auto r = codec::decompress(req.body, *encoding, config_.max_decompressed_bytes);
    if (!r.isOk()) {
      if (r.status().code() == StatusCode::kOutOfRange) {
        count(&RumStats::too_large);
        return apiError(413, "datakit.bodyTooLarge", r.status().message());
      }
      return bad(apiError(400, "datakit.decodeBodyFailed", r.status().message()),
                 r.status().message());
    }
    req.body = std::move(*r);
  }
  std::erase_if(req.query, [](const auto& kv) { return kv.first == "encoding"; });
  std::erase_if(req.headers, [](const auto& kv) {
    return kv.first.size() == 16 && mediaType(kv.first) == "content-encoding";
  });

  // JSON sniffing: the SDK's JSON mode may arrive as text/plain (sendBeacon, Blob types).
  std::string_view ct = req.header("Content-Type");
  if (ct.find("application/json") == std::string_view::npos) {
    size_t i = req.body.find_first_not_of(" \t\r\n");
    if (i != std::string::npos && (req.body[i] == '[' || req.body[i] == '{')) {
      std::erase_if(req.headers,
                    [](const auto& kv) { return mediaType(kv.first) == "content-type"; });
      req.headers.emplace_back("Content-Type", "application/json");
    }
  }

  req.path_params = {{"category", "rum"}};
  std::optional<net::HttpResponse> rejection;
  WriteContext ctx;
  ctx.now_ns = now_ns_;
  ctx.max_decompressed_bytes = config_.max_decompressed_bytes;
  ctx.sink = [&](model::Category, std::vector<model::Point>&& points, const FeedOptions& options) {
    return checkAndFeed(ip, std::move(points), options, &rejection);
  };
  net::HttpResponse resp = agent::handleWrite(req, ctx);
  if (rejection) {
    if (rejection->status == 403) {
      count(&RumStats::not_allowed);
      return std::move(*rejection);
    }
    return bad(std::move(*rejection), "rejected RUM request");
  }
  if (resp.status >= 400 && resp.status < 500) {
    std::string message = resp.body;
    return bad(std::move(resp), message);
  }
  return resp;
}

net::HttpResponse RumInput::handleReplay(net::HttpRequest& req) {
  count(&RumStats::replay_requests);
  const std::string ip = clientIp(req, origin_ip_header_);
  if (limiter_ && !limiter_->allow(ip, "rum_replay")) {
    count(&RumStats::rate_limited);
    return apiError(429, "datakit.reachMaxAPILimit", "reach max API limit");
  }
  auto bad = [&](int status, std::string_view code, const std::string& message) {
    count(&RumStats::replay_bad_requests);
    if (feeder_ != nullptr)
      feeder_->reportError("rum", "session replay: " + message + " (client " + ip + ")");
    return apiError(status, code, message);
  };
  if (req.body.size() > config_.max_replay_body_bytes) {
    count(&RumStats::too_large);
    return apiError(413, "datakit.bodyTooLarge",
                    "session replay body of " + std::to_string(req.body.size()) +
                        " bytes is over the limit of " +
                        std::to_string(config_.max_replay_body_bytes));
  }
  std::string_view content_type = req.header("Content-Type");
  if (mediaType(content_type) != "multipart/form-data") {
    return bad(
        400, "datakit.badRequest",
        "session replay: expected multipart/form-data, got '" + std::string(content_type) + "'");
  }
  auto parts = codec::multipart::parseMultipart(req.body, content_type);
  if (!parts.isOk()) return bad(400, "datakit.badRequest", parts.status().message());
  const auto* app_id = codec::multipart::findPart(*parts, "app_id");
  const auto* session_id = codec::multipart::findPart(*parts, "session_id");
  if (app_id == nullptr || app_id->data.empty()) {
    return bad(400, "datakit.invalidKey", "session replay without app_id");
  }
  if (session_id == nullptr || session_id->data.empty()) {
    return bad(400, "datakit.invalidKey", "session replay without session_id");
  }
  if (!appIdAllowed(app_id->data)) {
    count(&RumStats::not_allowed);
    return apiError(403, "datakit.RUMApp_idNotInTheWhiteList",
                    "RUM app_id not in the white list: " + std::string(app_id->data));
  }

  QueueRecord rec;
  rec.content_type = std::string(content_type);
  rec.point_count = 1;
  rec.create_time_ns = now_ns_ ? now_ns_() : 0;
  rec.body = std::move(req.body);
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    if (!replay_) return apiError(503, "datakit.queueFull", "session replay cache not open");
    Status st = replay_->put(rec);
    if (!st.isOk()) {
      return apiError(
          st.code() == StatusCode::kResourceExhausted ? 503 : 500,
          st.code() == StatusCode::kResourceExhausted ? "datakit.queueFull" : "datakit.feedFailed",
          "session replay cache: " + st.message());
    }
  }
  count(&RumStats::replay_queued);
  {
    std::lock_guard<std::mutex> l(worker_mu_);
    kicked_ = true;
  }
  worker_cv_.notify_all();
  return net::HttpResponse{200, "", "", {}};
}

void RumInput::forwardLoop() {
  // Waits d (a new segment ends an idle wait early, never a backoff); false when stopping.
  auto wait = [&](std::chrono::milliseconds d, bool idle) {
    std::unique_lock<std::mutex> l(worker_mu_);
    worker_cv_.wait_for(l, d, [&] { return stopping_ || (idle && kicked_); });
    if (idle) kicked_ = false;
    return !stopping_;
  };
  std::chrono::milliseconds backoff = config_.replay_min_backoff;
  const auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.replay_send_timeout);
  for (;;) {
    {
      std::lock_guard<std::mutex> l(worker_mu_);
      if (stopping_) return;
    }
    if (!dataway_ || dataway_client_ == nullptr) {
      // Nowhere to send: keep the segments on disk (a restart with a DataWay sends them).
      if (!wait(std::chrono::seconds(1), /*idle=*/false)) return;
      continue;
    }
    auto next = replay_->peek();
    if (!next.isOk() || !*next) {
      if (!wait(std::chrono::milliseconds(500), /*idle=*/true)) return;
      continue;
    }
    net::ClientRequest cr;
    cr.method = "POST";
    cr.url = dataway_->apiUrl("/v1/write/rum/replay");
    cr.headers.emplace_back("Content-Type", (*next)->content_type);
    cr.body = std::move((*next)->body);
    cr.timeout = timeout;
    auto resp = dataway_client_->send(cr);
    bool done = false;
    if (resp.isOk()) {
      int s = resp->status;
      if (s >= 200 && s < 300) {
        count(&RumStats::replay_forwarded);
        done = true;
      } else if (s >= 400 && s < 500 && s != 408 && s != 429) {
        count(&RumStats::replay_dropped);
        if (feeder_ != nullptr) {
          feeder_->reportError("rum", "session replay dropped: DataWay answered " +
                                          std::to_string(s) + " " + resp->body.substr(0, 200));
        }
        done = true;
      }
    }
    if (done) {
      (void)replay_->ack();
      backoff = config_.replay_min_backoff;
      continue;
    }
    count(&RumStats::replay_retries);
    if (!wait(backoff, /*idle=*/false)) return;
    backoff = std::min(backoff * 2, config_.replay_max_backoff);
  }
}

// ------------------------------------------------------------------ registration

void registerRumInput(std::vector<InputFactory>* list) {
  list->push_back(InputFactory{
      "rum",
      [](const config::ConfigTable& t, const InputEnv& env) -> Result<std::unique_ptr<Input>> {
        auto c = parseRumConfig(t, env.env);
        if (!c.isOk()) return c.status();
        auto in = RumInput::create(std::move(*c), env);
        if (!in.isOk()) return in.status();
        return std::unique_ptr<Input>(std::move(*in));
      }});
}

}  // namespace sextant::agent::inputs::rum

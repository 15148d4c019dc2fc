// The `rum` input ([[inputs.rum]], datakit-inputs.md §4): browser / mobile Real User Monitoring
// ingest on the agent's port, as DataKit's rum input.
//
// POST /v1/write/rum (`endpoints`): the SDK's batches, decoded by the agent's write handler
// (agent/write_api.h: line protocol in the SDK's dialect, JSON, protobuf; ?precision=ms;
// ?encoding=deflate or Content-Encoding). A JSON body sent as text/plain (the SDK's
// sendContentTypeByJson mode through sendBeacon) is sniffed by its first byte ('[' or '{') and
// decoded as JSON. Before feeding, every point is checked (the whole request is rejected on the
// first bad point, as DataKit):
//   - app_id (string tag or field) missing        -> 400 datakit.invalidKey
//   - app_id not in rum_app_id_white_list          -> 403 datakit.RUMApp_idNotInTheWhiteList
//   - measurement not in `measurements`            -> 400 datakit.unknownRUMMeasurement
// and enriched (first wins: keys the client sent are kept):
//   - tags ip, city, province, country, isp from the client address (clientIp()) and the
//     optional IP database (ipdb.h); "unknown" when there is no database or no match;
//   - resource points: fields provider_type ("CDN" / "first-party" / "unknown") and
//     provider_name from `cdn_map` (cdn_map.h) matched on resource_url_host.
// The points are fed durably (category rum), so 200 means they are in the agent's point path.
//
// POST /v1/write/rum/replay (`session_replay_endpoints`): session-replay segments
// (multipart/form-data, at most 32 MiB), checked (parsable, app_id and session_id present,
// app_id allowed), put on a disk queue under <install_dir>/cache/rum_replay (fsynced before the
// 200), and forwarded unchanged (same Content-Type) by one worker thread to
// <dataway>/v1/write/rum/replay?token=... through InputEnv::dataway_client, retrying with
// exponential backoff while DataWay is down or answers 5xx / 408 / 429; any other 4xx drops the
// segment (counted).
//
// PUT / DELETE /v1/sourcemap and GET /v1/sourcemap/check (sourcemap_store.h): sourcemap zips under
// <install_dir>/data/rum/<platform>/ (token = the DataWay token), symbolication checks, and the
// field error_stack_source_base64 added to `error` points of web / miniapp SDKs whose
// app_id/env/version have a zip. Answers use DataKit's {"content","errorMsg","success"} envelope.
//
// The write routes: a per-client-IP token bucket (`rate_limit`, 429 datakit.reachMaxAPILimit) on
// top of the agent's per-peer limiter, body caps (413 datakit.bodyTooLarge), and counters
// (stats()).
//
// Ownership: the input owns its IP database, CDN map, limiter, replay queue and worker; the
// feeder and DataWay client are borrowed from InputEnv. Thread-safety: route handlers run
// concurrently on the HTTP threads; start()/stop() from the runner's owner thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/inputs/host_common/plugin_util.h"
#include "agent/inputs/rum/cdn_map.h"
#include "agent/inputs/rum/ipdb.h"
#include "agent/inputs/rum/sourcemap_store.h"
#include "agent/runtime/input.h"
#include "agent/uploader/dataway_url.h"
#include "config/config_table.h"
#include "core/status.h"
#include "net/http_types.h"
#include "net/rate_limiter.h"

namespace sextant::agent {
class DiskQueue;
}

namespace sextant::agent::inputs::rum {

struct RumConfig {
  std::vector<std::string> endpoints = {"/v1/write/rum"};
  std::vector<std::string> session_replay_endpoints = {"/v1/write/rum/replay"};
  std::vector<std::string> measurements = {"view",      "resource", "action",
                                           "long_task", "error",    "telemetry"};
  std::string ipdb_path;   // "" = no database (geo tags "unknown"); relative: under install_dir
  std::string cdn_map;     // JSON list, "" = none
  double rate_limit = 20;  // requests per second per client IP; <= 0 disables
  double rate_limit_burst = 100;              // bucket size
  size_t max_body_bytes = 8u << 20;           // /v1/write/rum body as received
  size_t max_decompressed_bytes = 32u << 20;  // after ?encoding= decompression
  size_t max_replay_body_bytes = 32u << 20;   // /v1/write/rum/replay (DataKit: 32 MiB)
  // Sourcemaps (not options yet): the PUT /v1/sourcemap body cap and the parsed-map cache.
  size_t max_sourcemap_bytes = 64u << 20;
  size_t sourcemap_cache_bytes = 256u << 20;
  // [session_replay]
  std::string replay_cache_path = "rum_replay";  // relative: under <install_dir>/cache
  int64_t replay_cache_capacity_mb = 20480;
  bool replay_clear_cache_on_start = false;
  std::chrono::nanoseconds replay_send_timeout = std::chrono::seconds(75);
  // Not options: the worker's retry backoff (tests shorten it).
  std::chrono::milliseconds replay_min_backoff{100};
  std::chrono::milliseconds replay_max_backoff{10'000};
};

// Reads [[inputs.rum]]: endpoints, session_replay_endpoints, measurements, ipdb_path, cdn_map,
// rate_limit, rate_limit_burst, max_body_bytes, [session_replay] cache_path, cache_capacity_mb,
// clear_cache_on_start, send_timeout; then ENV_INPUT_RUM_* (container mode): ENDPOINTS,
// SESSION_REPLAY_ENDPOINTS, MEASUREMENTS (comma lists), IPDB_PATH, CDN_MAP, RATE_LIMIT.
// DataKit-only keys (sourcemap tools, [threads], [storage], upload_workers, send_retry_count,
// filter_rules) are accepted and ignored. Errors name the file, line and key.
Result<RumConfig> parseRumConfig(const config::ConfigTable& t, const EnvMap& env);

// The client address DataKit tags RUM points with: the first address of the header named
// `origin_header` (datakit.conf rum_origin_ip_header), else of X-Forwarded-For, else X-Real-IP,
// else the socket peer. A header value that is not an IP address is skipped (DataKit would tag
// it). Ports and IPv6 brackets are removed ("[2001:db8::1]:443" -> "2001:db8::1").
std::string clientIp(const net::HttpRequest& req, std::string_view origin_header);

struct RumStats {
  uint64_t requests = 0;       // /v1/write/rum requests
  uint64_t points = 0;         // points fed
  uint64_t bad_requests = 0;   // 4xx other than 429/403 white list (decode, app_id, measurement)
  uint64_t not_allowed = 0;    // 403 app_id not in the white list
  uint64_t rate_limited = 0;   // 429 (both routes)
  uint64_t too_large = 0;      // 413 (both routes)
  uint64_t feed_failures = 0;  // 5xx from the point path
  uint64_t replay_requests = 0;
  uint64_t replay_bad_requests = 0;
  uint64_t replay_queued = 0;
  uint64_t replay_forwarded = 0;     // 2xx from DataWay
  uint64_t replay_dropped = 0;       // DataWay answered a 4xx that is not retried
  uint64_t replay_retries = 0;       // failed attempts that will be retried
  uint64_t sourcemap_requests = 0;   // PUT / DELETE /v1/sourcemap and /v1/sourcemap/check
  uint64_t errors_symbolicated = 0;  // error points given error_stack_source_base64
};

class RumInput final : public Input {
 public:
  // Loads the IP database and parses cdn_map (errors fail the input's creation).
  static Result<std::unique_ptr<RumInput>> create(RumConfig config, const InputEnv& env);
  ~RumInput() override;

  std::string_view name() const override { return "rum"; }
  model::Category category() const override { return model::Category::kRum; }
  std::vector<InputRoute> routes() override;
  // Opens the replay queue and starts the forwarding worker.
  Status start() override;
  void stop() override;

  // One request to /v1/write/rum (may rewrite req: decompressed body, sniffed Content-Type).
  net::HttpResponse handleWrite(net::HttpRequest& req);
  // One request to /v1/write/rum/replay. 503 datakit.queueFull before start().
  net::HttpResponse handleReplay(net::HttpRequest& req);
  // PUT (body: the zip, raw or as the "file" part of multipart/form-data) or DELETE
  // /v1/sourcemap?app_id=&env=&version=&platform=&token=.
  net::HttpResponse handleSourcemap(net::HttpRequest& req);
  // GET /v1/sourcemap/check?error_stack=&app_id=&env=&version=&platform=.
  net::HttpResponse handleSourcemapCheck(net::HttpRequest& req);

  RumStats stats() const;
  std::vector<InputCounter> counters() const override;

 private:
  RumInput(RumConfig config, const InputEnv& env);

  // Checks and enriches the decoded points, then feeds them. On a client error *rejection gets
  // the answer and the returned status is not ok.
  Status checkAndFeed(const std::string& ip, std::vector<model::Point>&& points,
                      const FeedOptions& options, std::optional<net::HttpResponse>* rejection);
  bool appIdAllowed(std::string_view app_id) const;
  void symbolicate(model::Point* p);
  void forwardLoop();
  void count(uint64_t RumStats::*counter, uint64_t n = 1);

  const RumConfig config_;
  Feeder* const feeder_;
  const std::function<int64_t()> now_ns_;
  const std::string install_dir_;
  const std::string origin_ip_header_;
  const std::set<std::string, std::less<>> white_list_;
  const std::set<std::string, std::less<>> measurements_;
  net::HttpClient* const dataway_client_;
  std::optional<DatawayEndpoint> dataway_;
  std::optional<IpDatabase> ipdb_;
  CdnMap cdn_map_;
  std::unique_ptr<SourcemapStore> sourcemaps_;
  std::unique_ptr<net::RateLimiter> limiter_;

  // Guards replay_ and serialises put() (DiskQueue takes one producer at a time); the worker
  // peeks and acks without it (it is joined before replay_ is reset).
  std::mutex queue_mu_;
  std::unique_ptr<DiskQueue> replay_;
  std::thread worker_;
  std::mutex worker_mu_;
  std::condition_variable worker_cv_;
  bool stopping_ = false;
  bool kicked_ = false;  // a segment was queued: the worker stops waiting

  mutable std::mutex stats_mu_;
  RumStats stats_;
};

// Adds the "rum" factory to the registration list (called from src/agent/inputs/registry.cc).
void registerRumInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs::rum

// MainConfig: the agent's datakit.conf (TOML) model with DataKit's defaults, and the global-tag
// rules built on it.
//
// Sources, in order (README.md in this folder has every key and quirk):
//   defaults (below) → datakit.conf when present (parseMainConfig/loadMainConfig)
//   → ENV_* variables in container mode (env_config.h applyEnv).
// Every section of reference §4.2 that Sextant uses is read; unknown sections and keys are
// ignored, as DataKit does. Legacy keys DataKit migrates on upgrade ([global_tags],
// [global_env_tags], top-level enable_election/namespace/...) are honoured at read time.
//
// Plain values; thread-compatible (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::config {

using TagMap = std::map<std::string, std::string>;

struct TlsConfig {
  std::string cert;     // [http_api.tls] cert: PEM file path
  std::string privkey;  // [http_api.tls] privkey
};

struct HttpApiConfig {
  std::string listen = "localhost:9529";
  std::string listen_socket;  // unix socket path; empty = none
  bool disable_404page = false;
  std::vector<std::string> public_apis;  // empty = every API public
  std::chrono::milliseconds timeout{30'000};
  bool close_idle_connection = false;
  double request_rate_limit = 100.0;  // requests/s per client; <= 0 disables
  int64_t request_rate_limit_burst = 500;
  std::chrono::nanoseconds request_rate_limit_ttl = std::chrono::seconds(60);
  std::string rum_origin_ip_header = "X-Forwarded-For";
  std::vector<std::string> rum_app_id_white_list;
  // Origins whose CORS requests are answered; empty = every origin (DataKit's default).
  std::vector<std::string> allowed_cors_origins;
  TlsConfig tls;  // HTTPS when both files are set (and exist, checked by the server)
};

struct DatawayNtpConfig {
  bool enable = true;
  std::chrono::nanoseconds interval = std::chrono::minutes(5);  // at least 1m
  std::chrono::nanoseconds diff = std::chrono::seconds(30);     // at least 5s
};

struct DatawayWalConfig {
  double max_capacity_gb = 2.0;  // per category
  int64_t workers = 0;           // 0 = CPU-limit cores × 8 (decided by the uploader)
  int64_t mem_cap = 0;           // 0 = workers; -1 disables the memory queue
  std::chrono::nanoseconds fail_cache_clean_interval = std::chrono::seconds(30);
  std::vector<std::string> no_drop_categories;  // category aliases, e.g. "L", "T"
  std::string path;                             // empty = <install>/cache/dw-wal
  bool no_pos = false;
};

struct DatawayConfig {
  std::vector<std::string> urls;  // https://openway.x?token=tkn_..; several = fan-out
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);  // timeout_v2
  int64_t max_retry_count = 1;                                  // clamped to [1, 10]
  std::chrono::nanoseconds retry_delay = std::chrono::seconds(1);
  std::string http_proxy;
  int64_t max_idle_conns = 0;           // 0 = unlimited
  int64_t max_idle_conns_per_host = 0;  // 0 = 64
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(90);
  std::string content_encoding = "v2";  // see uploadsProtobuf()
  bool gzip = true;
  int64_t max_raw_body_size = 1048576;  // bytes before gzip; >= 100 KiB in protect mode
  std::vector<std::string> global_customer_keys;
  bool enable_sinker = false;
  bool enable_httptrace = false;
  bool tls_insecure = false;
  std::chrono::nanoseconds drop_expired_package_at = std::chrono::hours(12);
  DatawayNtpConfig ntp;
  DatawayWalConfig wal;

  // DataKit's encoding rule: "v2"/"protobuf" (any case) = protobuf; anything else = line
  // protocol ("v1", typos included).
  bool uploadsProtobuf() const;
};

struct IoConfig {
  int64_t max_cache_count = 1000;
  std::chrono::nanoseconds flush_interval = std::chrono::seconds(10);
  int64_t flush_workers = 0;  // 0 = CPU-limit cores × 2
  int64_t feed_chan_size = 1;
  bool auto_timestamp_correction = true;
};

struct ElectionConfig {
  bool enable = false;
  std::vector<std::string> node_whitelist;  // empty = every node may campaign
  std::string ns = "default";               // `namespace`
  bool enable_namespace_tag = false;        // adds election_namespace=<ns> to election tags
  TagMap tags;                              // [election.tags]
};

struct LoggingConfig {
  std::string log = "/var/log/datakit/log";  // "stdout" (or "") = terminal
  std::string gin_log = "/var/log/datakit/gin.log";
  std::string level = "info";
  bool disable_color = false;
  int64_t rotate = 32;  // MB
  int64_t rotate_backups = 5;
};

struct MainConfig {
  // DataKit's sample list minus host_processes (Sextant has no such input).
  std::vector<std::string> default_enabled_inputs = {"cpu", "disk", "diskio", "mem",
                                                     "net", "swap", "system", "hostobject"};
  std::string hostname;  // empty = the OS hostname; [environments] ENV_HOSTNAME, ENV_* in K8s
  std::string name;      // ENV_NAME; informational
  bool protect_mode = true;
  HttpApiConfig http_api;
  DatawayConfig dataway;
  IoConfig io;
  ElectionConfig election;
  TagMap global_host_tags;  // [global_host_tags] with the legacy [global_tags] merged in
  LoggingConfig logging;
};

// Parses datakit.conf text. Errors name `source_name`, the line and the key, e.g.
// "datakit.conf:3: [http_api] timeout: bad duration '3x': unknown unit 'x' ...".
Result<MainConfig> parseMainConfig(std::string_view toml_text, const std::string& source_name);

// Reads and parses a file; a missing file gives the defaults.
Result<MainConfig> loadMainConfig(const std::string& path);

// Applies DataKit's clamps that depend on several keys (retry count to [1,10], raw body size
// >= 100 KiB in protect mode, NTP minimums, zero timeouts back to defaults). parseMainConfig and
// applyEnv call it; idempotent.
void applyLimits(MainConfig* cfg);

// Who this agent is, for the magic tag values.
struct HostIdentity {
  std::string hostname;  // the effective hostname (MainConfig::hostname or the OS one)
  std::string ip;        // the primary local IP; empty = unknown
  std::string uuid;      // empty = hostname (DataKit uses the hostname as its id)
};

// The global host tags as points get them (DataKit's setupGlobalTags):
// - a value equal (case-insensitively) to $datakit_hostname / __datakit_hostname becomes
//   id.hostname; $datakit_ip / __datakit_ip becomes id.ip ("unavailable" when empty);
//   $datakit_uuid / __datakit_uuid / $datakit_id / __datakit_id becomes id.uuid (or hostname);
// - `host` is always id.hostname, whatever the config says.
TagMap resolveGlobalTags(TagMap tags, const HostIdentity& id);

// The tags election inputs get: with election enabled, [election.tags] (magic values resolved,
// no forced host) plus election_namespace=<ns> when enable_namespace_tag; with election
// disabled, the global host tags (resolveGlobalTags).
TagMap resolveElectionTags(const MainConfig& cfg, const HostIdentity& id);

}  // namespace sextant::config

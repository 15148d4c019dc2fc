#include "config/main_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include "config/config_table.h"

namespace sextant::config {

namespace {

using std::chrono::nanoseconds;

// The sub-table `key` of `t`, or an empty table when absent.
Result<ConfigTable> section(const ConfigTable& t, std::string_view key) {
  auto sub = t.table(key);
  if (!sub.isOk()) return sub.status();
  return sub->has_value() ? **sub : ConfigTable();
}

Status readHttpApi(const ConfigTable& root, HttpApiConfig* c) {
  auto t = section(root, "http_api");
  if (!t.isOk()) return t.status();
  SEXTANT_RETURN_IF_ERROR(t->get("listen", &c->listen));
  SEXTANT_RETURN_IF_ERROR(t->get("listen_socket", &c->listen_socket));
  SEXTANT_RETURN_IF_ERROR(t->get("disable_404page", &c->disable_404page));
  SEXTANT_RETURN_IF_ERROR(t->get("public_apis", &c->public_apis));
  nanoseconds timeout = c->timeout;
  SEXTANT_RETURN_IF_ERROR(t->get("timeout", &timeout));
  c->timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  SEXTANT_RETURN_IF_ERROR(t->get("close_idle_connection", &c->close_idle_connection));
  SEXTANT_RETURN_IF_ERROR(t->get("request_rate_limit", &c->request_rate_limit));
  SEXTANT_RETURN_IF_ERROR(t->get("request_rate_limit_burst", &c->request_rate_limit_burst));
  SEXTANT_RETURN_IF_ERROR(t->get("request_rate_limit_ttl", &c->request_rate_limit_ttl));
  SEXTANT_RETURN_IF_ERROR(t->get("rum_origin_ip_header", &c->rum_origin_ip_header));
  SEXTANT_RETURN_IF_ERROR(t->get("rum_app_id_white_list", &c->rum_app_id_white_list));
  SEXTANT_RETURN_IF_ERROR(t->get("allowed_cors_origins", &c->allowed_cors_origins));
  auto tls = section(*t, "tls");
  if (!tls.isOk()) return tls.status();
  SEXTANT_RETURN_IF_ERROR(tls->get("cert", &c->tls.cert));
  SEXTANT_RETURN_IF_ERROR(tls->get("privkey", &c->tls.privkey));
  return Status::ok();
}

Status readDataway(const ConfigTable& root, DatawayConfig* c) {
  auto t = section(root, "dataway");
  if (!t.isOk()) return t.status();
  SEXTANT_RETURN_IF_ERROR(t->get("urls", &c->urls));
  if (c->urls.empty()) {  // deprecated single `url`, used only when `urls` is empty
    std::string url;
    SEXTANT_RETURN_IF_ERROR(t->get("url", &url));
    if (!url.empty()) c->urls.push_back(url);
  }
  if (!t->has("timeout_v2")) {  // deprecated `timeout` (a string), read when timeout_v2 is absent
    SEXTANT_RETURN_IF_ERROR(t->get("timeout", &c->timeout));
  }
  SEXTANT_RETURN_IF_ERROR(t->get("timeout_v2", &c->timeout));
  SEXTANT_RETURN_IF_ERROR(t->get("max_retry_count", &c->max_retry_count));
  SEXTANT_RETURN_IF_ERROR(t->get("retry_delay", &c->retry_delay));
  SEXTANT_RETURN_IF_ERROR(t->get("http_proxy", &c->http_proxy));
  SEXTANT_RETURN_IF_ERROR(t->get("max_idle_conns", &c->max_idle_conns));
  SEXTANT_RETURN_IF_ERROR(t->get("max_idle_conns_per_host", &c->max_idle_conns_per_host));
  SEXTANT_RETURN_IF_ERROR(t->get("idle_timeout", &c->idle_timeout));
  SEXTANT_RETURN_IF_ERROR(t->get("content_encoding", &c->content_encoding));
  SEXTANT_RETURN_IF_ERROR(t->get("gzip", &c->gzip));
  SEXTANT_RETURN_IF_ERROR(t->get("max_raw_body_size", &c->max_raw_body_size));
  SEXTANT_RETURN_IF_ERROR(t->get("global_customer_keys", &c->global_customer_keys));
  SEXTANT_RETURN_IF_ERROR(t->get("enable_sinker", &c->enable_sinker));
  SEXTANT_RETURN_IF_ERROR(t->get("enable_httptrace", &c->enable_httptrace));
  SEXTANT_RETURN_IF_ERROR(t->get("tls_insecure", &c->tls_insecure));
  SEXTANT_RETURN_IF_ERROR(t->get("drop_expired_package_at", &c->drop_expired_package_at));

  auto ntp = section(*t, "ntp");
  if (!ntp.isOk()) return ntp.status();
  SEXTANT_RETURN_IF_ERROR(ntp->get("enable", &c->ntp.enable));
  SEXTANT_RETURN_IF_ERROR(ntp->get("interval", &c->ntp.interval));
  SEXTANT_RETURN_IF_ERROR(ntp->get("diff", &c->ntp.diff));

  auto wal = section(*t, "wal");
  if (!wal.isOk()) return wal.status();
  SEXTANT_RETURN_IF_ERROR(wal->get("max_capacity_gb", &c->wal.max_capacity_gb));
  SEXTANT_RETURN_IF_ERROR(wal->get("workers", &c->wal.workers));
  SEXTANT_RETURN_IF_ERROR(wal->get("mem_cap", &c->wal.mem_cap));
  SEXTANT_RETURN_IF_ERROR(wal->get("fail_cache_clean_interval", &c->wal.fail_cache_clean_interval));
  SEXTANT_RETURN_IF_ERROR(wal->get("no_drop_categories", &c->wal.no_drop_categories));
  SEXTANT_RETURN_IF_ERROR(wal->get("path", &c->wal.path));
  SEXTANT_RETURN_IF_ERROR(wal->get("no_pos", &c->wal.no_pos));
  return Status::ok();
}

Status readIo(const ConfigTable& root, IoConfig* c) {
  auto t = section(root, "io");
  if (!t.isOk()) return t.status();
  SEXTANT_RETURN_IF_ERROR(t->get("max_cache_count", &c->max_cache_count));
  SEXTANT_RETURN_IF_ERROR(t->get("flush_interval", &c->flush_interval));
  SEXTANT_RETURN_IF_ERROR(t->get("flush_workers", &c->flush_workers));
  SEXTANT_RETURN_IF_ERROR(t->get("feed_chan_size", &c->feed_chan_size));
  SEXTANT_RETURN_IF_ERROR(t->get("auto_timestamp_correction", &c->auto_timestamp_correction));
  return Status::ok();
}

Status readElection(const ConfigTable& root, ElectionConfig* c) {
  auto t = section(root, "election");
  if (!t.isOk()) return t.status();
  SEXTANT_RETURN_IF_ERROR(t->get("enable", &c->enable));
  SEXTANT_RETURN_IF_ERROR(t->get("node_whitelist", &c->node_whitelist));
  SEXTANT_RETURN_IF_ERROR(t->get("namespace", &c->ns));
  SEXTANT_RETURN_IF_ERROR(t->get("enable_namespace_tag", &c->enable_namespace_tag));
  SEXTANT_RETURN_IF_ERROR(t->get("tags", &c->tags));

  // Top-level keys of old datakit.conf files, which DataKit's upgrade moves into [election]
  // (each overrides the [election] value when set).
  bool legacy_enable = false;
  SEXTANT_RETURN_IF_ERROR(root.get("enable_election", &legacy_enable));
  if (legacy_enable) c->enable = true;
  bool legacy_tag = false;
  SEXTANT_RETURN_IF_ERROR(root.get("enable_election_tag", &legacy_tag));
  if (legacy_tag) c->enable_namespace_tag = true;
  for (const char* key : {"election_namespace", "namespace"}) {  // the later one wins
    std::string ns;
    SEXTANT_RETURN_IF_ERROR(root.get(key, &ns));
    if (!ns.empty()) c->ns = ns;
  }
  if (root.has("global_env_tags")) {  // replaces [election.tags] as a whole
    TagMap legacy;
    SEXTANT_RETURN_IF_ERROR(root.get("global_env_tags", &legacy));
    c->tags = std::move(legacy);
  }
  return Status::ok();
}

Status readLogging(const ConfigTable& root, LoggingConfig* c) {
  auto t = section(root, "logging");
  if (!t.isOk()) return t.status();
  SEXTANT_RETURN_IF_ERROR(t->get("log", &c->log));
  SEXTANT_RETURN_IF_ERROR(t->get("gin_log", &c->gin_log));
  SEXTANT_RETURN_IF_ERROR(t->get("level", &c->level));
  SEXTANT_RETURN_IF_ERROR(t->get("disable_color", &c->disable_color));
  SEXTANT_RETURN_IF_ERROR(t->get("rotate", &c->rotate));
  SEXTANT_RETURN_IF_ERROR(t->get("rotate_backups", &c->rotate_backups));
  return Status::ok();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// The magic values of DataKit's parseGlobalHostTags; other values are returned unchanged.
std::string resolveMagic(const std::string& value, const HostIdentity& id) {
  const std::string v = lower(value);
  if (v == "__datakit_hostname" || v == "$datakit_hostname") return id.hostname;
  if (v == "__datakit_ip" || v == "$datakit_ip") return id.ip.empty() ? "unavailable" : id.ip;
  if (v == "__datakit_uuid" || v == "__datakit_id" || v == "$datakit_uuid" || v == "$datakit_id") {
    return id.uuid.empty() ? id.hostname : id.uuid;
  }
  return value;
}

}  // namespace

bool DatawayConfig::uploadsProtobuf() const {
  const std::string enc = lower(content_encoding);
  return enc == "v2" || enc == "protobuf";
}

void applyLimits(MainConfig* cfg) {
  DatawayConfig& dw = cfg->dataway;
  if (dw.max_retry_count <= 0) dw.max_retry_count = 1;
  if (dw.max_retry_count > 10) dw.max_retry_count = 10;
  if (dw.timeout <= nanoseconds(0)) dw.timeout = std::chrono::seconds(30);
  if (dw.max_raw_body_size <= 0) dw.max_raw_body_size = 1048576;
  constexpr int64_t kMinimalRawBodySize = 100 * 1024;
  if (cfg->protect_mode && dw.max_raw_body_size < kMinimalRawBodySize) {
    dw.max_raw_body_size = kMinimalRawBodySize;
  }
  dw.ntp.interval = std::max<nanoseconds>(dw.ntp.interval, std::chrono::minutes(1));
  dw.ntp.diff = std::max<nanoseconds>(dw.ntp.diff, std::chrono::seconds(5));
}

Result<MainConfig> parseMainConfig(std::string_view toml_text, const std::string& source_name) {
  auto root = ConfigTable::parse(toml_text, source_name);
  if (!root.isOk()) return root.status();
  MainConfig cfg;
  SEXTANT_RETURN_IF_ERROR(root->get("default_enabled_inputs", &cfg.default_enabled_inputs));
  SEXTANT_RETURN_IF_ERROR(root->get("name", &cfg.name));
  SEXTANT_RETURN_IF_ERROR(root->get("protect_mode", &cfg.protect_mode));
  // Old files carry disable_404page at the top level.
  SEXTANT_RETURN_IF_ERROR(root->get("disable_404page", &cfg.http_api.disable_404page));
  SEXTANT_RETURN_IF_ERROR(readHttpApi(*root, &cfg.http_api));
  SEXTANT_RETURN_IF_ERROR(readDataway(*root, &cfg.dataway));
  SEXTANT_RETURN_IF_ERROR(readIo(*root, &cfg.io));
  SEXTANT_RETURN_IF_ERROR(readElection(*root, &cfg.election));
  SEXTANT_RETURN_IF_ERROR(readLogging(*root, &cfg.logging));

  SEXTANT_RETURN_IF_ERROR(root->get("global_host_tags", &cfg.global_host_tags));
  TagMap legacy_tags;  // [global_tags]: merged over [global_host_tags], as DataKit does
  SEXTANT_RETURN_IF_ERROR(root->get("global_tags", &legacy_tags));
  for (auto& [k, v] : legacy_tags) cfg.global_host_tags[k] = v;

  TagMap environments;
  SEXTANT_RETURN_IF_ERROR(root->get("environments", &environments));
  if (auto it = environments.find("ENV_HOSTNAME"); it != environments.end() && !it->second.empty())
    cfg.hostname = it->second;

  applyLimits(&cfg);
  return cfg;
}

Result<MainConfig> loadMainConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MainConfig{};
  std::stringstream ss;
  ss << in.rdbuf();
  return parseMainConfig(ss.str(), path);
}

TagMap resolveGlobalTags(TagMap tags, const HostIdentity& id) {
  for (auto& [k, v] : tags) v = resolveMagic(v, id);
  tags["host"] = id.hostname;
  return tags;
}

TagMap resolveElectionTags(const MainConfig& cfg, const HostIdentity& id) {
  if (!cfg.election.enable) return resolveGlobalTags(cfg.global_host_tags, id);
  TagMap tags = cfg.election.tags;
  for (auto& [k, v] : tags) v = resolveMagic(v, id);
  if (cfg.election.enable_namespace_tag) tags["election_namespace"] = cfg.election.ns;
  return tags;
}

}  // namespace sextant::config

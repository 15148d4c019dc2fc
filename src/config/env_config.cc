#include "config/env_config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "core/duration.h"

extern char** environ;  // NOLINT: POSIX

namespace sextant::config {

namespace {

using std::chrono::nanoseconds;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status badValue(std::string_view name, std::string_view value, std::string_view what) {
  return invalidArgument(std::string(name) + "='" + std::string(value) + "': " + std::string(what));
}

// Reads the environment the way DataKit's GetEnv does: empty = unset.
class Env {
 public:
  explicit Env(const EnvMap& env) : env_(env) {}

  // The value of `name`, or null when unset or empty.
  const std::string* find(std::string_view name) const {
    auto it = env_.find(std::string(name));
    return it == env_.end() || it->second.empty() ? nullptr : &it->second;
  }
  bool on(std::string_view name) const { return find(name) != nullptr; }

  // The first of `names` that is set (new name first, then legacy ones); "" when none is.
  std::string_view first(std::initializer_list<std::string_view> names) const {
    for (std::string_view n : names) {
      if (on(n)) return n;
    }
    return {};
  }

  Status string(std::string_view name, std::string* out) const {
    if (const std::string* v = find(name)) *out = *v;
    return Status::ok();
  }

  // Go's strconv.ParseInt(v, 10, 64): optional sign, decimal digits, nothing else.
  Result<std::optional<int64_t>> integer(std::string_view name) const {
    const std::string* v = find(name);
    if (v == nullptr) return std::optional<int64_t>();
    std::string_view s = *v;
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      return badValue(name, *v, "want an integer");
    }
    return std::optional<int64_t>(out);
  }

  Result<std::optional<double>> number(std::string_view name) const {
    const std::string* v = find(name);
    if (v == nullptr) return std::optional<double>();
    char* end = nullptr;
    errno = 0;
    double out = std::strtod(v->c_str(), &end);
    if (end != v->c_str() + v->size() || errno == ERANGE ||
        std::isspace(static_cast<unsigned char>(v->front()))) {
      return badValue(name, *v, "want a number");
    }
    return std::optional<double>(out);
  }

  Status duration(std::string_view name, nanoseconds* out) const {
    const std::string* v = find(name);
    if (v == nullptr) return Status::ok();
    auto d = parseDuration(*v);
    if (!d.isOk()) return badValue(name, *v, d.status().message());
    *out = *d;
    return Status::ok();
  }

  // Sets *out when `name` is set.
  Status integer(std::string_view name, int64_t* out) const {
    auto v = integer(name);
    if (!v.isOk()) return v.status();
    if (v->has_value()) *out = **v;
    return Status::ok();
  }
  Status number(std::string_view name, double* out) const {
    auto v = number(name);
    if (!v.isOk()) return v.status();
    if (v->has_value()) *out = **v;
    return Status::ok();
  }

  // Go's strconv.ParseBool, for the few variables that really are true/false.
  Status boolean(std::string_view name, bool* out) const {
    const std::string* v = find(name);
    if (v == nullptr) return Status::ok();
    static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
    static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
    if (std::find(std::begin(kTrue), std::end(kTrue), *v) != std::end(kTrue)) {
      *out = true;
    } else if (std::find(std::begin(kFalse), std::end(kFalse), *v) != std::end(kFalse)) {
      *out = false;
    } else {
      return badValue(name, *v, "want true or false");
    }
    return Status::ok();
  }

 private:
  const EnvMap& env_;
};

// Comma-separated items (and whitespace-separated with `spaces`), trimmed, empty ones dropped.
std::vector<std::string> splitList(std::string_view s, bool spaces = false) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const bool sep =
        i == s.size() || s[i] == ',' || (spaces && std::isspace(static_cast<unsigned char>(s[i])));
    if (!sep) continue;
    std::string_view item = trim(s.substr(start, i - start));
    if (!item.empty()) out.emplace_back(item);
    start = i + 1;
  }
  return out;
}

// "k=v,k2=v2" (DataKit's ParseGlobalTags). Keys and values are trimmed; a value may contain '='.
Result<TagMap> parseTags(std::string_view name, const std::string& value) {
  TagMap tags;
  for (const std::string& item : splitList(value)) {
    const std::string_view kv = item;
    const size_t eq = kv.find('=');
    const std::string_view key = eq == std::string_view::npos ? "" : trim(kv.substr(0, eq));
    if (key.empty()) return badValue(name, value, "want k=v pairs, got '" + item + "'");
    tags[std::string(key)] = std::string(trim(kv.substr(eq + 1)));
  }
  return tags;
}

// A JSON array of strings, e.g. ["a","b\"c"]; nullopt when `s` is not one.
std::optional<std::vector<std::string>> parseJsonStringArray(std::string_view s) {
  s = trim(s);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return std::nullopt;
  std::vector<std::string> out;
  size_t i = 1;
  auto skipSpace = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  skipSpace();
  if (s[i] == ']') return out;
  while (true) {
    skipSpace();
    if (i >= s.size() || s[i] != '"') return std::nullopt;
    ++i;
    std::string item;
    while (true) {
      if (i >= s.size()) return std::nullopt;
      char c = s[i++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c != '\\') {
        item += c;
        continue;
      }
      if (i >= s.size()) return std::nullopt;
      char e = s[i++];
      switch (e) {
        case '"': item += '"'; break;
        case '\\': item += '\\'; break;
        case '/': item += '/'; break;
        case 'b': item += '\b'; break;
        case 'f': item += '\f'; break;
        case 'n': item += '\n'; break;
        case 'r': item += '\r'; break;
        case 't': item += '\t'; break;
        case 'u': {
          if (i + 4 > s.size()) return std::nullopt;
          unsigned cp = 0;
          auto [end, ec] = std::from_chars(s.data() + i, s.data() + i + 4, cp, 16);
          if (ec != std::errc() || end != s.data() + i + 4) return std::nullopt;
          i += 4;
          // UTF-8 of a BMP code point (surrogate pairs are not expected in node names).
          if (cp < 0x80) {
            item += static_cast<char>(cp);
          } else if (cp < 0x800) {
            item += static_cast<char>(0xC0 | (cp >> 6));
            item += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            item += static_cast<char>(0xE0 | (cp >> 12));
            item += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            item += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: return std::nullopt;
      }
    }
    out.push_back(std::move(item));
    skipSpace();
    if (i >= s.size()) return std::nullopt;
    if (s[i] == ']') return i + 1 == s.size() ? std::optional(out) : std::nullopt;
    if (s[i] != ',') return std::nullopt;
    ++i;
  }
}

Status applyHttpApiEnv(const Env& env, HttpApiConfig* c) {
  SEXTANT_RETURN_IF_ERROR(env.number("ENV_REQUEST_RATE_LIMIT", &c->request_rate_limit));
  SEXTANT_RETURN_IF_ERROR(
      env.integer("ENV_REQUEST_RATE_LIMIT_BURST", &c->request_rate_limit_burst));
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_REQUEST_RATE_LIMIT_TTL", &c->request_rate_limit_ttl));

  SEXTANT_RETURN_IF_ERROR(env.string("ENV_HTTP_LISTEN", &c->listen));
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_HTTP_LISTEN_SOCKET", &c->listen_socket));
  nanoseconds timeout = c->timeout;
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_HTTP_TIMEOUT", &timeout));
  c->timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  if (env.on("ENV_HTTP_CLOSE_IDLE_CONNECTION")) c->close_idle_connection = true;
  if (const std::string* v = env.find("ENV_HTTP_PUBLIC_APIS")) c->public_apis = splitList(*v);
  if (const std::string* v = env.find("ENV_HTTP_ALLOWED_CORS_ORIGINS"))
    c->allowed_cors_origins = splitList(*v);
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_RUM_ORIGIN_IP_HEADER", &c->rum_origin_ip_header));
  if (const std::string* v = env.find("ENV_RUM_APP_ID_WHITE_LIST"))
    c->rum_app_id_white_list = splitList(*v);
  if (env.on("ENV_DISABLE_404PAGE")) c->disable_404page = true;
  if (env.on("ENV_HTTP_ENABLE_TLS")) {  // the cert/key variables count only with this one
    SEXTANT_RETURN_IF_ERROR(env.string("ENV_HTTP_TLS_CRT", &c->tls.cert));
    SEXTANT_RETURN_IF_ERROR(env.string("ENV_HTTP_TLS_KEY", &c->tls.privkey));
  }
  return Status::ok();
}

Status applyElectionEnv(const Env& env, ElectionConfig* c) {
  if (!env.on("ENV_ENABLE_ELECTION")) return Status::ok();  // "false" enables too
  c->enable = true;
  if (const std::string* v = env.find("ENV_ELECTION_NODE_WHITELIST")) {
    auto json = parseJsonStringArray(*v);
    c->node_whitelist = json ? std::move(*json) : splitList(*v);
  }
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_NAMESPACE", &c->ns));
  if (env.on("ENV_ENABLE_ELECTION_NAMESPACE_TAG")) c->enable_namespace_tag = true;
  if (std::string_view var = env.first({"ENV_GLOBAL_ELECTION_TAGS", "ENV_GLOBAL_ENV_TAGS"});
      !var.empty()) {
    auto tags = parseTags(var, *env.find(var));
    if (!tags.isOk()) return tags.status();
    for (auto& [k, val] : *tags) c->tags[k] = val;
  }
  return Status::ok();
}

Status applyIoEnv(const Env& env, IoConfig* c) {
  auto count = env.integer("ENV_IO_MAX_CACHE_COUNT");
  if (!count.isOk()) return count.status();
  if (count->has_value() && **count >= 1000) c->max_cache_count = **count;  // < 1000 ignored
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_IO_FLUSH_INTERVAL", &c->flush_interval));
  SEXTANT_RETURN_IF_ERROR(env.integer("ENV_IO_FLUSH_WORKERS", &c->flush_workers));
  SEXTANT_RETURN_IF_ERROR(env.integer("ENV_IO_FEED_CHAN_SIZE", &c->feed_chan_size));
  return env.boolean("ENV_IO_AUTO_TIMESTAMP_CORRECTION", &c->auto_timestamp_correction);
}

Status applyLoggingEnv(const Env& env, LoggingConfig* c) {
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_LOG_LEVEL", &c->level));
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_LOG", &c->log));
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_GIN_LOG", &c->gin_log));
  if (env.on("ENV_DISABLE_LOG_COLOR")) c->disable_color = true;
  // DataKit: a value <= 0 means "the default" (5 backups, 32 MB).
  auto backups = env.integer("ENV_LOG_ROTATE_BACKUP");
  if (!backups.isOk()) return backups.status();
  if (backups->has_value()) c->rotate_backups = **backups > 0 ? **backups : 5;
  auto size = env.integer("ENV_LOG_ROTATE_SIZE_MB");
  if (!size.isOk()) return size.status();
  if (size->has_value()) c->rotate = **size > 0 ? **size : 32;
  return Status::ok();
}

Status applyDatawayEnv(const Env& env, DatawayConfig* c) {
  if (env.on("ENV_DATAWAY_TLS_INSECURE")) c->tls_insecure = true;
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_DATAWAY_CONTENT_ENCODING", &c->content_encoding));
  if (env.on("ENV_DATAWAY_DISABLE_GZIP")) c->gzip = false;
  // The protect-mode minimum is applyLimits'.
  SEXTANT_RETURN_IF_ERROR(env.integer("ENV_DATAWAY_MAX_RAW_BODY_SIZE", &c->max_raw_body_size));
  if (const std::string* v = env.find("ENV_DATAWAY")) c->urls = splitList(*v);
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_DATAWAY_TIMEOUT", &c->timeout));
  if (env.on("ENV_DATAWAY_ENABLE_HTTPTRACE")) c->enable_httptrace = true;
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_DATAWAY_HTTP_PROXY", &c->http_proxy));
  auto per_host = env.integer("ENV_DATAWAY_MAX_IDLE_CONNS_PER_HOST");
  if (!per_host.isOk()) return per_host.status();
  if (per_host->has_value() && **per_host > 0) c->max_idle_conns_per_host = **per_host;
  auto idle = env.integer("ENV_DATAWAY_MAX_IDLE_CONNS");
  if (!idle.isOk()) return idle.status();
  if (idle->has_value() && **idle > 0) c->max_idle_conns = **idle;  // <= 0 ignored
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_DATAWAY_IDLE_TIMEOUT", &c->idle_timeout));
  auto retry = env.integer("ENV_DATAWAY_MAX_RETRY_COUNT");
  if (!retry.isOk()) return retry.status();
  if (retry->has_value() && **retry >= 1) c->max_retry_count = std::min<int64_t>(**retry, 10);
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_DATAWAY_RETRY_DELAY", &c->retry_delay));
  if (env.on("ENV_DATAWAY_ENABLE_SINKER")) c->enable_sinker = true;
  if (const std::string* v = env.find("ENV_SINKER_GLOBAL_CUSTOMER_KEYS"))
    c->global_customer_keys = splitList(*v);
  SEXTANT_RETURN_IF_ERROR(
      env.duration("ENV_DATAWAY_DROP_EXPIRED_PACKAGE_AT", &c->drop_expired_package_at));

  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_DATAWAY_NTP_INTERVAL", &c->ntp.interval));
  SEXTANT_RETURN_IF_ERROR(env.duration("ENV_DATAWAY_NTP_DIFF", &c->ntp.diff));
  if (env.on("ENV_DATAWAY_DISABLE_NTP")) c->ntp.enable = false;

  SEXTANT_RETURN_IF_ERROR(env.number("ENV_DATAWAY_WAL_CAPACITY", &c->wal.max_capacity_gb));
  SEXTANT_RETURN_IF_ERROR(env.integer("ENV_DATAWAY_WAL_WORKERS", &c->wal.workers));
  SEXTANT_RETURN_IF_ERROR(env.integer("ENV_DATAWAY_WAL_MEM_CAPACITY", &c->wal.mem_cap));
  if (const std::string* v = env.find("ENV_DATAWAY_WAL_NO_DROP_CATEGORIES"))
    c->wal.no_drop_categories = splitList(*v);
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_DATAWAY_WAL_PATH", &c->wal.path));
  return env.duration("ENV_DATAWAY_WAL_FAIL_CACHE_CLEAN_INTERVAL",
                      &c->wal.fail_cache_clean_interval);
}

}  // namespace

Status applyEnv(MainConfig* cfg, const EnvMap& env_map) {
  const Env env(env_map);
  // The order is DataKit's (LoadEnvs); it matters where two variables set the same thing.
  if (env.on("ENV_DISABLE_PROTECT_MODE")) cfg->protect_mode = false;
  SEXTANT_RETURN_IF_ERROR(applyIoEnv(env, &cfg->io));
  SEXTANT_RETURN_IF_ERROR(applyHttpApiEnv(env, &cfg->http_api));
  SEXTANT_RETURN_IF_ERROR(applyElectionEnv(env, &cfg->election));

  if (std::string_view var = env.first({"ENV_GLOBAL_HOST_TAGS", "ENV_GLOBAL_TAGS"}); !var.empty()) {
    auto tags = parseTags(var, *env.find(var));
    if (!tags.isOk()) return tags.status();
    for (auto& [k, val] : *tags) cfg->global_host_tags[k] = val;  // merged over datakit.conf's
  }

  SEXTANT_RETURN_IF_ERROR(applyLoggingEnv(env, &cfg->logging));
  SEXTANT_RETURN_IF_ERROR(applyDatawayEnv(env, &cfg->dataway));

  // Hostname: node name < cluster node name < ENV_HOSTNAME.
  if (std::string_view var = env.first({"ENV_K8S_NODE_NAME", "NODE_NAME"}); !var.empty())
    cfg->hostname = *env.find(var);
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_K8S_CLUSTER_NODE_NAME", &cfg->hostname));
  // Host tags only, not election tags (despite DataKit's docs).
  if (const std::string* v = env.find("ENV_CLUSTER_NAME_K8S"))
    cfg->global_host_tags["cluster_name_k8s"] = *v;
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_HOSTNAME", &cfg->hostname));
  SEXTANT_RETURN_IF_ERROR(env.string("ENV_NAME", &cfg->name));

  if (std::string_view var = env.first({"ENV_DEFAULT_ENABLED_INPUTS", "ENV_ENABLE_INPUTS"});
      !var.empty()) {
    const std::string& v = *env.find(var);
    cfg->default_enabled_inputs =
        trim(v) == "-" ? std::vector<std::string>() : splitList(v, /*spaces=*/true);
  }

  applyLimits(cfg);
  return Status::ok();
}

EnvMap inputEnv(const EnvMap& env, std::string_view input) {
  std::string prefix = "ENV_INPUT_";
  for (char ch : input) prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  prefix += '_';
  EnvMap out;
  for (auto it = env.lower_bound(prefix); it != env.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    std::string key = it->first.substr(prefix.size());
    if (key.empty() || it->second.empty()) continue;
    out[std::move(key)] = it->second;
  }
  return out;
}

EnvMap processEnv() {
  EnvMap out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = kv.substr(0, eq);
    if (name.starts_with("ENV_") || name.starts_with("DK_") || name == "NODE_NAME") {
      out[std::string(name)] = std::string(kv.substr(eq + 1));
    }
  }
  return out;
}

}  // namespace sextant::config

#include "config/env_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace sextant::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

MainConfig applied(const EnvMap& env, MainConfig cfg = MainConfig()) {
  Status st = applyEnv(&cfg, env);
  EXPECT_TRUE(st.isOk()) << st.toString();
  return cfg;
}

TEST(EnvConfigTest, NoVariablesKeepsTheConfig) {
  MainConfig cfg = applied({});
  MainConfig defaults;
  EXPECT_EQ(cfg.http_api.listen, defaults.http_api.listen);
  EXPECT_EQ(cfg.default_enabled_inputs, defaults.default_enabled_inputs);
  EXPECT_FALSE(cfg.election.enable);
  EXPECT_TRUE(cfg.global_host_tags.empty());
  EXPECT_EQ(cfg.hostname, "");
}

TEST(EnvConfigTest, DataKitDaemonSetEnvironment) {
  // The env of DataKit's datakit.yaml DaemonSet.
  MainConfig cfg = applied({
      {"ENV_K8S_NODE_NAME", "worker-3"},
      {"ENV_DATAWAY", "https://openway.example.com?token=tkn_x"},
      {"ENV_GLOBAL_HOST_TAGS", "host=__datakit_hostname,host_ip=__datakit_ip"},
      {"ENV_DEFAULT_ENABLED_INPUTS",
       "statsd,dk,cpu,disk,diskio,mem,swap,system,hostobject,net,host_processes,container"},
      {"ENV_ENABLE_ELECTION", "enable"},
      {"ENV_CLUSTER_NAME_K8S", "default"},
      {"ENV_HTTP_LISTEN", "0.0.0.0:9529"},
      {"ENV_LOG_LEVEL", "info"},
      {"HOST_PROC", "/rootfs/proc"},
  });
  EXPECT_EQ(cfg.hostname, "worker-3");
  EXPECT_EQ(cfg.dataway.urls, std::vector<std::string>{"https://openway.example.com?token=tkn_x"});
  EXPECT_EQ(cfg.global_host_tags, (TagMap{{"host", "__datakit_hostname"},
                                          {"host_ip", "__datakit_ip"},
                                          {"cluster_name_k8s", "default"}}));
  EXPECT_EQ(
      cfg.default_enabled_inputs,
      (std::vector<std::string>{"statsd", "dk", "cpu", "disk", "diskio", "mem", "swap", "system",
                                "hostobject", "net", "host_processes", "container"}));
  EXPECT_TRUE(cfg.election.enable);
  EXPECT_TRUE(cfg.election.tags.empty());  // cluster_name_k8s goes to the host tags only
  EXPECT_EQ(cfg.http_api.listen, "0.0.0.0:9529");
  EXPECT_EQ(cfg.logging.level, "info");
}

TEST(EnvConfigTest, BooleansAreAnyNonEmptyString) {
  MainConfig cfg = applied({{"ENV_ENABLE_ELECTION", "false"},
                            {"ENV_DISABLE_404PAGE", "no"},
                            {"ENV_HTTP_CLOSE_IDLE_CONNECTION", "0"},
                            {"ENV_DATAWAY_DISABLE_GZIP", "false"},
                            {"ENV_DATAWAY_ENABLE_SINKER", "off"},
                            {"ENV_DATAWAY_TLS_INSECURE", "x"},
                            {"ENV_DATAWAY_ENABLE_HTTPTRACE", "1"},
                            {"ENV_DATAWAY_DISABLE_NTP", "f"},
                            {"ENV_DISABLE_LOG_COLOR", "false"},
                            {"ENV_DISABLE_PROTECT_MODE", "false"}});
  EXPECT_TRUE(cfg.election.enable);  // ⚠ "false" enables election, as in DataKit
  EXPECT_TRUE(cfg.http_api.disable_404page);
  EXPECT_TRUE(cfg.http_api.close_idle_connection);
  EXPECT_FALSE(cfg.dataway.gzip);
  EXPECT_TRUE(cfg.dataway.enable_sinker);
  EXPECT_TRUE(cfg.dataway.tls_insecure);
  EXPECT_TRUE(cfg.dataway.enable_httptrace);
  EXPECT_FALSE(cfg.dataway.ntp.enable);
  EXPECT_TRUE(cfg.logging.disable_color);
  EXPECT_FALSE(cfg.protect_mode);
}

TEST(EnvConfigTest, EmptyValuesCountAsUnset) {
  MainConfig cfg = applied({{"ENV_ENABLE_ELECTION", ""},
                            {"ENV_HTTP_LISTEN", ""},
                            {"ENV_HTTP_TIMEOUT", ""},
                            {"ENV_DEFAULT_ENABLED_INPUTS", ""}});
  EXPECT_FALSE(cfg.election.enable);
  EXPECT_EQ(cfg.http_api.listen, "localhost:9529");
  EXPECT_EQ(cfg.default_enabled_inputs, MainConfig().default_enabled_inputs);
}

TEST(EnvConfigTest, EnvOverridesDatakitConf) {
  MainConfig file;
  file.http_api.listen = "127.0.0.1:1";
  file.global_host_tags = {{"a", "file"}, {"b", "file"}};
  MainConfig cfg =
      applied({{"ENV_HTTP_LISTEN", ":9529"}, {"ENV_GLOBAL_HOST_TAGS", "b=env,c=env"}}, file);
  EXPECT_EQ(cfg.http_api.listen, ":9529");
  EXPECT_EQ(cfg.global_host_tags, (TagMap{{"a", "file"}, {"b", "env"}, {"c", "env"}}));
}

TEST(EnvConfigTest, NewTagVariablesWinOverLegacyOnes) {
  MainConfig both = applied({{"ENV_GLOBAL_HOST_TAGS", "a=new"}, {"ENV_GLOBAL_TAGS", "b=old"}});
  EXPECT_EQ(both.global_host_tags, (TagMap{{"a", "new"}}));
  MainConfig legacy = applied({{"ENV_GLOBAL_TAGS", "b=old"}});
  EXPECT_EQ(legacy.global_host_tags, (TagMap{{"b", "old"}}));
  MainConfig el = applied({{"ENV_ENABLE_ELECTION", "1"},
                           {"ENV_GLOBAL_ELECTION_TAGS", "x=new"},
                           {"ENV_GLOBAL_ENV_TAGS", "y=old"}});
  EXPECT_EQ(el.election.tags, (TagMap{{"x", "new"}}));
  MainConfig el_legacy = applied({{"ENV_ENABLE_ELECTION", "1"}, {"ENV_GLOBAL_ENV_TAGS", "y=old"}});
  EXPECT_EQ(el_legacy.election.tags, (TagMap{{"y", "old"}}));
}

TEST(EnvConfigTest, ElectionVariablesNeedEnableElection) {
  EnvMap env = {{"ENV_NAMESPACE", "ns1"},
                {"ENV_ENABLE_ELECTION_NAMESPACE_TAG", "on"},
                {"ENV_GLOBAL_ELECTION_TAGS", "a=1"},
                {"ENV_ELECTION_NODE_WHITELIST", "n1,n2"}};
  MainConfig off = applied(env);
  EXPECT_FALSE(off.election.enable);
  EXPECT_EQ(off.election.ns, "default");
  EXPECT_FALSE(off.election.enable_namespace_tag);
  EXPECT_TRUE(off.election.tags.empty());
  EXPECT_TRUE(off.election.node_whitelist.empty());

  env["ENV_ENABLE_ELECTION"] = "yes";
  MainConfig on = applied(env);
  EXPECT_TRUE(on.election.enable);
  EXPECT_EQ(on.election.ns, "ns1");
  EXPECT_TRUE(on.election.enable_namespace_tag);
  EXPECT_EQ(on.election.tags, (TagMap{{"a", "1"}}));
  EXPECT_EQ(on.election.node_whitelist, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(resolveElectionTags(on, {"h", "", ""}),
            (TagMap{{"a", "1"}, {"election_namespace", "ns1"}}));
}

TEST(EnvConfigTest, NodeWhitelistJsonOrCsv) {
  auto whitelist = [](const std::string& v) {
    return applied({{"ENV_ENABLE_ELECTION", "1"}, {"ENV_ELECTION_NODE_WHITELIST", v}})
        .election.node_whitelist;
  };
  EXPECT_EQ(whitelist(R"(["node-a", "node-b"])"), (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(whitelist(R"([ "a\"b", "c\\d", "\u00e9" ])"),
            (std::vector<std::string>{"a\"b", "c\\d", "\xC3\xA9"}));
  EXPECT_EQ(whitelist("[]"), std::vector<std::string>{});
  EXPECT_EQ(whitelist("node-a, node-b"), (std::vector<std::string>{"node-a", "node-b"}));
  // Not valid JSON: DataKit falls back to splitting on commas, brackets and all.
  EXPECT_EQ(whitelist("[node-a,node-b]"), (std::vector<std::string>{"[node-a", "node-b]"}));
}

TEST(EnvConfigTest, HostnamePrecedence) {
  EXPECT_EQ(applied({{"NODE_NAME", "old"}}).hostname, "old");
  EXPECT_EQ(applied({{"NODE_NAME", "old"}, {"ENV_K8S_NODE_NAME", "node"}}).hostname, "node");
  EXPECT_EQ(
      applied({{"ENV_K8S_NODE_NAME", "node"}, {"ENV_K8S_CLUSTER_NODE_NAME", "c_node"}}).hostname,
      "c_node");
  EXPECT_EQ(applied({{"ENV_K8S_NODE_NAME", "node"},
                     {"ENV_K8S_CLUSTER_NODE_NAME", "c_node"},
                     {"ENV_HOSTNAME", "explicit"}})
                .hostname,
            "explicit");
  MainConfig file;
  file.hostname = "from-conf";
  EXPECT_EQ(applied({}, file).hostname, "from-conf");
}

TEST(EnvConfigTest, ClusterNameOverridesTheSameHostTag) {
  MainConfig cfg = applied(
      {{"ENV_GLOBAL_HOST_TAGS", "cluster_name_k8s=from-tags"}, {"ENV_CLUSTER_NAME_K8S", "prod"}});
  EXPECT_EQ(cfg.global_host_tags, (TagMap{{"cluster_name_k8s", "prod"}}));
}

TEST(EnvConfigTest, DefaultEnabledInputs) {
  using V = std::vector<std::string>;
  EXPECT_EQ(applied({{"ENV_DEFAULT_ENABLED_INPUTS", "cpu, mem disk,,net"}}).default_enabled_inputs,
            (V{"cpu", "mem", "disk", "net"}));
  EXPECT_EQ(applied({{"ENV_DEFAULT_ENABLED_INPUTS", "-"}}).default_enabled_inputs, V{});
  EXPECT_EQ(applied({{"ENV_ENABLE_INPUTS", "cpu"}}).default_enabled_inputs, V{"cpu"});
  EXPECT_EQ(applied({{"ENV_DEFAULT_ENABLED_INPUTS", "mem"}, {"ENV_ENABLE_INPUTS", "cpu"}})
                .default_enabled_inputs,
            V{"mem"});
}

TEST(EnvConfigTest, HttpApiVariables) {
  MainConfig cfg = applied({{"ENV_HTTP_LISTEN_SOCKET", "/run/dk.sock"},
                            {"ENV_HTTP_PUBLIC_APIS", "/v1/write/rum, /v1/ping"},
                            {"ENV_HTTP_TIMEOUT", "1m30s"},
                            {"ENV_REQUEST_RATE_LIMIT", "12.5"},
                            {"ENV_REQUEST_RATE_LIMIT_BURST", "0"},
                            {"ENV_REQUEST_RATE_LIMIT_TTL", "5m"},
                            {"ENV_HTTP_ALLOWED_CORS_ORIGINS", "http://a,http://b"},
                            {"ENV_RUM_ORIGIN_IP_HEADER", "X-Real-IP"},
                            {"ENV_RUM_APP_ID_WHITE_LIST", "/appid-1,/appid-2"}});
  const HttpApiConfig& h = cfg.http_api;
  EXPECT_EQ(h.listen_socket, "/run/dk.sock");
  EXPECT_EQ(h.public_apis, (std::vector<std::string>{"/v1/write/rum", "/v1/ping"}));
  EXPECT_EQ(h.timeout, seconds(90));
  EXPECT_EQ(h.request_rate_limit, 12.5);
  EXPECT_EQ(h.request_rate_limit_burst, 0);
  EXPECT_EQ(h.request_rate_limit_ttl, std::chrono::minutes(5));
  EXPECT_EQ(h.allowed_cors_origins, (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_EQ(h.rum_origin_ip_header, "X-Real-IP");
  EXPECT_EQ(h.rum_app_id_white_list, (std::vector<std::string>{"/appid-1", "/appid-2"}));
}

TEST(EnvConfigTest, TlsFilesNeedEnableTls) {
  EnvMap env = {{"ENV_HTTP_TLS_CRT", "/c.pem"}, {"ENV_HTTP_TLS_KEY", "/k.pem"}};
  EXPECT_EQ(applied(env).http_api.tls.cert, "");
  env["ENV_HTTP_ENABLE_TLS"] = "on";
  MainConfig cfg = applied(env);
  EXPECT_EQ(cfg.http_api.tls.cert, "/c.pem");
  EXPECT_EQ(cfg.http_api.tls.privkey, "/k.pem");
}

TEST(EnvConfigTest, DatawayVariables) {
  MainConfig cfg = applied({{"ENV_DATAWAY", "https://a?token=1, https://b?token=2"},
                            {"ENV_DATAWAY_TIMEOUT", "10s"},
                            {"ENV_DATAWAY_MAX_RETRY_COUNT", "3"},
                            {"ENV_DATAWAY_RETRY_DELAY", "250ms"},
                            {"ENV_DATAWAY_HTTP_PROXY", "http://p:3128"},
                            {"ENV_DATAWAY_MAX_IDLE_CONNS", "20"},
                            {"ENV_DATAWAY_MAX_IDLE_CONNS_PER_HOST", "8"},
                            {"ENV_DATAWAY_IDLE_TIMEOUT", "45s"},
                            {"ENV_DATAWAY_CONTENT_ENCODING", "v1"},
                            {"ENV_DATAWAY_MAX_RAW_BODY_SIZE", "+204800"},
                            {"ENV_SINKER_GLOBAL_CUSTOMER_KEYS", " project , team "},
                            {"ENV_DATAWAY_DROP_EXPIRED_PACKAGE_AT", "24h"},
                            {"ENV_DATAWAY_NTP_INTERVAL", "10m"},
                            {"ENV_DATAWAY_NTP_DIFF", "10s"},
                            {"ENV_DATAWAY_WAL_CAPACITY", "0.5"},
                            {"ENV_DATAWAY_WAL_WORKERS", "4"},
                            {"ENV_DATAWAY_WAL_MEM_CAPACITY", "-1"},
                            {"ENV_DATAWAY_WAL_NO_DROP_CATEGORIES", "L,T,N"},
                            {"ENV_DATAWAY_WAL_PATH", "/wal"},
                            {"ENV_DATAWAY_WAL_FAIL_CACHE_CLEAN_INTERVAL", "1m"}});
  const DatawayConfig& d = cfg.dataway;
  EXPECT_EQ(d.urls, (std::vector<std::string>{"https://a?token=1", "https://b?token=2"}));
  EXPECT_EQ(d.timeout, seconds(10));
  EXPECT_EQ(d.max_retry_count, 3);
  EXPECT_EQ(d.retry_delay, milliseconds(250));
  EXPECT_EQ(d.http_proxy, "http://p:3128");
  EXPECT_EQ(d.max_idle_conns, 20);
  EXPECT_EQ(d.max_idle_conns_per_host, 8);
  EXPECT_EQ(d.idle_timeout, seconds(45));
  EXPECT_FALSE(d.uploadsProtobuf());
  EXPECT_EQ(d.max_raw_body_size, 204800);
  EXPECT_EQ(d.global_customer_keys, (std::vector<std::string>{"project", "team"}));
  EXPECT_EQ(d.drop_expired_package_at, std::chrono::hours(24));
  EXPECT_EQ(d.ntp.interval, std::chrono::minutes(10));
  EXPECT_EQ(d.ntp.diff, seconds(10));
  EXPECT_EQ(d.wal.max_capacity_gb, 0.5);
  EXPECT_EQ(d.wal.workers, 4);
  EXPECT_EQ(d.wal.mem_cap, -1);
  EXPECT_EQ(d.wal.no_drop_categories, (std::vector<std::string>{"L", "T", "N"}));
  EXPECT_EQ(d.wal.path, "/wal");
  EXPECT_EQ(d.wal.fail_cache_clean_interval, std::chrono::minutes(1));
}

TEST(EnvConfigTest, DataKitRangeRulesAreMirrored) {
  EXPECT_EQ(applied({{"ENV_DATAWAY_MAX_RETRY_COUNT", "50"}}).dataway.max_retry_count, 10);
  EXPECT_EQ(applied({{"ENV_DATAWAY_MAX_RETRY_COUNT", "0"}}).dataway.max_retry_count, 1);
  EXPECT_EQ(applied({{"ENV_IO_MAX_CACHE_COUNT", "999"}}).io.max_cache_count, 1000);
  EXPECT_EQ(applied({{"ENV_IO_MAX_CACHE_COUNT", "4096"}}).io.max_cache_count, 4096);
  EXPECT_EQ(applied({{"ENV_DATAWAY_MAX_IDLE_CONNS", "0"}}).dataway.max_idle_conns, 0);
  EXPECT_EQ(applied({{"ENV_LOG_ROTATE_BACKUP", "0"}}).logging.rotate_backups, 5);
  EXPECT_EQ(applied({{"ENV_LOG_ROTATE_SIZE_MB", "-3"}}).logging.rotate, 32);
  EXPECT_EQ(
      applied({{"ENV_LOG_ROTATE_SIZE_MB", "100"}, {"ENV_LOG_ROTATE_BACKUP", "2"}}).logging.rotate,
      100);
  EXPECT_EQ(applied({{"ENV_DATAWAY_MAX_RAW_BODY_SIZE", "1024"}}).dataway.max_raw_body_size, 102400);
  EXPECT_EQ(applied({{"ENV_DATAWAY_MAX_RAW_BODY_SIZE", "1024"}, {"ENV_DISABLE_PROTECT_MODE", "1"}})
                .dataway.max_raw_body_size,
            1024);
}

TEST(EnvConfigTest, IoAndLoggingVariables) {
  MainConfig cfg = applied({{"ENV_IO_FLUSH_INTERVAL", "3s"},
                            {"ENV_IO_FLUSH_WORKERS", "6"},
                            {"ENV_IO_FEED_CHAN_SIZE", "2"},
                            {"ENV_IO_AUTO_TIMESTAMP_CORRECTION", "false"},
                            {"ENV_LOG", "stdout"},
                            {"ENV_GIN_LOG", "/tmp/gin.log"},
                            {"ENV_LOG_LEVEL", "debug"},
                            {"ENV_LOG_ROTATE_SIZE_MB", "16"},
                            {"ENV_LOG_ROTATE_BACKUP", "3"}});
  EXPECT_EQ(cfg.io.flush_interval, seconds(3));
  EXPECT_EQ(cfg.io.flush_workers, 6);
  EXPECT_EQ(cfg.io.feed_chan_size, 2);
  EXPECT_FALSE(cfg.io.auto_timestamp_correction);
  EXPECT_EQ(cfg.logging.log, "stdout");
  EXPECT_EQ(cfg.logging.gin_log, "/tmp/gin.log");
  EXPECT_EQ(cfg.logging.level, "debug");
  EXPECT_EQ(cfg.logging.rotate, 16);
  EXPECT_EQ(cfg.logging.rotate_backups, 3);
}

TEST(EnvConfigTest, TagListsTrimAndKeepEqualsInValues) {
  MainConfig cfg = applied({{"ENV_GLOBAL_HOST_TAGS", " a = 1 ,b=x=y,,c="}});
  EXPECT_EQ(cfg.global_host_tags, (TagMap{{"a", "1"}, {"b", "x=y"}, {"c", ""}}));
}

TEST(EnvConfigTest, BadValuesNameTheVariable) {
  struct Case {
    const char* name;
    const char* value;
    const char* message;
  };
  const Case cases[] = {
      {"ENV_HTTP_TIMEOUT", "abc", "ENV_HTTP_TIMEOUT='abc': bad duration 'abc': expected a number"},
      {"ENV_DATAWAY_TIMEOUT", "10x",
       "ENV_DATAWAY_TIMEOUT='10x': bad duration '10x': unknown unit 'x' (use ns, us, ms, s, m, h)"},
      {"ENV_DATAWAY_MAX_RETRY_COUNT", "3.5", "ENV_DATAWAY_MAX_RETRY_COUNT='3.5': want an integer"},
      {"ENV_IO_MAX_CACHE_COUNT", "lots", "ENV_IO_MAX_CACHE_COUNT='lots': want an integer"},
      {"ENV_REQUEST_RATE_LIMIT", "fast", "ENV_REQUEST_RATE_LIMIT='fast': want a number"},
      {"ENV_DATAWAY_WAL_CAPACITY", "2GB", "ENV_DATAWAY_WAL_CAPACITY='2GB': want a number"},
      {"ENV_LOG_ROTATE_SIZE_MB", "32MB", "ENV_LOG_ROTATE_SIZE_MB='32MB': want an integer"},
      {"ENV_IO_AUTO_TIMESTAMP_CORRECTION", "yes",
       "ENV_IO_AUTO_TIMESTAMP_CORRECTION='yes': want true or false"},
      {"ENV_GLOBAL_HOST_TAGS", "a=1,b", "ENV_GLOBAL_HOST_TAGS='a=1,b': want k=v pairs, got 'b'"},
      {"ENV_GLOBAL_TAGS", "=1", "ENV_GLOBAL_TAGS='=1': want k=v pairs, got '=1'"},
  };
  for (const Case& c : cases) {
    MainConfig cfg;
    Status st = applyEnv(&cfg, {{c.name, c.value}});
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(st.message(), c.message);
  }
  MainConfig cfg;
  Status st = applyEnv(&cfg, {{"ENV_ENABLE_ELECTION", "1"}, {"ENV_GLOBAL_ELECTION_TAGS", "x"}});
  EXPECT_EQ(st.message(), "ENV_GLOBAL_ELECTION_TAGS='x': want k=v pairs, got 'x'");
}

TEST(EnvConfigTest, InputEnvSelectsOneInput) {
  EnvMap env = {{"ENV_INPUT_CPU_PERCPU", "true"},
                {"ENV_INPUT_CPU_INTERVAL", "10s"},
                {"ENV_INPUT_CPU_EMPTY", ""},
                {"ENV_INPUT_CPU_", "no key"},
                {"ENV_INPUT_CPUX_Y", "other input"},
                {"ENV_INPUT_DISK_TAGS", "a=b"},
                {"ENV_HTTP_LISTEN", "x"}};
  EXPECT_EQ(inputEnv(env, "cpu"), (EnvMap{{"PERCPU", "true"}, {"INTERVAL", "10s"}}));
  EXPECT_EQ(inputEnv(env, "disk"), (EnvMap{{"TAGS", "a=b"}}));
  EXPECT_EQ(inputEnv(env, "Disk"), (EnvMap{{"TAGS", "a=b"}}));
  EXPECT_TRUE(inputEnv(env, "mem").empty());
}

TEST(EnvConfigTest, ProcessEnvCollectsEnvAndDkVariables) {
  ASSERT_EQ(::setenv("ENV_SEXTANT_TEST_VAR", "v1", 1), 0);
  ASSERT_EQ(::setenv("DK_SEXTANT_TEST_VAR", "v2=x", 1), 0);
  ASSERT_EQ(::setenv("SEXTANT_TEST_OTHER", "v3", 1), 0);
  EnvMap env = processEnv();
  ::unsetenv("ENV_SEXTANT_TEST_VAR");
  ::unsetenv("DK_SEXTANT_TEST_VAR");
  ::unsetenv("SEXTANT_TEST_OTHER");
  EXPECT_EQ(env["ENV_SEXTANT_TEST_VAR"], "v1");
  EXPECT_EQ(env["DK_SEXTANT_TEST_VAR"], "v2=x");
  EXPECT_EQ(env.count("SEXTANT_TEST_OTHER"), 0u);
  EXPECT_EQ(env.count("PATH"), 0u);
}

}  // namespace
}  // namespace sextant::config

#include "config/main_config.h"

#include <gtest/gtest.h>

namespace sextant::config {
namespace {

TEST(MainConfigTest, DefaultsWhenEmpty) {
  auto cfg = parseMainConfig("", "datakit.conf");
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->http_api.listen, "localhost:9529");
  EXPECT_EQ(cfg->http_api.timeout, std::chrono::seconds(30));
}

TEST(MainConfigTest, ReadsHttpApiAndIgnoresOtherSections) {
  auto cfg = parseMainConfig(R"(
default_enabled_inputs = ["cpu", "mem"]
[dataway]
  urls = ["http://x:9528?token=tkn_1"]
[http_api]
  listen = "0.0.0.0:19529"
  timeout = "1m30s"
  disable_404page = true
  allowed_cors_origins = ["http://a.example", "http://b.example"]
[global_host_tags]
  cluster = "a"
)",
                             "datakit.conf");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->http_api.listen, "0.0.0.0:19529");
  EXPECT_EQ(cfg->http_api.timeout, std::chrono::seconds(90));
  EXPECT_TRUE(cfg->http_api.disable_404page);
  EXPECT_EQ(cfg->http_api.allowed_cors_origins,
            (std::vector<std::string>{"http://a.example", "http://b.example"}));
}

TEST(MainConfigTest, ErrorsNameFileLineAndKey) {
  auto bad_syntax = parseMainConfig("[http_api]\nlisten = \n", "conf.d/datakit.conf");
  ASSERT_FALSE(bad_syntax.isOk());
  EXPECT_EQ(bad_syntax.status().message().rfind("conf.d/datakit.conf:2:", 0), 0u)
      << bad_syntax.status().message();
  auto bad_value = parseMainConfig("[http_api]\n\n  timeout = \"3x\"\n", "datakit.conf");
  ASSERT_FALSE(bad_value.isOk());
  EXPECT_NE(bad_value.status().message().find("datakit.conf:3: [http_api] timeout"),
            std::string::npos)
      << bad_value.status().message();
  auto bad_list = parseMainConfig("[http_api]\nallowed_cors_origins = [1]\n", "datakit.conf");
  ASSERT_FALSE(bad_list.isOk());
  EXPECT_NE(bad_list.status().message().find("datakit.conf:2: [http_api] allowed_cors_origins"),
            std::string::npos)
      << bad_list.status().message();
  auto bad_type = parseMainConfig("[http_api]\nlisten = 9529\n", "datakit.conf");
  ASSERT_FALSE(bad_type.isOk());
  EXPECT_NE(bad_type.status().message().find("listen: want a string"), std::string::npos);
}

TEST(MainConfigTest, DefaultsAreDataKits) {
  auto cfg = parseMainConfig("", "datakit.conf");
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->default_enabled_inputs,
            (std::vector<std::string>{"cpu", "disk", "diskio", "mem", "net", "swap", "system",
                                      "hostobject"}));
  EXPECT_EQ(cfg->hostname, "");
  EXPECT_TRUE(cfg->protect_mode);
  const HttpApiConfig& h = cfg->http_api;
  EXPECT_EQ(h.listen_socket, "");
  EXPECT_FALSE(h.disable_404page);
  EXPECT_TRUE(h.public_apis.empty());
  EXPECT_FALSE(h.close_idle_connection);
  EXPECT_EQ(h.request_rate_limit, 100.0);
  EXPECT_EQ(h.request_rate_limit_burst, 500);
  EXPECT_EQ(h.request_rate_limit_ttl, std::chrono::seconds(60));
  EXPECT_EQ(h.rum_origin_ip_header, "X-Forwarded-For");
  EXPECT_TRUE(h.rum_app_id_white_list.empty());
  EXPECT_EQ(h.tls.cert, "");
  const DatawayConfig& d = cfg->dataway;
  EXPECT_TRUE(d.urls.empty());
  EXPECT_EQ(d.timeout, std::chrono::seconds(30));
  EXPECT_EQ(d.max_retry_count, 1);
  EXPECT_EQ(d.retry_delay, std::chrono::seconds(1));
  EXPECT_EQ(d.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(d.content_encoding, "v2");
  EXPECT_TRUE(d.uploadsProtobuf());
  EXPECT_TRUE(d.gzip);
  EXPECT_EQ(d.max_raw_body_size, 1048576);
  EXPECT_FALSE(d.enable_sinker);
  EXPECT_FALSE(d.tls_insecure);
  EXPECT_EQ(d.drop_expired_package_at, std::chrono::hours(12));
  EXPECT_TRUE(d.ntp.enable);
  EXPECT_EQ(d.ntp.interval, std::chrono::minutes(5));
  EXPECT_EQ(d.ntp.diff, std::chrono::seconds(30));
  EXPECT_EQ(d.wal.max_capacity_gb, 2.0);
  EXPECT_EQ(d.wal.fail_cache_clean_interval, std::chrono::seconds(30));
  EXPECT_EQ(d.wal.path, "");
  EXPECT_EQ(cfg->io.max_cache_count, 1000);
  EXPECT_EQ(cfg->io.flush_interval, std::chrono::seconds(10));
  EXPECT_EQ(cfg->io.flush_workers, 0);
  EXPECT_EQ(cfg->io.feed_chan_size, 1);
  EXPECT_TRUE(cfg->io.auto_timestamp_correction);
  EXPECT_FALSE(cfg->election.enable);
  EXPECT_EQ(cfg->election.ns, "default");
  EXPECT_FALSE(cfg->election.enable_namespace_tag);
  EXPECT_TRUE(cfg->election.tags.empty());
  EXPECT_TRUE(cfg->global_host_tags.empty());
  EXPECT_EQ(cfg->logging.log, "/var/log/datakit/log");
  EXPECT_EQ(cfg->logging.gin_log, "/var/log/datakit/gin.log");
  EXPECT_EQ(cfg->logging.level, "info");
  EXPECT_FALSE(cfg->logging.disable_color);
  EXPECT_EQ(cfg->logging.rotate, 32);
  EXPECT_EQ(cfg->logging.rotate_backups, 5);
}

// A datakit.conf in the shape of DataKit's shipped sample, every section we read set.
TEST(MainConfigTest, ReadsEverySection) {
  auto cfg = parseMainConfig(R"(
default_enabled_inputs = ["cpu", "mem"]
protect_mode = false
ulimit = 64000

[environments]
  ENV_HOSTNAME = "node-7"

[http_api]
  listen = "0.0.0.0:9529"
  listen_socket = "/var/run/datakit/datakit.sock"
  public_apis = ["/v1/write/rum"]
  timeout = "10s"
  close_idle_connection = true
  request_rate_limit = 20.5
  request_rate_limit_burst = 40
  request_rate_limit_ttl = "2m"
  rum_origin_ip_header = "X-Real-IP"
  rum_app_id_white_list = ["app1"]
  [http_api.tls]
    cert = "/etc/dk.crt"
    privkey = "/etc/dk.key"

[io]
  max_cache_count = 2000
  flush_interval = "5s"
  flush_workers = 3
  feed_chan_size = 4
  auto_timestamp_correction = false
  [io.filters]
    logging = ["{ source = 'x' }"]

[dataway]
  urls = ["https://openway.example.com?token=tkn_a", "https://b.example.com?token=tkn_b"]
  timeout_v2 = "15s"
  max_retry_count = 4
  retry_delay = "200ms"
  http_proxy = "http://proxy:3128"
  max_idle_conns = 10
  idle_timeout = "30s"
  content_encoding = "v1"
  gzip = false
  max_raw_body_size = 204800
  global_customer_keys = ["project"]
  enable_sinker = true
  tls_insecure = true
  drop_expired_package_at = "24h"
  [dataway.ntp]
    enable = false
    interval = "10m"
    diff = "1m"
  [dataway.wal]
    max_capacity_gb = 4.5
    workers = 2
    mem_cap = -1
    fail_cache_clean_interval = "1m"
    no_drop_categories = ["L", "T"]
    path = "/data/wal"
    no_pos = true

[election]
  enable = true
  node_whitelist = ["n1", "n2"]
  namespace = "prod"
  enable_namespace_tag = true
  [election.tags]
    cluster = "c1"

[global_host_tags]
  ip = "__datakit_ip"
  host = "__datakit_hostname"
  zone = "z1"

[logging]
  log = "stdout"
  gin_log = "stdout"
  level = "debug"
  disable_color = true
  rotate = 64
  rotate_backups = 9

[pipeline]
  ipdb_type = "iploc"
)",
                             "datakit.conf");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->default_enabled_inputs, (std::vector<std::string>{"cpu", "mem"}));
  EXPECT_FALSE(cfg->protect_mode);
  EXPECT_EQ(cfg->hostname, "node-7");
  const HttpApiConfig& h = cfg->http_api;
  EXPECT_EQ(h.listen, "0.0.0.0:9529");
  EXPECT_EQ(h.listen_socket, "/var/run/datakit/datakit.sock");
  EXPECT_EQ(h.public_apis, std::vector<std::string>{"/v1/write/rum"});
  EXPECT_EQ(h.timeout, std::chrono::seconds(10));
  EXPECT_TRUE(h.close_idle_connection);
  EXPECT_EQ(h.request_rate_limit, 20.5);
  EXPECT_EQ(h.request_rate_limit_burst, 40);
  EXPECT_EQ(h.request_rate_limit_ttl, std::chrono::minutes(2));
  EXPECT_EQ(h.rum_origin_ip_header, "X-Real-IP");
  EXPECT_EQ(h.rum_app_id_white_list, std::vector<std::string>{"app1"});
  EXPECT_EQ(h.tls.cert, "/etc/dk.crt");
  EXPECT_EQ(h.tls.privkey, "/etc/dk.key");
  EXPECT_EQ(cfg->io.max_cache_count, 2000);
  EXPECT_EQ(cfg->io.flush_interval, std::chrono::seconds(5));
  EXPECT_EQ(cfg->io.flush_workers, 3);
  EXPECT_EQ(cfg->io.feed_chan_size, 4);
  EXPECT_FALSE(cfg->io.auto_timestamp_correction);
  const DatawayConfig& d = cfg->dataway;
  EXPECT_EQ(d.urls, (std::vector<std::string>{"https://openway.example.com?token=tkn_a",
                                              "https://b.example.com?token=tkn_b"}));
  EXPECT_EQ(d.timeout, std::chrono::seconds(15));
  EXPECT_EQ(d.max_retry_count, 4);
  EXPECT_EQ(d.retry_delay, std::chrono::milliseconds(200));
  EXPECT_EQ(d.http_proxy, "http://proxy:3128");
  EXPECT_EQ(d.max_idle_conns, 10);
  EXPECT_EQ(d.idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(d.content_encoding, "v1");
  EXPECT_FALSE(d.uploadsProtobuf());
  EXPECT_FALSE(d.gzip);
  EXPECT_EQ(d.max_raw_body_size, 204800);
  EXPECT_EQ(d.global_customer_keys, std::vector<std::string>{"project"});
  EXPECT_TRUE(d.enable_sinker);
  EXPECT_TRUE(d.tls_insecure);
  EXPECT_EQ(d.drop_expired_package_at, std::chrono::hours(24));
  EXPECT_FALSE(d.ntp.enable);
  EXPECT_EQ(d.ntp.interval, std::chrono::minutes(10));
  EXPECT_EQ(d.ntp.diff, std::chrono::minutes(1));
  EXPECT_EQ(d.wal.max_capacity_gb, 4.5);
  EXPECT_EQ(d.wal.workers, 2);
  EXPECT_EQ(d.wal.mem_cap, -1);
  EXPECT_EQ(d.wal.fail_cache_clean_interval, std::chrono::minutes(1));
  EXPECT_EQ(d.wal.no_drop_categories, (std::vector<std::string>{"L", "T"}));
  EXPECT_EQ(d.wal.path, "/data/wal");
  EXPECT_TRUE(d.wal.no_pos);
  EXPECT_TRUE(cfg->election.enable);
  EXPECT_EQ(cfg->election.node_whitelist, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(cfg->election.ns, "prod");
  EXPECT_TRUE(cfg->election.enable_namespace_tag);
  EXPECT_EQ(cfg->election.tags, (TagMap{{"cluster", "c1"}}));
  EXPECT_EQ(cfg->global_host_tags,
            (TagMap{{"ip", "__datakit_ip"}, {"host", "__datakit_hostname"}, {"zone", "z1"}}));
  EXPECT_EQ(cfg->logging.log, "stdout");
  EXPECT_EQ(cfg->logging.gin_log, "stdout");
  EXPECT_EQ(cfg->logging.level, "debug");
  EXPECT_TRUE(cfg->logging.disable_color);
  EXPECT_EQ(cfg->logging.rotate, 64);
  EXPECT_EQ(cfg->logging.rotate_backups, 9);
}

TEST(MainConfigTest, DurationsAcceptIntegerNanoseconds) {
  auto cfg = parseMainConfig("[dataway]\nretry_delay = 1500000000\n", "datakit.conf");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->dataway.retry_delay, std::chrono::milliseconds(1500));
}

TEST(MainConfigTest, WrongTypesInEverySectionNameTheKey) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"default_enabled_inputs = \"cpu\"\n",
       "datakit.conf:1: default_enabled_inputs: want an array of strings, got a string"},
      {"[dataway]\nmax_retry_count = \"3\"\n",
       "datakit.conf:2: [dataway] max_retry_count: want an integer, got a string"},
      {"[dataway.wal]\nmax_capacity_gb = \"2\"\n",
       "datakit.conf:2: [dataway.wal] max_capacity_gb: want a number, got a string"},
      {"[dataway.ntp]\ninterval = \"5x\"\n",
       "datakit.conf:2: [dataway.ntp] interval: bad duration '5x': unknown unit 'x' (use ns, us, "
       "ms, s, m, h)"},
      {"[io]\nauto_timestamp_correction = 1\n",
       "datakit.conf:2: [io] auto_timestamp_correction: want a bool, got an integer"},
      {"[election.tags]\na = 1\n",
       "datakit.conf:2: [election.tags] a: want a string, got an integer"},
      {"[global_host_tags]\n\nzone = true\n",
       "datakit.conf:3: [global_host_tags] zone: want a string, got a bool"},
      {"[logging]\nrotate = 1.5\n",
       "datakit.conf:2: [logging] rotate: want an integer, got a float"},
      {"[http_api.tls]\ncert = 1\n",
       "datakit.conf:2: [http_api.tls] cert: want a string, got an integer"},
      {"dataway = 1\n", "datakit.conf:1: dataway: want a table, got an integer"},
  };
  for (const Case& c : cases) {
    auto cfg = parseMainConfig(c.text, "datakit.conf");
    ASSERT_FALSE(cfg.isOk()) << c.text;
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cfg.status().message(), c.message);
  }
}

TEST(MainConfigTest, UnknownSectionsAndKeysAreIgnored) {
  auto cfg = parseMainConfig(R"(
enable_pprof = true
something_new = [1, 2]
[dk_upgrader]
  port = 9542
[http_api]
  no_such_key = 3
[[git_repos.repo]]
  url = "x"
)",
                             "datakit.conf");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->http_api.listen, "localhost:9529");
}

TEST(MainConfigTest, DataKitClampsRetryCountBodySizeAndNtp) {
  auto zero = parseMainConfig("[dataway]\nmax_retry_count = 0\ntimeout_v2 = \"0s\"\n", "x");
  ASSERT_TRUE(zero.isOk());
  EXPECT_EQ(zero->dataway.max_retry_count, 1);
  EXPECT_EQ(zero->dataway.timeout, std::chrono::seconds(30));
  auto big = parseMainConfig("[dataway]\nmax_retry_count = 50\n", "x");
  ASSERT_TRUE(big.isOk());
  EXPECT_EQ(big->dataway.max_retry_count, 10);
  auto small_body = parseMainConfig("[dataway]\nmax_raw_body_size = 1000\n", "x");
  ASSERT_TRUE(small_body.isOk());
  EXPECT_EQ(small_body->dataway.max_raw_body_size, 102400);  // 100 KiB in protect mode
  auto unprotected =
      parseMainConfig("protect_mode = false\n[dataway]\nmax_raw_body_size = 1000\n", "x");
  ASSERT_TRUE(unprotected.isOk());
  EXPECT_EQ(unprotected->dataway.max_raw_body_size, 1000);
  auto ntp = parseMainConfig("[dataway.ntp]\ninterval = \"10s\"\ndiff = \"1s\"\n", "x");
  ASSERT_TRUE(ntp.isOk());
  EXPECT_EQ(ntp->dataway.ntp.interval, std::chrono::minutes(1));
  EXPECT_EQ(ntp->dataway.ntp.diff, std::chrono::seconds(5));
}

TEST(MainConfigTest, ContentEncodingAsDataKit) {
  DatawayConfig d;
  for (const char* enc : {"v2", "V2", "protobuf", "Protobuf"}) {
    d.content_encoding = enc;
    EXPECT_TRUE(d.uploadsProtobuf()) << enc;
  }
  for (const char* enc : {"v1", "lineprotocol", "", "v3"}) {
    d.content_encoding = enc;
    EXPECT_FALSE(d.uploadsProtobuf()) << enc;
  }
}

TEST(MainConfigTest, LegacyKeysAsDataKitsUpgrade) {
  auto cfg = parseMainConfig(R"(
enable_election = true
enable_election_tag = true
election_namespace = "old-ns"
namespace = "older-ns"
disable_404page = true
[global_tags]
  zone = "legacy"
  extra = "x"
[global_host_tags]
  zone = "new"
  app = "a"
[election.tags]
  dropped = "yes"
[global_env_tags]
  env = "legacy"
)",
                             "datakit.conf");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_TRUE(cfg->election.enable);
  EXPECT_TRUE(cfg->election.enable_namespace_tag);
  EXPECT_EQ(cfg->election.ns, "older-ns");  // `namespace` is applied after election_namespace
  EXPECT_TRUE(cfg->http_api.disable_404page);
  // [global_tags] is merged over [global_host_tags]; [global_env_tags] replaces [election.tags].
  EXPECT_EQ(cfg->global_host_tags, (TagMap{{"zone", "legacy"}, {"extra", "x"}, {"app", "a"}}));
  EXPECT_EQ(cfg->election.tags, (TagMap{{"env", "legacy"}}));
}

TEST(MainConfigTest, DeprecatedDatawayUrlAndTimeout) {
  auto cfg = parseMainConfig("[dataway]\nurl = \"https://old?token=t\"\ntimeout = \"5s\"\n", "x");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->dataway.urls, std::vector<std::string>{"https://old?token=t"});
  EXPECT_EQ(cfg->dataway.timeout, std::chrono::seconds(5));
  auto both = parseMainConfig(
      "[dataway]\nurls = [\"https://new\"]\nurl = \"https://old\"\ntimeout = \"5s\"\n"
      "timeout_v2 = \"7s\"\n",
      "x");
  ASSERT_TRUE(both.isOk());
  EXPECT_EQ(both->dataway.urls, std::vector<std::string>{"https://new"});
  EXPECT_EQ(both->dataway.timeout, std::chrono::seconds(7));
}

TEST(MainConfigTest, ResolveGlobalTagsMagicValuesAndForcedHost) {
  HostIdentity id{"node-1", "10.0.0.7", "uuid-9"};
  TagMap tags = {{"a", "$datakit_hostname"},
                 {"b", "__datakit_hostname"},
                 {"c", "$DATAKIT_IP"},
                 {"d", "__datakit_ip"},
                 {"e", "$datakit_uuid"},
                 {"f", "__datakit_id"},
                 {"g", "__datakit_uuid"},
                 {"h", "$datakit_id"},
                 {"host", "my-own-host"},
                 {"plain", "value"},
                 {"near", "__datakit_hostname_x"}};
  EXPECT_EQ(resolveGlobalTags(tags, id),
            (TagMap{{"a", "node-1"},
                    {"b", "node-1"},
                    {"c", "10.0.0.7"},
                    {"d", "10.0.0.7"},
                    {"e", "uuid-9"},
                    {"f", "uuid-9"},
                    {"g", "uuid-9"},
                    {"h", "uuid-9"},
                    {"host", "node-1"},  // forced, whatever the config says
                    {"plain", "value"},
                    {"near", "__datakit_hostname_x"}}));
  // No IP: "unavailable"; no uuid: the hostname; host added when absent.
  EXPECT_EQ(resolveGlobalTags({{"ip", "$datakit_ip"}, {"id", "$datakit_id"}}, {"h2", "", ""}),
            (TagMap{{"ip", "unavailable"}, {"id", "h2"}, {"host", "h2"}}));
  EXPECT_EQ(resolveGlobalTags({}, {"h3", "", ""}), (TagMap{{"host", "h3"}}));
}

TEST(MainConfigTest, ElectionTagsFollowDataKit) {
  HostIdentity id{"node-1", "10.0.0.7", ""};
  MainConfig cfg;
  cfg.global_host_tags = {{"zone", "z"}, {"ip", "__datakit_ip"}};
  cfg.election.tags = {{"cluster", "c"}, {"who", "$datakit_hostname"}};
  // Disabled: the election tags are the host tags.
  EXPECT_EQ(resolveElectionTags(cfg, id),
            (TagMap{{"zone", "z"}, {"ip", "10.0.0.7"}, {"host", "node-1"}}));
  // Enabled: [election.tags] only (no host), plus the namespace tag when asked for.
  cfg.election.enable = true;
  EXPECT_EQ(resolveElectionTags(cfg, id), (TagMap{{"cluster", "c"}, {"who", "node-1"}}));
  cfg.election.enable_namespace_tag = true;
  cfg.election.ns = "ns1";
  cfg.election.tags["election_namespace"] = "overridden";
  EXPECT_EQ(resolveElectionTags(cfg, id),
            (TagMap{{"cluster", "c"}, {"who", "node-1"}, {"election_namespace", "ns1"}}));
}

TEST(MainConfigTest, MissingFileGivesDefaults) {
  auto cfg = loadMainConfig("/nonexistent/datakit.conf");
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->http_api.listen, "localhost:9529");
}

}  // namespace
}  // namespace sextant::config

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

TEST(MainConfigTest, MissingFileGivesDefaults) {
  auto cfg = loadMainConfig("/nonexistent/datakit.conf");
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->http_api.listen, "localhost:9529");
}

}  // namespace
}  // namespace sextant::config

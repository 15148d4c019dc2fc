// The agent process end to end over real sockets: config file, listen address, routes.
#include "agent/agent.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "net/testing/raw_http.h"

namespace sextant::agent {
namespace {

using net::testing::bodyOf;
using net::testing::simpleRequest;
using net::testing::statusOf;

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sextant-agent-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "conf.d");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void writeConf(const std::string& text) {
    std::ofstream(dir_ / "conf.d" / "datakit.conf") << text;
  }
  uint16_t portOf(const Agent& a) {
    std::string addr = a.listenAddress();
    return static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
  }
  std::filesystem::path dir_;
};

TEST_F(AgentTest, ListensWhereDatakitConfSays) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:0\"\n");
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r = simpleRequest(port, "GET", "/v1/ping");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(bodyOf(r).find("\"content\":{\"version\""), std::string::npos) << r;
  EXPECT_NE(r.find("X-DataKit: "), std::string::npos);
  r = simpleRequest(port, "GET", "/v1/ntp");
  EXPECT_NE(bodyOf(r).find("\"timestamp_sec\":"), std::string::npos) << r;
  r = simpleRequest(port, "POST", "/v1/write/metric", "cpu x=1");
  EXPECT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(port, "GET", "/no/such/page");
  EXPECT_EQ(statusOf(r), 404);
  EXPECT_NE(bodyOf(r).find("Welcome to use DataKit"), std::string::npos);
  agent.stop();
}

TEST_F(AgentTest, ListenFlagOverridesConfAnd404PageCanBeDisabled) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:1\"\n  disable_404page = true\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  std::string r = simpleRequest(portOf(agent), "GET", "/nope");
  EXPECT_EQ(statusOf(r), 404);
  EXPECT_EQ(bodyOf(r).find("Welcome"), std::string::npos);
}

TEST_F(AgentTest, CorsPreflightAndEchoedOrigin) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:0\"\n");
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r = simpleRequest(port, "OPTIONS", "/v1/write/rum?precision=ms", "",
                                "Origin: http://shop.example\r\n"
                                "Access-Control-Request-Headers: content-type\r\n");
  EXPECT_EQ(statusOf(r), 204) << r;
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://shop.example"), std::string::npos) << r;
  EXPECT_NE(r.find("Access-Control-Allow-Methods: POST, OPTIONS, GET, PUT"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Allow-Credentials: true"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Max-Age: 7200"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Allow-Headers: content-type"), std::string::npos);
  // Any path answers a preflight, and real requests carry the headers too.
  EXPECT_EQ(statusOf(simpleRequest(port, "OPTIONS", "/any/thing")), 204);
  r = simpleRequest(port, "POST", "/v1/write/metric", "cpu x=1", "Origin: http://shop.example\r\n");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://shop.example"), std::string::npos) << r;
  // Without an Origin there is nothing to echo.
  r = simpleRequest(port, "GET", "/v1/ping");
  EXPECT_EQ(r.find("Access-Control-Allow-Origin"), std::string::npos) << r;
}

TEST_F(AgentTest, CorsOnlyForAllowedOrigins) {
  writeConf(
      "[http_api]\n  listen = \"127.0.0.1:0\"\n  allowed_cors_origins = [\"http://ok.example\"]\n");
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r =
      simpleRequest(port, "OPTIONS", "/v1/write/rum", "", "Origin: http://ok.example\r\n");
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://ok.example"), std::string::npos) << r;
  r = simpleRequest(port, "OPTIONS", "/v1/write/rum", "", "Origin: http://evil.example\r\n");
  EXPECT_EQ(statusOf(r), 204);
  EXPECT_EQ(r.find("Access-Control-Allow-Origin"), std::string::npos) << r;
}

TEST_F(AgentTest, BrokenConfigIsAClearStartError) {
  writeConf("[http_api]\n  timeout = \"ten seconds\"\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  Status st = agent.start();
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("datakit.conf:2: [http_api] timeout"), std::string::npos)
      << st.message();
}

TEST_F(AgentTest, BusyPortIsAClearStartError) {
  writeConf("");
  Agent first(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(first.start().isOk());
  Agent second(AgentOptions{dir_.string(), first.listenAddress(), false});
  Status st = second.start();
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("cannot listen on " + first.listenAddress()), std::string::npos)
      << st.message();
}

TEST_F(AgentTest, ContainerModeReadsEnvHttpListen) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:1\"\n");
  setenv("ENV_HTTP_LISTEN", "127.0.0.1:0", 1);
  Agent agent(AgentOptions{dir_.string(), "", true});
  Status st = agent.start();
  unsetenv("ENV_HTTP_LISTEN");
  ASSERT_TRUE(st.isOk()) << st.toString();
  EXPECT_EQ(statusOf(simpleRequest(portOf(agent), "GET", "/v1/ping")), 200);
}

}  // namespace
}  // namespace sextant::agent

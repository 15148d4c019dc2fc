// Realistic scripts (testdata/scripts) on log samples written in the real formats
// (testdata/logs), asserting the extracted keys. Expected times: `date -u -d <time> +%s`.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pipeline/test_util.h"

namespace sextant::pipeline {
namespace {

using namespace testing;  // NOLINT

std::string readTestdata(const std::string& rel) {
  std::ifstream f(std::string(SEXTANT_SOURCE_DIR) + "/src/pipeline/testdata/" + rel);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream ss(text);
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

std::shared_ptr<const Script> load(const std::string& name) {
  auto s = Script::compile(name, readTestdata("scripts/" + name));
  EXPECT_TRUE(s.isOk()) << s.status().message();
  return s.isOk() ? *s : nullptr;
}

TEST(PipelineRealistic, NginxAccessLog) {
  auto script = load("nginx.p");
  ASSERT_NE(script, nullptr);
  std::vector<std::string> ls = lines(readTestdata("logs/nginx_access.log"));
  ASSERT_EQ(ls.size(), 3u);

  model::Point p = logPoint(ls[0]);
  RunOutcome o = script->run(&p, kNow);
  EXPECT_TRUE(o.error.empty()) << o.error;
  EXPECT_EQ(str(p, "client_ip"), "192.168.1.10");
  EXPECT_EQ(str(p, "http_method"), "GET");
  EXPECT_EQ(str(p, "http_url"), "/index.html?a=1");
  EXPECT_EQ(str(p, "http_version"), "1.1");
  EXPECT_EQ(i64(p, "status_code"), 200);
  EXPECT_EQ(i64(p, "bytes"), 612);
  EXPECT_EQ(str(p, "status"), "OK");
  EXPECT_EQ(str(p, "browser"), "Chrome");
  EXPECT_FALSE(has(p, "http_ident"));  // "-" nulled
  EXPECT_EQ(p.time_ns, 1696946136000000000);
  EXPECT_FALSE(has(p, "time"));

  p = logPoint(ls[1]);
  script->run(&p, kNow);
  EXPECT_EQ(str(p, "http_auth"), "alice");
  EXPECT_EQ(str(p, "http_method"), "POST");
  EXPECT_EQ(i64(p, "status_code"), 401);
  EXPECT_EQ(str(p, "status"), "warning");
  EXPECT_EQ(str(p, "referrer"), "https://example.com/login");
  EXPECT_EQ(p.time_ns, (1696946137 - 8 * 3600) * 1000000000LL);

  p = logPoint(ls[2]);
  script->run(&p, kNow);
  EXPECT_EQ(i64(p, "status_code"), 502);
  EXPECT_EQ(str(p, "status"), "error");
  EXPECT_EQ(std::get<bool>(*field(p, "isBot")), true);
}

TEST(PipelineRealistic, NginxErrorLog) {
  auto script = load("nginx.p");
  ASSERT_NE(script, nullptr);
  std::vector<std::string> ls = lines(readTestdata("logs/nginx_error.log"));
  ASSERT_EQ(ls.size(), 2u);
  model::Point p = logPoint(ls[0]);
  script->run(&p, kNow);
  EXPECT_EQ(str(p, "status"), "error");
  EXPECT_EQ(i64(p, "pid"), 1234);
  EXPECT_EQ(i64(p, "tid"), 0);
  EXPECT_EQ(i64(p, "connection_id"), 5);
  EXPECT_EQ(str(p, "client_ip"), "10.0.0.1");
  EXPECT_EQ(str(p, "server"), "localhost");
  EXPECT_EQ(str(p, "http_method"), "GET");
  EXPECT_EQ(str(p, "http_url"), "/favicon.ico");
  EXPECT_EQ(p.time_ns, 1696946136000000000);

  p = logPoint(ls[1]);
  script->run(&p, kNow);
  EXPECT_EQ(str(p, "status"), "warning");  // "warn" normalised
  EXPECT_EQ(str(p, "msg").substr(0, 9), "the \"ssl\"");
  EXPECT_FALSE(has(p, "client_ip"));
  EXPECT_EQ(p.time_ns, 1696946140000000000);
}

TEST(PipelineRealistic, MysqlSlowLog) {
  auto script = load("mysql.p");
  ASSERT_NE(script, nullptr);
  model::Point p = logPoint(readTestdata("logs/mysql_slow.txt"));
  RunOutcome o = script->run(&p, kNow);
  EXPECT_TRUE(o.error.empty()) << o.error;
  EXPECT_EQ(str(p, "db_user"), "root");
  EXPECT_EQ(str(p, "db_host"), "localhost");
  EXPECT_FALSE(has(p, "db_ip"));
  EXPECT_EQ(i64(p, "thread_id"), 8);
  EXPECT_DOUBLE_EQ(f64(p, "query_time"), 2.000214);
  EXPECT_DOUBLE_EQ(f64(p, "lock_time"), 0.0001);
  EXPECT_EQ(i64(p, "rows_sent"), 1);
  EXPECT_EQ(i64(p, "rows_examined"), 0);
  EXPECT_EQ(str(p, "db_slow_statement"), "SET timestamp=1696946136;\nSELECT SLEEP(2);");
  EXPECT_EQ(std::get<bool>(*field(p, "slow")), true);
  EXPECT_EQ(p.time_ns, 1696946136123456000);
}

TEST(PipelineRealistic, RedisLog) {
  auto script = load("redis.p");
  ASSERT_NE(script, nullptr);
  std::vector<std::string> ls = lines(readTestdata("logs/redis.log"));
  ASSERT_EQ(ls.size(), 2u);
  model::Point p = logPoint(ls[0]);
  script->run(&p, kNow);
  EXPECT_EQ(i64(p, "pid"), 1);
  EXPECT_EQ(str(p, "role"), "M");
  EXPECT_EQ(str(p, "serverity"), "*");
  EXPECT_EQ(str(p, "status"), "notice");
  EXPECT_EQ(str(p, "msg"), "Ready to accept connections tcp");
  EXPECT_EQ(p.time_ns, 1696946136123000000);

  p = logPoint(ls[1]);
  script->run(&p, kNow);
  EXPECT_EQ(str(p, "role"), "C");
  EXPECT_EQ(str(p, "status"), "warning");
  EXPECT_EQ(p.time_ns, 1696946137000000000);
}

}  // namespace
}  // namespace sextant::pipeline

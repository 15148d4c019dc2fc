// The gitlab input: the real webhook fixtures (../shared/fixtures/gitlab) replayed with GitLab's
// delivery headers, the expected points built here from each fixture's JSON by the reference's
// mapping (datakit-inputs.md §3.2), not from the decoder; the status filter and
// ci_all_statuses; the secret; redelivery suppression; bad bodies; extra tags; config parsing;
// GitLab's /-/metrics scraped from a local HTTP server (values written by hand).
#include "agent/inputs/gitlab/gitlab_input.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>

#include "agent/inputs/gitlab/gitlab_metrics.h"
#include "config/config_table.h"
#include "net/http_server.h"

namespace sextant::agent::inputs::gitlab {
namespace {

using simdjson::dom::element;

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/gitlab/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class RecordingFeeder final : public Feeder {
 public:
  Status feed(model::Category category, std::vector<model::Point>&& pts,
              const FeedOptions& options) override {
    std::lock_guard<std::mutex> l(mu);
    ++calls;
    if (fail.load()) return Status(StatusCode::kResourceExhausted, "queue full");
    EXPECT_EQ(category, model::Category::kLogging);
    EXPECT_TRUE(options.durable);
    EXPECT_EQ(options.input, "gitlab");
    for (model::Point& p : pts) points.push_back(std::move(p));
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> l(mu);
    errors.emplace_back(message);
  }
  std::mutex mu;
  std::atomic<bool> fail{false};
  int calls = 0;
  std::vector<model::Point> points;
  std::vector<std::string> errors;
};

// --- the reference's mapping, written independently of the decoder ---------------------------

std::optional<element> at(std::optional<element> e, const char* key) {
  if (!e || !e->is_object()) return std::nullopt;
  element v;
  if ((*e)[key].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}
std::string str(std::optional<element> e) {
  if (!e) return "";
  if (e->is_string()) return std::string(e->get_string().value());
  if (e->is_int64()) return std::to_string(e->get_int64().value());
  if (e->is_uint64()) return std::to_string(e->get_uint64().value());
  return "";
}
// "2016-08-12 15:23:28 UTC" or "2021-02-23T02:41:37.886Z" -> Unix ms, with libc's timegm.
int64_t ms(std::optional<element> e) {
  std::string s = str(e);
  if (s.empty()) return 0;
  std::tm tm{};
  const char* rest =
      strptime(s.c_str(), s[10] == 'T' ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
  EXPECT_NE(rest, nullptr) << s;
  if (rest == nullptr) return 0;
  int64_t frac = 0;
  if (*rest == '.') frac = std::atoi(rest + 1);  // the fixtures' fractions have 3 digits
  return static_cast<int64_t>(timegm(&tm)) * 1000 + frac;
}
int64_t scaled(std::optional<element> e, double unit) {
  if (!e) return 0;
  double d = e->get_double().value();
  return static_cast<int64_t>(std::llround(d * unit));
}
void tag(model::Point& p, const char* k, const std::string& v) {
  if (!v.empty()) p.addTag(k, v);
}

model::Point expectedPipeline(const std::string& body, element doc, int64_t time_ns) {
  model::Point p;
  p.category = model::Category::kLogging;
  p.measurement = "gitlab_pipeline";
  p.time_ns = time_ns;
  auto attrs = at(doc, "object_attributes");
  auto project = at(doc, "project");
  auto commit = at(doc, "commit");
  tag(p, "object_kind", str(at(doc, "object_kind")));
  tag(p, "operation_name", str(at(doc, "object_kind")));
  tag(p, "ci_status", str(at(attrs, "status")));
  tag(p, "pipeline_name", str(at(project, "path_with_namespace")));
  tag(p, "pipeline_url", str(at(project, "web_url")) + "/pipelines/" + str(at(attrs, "id")));
  tag(p, "commit_sha", str(at(commit, "id")));
  tag(p, "author_email", str(at(at(commit, "author"), "email")));
  tag(p, "repository_url", str(at(project, "git_http_url")));
  tag(p, "pipeline_source", str(at(attrs, "source")));
  tag(p, "resource", str(at(project, "name")));
  tag(p, "ref", str(at(attrs, "ref")));
  const int64_t created = ms(at(attrs, "created_at")), finished = ms(at(attrs, "finished_at"));
  p.addField("pipeline_id", str(at(attrs, "id")));
  p.addField("duration", scaled(at(attrs, "duration"), 1e6));
  p.addField("created_at", created);
  p.addField("finished_at", finished);
  p.addField("queued_duration", finished - created - scaled(at(attrs, "duration"), 1e3));
  p.addField("commit_message", str(at(commit, "message")));
  p.addField("message", str(at(commit, "message")));
  p.addField("event_raw", body);
  return p;
}

model::Point expectedJob(const std::string& body, element doc, int64_t time_ns) {
  model::Point p;
  p.category = model::Category::kLogging;
  p.measurement = "gitlab_job";
  p.time_ns = time_ns;
  for (const char* k : {"object_kind", "sha", "build_name", "build_stage", "build_status",
                        "project_name", "build_failure_reason"})
    tag(p, k, str(at(doc, k)));
  tag(p, "user_email", str(at(at(doc, "user"), "email")));
  tag(p, "build_commit_sha", str(at(at(doc, "commit"), "sha")));
  tag(p, "build_repo_name", str(at(at(doc, "repository"), "name")));
  for (const char* k : {"build_id", "pipeline_id", "project_id"}) p.addField(k, str(at(doc, k)));
  if (auto runner = at(doc, "runner")) p.addField("runner_id", str(at(runner, "id")));
  for (const char* k : {"build_created_at", "build_started_at", "build_finished_at"})
    p.addField(k, ms(at(doc, k)));
  p.addField("build_duration", scaled(at(doc, "build_duration"), 1e6));
  p.addField("queued_duration", scaled(at(doc, "build_queued_duration"), 1e6));
  p.addField("build_commit_message", str(at(at(doc, "commit"), "message")));
  p.addField("message", str(at(at(doc, "commit"), "message")));
  p.addField("event_raw", body);
  return p;
}

// --- harness ------------------------------------------------------------------------------------

struct Fixture {
  std::string file;
  std::string event;  // X-Gitlab-Event
};
const std::vector<Fixture> kFixtures = {
    {"pipeline_hook.docs.json", "Pipeline Hook"}, {"pipeline_hook.go-gitlab.json", "Pipeline Hook"},
    {"job_hook.docs.json", "Job Hook"},           {"job_hook.go-gitlab.json", "Job Hook"},
    {"build_hook.go-gitlab.json", "Build Hook"},
};

constexpr int64_t kNow = 1'763'700'000'000'000'000;

class GitlabInputTest : public ::testing::Test {
 protected:
  void make(GitlabConfig c) {
    c.enable_collect = false;
    InputEnv env;
    env.feeder = &feeder_;
    env.now_ns = [this] { return now_.load(); };
    input_ = std::make_unique<GitlabInput>(std::move(c), env);
    auto routes = input_->routes();
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].method, "POST");
    EXPECT_EQ(routes[0].path, "/v1/gitlab");
    handler_ = routes[0].handler;
  }
  // GitLab's delivery headers (delivery_headers.json "common"), with this delivery's ids.
  net::HttpRequest delivery(const std::string& event, std::string body, const std::string& id) {
    net::HttpRequest req;
    req.method = "POST";
    req.path = req.target = "/v1/gitlab";
    req.body = std::move(body);
    simdjson::dom::object common;
    EXPECT_EQ(headers_["common"].get(common), simdjson::SUCCESS);
    for (auto [k, v] : common) {
      std::string key(k), value(v.get_string().value());
      if (key == "X-Gitlab-Token") continue;  // only when a secret is configured
      if (key == "X-Gitlab-Event-UUID" || key == "Idempotency-Key") value += "-" + id;
      req.headers.emplace_back(key, value);
    }
    req.headers.emplace_back("X-Gitlab-Event", event);
    return req;
  }
  net::HttpResponse send(net::HttpRequest req) { return handler_(req); }
  void SetUp() override {
    headers_json_ = readFixture("delivery_headers.json");
    headers_ = parser_.parse(headers_json_).value();
  }

  RecordingFeeder feeder_;
  std::atomic<int64_t> now_{kNow};
  std::unique_ptr<GitlabInput> input_;
  net::Handler handler_;
  std::string headers_json_;
  simdjson::dom::parser parser_;
  element headers_;
};

TEST_F(GitlabInputTest, DeliveryHeadersFixtureNamesTheEvents) {
  EXPECT_EQ(std::string(headers_["X-Gitlab-Event"]["pipeline"].get_string().value()),
            "Pipeline Hook");
  EXPECT_EQ(std::string(headers_["X-Gitlab-Event"]["job"].get_string().value()), "Job Hook");
  EXPECT_EQ(
      std::string(
          headers_["X-Gitlab-Event"]["job_legacy_alias_seen_in_the_wild"].get_string().value()),
      "Build Hook");
}

TEST_F(GitlabInputTest, EveryFixtureYieldsTheReferencePoint) {
  GitlabConfig c;
  c.ci_all_statuses = true;
  make(c);
  simdjson::dom::parser p;
  for (size_t i = 0; i < kFixtures.size(); ++i) {
    const Fixture& f = kFixtures[i];
    std::string body = readFixture(f.file);
    now_ = kNow + static_cast<int64_t>(i);
    net::HttpResponse r = send(delivery(f.event, body, std::to_string(i)));
    ASSERT_EQ(r.status, 200) << f.file << ": " << r.body;
    ASSERT_EQ(feeder_.points.size(), i + 1) << f.file;
    element doc = p.parse(body).value();
    model::Point want = f.event == "Pipeline Hook" ? expectedPipeline(body, doc, now_)
                                                   : expectedJob(body, doc, now_);
    EXPECT_EQ(feeder_.points.back(), want) << f.file;
  }
  GitlabStats s = input_->stats();
  EXPECT_EQ(s.pipelines, 2u);
  EXPECT_EQ(s.jobs, 3u);
  EXPECT_EQ(s.filtered, 0u);
}

TEST_F(GitlabInputTest, ByDefaultOnlySuccessAndFailedAreKept) {
  make(GitlabConfig{});
  simdjson::dom::parser p;
  size_t want = 0;
  for (size_t i = 0; i < kFixtures.size(); ++i) {
    std::string body = readFixture(kFixtures[i].file);
    element doc = p.parse(body).value();
    std::string status = kFixtures[i].event == "Pipeline Hook"
                             ? str(at(at(doc, "object_attributes"), "status"))
                             : str(at(doc, "build_status"));
    if (status == "success" || status == "failed") ++want;
    EXPECT_EQ(send(delivery(kFixtures[i].event, body, std::to_string(i))).status, 200);
  }
  EXPECT_EQ(feeder_.points.size(), want);
  EXPECT_EQ(input_->stats().filtered, kFixtures.size() - want);
  ASSERT_GT(want, 0u);
  ASSERT_LT(want, kFixtures.size());  // the fixtures hold both kinds
  for (const model::Point& pt : feeder_.points) {
    const model::Tag* t = pt.findTag(pt.measurement == "gitlab_job" ? "build_status" : "ci_status");
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(t->value == "success" || t->value == "failed") << t->value;
  }
}

TEST_F(GitlabInputTest, AllStatusesFollowsARunningPipeline) {
  GitlabConfig c;
  c.ci_all_statuses = true;
  make(c);
  std::string body = readFixture("pipeline_hook.docs.json");
  int n = 0;
  for (const char* status : {"pending", "running", "canceled", "success"}) {
    std::string b = body;
    b.replace(b.find("\"status\": \"success\""), 19, std::string("\"status\": \"") + status + "\"");
    ASSERT_EQ(send(delivery("Pipeline Hook", b, std::to_string(n++))).status, 200);
    EXPECT_EQ(feeder_.points.back().findTag("ci_status")->value, status);
  }
  EXPECT_EQ(feeder_.points.size(), 4u);
}

TEST_F(GitlabInputTest, SecretToken) {
  GitlabConfig c;
  c.secret_token = "s3cret";
  make(c);
  std::string body = readFixture("pipeline_hook.docs.json");
  for (const char* token : {"", "wrong", "s3cre", "s3cret!"}) {
    net::HttpRequest req = delivery("Pipeline Hook", body, token);
    if (*token) req.headers.emplace_back("X-Gitlab-Token", token);
    net::HttpResponse r = send(req);
    EXPECT_EQ(r.status, 401) << token;
    simdjson::dom::parser p;
    element e = p.parse(r.body).value();
    EXPECT_EQ(std::string(e["error_code"].get_string().value()), "datakit.invalidToken");
    EXPECT_FALSE(std::string(e["message"].get_string().value()).empty());
  }
  EXPECT_EQ(feeder_.points.size(), 0u);
  EXPECT_EQ(input_->stats().unauthorized, 4u);
  net::HttpRequest req = delivery("Pipeline Hook", body, "ok");
  req.headers.emplace_back("X-Gitlab-Token", "s3cret");
  EXPECT_EQ(send(req).status, 200);
  EXPECT_EQ(feeder_.points.size(), 1u);
}

TEST_F(GitlabInputTest, RedeliveriesAreAnswered200AndDropped) {
  GitlabConfig c;
  c.dedup_window = std::chrono::seconds(60);
  make(c);
  std::string body = readFixture("pipeline_hook.docs.json");
  // Same Idempotency-Key (GitLab's retry), even with another event UUID.
  net::HttpRequest a = delivery("Pipeline Hook", body, "1");
  EXPECT_EQ(send(a).status, 200);
  for (auto& [k, v] : a.headers)
    if (k == "X-Gitlab-Event-UUID") v = "another";
  EXPECT_EQ(send(a).status, 200);
  EXPECT_EQ(feeder_.points.size(), 1u);
  // Only an event UUID.
  net::HttpRequest b = delivery("Pipeline Hook", body, "2");
  std::erase_if(b.headers, [](auto& kv) { return kv.first == "Idempotency-Key"; });
  EXPECT_EQ(send(b).status, 200);
  EXPECT_EQ(send(b).status, 200);
  EXPECT_EQ(feeder_.points.size(), 2u);
  // No id headers: the MD5 of the body.
  net::HttpRequest plain;
  plain.method = "POST";
  plain.headers = {{"X-Gitlab-Event", "Pipeline Hook"}};
  plain.body = body;
  EXPECT_EQ(send(plain).status, 200);
  EXPECT_EQ(send(plain).status, 200);
  EXPECT_EQ(feeder_.points.size(), 3u);
  plain.body += " ";  // another body
  EXPECT_EQ(send(plain).status, 200);
  EXPECT_EQ(feeder_.points.size(), 4u);
  EXPECT_EQ(input_->stats().duplicates, 3u);
  // After the window the key is forgotten.
  now_ += 61'000'000'000;
  EXPECT_EQ(send(a).status, 200);
  EXPECT_EQ(feeder_.points.size(), 5u);
}

TEST_F(GitlabInputTest, AFailedFeedIsRetriedByTheNextDelivery) {
  make(GitlabConfig{});
  std::string body = readFixture("job_hook.go-gitlab.json");
  net::HttpRequest req = delivery("Job Hook", body, "x");
  feeder_.fail = true;
  net::HttpResponse r = send(req);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("datakit.queueFull"), std::string::npos);
  feeder_.fail = false;
  EXPECT_EQ(send(req).status, 200);
  EXPECT_EQ(feeder_.points.size(), 1u);
  EXPECT_EQ(input_->stats().feed_failures, 1u);
}

TEST_F(GitlabInputTest, BadBodiesAre400AndOtherEventsIgnored) {
  make(GitlabConfig{});
  int n = 0;
  for (const char* bad : {"", "{", "not json", "[]", "{\"object_kind\":\"pipeline\"}"}) {
    net::HttpResponse r = send(delivery("Pipeline Hook", bad, std::to_string(n++)));
    EXPECT_EQ(r.status, 400) << bad;
    simdjson::dom::parser p;
    element e = p.parse(r.body).value();
    EXPECT_EQ(std::string(e["error_code"].get_string().value()), "datakit.badRequest");
  }
  EXPECT_EQ(send(delivery("Job Hook", "{\"build_status\":\"success\"}", "j")).status, 400);
  EXPECT_EQ(input_->stats().bad_requests, 6u);
  EXPECT_EQ(feeder_.errors.size(), 6u);
  for (const char* event : {"Push Hook", "Merge Request Hook", "", "pipeline hook"}) {
    EXPECT_EQ(send(delivery(event, "{}", event)).status, 200) << event;
  }
  EXPECT_EQ(input_->stats().ignored, 4u);
  EXPECT_EQ(feeder_.points.size(), 0u);
}

TEST_F(GitlabInputTest, ExtraTagsOnlyFillAbsentKeys) {
  GitlabConfig c;
  c.ci_extra_tags = {{"ref", "not-this"}, {"team", "ci"}};
  c.tags = {{"team", "ignored"}, {"region", "eu"}, {"resource", "not-this"}};
  make(c);
  EXPECT_EQ(send(delivery("Pipeline Hook", readFixture("pipeline_hook.docs.json"), "t")).status,
            200);
  ASSERT_EQ(feeder_.points.size(), 1u);
  const model::Point& p = feeder_.points[0];
  EXPECT_EQ(p.findTag("ref")->value, "master");
  EXPECT_EQ(p.findTag("resource")->value, "Gitlab Test");
  EXPECT_EQ(p.findTag("team")->value, "ci");
  EXPECT_EQ(p.findTag("region")->value, "eu");
}

TEST_F(GitlabInputTest, CiVisibilityOffMeansNoRoute) {
  GitlabConfig c;
  c.enable_ci_visibility = false;
  c.enable_collect = false;
  InputEnv env;
  GitlabInput in(c, env);
  EXPECT_TRUE(in.routes().empty());
  EXPECT_EQ(in.interval(), std::chrono::nanoseconds(0));
}

Result<GitlabConfig> parseConf(const std::string& text,
                               std::map<std::string, std::string> env = {}) {
  auto doc = config::ConfigTable::parse(text, "gitlab.conf");
  if (!doc.isOk()) return doc.status();
  auto inputs = doc->table("inputs");
  if (!inputs.isOk()) return inputs.status();
  auto blocks = (*inputs)->tableArray("gitlab");
  if (!blocks.isOk()) return blocks.status();
  return parseGitlabConfig(blocks->at(0), env);
}

TEST(GitlabConfig, DefaultsKeysAndEnv) {
  auto d = parseConf("[[inputs.gitlab]]\n");
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_TRUE(d->enable_collect);
  EXPECT_EQ(d->prometheus_url, "http://127.0.0.1:80/-/metrics");
  EXPECT_EQ(d->interval, std::chrono::seconds(10));
  EXPECT_TRUE(d->enable_ci_visibility);
  EXPECT_TRUE(d->election);
  EXPECT_FALSE(d->ci_all_statuses);
  EXPECT_EQ(d->secret_token, "");

  auto c = parseConf(R"([[inputs.gitlab]]
prometheus_url = "http://gitlab.local/-/metrics"
interval = "30s"
enable_collect = false
enable_ci_visibility = true
election = false
ci_all_statuses = true
secret_token = "abc"
dedup_window = "1m"
[inputs.gitlab.ci_extra_tags]
  team = "ci"
[inputs.gitlab.tags]
  env = "prod"
)");
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->prometheus_url, "http://gitlab.local/-/metrics");
  EXPECT_EQ(c->interval, std::chrono::seconds(30));
  EXPECT_FALSE(c->enable_collect);
  EXPECT_FALSE(c->election);
  EXPECT_TRUE(c->ci_all_statuses);
  EXPECT_EQ(c->secret_token, "abc");
  EXPECT_EQ(c->dedup_window, std::chrono::minutes(1));
  EXPECT_EQ(c->ci_extra_tags.at("team"), "ci");
  EXPECT_EQ(c->tags.at("env"), "prod");

  auto e = parseConf(
      "[[inputs.gitlab]]\n",
      {{"CI_ALL_STATUSES", "true"}, {"SECRET_TOKEN", "t"}, {"INTERVAL", "1m"}, {"TAGS", "a=b"}});
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_TRUE(e->ci_all_statuses);
  EXPECT_EQ(e->secret_token, "t");
  EXPECT_EQ(e->interval, std::chrono::minutes(1));
  EXPECT_EQ(e->tags.at("a"), "b");

  // DataKit's sample conf: its defaults.
  std::ifstream in(std::string(SEXTANT_SOURCE_DIR) +
                   "/src/agent/inputs/gitlab/testdata/gitlab.conf");
  std::ostringstream sample;
  sample << in.rdbuf();
  auto s = parseConf(sample.str());
  ASSERT_TRUE(s.isOk()) << s.status().message();
  EXPECT_TRUE(s->enable_collect);
  EXPECT_TRUE(s->enable_ci_visibility);
  EXPECT_EQ(s->interval, std::chrono::seconds(10));
  EXPECT_TRUE(s->tags.empty());

  auto bad = parseConf("[[inputs.gitlab]]\nprometheus_url = \"ftp://x\"\n");
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("prometheus_url"), std::string::npos);
  EXPECT_FALSE(parseConf("[[inputs.gitlab]]\ninterval = \"ten\"\n").isOk());
  EXPECT_FALSE(parseConf("[[inputs.gitlab]]\nci_all_statuses = \"yes\"\n").isOk());
  EXPECT_FALSE(parseConf("[[inputs.gitlab]]\n", {{"ELECTION", "maybe"}}).isOk());
}

TEST(GitlabRegistration, FactoryBuildsTheInput) {
  std::vector<InputFactory> list;
  registerGitlabInput(&list);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "gitlab");
  auto doc = config::ConfigTable::parse("[[inputs.gitlab]]\nenable_collect = false\n", "g");
  ASSERT_TRUE(doc.isOk());
  auto blocks = (*doc->table("inputs"))->tableArray("gitlab");
  auto in = list[0].create(blocks->at(0), InputEnv{});
  ASSERT_TRUE(in.isOk()) << in.status().message();
  EXPECT_EQ((*in)->name(), "gitlab");
  EXPECT_TRUE((*in)->election());
  EXPECT_EQ((*in)->routes().size(), 1u);
}

TEST(RecentKeys, CapacityAndWindow) {
  RecentKeys k(2, 100);
  k.insert("a", 0);
  k.insert("b", 10);
  EXPECT_TRUE(k.contains("a", 50));
  k.insert("c", 20);  // evicts the least recent: a
  EXPECT_FALSE(k.contains("a", 50));
  EXPECT_TRUE(k.contains("b", 50));
  EXPECT_FALSE(k.contains("b", 110));  // expired
  EXPECT_TRUE(k.contains("c", 119));
  k.erase("c");
  EXPECT_FALSE(k.contains("c", 0));
  EXPECT_EQ(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");  // RFC 1321's test suite
  EXPECT_EQ(md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

// --- GitLab's /-/metrics --------------------------------------------------------------------

constexpr const char* kMetrics = R"(# HELP gitlab_transaction_cache_read_hit_count_total Counter
# TYPE gitlab_transaction_cache_read_hit_count_total counter
gitlab_transaction_cache_read_hit_count_total{controller="Projects",action="show"} 12
gitlab_transaction_cache_read_hit_count_total{controller="Groups",action="index"} 3
# HELP http_requests_total Requests
# TYPE http_requests_total counter
http_requests_total{method="get",status="200"} 99
# HELP gitlab_rails_boot_time_seconds Boot
# TYPE gitlab_rails_boot_time_seconds gauge
gitlab_rails_boot_time_seconds 42.5
# TYPE ruby_gc_stat summary
ruby_gc_stat{quantile="0.5"} 1
ruby_gc_stat_sum 2
ruby_gc_stat_count 3
# TYPE deployments counter
deployments 7
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="get",le="0.1"} 5
http_request_duration_seconds_bucket{method="get",le="+Inf"} 8
http_request_duration_seconds_sum{method="get"} 1.5
http_request_duration_seconds_count{method="get"} 8
# TYPE gitlab_sql_duration_seconds histogram
gitlab_sql_duration_seconds_bucket{le="1"} 2
gitlab_sql_duration_seconds_bucket{le="+Inf"} 2
gitlab_sql_duration_seconds_sum 0.25
gitlab_sql_duration_seconds_count 2
untyped_thing 1
)";

model::Point metric(std::string m, std::vector<model::Tag> tags, std::vector<model::Field> fields,
                    int64_t t) {
  model::Point p;
  p.category = model::Category::kMetric;
  p.measurement = std::move(m);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = t;
  return p;
}

class MetricsServer {
 public:
  MetricsServer() {
    net::Router r;
    r.add("GET", "/-/metrics", [this](net::HttpRequest&) {
      if (fail.load()) return net::HttpResponse::text(500, "boom");
      return net::HttpResponse::text(200, kMetrics);
    });
    net::HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    server = std::make_unique<net::HttpServer>(o, std::move(r));
    EXPECT_TRUE(server->start().isOk());
  }
  ~MetricsServer() { server->stop(); }
  std::string url() { return "http://" + server->boundAddress() + "/-/metrics"; }
  std::atomic<bool> fail{false};
  std::unique_ptr<net::HttpServer> server;
};

TEST(GitlabMetrics, ScrapesCountersAndHistogramsOnly) {
  MetricsServer srv;
  GitlabConfig c;
  c.prometheus_url = srv.url();
  c.enable_ci_visibility = false;
  c.tags = {{"env", "prod"}};
  GitlabInput in(c, InputEnv{});
  EXPECT_EQ(in.interval(), std::chrono::seconds(10));
  std::vector<model::Point> out;
  ASSERT_TRUE(in.collect(77, &out).isOk());
  std::vector<model::Point> want = {
      metric("gitlab", {{"controller", "Projects"}, {"action", "show"}, {"env", "prod"}},
             {{"transaction_cache_read_hit_count_total", 12.0}}, 77),
      metric("gitlab", {{"controller", "Groups"}, {"action", "index"}, {"env", "prod"}},
             {{"transaction_cache_read_hit_count_total", 3.0}}, 77),
      metric("gitlab_base", {{"env", "prod"}}, {{"deployments", 7.0}}, 77),
      metric("gitlab_http", {{"method", "get"}, {"env", "prod"}},
             {{"http_request_duration_seconds_sum", 1.5},
              {"http_request_duration_seconds_count", 8.0}},
             77),
      metric("gitlab_base", {{"env", "prod"}},
             {{"sql_duration_seconds_sum", 0.25}, {"sql_duration_seconds_count", 2.0}}, 77),
  };
  ASSERT_EQ(out.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(out[i], want[i]) << i;
  auto t = in.targets();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].up);
  EXPECT_EQ(t[0].last_samples, 17);  // every sample line of kMetrics

  srv.fail = true;
  out.clear();
  Status st = in.collect(78, &out);
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("HTTP 500"), std::string::npos);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(in.targets()[0].up);
  EXPECT_EQ(in.stats().scrape_failures, 1u);
}

TEST(GitlabMetrics, HostTagForRemoteTargetsOnly) {
  EXPECT_EQ(scrapeHostTag("http://127.0.0.1:80/-/metrics"), "");
  EXPECT_EQ(scrapeHostTag("http://localhost/-/metrics"), "");
  EXPECT_EQ(scrapeHostTag("http://[::1]:80/-/metrics"), "");
  EXPECT_EQ(scrapeHostTag("http://10.0.0.5:80/-/metrics"), "10.0.0.5");
  EXPECT_EQ(scrapeHostTag("https://user:pw@gitlab.example.com/-/metrics"), "gitlab.example.com");
  // A [tags] host is the host tag (it also takes precedence over a non-loopback URL host).
  MetricsServer srv;
  GitlabConfig own;
  own.prometheus_url = srv.url();
  own.tags = {{"host", "gitlab-1"}};
  GitlabInput in(own, InputEnv{});
  std::vector<model::Point> scraped;
  ASSERT_TRUE(in.collect(1, &scraped).isOk());
  ASSERT_FALSE(scraped.empty());
  EXPECT_EQ(scraped[0].findTag("host")->value, "gitlab-1");
  GitlabConfig c;
  c.prometheus_url = "http://10.0.0.5:80/-/metrics";
  c.tags = {{"env", "prod"}};
  auto exp = codec::prom::parse("# TYPE c counter\nc{a=\"1\"} 1\n", codec::prom::Format::kText004);
  ASSERT_TRUE(exp.isOk());
  std::vector<model::Point> out;
  convertGitlabMetrics(*exp, {{"host", "10.0.0.5"}, {"a", "ignored"}}, 1, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], metric("gitlab", {{"a", "1"}, {"host", "10.0.0.5"}}, {{"c", 1.0}}, 1));
}

}  // namespace
}  // namespace sextant::agent::inputs::gitlab

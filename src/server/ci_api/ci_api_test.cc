// The CI API against a real engine holding a scripted history of two projects' pipelines and
// jobs. Every event is one of the real GitLab fixtures with its ids, status, project and times
// changed, decoded into points by codec/gitlab as the agent would. The overview numbers (runs,
// success rate, nearest-rank p50/p90) are computed by hand in the comments.
#include "server/ci_api/ci_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "codec/gitlab/gitlab_webhook.h"
#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

using simdjson::dom::element;

constexpr int64_t kD0 = 1'795'132'800'000;  // 2026-11-20 00:00:00 UTC, ms
constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/gitlab/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replaceFirst(std::string* s, const std::string& from, const std::string& to) {
  size_t at = s->find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s->replace(at, from.size(), to);
}

// "2026-11-20 01:00:00 UTC" of a ms time (whole seconds).
std::string gitlabTime(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}
std::string timeOrNull(int64_t ms) { return ms ? "\"" + gitlabTime(ms) + "\"" : "null"; }

struct Project {
  std::string path, name, author;
};
const Project kA{"gitlab-org/gitlab-test", "Gitlab Test", "user@gitlab.com"};
const Project kB{"acme/shop", "Shop", "dev@acme.io"};

class CiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path() + "/data");
    ASSERT_NE(engine_, nullptr);
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir_.path() + "/ws");
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    store_ = std::move(s).value();
    ws_ = store_->list().at(0);
    auto other = store_->create("other");
    ASSERT_TRUE(other.isOk());
    other_ = *other;
    CiApiOptions o;
    o.now_ns = [] { return (kD0 + 2 * kDay) * 1'000'000; };
    registerCiApi(router_, *engine_, *store_, o);
    pipeline_fixture_ = fixture("pipeline_hook.docs.json");
    job_fixture_ = fixture("job_hook.go-gitlab.json");

    // Day -5 (outside the range of the overview): one success.
    pipeline(kA, 100, "master", "success", kD0 - 5 * kDay, 40);
    // Day 0. A: 101 success 60 s, 102 failed 120 s (ref feature), 103 success 30 s, 104 still
    // running (pending then running). B: 201 success 200 s, 202 canceled 50 s.
    pipeline(kA, 101, "master", "success", kD0 + 1 * kHour, 60);
    pipeline(kA, 102, "feature", "failed", kD0 + 2 * kHour, 120);
    pipeline(kA, 103, "master", "success", kD0 + 3 * kHour, 30);
    pipeline(kB, 201, "main", "success", kD0 + 4 * kHour, 200);
    pipeline(kB, 202, "main", "canceled", kD0 + 5 * kHour, 50);
    // Day 1. A: 105 success 90 s, 106 running then success 45 s. B: 203 failed 10 s, 204 success
    // 300 s, 205 success 100 s.
    pipeline(kA, 105, "master", "success", kD0 + kDay + 1 * kHour, 90);
    pipeline(kA, 106, "master", "running", kD0 + kDay + 2 * kHour, 0);
    pipeline(kA, 106, "master", "success", kD0 + kDay + 2 * kHour, 45);
    pipeline(kB, 203, "main", "failed", kD0 + kDay + 3 * kHour, 10);
    pipeline(kB, 204, "main", "success", kD0 + kDay + 4 * kHour, 300);
    pipeline(kB, 205, "main", "success", kD0 + kDay + 5 * kHour, 100);
    // 104 last (newest creation on day 0 is 202; 104 is created at 06:00 and never finishes).
    pipeline(kA, 104, "master", "pending", kD0 + 6 * kHour, 0);
    pipeline(kA, 104, "master", "running", kD0 + 6 * kHour, 0);

    // The jobs of 106 (created c): build-image [c+10 s, c+40 s]; test-a running, then failed
    // [c+50 s, c+70 s]; test-b [c+50 s, c+60 s]; deploy-prod skipped.
    const int64_t c = kD0 + kDay + 2 * kHour;
    job(kA, 9001, 106, "build-image", "build", "success", c, c + 10'000, c + 40'000, 30, 10);
    job(kA, 9002, 106, "test-a", "test", "running", c, c + 50'000, 0, 0, 50);
    job(kA, 9002, 106, "test-a", "test", "failed", c, c + 50'000, c + 70'000, 20, 50);
    job(kA, 9003, 106, "test-b", "test", "success", c, c + 50'000, c + 60'000, 10, 50);
    job(kA, 9004, 106, "deploy-prod", "deploy", "skipped", c, 0, 0, 0, 0);
    // A job of B's 203.
    const int64_t c3 = kD0 + kDay + 3 * kHour;
    job(kB, 9101, 203, "lint", "test", "failed", c3, c3 + 1000, c3 + 9000, 8, 1);

    ASSERT_TRUE(
        storage::testing::writePoints(*engine_, ws_.id, model::Category::kLogging, points_).isOk());
  }

  // One Pipeline Hook event: created at `created`, queued 5 s, running `duration_s`; a finished
  // status finishes at created + 5 s + duration and is received then; others are received at
  // created + 1 s (pending) / + 2 s (running).
  void pipeline(const Project& p, int id, const std::string& ref, const std::string& status,
                int64_t created, int64_t duration_s) {
    std::string b = pipeline_fixture_;
    replaceFirst(&b, "\"id\": 31,", "\"id\": " + std::to_string(id) + ",");
    replaceFirst(&b, "\"status\": \"success\"", "\"status\": \"" + status + "\"");
    replaceFirst(&b, "\"ref\": \"master\"", "\"ref\": \"" + ref + "\"");
    const bool finished = status == "success" || status == "failed" || status == "canceled";
    const int64_t finish = finished ? created + 5'000 + duration_s * 1000 : 0;
    replaceFirst(&b, "\"created_at\": \"2016-08-12 15:23:28 UTC\"",
                 "\"created_at\": \"" + gitlabTime(created) + "\"");
    replaceFirst(&b, "\"finished_at\": \"2016-08-12 15:26:29 UTC\"",
                 "\"finished_at\": " + timeOrNull(finish));
    replaceFirst(&b, "\"duration\": 63",
                 "\"duration\": " + (finished ? std::to_string(duration_s) : "null"));
    replaceFirst(&b, "\"path_with_namespace\": \"gitlab-org/gitlab-test\"",
                 "\"path_with_namespace\": \"" + p.path + "\"");
    replaceFirst(&b, "\"name\": \"Gitlab Test\"", "\"name\": \"" + p.name + "\"");
    replaceFirst(&b, "\"email\": \"user@gitlab.com\"", "\"email\": \"" + p.author + "\"");
    const int64_t received = finished ? finish : created + (status == "pending" ? 1000 : 2000);
    auto pt = codec::gitlab::decodePipelineHook(b, received * 1'000'000);
    ASSERT_TRUE(pt.isOk()) << pt.status().toString();
    points_.push_back(std::move(*pt));
  }

  void job(const Project& p, int64_t id, int pipeline_id, const std::string& name,
           const std::string& stage, const std::string& status, int64_t created, int64_t started,
           int64_t finished, int64_t duration_s, int64_t queued_s) {
    std::string b = job_fixture_;
    replaceFirst(&b, "\"build_id\": 3580121225", "\"build_id\": " + std::to_string(id));
    replaceFirst(&b, "\"build_name\": \"auto_deploy:start\"", "\"build_name\": \"" + name + "\"");
    replaceFirst(&b, "\"build_stage\": \"coordinated:tag\"", "\"build_stage\": \"" + stage + "\"");
    replaceFirst(&b, "\"build_status\": \"success\"", "\"build_status\": \"" + status + "\"");
    replaceFirst(&b, "\"pipeline_id\": 743121198",
                 "\"pipeline_id\": " + std::to_string(pipeline_id));
    // GitLab's Job Hook names the project by its display name, not its path.
    replaceFirst(&b, "\"project_name\": \"John Smith / release-tools-fake\"",
                 "\"project_name\": \"" + p.name + "\"");
    replaceFirst(&b, "\"build_created_at\": \"2023-01-10 13:50:02 UTC\"",
                 "\"build_created_at\": " + timeOrNull(created));
    replaceFirst(&b, "\"build_started_at\": \"2023-01-10 13:50:05 UTC\"",
                 "\"build_started_at\": " + timeOrNull(started));
    replaceFirst(&b, "\"build_finished_at\": \"2023-01-10 13:50:54 UTC\"",
                 "\"build_finished_at\": " + timeOrNull(finished));
    replaceFirst(&b, "\"build_duration\": 49.503592",
                 "\"build_duration\": " + (finished ? std::to_string(duration_s) : "null"));
    replaceFirst(&b, "\"build_queued_duration\": 0.193009",
                 "\"build_queued_duration\": " + std::to_string(queued_s));
    const int64_t received = finished ? finished : (started ? started : created) + 1000;
    auto pt = codec::gitlab::decodeJobHook(b, received * 1'000'000);
    ASSERT_TRUE(pt.isOk()) << pt.status().toString();
    points_.push_back(std::move(*pt));
  }

  net::HttpResponse get(const std::string& target) {
    net::HttpRequest req = net::testing::makeRequest("GET", target);
    std::optional<net::HttpResponse> r = net::testing::callRoute(router_, req);
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(net::HttpResponse{});
  }
  element getJson(const std::string& target, const std::string& token = "") {
    net::HttpResponse r = get(target + (target.find('?') == std::string::npos ? "?" : "&") +
                              "token=" + (token.empty() ? ws_.token : token));
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    bodies_.push_back(std::make_unique<simdjson::padded_string>(r.body));
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = parsers_.back()->parse(*bodies_.back());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << r.body;
    return doc.value_unsafe();
  }
  static std::string range() {
    return "start=" + std::to_string(kD0) + "&end=" + std::to_string(kD0 + 2 * kDay - 1);
  }
  static std::vector<std::string> ids(element list, const char* key) {
    std::vector<std::string> out;
    simdjson::dom::array arr;
    EXPECT_EQ(list.get(arr), simdjson::SUCCESS);
    for (element e : arr) out.emplace_back(e[key].get_string().value());
    return out;
  }
  static std::string str(element e) { return std::string(e.get_string().value()); }
  static int64_t num(element e) { return e.get_int64().value(); }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
  std::unique_ptr<workspace::WorkspaceStore> store_;
  workspace::Workspace ws_, other_;
  net::Router router_;
  std::string pipeline_fixture_, job_fixture_;
  std::vector<model::Point> points_;
  std::vector<std::unique_ptr<simdjson::padded_string>> bodies_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

using V = std::vector<std::string>;

TEST_F(CiApiTest, PipelinesLatestStateNewestFirstWithFilters) {
  element all = getJson("/v1/ci/pipelines?project=gitlab-org/gitlab-test&" + range());
  EXPECT_EQ(num(all["total"]), 6);
  // By creation time, newest first; 106 appears once (its latest state).
  EXPECT_EQ(ids(all["pipelines"], "pipeline_id"), (V{"106", "105", "104", "103", "102", "101"}));
  element p106 = all["pipelines"].at(0);
  EXPECT_EQ(str(p106["ci_status"]), "success");
  EXPECT_EQ(num(p106["duration_us"]), 45'000'000);
  EXPECT_EQ(num(p106["queued_duration_ms"]), 5'000);
  EXPECT_EQ(num(p106["created_at"]), kD0 + kDay + 2 * kHour);
  EXPECT_EQ(num(p106["finished_at"]), kD0 + kDay + 2 * kHour + 50'000);
  EXPECT_EQ(str(p106["pipeline_url"]),
            "http://192.168.64.1:3005/gitlab-org/gitlab-test/pipelines/106");
  EXPECT_EQ(str(p106["commit_message"]), "test\n");
  EXPECT_EQ(str(p106["author_email"]), "user@gitlab.com");

  EXPECT_EQ(ids(getJson("/v1/ci/pipelines?project=Shop&" + range())["pipelines"], "pipeline_id"),
            (V{"205", "204", "203", "202", "201"}));
  // Status is the latest state: 106 was running once but is not running now.
  EXPECT_EQ(ids(getJson("/v1/ci/pipelines?status=running&" + range())["pipelines"], "pipeline_id"),
            (V{"104"}));
  EXPECT_EQ(ids(getJson("/v1/ci/pipelines?ref=feature&" + range())["pipelines"], "pipeline_id"),
            (V{"102"}));
  EXPECT_EQ(num(getJson("/v1/ci/pipelines?author=dev@acme.io&" + range())["total"]), 5);
  // source: every fixture pipeline came from a merge request.
  EXPECT_EQ(num(getJson("/v1/ci/pipelines?source=merge_request_event&" + range())["total"]),
            num(getJson("/v1/ci/pipelines?" + range())["total"]));
  EXPECT_EQ(num(getJson("/v1/ci/pipelines?source=push&" + range())["total"]), 0);
  element page =
      getJson("/v1/ci/pipelines?project=gitlab-org/gitlab-test&limit=2&offset=2&" + range());
  EXPECT_EQ(num(page["total"]), 6);
  EXPECT_EQ(ids(page["pipelines"], "pipeline_id"), (V{"104", "103"}));
  // The default range (7 days back from now = D0 + 2 days) also holds day -5.
  EXPECT_EQ(num(getJson("/v1/ci/pipelines?limit=1000")["total"]), 12);
  // Another workspace sees nothing.
  EXPECT_EQ(num(getJson("/v1/ci/pipelines?" + range(), other_.token)["total"]), 0);
}

TEST_F(CiApiTest, OnePipelineWithStagesAndJobs) {
  element d = getJson("/v1/ci/pipelines/106?" + range());
  EXPECT_EQ(str(d["pipeline"]["ci_status"]), "success");
  EXPECT_EQ(num(d["events"]), 2);
  element stages = d["stages"];
  EXPECT_EQ(ids(stages, "name"), (V{"build", "test", "deploy"}));  // the pipeline's order
  const int64_t c = kD0 + kDay + 2 * kHour;
  element build = stages.at(0), test = stages.at(1), deploy = stages.at(2);
  EXPECT_EQ(str(build["status"]), "success");
  EXPECT_EQ(num(build["duration_ms"]), 30'000);
  EXPECT_EQ(num(build["exec_us"]), 30'000'000);
  EXPECT_DOUBLE_EQ(build["exec_ratio"].get_double().value(), 0.5);  // 30 of 60 s
  EXPECT_EQ(str(test["status"]), "failed");
  EXPECT_EQ(num(test["job_count"]), 2);
  EXPECT_EQ(num(test["started_at"]), c + 50'000);
  EXPECT_EQ(num(test["finished_at"]), c + 70'000);
  EXPECT_EQ(num(test["duration_ms"]), 20'000);
  EXPECT_EQ(num(test["exec_us"]), 30'000'000);
  EXPECT_EQ(ids(test["jobs"], "build_name"), (V{"test-a", "test-b"}));
  element test_a = test["jobs"].at(0);
  EXPECT_EQ(str(test_a["build_status"]), "failed");  // latest of running, failed
  EXPECT_EQ(num(test_a["duration_us"]), 20'000'000);
  EXPECT_EQ(num(test_a["queued_duration_us"]), 50'000'000);
  EXPECT_EQ(str(test_a["build_id"]), "9002");
  EXPECT_EQ(str(deploy["status"]), "skipped");
  EXPECT_EQ(num(deploy["duration_ms"]), 0);

  net::HttpResponse missing = get("/v1/ci/pipelines/999?" + range() + "&token=" + ws_.token);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("sextant.notFound"), std::string::npos);
}

TEST_F(CiApiTest, JobsWithFilters) {
  element all = getJson("/v1/ci/jobs?" + range());
  EXPECT_EQ(num(all["total"]), 5);  // 9002's two events count once
  element failed = getJson("/v1/ci/jobs?status=failed&" + range());
  EXPECT_EQ(ids(failed["jobs"], "build_id"), (V{"9101", "9002"}));  // newest creation first
  EXPECT_EQ(ids(getJson("/v1/ci/jobs?stage=test&project=gitlab-org/gitlab-test&" + range())["jobs"],
                "build_name"),
            (V{"test-a", "test-b"}));  // equal creation: later received (c+70 s) first
  EXPECT_EQ(ids(getJson("/v1/ci/jobs?name=lint&" + range())["jobs"], "build_id"), (V{"9101"}));
  EXPECT_EQ(num(getJson("/v1/ci/jobs?ref=master&" + range())["total"]), 4);  // 106's jobs
  EXPECT_EQ(num(getJson("/v1/ci/jobs?ref=main&" + range())["total"]), 1);    // 203's
  EXPECT_EQ(num(getJson("/v1/ci/jobs?ref=feature&" + range())["total"]), 0);
  EXPECT_EQ(num(getJson("/v1/ci/jobs?pipeline_id=203&" + range())["total"]), 1);
  // project: the display name the jobs carry, or the path through the project's pipelines.
  EXPECT_EQ(num(getJson("/v1/ci/jobs?project=Shop&" + range())["total"]), 1);
  EXPECT_EQ(num(getJson("/v1/ci/jobs?project=acme/shop&" + range())["total"]), 1);
  EXPECT_EQ(num(getJson("/v1/ci/jobs?project=Gitlab%20Test&" + range())["total"]), 4);
  EXPECT_EQ(num(getJson("/v1/ci/jobs?project=nobody/none&" + range())["total"]), 0);
  // runner: the fixture's runner id.
  EXPECT_EQ(num(getJson("/v1/ci/jobs?runner=12270837&" + range())["total"]), 5);
  EXPECT_EQ(num(getJson("/v1/ci/jobs?runner=1&" + range())["total"]), 0);
}

TEST_F(CiApiTest, OverviewByHand) {
  element o = getJson("/v1/ci/overview?" + range());
  // Finished runs in [D0, D0 + 2 d): A 101 S 60, 102 F 120, 103 S 30, 105 S 90, 106 S 45;
  // B 201 S 200, 202 C 50, 203 F 10, 204 S 300, 205 S 100 (104 is running, 100 before D0).
  // Durations sorted: 10 30 45 50 60 90 100 120 200 300; p50 = rank 5 = 60; p90 = rank 9 = 200.
  EXPECT_EQ(num(o["runs"]), 10);
  EXPECT_EQ(num(o["success"]), 7);
  EXPECT_EQ(num(o["failed"]), 2);
  EXPECT_EQ(num(o["canceled"]), 1);
  EXPECT_DOUBLE_EQ(o["success_rate"].get_double().value(), 0.7);
  EXPECT_EQ(num(o["duration_p50_us"]), 60'000'000);
  EXPECT_EQ(num(o["duration_p90_us"]), 200'000'000);
  EXPECT_EQ(num(o["duration_p95_us"]), 300'000'000);  // rank ceil(9.5) = 10
  // Day 0: 101 102 103 201 202: 3 of 5; 30 50 60 120 200 -> p50 rank 3 = 60, p90 rank 5 = 200.
  // Day 1: 105 106 203 204 205: 4 of 5; 10 45 90 100 300 -> p50 = 90, p90 = 300.
  element days = o["days"];
  EXPECT_EQ(ids(days, "day"), (V{"2026-11-20", "2026-11-21"}));
  EXPECT_EQ(num(days.at(0)["start"]), kD0);
  EXPECT_EQ(num(days.at(0)["runs"]), 5);
  EXPECT_DOUBLE_EQ(days.at(0)["success_rate"].get_double().value(), 0.6);
  EXPECT_EQ(num(days.at(0)["duration_p50_us"]), 60'000'000);
  EXPECT_EQ(num(days.at(0)["duration_p90_us"]), 200'000'000);
  EXPECT_DOUBLE_EQ(days.at(1)["success_rate"].get_double().value(), 0.8);
  EXPECT_EQ(num(days.at(1)["duration_p50_us"]), 90'000'000);
  EXPECT_EQ(num(days.at(1)["duration_p90_us"]), 300'000'000);
  // Per project. A: 4 of 5; 30 45 60 90 120 -> 60 / 120. B: 3 of 5; 10 50 100 200 300 -> 100 /
  // 300.
  element projects = o["projects"];
  EXPECT_EQ(ids(projects, "project"), (V{"acme/shop", "gitlab-org/gitlab-test"}));
  element b = projects.at(0), a = projects.at(1);
  EXPECT_EQ(num(a["runs"]), 5);
  EXPECT_DOUBLE_EQ(a["success_rate"].get_double().value(), 0.8);
  EXPECT_EQ(num(a["duration_p50_us"]), 60'000'000);
  EXPECT_EQ(num(a["duration_p90_us"]), 120'000'000);
  EXPECT_DOUBLE_EQ(b["success_rate"].get_double().value(), 0.6);
  EXPECT_EQ(num(b["duration_p50_us"]), 100'000'000);
  EXPECT_EQ(num(b["duration_p90_us"]), 300'000'000);
  EXPECT_EQ(ids(a["days"], "day"), (V{"2026-11-20", "2026-11-21"}));
  EXPECT_EQ(num(a["days"].at(0)["runs"]), 3);  // 101 102 103

  // Filtered to one project: its numbers only.
  element only_b = getJson("/v1/ci/overview?project=acme/shop&" + range());
  EXPECT_EQ(num(only_b["runs"]), 5);
  EXPECT_EQ(num(only_b["duration_p90_us"]), 300'000'000);
  // An empty range.
  element none = getJson("/v1/ci/overview?start=0&end=1000");
  EXPECT_EQ(num(none["runs"]), 0);
  EXPECT_DOUBLE_EQ(none["success_rate"].get_double().value(), 0.0);
  simdjson::dom::array no_days;
  ASSERT_EQ(none["days"].get(no_days), simdjson::SUCCESS);
  EXPECT_EQ(no_days.size(), 0u);
}

TEST_F(CiApiTest, TokensAndBadParameters) {
  for (const char* path :
       {"/v1/ci/pipelines", "/v1/ci/pipelines/1", "/v1/ci/jobs", "/v1/ci/overview"}) {
    EXPECT_EQ(get(path).status, 401) << path;
    EXPECT_EQ(get(std::string(path) + "?token=tkn_nope").status, 403) << path;
    for (const char* bad : {"start=abc", "start=10&end=5", "limit=0", "limit=5000", "offset=-1"}) {
      net::HttpResponse r = get(std::string(path) + "?" + bad + "&token=" + ws_.token);
      EXPECT_EQ(r.status, 400) << path << "?" << bad;
      EXPECT_NE(r.body.find("\"error_code\""), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sextant::server

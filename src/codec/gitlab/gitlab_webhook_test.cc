// The GitLab webhook decoder: time formats, the mapping on hand-written bodies (expected values
// written by hand from datakit-inputs.md §3.2), leniency for null / odd values, and errors. The
// real fixtures are replayed through the whole input in agent/inputs/gitlab/gitlab_input_test.cc.
#include "codec/gitlab/gitlab_webhook.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace sextant::codec::gitlab {
namespace {

std::string tag(const model::Point& p, std::string_view k) {
  const model::Tag* t = p.findTag(k);
  return t ? t->value : "<absent>";
}
template <typename T>
T field(const model::Point& p, std::string_view k) {
  const model::Field* f = p.findField(k);
  EXPECT_NE(f, nullptr) << k;
  if (f == nullptr || !std::holds_alternative<T>(f->value)) {
    ADD_FAILURE() << k << " has another type";
    return T{};
  }
  return std::get<T>(f->value);
}

TEST(GitlabWebhook, HookKinds) {
  EXPECT_EQ(hookKind("Pipeline Hook"), HookKind::kPipeline);
  EXPECT_EQ(hookKind("Job Hook"), HookKind::kJob);
  EXPECT_EQ(hookKind("Build Hook"), HookKind::kJob);
  EXPECT_EQ(hookKind("Push Hook"), HookKind::kOther);
  EXPECT_EQ(hookKind("pipeline hook"), HookKind::kOther);
  EXPECT_EQ(hookKind(""), HookKind::kOther);
}

TEST(GitlabWebhook, TimeFormats) {
  constexpr int64_t kS = 1471015408;  // 2016-08-12 15:23:28 UTC (date -u -d)
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 15:23:28 UTC"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 15:23:28 GMT"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 17:23:28 +02:00"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 17:23:28 +0200"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 13:23:28 -0200"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 15:23:28 Z"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12 15:23:28.250 UTC"), kS * 1'000'000'000 + 250'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12T15:23:28Z"), kS * 1'000'000'000);
  EXPECT_EQ(parseGitlabTimeNs("2021-02-23T02:41:37.886Z"), 1614048097886000000);
  EXPECT_EQ(parseGitlabTimeNs("2016-08-12T17:23:28+02:00"), kS * 1'000'000'000);
  for (const char* bad :
       {"", "yesterday", "2016-08-12", "2016-08-12 15:23:28", "2016-08-12 15:23:28 +2",
        "2016-08-12 15:23:28 UTC extra", "2016-08-12 25:23:28 UTC", "2016-08-12 15:23:28 U1C",
        "2016-08-12 15:23:28 +02:0x"}) {
    EXPECT_EQ(parseGitlabTimeNs(bad), std::nullopt) << bad;
  }
}

TEST(GitlabWebhook, PipelineMapping) {
  const std::string body = R"({"object_kind":"pipeline",
    "object_attributes":{"id":7,"ref":"main","source":"push","status":"failed",
      "created_at":"2024-01-01 00:00:00 UTC","finished_at":"2024-01-01 00:10:00 UTC","duration":420},
    "project":{"name":"Shop","path_with_namespace":"acme/shop","web_url":"https://g/acme/shop",
      "git_http_url":"https://g/acme/shop.git"},
    "commit":{"id":"abc123","message":"fix it\n","author":{"email":"dev@acme.io"}}})";
  auto r = decodePipelineHook(body, 99);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  const model::Point& p = *r;
  EXPECT_EQ(p.category, model::Category::kLogging);
  EXPECT_EQ(p.measurement, "gitlab_pipeline");
  EXPECT_EQ(p.time_ns, 99);
  EXPECT_EQ(tag(p, "object_kind"), "pipeline");
  EXPECT_EQ(tag(p, "operation_name"), "pipeline");
  EXPECT_EQ(tag(p, "ci_status"), "failed");
  EXPECT_EQ(tag(p, "pipeline_name"), "acme/shop");
  EXPECT_EQ(tag(p, "pipeline_url"), "https://g/acme/shop/pipelines/7");
  EXPECT_EQ(tag(p, "commit_sha"), "abc123");
  EXPECT_EQ(tag(p, "author_email"), "dev@acme.io");
  EXPECT_EQ(tag(p, "repository_url"), "https://g/acme/shop.git");
  EXPECT_EQ(tag(p, "pipeline_source"), "push");
  EXPECT_EQ(tag(p, "resource"), "Shop");
  EXPECT_EQ(tag(p, "ref"), "main");
  EXPECT_EQ(p.tags.size(), 11u);
  EXPECT_EQ(field<std::string>(p, "pipeline_id"), "7");
  EXPECT_EQ(field<int64_t>(p, "duration"), 420'000'000);
  EXPECT_EQ(field<int64_t>(p, "created_at"), 1704067200000);
  EXPECT_EQ(field<int64_t>(p, "finished_at"), 1704067800000);
  EXPECT_EQ(field<int64_t>(p, "queued_duration"), 600'000 - 420'000);
  EXPECT_EQ(field<std::string>(p, "commit_message"), "fix it\n");
  EXPECT_EQ(field<std::string>(p, "message"), "fix it\n");
  EXPECT_EQ(field<std::string>(p, "event_raw"), body);
  EXPECT_EQ(hookStatus(p), "failed");
}

TEST(GitlabWebhook, RunningPipelineWithNullsAndOddTypes) {
  const std::string body = R"({"object_kind":"pipeline","object_attributes":{"id":"8",
    "status":"running","created_at":"2024-01-01 00:00:00 UTC","finished_at":null,"duration":null,
    "ref":["not","a","string"]},"project":null,"commit":{"author":"nobody"}})";
  auto r = decodePipelineHook(body, 1);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(tag(*r, "ci_status"), "running");
  EXPECT_EQ(tag(*r, "ref"), "<absent>");
  EXPECT_EQ(tag(*r, "pipeline_url"), "<absent>");
  EXPECT_EQ(tag(*r, "author_email"), "<absent>");
  EXPECT_EQ(field<std::string>(*r, "pipeline_id"), "8");
  EXPECT_EQ(field<int64_t>(*r, "duration"), 0);
  EXPECT_EQ(field<int64_t>(*r, "created_at"), 1704067200000);
  EXPECT_EQ(field<int64_t>(*r, "finished_at"), 0);
  EXPECT_EQ(field<int64_t>(*r, "queued_duration"), 0);
  EXPECT_EQ(r->findField("commit_message"), nullptr);
}

TEST(GitlabWebhook, JobMapping) {
  const std::string body = R"({"object_kind":"build","sha":"s1","build_id":3580121225,
    "build_name":"unit","build_stage":"test","build_status":"success",
    "build_created_at":"2023-01-10 13:50:02 UTC","build_started_at":"2023-01-10T13:50:05Z",
    "build_finished_at":"2023-01-10 13:50:54 +0000","build_duration":49.5,
    "build_queued_duration":0.193009,"build_failure_reason":"unknown_failure","pipeline_id":743121198,
    "project_id":31537070,"project_name":"acme/shop","user":{"email":"u@acme.io"},
    "commit":{"id":1,"sha":"s2","message":"m"},"repository":{"name":"shop"},"runner":{"id":12}})";
  auto r = decodeJobHook(body, 5);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  const model::Point& p = *r;
  EXPECT_EQ(p.measurement, "gitlab_job");
  EXPECT_EQ(tag(p, "object_kind"), "build");
  EXPECT_EQ(tag(p, "sha"), "s1");
  EXPECT_EQ(tag(p, "build_name"), "unit");
  EXPECT_EQ(tag(p, "build_stage"), "test");
  EXPECT_EQ(tag(p, "build_status"), "success");
  EXPECT_EQ(tag(p, "project_name"), "acme/shop");
  EXPECT_EQ(tag(p, "build_failure_reason"), "unknown_failure");
  EXPECT_EQ(tag(p, "user_email"), "u@acme.io");
  EXPECT_EQ(tag(p, "build_commit_sha"), "s2");
  EXPECT_EQ(tag(p, "build_repo_name"), "shop");
  EXPECT_EQ(p.tags.size(), 10u);
  EXPECT_EQ(field<std::string>(p, "build_id"), "3580121225");
  EXPECT_EQ(field<std::string>(p, "pipeline_id"), "743121198");
  EXPECT_EQ(field<std::string>(p, "project_id"), "31537070");
  EXPECT_EQ(field<std::string>(p, "runner_id"), "12");
  EXPECT_EQ(field<int64_t>(p, "build_created_at"), 1673358602000);
  EXPECT_EQ(field<int64_t>(p, "build_started_at"), 1673358605000);
  EXPECT_EQ(field<int64_t>(p, "build_finished_at"), 1673358654000);
  EXPECT_EQ(field<int64_t>(p, "build_duration"), 49'500'000);
  EXPECT_EQ(field<int64_t>(p, "queued_duration"), 193'009);
  EXPECT_EQ(field<std::string>(p, "build_commit_message"), "m");
  EXPECT_EQ(field<std::string>(p, "message"), "m");
  EXPECT_EQ(hookStatus(p), "success");
}

TEST(GitlabWebhook, BadBodiesAreInvalidArgument) {
  for (const char* bad :
       {"", "nope", "[1,2]", "\"str\"", "{\"object_attributes\":", "{}",
        "{\"object_attributes\":[]}", "{\"object_attributes\":{\"status\":\"x\"}}",
        "{\"object_attributes\":{\"id\":null}}"}) {
    auto r = decodePipelineHook(bad, 0);
    ASSERT_FALSE(r.isOk()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message(), "");
  }
  for (const char* bad : {"", "{", "{}", "{\"build_id\":null}", "{\"build_id\":{}}", "1"}) {
    auto r = decodeJobHook(bad, 0);
    ASSERT_FALSE(r.isOk()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace sextant::codec::gitlab

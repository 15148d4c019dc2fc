// ci_model: rows from points, latest state, query parameters, stage grouping, percentiles and
// days. Expected values written by hand.
#include "server/ci_api/ci_model.h"

#include <gtest/gtest.h>

#include <map>

namespace sextant::server::ci {
namespace {

TEST(CiModel, RowsFromPointsConvertTypes) {
  model::Point p;
  p.measurement = "gitlab_pipeline";
  p.time_ns = 5'000'000;
  p.tags = {{"pipeline_name", "a/b"}, {"ci_status", "success"}, {"ref", "main"}};
  p.fields = {{"pipeline_id", int64_t{42}},
              {"duration", 1.5e6},
              {"created_at", std::string("1000")},
              {"finished_at", uint64_t{2000}},
              {"message", std::string("m")}};
  PipelineRow r = pipelineFromPoint(p);
  EXPECT_EQ(r.pipeline_id, "42");
  EXPECT_EQ(r.pipeline_name, "a/b");
  EXPECT_EQ(r.duration_us, 1'500'000);
  EXPECT_EQ(r.created_at_ms, 1000);
  EXPECT_EQ(r.finished_at_ms, 2000);
  EXPECT_EQ(r.commit_message, "m");
  EXPECT_EQ(r.time_ns, 5'000'000);
}

TEST(CiModel, LatestStateByReceiveTimeThenTerminal) {
  auto row = [](std::string id, std::string status, int64_t t) {
    PipelineRow r;
    r.pipeline_id = std::move(id);
    r.ci_status = std::move(status);
    r.time_ns = t;
    return r;
  };
  std::vector<PipelineRow> latest =
      latestPipelines({row("1", "running", 10), row("1", "success", 20), row("1", "pending", 5),
                       row("2", "running", 7), row("2", "failed", 7), row("3", "running", 9)});
  std::map<std::string, std::string> got;
  for (const PipelineRow& r : latest) got[r.pipeline_id] = r.ci_status;
  EXPECT_EQ(got, (std::map<std::string, std::string>{
                     {"1", "success"}, {"2", "failed"}, {"3", "running"}}));
}

TEST(CiModel, QueryParameters) {
  std::map<std::string, std::string> m;
  auto get = [&](std::string_view k) -> std::optional<std::string> {
    auto it = m.find(std::string(k));
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto q = parseCiQuery(get, 1'000'000, 100);
  ASSERT_TRUE(q.isOk());
  EXPECT_EQ(q->end_ms, 1'000'000);
  EXPECT_EQ(q->start_ms, 999'900);
  EXPECT_EQ(q->limit, 50);
  m = {{"start", "1970-01-01T00:00:01Z"},
       {"end", "5000"},
       {"limit", "7"},
       {"offset", "3"},
       {"project", "a/b"},
       {"status", "failed"},
       {"stage", "test"}};
  q = parseCiQuery(get, 0, 100);
  ASSERT_TRUE(q.isOk()) << q.status().message();
  EXPECT_EQ(q->start_ms, 1000);
  EXPECT_EQ(q->end_ms, 5000);
  EXPECT_EQ(q->limit, 7);
  EXPECT_EQ(q->offset, 3);
  EXPECT_EQ(q->project, "a/b");
  EXPECT_EQ(q->stage, "test");
  for (auto bad :
       std::vector<std::map<std::string, std::string>>{{{"start", "yesterday"}},
                                                       {{"start", "10"}, {"end", "5"}},
                                                       {{"limit", "0"}},
                                                       {{"limit", "1001"}},
                                                       {{"limit", "-1"}},
                                                       {{"offset", "x"}},
                                                       {{"project", std::string(2000, 'a')}}}) {
    m = bad;
    auto r = parseCiQuery(get, 1'000'000, 100);
    EXPECT_FALSE(r.isOk()) << bad.begin()->first;
    if (!r.isOk()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(CiModel, StagesInDeclaredOrderThenByStart) {
  auto job = [](std::string name, std::string stage, std::string status, int64_t start,
                int64_t finish, int64_t dur) {
    JobRow j;
    j.build_id = name;
    j.build_name = std::move(name);
    j.build_stage = std::move(stage);
    j.build_status = std::move(status);
    j.started_at_ms = start;
    j.finished_at_ms = finish;
    j.duration_us = dur;
    return j;
  };
  std::vector<JobRow> jobs = {
      job("t2", "test", "success", 50, 60, 10), job("t1", "test", "failed", 50, 70, 20),
      job("b", "build", "success", 10, 40, 30), job("x", "extra", "running", 5, 0, 0),
      job("d", "deploy", "skipped", 0, 0, 0)};
  auto stages = groupStages(jobs, {"build", "test", "deploy", "never"});
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_EQ(stages[0].name, "build");
  EXPECT_EQ(stages[1].name, "test");
  EXPECT_EQ(stages[2].name, "deploy");
  EXPECT_EQ(stages[3].name, "extra");  // undeclared: after the declared ones
  EXPECT_EQ(stages[1].status, "failed");
  EXPECT_EQ(stages[1].started_at_ms, 50);
  EXPECT_EQ(stages[1].finished_at_ms, 70);
  EXPECT_EQ(stages[1].exec_us, 30);
  ASSERT_EQ(stages[1].jobs.size(), 2u);
  EXPECT_EQ(stages[1].jobs[0]->build_name, "t1");  // same start: by name
  EXPECT_EQ(stages[2].status, "skipped");
  EXPECT_EQ(stages[3].status, "running");
  auto s = stagesFromEventRaw(R"({"object_attributes":{"stages":["b","a","b",3]}})");
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(*s, (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(stagesFromEventRaw("{}").isOk());
  EXPECT_FALSE(stagesFromEventRaw("{").isOk());
}

TEST(CiModel, NearestRankAndDays) {
  std::vector<int64_t> v = {30, 10, 20, 40};
  EXPECT_EQ(nearestRank(&v, 50), 20);  // rank 2 of 4
  EXPECT_EQ(nearestRank(&v, 90), 40);  // rank ceil(3.6) = 4
  EXPECT_EQ(nearestRank(&v, 25), 10);
  std::vector<int64_t> empty;
  EXPECT_EQ(nearestRank(&empty, 50), 0);
  EXPECT_EQ(utcDay(0), "1970-01-01");
  EXPECT_EQ(utcDay(1795132800000), "2026-11-20");  // date -u -d 2026-11-20 +%s
  EXPECT_EQ(utcDay(1795132800000 - 1), "2026-11-19");
  EXPECT_EQ(utcDay(951782400000), "2000-02-29");
  EXPECT_EQ(utcDay(-1), "1969-12-31");
  EXPECT_EQ(utcDayStartMs(1795132800000 + 5), 1795132800000);
  EXPECT_EQ(utcDayStartMs(-1), -86'400'000);
  EXPECT_EQ(utcDayStartMs(INT64_MIN) % 86'400'000, 0);
}

}  // namespace
}  // namespace sextant::server::ci

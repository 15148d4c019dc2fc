#include "server/ci_api/ci_api.h"

#include <algorithm>
#include <map>
#include <set>

#include "codec/point_json/json_writer.h"
#include "core/clock.h"
#include "server/api_common/api_common.h"
#include "server/ci_api/ci_model.h"
#include "storage/column.h"

namespace sextant::server {

namespace {

using api::Params;
using ci::CiQuery;
using ci::JobRow;
using ci::PipelineRow;
using codec::json::JsonWriter;

constexpr std::int64_t kDayMs = 86'400'000;

// The columns the lists read (event_raw is left on disk).
const std::vector<std::string> kPipelineColumns = {
    "pipeline_id",  "pipeline_name",   "resource",       "ref",
    "ci_status",    "pipeline_source", "commit_sha",     "author_email",
    "pipeline_url", "repository_url",  "commit_message", "message",
    "duration",     "queued_duration", "created_at",     "finished_at"};
const std::vector<std::string> kJobColumns = {"build_id",
                                              "build_name",
                                              "build_stage",
                                              "build_status",
                                              "pipeline_id",
                                              "project_id",
                                              "project_name",
                                              "sha",
                                              "build_failure_reason",
                                              "user_email",
                                              "build_commit_sha",
                                              "runner_id",
                                              "build_commit_message",
                                              "message",
                                              "build_created_at",
                                              "build_started_at",
                                              "build_finished_at",
                                              "build_duration",
                                              "queued_duration"};

class Api {
 public:
  Api(storage::StorageEngine& engine, const workspace::WorkspaceStore& store, CiApiOptions o)
      : engine_(engine), store_(store), options_(std::move(o)) {
    if (!options_.now_ns) options_.now_ns = wallNowNs;
  }

  net::HttpResponse pipelines(const net::HttpRequest& req);
  net::HttpResponse pipeline(const net::HttpRequest& req);
  net::HttpResponse jobs(const net::HttpRequest& req);
  net::HttpResponse overview(const net::HttpRequest& req);

 private:
  // The workspace and query of a request, or the error answer in *error.
  std::optional<std::pair<workspace::Workspace, CiQuery>> begin(const net::HttpRequest& req,
                                                                std::int64_t default_range_ms,
                                                                net::HttpResponse* error);
  Status scan(const std::string& ws, std::string_view measurement, const CiQuery& q,
              std::vector<storage::TagMatcher> tags, std::vector<storage::FieldPredicate> fields,
              const std::vector<std::string>& columns,
              const std::function<void(const model::Point&)>& fn);
  Result<std::vector<PipelineRow>> latestPipelines(const std::string& ws, const CiQuery& q,
                                                   bool filter_status);
  static net::HttpResponse storageError(const Status& st) {
    if (st.code() == StatusCode::kResourceExhausted)
      return api::jsonError(500, "sextant.tooManyRows", st.message());
    return api::jsonError(500, "sextant.storageError", st.message());
  }

  storage::StorageEngine& engine_;
  const workspace::WorkspaceStore& store_;
  CiApiOptions options_;
};

std::optional<std::pair<workspace::Workspace, CiQuery>> Api::begin(const net::HttpRequest& req,
                                                                   std::int64_t default_range_ms,
                                                                   net::HttpResponse* error) {
  std::optional<workspace::Workspace> ws = api::tokenWorkspace(req, store_, error);
  if (!ws) return std::nullopt;
  Params params(req);
  auto q = ci::parseCiQuery([&](std::string_view k) { return params.get(k); },
                            options_.now_ns() / 1'000'000, default_range_ms);
  if (!q.isOk()) {
    *error = api::badRequest(q.status().message());
    return std::nullopt;
  }
  return std::make_pair(std::move(*ws), std::move(*q));
}

Status Api::scan(const std::string& ws, std::string_view measurement, const CiQuery& q,
                 std::vector<storage::TagMatcher> tags, std::vector<storage::FieldPredicate> fields,
                 const std::vector<std::string>& columns,
                 const std::function<void(const model::Point&)>& fn) {
  storage::ScanRequest r;
  r.workspace_id = ws;
  r.category = model::Category::kLogging;
  r.min_time_ns = q.start_ms <= INT64_MIN / 1'000'000 ? INT64_MIN : q.start_ms * 1'000'000;
  r.max_time_ns = q.end_ms >= INT64_MAX / 1'000'000 ? INT64_MAX : q.end_ms * 1'000'000 + 999'999;
  r.measurements = {std::string(measurement)};
  r.tags = std::move(tags);
  r.fields = std::move(fields);
  r.columns = columns;
  std::int64_t rows = 0;
  return engine_.scan(r, [&](storage::ColumnBatch&& b) -> Status {
    for (std::size_t i = 0; i < b.rows(); ++i) {
      if (++rows > options_.max_rows)
        return Status(StatusCode::kResourceExhausted,
                      "more than " + std::to_string(options_.max_rows) +
                          " CI events in the range: narrow start/end");
      fn(storage::rowToPoint(b, i, model::Category::kLogging));
    }
    return Status::ok();
  });
}

std::vector<storage::TagMatcher> eq(std::initializer_list<std::pair<const char*, std::string>> kv) {
  std::vector<storage::TagMatcher> out;
  for (const auto& [k, v] : kv)
    if (!v.empty()) out.push_back(storage::TagMatcher{k, storage::TagMatcher::kEq, {v}});
  return out;
}

Result<std::vector<PipelineRow>> Api::latestPipelines(const std::string& ws, const CiQuery& q,
                                                      bool filter_status) {
  std::vector<PipelineRow> rows;
  Status st = scan(ws, "gitlab_pipeline", q, eq({{"ref", q.ref}, {"author_email", q.author}}), {},
                   kPipelineColumns,
                   [&](const model::Point& p) { rows.push_back(ci::pipelineFromPoint(p)); });
  if (!st.isOk()) return st;
  std::vector<PipelineRow> latest = ci::latestPipelines(std::move(rows));
  std::erase_if(latest, [&](const PipelineRow& r) {
    if (!q.project.empty() && r.pipeline_name != q.project && r.resource != q.project) return true;
    if (!q.source.empty() && r.pipeline_source != q.source) return true;
    return filter_status && !q.status.empty() && r.ci_status != q.status;
  });
  return latest;
}

void writePipeline(JsonWriter& w, const PipelineRow& r) {
  w.beginObject();
  w.key("pipeline_id");
  w.string(r.pipeline_id);
  w.key("pipeline_name");
  w.string(r.pipeline_name);
  w.key("resource");
  w.string(r.resource);
  w.key("ref");
  w.string(r.ref);
  w.key("ci_status");
  w.string(r.ci_status);
  w.key("pipeline_source");
  w.string(r.pipeline_source);
  w.key("commit_sha");
  w.string(r.commit_sha);
  w.key("commit_message");
  w.string(r.commit_message);
  w.key("author_email");
  w.string(r.author_email);
  w.key("pipeline_url");
  w.string(r.pipeline_url);
  w.key("repository_url");
  w.string(r.repository_url);
  w.key("duration_us");
  w.integer(r.duration_us);
  w.key("queued_duration_ms");
  w.integer(r.queued_duration_ms);
  w.key("created_at");
  w.integer(r.created_at_ms);
  w.key("finished_at");
  w.integer(r.finished_at_ms);
  w.key("time");
  w.integer(r.time_ns / 1'000'000);
  w.endObject();
}

void writeJob(JsonWriter& w, const JobRow& r) {
  w.beginObject();
  w.key("build_id");
  w.string(r.build_id);
  w.key("build_name");
  w.string(r.build_name);
  w.key("build_stage");
  w.string(r.build_stage);
  w.key("build_status");
  w.string(r.build_status);
  w.key("build_failure_reason");
  w.string(r.build_failure_reason);
  w.key("pipeline_id");
  w.string(r.pipeline_id);
  w.key("project_id");
  w.string(r.project_id);
  w.key("project_name");
  w.string(r.project_name);
  w.key("sha");
  w.string(r.sha);
  w.key("user_email");
  w.string(r.user_email);
  w.key("runner_id");
  w.string(r.runner_id);
  w.key("commit_message");
  w.string(r.commit_message);
  w.key("duration_us");
  w.integer(r.duration_us);
  w.key("queued_duration_us");
  w.integer(r.queued_duration_us);
  w.key("created_at");
  w.integer(r.created_at_ms);
  w.key("started_at");
  w.integer(r.started_at_ms);
  w.key("finished_at");
  w.integer(r.finished_at_ms);
  w.key("time");
  w.integer(r.time_ns / 1'000'000);
  w.endObject();
}

// Newest first: by creation time, then receive time, then id (numerically when both are).
template <typename Row>
bool newerId(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() > b.size();
  return a > b;
}

template <typename Rows, typename Fn>
void writePage(JsonWriter& w, const char* key, const Rows& rows, const CiQuery& q, Fn write) {
  w.key("total");
  w.integer(static_cast<std::int64_t>(rows.size()));
  w.key("offset");
  w.integer(q.offset);
  w.key("limit");
  w.integer(q.limit);
  w.key(key);
  w.beginArray();
  const std::size_t from = std::min<std::size_t>(static_cast<std::size_t>(q.offset), rows.size());
  const std::size_t to =
      std::min<std::size_t>(from + static_cast<std::size_t>(q.limit), rows.size());
  for (std::size_t i = from; i < to; ++i) write(w, rows[i]);
  w.endArray();
}

net::HttpResponse Api::pipelines(const net::HttpRequest& req) {
  net::HttpResponse error;
  auto started = begin(req, 7 * kDayMs, &error);
  if (!started) return error;
  const auto& [ws, q] = *started;
  auto rows = latestPipelines(ws.id, q, /*filter_status=*/true);
  if (!rows.isOk()) return storageError(rows.status());
  std::sort(rows->begin(), rows->end(), [](const PipelineRow& a, const PipelineRow& b) {
    if (a.created_at_ms != b.created_at_ms) return a.created_at_ms > b.created_at_ms;
    if (a.time_ns != b.time_ns) return a.time_ns > b.time_ns;
    return newerId<PipelineRow>(a.pipeline_id, b.pipeline_id);
  });
  std::string body;
  JsonWriter w(&body);
  w.beginObject();
  writePage(w, "pipelines", *rows, q, writePipeline);
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

net::HttpResponse Api::pipeline(const net::HttpRequest& req) {
  net::HttpResponse error;
  auto started = begin(req, 30 * kDayMs, &error);
  if (!started) return error;
  const auto& [ws, q] = *started;
  const std::string id(req.pathParam("id"));
  if (id.empty() || id.size() > 64) return api::badRequest("id: expected a pipeline id");
  const std::vector<storage::FieldPredicate> by_id = {
      storage::FieldPredicate{"pipeline_id", storage::FieldPredicate::kEq, {id}}};
  std::vector<PipelineRow> events;
  std::vector<std::string> columns = kPipelineColumns;
  columns.push_back("event_raw");
  Status st = scan(ws.id, "gitlab_pipeline", q, {}, by_id, columns, [&](const model::Point& p) {
    PipelineRow r = ci::pipelineFromPoint(p);
    if (r.pipeline_id == id) events.push_back(std::move(r));
  });
  if (!st.isOk()) return storageError(st);
  std::vector<JobRow> job_events;
  st = scan(ws.id, "gitlab_job", q, {}, by_id, kJobColumns, [&](const model::Point& p) {
    JobRow r = ci::jobFromPoint(p);
    if (r.pipeline_id == id) job_events.push_back(std::move(r));
  });
  if (!st.isOk()) return storageError(st);
  if (events.empty() && job_events.empty())
    return api::jsonError(404, "sextant.notFound", "no pipeline " + id + " in the range");
  const std::size_t event_count = events.size();
  std::vector<PipelineRow> latest = ci::latestPipelines(std::move(events));
  std::vector<JobRow> jobs = ci::latestJobs(std::move(job_events));
  std::vector<std::string> declared;
  if (!latest.empty()) {
    auto s = ci::stagesFromEventRaw(latest[0].event_raw);
    if (s.isOk()) declared = std::move(*s);
  }
  std::vector<ci::StageSummary> stages = ci::groupStages(jobs, declared);
  std::int64_t exec_total = 0;
  for (const ci::StageSummary& s : stages) exec_total += s.exec_us;

  std::string body;
  JsonWriter w(&body);
  w.beginObject();
  w.key("pipeline");
  if (latest.empty()) {
    w.null();
  } else {
    writePipeline(w, latest[0]);
  }
  w.key("events");
  w.integer(static_cast<std::int64_t>(event_count));
  w.key("stages");
  w.beginArray();
  for (const ci::StageSummary& s : stages) {
    w.beginObject();
    w.key("name");
    w.string(s.name);
    w.key("status");
    w.string(s.status);
    w.key("job_count");
    w.integer(static_cast<std::int64_t>(s.jobs.size()));
    w.key("started_at");
    w.integer(s.started_at_ms);
    w.key("finished_at");
    w.integer(s.finished_at_ms);
    w.key("duration_ms");
    w.integer(s.started_at_ms > 0 && s.finished_at_ms >= s.started_at_ms
                  ? s.finished_at_ms - s.started_at_ms
                  : 0);
    w.key("exec_us");
    w.integer(s.exec_us);
    w.key("exec_ratio");
    w.number(exec_total > 0 ? static_cast<double>(s.exec_us) / exec_total : 0.0);
    w.key("jobs");
    w.beginArray();
    for (const JobRow* j : s.jobs) writeJob(w, *j);
    w.endArray();
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

net::HttpResponse Api::jobs(const net::HttpRequest& req) {
  net::HttpResponse error;
  auto started = begin(req, 7 * kDayMs, &error);
  if (!started) return error;
  const auto& [ws, q] = *started;
  // ref is a pipeline tag: the pipelines of that ref in the range.
  std::optional<std::set<std::string>> ref_ids;
  if (!q.ref.empty()) {
    CiQuery pq = q;
    pq.project.clear();
    pq.author.clear();
    pq.source.clear();
    auto p = latestPipelines(ws.id, pq, /*filter_status=*/false);
    if (!p.isOk()) return storageError(p.status());
    ref_ids.emplace();
    for (const PipelineRow& r : *p) ref_ids->insert(r.pipeline_id);
  }
  // GitLab's Job Hook names the project by its display name ("Acme / Shop") where pipelines
  // carry its path ("acme/shop"): a job matches `project` by either, the path through the
  // pipelines of that project in the range.
  std::set<std::string> project_ids;
  if (!q.project.empty()) {
    CiQuery pq = q;
    pq.ref.clear();
    pq.author.clear();
    pq.source.clear();
    auto p = latestPipelines(ws.id, pq, /*filter_status=*/false);
    if (!p.isOk()) return storageError(p.status());
    for (const PipelineRow& r : *p) project_ids.insert(r.pipeline_id);
  }
  std::vector<storage::FieldPredicate> fields;
  if (!q.pipeline_id.empty())
    fields.push_back({"pipeline_id", storage::FieldPredicate::kEq, {q.pipeline_id}});
  std::vector<JobRow> rows;
  Status st =
      scan(ws.id, "gitlab_job", q,
           eq({{"user_email", q.author}, {"build_stage", q.stage}, {"build_name", q.name}}), fields,
           kJobColumns, [&](const model::Point& p) { rows.push_back(ci::jobFromPoint(p)); });
  if (!st.isOk()) return storageError(st);
  std::vector<JobRow> latest = ci::latestJobs(std::move(rows));
  std::erase_if(latest, [&](const JobRow& r) {
    if (!q.status.empty() && r.build_status != q.status) return true;
    if (!q.pipeline_id.empty() && r.pipeline_id != q.pipeline_id) return true;
    if (!q.runner.empty() && r.runner_id != q.runner) return true;
    if (!q.project.empty() && r.project_name != q.project && project_ids.count(r.pipeline_id) == 0)
      return true;
    return ref_ids && ref_ids->count(r.pipeline_id) == 0;
  });
  std::sort(latest.begin(), latest.end(), [](const JobRow& a, const JobRow& b) {
    if (a.created_at_ms != b.created_at_ms) return a.created_at_ms > b.created_at_ms;
    if (a.time_ns != b.time_ns) return a.time_ns > b.time_ns;
    return newerId<JobRow>(a.build_id, b.build_id);
  });
  std::string body;
  JsonWriter w(&body);
  w.beginObject();
  writePage(w, "jobs", latest, q, writeJob);
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

void writeStats(JsonWriter& w, const ci::RunStats& s) {
  w.key("runs");
  w.integer(s.runs);
  w.key("success");
  w.integer(s.success);
  w.key("failed");
  w.integer(s.failed);
  w.key("canceled");
  w.integer(s.canceled);
  w.key("success_rate");
  w.number(s.successRate());
  w.key("duration_p50_us");
  w.integer(s.p50_us);
  w.key("duration_p90_us");
  w.integer(s.p90_us);
  w.key("duration_p95_us");
  w.integer(s.p95_us);
}

void writeDays(JsonWriter& w, const std::vector<const PipelineRow*>& rows) {
  std::map<std::int64_t, std::vector<const PipelineRow*>> by_day;
  for (const PipelineRow* r : rows) by_day[ci::utcDayStartMs(ci::overviewTimeMs(*r))].push_back(r);
  w.key("days");
  w.beginArray();
  for (const auto& [start, day_rows] : by_day) {
    w.beginObject();
    w.key("day");
    w.string(ci::utcDay(start));
    w.key("start");
    w.integer(start);
    writeStats(w, ci::runStats(day_rows));
    w.endObject();
  }
  w.endArray();
}

net::HttpResponse Api::overview(const net::HttpRequest& req) {
  net::HttpResponse error;
  auto started = begin(req, 7 * kDayMs, &error);
  if (!started) return error;
  const auto& [ws, q] = *started;
  auto rows = latestPipelines(ws.id, q, /*filter_status=*/false);
  if (!rows.isOk()) return storageError(rows.status());
  std::vector<const PipelineRow*> finished;
  std::map<std::string, std::vector<const PipelineRow*>> by_project;
  for (const PipelineRow& r : *rows) {
    if (!ci::isFinishedRun(r.ci_status)) continue;
    finished.push_back(&r);
    by_project[r.pipeline_name].push_back(&r);
  }
  std::string body;
  JsonWriter w(&body);
  w.beginObject();
  w.key("start");
  w.integer(q.start_ms);
  w.key("end");
  w.integer(q.end_ms);
  writeStats(w, ci::runStats(finished));
  writeDays(w, finished);
  w.key("projects");
  w.beginArray();
  for (const auto& [project, project_rows] : by_project) {
    w.beginObject();
    w.key("project");
    w.string(project);
    writeStats(w, ci::runStats(project_rows));
    writeDays(w, project_rows);
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

}  // namespace

void registerCiApi(net::Router& r, storage::StorageEngine& engine,
                   const workspace::WorkspaceStore& store, CiApiOptions options) {
  auto api = std::make_shared<Api>(engine, store, std::move(options));
  r.add("GET", "/v1/ci/pipelines", [api](net::HttpRequest& req) { return api->pipelines(req); });
  r.add("GET", "/v1/ci/pipelines/:id", [api](net::HttpRequest& req) { return api->pipeline(req); });
  r.add("GET", "/v1/ci/jobs", [api](net::HttpRequest& req) { return api->jobs(req); });
  r.add("GET", "/v1/ci/overview", [api](net::HttpRequest& req) { return api->overview(req); });
}

}  // namespace sextant::server

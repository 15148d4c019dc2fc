#include "server/ci_api/ci_model.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "server/trace_api/trace_model.h"

namespace sextant::server::ci {

namespace {

std::string tagOf(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t ? t->value : std::string();
}

// A field as text (numbers in decimal).
std::string textOf(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) return "";
  if (const auto* s = std::get_if<std::string>(&f->value)) return *s;
  if (const auto* i = std::get_if<int64_t>(&f->value)) return std::to_string(*i);
  if (const auto* u = std::get_if<uint64_t>(&f->value)) return std::to_string(*u);
  if (const auto* d = std::get_if<double>(&f->value)) {
    if (*d == static_cast<double>(static_cast<int64_t>(*d)) && *d > -9e18 && *d < 9e18)
      return std::to_string(static_cast<int64_t>(*d));
  }
  return "";
}

// A field as an integer (strings parsed; 0 when absent or not a number).
int64_t intOf(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) return 0;
  if (const auto* i = std::get_if<int64_t>(&f->value)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&f->value))
    return *u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(*u);
  if (const auto* d = std::get_if<double>(&f->value)) {
    if (!(*d > -9.2e18 && *d < 9.2e18)) return 0;  // NaN and out of range
    return static_cast<int64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&f->value)) {
    bool neg = !s->empty() && (*s)[0] == '-';
    auto v = trace_api::parseNonNegative(neg ? std::string_view(*s).substr(1) : *s);
    return v ? (neg ? -*v : *v) : 0;
  }
  return 0;
}

// Times beyond ±9e15 ms (±285,000 years) are clamped by the day functions.
constexpr std::int64_t kMaxMs = 9'000'000'000'000'000;

int statusRank(std::string_view s) { return isTerminalStatus(s) ? 1 : 0; }

template <typename Row>
std::vector<Row> latestBy(std::vector<Row> rows, std::string Row::*id, std::string Row::*status) {
  std::unordered_map<std::string, size_t> best;
  std::vector<Row> out;
  for (Row& r : rows) {
    auto [it, fresh] = best.try_emplace(r.*id, out.size());
    if (fresh) {
      out.push_back(std::move(r));
      continue;
    }
    Row& cur = out[it->second];
    if (r.time_ns > cur.time_ns ||
        (r.time_ns == cur.time_ns && statusRank(r.*status) > statusRank(cur.*status)))
      cur = std::move(r);
  }
  return out;
}

int stageStatusRank(std::string_view s) {
  if (s == "failed") return 6;
  if (s == "running") return 5;
  if (s == "pending" || s == "created" || s == "waiting_for_resource" || s == "preparing" ||
      s == "scheduled")
    return 4;
  if (s == "canceled") return 3;
  if (s == "success") return 2;
  return 0;
}

}  // namespace

PipelineRow pipelineFromPoint(const model::Point& p) {
  PipelineRow r;
  r.pipeline_id = textOf(p, "pipeline_id");
  r.pipeline_name = tagOf(p, "pipeline_name");
  r.resource = tagOf(p, "resource");
  r.ref = tagOf(p, "ref");
  r.ci_status = tagOf(p, "ci_status");
  r.pipeline_source = tagOf(p, "pipeline_source");
  r.commit_sha = tagOf(p, "commit_sha");
  r.author_email = tagOf(p, "author_email");
  r.pipeline_url = tagOf(p, "pipeline_url");
  r.repository_url = tagOf(p, "repository_url");
  r.commit_message = textOf(p, "commit_message");
  if (r.commit_message.empty()) r.commit_message = textOf(p, "message");
  r.duration_us = intOf(p, "duration");
  r.queued_duration_ms = intOf(p, "queued_duration");
  r.created_at_ms = intOf(p, "created_at");
  r.finished_at_ms = intOf(p, "finished_at");
  r.time_ns = p.time_ns;
  r.event_raw = textOf(p, "event_raw");
  return r;
}

JobRow jobFromPoint(const model::Point& p) {
  JobRow r;
  r.build_id = textOf(p, "build_id");
  r.build_name = tagOf(p, "build_name");
  r.build_stage = tagOf(p, "build_stage");
  r.build_status = tagOf(p, "build_status");
  r.pipeline_id = textOf(p, "pipeline_id");
  r.project_id = textOf(p, "project_id");
  r.project_name = tagOf(p, "project_name");
  r.sha = tagOf(p, "sha");
  r.build_failure_reason = tagOf(p, "build_failure_reason");
  r.user_email = tagOf(p, "user_email");
  r.build_commit_sha = tagOf(p, "build_commit_sha");
  r.runner_id = textOf(p, "runner_id");
  r.commit_message = textOf(p, "build_commit_message");
  if (r.commit_message.empty()) r.commit_message = textOf(p, "message");
  r.created_at_ms = intOf(p, "build_created_at");
  r.started_at_ms = intOf(p, "build_started_at");
  r.finished_at_ms = intOf(p, "build_finished_at");
  r.duration_us = intOf(p, "build_duration");
  r.queued_duration_us = intOf(p, "queued_duration");
  r.time_ns = p.time_ns;
  return r;
}

bool isTerminalStatus(std::string_view s) {
  return s == "success" || s == "failed" || s == "canceled" || s == "skipped" || s == "manual";
}

bool isFinishedRun(std::string_view s) {
  return s == "success" || s == "failed" || s == "canceled";
}

std::vector<PipelineRow> latestPipelines(std::vector<PipelineRow> rows) {
  return latestBy(std::move(rows), &PipelineRow::pipeline_id, &PipelineRow::ci_status);
}

std::vector<JobRow> latestJobs(std::vector<JobRow> rows) {
  return latestBy(std::move(rows), &JobRow::build_id, &JobRow::build_status);
}

Result<CiQuery> parseCiQuery(const ParamGetter& get, std::int64_t now_ms,
                             std::int64_t default_range_ms) {
  CiQuery q;
  auto text = [&](std::string_view key, std::string* out) -> Status {
    std::optional<std::string> v = get(key);
    if (!v) return Status::ok();
    if (v->size() > 1024) return invalidArgument(std::string(key) + ": longer than 1024 bytes");
    *out = std::move(*v);
    return Status::ok();
  };
  auto time = [&](std::string_view key, std::int64_t* out) -> Status {
    std::optional<std::string> v = get(key);
    if (!v || v->empty()) return Status::ok();
    std::optional<std::int64_t> ms = trace_api::parseApmTimeMs(*v);
    if (!ms)
      return invalidArgument(std::string(key) + ": expected Unix ms or RFC 3339, got '" +
                             v->substr(0, 64) + "'");
    *out = *ms;
    return Status::ok();
  };
  auto number = [&](std::string_view key, std::int64_t* out) -> Status {
    std::optional<std::string> v = get(key);
    if (!v) return Status::ok();
    std::optional<std::int64_t> n = trace_api::parseNonNegative(*v);
    if (!n)
      return invalidArgument(std::string(key) + ": expected a non-negative integer, got '" +
                             v->substr(0, 64) + "'");
    *out = *n;
    return Status::ok();
  };
  q.end_ms = now_ms;
  SEXTANT_RETURN_IF_ERROR(time("end", &q.end_ms));
  q.start_ms = trace_api::subSaturating(q.end_ms, default_range_ms);
  SEXTANT_RETURN_IF_ERROR(time("start", &q.start_ms));
  if (q.start_ms > q.end_ms) return invalidArgument("start: after end");
  SEXTANT_RETURN_IF_ERROR(text("project", &q.project));
  SEXTANT_RETURN_IF_ERROR(text("ref", &q.ref));
  SEXTANT_RETURN_IF_ERROR(text("status", &q.status));
  SEXTANT_RETURN_IF_ERROR(text("author", &q.author));
  SEXTANT_RETURN_IF_ERROR(text("stage", &q.stage));
  SEXTANT_RETURN_IF_ERROR(text("name", &q.name));
  SEXTANT_RETURN_IF_ERROR(text("pipeline_id", &q.pipeline_id));
  SEXTANT_RETURN_IF_ERROR(text("source", &q.source));
  SEXTANT_RETURN_IF_ERROR(text("runner", &q.runner));
  SEXTANT_RETURN_IF_ERROR(number("limit", &q.limit));
  if (q.limit < 1 || q.limit > 1000) return invalidArgument("limit: must be within 1..1000");
  SEXTANT_RETURN_IF_ERROR(number("offset", &q.offset));
  return q;
}

Result<std::vector<std::string>> stagesFromEventRaw(std::string_view event_raw) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(event_raw);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS)
    return invalidArgument("event_raw: not JSON");
  std::vector<std::string> out;
  simdjson::dom::array stages;
  if (root["object_attributes"]["stages"].get(stages) != simdjson::SUCCESS) return out;
  for (simdjson::dom::element s : stages) {
    std::string_view name;
    if (s.get(name) == simdjson::SUCCESS && std::find(out.begin(), out.end(), name) == out.end())
      out.emplace_back(name);
  }
  return out;
}

std::vector<StageSummary> groupStages(const std::vector<JobRow>& jobs,
                                      const std::vector<std::string>& declared) {
  std::map<std::string, StageSummary> by_name;
  for (const JobRow& j : jobs) {
    StageSummary& s = by_name[j.build_stage];
    s.name = j.build_stage;
    s.jobs.push_back(&j);
    if (j.started_at_ms > 0 && (s.started_at_ms == 0 || j.started_at_ms < s.started_at_ms))
      s.started_at_ms = j.started_at_ms;
    s.finished_at_ms = std::max(s.finished_at_ms, j.finished_at_ms);
    s.exec_us = trace_api::addSaturating(s.exec_us, std::max<std::int64_t>(j.duration_us, 0));
  }
  std::vector<StageSummary> out;
  for (const std::string& name : declared) {
    auto it = by_name.find(name);
    if (it == by_name.end()) continue;
    out.push_back(std::move(it->second));
    by_name.erase(it);
  }
  std::vector<StageSummary> rest;
  for (auto& [name, s] : by_name) rest.push_back(std::move(s));
  std::stable_sort(rest.begin(), rest.end(), [](const StageSummary& a, const StageSummary& b) {
    const std::int64_t ka = a.started_at_ms > 0 ? a.started_at_ms : INT64_MAX;
    const std::int64_t kb = b.started_at_ms > 0 ? b.started_at_ms : INT64_MAX;
    return ka != kb ? ka < kb : a.name < b.name;
  });
  for (StageSummary& s : rest) out.push_back(std::move(s));
  for (StageSummary& s : out) {
    std::stable_sort(s.jobs.begin(), s.jobs.end(), [](const JobRow* a, const JobRow* b) {
      const std::int64_t ka = a->started_at_ms > 0 ? a->started_at_ms : INT64_MAX;
      const std::int64_t kb = b->started_at_ms > 0 ? b->started_at_ms : INT64_MAX;
      return ka != kb ? ka < kb : a->build_name < b->build_name;
    });
    int best = -1;
    for (const JobRow* j : s.jobs) {
      int r = stageStatusRank(j->build_status);
      if (r > best) {
        best = r;
        s.status = j->build_status;
      }
    }
    if (best <= 0 && !s.jobs.empty()) s.status = s.jobs.front()->build_status;
  }
  return out;
}

std::int64_t nearestRank(std::vector<std::int64_t>* values, int p) {
  if (values->empty() || p <= 0) return 0;
  std::sort(values->begin(), values->end());
  const std::int64_t n = static_cast<std::int64_t>(values->size());
  std::int64_t rank = (static_cast<std::int64_t>(p) * n + 99) / 100;  // ceil(p/100 * n)
  rank = std::clamp<std::int64_t>(rank, 1, n);
  return (*values)[static_cast<size_t>(rank - 1)];
}

RunStats runStats(const std::vector<const PipelineRow*>& rows) {
  RunStats s;
  std::vector<std::int64_t> durations;
  for (const PipelineRow* r : rows) {
    if (!isFinishedRun(r->ci_status)) continue;
    ++s.runs;
    if (r->ci_status == "success") ++s.success;
    if (r->ci_status == "failed") ++s.failed;
    if (r->ci_status == "canceled") ++s.canceled;
    durations.push_back(r->duration_us);
  }
  std::vector<std::int64_t> copy = durations;
  std::vector<std::int64_t> copy95 = durations;
  s.p50_us = nearestRank(&durations, 50);
  s.p90_us = nearestRank(&copy, 90);
  s.p95_us = nearestRank(&copy95, 95);
  return s;
}

std::int64_t utcDayStartMs(std::int64_t ms) {
  constexpr std::int64_t kDay = 86'400'000;
  ms = std::clamp<std::int64_t>(ms, -kMaxMs, kMaxMs);  // no overflow below
  std::int64_t d = ms / kDay;
  if (ms % kDay < 0) --d;
  return d * kDay;
}

std::string utcDay(std::int64_t ms) {
  // Days since the epoch -> civil date (Howard Hinnant's algorithm).
  std::int64_t z = utcDayStartMs(ms) / 86'400'000 + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::int64_t overviewTimeMs(const PipelineRow& r) {
  if (r.finished_at_ms > 0) return r.finished_at_ms;
  std::int64_t ms = r.time_ns / 1'000'000;
  if (r.time_ns % 1'000'000 < 0) --ms;
  return ms;
}

}  // namespace sextant::server::ci

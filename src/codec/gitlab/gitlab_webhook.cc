#include "codec/gitlab/gitlab_webhook.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "core/time_format.h"

namespace sextant::codec::gitlab {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// The member `key` of `e` when e is an object holding it (and not null).
std::optional<element> member(std::optional<element> e, std::string_view key) {
  if (!e) return std::nullopt;
  object o;
  if (e->get(o) != simdjson::SUCCESS) return std::nullopt;
  element v;
  if (o.at_key(key).get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

// A value as text: strings as they are, numbers in decimal (integral doubles without a
// fraction), booleans as true/false; nullopt for null, objects and arrays.
std::optional<std::string> text(std::optional<element> e) {
  if (!e) return std::nullopt;
  switch (e->type()) {
    case simdjson::dom::element_type::STRING: return std::string(e->get_string().value_unsafe());
    case simdjson::dom::element_type::INT64: return std::to_string(e->get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64: return std::to_string(e->get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE: {
      double d = e->get_double().value_unsafe();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9e15)
        return std::to_string(static_cast<int64_t>(d));
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return std::string(buf);
    }
    case simdjson::dom::element_type::BOOL:
      return std::string(e->get_bool().value_unsafe() ? "true" : "false");
    default: return std::nullopt;
  }
}

// A number of seconds (JSON number; anything else: nullopt).
std::optional<double> seconds(std::optional<element> e) {
  if (!e) return std::nullopt;
  double d = 0;
  if (e->get_double().get(d) != simdjson::SUCCESS) return std::nullopt;  // ints convert too
  if (!std::isfinite(d) || std::fabs(d) > 9e9) return std::nullopt;      // ~285 years: nonsense
  return d;
}

int64_t secondsTo(std::optional<double> s, double unit) {
  return s ? static_cast<int64_t>(std::llround(*s * unit)) : 0;
}

// A time value in Unix ms (0 when absent or unparsable).
int64_t timeMs(std::optional<element> e) {
  std::optional<std::string> s = text(e);
  if (!s) return 0;
  std::optional<int64_t> ns = parseGitlabTimeNs(*s);
  if (!ns) return 0;
  // Floor division: times before 1970 stay consistent.
  int64_t ms = *ns / 1'000'000;
  if (*ns % 1'000'000 < 0) --ms;
  return ms;
}

void addTag(model::Point& p, std::string key, std::optional<std::string> value) {
  if (value && !value->empty()) p.addTag(std::move(key), std::move(*value));
}

void addStringField(model::Point& p, std::string key, const std::optional<std::string>& value) {
  if (value) p.addField(std::move(key), *value);
}

Result<element> parseObject(simdjson::dom::parser& parser, const simdjson::padded_string& body,
                            const char* what) {
  element root;
  auto err = parser.parse(body).get(root);
  if (err != simdjson::SUCCESS)
    return invalidArgument(std::string(what) + ": invalid JSON: " + simdjson::error_message(err));
  if (!root.is_object()) return invalidArgument(std::string(what) + ": not a JSON object");
  return root;
}

simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

HookKind hookKind(std::string_view x_gitlab_event) {
  if (x_gitlab_event == "Pipeline Hook") return HookKind::kPipeline;
  if (x_gitlab_event == "Job Hook" || x_gitlab_event == "Build Hook") return HookKind::kJob;
  return HookKind::kOther;
}

std::optional<int64_t> parseGitlabTimeNs(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
  if (s.find(' ') == std::string_view::npos) return parseRfc3339Nano(s);
  // "<date> <clock>[.fraction] <zone>"
  size_t first = s.find(' ');
  size_t second = s.find(' ', first + 1);
  if (second == std::string_view::npos || s.find(' ', second + 1) != std::string_view::npos)
    return std::nullopt;
  std::string_view date = s.substr(0, first);
  std::string_view clock = s.substr(first + 1, second - first - 1);
  std::string_view zone = s.substr(second + 1);
  if (date.size() != 10 || clock.size() < 8 || zone.empty()) return std::nullopt;
  std::string rfc;
  rfc.reserve(40);
  rfc.append(date).push_back('T');
  rfc.append(clock);
  if (zone[0] == '+' || zone[0] == '-') {
    std::string_view digits = zone.substr(1);
    if (digits.size() == 5 && digits[2] == ':' && isDigits(digits.substr(0, 2)) &&
        isDigits(digits.substr(3))) {
      rfc.append(zone);
    } else if (digits.size() == 4 && isDigits(digits)) {
      rfc.push_back(zone[0]);
      rfc.append(digits.substr(0, 2)).push_back(':');
      rfc.append(digits.substr(2));
    } else {
      return std::nullopt;
    }
  } else if (zone == "Z") {
    rfc.push_back('Z');
  } else {
    // A zone abbreviation (UTC, GMT, CEST, ...): letters only, read as UTC.
    if (zone.size() > 5) return std::nullopt;
    for (char c : zone)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return std::nullopt;
    rfc.push_back('Z');
  }
  return parseRfc3339Nano(rfc);
}

Result<model::Point> decodePipelineHook(std::string_view body, int64_t time_ns) {
  simdjson::padded_string padded(body);
  auto root = parseObject(threadParser(), padded, "pipeline hook");
  if (!root.isOk()) return root.status();
  std::optional<element> doc = *root;
  std::optional<element> attrs = member(doc, "object_attributes");
  if (!attrs || !attrs->is_object())
    return invalidArgument("pipeline hook: object_attributes is missing or not an object");
  std::optional<std::string> id = text(member(attrs, "id"));
  if (!id || id->empty()) return invalidArgument("pipeline hook: object_attributes.id is missing");
  std::optional<element> project = member(doc, "project");
  std::optional<element> commit = member(doc, "commit");

  model::Point p;
  p.category = model::Category::kLogging;
  p.measurement = std::string(kPipelineMeasurement);
  p.time_ns = time_ns;
  std::optional<std::string> kind = text(member(doc, "object_kind"));
  addTag(p, "object_kind", kind);
  addTag(p, "operation_name", kind);
  addTag(p, "ci_status", text(member(attrs, "status")));
  addTag(p, "pipeline_name", text(member(project, "path_with_namespace")));
  if (std::optional<std::string> web = text(member(project, "web_url")); web && !web->empty())
    addTag(p, "pipeline_url", *web + "/pipelines/" + *id);
  addTag(p, "commit_sha", text(member(commit, "id")));
  addTag(p, "author_email", text(member(member(commit, "author"), "email")));
  addTag(p, "repository_url", text(member(project, "git_http_url")));
  addTag(p, "pipeline_source", text(member(attrs, "source")));
  addTag(p, "resource", text(member(project, "name")));
  addTag(p, "ref", text(member(attrs, "ref")));

  std::optional<double> duration = seconds(member(attrs, "duration"));
  int64_t created = timeMs(member(attrs, "created_at"));
  int64_t finished = timeMs(member(attrs, "finished_at"));
  p.addField("pipeline_id", *id);
  p.addField("duration", secondsTo(duration, 1e6));
  p.addField("created_at", created);
  p.addField("finished_at", finished);
  p.addField("queued_duration",
             created != 0 && finished != 0 ? finished - created - secondsTo(duration, 1e3) : 0);
  std::optional<std::string> message = text(member(commit, "message"));
  addStringField(p, "commit_message", message);
  addStringField(p, "message", message);
  p.addField("event_raw", std::string(body));
  return p;
}

Result<model::Point> decodeJobHook(std::string_view body, int64_t time_ns) {
  simdjson::padded_string padded(body);
  auto root = parseObject(threadParser(), padded, "job hook");
  if (!root.isOk()) return root.status();
  std::optional<element> doc = *root;
  std::optional<std::string> build_id = text(member(doc, "build_id"));
  if (!build_id || build_id->empty()) return invalidArgument("job hook: build_id is missing");
  std::optional<element> commit = member(doc, "commit");

  model::Point p;
  p.category = model::Category::kLogging;
  p.measurement = std::string(kJobMeasurement);
  p.time_ns = time_ns;
  addTag(p, "object_kind", text(member(doc, "object_kind")));
  addTag(p, "sha", text(member(doc, "sha")));
  addTag(p, "build_name", text(member(doc, "build_name")));
  addTag(p, "build_stage", text(member(doc, "build_stage")));
  addTag(p, "build_status", text(member(doc, "build_status")));
  addTag(p, "project_name", text(member(doc, "project_name")));
  addTag(p, "build_failure_reason", text(member(doc, "build_failure_reason")));
  addTag(p, "user_email", text(member(member(doc, "user"), "email")));
  addTag(p, "build_commit_sha", text(member(commit, "sha")));
  addTag(p, "build_repo_name", text(member(member(doc, "repository"), "name")));

  p.addField("build_id", *build_id);
  addStringField(p, "pipeline_id", text(member(doc, "pipeline_id")));
  addStringField(p, "project_id", text(member(doc, "project_id")));
  addStringField(p, "runner_id", text(member(member(doc, "runner"), "id")));
  p.addField("build_created_at", timeMs(member(doc, "build_created_at")));
  p.addField("build_started_at", timeMs(member(doc, "build_started_at")));
  p.addField("build_finished_at", timeMs(member(doc, "build_finished_at")));
  p.addField("build_duration", secondsTo(seconds(member(doc, "build_duration")), 1e6));
  p.addField("queued_duration", secondsTo(seconds(member(doc, "build_queued_duration")), 1e6));
  std::optional<std::string> message = text(member(commit, "message"));
  addStringField(p, "build_commit_message", message);
  addStringField(p, "message", message);
  p.addField("event_raw", std::string(body));
  return p;
}

std::string_view hookStatus(const model::Point& p) {
  const model::Tag* t = p.findTag(p.measurement == kJobMeasurement ? "build_status" : "ci_status");
  return t ? std::string_view(t->value) : std::string_view();
}

}  // namespace sextant::codec::gitlab

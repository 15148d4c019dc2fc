#include "server/dashboard_api/dashboard_model.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "codec/point_json/json_writer.h"

namespace sextant::server::dashboard {

// `decl = *expr` for an expression returning Result<T>, returning its error.
#define DASHBOARD_CAT2(a, b) a##b
#define DASHBOARD_CAT(a, b) DASHBOARD_CAT2(a, b)
#define DASHBOARD_ASSIGN_OR_RETURN(decl, expr) \
  DASHBOARD_ASSIGN_IMPL(decl, expr, DASHBOARD_CAT(result_, __LINE__))
#define DASHBOARD_ASSIGN_IMPL(decl, expr, r) \
  auto r = (expr);                           \
  if (!r.isOk()) return r.status();          \
  decl = std::move(*r)

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string quoted(std::string_view s) {
  std::string out;
  codec::json::appendJsonString(s.substr(0, 80), &out);
  return out;
}

bool isIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

// A string member of o (absent: nullopt; present but not a string: error).
Result<std::optional<std::string_view>> optString(object o, std::string_view key,
                                                  const std::string& where) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::optional<std::string_view>();
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS)
    return invalidArgument(where + std::string(key) + ": must be a string");
  return std::optional<std::string_view>(s);
}

Result<std::optional<array>> optArray(object o, std::string_view key, const std::string& where) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::optional<array>();
  array a;
  if (e.get(a) != simdjson::SUCCESS)
    return invalidArgument(where + std::string(key) + ": must be an array");
  return std::optional<array>(a);
}

Status checkQueries(object chart, const std::string& where, const Limits& limits) {
  DASHBOARD_ASSIGN_OR_RETURN(std::optional<array> queries, optArray(chart, "queries", where));
  if (!queries) return Status::ok();
  if (queries->size() > limits.max_queries_per_chart)
    return invalidArgument(where + "queries: more than " +
                           std::to_string(limits.max_queries_per_chart) + " queries");
  std::size_t i = 0;
  for (element qe : *queries) {
    std::string at = where + "queries[" + std::to_string(i++) + "].";
    object q;
    if (qe.get(q) != simdjson::SUCCESS)
      return invalidArgument(at.substr(0, at.size() - 1) + ": must be an object");
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> lang, optString(q, "lang", at));
    if (lang && *lang != "dql" && *lang != "promql")
      return invalidArgument(at + "lang: must be \"dql\" or \"promql\", not " + quoted(*lang));
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> text, optString(q, "q", at));
    if (!text) return invalidArgument(at + "q: missing (the query text)");
  }
  return Status::ok();
}

Status checkVariables(object root, const Limits& limits) {
  DASHBOARD_ASSIGN_OR_RETURN(std::optional<array> vars, optArray(root, "variables", ""));
  if (!vars) return Status::ok();
  if (vars->size() > limits.max_variables)
    return invalidArgument("variables: more than " + std::to_string(limits.max_variables));
  std::set<std::string_view> names;
  std::size_t i = 0;
  for (element ve : *vars) {
    std::string at = "variables[" + std::to_string(i++) + "].";
    object v;
    if (ve.get(v) != simdjson::SUCCESS)
      return invalidArgument(at.substr(0, at.size() - 1) + ": must be an object");
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> name, optString(v, "name", at));
    if (!name) return invalidArgument(at + "name: missing");
    if (!isIdentifier(*name))
      return invalidArgument(at + "name: " + quoted(*name) + " is not [A-Za-z0-9_.-]{1,64}");
    if (!names.insert(*name).second)
      return invalidArgument(at + "name: " + quoted(*name) + " is defined twice");
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> type, optString(v, "type", at));
    if (type && *type != "query" && *type != "custom" && *type != "textbox")
      return invalidArgument(at + "type: must be query, custom or textbox, not " + quoted(*type));
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> lang, optString(v, "lang", at));
    if (lang && *lang != "dql" && *lang != "promql")
      return invalidArgument(at + "lang: must be \"dql\" or \"promql\", not " + quoted(*lang));
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> q, optString(v, "query", at));
    (void)q;
  }
  return Status::ok();
}

Status checkGroups(object root, const Limits& limits, std::size_t* charts) {
  DASHBOARD_ASSIGN_OR_RETURN(std::optional<array> groups, optArray(root, "groups", ""));
  if (!groups) return Status::ok();
  if (groups->size() > limits.max_groups)
    return invalidArgument("groups: more than " + std::to_string(limits.max_groups) + " groups");
  std::size_t gi = 0;
  for (element ge : *groups) {
    std::string at = "groups[" + std::to_string(gi++) + "].";
    object g;
    if (ge.get(g) != simdjson::SUCCESS)
      return invalidArgument(at.substr(0, at.size() - 1) + ": must be an object");
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> title, optString(g, "title", at));
    (void)title;
    DASHBOARD_ASSIGN_OR_RETURN(std::optional<array> cs, optArray(g, "charts", at));
    if (!cs) continue;
    std::size_t ci = 0;
    for (element ce : *cs) {
      std::string cat = at + "charts[" + std::to_string(ci++) + "].";
      if (++*charts > limits.max_charts)
        return invalidArgument("too many charts: more than " + std::to_string(limits.max_charts));
      object c;
      if (ce.get(c) != simdjson::SUCCESS)
        return invalidArgument(cat.substr(0, cat.size() - 1) + ": must be an object");
      DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> type, optString(c, "type", cat));
      if (!type) return invalidArgument(cat + "type: missing");
      if (!isChartType(*type))
        return invalidArgument(cat + "type: unknown chart type " + quoted(*type) +
                               " (timeseries, bar, stat, table, pie, toplist, gauge)");
      DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> ctitle,
                                 optString(c, "title", cat));
      (void)ctitle;
      SEXTANT_RETURN_IF_ERROR(checkQueries(c, cat, limits));
    }
  }
  return Status::ok();
}

}  // namespace

bool isChartType(std::string_view type) {
  return std::find(std::begin(kChartTypes), std::end(kChartTypes), type) != std::end(kChartTypes);
}

bool isValidDashboardId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

Result<Dashboard> parseDashboard(std::string_view json, const Limits& limits) {
  if (json.size() > limits.max_bytes)
    return invalidArgument("dashboard too big: " + std::to_string(json.size()) +
                           " bytes, the limit is " + std::to_string(limits.max_bytes));
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element root_e;
  if (auto err = parser.parse(padded).get(root_e); err != simdjson::SUCCESS)
    return invalidArgument(std::string("bad JSON: ") + simdjson::error_message(err));
  object root;
  if (root_e.get(root) != simdjson::SUCCESS)
    return invalidArgument("the dashboard must be a JSON object");

  Dashboard d;
  DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> title, optString(root, "title", ""));
  if (!title) return invalidArgument("title: missing");
  if (title->find_first_not_of(" \t\r\n") == std::string_view::npos)
    return invalidArgument("title: must not be empty");
  if (title->size() > limits.max_title_bytes)
    return invalidArgument("title: longer than " + std::to_string(limits.max_title_bytes) +
                           " bytes");
  d.title = std::string(*title);

  DASHBOARD_ASSIGN_OR_RETURN(std::optional<array> tags, optArray(root, "tags", ""));
  if (tags) {
    if (tags->size() > limits.max_tags)
      return invalidArgument("tags: more than " + std::to_string(limits.max_tags));
    for (element t : *tags) {
      std::string_view s;
      if (t.get(s) != simdjson::SUCCESS) return invalidArgument("tags: must be strings");
      d.tags.emplace_back(s);
    }
  }
  element v;
  if (root.at_key("version").get(v) == simdjson::SUCCESS && !v.is_null()) {
    std::int64_t n = 0;
    if (v.get(n) != simdjson::SUCCESS || n < 1)
      return invalidArgument("version: must be an integer >= 1");
    d.version = n;
  }
  DASHBOARD_ASSIGN_OR_RETURN(std::optional<std::string_view> id, optString(root, "id", ""));
  if (id) d.id = std::string(*id);
  for (auto [key, ptr] : {std::pair{"created", &d.created_ms}, {"updated", &d.updated_ms}}) {
    element t;
    if (root.at_key(key).get(t) == simdjson::SUCCESS && t.get(*ptr) != simdjson::SUCCESS) *ptr = 0;
  }
  SEXTANT_RETURN_IF_ERROR(checkVariables(root, limits));
  SEXTANT_RETURN_IF_ERROR(checkGroups(root, limits, &d.charts));

  std::set<std::string_view> seen;
  for (auto field : root) {
    if (field.key == "id" || field.key == "version" || field.key == "created" ||
        field.key == "updated")
      continue;
    if (!seen.insert(field.key).second) continue;  // the first of duplicated keys wins
    if (!d.members.empty()) d.members += ',';
    codec::json::appendJsonString(field.key, &d.members);
    d.members += ':';
    d.members += simdjson::to_string(field.value);
  }
  return d;
}

std::string renderDashboard(const Dashboard& d, const Meta& meta) {
  std::string out = "{\"id\":";
  codec::json::appendJsonString(meta.id, &out);
  out += ",\"version\":" + std::to_string(meta.version);
  out += ",\"created\":" + std::to_string(meta.created_ms);
  out += ",\"updated\":" + std::to_string(meta.updated_ms);
  if (!d.members.empty()) out += "," + d.members;
  out += "}";
  return out;
}

}  // namespace sextant::server::dashboard

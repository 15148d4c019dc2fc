// The dashboard document (docs/dashboards.md) as the server sees it: untrusted JSON checked by
// parseDashboard() (size, shape, chart types, counts) before it is stored, and the stored form
// written by renderDashboard() (the server's id, version, created and updated first, then every
// other top-level member of the document as sent). The server keeps the document's text; it only
// reads what it validates and lists (title, tags, version).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::server::dashboard {

struct Limits {
  std::size_t max_bytes = 1u << 20;  // the whole document
  std::size_t max_groups = 50;
  std::size_t max_charts = 200;  // over all groups
  std::size_t max_queries_per_chart = 10;
  std::size_t max_variables = 30;
  std::size_t max_title_bytes = 256;
  std::size_t max_tags = 20;
};

// The chart types a dashboard may use.
inline constexpr std::string_view kChartTypes[] = {"timeseries", "bar",     "stat", "table",
                                                   "pie",        "toplist", "gauge"};
bool isChartType(std::string_view type);

// A validated document.
struct Dashboard {
  std::string title;
  std::vector<std::string> tags;
  std::optional<std::int64_t> version;  // as sent (the client's base version on update)
  std::optional<std::string> id;        // as stored (ignored on create and update)
  std::int64_t created_ms = 0;          // as stored
  std::int64_t updated_ms = 0;          // as stored
  std::size_t charts = 0;
  // The other top-level members as JSON text: `"k":v,"k2":v2` (no braces; may be empty).
  std::string members;
};

// Checks a document: a JSON object (at most limits.max_bytes) with a non-empty string `title`;
// optional `tags` (strings), `variables` (objects with an identifier `name`, unique; `type`
// query|custom|textbox; `lang` dql|promql), `groups` (objects whose `charts` are objects with a
// known `type` and `queries` of {"lang":"dql"|"promql","q":string}); `version` an integer >= 1.
// Errors are InvalidArgument with a message naming the offending member
// ("groups[0].charts[2].type: unknown chart type \"pies\"").
Result<Dashboard> parseDashboard(std::string_view json, const Limits& limits = {});

// The server's fields of a stored document.
struct Meta {
  std::string id;
  std::int64_t version = 1;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

// {"id":..,"version":..,"created":..,"updated":..,<d.members>}
std::string renderDashboard(const Dashboard& d, const Meta& meta);

// Dashboard ids: [A-Za-z0-9_-]{1,64} (they name files).
bool isValidDashboardId(std::string_view id);

}  // namespace sextant::server::dashboard

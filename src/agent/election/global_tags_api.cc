#include "agent/election/global_tags_api.h"

#include <string>
#include <vector>

#include "agent/api_error.h"
#include "codec/point_json/json_writer.h"

namespace sextant::agent::election {

namespace {

constexpr std::string_view kElectionDisabled =
    "Can't use this command when global-election is false.";

void writeMap(codec::json::JsonWriter& w, std::string_view name, const TagMap& m) {
  w.key(name);
  w.beginObject();
  for (const auto& [k, v] : m) {
    w.key(k);
    w.string(v);
  }
  w.endObject();
}

net::HttpResponse allTags(const GlobalTags& tags, const TagMap& dataway_tags) {
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  writeMap(w, "dataway-tags", dataway_tags);
  writeMap(w, "election-tags", *tags.electionTags());
  writeMap(w, "host-tags", *tags.hostTags());
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

// Go's url.Values keeps the first value of a key; DataKit takes v[0] and skips "host".
TagMap setQuery(const net::HttpRequest& req) {
  TagMap q;
  for (const auto& [k, v] : req.query) {
    if (k == "host" || k.empty()) continue;
    q.try_emplace(k, v);
  }
  return q;
}

std::vector<std::string> deleteQuery(const net::HttpRequest& req) {
  std::vector<std::string> keys;
  bool present = false;
  std::string_view list = req.queryValue("tags", &present);
  if (!present) return keys;
  for (;;) {
    size_t comma = list.find(',');
    std::string_view k = list.substr(0, comma);
    if (k != "host" && !k.empty()) keys.emplace_back(k);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return keys;
}

}  // namespace

net::HttpResponse handleGlobalTags(const net::HttpRequest& req, GlobalTags& tags, bool election,
                                   const TagMap& dataway_tags) {
  const TagTable table = election ? TagTable::kElection : TagTable::kHost;
  if (req.method == "GET") {
    std::string body;
    codec::json::JsonWriter w(&body);
    w.beginObject();
    if (election) {
      writeMap(w, "election-tags", *tags.electionTags());
    } else {
      writeMap(w, "host-tags", *tags.hostTags());
    }
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }
  if (req.method != "POST" && req.method != "DELETE") {
    return apiError(405, "datakit.methodNotAllowed", "method " + req.method + " not allowed");
  }
  if (election && !tags.electionEnabled()) {
    std::string body;
    codec::json::JsonWriter w(&body);
    w.beginObject();
    w.key("message");
    w.string(kElectionDisabled);
    w.endObject();
    return net::HttpResponse::json(500, std::move(body));
  }
  if (req.method == "POST") {
    (void)tags.set(table, setQuery(req));
  } else {
    (void)tags.remove(table, deleteQuery(req));
  }
  return allTags(tags, dataway_tags);
}

}  // namespace sextant::agent::election

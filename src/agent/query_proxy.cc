#include "agent/query_proxy.h"

#include <simdjson.h>

#include "agent/api_error.h"
#include "agent/uploader/dataway_url.h"
#include "codec/point_json/json_writer.h"

namespace sextant::agent {

net::HttpResponse forwardQueryRaw(const net::HttpRequest& req, const std::string& dataway_url,
                                  net::HttpClient& client) {
  if (dataway_url.empty())
    return apiError(400, "datakit.dataWayNotSet", "no DataWay configured to query");
  auto endpoint = parseDatawayUrl(dataway_url);
  if (!endpoint.isOk()) return apiError(400, "datakit.dataWayNotSet", endpoint.status().message());

  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  if (parser.parse(req.body).get(doc) != simdjson::SUCCESS)
    return apiError(400, "datakit.invalidJSON", "the query body is not a JSON object");
  std::string_view token;
  std::string body = req.body;
  std::string url;
  if (doc["token"].get(token) == simdjson::SUCCESS && !token.empty()) {
    url = endpoint->scheme + "://" + endpoint->host + "/v1/query/raw?token=" + goQueryEscape(token);
  } else {
    // Insert the DataWay's token as the object's first key.
    std::string key;
    codec::json::JsonWriter w(&key);
    w.string(endpoint->token);
    size_t brace = body.find('{');
    bool empty = body.find_first_not_of(" \t\r\n", brace + 1) == body.find('}', brace + 1);
    body.insert(brace + 1, "\"token\":" + key + (empty ? "" : ","));
    url = endpoint->apiUrl("/v1/query/raw");
  }
  net::ClientRequest out;
  out.method = "POST";
  out.url = std::move(url);
  out.headers = {{"Content-Type", "application/json"}};
  out.body = std::move(body);
  auto resp = client.send(out);
  if (!resp.isOk()) return apiError(503, "datakit.dataWayUnavailable", resp.status().message());
  net::HttpResponse r;
  r.status = resp->status;
  r.content_type = std::string(resp->header("Content-Type"));
  r.body = std::move(resp->body);
  return r;
}

}  // namespace sextant::agent

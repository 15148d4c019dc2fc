#include "server/query_raw_api.h"

#include <simdjson.h>

#include <utility>

#include "query/dql_exec/query_raw.h"
#include "server/workspace/workspace_api.h"

namespace sextant::server {

namespace {

// Guance's request body may carry the token ({"queries":[...],"token":"tkn_..."}; what a
// DataKit agent's /v1/query/raw forwards). "" when absent or not a JSON object.
std::string bodyToken(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view token;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return "";
  if (doc["token"].get(token) != simdjson::SUCCESS) return "";
  return std::string(token);
}

}  // namespace

void registerQueryRawApi(net::Router& r, storage::StorageEngine& engine,
                         const workspace::WorkspaceStore& store, const QueryLimits& limits) {
  r.add("POST", "/v1/query/raw",
        [&engine, &store, options = limits.queryRaw()](net::HttpRequest& req) {
          // The body's token wins (Guance's shape), then ?token= / Authorization: Bearer.
          std::string token = bodyToken(req.body);
          Result<workspace::Workspace> ws = workspace::authenticate(req, store);
          if (!token.empty()) {
            std::optional<workspace::Workspace> w = store.byToken(token);
            if (!w) return workspace::authFailure(Status(StatusCode::kPermissionDenied, "token"));
            ws = std::move(*w);
          }
          if (!ws.isOk()) return workspace::authFailure(ws.status());
          query::dql_exec::QueryRawOptions o = options;
          o.dql.cancelled = req.client_gone;  // a query of a client gone ends at its next check
          o.promql.cancelled = req.client_gone;
          query::dql_exec::QueryRawResponse resp =
              query::dql_exec::handleQueryRaw(req.body, ws->id, engine, o);
          return net::HttpResponse::json(resp.status, std::move(resp.body));
        });
}

}  // namespace sextant::server

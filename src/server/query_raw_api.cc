#include "server/query_raw_api.h"

#include <utility>

#include "query/dql_exec/query_raw.h"
#include "server/workspace/workspace_api.h"

namespace sextant::server {

void registerQueryRawApi(net::Router& r, storage::StorageEngine& engine,
                         const workspace::WorkspaceStore& store) {
  r.add("POST", "/v1/query/raw", [&engine, &store](net::HttpRequest& req) {
    Result<workspace::Workspace> ws = workspace::authenticate(req, store);
    if (!ws.isOk()) return workspace::authFailure(ws.status());
    query::dql_exec::QueryRawResponse resp =
        query::dql_exec::handleQueryRaw(req.body, ws->id, engine);
    return net::HttpResponse::json(resp.status, std::move(resp.body));
  });
}

}  // namespace sextant::server

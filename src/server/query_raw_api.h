// Guance's DQL query API on the server: POST /v1/query/raw (platform.md §1.8). The token
// (?token= or Authorization: Bearer) picks the workspace; the body is answered by
// query::dql_exec::handleQueryRaw (request and response shapes, error codes: query/dql_exec/
// query_raw.h). Token failures answer like the other DataWay routes (401 / 403, Kodo envelope).
//
// Thread-safety: the handler may run concurrently; the engine and store are borrowed and must
// outlive the router.
#pragma once

#include "net/router.h"
#include "server/query_limits.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

void registerQueryRawApi(net::Router& r, storage::StorageEngine& engine,
                         const workspace::WorkspaceStore& store, const QueryLimits& limits = {});

}  // namespace sextant::server

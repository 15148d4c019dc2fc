// Dashboards API (placeholder: being written). registerDashboardApi() adds /v1/dashboards routes.
#pragma once

#include <string>

#include "net/router.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server {

void registerDashboardApi(net::Router& r, const workspace::WorkspaceStore& store,
                          std::string data_dir);

}  // namespace sextant::server

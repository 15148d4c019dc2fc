// The dashboards API (docs/api/dashboards.md): per-workspace JSON dashboards stored as files,
// /v1/dashboards (list, create) and /v1/dashboards/:id (get, update with optimistic concurrency
// on `version`, delete). Documents are checked by dashboard_model.h before they are stored.
//
// Storage: <data_dir>/dashboards/<workspace_id>/<id>.json, each written atomically
// (writeFileAtomically). One mutex serialises the read-compare-write of updates in this process.
//
// Thread-safety: the routes may be called from any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/file_system.h"
#include "net/router.h"
#include "server/dashboard_api/dashboard_model.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server {

struct DashboardApiOptions {
  FileSystem* fs = nullptr;              // nullptr: realFileSystem()
  std::function<std::int64_t()> now_ms;  // empty: the wall clock
  std::function<std::string()> new_id;   // empty: 16 random hex digits
  dashboard::Limits limits;
};

void registerDashboardApi(net::Router& r, const workspace::WorkspaceStore& store,
                          std::string data_dir, DashboardApiOptions options = {});

}  // namespace sextant::server

#include "server/dashboard_api/dashboard_api.h"

namespace sextant::server {

void registerDashboardApi(net::Router&, const workspace::WorkspaceStore&, std::string) {}

}  // namespace sextant::server

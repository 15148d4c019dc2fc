// DataKit's error envelope, shared by every agent route (built-in and input-registered).
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "net/http_types.h"

namespace sextant::agent {

// {"error_code":"<code>","message":"<message>"} with `status` and X-Content-Type-Options: nosniff.
// Codes are DataKit's, e.g. "datakit.invalidCategory", "datakit.reachMaxAPILimit".
net::HttpResponse apiError(int status, std::string_view code, std::string_view message);

}  // namespace sextant::agent

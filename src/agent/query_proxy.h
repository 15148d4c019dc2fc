// The agent's POST /v1/query/raw (reference §1): DataKit's DQL proxy. The body (Guance's
// {"queries":[...], "token": ...}) is forwarded to the first DataWay's /v1/query/raw; a body
// without "token" gets the DataWay's token (the endpoint's ?token= is sent as well), a body
// with its own token is sent with that token. The DataWay's answer is returned as is.
// Errors: no DataWay configured -> 400 datakit.dataWayNotSet; a body that is not a JSON object
// -> 400 datakit.invalidJSON; DataWay unreachable -> 503 datakit.dataWayUnavailable.
// Thread-safety: reentrant; the client must be thread-safe (net::HttpClient is).
#pragma once

#include <string>

#include "net/http_client.h"
#include "net/http_types.h"

namespace sextant::agent {

net::HttpResponse forwardQueryRaw(const net::HttpRequest& req, const std::string& dataway_url,
                                  net::HttpClient& client);

}  // namespace sextant::agent

// The handlers of DataKit's /v1/global/host/tags and /v1/global/election/tags.
//
//   GET     {"host-tags":{..}} (host route) / {"election-tags":{..}} (election route)
//   POST    ?k=v&k2=v2   sets tags (first value per key; the key "host" is ignored)
//   DELETE  ?tags=k1,k2  removes tags (first "tags" parameter, split on ','; "host" is ignored)
//   POST and DELETE answer 200 {"dataway-tags":{..},"election-tags":{..},"host-tags":{..}}
//   (unwrapped, keys sorted as Go's encoding/json writes maps), even when nothing changed: an
//   empty set or delete is a no-op, not an error, as in DataKit.
//   POST/DELETE on the election route with election disabled: 500
//   {"message":"Can't use this command when global-election is false."}. GET is allowed there
//   (it shows the host tags, which are then the election tags).
// Other methods: 405 datakit.methodNotAllowed.
//
// Persistence (host mode) happens inside GlobalTags through its TagPersister.
// Thread-safety: as GlobalTags; the function keeps no state.
#pragma once

#include "agent/election/global_tags.h"
#include "net/http_types.h"

namespace sextant::agent::election {

// `election` selects the election route. `dataway_tags` is echoed as "dataway-tags" (DataKit
// also merges the change into its DataWay sinker tags; that map is the caller's business).
net::HttpResponse handleGlobalTags(const net::HttpRequest& req, GlobalTags& tags, bool election,
                                   const TagMap& dataway_tags = {});

}  // namespace sextant::agent::election

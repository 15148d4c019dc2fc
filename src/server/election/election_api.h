// DataWay's election API over an ElectionService:
//
//   POST /v1/election?token=T&namespace=NS&id=ID             campaign
//   POST /v1/election/heartbeat?token=T&namespace=NS&id=ID   heartbeat
//
// The token names the workspace (through the caller's resolver), so one seat exists per
// (workspace, namespace): two tokens of one workspace share seats. An absent or empty namespace
// is "default" (DataKit's default). The body is ignored (DataKit sends none). Answers:
//   200 {"content":{"status":"success"|"defeat","namespace":NS,"id":ID,"incumbency_id":LEADER,
//        "error_msg":MSG,"interval":SECONDS}}     (members always present, in this order)
// Errors use the envelope DataWay relays from its backend (Kodo), {"code","errorCode","message"}:
//   401 dataway.emptyToken "token missing"        no or empty token
//   403 kodo.tokenNotFound "token not found"      the resolver does not know the token
//   400 dataway.emptyElectionID "id missing"      no or empty id
//   400 dataway.electionParamTooLong "<id|namespace> longer than 1024 bytes"
// e.g. 403 {"code":403,"errorCode":"kodo.tokenNotFound","message":"token not found"}.
// Every answer carries X-Content-Type-Options: nosniff.
//
// Thread-safety: the handlers may run on any server thread; the service is thread-safe and the
// resolver must be too. Ownership: registerElectionRoutes' lambdas borrow the service (it must
// outlive the router) and own a copy of the resolver.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_types.h"
#include "net/router.h"
#include "server/election/election_service.h"

namespace sextant::server::election {

// Token -> workspace id; nullopt when the token is unknown (or disabled).
using WorkspaceResolver = std::function<std::optional<std::string>(std::string_view token)>;

// Longest namespace or id accepted (K8s node names, DataKit's usual ids, are at most 253).
inline constexpr size_t kMaxElectionParamBytes = 1024;

// Answers one campaign (heartbeat = false) or heartbeat request.
net::HttpResponse handleElection(const net::HttpRequest& req, ElectionService& service,
                                 const WorkspaceResolver& workspace_of, bool heartbeat);

// The 200 body for a reply: {"content":{...}} as above.
std::string electionReplyJson(const ElectionReply& reply);

// Adds POST /v1/election and POST /v1/election/heartbeat to `router`.
void registerElectionRoutes(net::Router& router, ElectionService& service,
                            WorkspaceResolver workspace_of);

}  // namespace sextant::server::election

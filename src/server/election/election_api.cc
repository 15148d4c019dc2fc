#include "server/election/election_api.h"

#include <utility>

#include "codec/point_json/json_writer.h"
#include "server/workspace/workspace_api.h"

namespace sextant::server::election {

namespace {

constexpr std::string_view kDefaultNamespace = "default";

}  // namespace

std::string electionReplyJson(const ElectionReply& reply) {
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("content");
  w.beginObject();
  w.key("status");
  w.string(reply.success ? "success" : "defeat");
  w.key("namespace");
  w.string(reply.election_namespace);
  w.key("id");
  w.string(reply.id);
  w.key("incumbency_id");
  w.string(reply.incumbency_id);
  w.key("error_msg");
  w.string(reply.error_msg);
  w.key("interval");
  w.integer(reply.interval);
  w.endObject();
  w.endObject();
  return body;
}

net::HttpResponse handleElection(const net::HttpRequest& req, ElectionService& service,
                                 const WorkspaceResolver& workspace_of, bool heartbeat) {
  std::string_view token = req.queryValue("token");
  if (token.empty()) return workspace::kodoError(401, "dataway.emptyToken", "token missing");
  std::optional<std::string> workspace = workspace_of ? workspace_of(token) : std::nullopt;
  if (!workspace) return workspace::kodoError(403, "kodo.tokenNotFound", "token not found");

  std::string_view id = req.queryValue("id");
  if (id.empty()) return workspace::kodoError(400, "dataway.emptyElectionID", "id missing");
  std::string_view ns = req.queryValue("namespace");
  if (ns.empty()) ns = kDefaultNamespace;
  for (auto [name, value] : {std::pair{"id", id}, std::pair{"namespace", ns}}) {
    if (value.size() > kMaxElectionParamBytes) {
      return workspace::kodoError(
          400, "dataway.electionParamTooLong",
          std::string(name) + " longer than " + std::to_string(kMaxElectionParamBytes) + " bytes");
    }
  }

  ElectionReply reply =
      heartbeat ? service.heartbeat(*workspace, ns, id) : service.campaign(*workspace, ns, id);
  net::HttpResponse res = net::HttpResponse::json(200, electionReplyJson(reply));
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return res;
}

void registerElectionRoutes(net::Router& router, ElectionService& service,
                            WorkspaceResolver workspace_of) {
  router.add("POST", "/v1/election", [&service, workspace_of](net::HttpRequest& req) {
    return handleElection(req, service, workspace_of, /*heartbeat=*/false);
  });
  router.add("POST", "/v1/election/heartbeat", [&service, workspace_of](net::HttpRequest& req) {
    return handleElection(req, service, workspace_of, /*heartbeat=*/true);
  });
}

}  // namespace sextant::server::election

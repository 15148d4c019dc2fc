#include "server/in_process_client.h"

#include <algorithm>
#include <cctype>

#include "server/server.h"

namespace sextant::server {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Splits "http://authority/path?query#fragment" as net::makeHttpClient() does: the target is
// "/path?query" ("/" when empty). False for other schemes (https is never ours: no TLS here).
bool splitHttpUrl(std::string_view url, std::string_view* authority, std::string_view* target) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !equalsIgnoreCase(url.substr(0, kScheme.size()), kScheme))
    return false;
  std::string_view rest = url.substr(kScheme.size());
  size_t path_start = rest.find_first_of("/?#");
  *authority = rest.substr(0, path_start);
  *target = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (size_t hash = target->find('#'); hash != std::string_view::npos)
    *target = target->substr(0, hash);
  return true;
}

}  // namespace

InProcessClient::InProcessClient(Server& server, net::HttpClient& forward)
    : server_(server), forward_(forward), authority_(server.listenAddress()) {}

Result<net::ClientResponse> InProcessClient::send(const net::ClientRequest& request) {
  std::string_view authority;
  std::string_view target;
  if (!splitHttpUrl(request.url, &authority, &target) || !equalsIgnoreCase(authority, authority_))
    return forward_.send(request);

  // What net::HttpServer builds from the wire (http_server.cc dispatch()).
  net::HttpRequest req;
  req.method = request.method;
  req.target = target.empty() ? "/" : std::string(target);
  if (req.target.front() == '?') req.target.insert(req.target.begin(), '/');
  std::string_view t = req.target;
  size_t q = t.find('?');
  req.path = net::percentDecode(t.substr(0, q));
  if (q != std::string_view::npos) req.query = net::parseQuery(t.substr(q + 1));
  req.headers.reserve(request.headers.size() + 1);
  for (const auto& [k, v] : request.headers) req.headers.emplace_back(k, v);
  if (req.header("Host").empty()) req.headers.emplace_back("Host", authority_);
  req.body = request.body;  // the one copy: the socket client copies it into its request too
  req.remote_ip = "127.0.0.1";
  req.remote_is_loopback = true;

  net::HttpResponse resp = server_.handle(req);
  net::ClientResponse out;
  out.status = resp.status;
  out.headers.reserve(resp.headers.size() + 1);
  if (!resp.content_type.empty()) out.headers.emplace_back("Content-Type", resp.content_type);
  for (auto& [k, v] : resp.headers) out.headers.emplace_back(std::move(k), std::move(v));
  out.body = std::move(resp.body);
  return out;
}

}  // namespace sextant::server

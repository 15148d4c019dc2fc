// InProcessClient: the net::HttpClient of `sextant standalone`. Requests whose URL is
// http://<the server's listen address>/... are answered by Server::handle() on the calling thread:
// the server's own router and handlers (token auth, decompression, decode, the storage write and
// its WAL acknowledgement, rate limits, error envelopes), without a socket, HTTP framing or the
// server's I/O threads. Every other URL (https, another host or port: the agent's other DataWays)
// goes to `forward`, a real client.
//
// What differs from the socket path is only the transport: no timeout (ClientRequest::timeout is
// not applied; the call returns when the handler does), the request looks like it came from a
// loopback peer, and the response carries no transport headers (Content-Length, Connection).
// Ownership: borrows the Server and the forward client; both must outlive this client, and the
// server must be started before send() (stop the callers before Server::stop()).
// Thread-safety: send() may be called from many threads at once (as Server::handle()).
#pragma once

#include <string>

#include "net/http_client.h"

namespace sextant::server {

class Server;

class InProcessClient final : public net::HttpClient {
 public:
  // Intercepts the server's listenAddress() as it is now (call after Server::start()).
  InProcessClient(Server& server, net::HttpClient& forward);

  Result<net::ClientResponse> send(const net::ClientRequest& request) override;

  // The intercepted authority, e.g. "127.0.0.1:9528".
  const std::string& authority() const { return authority_; }

 private:
  Server& server_;
  net::HttpClient& forward_;
  std::string authority_;
};

}  // namespace sextant::server

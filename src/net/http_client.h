// HttpClient: the outgoing-HTTP seam. The uploader (DataWay writes), the election client and
// (later) the prom scraper talk through this interface; tests substitute a fake.
//
// makeHttpClient() returns the real one (Boost.Beast over TCP or a Unix socket, TLS with OpenSSL):
// keep-alive connections pooled per host:port, a whole-exchange timeout, optional proxy-less TLS
// options. send() is synchronous and may be called from many threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/http_types.h"

namespace sextant::net {

struct TlsOptions {
  // PEM bundles to verify the server with, and PEM text (e.g. DataKit's ca_certs_base64, decoded)
  // trusted as well; all empty = the system defaults.
  std::vector<std::string> ca_files;
  std::string ca_pem;
  std::string cert_file;  // client certificate (mutual TLS); empty = none
  std::string key_file;   // empty = the key is in cert_file
  // Inline client certificate and key (PEM text), used instead of the files when set.
  std::string cert_pem;
  std::string key_pem;
  bool insecure_skip_verify = false;
  std::string server_name;  // SNI / verified name; empty = the URL's host
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // "http://host:port/path?query" or "https://..."
  KeyValues headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};  // connect + send + whole response
  TlsOptions tls;
  // Dial this Unix domain socket instead of the URL's host and port (plain HTTP; the URL still
  // gives the Host header and the target). Empty: TCP.
  std::string unix_socket;
};

struct ClientResponse {
  int status = 0;
  KeyValues headers;
  std::string body;
  std::string_view header(std::string_view name) const;  // case-insensitive; empty when absent
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // A Result error means no HTTP answer: Unavailable (connect/reset/EOF), DeadlineExceeded
  // (timeout), InvalidArgument (bad URL), PermissionDenied/Unavailable for TLS failures. Any HTTP
  // status, 4xx and 5xx included, is a successful Result.
  virtual Result<ClientResponse> send(const ClientRequest& request) = 0;
};

struct HttpClientOptions {
  int max_idle_per_host = 8;
  std::chrono::seconds idle_timeout{90};  // pooled connections older than this are closed
  std::size_t max_response_bytes = 64u << 20;
};

std::unique_ptr<HttpClient> makeHttpClient(HttpClientOptions options = {});

}  // namespace sextant::net

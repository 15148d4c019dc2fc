// HTTP request/response values passed between the server (net/http_server.h) and handlers.
// Plain values; no shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant::net {

// Query parameters and headers keep their order and repeats; lookups return the first match.
using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;     // "GET", "POST", ...
  std::string target;     // raw request target: path plus query
  std::string path;       // percent-decoded path, without the query
  KeyValues query;        // percent-decoded query parameters
  KeyValues headers;      // header names as received
  KeyValues path_params;  // ":name" segments of the matched route
  std::string body;
  std::string remote_ip;
  bool remote_is_loopback = false;
  // Set by net::HttpServer (null elsewhere): true once the client has closed the connection
  // (Go's net/http cancels a request's context the same way; a client that half-closes after
  // sending counts as gone). Polls the socket without blocking, at most every 20 ms (calls in
  // between return the last answer), so long handlers may call it in their loops. Call it only
  // from the handler's thread.
  std::function<bool()> client_gone;

  // First query value for key; `present` tells "?dry" (present, empty) from absence.
  std::string_view queryValue(std::string_view key, bool* present = nullptr) const;
  bool hasQuery(std::string_view key) const;
  // Case-insensitive header lookup; empty when absent.
  std::string_view header(std::string_view name) const;
  std::string_view pathParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::string body;
  KeyValues headers;
  // Streaming answer (e.g. server-sent events). When set, the server sends the status and
  // headers with Transfer-Encoding: chunked (body is ignored), then runs stream on a thread of
  // its own (not an I/O thread: it may block and sleep). Each write(chunk) sends one chunk and
  // returns false once the client is gone, the write timed out (HttpServerOptions::timeout) or
  // the server is stopping; stream should then return promptly. write("") sends nothing: it
  // only probes whether the client is still there (for streams that are idle for a while).
  // The server ends the body when stream returns, and closes the connection (no keep-alive).
  // The return value is informational (false: the stream ended early). HttpServerOptions::
  // max_streams bounds the streams running at once (503 past it). Handlers called without a
  // server (tests, the in-process client) may run stream themselves.
  using StreamWrite = std::function<bool(std::string_view chunk)>;
  std::function<bool(const StreamWrite& write)> stream;

  static HttpResponse text(int status, std::string body);
  static HttpResponse json(int status, std::string body);
};

// Percent-decodes s ('+' stays '+'); invalid escapes are kept verbatim.
std::string percentDecode(std::string_view s);
// Splits "a=1&b&c=%20" into decoded pairs.
KeyValues parseQuery(std::string_view query);

}  // namespace sextant::net

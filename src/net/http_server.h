// HttpServer: an HTTP/1.1 server on Boost.Beast with C++20 coroutines, serving one Router.
//
// Handlers run synchronously on the server's I/O threads. The server owns its threads; start()
// binds (port 0 picks a free port) and returns once it accepts; stop() closes the listener and
// joins the threads. Keep-alive, chunked request bodies, a body size cap (413) and a
// whole-request timeout (408) are handled here; everything else is the handlers' business.
// A response with a `stream` (HttpResponse::stream, e.g. server-sent events) is sent chunked:
// the server hands the connection to a thread of its own that runs the stream (at most
// max_streams at once); stop() tells every stream to end (its write() returns false) and waits
// for their threads.
// Thread-safety: start/stop from one thread; the Router must not change after start().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/router.h"

namespace sextant::net {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:9529";  // "host:port", "[v6]:port"; port 0 = any free port
  size_t max_body_bytes = 64u << 20;
  std::chrono::milliseconds timeout{30'000};  // reading a whole request; 408 when exceeded
  int threads = 1;
  // Builds the answer for transport-level errors (404 no route, 408, 413, 400 bad request).
  // Default: plain text.
  std::function<HttpResponse(int status, std::string message)> error_response;
  // Headers added to every response (e.g. X-DataKit).
  KeyValues extra_headers;
  // Streaming responses (HttpResponse::stream) running at once; past it the answer is 503.
  int max_streams = 64;
};

// Splits "host:port" / "[v6]:port" / ":port"; an empty host means all interfaces.
Status splitHostPort(std::string_view listen, std::string* host, uint16_t* port);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Router router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status start();
  void stop();
  // The bound address, e.g. "127.0.0.1:9529" (valid after start()).
  std::string boundAddress() const;
  uint16_t port() const;

 private:
  void stopIo();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::net

#include "net/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace sextant::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kReadBufferBytes = 64 << 10;  // per connection, see session()

Status splitHostPort(std::string_view listen, std::string* host, uint16_t* port) {
  std::string_view h;
  std::string_view p;
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return invalidArgument("bad listen address '" + std::string(listen) + "'");
    h = listen.substr(1, close - 1);
    p = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos)
      return invalidArgument("listen address '" + std::string(listen) + "' has no port");
    h = listen.substr(0, colon);
    p = listen.substr(colon + 1);
  }
  unsigned value = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), value);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || value > 65535)
    return invalidArgument("bad port in listen address '" + std::string(listen) + "'");
  if (h == "localhost") h = "127.0.0.1";
  *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return Status::ok();
}

struct HttpServer::Impl {
  HttpServerOptions options;
  Router router;
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  tcp::endpoint bound;
  // Streaming responses: each runs on a detached thread counted here; stop() sets `stopping`
  // (their writes then fail) and waits for the count to drop to zero.
  std::mutex streams_mu;
  std::condition_variable streams_cv;
  int streams_running = 0;
  std::atomic<bool> stopping{false};

  Impl(HttpServerOptions o, Router r) : options(std::move(o)), router(std::move(r)) {
    if (!options.error_response) {
      options.error_response = [](int status, std::string message) {
        return HttpResponse::text(status, std::move(message));
      };
    }
  }

  http::response<http::string_body> toBeast(HttpResponse resp, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(resp.status), version};
    if (!resp.content_type.empty()) out.set(http::field::content_type, resp.content_type);
    for (const auto& [k, v] : options.extra_headers) out.set(k, v);
    for (const auto& [k, v] : resp.headers) out.set(k, v);
    out.keep_alive(keep_alive);
    out.body() = std::move(resp.body);
    out.prepare_payload();
    return out;
  }

  HttpResponse dispatch(http::request<http::string_body>& breq, const tcp::endpoint& remote,
                        int fd) {
    HttpRequest req;
    req.method = std::string(breq.method_string());
    req.target = std::string(breq.target());
    std::string_view target(breq.target().data(), breq.target().size());
    size_t q = target.find('?');
    req.path = percentDecode(target.substr(0, q));
    if (q != std::string_view::npos) req.query = parseQuery(target.substr(q + 1));
    for (const auto& h : breq) req.headers.emplace_back(h.name_string(), h.value());
    req.body = std::move(breq.body());
    req.remote_ip = remote.address().to_string();
    auto addr = remote.address();
    req.remote_is_loopback = addr.is_loopback() || (addr.is_v6() && addr.to_v6().is_v4_mapped() &&
                                                    addr.to_v6().to_v4().is_loopback());
    req.client_gone = [fd, last = std::chrono::steady_clock::time_point(), gone = false]() mutable {
      auto now = std::chrono::steady_clock::now();
      if (!gone && now - last >= std::chrono::milliseconds(20)) {
        last = now;
        gone = peerGone(fd);
      }
      return gone;
    };
    const Handler* handler = router.match(req);
    if (handler == nullptr) return options.error_response(404, "no route for " + req.path);
    return (*handler)(req);
  }

  // Whether the peer of fd has closed or reset the connection (without blocking).
  static bool peerGone(int fd) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    int n = ::poll(&p, 1, 0);
    if (n < 0) return errno != EINTR;
    if (n == 0) return false;
    if ((p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) != 0) return true;
    char c = 0;
    ssize_t r = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) return true;
    return r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }

  // Sends all of data on fd, waiting for room at most options.timeout; false when the peer is
  // gone, the time is up or the server is stopping.
  bool sendAll(int fd, std::string_view data) {
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (!data.empty()) {
      if (stopping.load()) return false;
      ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      return false;
    }
    return true;
  }

  // The thread of one streaming response: the headers are sent; runs the stream, framing each
  // write as one chunk, then ends the body and closes the connection.
  void runStream(std::unique_ptr<tcp::socket> sock,
                 std::function<bool(const HttpResponse::StreamWrite&)> fn) {
    const int fd = sock->native_handle();
    bool broken = false;
    HttpResponse::StreamWrite write = [&](std::string_view chunk) -> bool {
      if (broken || stopping.load()) return false;
      if (chunk.empty()) {
        broken = peerGone(fd);
        return !broken;
      }
      char size[24];
      int len = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      std::string frame;
      frame.reserve(chunk.size() + static_cast<std::size_t>(len) + 2);
      frame.append(size, static_cast<std::size_t>(len));
      frame.append(chunk);
      frame.append("\r\n");
      if (!sendAll(fd, frame)) broken = true;
      return !broken;
    };
    fn(write);
    if (!broken) sendAll(fd, "0\r\n\r\n");
    beast::error_code ec;
    sock->shutdown(tcp::socket::shutdown_both, ec);
    sock->close(ec);
    // Both go before the count drops: stop() may destroy the io_context (whose strand the
    // socket holds) as soon as it reaches zero, and the stream's captures belong to the caller.
    sock.reset();
    fn = nullptr;
    std::lock_guard<std::mutex> lock(streams_mu);
    --streams_running;
    streams_cv.notify_all();
  }

  bool streamSlotFree() {
    std::lock_guard<std::mutex> lock(streams_mu);
    return streams_running < std::max(0, options.max_streams);
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    // Beast sizes each socket read by the buffer's free capacity (at least 512 bytes): without
    // room, a 1 MB body arrives in ~2000 reads, each a trip through the executor.
    buffer.reserve(kReadBufferBytes);
    beast::error_code ec;
    tcp::endpoint remote = stream.socket().remote_endpoint(ec);
    // The read deadline is a timer that cancels the read (Beast's own stream timeout would close
    // the socket, leaving no way to answer 408). Session, timer and socket share one strand.
    asio::steady_timer deadline(co_await asio::this_coro::executor);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      stream.expires_never();
      bool timed_out = false;
      deadline.expires_after(options.timeout);
      deadline.async_wait([&stream, &timed_out](beast::error_code wait_ec) {
        if (wait_ec) return;  // cancelled: the read finished first
        timed_out = true;
        beast::error_code ignored;
        stream.socket().cancel(ignored);
      });
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      deadline.cancel();
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::connection_reset) {
        break;
      }
      std::optional<HttpResponse> failure;
      if (timed_out) {
        if (!parser.got_some()) break;  // idle keep-alive connection
        failure = options.error_response(
            408, "timeout(" + std::to_string(options.timeout.count() / 1000) + "s)");
      } else if (ec == http::error::body_limit) {
        failure = options.error_response(
            413, "request body over " + std::to_string(options.max_body_bytes) + " bytes");
      } else if (ec) {
        failure = options.error_response(400, "bad HTTP request: " + ec.message());
      }
      if (failure) {
        auto out = toBeast(std::move(*failure), 11, false);
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      auto& breq = parser.get();
      bool keep_alive = breq.keep_alive();
      unsigned version = breq.version();
      HttpResponse resp = dispatch(breq, remote, stream.socket().native_handle());
      if (resp.stream && !streamSlotFree()) {
        resp = options.error_response(503, "too many streaming responses; try again later");
      }
      if (resp.stream) {
        http::response<http::empty_body> head{static_cast<http::status>(resp.status), version};
        if (!resp.content_type.empty()) head.set(http::field::content_type, resp.content_type);
        for (const auto& [k, v] : options.extra_headers) head.set(k, v);
        for (const auto& [k, v] : resp.headers) head.set(k, v);
        head.keep_alive(false);
        head.chunked(true);
        http::response_serializer<http::empty_body> sr(head);
        stream.expires_after(options.timeout);
        co_await http::async_write_header(stream, sr,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        stream.expires_never();
        {
          // Counted here, once the thread is certain to start (a slot reserved before the
          // header write would leak if stop() abandoned this coroutine).
          std::lock_guard<std::mutex> lock(streams_mu);
          ++streams_running;
        }
        std::thread(&Impl::runStream, this, std::make_unique<tcp::socket>(stream.release_socket()),
                    std::move(resp.stream))
            .detach();
        co_return;
      }
      auto out = toBeast(std::move(resp), version, keep_alive);
      stream.expires_after(options.timeout);
      co_await http::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> acceptLoop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(
          asio::make_strand(io), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving existing connections
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  std::string host;
  uint16_t port = 0;
  SEXTANT_RETURN_IF_ERROR(splitHostPort(impl_->options.listen, &host, &port));
  impl_->stopping = false;
  beast::error_code ec;
  asio::ip::address addr = host.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                        : asio::ip::make_address(host, ec);
  if (ec) return invalidArgument("bad listen host '" + host + "': " + ec.message());
  tcp::endpoint ep(addr, port);
  auto& acc = impl_->acceptor.emplace(impl_->io);
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    impl_->acceptor.reset();
    return unavailable("cannot listen on " + impl_->options.listen + ": " + ec.message());
  }
  impl_->bound = acc.local_endpoint();
  asio::co_spawn(impl_->io, impl_->acceptLoop(), asio::detached);
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return Status::ok();
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  if (!impl_->threads.empty()) stopIo();
  // Streams see `stopping` at their next write and end; their threads use impl_.
  std::unique_lock<std::mutex> lock(impl_->streams_mu);
  impl_->streams_cv.wait(lock, [this] { return impl_->streams_running == 0; });
}

void HttpServer::stopIo() {
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
  });
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

std::string HttpServer::boundAddress() const {
  const auto& ep = impl_->bound;
  if (ep.address().is_v6())
    return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

uint16_t HttpServer::port() const { return impl_->bound.port(); }

}  // namespace sextant::net

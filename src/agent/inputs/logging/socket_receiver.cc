#include "agent/inputs/logging/socket_receiver.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <thread>
#include <utility>

#include "net/http_server.h"

namespace sextant::agent::inputs::logging {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

Result<SocketAddress> parseSocketUrl(std::string_view url) {
  SocketAddress a;
  a.url = std::string(url);
  std::string_view rest;
  if (url.starts_with("tcp://")) {
    a.protocol = SocketAddress::Protocol::kTcp;
    rest = url.substr(6);
  } else if (url.starts_with("udp://")) {
    a.protocol = SocketAddress::Protocol::kUdp;
    rest = url.substr(6);
  } else {
    return invalidArgument("'" + a.url + "': the scheme must be tcp:// or udp://");
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return invalidArgument("'" + a.url + "': expected tcp://host:port or udp://host:port");
  }
  Status st = net::splitHostPort(rest, &a.host, &a.port);
  if (!st.isOk()) return invalidArgument("'" + a.url + "': " + st.message());
  return a;
}

namespace {

std::string schemeOf(const SocketAddress& a) {
  return a.protocol == SocketAddress::Protocol::kTcp ? "tcp://" : "udp://";
}

std::string endpointText(const asio::ip::address& addr, uint16_t port) {
  if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(port);
  return addr.to_string() + ":" + std::to_string(port);
}

// The address to bind: every interface for "", else the first address the name resolves to.
Result<asio::ip::address> resolveHost(const std::string& host) {
  if (host.empty()) return asio::ip::address(asio::ip::address_v6::any());
  ErrorCode ec;
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (!ec) return addr;
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    return invalidArgument("cannot resolve '" + host +
                           "': " + (ec ? ec.message() : std::string("no address")));
  }
  return results.begin()->endpoint().address();
}

}  // namespace

// One TCP connection, one UDP socket: a decoder and when data last came.
struct Source {
  std::string listener;  // bound URL of the listener or UDP socket
  std::unique_ptr<LineDecoder> decoder;
  Clock::time_point last_data = Clock::now();
};

struct Conn : Source {
  explicit Conn(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  uint64_t id = 0;
  std::vector<char> buf;
};

struct Listener {
  explicit Listener(asio::io_context& io) : acceptor(io), retry(io) {}
  tcp::acceptor acceptor;
  asio::steady_timer retry;  // after an accept error (EMFILE), wait before accepting again
  std::string url;
};

struct UdpSocket : Source {
  explicit UdpSocket(asio::io_context& io) : socket(io) {}
  udp::socket socket;
  udp::endpoint from;
  std::vector<char> buf = std::vector<char>(65536 + 1);  // any UDP payload and a '\n'
};

struct SocketReceiver::Impl {
  SocketReceiverOptions opt;
  SocketEntrySink sink;
  SocketStats* stats;
  asio::io_context io;
  asio::steady_timer flush_timer{io};
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::unique_ptr<UdpSocket>> udps;
  std::vector<std::string> bound;  // in configuration order
  std::map<uint64_t, std::shared_ptr<Conn>> conns;
  uint64_t next_id = 1;
  std::vector<Entry> entries;  // scratch
  std::thread thread;
  bool started = false;

  Status bind(const SocketAddress& a) {
    Result<asio::ip::address> addr = resolveHost(a.host);
    if (!addr.isOk()) return invalidArgument("'" + a.url + "': " + addr.status().message());
    ErrorCode ec;
    if (a.protocol == SocketAddress::Protocol::kTcp) {
      auto l = std::make_unique<Listener>(io);
      tcp::endpoint ep(*addr, a.port);
      l->acceptor.open(ep.protocol(), ec);
      if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) l->acceptor.bind(ep, ec);
      if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return unavailable("cannot listen on '" + a.url + "': " + ec.message());
      tcp::endpoint local = l->acceptor.local_endpoint(ec);
      l->url = schemeOf(a) + endpointText(local.address(), local.port());
      bound.push_back(l->url);
      listeners.push_back(std::move(l));
    } else {
      auto u = std::make_unique<UdpSocket>(io);
      udp::endpoint ep(*addr, a.port);
      u->socket.open(ep.protocol(), ec);
      if (!ec) u->socket.bind(ep, ec);
      if (ec) return unavailable("cannot listen on '" + a.url + "': " + ec.message());
      udp::endpoint local = u->socket.local_endpoint(ec);
      u->listener = schemeOf(a) + endpointText(local.address(), local.port());
      Result<std::unique_ptr<LineDecoder>> dec = LineDecoder::create(opt.decoder, 0);
      if (!dec.isOk()) return dec.status();
      u->decoder = std::move(*dec);
      bound.push_back(u->listener);
      udps.push_back(std::move(u));
    }
    return Status::ok();
  }

  void error(const std::string& message) {
    stats->errors.fetch_add(1);
    if (opt.on_error) opt.on_error(message);
  }

  // Pushes bytes into a source's decoder and hands what it emitted to the sink.
  void push(Source& s, std::string_view bytes) {
    LineDecoder::Stats before = s.decoder->stats();
    s.decoder->push(bytes, &entries);
    s.last_data = Clock::now();
    count(s, before);
    deliver(s);
  }

  void count(const Source& s, const LineDecoder::Stats& before) {
    LineDecoder::Stats after = s.decoder->stats();
    stats->lines.fetch_add(after.lines - before.lines);
    stats->cut_lines.fetch_add(after.cut_lines - before.cut_lines);
  }

  void deliver(const Source& s) {
    if (entries.empty()) return;
    stats->entries.fetch_add(entries.size());
    sink(s.listener, &entries);
    entries.clear();
  }

  // The partial last line and pending entry of a source that ends.
  void finish(Source& s) {
    LineDecoder::Stats before = s.decoder->stats();
    s.decoder->finish(&entries);
    count(s, before);
    deliver(s);
  }

  void accept(Listener& l) {
    l.acceptor.async_accept([this, &l](const ErrorCode& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        error(l.url + ": accept: " + ec.message());
        l.retry.expires_after(std::chrono::milliseconds(100));
        l.retry.async_wait([this, &l](const ErrorCode& e) {
          if (!e) accept(l);
        });
        return;
      }
      if (conns.size() >= opt.max_connections) {
        stats->connections_rejected.fetch_add(1);
        if (opt.on_error) {
          opt.on_error(l.url + ": connection refused: socket_max_connections (" +
                       std::to_string(opt.max_connections) + ") reached");
        }
        ErrorCode ignored;
        socket.close(ignored);
      } else {
        Result<std::unique_ptr<LineDecoder>> dec = LineDecoder::create(opt.decoder, 0);
        if (dec.isOk()) {
          auto c = std::make_shared<Conn>(std::move(socket));
          c->id = next_id++;
          c->listener = l.url;
          c->decoder = std::move(*dec);
          c->buf.resize(opt.read_bytes);
          conns[c->id] = c;
          stats->connections_accepted.fetch_add(1);
          stats->connections_open.store(conns.size());
          read(c);
        } else {
          error(l.url + ": " + dec.status().message());
        }
      }
      accept(l);
    });
  }

  void read(const std::shared_ptr<Conn>& c) {
    c->socket.async_read_some(asio::buffer(c->buf), [this, c](const ErrorCode& ec, size_t n) {
      if (ec == asio::error::operation_aborted) return;
      if (n > 0) {
        stats->bytes.fetch_add(n);
        push(*c, std::string_view(c->buf.data(), n));
      }
      if (ec) {
        if (ec != asio::error::eof && ec != asio::error::connection_reset) {
          error(c->listener + ": read: " + ec.message());
        }
        finish(*c);
        ErrorCode ignored;
        c->socket.close(ignored);
        conns.erase(c->id);
        stats->connections_open.store(conns.size());
        return;
      }
      read(c);
    });
  }

  void receive(UdpSocket& u) {
    // The last byte stays free for onDatagram's newline.
    u.socket.async_receive_from(asio::buffer(u.buf.data(), u.buf.size() - 1), u.from,
                                [this, &u](const ErrorCode& ec, size_t n) {
                                  if (ec == asio::error::operation_aborted) return;
                                  onDatagram(u, ec, n);
                                  receive(u);
                                });
  }

  void onDatagram(UdpSocket& u, const ErrorCode& ec, size_t n) {
    if (ec) {
      error(u.listener + ": receive: " + ec.message());
      return;
    }
    stats->datagrams.fetch_add(1);
    stats->bytes.fetch_add(n);
    if (n == 0) return;
    // A datagram's last line is complete even without its newline.
    if (u.buf[n - 1] != '\n') u.buf[n++] = '\n';
    push(u, std::string_view(u.buf.data(), n));
  }

  // Emits multi-line entries that waited multiline_timeout without new data.
  void armFlushTimer() {
    auto period = std::chrono::duration_cast<std::chrono::milliseconds>(opt.multiline_timeout) / 4;
    period = std::clamp(period, std::chrono::milliseconds(10), std::chrono::milliseconds(500));
    flush_timer.expires_after(period);
    flush_timer.async_wait([this](const ErrorCode& ec) {
      if (ec) return;
      const Clock::time_point now = Clock::now();
      auto flushIdle = [&](Source& s) {
        if (!s.decoder->hasPendingEntry() || now - s.last_data < opt.multiline_timeout) return;
        s.decoder->flushPending(&entries);
        deliver(s);
      };
      for (auto& [id, c] : conns) flushIdle(*c);
      for (auto& u : udps) flushIdle(*u);
      armFlushTimer();
    });
  }
};

SocketReceiver::SocketReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SocketReceiver::~SocketReceiver() { stop(); }

Result<std::unique_ptr<SocketReceiver>> SocketReceiver::create(SocketReceiverOptions options,
                                                               SocketEntrySink sink,
                                                               SocketStats* stats) {
  if (!sink || stats == nullptr) return invalidArgument("socket receiver: no sink");
  if (options.max_connections == 0 || options.read_bytes == 0) {
    return invalidArgument("socket receiver: max_connections and read_bytes must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  impl->sink = std::move(sink);
  impl->stats = stats;
  for (const SocketAddress& a : impl->opt.sockets) SEXTANT_RETURN_IF_ERROR(impl->bind(a));
  return std::unique_ptr<SocketReceiver>(new SocketReceiver(std::move(impl)));
}

Status SocketReceiver::start() {
  Impl& m = *impl_;
  if (m.started) return internalError("socket receiver: already started");
  m.started = true;
  for (auto& l : m.listeners) m.accept(*l);
  for (auto& u : m.udps) m.receive(*u);
  m.armFlushTimer();
  m.thread = std::thread([&m] { m.io.run(); });
  return Status::ok();
}

void SocketReceiver::stop() {
  if (!impl_) return;
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  m.io.stop();
  m.thread.join();
  // The thread is gone: what the open connections and UDP sockets still hold goes out now.
  for (auto& [id, c] : m.conns) m.finish(*c);
  for (auto& u : m.udps) m.finish(*u);
  ErrorCode ignored;
  for (auto& [id, c] : m.conns) c->socket.close(ignored);
  m.conns.clear();
  m.stats->connections_open.store(0);
  for (auto& l : m.listeners) l->acceptor.close(ignored);
  for (auto& u : m.udps) u->socket.close(ignored);
}

std::vector<std::string> SocketReceiver::boundUrls() const { return impl_->bound; }

}  // namespace sextant::agent::inputs::logging

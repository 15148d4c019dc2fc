// The real HttpClient: Boost.Beast over TCP, TLS with OpenSSL (boost::asio::ssl).
//
// Every connection owns a private io_context, used by one thread at a time (the caller of send()
// that holds the connection), so send() is plain synchronous code driving async operations: the
// exchange runs as a coroutine on the connection's io_context with run_until(deadline); when the
// deadline passes first the socket is closed, the coroutine drained and DeadlineExceeded
// returned (a DNS lookup cannot be abandoned: a deadline passing during getaddrinfo returns when
// the lookup does). Idle keep-alive connections wait in a pool keyed by scheme, host, port and
// (for https) the TLS options they were made with; a request on a pooled connection that dies
// before any response byte is sent once more on a fresh connection.
#include "net/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace sextant::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return {};
}

namespace {

struct ParsedUrl {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  std::string target;       // "/path?query"
  std::string host_header;  // "host[:port]" as sent in Host
};

Result<ParsedUrl> parseUrl(std::string_view url) {
  ParsedUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos)
    return invalidArgument("URL without scheme: " + std::string(url));
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "https") {
    out.tls = true;
  } else if (scheme != "http") {
    return invalidArgument("unsupported URL scheme '" + scheme + "'");
  }
  std::string_view rest = url.substr(sep + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view target =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (size_t hash = target.find('#'); hash != std::string_view::npos)
    target = target.substr(0, hash);
  if (authority.find('@') != std::string_view::npos)
    return invalidArgument("URL user info is not supported: " + std::string(url));
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return invalidArgument("bad IPv6 host in " + std::string(url));
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalidArgument("bad authority in " + std::string(url));
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return invalidArgument("URL without host: " + std::string(url));
  out.host = std::string(host);
  out.port = out.tls ? 443 : 80;
  if (!port.empty()) {
    unsigned value = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value == 0 || value > 65535)
      return invalidArgument("bad port in URL " + std::string(url));
    out.port = static_cast<uint16_t>(value);
  }
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  bool v6 = out.host.find(':') != std::string::npos;
  out.host_header = v6 ? "[" + out.host + "]" : out.host;
  if (out.port != (out.tls ? 443 : 80)) out.host_header += ":" + std::to_string(out.port);
  return out;
}

bool isIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One connection: its own io_context (declared first so it is destroyed last), the stream and
// the read buffer that may hold bytes past the last response.
using local_stream = beast::basic_stream<asio::local::stream_protocol>;

// One connection: its own io_context (declared first so it is destroyed last), one of the three
// streams (TCP, TLS over TCP, a Unix socket) and the read buffer that may hold bytes past the
// last response.
struct Conn {
  asio::io_context io{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<ssl::stream<beast::tcp_stream>> secure;
  std::optional<local_stream> local;
  std::shared_ptr<ssl::context> ctx;  // keeps the SSL_CTX alive for `secure`
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};

  int nativeHandle() {
    if (local) return local->socket().native_handle();
    return secure ? beast::get_lowest_layer(*secure).socket().native_handle()
                  : plain->socket().native_handle();
  }
  bool isOpen() {
    if (local) return local->socket().is_open();
    return secure ? beast::get_lowest_layer(*secure).socket().is_open() : plain->socket().is_open();
  }
  void close() {
    beast::error_code ec;
    if (local) {
      local->socket().close(ec);
    } else if (secure) {
      beast::get_lowest_layer(*secure).socket().close(ec);
    } else {
      plain->socket().close(ec);
    }
  }
  // True when an idle connection looks reusable: nothing to read and no EOF/error pending.
  bool looksAlive() {
    if (!isOpen() || buffer.size() != 0) return false;
    char byte;
    ssize_t n = ::recv(nativeHandle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

enum class Stage { kResolve, kConnect, kHandshake, kWrite, kRead };

struct Outcome {
  beast::error_code ec;
  Stage stage = Stage::kResolve;
  bool got_bytes = false;  // any response byte was received
  bool done = false;       // the coroutine finished
  bool keep_alive = false;
  std::optional<http::response<http::string_body>> response;
};

std::string stageName(Stage s) {
  switch (s) {
    case Stage::kResolve: return "resolve";
    case Stage::kConnect: return "connect";
    case Stage::kHandshake: return "TLS handshake";
    case Stage::kWrite: return "write";
    case Stage::kRead: return "read";
  }
  return "?";
}

bool isCertificateError(const beast::error_code& ec) {
  if (ec.category() != asio::error::get_ssl_category()) return false;
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: return true;
    default: return false;
  }
}

class BeastHttpClient final : public HttpClient {
 public:
  explicit BeastHttpClient(HttpClientOptions options) : options_(options) {}

  Result<ClientResponse> send(const ClientRequest& request) override {
    auto url = parseUrl(request.url);
    if (!url.isOk()) return url.status();
    const Clock::time_point deadline = Clock::now() + request.timeout;
    std::shared_ptr<ssl::context> ctx;
    if (url->tls && !request.unix_socket.empty()) {
      return invalidArgument("https over a Unix socket is not supported: " + request.url);
    }
    if (url->tls) {
      auto c = tlsContext(request.tls);
      if (!c.isOk()) return c.status();
      ctx = std::move(c).value();
    }
    const std::string key =
        request.unix_socket.empty() ? poolKey(*url, request.tls) : "unix:" + request.unix_socket;

    http::request<http::string_body> req{beast::http::string_to_verb(request.method), url->target,
                                         11};
    if (req.method() == http::verb::unknown) req.method_string(request.method);
    req.set(http::field::host, url->host_header);
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    if (!request.body.empty() || req.method() == http::verb::post ||
        req.method() == http::verb::put || req.method() == http::verb::patch) {
      req.prepare_payload();
    }
    const bool head = req.method() == http::verb::head;

    for (int attempt = 0;; ++attempt) {
      // The retry after a dead pooled connection always dials a fresh one.
      std::unique_ptr<Conn> conn = attempt == 0 ? takeIdle(key) : nullptr;
      const bool reused = conn != nullptr;
      if (!reused) {
        conn = std::make_unique<Conn>();
        if (!request.unix_socket.empty()) {
          conn->local.emplace(conn->io);
        } else if (ctx) {
          conn->ctx = ctx;
          conn->secure.emplace(conn->io, *ctx);
        } else {
          conn->plain.emplace(conn->io);
        }
      }
      Outcome out =
          exchange(*conn, *url, request.tls, request.unix_socket, req, head, reused, deadline);
      if (out.done && !out.ec && out.response) {
        auto& resp = *out.response;
        ClientResponse result;
        result.status = static_cast<int>(resp.result_int());
        for (const auto& f : resp) result.headers.emplace_back(f.name_string(), f.value());
        result.body = std::move(resp.body());
        if (out.keep_alive) {
          putIdle(key, std::move(conn));
        }
        return result;
      }
      conn->close();
      if (!out.done) {
        return Status(StatusCode::kDeadlineExceeded,
                      "timeout after " + std::to_string(request.timeout.count()) + "ms (" +
                          stageName(out.stage) + ") for " + request.url);
      }
      // A pooled connection the server had closed: try once more on a fresh one.
      if (reused && !out.got_bytes && attempt == 0 &&
          (out.stage == Stage::kWrite || out.stage == Stage::kRead) && Clock::now() < deadline) {
        continue;
      }
      return toStatus(out, request.url);
    }
  }

 private:
  static Status toStatus(const Outcome& out, const std::string& url) {
    std::string what = stageName(out.stage) + " " + url + ": " + out.ec.message();
    if (out.ec == http::error::body_limit)
      return Status(StatusCode::kOutOfRange, "response body over the limit: " + what);
    if (out.ec == beast::error::timeout) return Status(StatusCode::kDeadlineExceeded, what);
    if (isCertificateError(out.ec)) return Status(StatusCode::kPermissionDenied, what);
    if (out.stage == Stage::kResolve && out.ec == asio::error::host_not_found)
      return unavailable("cannot resolve host: " + what);
    return unavailable(what);
  }

  Outcome exchange(Conn& conn, const ParsedUrl& url, const TlsOptions& tls,
                   const std::string& unix_socket, http::request<http::string_body>& req, bool head,
                   bool reused, Clock::time_point deadline) {
    Outcome out;
    out.stage = reused ? Stage::kWrite : Stage::kResolve;
    tcp::resolver resolver(conn.io);
    asio::co_spawn(conn.io, run(conn, url, tls, unix_socket, req, head, reused, resolver, out),
                   [&out](std::exception_ptr) { out.done = true; });
    conn.io.restart();
    conn.io.run_until(deadline);
    if (!out.done) {
      // Deadline: abort whatever is pending and let the coroutine unwind.
      resolver.cancel();
      conn.close();
      conn.io.restart();
      conn.io.run();
      out.done = false;
    }
    return out;
  }

  asio::awaitable<void> run(Conn& conn, const ParsedUrl& url, const TlsOptions& tls,
                            const std::string& unix_socket, http::request<http::string_body>& req,
                            bool head, bool reused, tcp::resolver& resolver, Outcome& out) {
    beast::error_code& ec = out.ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    if (!reused && conn.local) {
      out.stage = Stage::kConnect;
      co_await conn.local->async_connect(asio::local::stream_protocol::endpoint(unix_socket),
                                         token);
      if (ec) co_return;
    } else if (!reused) {
      out.stage = Stage::kResolve;
      auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port), token);
      if (ec) co_return;
      out.stage = Stage::kConnect;
      auto& lowest = conn.secure ? beast::get_lowest_layer(*conn.secure) : *conn.plain;
      co_await lowest.async_connect(endpoints, token);
      if (ec) co_return;
      beast::error_code ignored;
      lowest.socket().set_option(tcp::no_delay(true), ignored);
      if (conn.secure) {
        out.stage = Stage::kHandshake;
        const std::string& name = tls.server_name.empty() ? url.host : tls.server_name;
        SSL* ssl_handle = conn.secure->native_handle();
        if (!isIpAddress(name)) {
          // SSL_set_tlsext_host_name() without its C cast.
          SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(name.c_str()));
        }
        if (!tls.insecure_skip_verify) {
          conn.secure->set_verify_mode(ssl::verify_peer, ec);
          if (!ec) conn.secure->set_verify_callback(ssl::host_name_verification(name), ec);
        } else {
          conn.secure->set_verify_mode(ssl::verify_none, ec);
        }
        if (ec) co_return;
        co_await conn.secure->async_handshake(ssl::stream_base::client, token);
        if (ec) co_return;
      }
    }
    out.stage = Stage::kWrite;
    if (conn.local) {
      co_await http::async_write(*conn.local, req, token);
    } else if (conn.secure) {
      co_await http::async_write(*conn.secure, req, token);
    } else {
      co_await http::async_write(*conn.plain, req, token);
    }
    if (ec) co_return;
    out.stage = Stage::kRead;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.skip(head);
    // Read the header first to know whether any byte came back, then the rest.
    if (conn.local) {
      co_await http::async_read_header(*conn.local, conn.buffer, parser, token);
    } else if (conn.secure) {
      co_await http::async_read_header(*conn.secure, conn.buffer, parser, token);
    } else {
      co_await http::async_read_header(*conn.plain, conn.buffer, parser, token);
    }
    out.got_bytes = parser.got_some() || conn.buffer.size() > 0;
    if (ec) co_return;
    // 1xx interim answers (100 Continue) are not expected: we never send Expect.
    if (conn.local) {
      co_await http::async_read(*conn.local, conn.buffer, parser, token);
    } else if (conn.secure) {
      co_await http::async_read(*conn.secure, conn.buffer, parser, token);
    } else {
      co_await http::async_read(*conn.plain, conn.buffer, parser, token);
    }
    if (ec) co_return;
    out.keep_alive = parser.keep_alive() && !parser.need_eof();
    out.response.emplace(parser.release());
  }

  static std::string poolKey(const ParsedUrl& url, const TlsOptions& tls) {
    std::string key =
        (url.tls ? "https://" : "http://") + url.host + ":" + std::to_string(url.port);
    if (url.tls) key += "|" + contextKey(tls) + "|" + tls.server_name;
    return key;
  }

  // What makes two TlsOptions need different SSL contexts (PEM text by its hash).
  static std::string contextKey(const TlsOptions& tls) {
    std::string key;
    for (const std::string& f : tls.ca_files) key += f + ",";
    auto text = [](const std::string& pem) {
      return pem.empty() ? std::string() : "#" + std::to_string(std::hash<std::string>{}(pem));
    };
    key += "|" + text(tls.ca_pem) + "|" + tls.cert_file + "|" + tls.key_file + "|" +
           text(tls.cert_pem) + "|" + text(tls.key_pem) + "|" +
           (tls.insecure_skip_verify ? "1" : "0");
    return key;
  }

  Result<std::shared_ptr<ssl::context>> tlsContext(const TlsOptions& tls) {
    std::string key = contextKey(tls);
    std::lock_guard lock(mu_);
    if (auto it = contexts_.find(key); it != contexts_.end()) return it->second;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    beast::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
    if (!tls.insecure_skip_verify) {
      if (tls.ca_files.empty() && tls.ca_pem.empty()) {
        ctx->set_default_verify_paths(ec);
        if (ec) return invalidArgument("TLS system CA paths: " + ec.message());
      }
      for (const std::string& file : tls.ca_files) {
        ctx->load_verify_file(file, ec);
        if (ec) return invalidArgument("TLS CA file '" + file + "': " + ec.message());
      }
      if (!tls.ca_pem.empty()) {
        ctx->add_certificate_authority(asio::buffer(tls.ca_pem), ec);
        if (ec) return invalidArgument("TLS CA certificate (inline PEM): " + ec.message());
      }
    }
    if (!tls.cert_pem.empty()) {
      ctx->use_certificate_chain(asio::buffer(tls.cert_pem), ec);
      if (ec) return invalidArgument("TLS client certificate (inline PEM): " + ec.message());
      const std::string& key_pem = tls.key_pem.empty() ? tls.cert_pem : tls.key_pem;
      ctx->use_private_key(asio::buffer(key_pem), ssl::context::pem, ec);
      if (ec) return invalidArgument("TLS client key (inline PEM): " + ec.message());
    } else if (!tls.cert_file.empty()) {
      ctx->use_certificate_chain_file(tls.cert_file, ec);
      if (ec)
        return invalidArgument("TLS client certificate '" + tls.cert_file + "': " + ec.message());
      ctx->use_private_key_file(tls.key_file.empty() ? tls.cert_file : tls.key_file,
                                ssl::context::pem, ec);
      if (ec) return invalidArgument("TLS client key '" + tls.key_file + "': " + ec.message());
    }
    contexts_.emplace(key, ctx);
    return ctx;
  }

  std::unique_ptr<Conn> takeIdle(const std::string& key) {
    std::unique_ptr<Conn> found;
    std::vector<std::unique_ptr<Conn>> stale;
    {
      std::lock_guard lock(mu_);
      pruneLocked(&stale);
      auto it = idle_.find(key);
      while (it != idle_.end() && !it->second.empty()) {
        std::unique_ptr<Conn> c = std::move(it->second.back());  // most recently used first
        it->second.pop_back();
        if (c->looksAlive()) {
          found = std::move(c);
          break;
        }
        stale.push_back(std::move(c));
      }
    }
    return found;  // `stale` connections are closed outside the lock
  }

  void putIdle(const std::string& key, std::unique_ptr<Conn> conn) {
    std::vector<std::unique_ptr<Conn>> stale;
    conn->idle_since = Clock::now();
    std::lock_guard lock(mu_);
    pruneLocked(&stale);
    auto& list = idle_[key];
    if (static_cast<int>(list.size()) < options_.max_idle_per_host) {
      list.push_back(std::move(conn));
    } else {
      stale.push_back(std::move(conn));
    }
  }

  void pruneLocked(std::vector<std::unique_ptr<Conn>>* stale) {
    const auto limit = Clock::now() - options_.idle_timeout;
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      while (!list.empty() && list.front()->idle_since < limit) {  // oldest at the front
        stale->push_back(std::move(list.front()));
        list.pop_front();
      }
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  const HttpClientOptions options_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::unique_ptr<Conn>>> idle_;
  std::map<std::string, std::shared_ptr<ssl::context>> contexts_;
};

}  // namespace

std::unique_ptr<HttpClient> makeHttpClient(HttpClientOptions options) {
  return std::make_unique<BeastHttpClient>(options);
}

}  // namespace sextant::net

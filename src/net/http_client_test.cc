#include "net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/testing/temp_dir.h"
#include "net/http_server.h"

namespace sextant::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Part 1: against our own HttpServer.

class HttpClientServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.add("GET", "/hello", [](HttpRequest& req) {
      auto r = HttpResponse::text(200, "hi " + std::string(req.queryValue("name")));
      r.headers.emplace_back("X-Answer", "42");
      return r;
    });
    router.add("POST", "/echo", [](HttpRequest& req) {
      return HttpResponse::text(200, std::string(req.header("x-tag")) + "|" +
                                         std::string(req.header("host")) + "|" + req.body);
    });
    router.add("GET", "/big", [](HttpRequest& req) {
      size_t n = std::stoul(std::string(req.queryValue("n")));
      return HttpResponse::text(200, std::string(n, 'b'));
    });
    router.add("GET", "/status/:code", [](HttpRequest& req) {
      return HttpResponse::text(std::stoi(std::string(req.pathParam("code"))), "status body");
    });
    HttpServerOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.threads = 2;
    server_ = std::make_unique<HttpServer>(opts, std::move(router));
    ASSERT_TRUE(server_->start().isOk());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::unique_ptr<HttpClient> client_ = makeHttpClient();
};

TEST_F(HttpClientServerTest, GetWithQueryAndHeaders) {
  ClientRequest req;
  req.url = base_ + "/hello?name=sextant";
  auto r = client_->send(req);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hi sextant");
  EXPECT_EQ(r->header("x-answer"), "42");
  EXPECT_EQ(r->header("X-ANSWER"), "42");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->header("absent"), "");
}

TEST_F(HttpClientServerTest, PostSendsBodyHeadersAndHost) {
  ClientRequest req;
  req.method = "POST";
  req.url = base_ + "/echo";
  req.headers = {{"X-Tag", "t1"}};
  req.body = "payload";
  auto r = client_->send(req);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "t1|127.0.0.1:" + std::to_string(server_->port()) + "|payload");
}

TEST_F(HttpClientServerTest, ErrorStatusesAreResponses) {
  for (int code : {400, 404, 429, 500, 503}) {
    ClientRequest req;
    req.url = base_ + "/status/" + std::to_string(code);
    auto r = client_->send(req);
    ASSERT_TRUE(r.isOk()) << code << ": " << r.status().toString();
    EXPECT_EQ(r->status, code);
    EXPECT_EQ(r->body, "status body");
  }
  ClientRequest req;
  req.url = base_ + "/no/such/route";
  auto r = client_->send(req);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpClientServerTest, BigBodiesBothWays) {
  ClientRequest req;
  req.method = "POST";
  req.url = base_ + "/echo";
  req.body.assign(8u << 20, 'x');
  auto r = client_->send(req);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->body.size(), (8u << 20) + (base_.size() - 7) + 2);  // "|127.0.0.1:port|"
  EXPECT_EQ(r->body.substr(r->body.size() - 10), std::string(10, 'x'));

  ClientRequest get;
  get.url = base_ + "/big?n=" + std::to_string(5u << 20);
  auto g = client_->send(get);
  ASSERT_TRUE(g.isOk()) << g.status().toString();
  EXPECT_EQ(g->body, std::string(5u << 20, 'b'));
}

TEST_F(HttpClientServerTest, ResponseOverTheCapIsAnError) {
  auto small = makeHttpClient({.max_response_bytes = 1000});
  ClientRequest req;
  req.url = base_ + "/big?n=1000";
  auto ok = small->send(req);
  ASSERT_TRUE(ok.isOk()) << ok.status().toString();
  EXPECT_EQ(ok->body.size(), 1000u);
  req.url = base_ + "/big?n=1001";
  auto r = small->send(req);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  // The client stays usable.
  req.url = base_ + "/big?n=10";
  EXPECT_TRUE(small->send(req).isOk());
}

TEST_F(HttpClientServerTest, ManyThreadsShareTheClient) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        ClientRequest req;
        req.method = "POST";
        req.url = base_ + "/echo";
        req.body = std::to_string(t) + ":" + std::to_string(i);
        auto r = client_->send(req);
        if (r.isOk() && r->status == 200 && r->body.ends_with("|" + req.body)) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acc.local_endpoint().port();
  }  // closed: nothing listens there any more
  auto client = makeHttpClient();
  ClientRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto r = client->send(req);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
}

TEST(HttpClientTest, BadUrlsAreInvalidArgument) {
  auto client = makeHttpClient();
  for (const char* url : {"127.0.0.1:80/x", "ftp://host/", "http:///path", "http://h:99999/",
                          "http://h:abc/", "http://[::1/"}) {
    ClientRequest req;
    req.url = url;
    auto r = client->send(req);
    ASSERT_FALSE(r.isOk()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url;
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: a scripted server (plain or TLS) that counts connections and answers with raw bytes.

struct Script {
  // Raw response bytes for the n-th request (0-based) on a connection; nullopt closes the
  // connection without answering.
  std::function<std::optional<std::string>(const http::request<http::string_body>&, int n)> answer;
  std::chrono::milliseconds delay{0};  // before answering
  bool close_after_answer = false;     // close the connection after every answer
};

std::string okResponse(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

class ScriptedServer {
 public:
  ScriptedServer(Script script, std::shared_ptr<ssl::context> tls = nullptr)
      : script_(std::move(script)), tls_(std::move(tls)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, acceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ScriptedServer() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int handshakeFailures() const { return handshake_failures_.load(); }

 private:
  asio::awaitable<void> acceptLoop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket s =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++accepted_;
      if (tls_) {
        asio::co_spawn(io_, tlsSession(std::move(s)), asio::detached);
      } else {
        asio::co_spawn(io_, session(beast::tcp_stream(std::move(s))), asio::detached);
      }
    }
  }

  asio::awaitable<void> tlsSession(tcp::socket s) {
    ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(s)), *tls_);
    beast::error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++handshake_failures_;
      co_return;
    }
    co_await session(std::move(stream));
  }

  template <typename Stream>
  asio::awaitable<void> session(Stream stream) {
    beast::flat_buffer buffer;
    asio::steady_timer timer(io_);
    for (int n = 0;; ++n) {
      beast::error_code ec;
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (tls_ && ec != http::error::end_of_stream) ++handshake_failures_;
        co_return;
      }
      if (script_.delay.count() > 0) {
        timer.expires_after(script_.delay);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      std::optional<std::string> bytes = script_.answer(req, n);
      if (!bytes) co_return;  // closes without answering
      co_await asio::async_write(stream, asio::buffer(*bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !req.keep_alive() || script_.close_after_answer) co_return;
    }
  }

  Script script_;
  std::shared_ptr<ssl::context> tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> handshake_failures_{0};
  std::thread thread_;
};

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  ScriptedServer server({.answer = [](const auto& req, int n) {
    return okResponse(std::string(req.target()) + "#" + std::to_string(n));
  }});
  auto client = makeHttpClient();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  for (int i = 0; i < 5; ++i) {
    ClientRequest req;
    req.url = base + "/r" + std::to_string(i);
    auto r = client->send(req);
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    EXPECT_EQ(r->body, "/r" + std::to_string(i) + "#" + std::to_string(i));
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, IdleTimeoutAndZeroIdleDisablePooling) {
  ScriptedServer server({.answer = [](const auto&, int) { return okResponse("x"); }});
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto no_pool = makeHttpClient({.max_idle_per_host = 0});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(no_pool->send({.url = url}).isOk());
  EXPECT_EQ(server.accepted(), 3);
  auto expire_now = makeHttpClient({.idle_timeout = std::chrono::seconds(0)});
  ASSERT_TRUE(expire_now->send({.url = url}).isOk());
  std::this_thread::sleep_for(5ms);  // the idle connection is now older than 0 s
  ASSERT_TRUE(expire_now->send({.url = url}).isOk());
  EXPECT_EQ(server.accepted(), 5);
}

TEST(HttpClientTest, ConnectionCloseIsNotPooled) {
  ScriptedServer server(
      {.answer = [](const auto&, int) { return okResponse("bye", "Connection: close\r\n"); }});
  auto client = makeHttpClient();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  ASSERT_TRUE(client->send({.url = url}).isOk());
  ASSERT_TRUE(client->send({.url = url}).isOk());
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientTest, ChunkedResponse) {
  ScriptedServer server({.answer = [](const auto&, int) -> std::optional<std::string> {
    return std::string(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n"
        "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
  }});
  auto client = makeHttpClient();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  for (int i = 0; i < 2; ++i) {
    auto r = client->send({.url = url});
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    EXPECT_EQ(r->body, "hello world");
    EXPECT_EQ(r->header("x-kind"), "chunked");
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, BodyUntilEofResponse) {
  ScriptedServer server(
      {.answer = [](const auto&, int) -> std::optional<std::string> { return std::nullopt; }});
  // No Content-Length and no chunking: the body runs until the server closes.
  ScriptedServer eof_server({.answer = [](const auto&, int) -> std::optional<std::string> {
                               return std::string("HTTP/1.1 200 OK\r\n\r\nall of it");
                             },
                             .close_after_answer = true});
  auto client = makeHttpClient();
  auto r = client->send({.url = "http://127.0.0.1:" + std::to_string(eof_server.port()) + "/"});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->body, "all of it");
  // A fresh connection closed without an answer is an error (no retry: it was not pooled).
  auto closed = client->send({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  ASSERT_FALSE(closed.isOk());
  EXPECT_EQ(closed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, DeadPooledConnectionIsRetriedOnce) {
  // The second request on every connection is read and the connection closed unanswered, as a
  // server dropping an idle keep-alive connection just as the request arrives.
  ScriptedServer server({.answer = [](const auto&, int n) -> std::optional<std::string> {
    if (n == 1) return std::nullopt;
    return okResponse("ok");
  }});
  auto client = makeHttpClient();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto first = client->send({.method = "POST", .url = url, .body = "1"});
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  auto second = client->send({.method = "POST", .url = url, .body = "2"});
  ASSERT_TRUE(second.isOk()) << second.status().toString();
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientTest, TimeoutIsDeadlineExceeded) {
  ScriptedServer server(
      {.answer = [](const auto&, int) { return okResponse("late"); }, .delay = 10s});
  auto client = makeHttpClient();
  ClientRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/slow";
  req.timeout = 200ms;
  auto r = client->send(req);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().toString();
}

// ---------------------------------------------------------------------------------------------
// Part 3: TLS, with a throwaway CA, server and client certificates made by the openssl CLI.

class HttpClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new sextant::testing::TempDir();
    const std::string d = dir_->path();
    auto write = [&](const std::string& name, const std::string& text) {
      std::ofstream(d + "/" + name) << text;
    };
    write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    write("client.ext", "extendedKeyUsage=clientAuth\n");
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::string script = "set -e; cd '" + d + "'; exec >openssl.log 2>&1;" +
                         "for ca in ca other; do openssl req -x509" + key +
                         " -keyout $ca.key -out $ca.pem -days 2 -subj /CN=$ca-test-ca; done;" +
                         "for who in server client; do openssl req" + key +
                         " -keyout $who.key -out $who.csr -subj /CN=$who;" +
                         " openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key"
                         " -CAcreateserial -out $who.pem -days 2 -extfile $who.ext; done";
    ok_ = std::system(script.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(ok_) << "openssl failed; see " << dir_->path() << "/openssl.log";
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->use_certificate_chain_file(path("server.pem"));
    ctx->use_private_key_file(path("server.key"), ssl::context::pem);
    ctx->load_verify_file(path("ca.pem"));
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    server_ = std::make_unique<ScriptedServer>(
        Script{.answer = [](const auto& req,
                            int) { return okResponse("secure " + std::string(req.target())); }},
        ctx);
  }

  static std::string path(const std::string& name) { return dir_->path() + "/" + name; }
  std::string url(const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(server_->port()) + "/s";
  }
  TlsOptions mutualTls() const {
    return {.ca_files = {path("ca.pem")},
            .cert_file = path("client.pem"),
            .key_file = path("client.key")};
  }

  static inline sextant::testing::TempDir* dir_ = nullptr;
  static inline bool ok_ = false;
  std::unique_ptr<ScriptedServer> server_;
  std::unique_ptr<HttpClient> client_ = makeHttpClient();
};

TEST_F(HttpClientTlsTest, MutualTlsVerifiesAndKeepsAlive) {
  for (int i = 0; i < 3; ++i) {
    auto r = client_->send({.url = url(), .tls = mutualTls()});
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "secure /s");
  }
  EXPECT_EQ(server_->accepted(), 1);
}

TEST_F(HttpClientTlsTest, IpAddressAndServerNameOverride) {
  auto by_ip = client_->send({.url = url("127.0.0.1"), .tls = mutualTls()});
  ASSERT_TRUE(by_ip.isOk()) << by_ip.status().toString();
  TlsOptions named = mutualTls();
  named.server_name = "localhost";
  auto r = client_->send({.url = url("127.0.0.1"), .tls = named});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  named.server_name = "other.example.com";
  auto wrong = client_->send({.url = url("127.0.0.1"), .tls = named});
  ASSERT_FALSE(wrong.isOk());
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied) << wrong.status().toString();
}

TEST_F(HttpClientTlsTest, WrongCaIsRejected) {
  TlsOptions tls = mutualTls();
  tls.ca_files = {path("other.pem")};
  auto r = client_->send({.url = url(), .tls = tls});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().toString();
  // The system store does not know our CA either.
  tls.ca_files.clear();
  auto sys = client_->send({.url = url(), .tls = tls});
  ASSERT_FALSE(sys.isOk());
  EXPECT_EQ(sys.status().code(), StatusCode::kPermissionDenied) << sys.status().toString();
}

TEST_F(HttpClientTlsTest, InsecureSkipVerifyAcceptsAnyServer) {
  TlsOptions tls = mutualTls();
  tls.ca_files = {path("other.pem")};
  tls.insecure_skip_verify = true;
  tls.server_name = "not-the-name.example";
  auto r = client_->send({.url = url(), .tls = tls});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->body, "secure /s");
}

TEST_F(HttpClientTlsTest, MissingClientCertificateIsRejected) {
  TlsOptions tls{.ca_files = {path("ca.pem")}};
  auto r = client_->send({.url = url(), .tls = tls});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().toString();
}

TEST_F(HttpClientTlsTest, MissingFilesAreInvalidArgument) {
  TlsOptions tls{.ca_files = {path("nope.pem")}};
  auto r = client_->send({.url = url(), .tls = tls});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().toString();
  TlsOptions bad_pem{.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n"};
  auto r2 = client_->send({.url = url(), .tls = bad_pem});
  ASSERT_FALSE(r2.isOk());
  EXPECT_EQ(r2.status().code(), StatusCode::kInvalidArgument) << r2.status().toString();
}

std::string readAll(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Several CA files: the server's CA anywhere in the list verifies it (DataKit's ca_certs list).
TEST_F(HttpClientTlsTest, AnyOfSeveralCaFilesVerifies) {
  TlsOptions tls = mutualTls();
  tls.ca_files = {path("other.pem"), path("ca.pem")};
  auto r = client_->send({.url = url(), .tls = tls});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->body, "secure /s");
}

// Inline PEM text (DataKit's *_base64 options, decoded) for the CA and the client pair.
TEST_F(HttpClientTlsTest, InlinePemCaAndClientCertificate) {
  TlsOptions tls{.ca_pem = readAll(path("ca.pem")),
                 .cert_pem = readAll(path("client.pem")),
                 .key_pem = readAll(path("client.key"))};
  auto r = client_->send({.url = url(), .tls = tls});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->body, "secure /s");
  // The inline CA is the one trusted: another CA's text fails verification.
  tls.ca_pem = readAll(path("other.pem"));
  auto wrong = client_->send({.url = url(), .tls = tls});
  ASSERT_FALSE(wrong.isOk());
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied) << wrong.status().toString();
}

// Part 4: a Unix domain socket (prom's uds_path): one-connection HTTP server on a socket file.
TEST(HttpClientUnixSocketTest, RequestsGoOverTheSocket) {
  sextant::testing::TempDir dir;
  const std::string sock = dir.path() + "/exporter.sock";
  asio::io_context io;
  asio::local::stream_protocol::acceptor acceptor(io, asio::local::stream_protocol::endpoint(sock));
  std::string seen_target, seen_host;
  std::thread server([&] {
    int served = 0;  // two requests, on one kept-alive connection or on two
    while (served < 2) {
      asio::local::stream_protocol::socket s(io);
      acceptor.accept(s);
      beast::flat_buffer buf;
      while (served < 2) {
        http::request<http::string_body> req;
        beast::error_code ec;
        http::read(s, buf, req, ec);
        if (ec) break;
        seen_target = std::string(req.target());
        seen_host = std::string(req[http::field::host]);
        http::response<http::string_body> resp{http::status::ok, 11};
        resp.body() = "metric_a 1\n";
        resp.prepare_payload();
        http::write(s, resp, ec);
        ++served;
        if (ec) break;
      }
    }
  });
  auto client = makeHttpClient();
  for (int i = 0; i < 2; ++i) {
    auto r = client->send({.url = "http://exporter.local/metrics?x=1", .unix_socket = sock});
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "metric_a 1\n");
  }
  server.join();
  EXPECT_EQ(seen_target, "/metrics?x=1");
  EXPECT_EQ(seen_host, "exporter.local");
  // No socket there: Unavailable; https over a socket: InvalidArgument.
  auto gone = client->send({.url = "http://x/metrics", .unix_socket = dir.path() + "/none.sock"});
  ASSERT_FALSE(gone.isOk());
  EXPECT_EQ(gone.status().code(), StatusCode::kUnavailable) << gone.status().toString();
  auto tls = client->send({.url = "https://x/metrics", .unix_socket = sock});
  ASSERT_FALSE(tls.isOk());
  EXPECT_EQ(tls.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTlsTest, PlainHttpToTlsPortFails) {
  auto r = client_->send(
      {.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/", .timeout = 2s});
  EXPECT_FALSE(r.isOk());
}

}  // namespace
}  // namespace sextant::net

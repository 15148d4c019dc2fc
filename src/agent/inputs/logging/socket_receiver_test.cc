// The `sockets` of the logging input, over real sockets on 127.0.0.1 (port 0), through
// LoggingInput and a recording feeder; parseSocketUrl and the config errors.
#include "agent/inputs/logging/socket_receiver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/logging/logging_input.h"
#include "agent/inputs/logging/logging_testing.h"
#include "config/config_table.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::logging {
namespace {

using testing::RecordingFeeder;
using testing::waitFor;
using Strings = std::vector<std::string>;
using sextant::testing::TempDir;

uint16_t portOf(const std::string& url) {
  return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

// A connected TCP client of 127.0.0.1:port (closed by the destructor unless closed before).
class TcpClient {
 public:
  explicit TcpClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~TcpClient() { close(); }
  bool connected() const { return connected_; }
  void send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  // True when the server closed the connection (recv returns 0 or an error) within 5 s.
  bool closedByPeer() {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    return ::recv(fd_, &c, 1, 0) <= 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

void sendUdp(uint16_t port, const std::string& datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(fd);
}

LoggingConfig socketConfig(const std::string& dir, Strings urls) {
  LoggingConfig c;
  c.source = "app";
  c.decoder.auto_multiline = false;
  c.multiline_timeout = std::chrono::milliseconds(200);
  c.checkpoint_path = dir + "/logging.checkpoint";
  for (const std::string& u : urls) {
    auto a = parseSocketUrl(u);
    EXPECT_TRUE(a.isOk()) << a.status().message();
    c.sockets.push_back(*a);
  }
  return c;
}

std::unique_ptr<LoggingInput> startInput(LoggingConfig c, RecordingFeeder* feeder) {
  InputEnv env;
  env.feeder = feeder;
  auto in = LoggingInput::create(std::move(c), env);
  EXPECT_TRUE(in.isOk()) << in.status().message();
  if (!in.isOk()) return nullptr;
  EXPECT_TRUE((*in)->start().isOk());
  return std::move(*in);
}

std::string fieldString(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  return f != nullptr ? std::get<std::string>(f->value) : "<none>";
}

std::string tagValue(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t != nullptr ? t->value : "<none>";
}

TEST(SocketUrl, Parses) {
  auto t = parseSocketUrl("tcp://0.0.0.0:9540");
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(t->protocol, SocketAddress::Protocol::kTcp);
  EXPECT_EQ(t->host, "0.0.0.0");
  EXPECT_EQ(t->port, 9540);
  auto u = parseSocketUrl("udp://[::1]:9541");
  ASSERT_TRUE(u.isOk());
  EXPECT_EQ(u->protocol, SocketAddress::Protocol::kUdp);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9541);
  auto any = parseSocketUrl("tcp://:9540");
  ASSERT_TRUE(any.isOk());
  EXPECT_EQ(any->host, "");
  EXPECT_FALSE(parseSocketUrl("http://127.0.0.1:9540").isOk());
  EXPECT_FALSE(parseSocketUrl("tcp://127.0.0.1").isOk());
  EXPECT_FALSE(parseSocketUrl("tcp://127.0.0.1:65536").isOk());
  EXPECT_FALSE(parseSocketUrl("tcp://127.0.0.1:9540/x").isOk());
  EXPECT_FALSE(parseSocketUrl("tcp://").isOk());
  EXPECT_FALSE(parseSocketUrl("9540").isOk());
}

TEST(SocketInput, TcpLinesAcrossPacketsMakePoints) {
  TempDir dir;
  RecordingFeeder feeder;
  LoggingConfig c = socketConfig(dir.path(), {"tcp://127.0.0.1:0"});
  c.service = "svc";
  c.tags = {{"env", "prod"}};
  auto in = startInput(std::move(c), &feeder);
  ASSERT_TRUE(in);
  const std::string url = in->socketUrls().at(0);
  EXPECT_TRUE(url.starts_with("tcp://127.0.0.1:")) << url;
  EXPECT_NE(portOf(url), 0);
  TcpClient client(portOf(url));
  ASSERT_TRUE(client.connected());
  // One line split over three packets, one packet with a line and a half.
  for (const std::string part : {"hel", "lo wor", "ld\nsecond ", "line\n"}) {
    client.send(part);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  EXPECT_EQ(feeder.messages(), (Strings{"hello world", "second line"}));
  const model::Point p = feeder.points()[0];
  EXPECT_EQ(p.category, model::Category::kLogging);
  EXPECT_EQ(p.measurement, "app");
  EXPECT_EQ(p.tags, (std::vector<model::Tag>{
                        {"env", "prod"}, {"log_source", "socket"}, {"service", "svc"}}));
  EXPECT_EQ(fieldString(p, "status"), "info");
  EXPECT_EQ(fieldString(p, "socket"), url);
  EXPECT_EQ(p.findField("filepath"), nullptr);
  EXPECT_EQ(p.fields.size(), 3u);  // message, status, socket
  EXPECT_LE(feeder.points()[0].time_ns, feeder.points()[1].time_ns);
  EXPECT_EQ(feeder.lastOptions().input, "logging");
  client.close();
  in->stop();
  EXPECT_EQ(in->stats().sockets.bytes.load(), 24u);
  EXPECT_EQ(in->stats().sockets.lines.load(), 2u);
  EXPECT_EQ(in->stats().sockets.entries.load(), 2u);
  EXPECT_EQ(in->stats().sockets.connections_accepted.load(), 1u);
  EXPECT_EQ(in->stats().sockets.errors.load(), 0u);
  // The same counters as the agent's /metrics reads them (sextant_input_events_total).
  std::map<std::string, uint64_t> counters;
  for (const InputCounter& counter : in->counters()) counters[counter.event] = counter.value;
  EXPECT_EQ(counters["socket_bytes"], 24u);
  EXPECT_EQ(counters["socket_lines"], 2u);
  EXPECT_EQ(counters["socket_connections_accepted"], 1u);
  EXPECT_EQ(counters.count("files_opened"), 1u);
}

TEST(SocketInput, PartialLastLineIsAnEntryAtClose) {
  TempDir dir;
  RecordingFeeder feeder;
  auto in = startInput(socketConfig(dir.path(), {"tcp://127.0.0.1:0"}), &feeder);
  ASSERT_TRUE(in);
  {
    TcpClient client(portOf(in->socketUrls()[0]));
    client.send("a\r\nb\nno newline");
  }
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 3; }));
  EXPECT_EQ(feeder.messages(), (Strings{"a", "b", "no newline"}));
  ASSERT_TRUE(waitFor([&] { return in->stats().sockets.connections_open.load() == 0; }));
  in->stop();
}

TEST(SocketInput, PartialLineOfAnOpenConnectionIsFedAtStop) {
  TempDir dir;
  RecordingFeeder feeder;
  auto in = startInput(socketConfig(dir.path(), {"tcp://127.0.0.1:0"}), &feeder);
  ASSERT_TRUE(in);
  TcpClient client(portOf(in->socketUrls()[0]));
  client.send("whole\nhalf");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 1; }));
  ASSERT_TRUE(waitFor([&] { return in->stats().sockets.bytes.load() == 10; }));
  in->stop();
  EXPECT_EQ(feeder.messages(), (Strings{"whole", "half"}));
}

TEST(SocketInput, SeveralConnections) {
  TempDir dir;
  RecordingFeeder feeder;
  auto in = startInput(socketConfig(dir.path(), {"tcp://127.0.0.1:0"}), &feeder);
  ASSERT_TRUE(in);
  const uint16_t port = portOf(in->socketUrls()[0]);
  std::vector<std::unique_ptr<TcpClient>> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(std::make_unique<TcpClient>(port));
  // Interleaved halves: each connection has its own partial line.
  for (int i = 0; i < 4; ++i) clients[i]->send("c" + std::to_string(i) + "-");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int i = 0; i < 4; ++i) clients[i]->send("line\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 4; }));
  Strings got = feeder.messages();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (Strings{"c0-line", "c1-line", "c2-line", "c3-line"}));
  EXPECT_EQ(in->stats().sockets.connections_open.load(), 4u);
  clients.clear();
  ASSERT_TRUE(waitFor([&] { return in->stats().sockets.connections_open.load() == 0; }));
  EXPECT_EQ(in->stats().sockets.connections_accepted.load(), 4u);
  in->stop();
}

TEST(SocketInput, ConnectionsOverTheLimitAreClosed) {
  TempDir dir;
  RecordingFeeder feeder;
  LoggingConfig c = socketConfig(dir.path(), {"tcp://127.0.0.1:0"});
  c.socket_max_connections = 1;
  auto in = startInput(std::move(c), &feeder);
  ASSERT_TRUE(in);
  const uint16_t port = portOf(in->socketUrls()[0]);
  TcpClient first(port);
  first.send("one\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 1; }));
  TcpClient second(port);
  EXPECT_TRUE(second.closedByPeer());
  EXPECT_EQ(in->stats().sockets.connections_rejected.load(), 1u);
  ASSERT_EQ(feeder.errors().size(), 1u);  // reported: datakit_error_total, /v1/lasterror
  EXPECT_NE(feeder.errors()[0].find("socket_max_connections (1) reached"), std::string::npos)
      << feeder.errors()[0];
  first.send("two\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  EXPECT_EQ(feeder.messages(), (Strings{"one", "two"}));
  in->stop();
}

TEST(SocketInput, UdpDatagramsWithSeveralLines) {
  TempDir dir;
  RecordingFeeder feeder;
  auto in = startInput(socketConfig(dir.path(), {"udp://127.0.0.1:0"}), &feeder);
  ASSERT_TRUE(in);
  const std::string url = in->socketUrls().at(0);
  EXPECT_TRUE(url.starts_with("udp://127.0.0.1:")) << url;
  sendUdp(portOf(url), "u1\nu2\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  sendUdp(portOf(url), "u3\nu4");  // the last line needs no newline
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 4; }));
  EXPECT_EQ(feeder.messages(), (Strings{"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(fieldString(feeder.points()[0], "socket"), url);
  EXPECT_EQ(tagValue(feeder.points()[0], "log_source"), "socket");
  EXPECT_EQ(in->stats().sockets.datagrams.load(), 2u);
  EXPECT_EQ(in->stats().sockets.bytes.load(), 11u);
  in->stop();
}

TEST(SocketInput, OversizedLinesAreCut) {
  TempDir dir;
  RecordingFeeder feeder;
  LoggingConfig c = socketConfig(dir.path(), {"tcp://127.0.0.1:0", "udp://127.0.0.1:0"});
  c.decoder.max_line_bytes = 16;  // the decoder's minimum
  auto in = startInput(std::move(c), &feeder);
  ASSERT_TRUE(in);
  {
    TcpClient client(portOf(in->socketUrls()[0]));
    client.send(std::string(40, 'a') + "\nshort\n");
  }
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 4; }));
  EXPECT_EQ(feeder.messages(),
            (Strings{std::string(16, 'a'), std::string(16, 'a'), std::string(8, 'a'), "short"}));
  sendUdp(portOf(in->socketUrls()[1]), std::string(20, 'b'));
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 6; }));
  Strings got = feeder.messages();
  EXPECT_EQ(Strings(got.begin() + 4, got.end()), (Strings{std::string(16, 'b'), "bbbb"}));
  EXPECT_EQ(in->stats().sockets.cut_lines.load(), 3u);  // two cuts over TCP, one over UDP
  in->stop();
}

TEST(SocketInput, MultilineOverTcp) {
  TempDir dir;
  RecordingFeeder feeder;
  LoggingConfig c = socketConfig(dir.path(), {"tcp://127.0.0.1:0"});
  c.decoder.multiline_match = R"(^\d{4}-)";
  auto in = startInput(std::move(c), &feeder);
  ASSERT_TRUE(in);
  TcpClient client(portOf(in->socketUrls()[0]));
  client.send("2024-01-01 boom\n  at a\n");
  client.send("  at b\n2024-01-02 next\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 1; }));
  EXPECT_EQ(feeder.messages(), (Strings{"2024-01-01 boom\n  at a\n  at b"}));
  // The pending entry goes out after multiline_timeout without data, the connection still open.
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  EXPECT_EQ(feeder.messages()[1], "2024-01-02 next");
  in->stop();
}

TEST(SocketInput, FailedFeedsAreRetriedWithoutLoss) {
  TempDir dir;
  RecordingFeeder feeder;
  feeder.failNext(3);
  auto in = startInput(socketConfig(dir.path(), {"tcp://127.0.0.1:0"}), &feeder);
  ASSERT_TRUE(in);
  TcpClient client(portOf(in->socketUrls()[0]));
  client.send("x\ny\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  EXPECT_EQ(feeder.messages(), (Strings{"x", "y"}));
  EXPECT_GE(in->stats().feed_errors.load(), 3u);
  in->stop();
}

// A feeder whose feed() waits until released: the point path is full.
class BlockingFeeder : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& points, const FeedOptions&) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    points_ += points.size();
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}
  void release() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  size_t points() {
    std::lock_guard lock(mu_);
    return points_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  size_t points_ = 0;
};

TEST(SocketInput, ABlockedPointPathStopsReadingAndSlowsTheSender) {
  TempDir dir;
  BlockingFeeder feeder;
  InputEnv env;
  env.feeder = &feeder;
  auto in = LoggingInput::create(socketConfig(dir.path(), {"tcp://127.0.0.1:0"}), env);
  ASSERT_TRUE(in.isOk()) << in.status().message();
  ASSERT_TRUE((*in)->start().isOk());
  const size_t kLines = 256 * 1024;  // 32 MiB of 128-byte lines: more than the kernel buffers
  const std::string line = std::string(127, 'x') + "\n";
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    TcpClient client(portOf((*in)->socketUrls()[0]));
    std::string chunk;
    for (int i = 0; i < 1024; ++i) chunk += line;
    for (size_t i = 0; i < kLines / 1024; ++i) client.send(chunk);
    sent.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // One read went to the blocked feed; the rest waits in the kernel, the sender is held back.
  EXPECT_FALSE(sent.load());
  EXPECT_LE((*in)->stats().sockets.bytes.load(), 1u << 20);
  feeder.release();
  sender.join();
  EXPECT_TRUE(waitFor([&] { return feeder.points() == kLines; }, std::chrono::seconds(60)))
      << feeder.points();
  (*in)->stop();
  EXPECT_EQ((*in)->stats().sockets.bytes.load(), kLines * 128);
}

TEST(SocketInput, FiltersGoToTheFeedOptions) {
  TempDir dir;
  RecordingFeeder feeder;
  LoggingConfig c = socketConfig(dir.path(), {"udp://127.0.0.1:0"});
  c.ignore_status = {"debug"};
  c.field_white_list = {"a"};
  c.storage_index = "idx";
  auto in = startInput(std::move(c), &feeder);
  ASSERT_TRUE(in);
  sendUdp(portOf(in->socketUrls()[0]), "z");
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 1; }));
  FeedOptions o = feeder.lastOptions();
  EXPECT_EQ(o.ignore_status, (Strings{"debug"}));
  EXPECT_EQ(o.field_white_list, (Strings{"a"}));
  EXPECT_EQ(o.storage_index, "idx");
  in->stop();
}

Result<LoggingConfig> parseConf(const std::string& body) {
  auto t = config::ConfigTable::parse("[[inputs.logging]]\n" + body, "l.conf");
  EXPECT_TRUE(t.isOk());
  auto list = (*t->table("inputs"))->tableArray("logging");
  return parseLoggingConfig((*list)[0], {});
}

TEST(SocketConfig, ParsesSocketsAndFilters) {
  auto c = parseConf(
      "sockets = ['tcp://0.0.0.0:9540', 'udp://127.0.0.1:9541']\n"
      "ignore_status = ['debug', 'info']\nfield_white_list = ['a', 'b']\n"
      "storage_index = 'idx'\nsocket_max_connections = 7\n");
  ASSERT_TRUE(c.isOk()) << c.status().message();
  ASSERT_EQ(c->sockets.size(), 2u);
  EXPECT_EQ(c->sockets[0].protocol, SocketAddress::Protocol::kTcp);
  EXPECT_EQ(c->sockets[1].protocol, SocketAddress::Protocol::kUdp);
  EXPECT_EQ(c->sockets[1].port, 9541);
  EXPECT_EQ(c->ignore_status, (Strings{"debug", "info"}));
  EXPECT_EQ(c->field_white_list, (Strings{"a", "b"}));
  EXPECT_EQ(c->storage_index, "idx");
  EXPECT_EQ(c->socket_max_connections, 7u);
  EXPECT_TRUE(c->logfiles.empty());
  // DataKit's sample spells the key `socket`.
  auto alias = parseConf("socket = ['tcp://0.0.0.0:9540']\n");
  ASSERT_TRUE(alias.isOk());
  EXPECT_EQ(alias->sockets.size(), 1u);
  auto env = config::ConfigTable::parse("[[inputs.logging]]\nlogfiles = ['/a']\n", "l.conf");
  auto list = (*env->table("inputs"))->tableArray("logging");
  auto e = parseLoggingConfig((*list)[0], {{"SOCKETS", "udp://127.0.0.1:1"},
                                           {"IGNORE_STATUS", "debug,ok"},
                                           {"FIELD_WHITE_LIST", "x"},
                                           {"STORAGE_INDEX", "i2"}});
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->sockets.size(), 1u);
  EXPECT_EQ(e->ignore_status, (Strings{"debug", "ok"}));
  EXPECT_EQ(e->field_white_list, (Strings{"x"}));
  EXPECT_EQ(e->storage_index, "i2");
}

TEST(SocketConfig, BadSocketsNameTheFileAndKey) {
  for (const std::string bad : {"http://127.0.0.1:9540", "tcp://127.0.0.1:99999", "udp://h"}) {
    auto c = parseConf("sockets = ['" + bad + "']\n");
    ASSERT_FALSE(c.isOk()) << bad;
    EXPECT_NE(c.status().message().find("l.conf:2"), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find("sockets"), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find(bad), std::string::npos) << c.status().message();
  }
  EXPECT_FALSE(parseConf("source = 'x'\n").isOk());  // neither files nor sockets
}

TEST(SocketConfig, AddressInUseNamesTheFileAndKey) {
  TempDir dir;
  RecordingFeeder feeder;
  auto first = startInput(socketConfig(dir.path(), {"tcp://127.0.0.1:0"}), &feeder);
  ASSERT_TRUE(first);
  const std::string taken = first->socketUrls()[0];
  auto c = parseConf("sockets = ['" + taken + "']\n");
  ASSERT_TRUE(c.isOk());
  c->checkpoint_path = dir.path() + "/other.checkpoint";
  InputEnv env;
  env.feeder = &feeder;
  auto in = LoggingInput::create(std::move(*c), env);
  ASSERT_FALSE(in.isOk());
  const std::string msg = in.status().message();
  EXPECT_NE(msg.find("l.conf:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sockets"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot listen on '" + taken + "'"), std::string::npos) << msg;
  first->stop();
}

}  // namespace
}  // namespace sextant::agent::inputs::logging

// SocketReceiver: the `sockets` of [[inputs.logging]] (datakit-inputs.md §6): plain-text line
// receivers on TCP and UDP. Each TCP connection is a stream of lines (a line may span any number
// of packets; the partial last line is an entry when the peer closes); each UDP datagram holds
// one or more lines (its last line needs no newline). Lines go through a LineDecoder per TCP
// connection and per UDP socket, so encodings, ANSI removal, line cutting at max_line_bytes and
// multi-line joining work as for files; a pending multi-line entry is emitted after
// multiline_timeout without new data, or when its connection closes.
//
// Threads and back-pressure: one thread runs a Boost.Asio io_context with every listener,
// connection and UDP socket of one logging input. The sink is called on that thread and may block
// (it retries a failed feed until it succeeds); while it blocks nothing is read, so the kernel's
// socket buffers fill and TCP senders are slowed down (UDP datagrams beyond the kernel buffer are
// dropped by the kernel). Memory is bounded by max_connections x (read buffer + one line + one
// multi-line entry).
//
// Ownership: the receiver owns its sockets and thread; the sink and stats are borrowed and must
// outlive stop(). Thread-safety: create/start/stop from one owner thread; boundUrls() after
// create(); the stats are atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/logging/line_decoder.h"
#include "core/status.h"

namespace sextant::agent::inputs::logging {

struct SocketAddress {
  enum class Protocol : uint8_t { kTcp, kUdp };
  Protocol protocol = Protocol::kTcp;
  std::string host;  // "" = every interface; a name is resolved when the socket is bound
  uint16_t port = 0;
  std::string url;  // as configured
};

// "tcp://host:port" or "udp://host:port" (host: a name, an IPv4 address, [IPv6] or empty for
// every interface; port 0..65535, 0 = any free port). InvalidArgument naming the URL otherwise.
Result<SocketAddress> parseSocketUrl(std::string_view url);

struct SocketReceiverOptions {
  std::vector<SocketAddress> sockets;
  DecoderOptions decoder;
  std::chrono::nanoseconds multiline_timeout = std::chrono::seconds(3);
  size_t max_connections = 256;    // TCP connections open at once over every listener
  size_t read_bytes = 64u * 1024;  // per read of a TCP connection
  // Told about each error counted in SocketStats::errors and each refused connection (on the
  // receiver's thread; e.g. Feeder::reportError). May be empty.
  std::function<void(const std::string& message)> on_error;
};

struct SocketStats {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_rejected{0};  // closed at once: max_connections reached
  std::atomic<uint64_t> datagrams{0};
  std::atomic<uint64_t> bytes{0};      // received, TCP and UDP
  std::atomic<uint64_t> lines{0};      // raw lines (pieces of cut lines included)
  std::atomic<uint64_t> cut_lines{0};  // cuts made by max_line_bytes
  std::atomic<uint64_t> entries{0};    // handed to the sink
  std::atomic<uint64_t> errors{0};     // accept / read / receive errors
};

// Receives the entries of one socket (`listener`: its bound URL, "tcp://127.0.0.1:9540"); called
// on the receiver's thread; may block (back-pressure); leaves *entries empty.
using SocketEntrySink =
    std::function<void(const std::string& listener, std::vector<Entry>* entries)>;

class SocketReceiver {
 public:
  // Binds every socket (so a bad address or a port in use fails here, naming its URL). The
  // decoder options were checked by the caller.
  static Result<std::unique_ptr<SocketReceiver>> create(SocketReceiverOptions options,
                                                        SocketEntrySink sink, SocketStats* stats);
  ~SocketReceiver();
  SocketReceiver(const SocketReceiver&) = delete;
  SocketReceiver& operator=(const SocketReceiver&) = delete;

  // Starts the thread. Once only: a stopped receiver has closed its sockets.
  Status start();
  // Stops the thread (a sink call in progress finishes first), then hands the partial lines and
  // pending entries of the open connections and UDP sockets to the sink and closes everything.
  void stop();

  // The bound URLs in configuration order ("tcp://127.0.0.1:41234": port 0 resolved).
  std::vector<std::string> boundUrls() const;

  struct Impl;

 private:
  explicit SocketReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::agent::inputs::logging

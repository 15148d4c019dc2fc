// Agent: the `sextant agent` process, a drop-in DataKit: configuration (datakit.conf, conf.d,
// ENV_* in container mode), the HTTP API on :9529, the inputs, the point path and the uploader
// to DataWay with its disk queues, and the election client.
//
// start() wires: config -> global tags -> uploader (when [dataway] urls are set) -> point path
// -> election -> inputs -> HTTP front (access control, rate limit, CORS, metrics) -> server.
// reload() (SIGHUP) re-reads the config and replaces the global tags and the inputs (with their
// routes: the old routes are removed and their requests finished before the old inputs stop, so
// those paths answer 404 until the new inputs are up); the point path, uploader queues, listener
// and election keep running, so nothing accepted is lost. stop() stops accepting, stops inputs,
// flushes batches into the disk queues and stops the senders: what was queued is delivered by the
// next start. Thread-safety: start/reload/stop from one thread; request handlers run on the
// server's threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace sextant::net {
class HttpClient;
}  // namespace sextant::net

namespace sextant::agent {

struct AgentOptions {
  std::string install_dir = "/usr/local/datakit";
  std::string listen;  // overrides [http_api] listen when set
  bool container = false;
  // Replaces [dataway] urls / ENV_DATAWAY when set: `sextant standalone` points the agent at its
  // in-process server this way.
  std::string dataway_url;
  // The client for DataWay uploads and election requests; null: the agent makes its own
  // (net::makeHttpClient()). Borrowed: must outlive the agent (`sextant standalone` passes its
  // server's in-process client, server/in_process_client.h).
  net::HttpClient* http_client = nullptr;
};

// A summary for the CLI and tests (the full picture is /metrics).
struct AgentStatus {
  size_t inputs = 0;
  uint64_t fed_points = 0;                   // points that entered the point path
  uint64_t pending_points = 0;               // waiting in batches
  uint64_t uploaded_points = 0;              // acknowledged by DataWay (all endpoints)
  uint64_t queued_bodies = 0;                // in the disk queues
  std::vector<std::string> config_messages;  // errors and warnings of the last config load
};

class Agent {
 public:
  explicit Agent(AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  Status start();
  Status reload();
  void stop();
  std::string listenAddress() const;

  AgentStatus status() const;
  // Flushes batches and waits until the uploader's queues are empty; false on timeout.
  bool waitUploaded(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::agent

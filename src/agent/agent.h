// Agent: the `sextant agent` process: configuration, the HTTP API on :9529 and (to come with the
// agent runtime) inputs, pipeline and uploader.
//
// Today it loads <install_dir>/conf.d/datakit.conf ([http_api]), serves DataKit's /v1/ping,
// /v1/ntp and /v1/write/:category, and counts what it accepts. Without an uploader the points go
// no further (as a DataKit with no DataWay configured).
// Thread-safety: start/stop from one thread; request handlers run on the server's threads.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace sextant::agent {

struct AgentOptions {
  std::string install_dir = "/usr/local/datakit";
  std::string listen;  // overrides [http_api] listen when set
  bool container = false;
};

class Agent {
 public:
  explicit Agent(AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  Status start();
  void stop();
  std::string listenAddress() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::agent

// ElectionClient: DataKit's leader election against DataWay (or Sextant's server), one per agent.
//
// While not leader it campaigns (POST <dw>/v1/election?<dw query>&namespace=NS&id=ID, empty
// body) every tick; while leader it keeps the seat (POST <dw>/v1/election/heartbeat?...). The
// reply {"content":{"status":"success"|"defeat","namespace","id","incumbency_id","error_msg",
// "interval":<s>}} decides the state; a positive `interval` replaces the tick (clamped to a day).
// Errors (no HTTP answer, non-2xx, unreadable reply, unknown status) are recorded and retried at
// the current interval without changing state: as in DataKit, a leader whose heartbeats fail
// stays leader until a heartbeat is answered "defeat" (the server's lease decides; there is no
// local lease timer).
//
// on_change(leader) is called once with false when the client starts (DataKit pauses every
// election input before the first campaign; for a banned node this call is made by start()
// itself), then from the client's thread with true on winning, with false on a "defeat" heartbeat
// and, if leader, with false when stop() is called. Never call stop() from inside on_change.
//
// Ownership: the client borrows the HttpClient, which must outlive it. Thread-safety: start()
// and stop() from one owning thread; status() and isLeader() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/uploader/dataway_url.h"
#include "core/status.h"
#include "net/http_client.h"

namespace sextant::agent::election {

// DataKit's status strings: "disabled", "success" (leader), "defeat" (candidate), "banned".
enum class ElectionStatus { kDisabled, kSuccess, kDefeat, kBanned };
std::string_view electionStatusName(ElectionStatus status);

struct ElectionClientOptions {
  bool enabled = false;                        // [election] enable / ENV_ENABLE_ELECTION
  std::string election_namespace = "default";  // [election] namespace / ENV_NAMESPACE
  std::string id;                              // the agent's hostname (ENV_K8S_NODE_NAME in K8s)
  std::vector<std::string> node_whitelist;     // empty = every node may campaign
  // The first DataWay URL, e.g. "https://openway.guance.com?token=tkn_x"; its query (with the
  // token) is kept on every election request.
  std::string dataway_url;
  std::chrono::milliseconds request_timeout{30'000};  // DataKit's [dataway] timeout_v2
  std::chrono::milliseconds tick{4'000};              // until a reply says otherwise (DataKit: 4 s)
  net::KeyValues headers;                             // added to every request (e.g. User-Agent)
  std::function<void(bool leader)> on_change;
};

// A snapshot of the client's state (what DataKit's monitor and election metrics show).
struct ElectionState {
  ElectionStatus status = ElectionStatus::kDisabled;
  std::string election_namespace;
  std::string id;
  std::string leader;          // incumbency_id from the last reply ("" before any)
  std::string last_error;      // the most recent error ("" when none so far); not cleared
  std::string server_message;  // error_msg of the last reply
  std::chrono::milliseconds interval{0};  // the current tick
  uint64_t pause_total = 0;               // on_change(false) calls
  uint64_t resume_total = 0;              // on_change(true) calls
  uint64_t requests_total = 0;
  uint64_t errors_total = 0;
};

class ElectionClient {
 public:
  ElectionClient(ElectionClientOptions options, net::HttpClient& http);
  ~ElectionClient();  // stop()
  ElectionClient(const ElectionClient&) = delete;
  ElectionClient& operator=(const ElectionClient&) = delete;

  // Disabled: does nothing (status "disabled"). Not on the whitelist: reports not-leader once and
  // never campaigns (status "banned"). Otherwise starts the thread, which campaigns at once.
  // InvalidArgument when the DataWay URL is not "http(s)://host[:port][/...]?...token=...", the
  // id is empty, the tick is not positive, or the client is already running.
  Status start();
  // Wakes the thread from its sleep, waits for an exchange in flight (bounded by the request
  // timeout), reports not-leader if leader and joins. Idempotent.
  void stop();

  ElectionState status() const;
  bool isLeader() const;

 private:
  void run();
  // One campaign or heartbeat; returns the interval to sleep next.
  std::chrono::milliseconds runOnce();
  void recordError(std::string message);
  void notify(bool leader);

  const ElectionClientOptions options_;
  net::HttpClient& http_;
  DatawayEndpoint endpoint_;  // parsed from options_.dataway_url by start()

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  ElectionState state_;    // guarded by mu_
  std::thread thread_;
};

}  // namespace sextant::agent::election

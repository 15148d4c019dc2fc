// ElectionService: the server side of DataKit's leader election (DataWay's /v1/election API) as
// pure logic: one seat per (workspace, namespace), held by one agent id under a lease.
//
// Rules (the HTTP layer, election_api.h, maps tokens to workspaces and writes the replies):
// - campaign(ws, ns, id) wins when the seat is empty, its lease has expired, or `id` already holds
//   it; winning (re)starts the lease: it runs `lease` from this call.
// - heartbeat(ws, ns, id) renews the lease only when `id` holds the seat and the lease has not
//   expired; anything else (another holder, an expired lease, no seat) answers defeat and changes
//   nothing. So leadership is exactly the lease: once it runs out, the old holder must campaign
//   again like everyone else, and the first campaign after expiry takes the seat.
// - Every reply names the current holder of a live lease as incumbency_id ("" when vacant) and
//   carries `reply_interval` as the client's next tick.
// Memory is bounded: seats whose lease expired are swept (lazily, at most once per lease period,
// and before refusing a new seat), and at most `max_seats` seats exist; a campaign that would
// need one more answers defeat with an error_msg. Heartbeats never create seats.
//
// Time comes from the clock seam (steady), so tests drive expiry by hand.
// Thread-safety: every method may be called from any thread (one mutex; each call is a map
// lookup plus, rarely, a sweep over the seats).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sextant::server::election {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

struct ElectionServiceOptions {
  // Seconds written as "interval" in every reply: the client's next campaign/heartbeat tick.
  // DataKit starts at 4 s (datawayElectionIntervalDefault) and takes whatever the reply says.
  // 0 is for tests only (our client then keeps its own millisecond tick); a real DataKit would
  // reset its Go ticker to 0 and panic, so validate() refuses it.
  int reply_interval = 4;
  // How long a win or a renewal keeps the seat. 15 s outlasts three missed 4 s heartbeats plus
  // 3 s of request latency (DataWay's own lease is not published; see README.md).
  std::chrono::milliseconds lease{15'000};
  // Hard bound on seats (live and not yet swept); one per (workspace, namespace).
  size_t max_seats = 100'000;
  // Clock seam; steady_clock::now when empty.
  SteadyClock clock;

  // What the server checks at start-up: reply_interval in [1, 86400], lease longer than
  // reply_interval (a holder heartbeating on time must never lose its seat), max_seats > 0.
  Status validate() const;
};

// The answer to a campaign or heartbeat, in DataKit's terms.
struct ElectionReply {
  bool success = false;            // "success" (caller holds the seat) or "defeat"
  std::string election_namespace;  // the namespace decided on (echoed)
  std::string id;                  // the caller (echoed)
  std::string incumbency_id;       // holder of a live lease after this call; "" when vacant
  std::string error_msg;           // why, when a defeat is not simply "someone else holds it"
  int interval = 0;                // seconds until the client's next request

  bool operator==(const ElectionReply& other) const = default;
};

// A seat with a live lease, for /metrics and status pages.
struct ElectionLeader {
  std::string workspace;
  std::string election_namespace;
  std::string id;
  std::chrono::steady_clock::time_point elected_at;  // when this holder won the seat
  std::chrono::steady_clock::time_point expires_at;  // end of the current lease

  bool operator==(const ElectionLeader& other) const = default;
};

struct ElectionStats {
  uint64_t campaigns = 0;        // campaign() calls
  uint64_t heartbeats = 0;       // heartbeat() calls
  uint64_t elections = 0;        // wins of a vacant seat (each starts a new term)
  uint64_t seats_exhausted = 0;  // campaigns refused because max_seats seats exist
  size_t seats = 0;              // seats in memory (live or expired, not yet swept)
};

class ElectionService {
 public:
  explicit ElectionService(ElectionServiceOptions options = {});
  ElectionService(const ElectionService&) = delete;
  ElectionService& operator=(const ElectionService&) = delete;

  // POST /v1/election: try to take (or keep) the seat of (workspace, ns).
  ElectionReply campaign(std::string_view workspace, std::string_view ns, std::string_view id);
  // POST /v1/election/heartbeat: keep the seat; defeat unless `id` holds a live lease.
  ElectionReply heartbeat(std::string_view workspace, std::string_view ns, std::string_view id);

  // Every seat with a live lease, ordered by (workspace, namespace).
  std::vector<ElectionLeader> leaders() const;
  ElectionStats stats() const;
  // Drops every seat whose lease has expired; returns how many. Calls do this by themselves
  // (at most once per lease period), so the server need not call it.
  size_t sweep();

  const ElectionServiceOptions& options() const { return options_; }

 private:
  using SeatKey = std::pair<std::string, std::string>;  // (workspace, namespace)
  struct Seat {
    std::string holder;
    std::chrono::steady_clock::time_point elected_at;
    std::chrono::steady_clock::time_point expires_at;
  };

  std::chrono::steady_clock::time_point now() const;
  ElectionReply replyLocked(bool success, std::string_view ns, std::string_view id,
                            const Seat* seat, std::chrono::steady_clock::time_point now,
                            std::string error_msg = "") const;
  void maybeSweepLocked(std::chrono::steady_clock::time_point now);
  size_t sweepLocked(std::chrono::steady_clock::time_point now);

  const ElectionServiceOptions options_;
  mutable std::mutex mu_;
  std::map<SeatKey, Seat> seats_;                       // guarded by mu_
  std::chrono::steady_clock::time_point next_sweep_{};  // guarded by mu_
  ElectionStats stats_;                                 // guarded by mu_ (seats filled on read)
};

}  // namespace sextant::server::election

#include "server/election/election_service.h"

#include <string>

namespace sextant::server::election {

namespace {

constexpr int kMaxReplyIntervalSeconds = 24 * 3600;  // our client clamps larger values to this
constexpr std::string_view kHeartbeatDefeat = "no live lease for this id";

}  // namespace

Status ElectionServiceOptions::validate() const {
  if (reply_interval < 1 || reply_interval > kMaxReplyIntervalSeconds) {
    return invalidArgument("election: reply interval must be 1..86400 s, got " +
                           std::to_string(reply_interval));
  }
  if (lease <= std::chrono::seconds(reply_interval)) {
    return invalidArgument("election: lease (" + std::to_string(lease.count()) +
                           " ms) must be longer than the reply interval (" +
                           std::to_string(reply_interval) + " s)");
  }
  if (max_seats == 0) return invalidArgument("election: max_seats must be positive");
  return Status::ok();
}

ElectionService::ElectionService(ElectionServiceOptions options) : options_(std::move(options)) {}

std::chrono::steady_clock::time_point ElectionService::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

ElectionReply ElectionService::replyLocked(bool success, std::string_view ns, std::string_view id,
                                           const Seat* seat,
                                           std::chrono::steady_clock::time_point now,
                                           std::string error_msg) const {
  ElectionReply reply;
  reply.success = success;
  reply.election_namespace.assign(ns);
  reply.id.assign(id);
  if (seat != nullptr && seat->expires_at > now) reply.incumbency_id = seat->holder;
  reply.error_msg = std::move(error_msg);
  reply.interval = options_.reply_interval;
  return reply;
}

ElectionReply ElectionService::campaign(std::string_view workspace, std::string_view ns,
                                        std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = now();  // under the lock: calls see time in the order they take the seat
  ++stats_.campaigns;
  maybeSweepLocked(t);
  SeatKey key{std::string(workspace), std::string(ns)};
  auto it = seats_.find(key);
  if (it != seats_.end() && it->second.expires_at > t) {
    Seat& seat = it->second;
    if (seat.holder != id) return replyLocked(false, ns, id, &seat, t);
    seat.expires_at = t + options_.lease;  // the holder campaigning again (e.g. after a restart)
    return replyLocked(true, ns, id, &seat, t);
  }
  // Vacant: no seat, or its lease ran out. The first campaigner takes it.
  if (it == seats_.end()) {
    if (seats_.size() >= options_.max_seats) sweepLocked(t);
    if (seats_.size() >= options_.max_seats) {
      ++stats_.seats_exhausted;
      return replyLocked(false, ns, id, nullptr, t,
                         "too many election seats (" + std::to_string(options_.max_seats) + ")");
    }
    it = seats_.emplace(std::move(key), Seat{}).first;
  }
  Seat& seat = it->second;
  seat.holder.assign(id);
  seat.elected_at = t;
  seat.expires_at = t + options_.lease;
  ++stats_.elections;
  return replyLocked(true, ns, id, &seat, t);
}

ElectionReply ElectionService::heartbeat(std::string_view workspace, std::string_view ns,
                                         std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = now();
  ++stats_.heartbeats;
  maybeSweepLocked(t);
  auto it = seats_.find(SeatKey{std::string(workspace), std::string(ns)});
  if (it == seats_.end() || it->second.holder != id || it->second.expires_at <= t) {
    const Seat* seat = it == seats_.end() ? nullptr : &it->second;
    return replyLocked(false, ns, id, seat, t, std::string(kHeartbeatDefeat));
  }
  Seat& seat = it->second;
  seat.expires_at = t + options_.lease;
  return replyLocked(true, ns, id, &seat, t);
}

std::vector<ElectionLeader> ElectionService::leaders() const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = now();
  std::vector<ElectionLeader> out;
  for (const auto& [key, seat] : seats_) {
    if (seat.expires_at <= t) continue;
    out.push_back(
        ElectionLeader{key.first, key.second, seat.holder, seat.elected_at, seat.expires_at});
  }
  return out;
}

ElectionStats ElectionService::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ElectionStats s = stats_;
  s.seats = seats_.size();
  return s;
}

size_t ElectionService::sweep() {
  std::lock_guard<std::mutex> lock(mu_);
  return sweepLocked(now());
}

void ElectionService::maybeSweepLocked(std::chrono::steady_clock::time_point now) {
  if (now < next_sweep_) return;
  sweepLocked(now);
  next_sweep_ = now + options_.lease;
}

size_t ElectionService::sweepLocked(std::chrono::steady_clock::time_point now) {
  return std::erase_if(seats_, [now](const auto& entry) { return entry.second.expires_at <= now; });
}

}  // namespace sextant::server::election

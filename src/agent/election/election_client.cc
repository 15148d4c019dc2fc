#include "agent/election/election_client.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>

namespace sextant::agent::election {

namespace {

constexpr std::string_view kCampaignPath = "/v1/election";
constexpr std::string_view kHeartbeatPath = "/v1/election/heartbeat";
constexpr int64_t kMaxIntervalSeconds = 24 * 3600;  // a larger reply interval is clamped
constexpr size_t kMaxErrorBody = 1024;              // of an error answer, kept in last_error

struct Reply {
  std::string status;
  std::string incumbency_id;
  std::string error_msg;
  int64_t interval = 0;
};

// Reads DataKit's reply shape. Absent members keep their zero values, as Go's json.Unmarshal
// leaves them; a member of the wrong type is an error.
Status parseReply(std::string_view body, Reply* out) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body.data(), body.size());
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return invalidArgument(std::string("bad reply: ") + simdjson::error_message(err));
  }
  simdjson::dom::object root;
  if (doc.get(root) != simdjson::SUCCESS) return invalidArgument("bad reply: not an object");
  simdjson::dom::element content_el;
  if (root["content"].get(content_el) != simdjson::SUCCESS) return Status::ok();
  if (content_el.is_null()) return Status::ok();
  simdjson::dom::object content;
  if (content_el.get(content) != simdjson::SUCCESS) {
    return invalidArgument("bad reply: content is not an object");
  }
  for (auto [key, value] : content) {
    std::string* target = nullptr;
    if (key == "status") {
      target = &out->status;
    } else if (key == "incumbency_id") {
      target = &out->incumbency_id;
    } else if (key == "error_msg") {
      target = &out->error_msg;
    } else if (key == "interval") {
      int64_t i = 0;
      double d = 0;
      if (value.get(i) == simdjson::SUCCESS) {
        out->interval = i;
      } else if (value.get(d) == simdjson::SUCCESS && d >= -1e9 && d <= 1e9) {
        out->interval = static_cast<int64_t>(d);
      } else if (!value.is_null()) {
        return invalidArgument("bad reply: interval is not a number");
      }
      continue;
    }
    if (target == nullptr || value.is_null()) continue;
    std::string_view s;
    if (value.get(s) != simdjson::SUCCESS) {
      return invalidArgument("bad reply: " + std::string(key) + " is not a string");
    }
    target->assign(s);
  }
  return Status::ok();
}

}  // namespace

std::string_view electionStatusName(ElectionStatus status) {
  switch (status) {
    case ElectionStatus::kDisabled: return "disabled";
    case ElectionStatus::kSuccess: return "success";
    case ElectionStatus::kDefeat: return "defeat";
    case ElectionStatus::kBanned: return "banned";
  }
  return "unknown";
}

ElectionClient::ElectionClient(ElectionClientOptions options, net::HttpClient& http)
    : options_(std::move(options)), http_(http) {
  state_.election_namespace = options_.election_namespace;
  state_.id = options_.id;
  state_.interval = options_.tick;
  state_.status = options_.enabled ? ElectionStatus::kDefeat : ElectionStatus::kDisabled;
}

ElectionClient::~ElectionClient() { stop(); }

Status ElectionClient::start() {
  if (thread_.joinable()) return invalidArgument("election client already started");
  if (!options_.enabled) return Status::ok();
  if (!options_.node_whitelist.empty() &&
      std::find(options_.node_whitelist.begin(), options_.node_whitelist.end(), options_.id) ==
          options_.node_whitelist.end()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (state_.status == ElectionStatus::kBanned) return Status::ok();
      state_.status = ElectionStatus::kBanned;
    }
    notify(false);
    return Status::ok();
  }
  if (options_.id.empty()) return invalidArgument("election: empty id (hostname)");
  if (options_.tick <= std::chrono::milliseconds::zero()) {
    return invalidArgument("election: tick must be positive");
  }
  Result<DatawayEndpoint> endpoint = parseDatawayUrl(options_.dataway_url);
  if (!endpoint.isOk()) return endpoint.status();
  endpoint_ = std::move(endpoint).value();
  if (endpoint_.token.empty()) {
    return invalidArgument("election: dataway URL '" + options_.dataway_url +
                           "' has no token (token missing)");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void ElectionClient::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ElectionState ElectionClient::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

bool ElectionClient::isLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.status == ElectionStatus::kSuccess;
}

void ElectionClient::notify(bool leader) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (leader) {
      ++state_.resume_total;
    } else {
      ++state_.pause_total;
    }
  }
  if (options_.on_change) options_.on_change(leader);
}

void ElectionClient::recordError(std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.last_error = std::move(message);
  ++state_.errors_total;
}

void ElectionClient::run() {
  notify(false);  // DataKit pauses every election input before the first campaign
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::chrono::milliseconds next = runOnce();
    lock.lock();
    wake_.wait_for(lock, next, [this] { return stopping_; });
  }
  bool was_leader = state_.status == ElectionStatus::kSuccess;
  state_.status = ElectionStatus::kDefeat;
  lock.unlock();
  if (was_leader) notify(false);
}

std::chrono::milliseconds ElectionClient::runOnce() {
  bool leader = false;
  std::chrono::milliseconds interval{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    leader = state_.status == ElectionStatus::kSuccess;
    interval = state_.interval;
    ++state_.requests_total;
  }
  const std::string_view what = leader ? "election heartbeat failed: " : "election failed: ";

  net::ClientRequest req;
  req.method = "POST";
  req.url = endpoint_.apiUrl(leader ? kHeartbeatPath : kCampaignPath) +
            "&namespace=" + goQueryEscape(options_.election_namespace) +
            "&id=" + goQueryEscape(options_.id);
  req.headers = options_.headers;
  req.timeout = options_.request_timeout;

  Result<net::ClientResponse> res = http_.send(req);
  if (!res.isOk()) {
    recordError(std::string(what) + res.status().toString());
    return interval;
  }
  if (res->status / 100 != 2) {
    std::string_view body = res->body;
    if (body.size() > kMaxErrorBody) body = body.substr(0, kMaxErrorBody);
    recordError(std::string(what) + "HTTP " + std::to_string(res->status) + ": " +
                std::string(body));
    return interval;
  }
  Reply reply;
  if (Status st = parseReply(res->body, &reply); !st.isOk()) {
    recordError(std::string(what) + st.message());
    return interval;
  }

  bool became_leader = false;
  bool lost_leadership = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.leader = reply.incumbency_id;
    state_.server_message = reply.error_msg;
    if (reply.status == "success") {
      if (!leader) {
        state_.status = ElectionStatus::kSuccess;
        became_leader = true;
      }
    } else if (reply.status == "defeat") {
      if (leader) {
        state_.status = ElectionStatus::kDefeat;
        lost_leadership = true;
      }
    } else {
      state_.last_error = "unknown election status: " + reply.status;
      ++state_.errors_total;
    }
    if (reply.interval > 0) {
      state_.interval =
          std::chrono::seconds(std::min<int64_t>(reply.interval, kMaxIntervalSeconds));
    }
    interval = state_.interval;
  }
  if (became_leader) notify(true);
  if (lost_leadership) notify(false);
  return interval;
}

}  // namespace sextant::agent::election

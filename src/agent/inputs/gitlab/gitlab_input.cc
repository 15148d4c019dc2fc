#include "agent/inputs/gitlab/gitlab_input.h"

#include <openssl/evp.h>

#include <chrono>

#include "agent/api_error.h"
#include "agent/inputs/gitlab/gitlab_metrics.h"
#include "agent/inputs/host_common/plugin_util.h"
#include "codec/gitlab/gitlab_webhook.h"
#include "codec/prometheus_text/prometheus_text.h"
#include "core/clock.h"

namespace sextant::agent::inputs::gitlab {

namespace {

namespace gl = codec::gitlab;

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool sameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  return diff == 0;
}

net::HttpResponse ok() { return net::HttpResponse{200, "", "", {}}; }

}  // namespace

std::string md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

bool RecentKeys::contains(const std::string& key, int64_t now_ns) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  if (it->second->expires_ns <= now_ns) {
    lru_.erase(it->second);
    map_.erase(it);
    return false;
  }
  return true;
}

void RecentKeys::insert(const std::string& key, int64_t now_ns) {
  if (capacity_ == 0) return;
  erase(key);
  lru_.push_front(Entry{key, now_ns + window_ns_});
  map_[key] = lru_.begin();
  // Evict the least recent beyond capacity and any expired ones at the tail.
  while (!lru_.empty() && (map_.size() > capacity_ || lru_.back().expires_ns <= now_ns)) {
    map_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void RecentKeys::erase(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  lru_.erase(it->second);
  map_.erase(it);
}

Result<GitlabConfig> parseGitlabConfig(const config::ConfigTable& t,
                                       const std::map<std::string, std::string>& env) {
  GitlabConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("enable_collect", &c.enable_collect));
  SEXTANT_RETURN_IF_ERROR(t.get("prometheus_url", &c.prometheus_url));
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("enable_ci_visibility", &c.enable_ci_visibility));
  SEXTANT_RETURN_IF_ERROR(t.get("election", &c.election));
  SEXTANT_RETURN_IF_ERROR(t.get("ci_extra_tags", &c.ci_extra_tags));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));
  SEXTANT_RETURN_IF_ERROR(t.get("ci_all_statuses", &c.ci_all_statuses));
  SEXTANT_RETURN_IF_ERROR(t.get("secret_token", &c.secret_token));
  SEXTANT_RETURN_IF_ERROR(t.get("dedup_window", &c.dedup_window));
  int64_t capacity = static_cast<int64_t>(c.dedup_capacity);
  SEXTANT_RETURN_IF_ERROR(t.get("dedup_capacity", &capacity));
  if (capacity < 0) return invalidArgument(t.where("dedup_capacity") + ": must be >= 0");
  c.dedup_capacity = static_cast<size_t>(capacity);

  EnvOverrides e("gitlab", env);
  SEXTANT_RETURN_IF_ERROR(e.boolean("ENABLE_COLLECT", &c.enable_collect));
  e.nonEmptyString("PROMETHEUS_URL", &c.prometheus_url);
  SEXTANT_RETURN_IF_ERROR(e.duration("INTERVAL", &c.interval));
  SEXTANT_RETURN_IF_ERROR(e.boolean("ENABLE_CI_VISIBILITY", &c.enable_ci_visibility));
  SEXTANT_RETURN_IF_ERROR(e.boolean("ELECTION", &c.election));
  e.tags("TAGS", &c.tags);
  e.tags("CI_EXTRA_TAGS", &c.ci_extra_tags);
  SEXTANT_RETURN_IF_ERROR(e.boolean("CI_ALL_STATUSES", &c.ci_all_statuses));
  e.nonEmptyString("SECRET_TOKEN", &c.secret_token);

  if (c.enable_collect) {
    if (!(c.prometheus_url.starts_with("http://") || c.prometheus_url.starts_with("https://")))
      return invalidArgument(t.where("prometheus_url") + ": not an http(s) URL '" +
                             c.prometheus_url + "'");
    if (c.interval <= std::chrono::nanoseconds(0))
      return invalidArgument(t.where("interval") + ": must be positive");
  }
  if (c.dedup_window < std::chrono::nanoseconds(0))
    return invalidArgument(t.where("dedup_window") + ": must not be negative");
  return c;
}

GitlabInput::GitlabInput(GitlabConfig config, const InputEnv& env,
                         std::shared_ptr<net::HttpClient> client)
    : config_(std::move(config)),
      feeder_(env.feeder),
      now_ns_(env.now_ns ? env.now_ns : std::function<int64_t()>(wallNowNs)),
      client_(std::move(client)),
      recent_(config_.dedup_capacity, config_.dedup_window.count()) {
  if (config_.enable_collect && !client_) client_ = net::makeHttpClient();
  // The URL's host, unless [tags] sets one (DataKit's MergeTags), then [tags].
  if (std::string host = scrapeHostTag(config_.prometheus_url);
      !host.empty() && config_.tags.count("host") == 0)
    metric_tags_.push_back({"host", host});
  for (const auto& [k, v] : config_.tags) metric_tags_.push_back({k, v});
  health_.target = config_.prometheus_url;
}

std::chrono::nanoseconds GitlabInput::interval() const {
  return config_.enable_collect ? config_.interval : std::chrono::nanoseconds(0);
}

std::vector<InputRoute> GitlabInput::routes() {
  if (!config_.enable_ci_visibility) return {};
  return {{"POST", "/v1/gitlab", [this](net::HttpRequest& req) { return handle(req); }}};
}

std::vector<TargetHealth> GitlabInput::targets() const {
  if (!config_.enable_collect) return {};
  std::lock_guard<std::mutex> l(mu_);
  return {health_};
}

GitlabStats GitlabInput::stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

std::vector<InputCounter> GitlabInput::counters() const {
  GitlabStats s = stats();
  return {{"requests", s.requests},
          {"unauthorized", s.unauthorized},
          {"ignored_events", s.ignored},
          {"duplicates", s.duplicates},
          {"bad_requests", s.bad_requests},
          {"filtered", s.filtered},
          {"pipelines", s.pipelines},
          {"jobs", s.jobs},
          {"feed_failures", s.feed_failures},
          {"scrapes", s.scrapes},
          {"scrape_failures", s.scrape_failures}};
}

void GitlabInput::addTags(model::Point* p, bool ci) const {
  if (ci) {
    for (const auto& [k, v] : config_.ci_extra_tags)
      if (p->findTag(k) == nullptr) p->addTag(k, v);
  }
  for (const auto& [k, v] : config_.tags)
    if (p->findTag(k) == nullptr) p->addTag(k, v);
}

net::HttpResponse GitlabInput::handle(const net::HttpRequest& req) {
  auto count = [&](uint64_t GitlabStats::*counter) {
    std::lock_guard<std::mutex> l(mu_);
    ++(stats_.*counter);
  };
  count(&GitlabStats::requests);
  if (!config_.secret_token.empty() &&
      !sameSecret(req.header("X-Gitlab-Token"), config_.secret_token)) {
    count(&GitlabStats::unauthorized);
    return apiError(401, "datakit.invalidToken", "X-Gitlab-Token does not match secret_token");
  }
  const std::string_view event = req.header("X-Gitlab-Event");
  const gl::HookKind kind = gl::hookKind(event);
  if (kind == gl::HookKind::kOther) {
    count(&GitlabStats::ignored);
    return ok();  // DataKit: 200, so that GitLab does not disable the hook
  }

  std::string key;
  if (std::string_view k = req.header("Idempotency-Key"); !k.empty()) {
    key = "idem:" + std::string(k);
  } else if (std::string_view u = req.header("X-Gitlab-Event-UUID"); !u.empty()) {
    key = "uuid:" + std::string(u);
  } else {
    key = "md5:" + md5Hex(req.body);
  }
  const int64_t now = now_ns_();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (recent_.contains(key, now)) {
      ++stats_.duplicates;
      return ok();
    }
  }

  Result<model::Point> point = kind == gl::HookKind::kPipeline
                                   ? gl::decodePipelineHook(req.body, now)
                                   : gl::decodeJobHook(req.body, now);
  if (!point.isOk()) {
    count(&GitlabStats::bad_requests);
    if (feeder_ != nullptr) feeder_->reportError("gitlab", point.status().message());
    return apiError(400, "datakit.badRequest", point.status().message());
  }
  const std::string_view status = gl::hookStatus(*point);
  if (!config_.ci_all_statuses && status != "success" && status != "failed") {
    std::lock_guard<std::mutex> l(mu_);
    ++stats_.filtered;
    recent_.insert(key, now);
    return ok();
  }
  addTags(&*point, /*ci=*/true);
  {
    // Claimed before the feed, so that a concurrent redelivery is dropped; released on failure
    // so that GitLab's retry is taken.
    std::lock_guard<std::mutex> l(mu_);
    if (recent_.contains(key, now)) {
      ++stats_.duplicates;
      return ok();
    }
    recent_.insert(key, now);
  }
  if (feeder_ == nullptr) return apiError(500, "datakit.feedFailed", "no feeder");
  FeedOptions feed;
  feed.input = "gitlab";
  feed.election = config_.election;
  feed.durable = true;
  std::vector<model::Point> points;
  points.push_back(std::move(*point));
  Status st = feeder_->feed(model::Category::kLogging, std::move(points), feed);
  std::lock_guard<std::mutex> l(mu_);
  if (!st.isOk()) {
    recent_.erase(key);
    ++stats_.feed_failures;
    if (st.code() == StatusCode::kResourceExhausted)
      return apiError(503, "datakit.queueFull", st.message());
    return apiError(500, "datakit.feedFailed", st.message());
  }
  ++(kind == gl::HookKind::kPipeline ? stats_.pipelines : stats_.jobs);
  return ok();
}

Status GitlabInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  if (!config_.enable_collect) return Status::ok();
  const int64_t start_wall = wallNowNs();
  const auto start = std::chrono::steady_clock::now();
  net::ClientRequest req;
  req.url = config_.prometheus_url;
  req.timeout = std::chrono::seconds(5);
  req.headers.emplace_back("Accept", std::string(codec::prom::kAcceptHeader));
  Result<net::ClientResponse> resp = client_->send(req);
  Status st;
  size_t samples = 0;
  if (!resp.isOk()) {
    st = Status(resp.status().code(), "GET " + req.url + ": " + resp.status().message());
  } else if (resp->status != 200) {
    st = unavailable("GET " + req.url + ": HTTP " + std::to_string(resp->status));
  } else {
    auto exp = codec::prom::parse(resp->body,
                                  codec::prom::formatFromContentType(resp->header("Content-Type")),
                                  codec::prom::ErrorPolicy::kLenient);
    samples = exp->sampleCount();
    convertGitlabMetrics(*exp, metric_tags_, now_ns, out);
    if (exp->errorCount() > 0 && samples == 0)
      st = invalidArgument(req.url + ": " + exp->errors().front().toString());
  }
  std::lock_guard<std::mutex> l(mu_);
  ++stats_.scrapes;
  ++health_.scrapes;
  health_.last_scrape_ns = start_wall;
  health_.last_duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  health_.up = st.isOk();
  if (st.isOk()) {
    health_.last_samples = static_cast<int64_t>(samples);
  } else {
    ++stats_.scrape_failures;
    ++health_.failures;
    health_.last_error = st.message();
    health_.last_error_ns = start_wall;
  }
  return st;
}

void registerGitlabInput(std::vector<InputFactory>* list) {
  list->push_back(InputFactory{
      "gitlab",
      [](const config::ConfigTable& t, const InputEnv& env) -> Result<std::unique_ptr<Input>> {
        auto c = parseGitlabConfig(t, env.env);
        if (!c.isOk()) return c.status();
        return std::unique_ptr<Input>(new GitlabInput(std::move(*c), env));
      }});
}

}  // namespace sextant::agent::inputs::gitlab

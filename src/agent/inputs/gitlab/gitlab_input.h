// The `gitlab` input ([[inputs.gitlab]], datakit-inputs.md §3; user docs docs/inputs/gitlab.md):
//
//   - CI webhooks (enable_ci_visibility, default on): POST /v1/gitlab on the agent's port.
//     X-Gitlab-Event "Pipeline Hook" / "Job Hook" (or "Build Hook") bodies become the logging
//     points gitlab_pipeline / gitlab_job (codec/gitlab/gitlab_webhook.h; event_raw = the body);
//     other events are answered 200 and counted as ignored. Like DataKit only `success` and
//     `failed` events are kept, unless ci_all_statuses = true (Sextant) keeps every status so
//     that running pipelines can be followed. With secret_token set, a request whose
//     X-Gitlab-Token differs is 401 datakit.invalidToken. Redeliveries are answered 200 and
//     dropped: the key is Idempotency-Key, else X-Gitlab-Event-UUID, else the MD5 of the body
//     (DataKit's rule), remembered in an LRU for dedup_window. Points are fed durably: 200 only
//     once the agent has them (503 datakit.queueFull, 500 datakit.feedFailed otherwise; GitLab
//     retries). An undecodable body is 400 datakit.badRequest.
//   - GitLab's own metrics (enable_collect, default on): every interval, GET prometheus_url
//     (GitLab's /-/metrics, 5 s timeout) and convert with gitlab_metrics.h. A scheduled input,
//     paused while the agent is not the elected leader (election, default true).
//
// Ownership: the input owns its dedup memory and borrows (or owns) its HTTP client.
// Thread-safety: route handlers run concurrently on the HTTP threads (stats and the LRU are
// mutex-guarded); collect() from the runner's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/runtime/input.h"
#include "config/config_table.h"
#include "core/status.h"
#include "net/http_client.h"
#include "net/http_types.h"

namespace sextant::agent::inputs::gitlab {

struct GitlabConfig {
  bool enable_collect = true;
  std::string prometheus_url = "http://127.0.0.1:80/-/metrics";
  std::chrono::nanoseconds interval = std::chrono::seconds(10);
  bool enable_ci_visibility = true;
  bool election = true;
  std::map<std::string, std::string> ci_extra_tags;  // CI points, keys not already present
  std::map<std::string, std::string> tags;           // metrics and CI points, keys not present
  // Sextant options.
  bool ci_all_statuses = false;  // keep every pipeline / job status, not only success/failed
  std::string secret_token;      // checked against X-Gitlab-Token when non-empty
  std::chrono::nanoseconds dedup_window = std::chrono::minutes(10);
  size_t dedup_capacity = 10000;  // keys remembered at most
};

// Reads [[inputs.gitlab]] (DataKit's keys and the Sextant ones above), then the container-mode
// variables ENV_INPUT_GITLAB_{ENABLE_COLLECT, PROMETHEUS_URL, INTERVAL, ENABLE_CI_VISIBILITY,
// ELECTION, TAGS, CI_EXTRA_TAGS, CI_ALL_STATUSES, SECRET_TOKEN}. Errors name the key.
Result<GitlabConfig> parseGitlabConfig(const config::ConfigTable& t,
                                       const std::map<std::string, std::string>& env);

// Keys seen recently: at most `capacity`, each for `window` ns. Thread-compatible (the input
// guards it).
class RecentKeys {
 public:
  RecentKeys(size_t capacity, int64_t window_ns) : capacity_(capacity), window_ns_(window_ns) {}
  // True when `key` was inserted less than the window ago.
  bool contains(const std::string& key, int64_t now_ns);
  void insert(const std::string& key, int64_t now_ns);
  void erase(const std::string& key);
  size_t size() const { return map_.size(); }

 private:
  struct Entry {
    std::string key;
    int64_t expires_ns;
  };
  size_t capacity_;
  int64_t window_ns_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> map_;
};

struct GitlabStats {
  uint64_t requests = 0;
  uint64_t unauthorized = 0;  // 401s
  uint64_t ignored = 0;       // events other than pipeline / job
  uint64_t duplicates = 0;    // redeliveries dropped
  uint64_t bad_requests = 0;  // 400s
  uint64_t filtered = 0;      // statuses not kept (not success / failed without ci_all_statuses)
  uint64_t pipelines = 0;     // gitlab_pipeline points fed
  uint64_t jobs = 0;          // gitlab_job points fed
  uint64_t feed_failures = 0;
  uint64_t scrapes = 0;
  uint64_t scrape_failures = 0;
};

class GitlabInput final : public Input {
 public:
  // `client` may be null: a client of its own is made when enable_collect is on.
  GitlabInput(GitlabConfig config, const InputEnv& env,
              std::shared_ptr<net::HttpClient> client = nullptr);

  std::string_view name() const override { return "gitlab"; }
  model::Category category() const override { return model::Category::kMetric; }
  bool election() const override { return config_.election; }
  std::chrono::nanoseconds interval() const override;
  Status collect(int64_t now_ns, std::vector<model::Point>* out) override;
  std::vector<InputRoute> routes() override;
  std::vector<TargetHealth> targets() const override;

  // One POST /v1/gitlab.
  net::HttpResponse handle(const net::HttpRequest& req);
  GitlabStats stats() const;
  std::vector<InputCounter> counters() const override;
  const GitlabConfig& config() const { return config_; }

 private:
  void addTags(model::Point* p, bool ci) const;

  const GitlabConfig config_;
  Feeder* const feeder_;
  const std::function<int64_t()> now_ns_;
  std::shared_ptr<net::HttpClient> client_;
  std::vector<model::Tag> metric_tags_;  // host (non-loopback URL), then [tags]

  mutable std::mutex mu_;  // guards everything below
  RecentKeys recent_;
  GitlabStats stats_;
  TargetHealth health_;
};

// The MD5 of `data` in lowercase hex (the dedup key of a delivery without an id header).
std::string md5Hex(std::string_view data);

void registerGitlabInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs::gitlab

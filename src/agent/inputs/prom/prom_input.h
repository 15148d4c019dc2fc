// The `prom` input: scrapes Prometheus exporters ([[inputs.prom]], DataKit's keys and
// defaults, reference ../shared/reference/datakit-inputs.md §1) and turns what they expose into
// points (prom_convert.h).
//
// PromConfig is one [[inputs.prom]] block; parsePromConfig() reads it from a ConfigTable;
// parsePromInstancesAnnotation() reads a pod's `datakit/prom.instances` annotation (placeholders
// replaced first, the annotation's defaults: election off, source `<namespace>/<pod>`).
// PromInput is the agent Input: a scheduled input (the InputRunner runs it on its own thread
// with a start jitter, every interval); each collect() scrapes its URLs one after the other,
// each bounded by the timeout, and emits DataKit's `collector` up-point per URL. Per-URL health
// (up, duration, samples, last error) is kept for the agent's /metrics (Input::targets()).
//
// Ownership: PromInput owns its HttpClient (or borrows the one given to it) and the points of its
// last collection (reused by the next one). Thread-safety:
// collect() from one thread at a time (the runner's); targets() from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/inputs/prom/prom_convert.h"
#include "agent/inputs/prom/prom_template.h"
#include "agent/runtime/input.h"
#include "config/config_table.h"
#include "core/status.h"
#include "net/http_client.h"

namespace sextant::agent::inputs::prom {

struct PromConfig {
  std::vector<std::string> urls;  // http(s) URLs; anything else is a local file path
  std::string source = "prom";
  std::chrono::nanoseconds interval = std::chrono::seconds(30);  // clamped to [1s, 5m]
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);   // at least 3s
  bool ignore_req_err = false;
  bool election = true;
  bool disable_instance_tag = false;
  // Sextant's own option (not DataKit's): ask for the protobuf exposition first
  // (codec::prom::kProtobufAcceptHeader), text 0.0.4 otherwise. Off: DataKit's text Accept.
  // Either way the body is decoded by the response's Content-Type.
  bool prefer_protobuf = false;
  // TLS: tls_open + tls_ca/tls_cert/tls_key (deprecated, honoured) or ca_certs (several
  // files)/cert/cert_key and their *_base64 variants (inline PEM); tls_open with no CA skips
  // verification (as DataKit).
  net::TlsOptions tls;
  std::string uds_path;  // dial this Unix socket for every URL (the URL gives host and path)
  std::map<std::string, std::string> http_headers;
  std::string bearer_token;  // [inputs.prom.auth] type = "bearer_token", token
  std::string
      bearer_token_file;  // token_file (or the top-level bearer_token_file); read per scrape
  ConvertOptions convert;
};

// Parses one [[inputs.prom]] table (errors "<file>:<line>: [inputs.prom] <key>: ...").
// `defaults` gives the starting values (the annotation's defaults differ from the file's).
Result<PromConfig> parsePromConfig(const config::ConfigTable& table,
                                   const PromConfig& defaults = PromConfig{});

// A pod's `datakit/prom.instances` annotation: placeholders replaced
// (expandPromInstancesTemplate), then every [[inputs.prom]] block of it parsed with the
// annotation's defaults (election off, source "<namespace>/<podname>").
Result<std::vector<PromConfig>> parsePromInstancesAnnotation(std::string_view annotation,
                                                             const PodFacts& pod);

class PromInput final : public Input {
 public:
  // `client` may be null: a client of its own is made (makeHttpClient()).
  PromInput(PromConfig config, std::shared_ptr<net::HttpClient> client = nullptr);

  std::string_view name() const override { return "prom"; }
  model::Category category() const override {
    return config_.convert.as_logging ? model::Category::kLogging : model::Category::kMetric;
  }
  bool election() const override { return config_.election; }
  std::chrono::nanoseconds interval() const override { return config_.interval; }
  // Scrapes every URL; the points of those that answered are appended even when others failed
  // (the error names the first failing URL and counts the others).
  Status collect(int64_t now_ns, std::vector<model::Point>* out) override;
  // What the runner calls: collect() into the points of the previous collection (kept by the
  // input, overwritten in place), fed with feeder.feedReusable() in one feed.
  Status collectAndFeed(int64_t now_ns, CollectFeeder& feeder) override;
  std::vector<TargetHealth> targets() const override;

  // The points kept for the next collection: the last one's (only while no collection runs).
  size_t keptPoints() const { return reused_.size(); }

  const PromConfig& config() const { return config_; }

 private:
  // One URL: the body (and its Content-Type) or an error.
  Result<std::pair<std::string, std::string>> fetch(const std::string& url);
  // Scrapes every URL, writing the points at (*out)[*end], ... (reusing the points there,
  // convertInto) and advancing *end past them; points after *end are left as they were.
  Status scrapeInto(int64_t now_ns, std::vector<model::Point>* out, size_t* end);

  PromConfig config_;
  std::shared_ptr<net::HttpClient> client_;
  std::vector<ScrapeTags> scrape_tags_;  // per URL
  // The points of the last collectAndFeed() (every URL's, then its up point, in URL order),
  // overwritten by the next one; only collectAndFeed() (one thread at a time) touches it.
  std::vector<model::Point> reused_;
  mutable std::mutex mu_;             // guards health_
  std::vector<TargetHealth> health_;  // per URL
};

void registerPromInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs::prom

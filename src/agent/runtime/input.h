// The input contract: what every agent input (host collectors, scrapers, HTTP-push receivers,
// streaming tailers) implements, what the runtime hands it, and the agent's point path (Feeder).
//
// Three kinds of input share one interface:
//   - scheduled: interval() > 0; the InputRunner calls collect() every interval on the input's
//     own thread and feeds the points;
//   - HTTP-push: routes() are served on the agent's port; handlers feed through InputEnv::feeder
//     (with FeedOptions::durable when the client must only get 200 once points are safe);
//   - streaming: start() once, stop() at shutdown; they feed through InputEnv::feeder from
//     threads they own.
// An input may be several of these at once.
//
// Every input is created by an InputFactory from its [[inputs.<name>]] table; the explicit list
// of factories is inputRegistry() (defined in src/agent/inputs/registry.cc, library
// sextant_agent_inputs).
//
// Ownership: the InputRunner owns Input instances; the agent owns the Feeder, which must outlive
// every input. Thread-safety: collect() is called from one thread at a time (the runner's thread
// for that instance); routes' handlers run on the HTTP server's threads and must be thread-safe;
// start()/stop() are called from the runner's owner thread. Feeder is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "config/config_table.h"
#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "net/http_client.h"
#include "net/router.h"

namespace sextant::agent {

struct FeedOptions {
  std::string input;      // input name for self-metrics ("cpu", "zipkin", "prom")
  bool election = false;  // an election input: gets election tags instead of host tags
  bool durable = false;   // return only once the points are durable (HTTP-push inputs)
  bool ignore_global_tags = false;
  // The pipeline script for these points ("nginx.p": an input's `pipeline` option, /v1/write's
  // ?source=x gives "x.p"); empty: the point path picks the script by the data (src/pipeline).
  std::string pipeline;
  // Logging inputs' filters, applied by the point path after the pipeline (point_path.h):
  // points whose `status` field (absent: "info") is listed are dropped (case-insensitive), and
  // only the listed fields are kept (plus `message` and `status`); empty lists: no filter.
  std::vector<std::string> ignore_status;
  std::vector<std::string> field_white_list;
  // Logging: the storage index these points go to, sent upstream as X-Storage-Index-Name;
  // points with different indexes never share an upload body. Empty: the default index.
  std::string storage_index;
};

// The agent's point path; implemented by the agent (global tags, pipeline, time correction,
// batching, uploader). Thread-safe.
class Feeder {
 public:
  virtual ~Feeder() = default;
  virtual Status feed(model::Category category, std::vector<model::Point>&& points,
                      const FeedOptions& options) = 0;
  // As feed(), for points the caller keeps and overwrites at its next feed (the prom input
  // converts every scrape into the points of its previous one): the point path may encode them
  // without taking them, leaving their storage with the caller. On return their contents are
  // unspecified (changed in place, or moved from: then `points` is empty). The default moves
  // them into feed().
  virtual Status feedReusable(model::Category category, std::vector<model::Point>& points,
                              const FeedOptions& options) {
    Status st = feed(category, std::move(points), options);
    points.clear();
    return st;
  }
  // An input's error for self-metrics (datakit_error_total, datakit_last_err) and the log.
  virtual void reportError(std::string_view input, std::string_view message) = 0;
};

// The health of one scrape target of a pulling input (prom: one per URL), for the agent's
// /metrics (appendInputMetrics: sextant_input_target_*). A snapshot value.
struct TargetHealth {
  std::string target;                         // what is scraped ("https://127.0.0.1:2379/metrics")
  bool up = false;                            // the last scrape succeeded
  int64_t scrapes = 0;                        // scrapes attempted
  int64_t failures = 0;                       // scrapes that failed
  int64_t last_scrape_ns = 0;                 // wall clock when the last scrape started (0: never)
  std::chrono::nanoseconds last_duration{0};  // of the last scrape
  int64_t last_samples = 0;                   // samples in the last successful scrape's body
  std::string last_error;                     // of the last failed scrape ("" when none yet)
  int64_t last_error_ns = 0;
};

// One of an input's own event counters ("bad_requests", "duplicates"), for the agent's /metrics
// (appendInputMetrics: sextant_input_events_total{input,instance,event}).
struct InputCounter {
  std::string event;
  uint64_t value = 0;
};

// A route an HTTP-push input serves on the agent's port (public, rate limited by the agent).
struct InputRoute {
  std::string method;
  std::string path;  // a net::Router pattern ("/v1/gitlab", "/api/v2/spans")
  net::Handler handler;
};

// What the runtime hands an input at creation.
struct InputEnv {
  inputs::HostPaths host_paths;     // agent/inputs/host_common/host_paths.h
  std::function<int64_t()> now_ns;  // wall clock seam
  Feeder* feeder = nullptr;         // for HTTP-push and streaming inputs
  bool container_mode = false;
  // The agent's install dir (relative paths in input options, e.g. a disk buffer, are under it).
  std::string install_dir;
  // The first DataWay URL (with its ?token=), "" when none, and the client the agent uses for it
  // (in-process in `sextant standalone`): for inputs that forward data the point path does not
  // carry (RUM session replays). Borrowed; outlives the input.
  std::string dataway_url;
  net::HttpClient* dataway_client = nullptr;
  // datakit.conf [http_api] rum_origin_ip_header and rum_app_id_white_list.
  std::string rum_origin_ip_header = "X-Forwarded-For";
  std::vector<std::string> rum_app_id_white_list;
  // This input's ENV_INPUT_<INPUT>_<KEY> values keyed by KEY ("PERCPU", "INTERVAL"), container
  // mode only (empty otherwise).
  std::map<std::string, std::string> env;
};

// The runner's feed for one collection of one scheduled instance (Input::collectAndFeed): the
// instance's FeedOptions, and its statistics and errors counted as for the points collect()
// returns. Valid during that call only.
class CollectFeeder {
 public:
  virtual ~CollectFeeder() = default;
  virtual Status feed(std::vector<model::Point>&& points) = 0;
  virtual Status feedReusable(std::vector<model::Point>& points) = 0;  // Feeder::feedReusable
};

class Input {
 public:
  virtual ~Input() = default;
  virtual std::string_view name() const = 0;
  virtual model::Category category() const { return model::Category::kMetric; }
  virtual bool election() const { return false; }  // runs only while this agent is the leader
  // Scheduled inputs: interval() > 0; collect() is called every interval.
  virtual std::chrono::nanoseconds interval() const { return std::chrono::nanoseconds(0); }
  // Appends this collection's points (any that could be built, even on error) to *out. The
  // default (for inputs that are not scheduled) returns Unimplemented.
  virtual Status collect(int64_t now_ns, std::vector<model::Point>* out);
  // Scheduled inputs: what the runner calls every interval: one collection whose points go to
  // `feeder`. Returns the collection's error (feed errors are recorded by the runner). The
  // default calls collect() and feeds what it appended (if anything) with feeder.feed(); inputs
  // that keep their points between collections (prom) override it and use feedReusable().
  virtual Status collectAndFeed(int64_t now_ns, CollectFeeder& feeder);
  // HTTP-push inputs: routes served on the agent's port (public, rate limited by the agent).
  virtual std::vector<InputRoute> routes() { return {}; }
  // Streaming inputs: started once; feed through env.feeder on their own threads.
  virtual Status start() { return Status::ok(); }
  virtual void stop() {}
  // Pulling inputs: the health of each target, read by InputRunner::stats() from any thread
  // while collect() may run (must be thread-safe and must not block on a scrape).
  virtual std::vector<TargetHealth> targets() const { return {}; }
  // The input's own event counters, read like targets() (thread-safe, never blocking).
  virtual std::vector<InputCounter> counters() const { return {}; }
};

struct InputFactory {
  std::string name;
  // Parses one [[inputs.<name>]] table; errors are ConfigTable's "file:line: [inputs.x] key: ...".
  std::function<Result<std::unique_ptr<Input>>(const config::ConfigTable& table,
                                               const InputEnv& env)>
      create;
};

// The explicit registration list (src/agent/inputs/registry.cc): every input Sextant has, in a
// fixed order. Defined in the sextant_agent_inputs library.
const std::vector<InputFactory>& inputRegistry();
// The factory named `name`, or nullptr.
const InputFactory* findInput(std::string_view name);

}  // namespace sextant::agent

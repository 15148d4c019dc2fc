#include "agent/agent.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>

#include "agent/election/election_client.h"
#include "agent/election/global_tags.h"
#include "agent/election/global_tags_api.h"
#include "agent/http_front.h"
#include "agent/inputs/host_plugins.h"
#include "agent/pipeline_stage.h"
#include "agent/point_path.h"
#include "agent/query_proxy.h"
#include "agent/runtime/input_metrics.h"
#include "agent/runtime/input_runner.h"
#include "agent/uploader/uploader.h"
#include "agent/write_api.h"
#include "codec/point_json/json_writer.h"
#include "config/env_config.h"
#include "config/input_config.h"
#include "config/main_config.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "core/metrics_text.h"
#include "core/version.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace sextant::agent {

namespace {

constexpr std::string_view kDefaultInstallDir = "/usr/local/datakit";
constexpr std::string_view kDatakitDefaultLog = "/var/log/datakit/log";

std::string osHostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

// The first IPv4 address of an interface that is up and not loopback (DataKit's $datakit_ip).
std::string primaryIp() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string ip;
  for (ifaddrs* a = list; a != nullptr && ip.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char buf[INET_ADDRSTRLEN] = {};
    const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)) != nullptr) ip = buf;
  }
  freeifaddrs(list);
  return ip;
}

// Go's time.Duration String() shape, e.g. "1h2m3.5s", as DataKit's /v1/ping shows uptime.
std::string goDuration(std::chrono::steady_clock::duration d) {
  double secs = std::chrono::duration<double>(d).count();
  long h = static_cast<long>(secs / 3600);
  secs -= static_cast<double>(h) * 3600;
  long m = static_cast<long>(secs / 60);
  secs -= static_cast<double>(m) * 60;
  char buf[64];
  if (h > 0) {
    snprintf(buf, sizeof(buf), "%ldh%ldm%.3fs", h, m, secs);
  } else if (m > 0) {
    snprintf(buf, sizeof(buf), "%ldm%.3fs", m, secs);
  } else {
    snprintf(buf, sizeof(buf), "%.3fs", secs);
  }
  return buf;
}

std::string page404(std::chrono::steady_clock::duration uptime) {
  return "<!DOCTYPE html><html><head><title>Sextant</title></head><body>"
         "<h1>Welcome to use DataKit</h1><p>This is Sextant " +
         std::string(kVersion) + " (" + kGitCommit +
         "), a DataKit-compatible agent.</p><p>Uptime: " + goDuration(uptime) +
         "</p><p>The page you asked for does not exist.</p></body></html>";
}

// Resident set size and CPU seconds of this process, for /metrics.
struct ProcessUsage {
  double rss_bytes = 0;
  double cpu_seconds = 0;
  double open_files = 0;
};

ProcessUsage processUsage() {
  ProcessUsage u;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long pages = 0, rss = 0;
    if (std::fscanf(f, "%ld %ld", &pages, &rss) == 2) {
      u.rss_bytes = static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
    }
    std::fclose(f);
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    u.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    u.open_files += 1;
  }
  return u;
}

std::shared_ptr<spdlog::logger> makeLogger(const config::LoggingConfig& cfg,
                                           const std::string& install_dir, bool container) {
  std::string path = cfg.log;
  // DataKit's default path is only used where DataKit would be installed; elsewhere (tests,
  // `make run`, a user's own --install-dir) and in container mode the log goes to stderr.
  const bool file = !path.empty() && path != "stdout" && path != "stderr" && !container &&
                    (path != kDatakitDefaultLog || install_dir == kDefaultInstallDir);
  std::shared_ptr<spdlog::logger> logger;
  if (file) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    try {
      logger = std::make_shared<spdlog::logger>(
          "sextant", std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                         path, static_cast<size_t>(std::max<int64_t>(cfg.rotate, 1)) << 20,
                         static_cast<size_t>(std::max<int64_t>(cfg.rotate_backups, 1))));
    } catch (const spdlog::spdlog_ex&) {
      logger = nullptr;  // unwritable: fall back to stderr below
    }
  }
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("sextant",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  logger->set_level(spdlog::level::from_str(cfg.level));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace

struct Agent::Impl {
  AgentOptions options;
  config::MainConfig config;
  config::EnvMap env;  // ENV_* of the process (container mode)
  config::HostIdentity identity;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::shared_ptr<spdlog::logger> log;

  std::mutex tags_mu;
  std::shared_ptr<election::GlobalTags> tags;

  std::unique_ptr<net::HttpClient> owned_http_client;  // when options.http_client is null
  net::HttpClient* http_client = nullptr;              // options.http_client or the owned one
  std::unique_ptr<Uploader> uploader;
  std::unique_ptr<PointPath> points;
  PipelineStage pipelines;  // <install dir>/pipeline scripts, the point path's hook
  std::unique_ptr<election::ElectionClient> election;
  std::unique_ptr<HttpFront> front;
  std::unique_ptr<net::HttpServer> server;

  std::mutex inputs_mu;  // runner, leader, input_messages
  std::unique_ptr<InputRunner> runner;
  bool leader = true;
  std::vector<std::string> input_messages;  // config errors and warnings of the last load

  std::string confPath() const { return options.install_dir + "/conf.d/datakit.conf"; }

  Result<config::MainConfig> loadConfig() {
    Result<config::MainConfig> cfg = config::loadMainConfig(confPath());
    if (!cfg.isOk()) return cfg.status();
    if (options.container) SEXTANT_RETURN_IF_ERROR(config::applyEnv(&cfg.value(), env));
    if (!options.listen.empty()) cfg->http_api.listen = options.listen;
    if (!options.dataway_url.empty()) cfg->dataway.urls = {options.dataway_url};
    return cfg;
  }

  std::shared_ptr<election::GlobalTags> makeTags(const config::MainConfig& cfg) {
    std::shared_ptr<election::TagPersister> persister;
    // In host mode /v1/global/*/tags changes are written back to datakit.conf (DataKit).
    if (!options.container) {
      persister = std::make_shared<election::ConfFilePersister>(realFileSystem(), confPath());
    }
    return std::make_shared<election::GlobalTags>(
        config::resolveGlobalTags(cfg.global_host_tags, identity),
        config::resolveElectionTags(cfg, identity), cfg.election.enable, std::move(persister));
  }

  std::shared_ptr<election::GlobalTags> currentTags() {
    std::lock_guard lock(tags_mu);
    return tags;
  }

  Status startUploader() {
    if (config.dataway.urls.empty()) {
      log->warn(
          "no DataWay configured ([dataway] urls / ENV_DATAWAY): points are counted and "
          "dropped");
      return Status::ok();
    }
    const config::DatawayConfig& dw = config.dataway;
    UploaderOptions o;
    o.urls = dw.urls;
    o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(dw.timeout);
    o.max_retry_count = static_cast<int>(dw.max_retry_count);
    o.retry_delay = std::chrono::duration_cast<std::chrono::milliseconds>(dw.retry_delay);
    o.gzip = dw.gzip;
    o.encoding = dw.uploadsProtobuf() ? UploadEncoding::kProtobuf : UploadEncoding::kLineProtocol;
    o.max_raw_body_size = static_cast<size_t>(dw.max_raw_body_size);
    o.queue_dir =
        (dw.wal.path.empty() ? options.install_dir + "/cache" : dw.wal.path) + "/sextant-queue";
    o.queue_max_bytes = static_cast<uint64_t>(dw.wal.max_capacity_gb * double(1ull << 30));
    for (const std::string& c : dw.wal.no_drop_categories) {
      if (auto cat = model::parseCategory(c)) o.no_drop_categories.push_back(*cat);
    }
    o.hostname = identity.hostname;
    o.tls.insecure_skip_verify = dw.tls_insecure;
    auto up = Uploader::create(std::move(o), realFileSystem(), *http_client);
    if (!up.isOk()) return up.status();
    uploader = std::move(up).value();
    return uploader->start();
  }

  void startPointPath() {
    PointPathOptions o;
    o.now_ns = wallNowNs;
    o.host_tags = [this] { return currentTags()->hostTags(); };
    o.election_tags = [this] { return currentTags()->electionTags(); };
    o.auto_timestamp_correction = config.io.auto_timestamp_correction;
    o.max_cache_count = static_cast<size_t>(std::max<int64_t>(config.io.max_cache_count, 1));
    o.flush_interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(config.io.flush_interval);
    if (o.flush_interval.count() <= 0) o.flush_interval = std::chrono::seconds(10);
    loadPipelines();
    o.pipeline = [this](model::Category c, const FeedOptions& feed,
                        std::vector<model::Point>* pts) {
      pipelines.apply(c, feed, pts, wallNowNs());
    };
    o.pipeline_applies = [this](model::Category c, const FeedOptions& feed) {
      return pipelines.mayApply(c, feed);
    };
    if (uploader) {
      o.sink = [up = uploader.get()](model::Category c, const std::vector<model::Point>& pts,
                                     const std::string& storage_index) {
        return up->write(c, pts, storage_index);
      };
      if (uploader->protobufBodies()) {
        o.protobuf_sink = [up = uploader.get()](model::Category c, std::string_view pb,
                                                std::span<const uint32_t> point_ends,
                                                const std::string& storage_index) {
          return up->writeProtobuf(c, pb, point_ends, storage_index);
        };
      }
    }
    points = std::make_unique<PointPath>(std::move(o));
    points->start();
  }

  // (Re)loads <install dir>/pipeline; compile errors are logged with their file, line and column.
  void loadPipelines() {
    const std::string dir = options.install_dir + "/pipeline";
    std::vector<std::string> errors;
    pipelines.reload(dir, &errors);
    if (!std::filesystem::exists(dir)) return;  // no scripts: not an error
    for (const std::string& e : errors) log->warn("pipeline: {}", e);
    log->info("pipeline: {} scripts from {}", pipelines.stats().scripts, dir);
  }

  // Builds the inputs of conf.d (plus ENV_DATAKIT_INPUTS and the default-enabled ones) into a
  // new runner. Config errors and unknown inputs are logged and kept for /metrics; they never
  // stop the other inputs.
  std::unique_ptr<InputRunner> buildInputs(const config::MainConfig& cfg,
                                           std::vector<std::string>* messages) {
    config::InputConfigs confs = config::loadInputConfigs(options.install_dir + "/conf.d");
    if (options.container) {
      if (auto it = env.find("ENV_DATAKIT_INPUTS"); it != env.end() && !it->second.empty()) {
        config::InputConfigs more = config::parseInputConfigText(it->second, "ENV_DATAKIT_INPUTS");
        for (auto& s : more.inputs) confs.inputs.push_back(std::move(s));
        for (auto& e : more.errors) confs.errors.push_back(std::move(e));
      }
    }
    for (const std::string& e : confs.errors) messages->push_back("error: " + e);

    InputRunnerOptions ro;
    ro.feeder = points.get();
    ro.now_ns = wallNowNs;
    {
      std::lock_guard lock(inputs_mu);
      ro.leader = leader;
    }
    auto built = std::make_unique<InputRunner>(std::move(ro));

    std::map<std::string, int> instances;
    auto create = [&](const std::string& name, const config::ConfigTable& table) {
      const InputFactory* f = findInput(name);
      if (f == nullptr) {
        messages->push_back("warning: " +
                            (table.file().empty()
                                 ? std::string("default_enabled_inputs")
                                 : table.file() + ":" + std::to_string(table.line())) +
                            ": unknown input '" + name + "' ignored");
        return;
      }
      InputEnv ienv;
      ienv.host_paths = inputs::HostPaths::fromEnv();
      ienv.now_ns = wallNowNs;
      ienv.feeder = points.get();
      ienv.container_mode = options.container;
      ienv.install_dir = options.install_dir;
      ienv.dataway_url = config.dataway.urls.empty() ? "" : config.dataway.urls.front();
      ienv.dataway_client = http_client;
      ienv.rum_origin_ip_header = config.http_api.rum_origin_ip_header;
      ienv.rum_app_id_white_list = config.http_api.rum_app_id_white_list;
      if (options.container) ienv.env = config::inputEnv(env, name);
      // hostobject reports the agent's own facts (version, election, collectors).
      Result<std::unique_ptr<Input>> in =
          name == "hostobject"
              ? inputs::createHostObjectInput(table, ienv, [this] { return agentInfo(); })
              : f->create(table, ienv);
      if (!in.isOk()) {
        messages->push_back("error: input " + name + ": " + in.status().message());
        return;
      }
      built->add(std::move(in).value(), instances[name]++);
    };
    for (const config::InputSection& s : confs.inputs) create(s.name, s.table);
    for (const std::string& name : cfg.default_enabled_inputs) {
      if (instances.count(name) == 0) create(name, config::ConfigTable());
    }
    return built;
  }

  inputs::AgentInfo agentInfo() {
    inputs::AgentInfo info;
    info.hostname = identity.hostname;
    info.version = kVersion;
    info.ip = identity.ip;
    info.logging_level = config.logging.level;
    info.http_listen = config.http_api.listen;
    info.is_docker = options.container;
    info.election_namespace = config.election.ns;
    if (election) {
      election::ElectionState es = election->status();
      info.election_status = std::string(election::electionStatusName(es.status));
      info.elected_hostname = es.leader;
    }
    std::lock_guard lock(inputs_mu);
    if (runner) {
      for (const InputStats& s : runner->stats()) {
        inputs::CollectorStatus c;
        c.name = s.name;
        c.count = s.collects;
        c.last_time = s.last_collect_ns / 1'000'000;
        c.last_err = s.last_error;
        c.last_err_time = s.last_error_ns / 1'000'000;
        info.collectors.push_back(std::move(c));
      }
    }
    return info;
  }

  void logMessages(const std::vector<std::string>& messages) {
    for (const std::string& m : messages) {
      if (m.starts_with("error")) {
        log->error("{}", m);
      } else {
        log->warn("{}", m);
      }
    }
  }

  Status startInputs() {
    std::vector<std::string> messages;
    std::unique_ptr<InputRunner> r = buildInputs(config, &messages);
    logMessages(messages);
    InputRunner* started_runner = nullptr;
    {
      std::lock_guard lock(inputs_mu);
      r->setLeader(leader);  // the election may have moved while the inputs were built
      runner = std::move(r);
      input_messages = std::move(messages);
      started_runner = runner.get();
    }
    // Only this thread replaces the runner (start, reload, stop), so the pointer stays valid.
    Status st = started_runner->start();
    if (!st.isOk()) log->error("input start: {}", st.toString());
    return Status::ok();
  }

  void setLeader(bool is_leader) {
    std::lock_guard lock(inputs_mu);
    leader = is_leader;
    if (runner) runner->setLeader(is_leader);
    log->info("election: {}", is_leader ? "leader" : "not leader");
  }

  Status startElection() {
    if (!config.election.enable) return Status::ok();
    leader = false;
    if (config.dataway.urls.empty()) {
      log->warn("election enabled but no DataWay configured: election inputs stay paused");
      return Status::ok();
    }
    election::ElectionClientOptions o;
    o.enabled = true;
    o.election_namespace = config.election.ns;
    o.id = identity.hostname;
    o.node_whitelist = config.election.node_whitelist;
    o.dataway_url = config.dataway.urls.front();
    o.request_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(config.dataway.timeout);
    o.on_change = [this](bool is_leader) { setLeader(is_leader); };
    election = std::make_unique<election::ElectionClient>(std::move(o), *http_client);
    return election->start();
  }

  std::vector<FrontRoute> routes() {
    std::vector<FrontRoute> r;
    // Input routes first: the first match wins, so an input's /v1/write/rum is served before the
    // generic /v1/write/:category.
    {
      std::lock_guard lock(inputs_mu);
      if (runner) {
        for (InputRoute& ir : runner->routes()) {
          r.push_back({std::move(ir.method), std::move(ir.path), std::move(ir.handler), true});
        }
      }
    }
    r.push_back({"GET", "/v1/ping", [this](net::HttpRequest&) { return ping(); }, true});
    r.push_back({"GET", "/v1/ntp",
                 [](net::HttpRequest&) {
                   int64_t secs = wallNowNs() / 1'000'000'000;
                   return net::HttpResponse::json(
                       200, "{\"timestamp_sec\":" + std::to_string(secs) + "}");
                 },
                 true});
    WriteContext write_ctx;
    write_ctx.now_ns = wallNowNs;
    write_ctx.sink = [this](model::Category c, std::vector<model::Point>&& pts,
                            const FeedOptions& feed) {
      return points->feed(c, std::move(pts), feed);
    };
    write_ctx.line_protocol_feed =
        [this](model::Category c, std::string_view body, const codec::lp::DecodeOptions& decode,
               const model::CheckOptions& check, const FeedOptions& feed) {
          return points->feedLineProtocol(c, body, decode, check, feed);
        };
    r.push_back({"POST", "/v1/write/:category",
                 [write_ctx](net::HttpRequest& req) { return handleWrite(req, write_ctx); },
                 false});
    r.push_back({"GET", "/metrics", [this](net::HttpRequest&) { return metrics(); }, false});
    std::string dataway = config.dataway.urls.empty() ? "" : config.dataway.urls.front();
    r.push_back({"POST", "/v1/query/raw",
                 [this, dataway](net::HttpRequest& req) {
                   return forwardQueryRaw(req, dataway, *http_client);
                 },
                 false});
    r.push_back(
        {"POST", "/v1/lasterror", [this](net::HttpRequest& req) { return lastError(req); }, false});
    for (const char* method : {"GET", "POST", "DELETE"}) {
      r.push_back({method, "/v1/global/host/tags",
                   [this](net::HttpRequest& req) {
                     return election::handleGlobalTags(req, *currentTags(), false);
                   },
                   false});
      r.push_back({method, "/v1/global/election/tags",
                   [this](net::HttpRequest& req) {
                     return election::handleGlobalTags(req, *currentTags(), true);
                   },
                   false});
    }
    return r;
  }

  net::HttpResponse ping() {
    std::string body;
    codec::json::JsonWriter w(&body);
    w.beginObject();
    w.key("content");
    w.beginObject();
    w.key("version");
    w.string(kVersion);
    w.key("uptime");
    w.string(goDuration(std::chrono::steady_clock::now() - started));
    w.key("host");
    w.string(identity.hostname);
    w.key("commit");
    w.string(kGitCommit);
    w.endObject();
    w.endObject();
    return net::HttpResponse::json(200, std::move(body));
  }

  // POST /v1/lasterror {"input","source","err_content"}: an external collector's error.
  net::HttpResponse lastError(const net::HttpRequest& req) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(req.body).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      return apiError(400, "datakit.invalidJSON", "body is not a JSON object");
    }
    std::string_view input, content;
    if (doc["input"].get(input) != simdjson::SUCCESS || input.empty() ||
        doc["err_content"].get(content) != simdjson::SUCCESS || content.empty()) {
      return apiError(400, "datakit.badRequest", "input and err_content are required");
    }
    points->reportError(input, content);
    log->warn("lasterror from {}: {}", input, content);
    return net::HttpResponse{200, "", "", {}};
  }

  net::HttpResponse metrics();
};

net::HttpResponse Agent::Impl::metrics() {
  MetricsText m;
  const std::string& host = identity.hostname;

  m.family("datakit_uptime_seconds", "gauge", "Agent uptime");
  m.sample("datakit_uptime_seconds", {{"version", kVersion}, {"hostname", host}},
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  ProcessUsage u = processUsage();
  m.family("datakit_mem_stat", "gauge", "Agent memory");
  m.sample("datakit_mem_stat", {{"type", "rss"}}, u.rss_bytes);
  m.family("datakit_cpu_seconds_total", "counter", "Agent CPU time (user + system)");
  m.sample("datakit_cpu_seconds_total", {}, u.cpu_seconds);
  m.family("datakit_open_files", "gauge", "Agent open file descriptors");
  m.sample("datakit_open_files", {}, u.open_files);

  front->apiCounters().render("datakit_http_api", &m);
  m.family("datakit_http_api_rate_limited_total", "counter", "Requests answered 429");
  m.sample("datakit_http_api_rate_limited_total", {}, static_cast<double>(front->rateLimited()));
  m.family("datakit_http_api_access_denied_total", "counter",
           "Requests answered 403 publicAccessDisabled");
  m.sample("datakit_http_api_access_denied_total", {}, static_cast<double>(front->accessDenied()));

  PointPathStats ps = points->stats();
  m.family("datakit_io_feed_total", "counter", "Feeds by input and category");
  for (const FeedStats& f : ps.feeds) {
    m.sample("datakit_io_feed_total",
             {{"name", f.input}, {"category", model::categoryName(f.category)}},
             static_cast<double>(f.feeds));
  }
  m.family("datakit_io_feed_point_total", "counter", "Points fed by input and category");
  for (const FeedStats& f : ps.feeds) {
    m.sample("datakit_io_feed_point_total",
             {{"name", f.input}, {"category", model::categoryName(f.category)}},
             static_cast<double>(f.points));
  }
  m.family("datakit_io_last_feed_timestamp_seconds", "gauge", "Last feed time by input");
  for (const FeedStats& f : ps.feeds) {
    m.sample("datakit_io_last_feed_timestamp_seconds",
             {{"name", f.input}, {"category", model::categoryName(f.category)}},
             static_cast<double>(f.last_feed_ns) / 1e9);
  }
  m.family("datakit_error_total", "counter", "Errors reported by inputs");
  for (const InputError& e : ps.errors) {
    m.sample("datakit_error_total", {{"source", e.input}}, static_cast<double>(e.count));
  }
  m.family("datakit_last_err", "gauge", "Last error of each input (value: its unix time)");
  for (const InputError& e : ps.errors) {
    m.sample("datakit_last_err", {{"source", e.input}, {"error", e.message}},
             static_cast<double>(e.time_ns) / 1e9);
  }
  PipelineStats pl = pipelines.stats();
  m.family("datakit_pipeline_scripts", "gauge", "Pipeline scripts loaded");
  m.sample("datakit_pipeline_scripts", {}, static_cast<double>(pl.scripts));
  m.family("datakit_pipeline_total", "counter",
           "Points a pipeline script ran on, by outcome (kept, dropped, error)");
  m.sample("datakit_pipeline_total", {{"outcome", "dropped"}}, static_cast<double>(pl.dropped));
  m.sample("datakit_pipeline_total", {{"outcome", "error"}}, static_cast<double>(pl.errors));
  m.sample("datakit_pipeline_total", {{"outcome", "run"}}, static_cast<double>(pl.runs));
  m.family("datakit_pipeline_missing_total", "counter",
           "Feeds naming a pipeline script that does not exist");
  m.sample("datakit_pipeline_missing_total", {}, static_cast<double>(pl.missing));
  m.family("datakit_io_queue_points", "gauge", "Points waiting in batches");
  m.sample("datakit_io_queue_points", {}, static_cast<double>(ps.pending_points));
  m.family("datakit_io_timestamp_corrected_total", "counter",
           "Points re-timed by auto_timestamp_correction");
  m.sample("datakit_io_timestamp_corrected_total", {}, static_cast<double>(ps.corrected_times));
  m.family("datakit_io_dropped_point_total", "counter",
           "Points dropped before the uploader (no DataWay, or the uploader refused them)");
  m.sample("datakit_io_dropped_point_total", {{"reason", "no_dataway"}},
           static_cast<double>(ps.discarded_points));
  m.sample("datakit_io_dropped_point_total", {{"reason", "upload_queue"}},
           static_cast<double>(ps.failed_points));
  m.sample("datakit_io_dropped_point_total", {{"reason", "ignore_status"}},
           static_cast<double>(ps.ignored_status));

  {
    std::lock_guard lock(inputs_mu);
    if (runner) {
      InputMetricsLabels labels;
      labels.election_id = host;
      labels.election_namespace = config.election.ns;
      labels.feed_families = false;
      appendInputMetrics(runner->stats(), &m, labels);
    }
    m.family("datakit_config_messages", "gauge", "Config errors and warnings of the last load");
    for (const std::string& msg : input_messages)
      m.sample("datakit_config_messages", {{"message", msg}}, 1);
  }

  if (uploader) {
    UploaderStats us = uploader->stats();
    m.family("datakit_io_dataway_point_total", "counter", "Points by category and outcome");
    for (const UploaderLaneStats& l : us.lanes) {
      std::string_view cat = model::categoryName(l.category);
      m.sample("datakit_io_dataway_point_total",
               {{"endpoint", l.endpoint}, {"category", cat}, {"status", "ok"}},
               static_cast<double>(l.points_sent));
      m.sample("datakit_io_dataway_point_total",
               {{"endpoint", l.endpoint}, {"category", cat}, {"status", "dropped_4xx"}},
               static_cast<double>(l.points_dropped_4xx));
      m.sample("datakit_io_dataway_point_total",
               {{"endpoint", l.endpoint}, {"category", cat}, {"status", "rejected_full"}},
               static_cast<double>(l.points_rejected_full));
    }
    m.family("datakit_io_dataway_point_bytes_total", "counter", "Body bytes sent");
    for (const UploaderLaneStats& l : us.lanes) {
      m.sample("datakit_io_dataway_point_bytes_total",
               {{"endpoint", l.endpoint}, {"category", model::categoryName(l.category)}},
               static_cast<double>(l.bytes_sent));
    }
    m.family("datakit_io_http_retry_total", "counter", "Failed POSTs that will be retried");
    for (const UploaderLaneStats& l : us.lanes) {
      m.sample("datakit_io_http_retry_total",
               {{"endpoint", l.endpoint}, {"category", model::categoryName(l.category)}},
               static_cast<double>(l.retries));
    }
    m.family("datakit_io_wal_point_total", "gauge", "Bodies and bytes waiting in the disk queue");
    for (const UploaderLaneStats& l : us.lanes) {
      std::string_view cat = model::categoryName(l.category);
      m.sample("datakit_io_wal_point_total",
               {{"endpoint", l.endpoint}, {"category", cat}, {"unit", "bodies"}},
               static_cast<double>(l.queue.queued_records));
      m.sample("datakit_io_wal_point_total",
               {{"endpoint", l.endpoint}, {"category", cat}, {"unit", "bytes"}},
               static_cast<double>(l.queue.queued_bytes));
    }
    m.family("diskcache_dropped_total", "counter", "Bodies dropped by a full disk queue");
    for (const UploaderLaneStats& l : us.lanes) {
      m.sample("diskcache_dropped_total",
               {{"endpoint", l.endpoint}, {"category", model::categoryName(l.category)}},
               static_cast<double>(l.queue.dropped_records));
    }
  }

  if (election) {
    election::ElectionState es = election->status();
    m.family("datakit_election_status", "gauge",
             "Election status (1 = this agent leads), with the leader and namespace");
    m.sample("datakit_election_status",
             {{"namespace", es.election_namespace},
              {"status", election::electionStatusName(es.status)},
              {"elected_id", es.leader}},
             es.status == election::ElectionStatus::kSuccess ? 1 : 0);
  }
  return net::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", m.take(), {}};
}

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Agent::~Agent() { stop(); }

Status Agent::start() {
  Impl& a = *impl_;
  if (a.options.container) a.env = config::processEnv();
  Result<config::MainConfig> cfg = a.loadConfig();
  if (!cfg.isOk()) return cfg.status();
  a.config = std::move(cfg).value();
  a.log = makeLogger(a.config.logging, a.options.install_dir, a.options.container);
  a.identity.hostname = a.config.hostname.empty() ? osHostName() : a.config.hostname;
  a.identity.ip = primaryIp();
  a.tags = a.makeTags(a.config);

  if (a.options.http_client == nullptr) a.owned_http_client = net::makeHttpClient();
  a.http_client = a.options.http_client ? a.options.http_client : a.owned_http_client.get();
  SEXTANT_RETURN_IF_ERROR(a.startUploader());
  a.startPointPath();
  SEXTANT_RETURN_IF_ERROR(a.startElection());
  SEXTANT_RETURN_IF_ERROR(a.startInputs());

  HttpFrontOptions fo;
  fo.public_apis = a.config.http_api.public_apis;
  fo.allowed_cors_origins = a.config.http_api.allowed_cors_origins;
  fo.rate_limit.rate = a.config.http_api.request_rate_limit;
  fo.rate_limit.burst = static_cast<double>(a.config.http_api.request_rate_limit_burst);
  fo.rate_limit.ttl = a.config.http_api.request_rate_limit_ttl;
  fo.not_found = [impl = impl_.get()] {
    if (impl->config.http_api.disable_404page) {
      return net::HttpResponse::text(404, "404 page not found");
    }
    return net::HttpResponse{404,
                             "text/html; charset=utf-8",
                             page404(std::chrono::steady_clock::now() - impl->started),
                             {}};
  };
  a.front = std::make_unique<HttpFront>(std::move(fo));
  a.front->setRoutes(a.routes());

  net::HttpServerOptions http;
  http.listen = a.config.http_api.listen;
  http.timeout = a.config.http_api.timeout;
  http.threads = 2;
  http.extra_headers = {{"X-DataKit", std::string(kVersion) + "/" + a.identity.hostname}};
  http.error_response = [](int status, std::string message) {
    switch (status) {
      case 408: return net::HttpResponse::text(408, std::move(message));
      case 413: return apiError(413, "datakit.requestEntityTooLarge", message);
      default: return apiError(status, "datakit.badRequest", message);
    }
  };
  a.server = std::make_unique<net::HttpServer>(std::move(http), a.front->serverRouter());
  SEXTANT_RETURN_IF_ERROR(a.server->start());
  a.log->info("sextant agent {} listening on {}, {} inputs", kVersion, a.server->boundAddress(),
              a.runner ? a.runner->size() : 0);
  return Status::ok();
}

Status Agent::reload() {
  Impl& a = *impl_;
  if (!a.server) return Status(StatusCode::kInternal, "agent not started");
  if (a.options.container) a.env = config::processEnv();
  Result<config::MainConfig> cfg = a.loadConfig();
  if (!cfg.isOk()) {
    a.log->error("reload: {} (keeping the running config)", cfg.status().message());
    return cfg.status();
  }
  // What a reload changes: global and election tags, the pipeline scripts, and the inputs (with
  // their routes). The point path, the uploader with its queues, the listener and the election
  // keep running, so nothing accepted is lost; changes to those need a restart.
  {
    auto tags = a.makeTags(*cfg);
    std::lock_guard lock(a.tags_mu);
    a.tags = std::move(tags);
  }
  std::unique_ptr<InputRunner> old;
  {
    std::lock_guard lock(a.inputs_mu);
    old = std::move(a.runner);
  }
  // The old inputs' routes go first (setRoutes waits for requests in their handlers), then the
  // inputs stop and are destroyed.
  a.front->setRoutes(a.routes());
  if (old) old->stop();  // joins collectors; points they fed are already in the point path
  old.reset();
  a.config.global_host_tags = cfg->global_host_tags;
  a.config.election.tags = cfg->election.tags;
  a.config.default_enabled_inputs = cfg->default_enabled_inputs;
  a.loadPipelines();
  SEXTANT_RETURN_IF_ERROR(a.startInputs());
  a.front->setRoutes(a.routes());
  a.log->info("reloaded: {} inputs", a.runner ? a.runner->size() : 0);
  return Status::ok();
}

void Agent::stop() {
  if (!impl_) return;
  Impl& a = *impl_;
  if (a.server) a.server->stop();  // no new requests
  std::unique_ptr<InputRunner> runner;
  {
    std::lock_guard lock(a.inputs_mu);
    runner = std::move(a.runner);
  }
  if (runner) runner->stop();
  if (a.election) a.election->stop();
  if (a.points) a.points->stop();  // flushes pending batches into the uploader's queues
  if (a.uploader) a.uploader->stop();
}

std::string Agent::listenAddress() const {
  return impl_->server ? impl_->server->boundAddress() : "";
}

AgentStatus Agent::status() const {
  AgentStatus s;
  if (impl_->points) {
    PointPathStats ps = impl_->points->stats();
    for (const FeedStats& f : ps.feeds) s.fed_points += f.points;
    s.pending_points = ps.pending_points;
  }
  {
    std::lock_guard lock(impl_->inputs_mu);
    if (impl_->runner) s.inputs = impl_->runner->size();
    s.config_messages = impl_->input_messages;
  }
  if (impl_->uploader) {
    for (const UploaderLaneStats& l : impl_->uploader->stats().lanes) {
      s.uploaded_points += l.points_sent;
      s.queued_bodies += l.queue.queued_records;
    }
  }
  return s;
}

bool Agent::waitUploaded(std::chrono::milliseconds timeout) {
  if (impl_->points) impl_->points->flush();
  return impl_->uploader ? impl_->uploader->waitIdle(timeout) : true;
}

}  // namespace sextant::agent

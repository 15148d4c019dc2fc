#include "agent/inputs/tracing/tracing_input.h"

#include <simdjson.h>

#include "agent/api_error.h"
#include "agent/queue/disk_queue.h"
#include "codec/compression/compression.h"
#include "core/file_system.h"
#include "model/check.h"
#include "net/http_server.h"

namespace sextant::agent::inputs::tracing {

namespace {

Result<std::shared_ptr<const re2::RE2>> compile(const std::string& expr, const std::string& where) {
  auto re = std::make_shared<const re2::RE2>(expr, re2::RE2::Quiet);
  if (!re->ok())
    return invalidArgument(where + ": bad regular expression '" + expr + "': " + re->error());
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

Status compileAll(const std::vector<std::string>& exprs, const std::string& where,
                  std::vector<std::shared_ptr<const re2::RE2>>* out) {
  for (const std::string& e : exprs) {
    auto re = compile(e, where);
    if (!re.isOk()) return re.status();
    out->push_back(std::move(*re));
  }
  return Status::ok();
}

// customer_tags: exact keys, "reg:<RE2>" entries compiled.
Status setCustomerTags(const std::vector<std::string>& keys, const std::string& where,
                       SpanPointOptions* o) {
  for (const std::string& k : keys) {
    if (k.rfind("reg:", 0) == 0) {
      auto re = compile(k.substr(4), where);
      if (!re.isOk()) return re.status();
      o->customer_tag_res.push_back(std::move(*re));
    } else {
      o->customer_tags.push_back(k);
    }
  }
  return Status::ok();
}

Status setSamplingRate(double rate, const std::string& where, TraceFilterOptions* f) {
  if (!(rate >= 0 && rate <= 1))
    return invalidArgument(where + ": sampling_rate must be within [0, 1]");
  f->sampler = true;
  f->sampling_rate = rate;
  return Status::ok();
}

void setTags(const std::map<std::string, std::string>& tags, SpanPointOptions* o) {
  for (const auto& [k, v] : tags) {
    bool replaced = false;
    for (auto& kv : o->tags) {
      if (kv.first == k) {
        kv.second = v;
        replaced = true;
      }
    }
    if (!replaced) o->tags.emplace_back(k, v);
  }
}

// ENV_INPUT_<X>_<KEY> values that DataKit takes as JSON.
class JsonEnv {
 public:
  JsonEnv(std::string_view input, const EnvMap& env) : env_(input, env), raw_(env) {}

  const std::string* raw(std::string_view key) const {
    auto it = raw_.find(std::string(key));
    return it == raw_.end() || it->second.empty() ? nullptr : &it->second;
  }
  std::string variable(std::string_view key) const { return env_.variable(key); }

  Result<simdjson::dom::element> parse(std::string_view key) {
    const std::string* v = raw(key);
    simdjson::dom::element e;
    if (parser_.parse(*v).get(e) != simdjson::SUCCESS)
      return invalidArgument(variable(key) + ": not valid JSON");
    return e;
  }
  Status strings(std::string_view key, std::vector<std::string>* out) {
    if (!raw(key)) return Status::ok();
    auto e = parse(key);
    if (!e.isOk()) return e.status();
    simdjson::dom::array arr;
    if (e->get(arr) != simdjson::SUCCESS)
      return invalidArgument(variable(key) + ": expected a JSON array of strings");
    out->clear();
    for (simdjson::dom::element item : arr) {
      std::string_view s;
      if (item.get(s) != simdjson::SUCCESS)
        return invalidArgument(variable(key) + ": expected a JSON array of strings");
      out->emplace_back(s);
    }
    return Status::ok();
  }
  const EnvOverrides& overrides() const { return env_; }

 private:
  EnvOverrides env_;
  const EnvMap& raw_;
  simdjson::dom::parser parser_;
};

Status applyEnv(std::string_view input, const EnvMap& env, TracingConfig* c) {
  JsonEnv e(input, env);
  std::vector<std::string> list;
  if (e.raw("IGNORE_TAGS")) {
    SEXTANT_RETURN_IF_ERROR(e.strings("IGNORE_TAGS", &list));
    c->points.ignore_tags.clear();
    SEXTANT_RETURN_IF_ERROR(compileAll(list, e.variable("IGNORE_TAGS"), &c->points.ignore_tags));
  }
  if (e.raw("CUSTOMER_TAGS")) {
    SEXTANT_RETURN_IF_ERROR(e.strings("CUSTOMER_TAGS", &list));
    c->points.customer_tags.clear();
    c->points.customer_tag_res.clear();
    SEXTANT_RETURN_IF_ERROR(setCustomerTags(list, e.variable("CUSTOMER_TAGS"), &c->points));
  }
  SEXTANT_RETURN_IF_ERROR(e.strings("OMIT_ERR_STATUS", &c->filter.omit_err_status));
  SEXTANT_RETURN_IF_ERROR(
      e.overrides().boolean("KEEP_RARE_RESOURCE", &c->filter.keep_rare_resource));
  SEXTANT_RETURN_IF_ERROR(e.overrides().boolean("DEL_MESSAGE", &c->points.del_message));
  if (const std::string* v = e.raw("SAMPLER")) {
    char* end = nullptr;
    double rate = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0')
      return invalidArgument(e.variable("SAMPLER") + ": not a number '" + *v + "'");
    SEXTANT_RETURN_IF_ERROR(setSamplingRate(rate, e.variable("SAMPLER"), &c->filter));
  }
  if (e.raw("CLOSE_RESOURCE")) {
    auto doc = e.parse("CLOSE_RESOURCE");
    if (!doc.isOk()) return doc.status();
    simdjson::dom::object obj;
    if (doc->get(obj) != simdjson::SUCCESS)
      return invalidArgument(e.variable("CLOSE_RESOURCE") + ": expected {\"service\":[\"re\"]}");
    c->filter.close_resource.clear();
    for (auto [service, res] : obj) {
      simdjson::dom::array arr;
      if (res.get(arr) != simdjson::SUCCESS)
        return invalidArgument(e.variable("CLOSE_RESOURCE") + ": expected {\"service\":[\"re\"]}");
      auto& out = c->filter.close_resource[std::string(service)];
      for (simdjson::dom::element item : arr) {
        std::string_view s;
        if (item.get(s) != simdjson::SUCCESS)
          return invalidArgument(e.variable("CLOSE_RESOURCE") + ": expected strings");
        auto re = compile(std::string(s), e.variable("CLOSE_RESOURCE"));
        if (!re.isOk()) return re.status();
        out.push_back(std::move(*re));
      }
    }
  }
  if (e.raw("TAGS")) {
    auto doc = e.parse("TAGS");
    simdjson::dom::object obj;
    if (!doc.isOk() || doc->get(obj) != simdjson::SUCCESS) {
      // DataKit also takes "k=v,k2=v2" in several inputs' TAGS variables.
      std::map<std::string, std::string> tags;
      e.overrides().tags("TAGS", &tags);
      setTags(tags, &c->points);
    } else {
      std::map<std::string, std::string> tags;
      for (auto [k, v] : obj) {
        std::string_view s;
        if (v.get(s) != simdjson::SUCCESS)
          return invalidArgument(e.variable("TAGS") + ": tag values must be strings");
        tags[std::string(k)] = std::string(s);
      }
      setTags(tags, &c->points);
    }
  }
  if (e.raw("STORAGE")) {
    auto doc = e.parse("STORAGE");
    if (!doc.isOk()) return doc.status();
    std::string_view path;
    if ((*doc)["storage"].get(path) == simdjson::SUCCESS) c->storage_path = std::string(path);
    int64_t cap = 0;
    if ((*doc)["capacity"].get(cap) == simdjson::SUCCESS) c->storage_capacity_mb = cap;
  }
  return Status::ok();
}

// The body of one buffered request's queue record: "<route index>\n<content type>\n<body>".
std::string bufferRecord(size_t route, std::string_view content_type, std::string_view body) {
  std::string r = std::to_string(route);
  r += '\n';
  for (char ch : content_type) r += (ch == '\n' ? ' ' : ch);
  r += '\n';
  r += body;
  return r;
}

}  // namespace

Status parseTracingConfig(std::string_view input, const config::ConfigTable& t, const EnvMap& env,
                          TracingConfig* c) {
  std::vector<std::string> list;
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_tags", &list));
  SEXTANT_RETURN_IF_ERROR(compileAll(list, t.where("ignore_tags"), &c->points.ignore_tags));
  list.clear();
  SEXTANT_RETURN_IF_ERROR(t.get("customer_tags", &list));
  SEXTANT_RETURN_IF_ERROR(setCustomerTags(list, t.where("customer_tags"), &c->points));
  SEXTANT_RETURN_IF_ERROR(t.get("del_message", &c->points.del_message));
  SEXTANT_RETURN_IF_ERROR(t.get("keep_rare_resource", &c->filter.keep_rare_resource));
  SEXTANT_RETURN_IF_ERROR(t.get("omit_err_status", &c->filter.omit_err_status));
  SEXTANT_RETURN_IF_ERROR(t.get("listen", &c->listen));
  std::map<std::string, std::string> tags;
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &tags));
  setTags(tags, &c->points);

  auto close = t.table("close_resource");
  if (!close.isOk()) return close.status();
  if (*close) {
    for (const std::string& service : (*close)->keys()) {
      std::vector<std::string> res;
      SEXTANT_RETURN_IF_ERROR((*close)->get(service, &res));
      SEXTANT_RETURN_IF_ERROR(
          compileAll(res, (*close)->where(service), &c->filter.close_resource[service]));
    }
  }
  auto sampler = t.table("sampler");
  if (!sampler.isOk()) return sampler.status();
  if (*sampler && (*sampler)->has("sampling_rate")) {
    double rate = 1;
    SEXTANT_RETURN_IF_ERROR((*sampler)->get("sampling_rate", &rate));
    SEXTANT_RETURN_IF_ERROR(setSamplingRate(rate, (*sampler)->where("sampling_rate"), &c->filter));
  }
  auto storage = t.table("storage");
  if (!storage.isOk()) return storage.status();
  if (*storage) {
    SEXTANT_RETURN_IF_ERROR((*storage)->get("path", &c->storage_path));
    SEXTANT_RETURN_IF_ERROR((*storage)->get("capacity", &c->storage_capacity_mb));
    if (c->storage_path.empty()) c->storage_path = std::string(input) + "_storage";
  }
  return applyEnv(input, env, c);
}

TracingInput::TracingInput(std::string name, TracingConfig config, std::vector<TracingRoute> routes,
                           const InputEnv& env)
    : name_(std::move(name)),
      config_(std::move(config)),
      routes_(std::move(routes)),
      feeder_(env.feeder),
      now_ns_(env.now_ns),
      install_dir_(env.install_dir),
      filter_(config_.filter, env.now_ns) {}

TracingInput::~TracingInput() { stop(); }

std::vector<InputRoute> TracingInput::routes() {
  std::vector<InputRoute> out;
  for (size_t i = 0; i < routes_.size(); ++i) {
    out.push_back(
        {"POST", routes_[i].path, [this, i](net::HttpRequest& req) { return handle(i, req); }});
  }
  return out;
}

Status TracingInput::start() {
  if (!config_.storage_path.empty()) {
    DiskQueueOptions o;
    o.dir = config_.storage_path.front() == '/' ? config_.storage_path
                                                : install_dir_ + "/cache/" + config_.storage_path;
    int64_t mb = config_.storage_capacity_mb > 0 ? config_.storage_capacity_mb : 5120;
    o.max_bytes = static_cast<uint64_t>(mb) << 20;
    o.segment_bytes = std::min<uint64_t>(o.max_bytes / 4 + 1, 32ull << 20);
    auto q = DiskQueue::open(realFileSystem(), o);
    if (!q.isOk()) return q.status();
    buffer_ = std::move(*q);
    {
      std::lock_guard<std::mutex> l(worker_mu_);
      stopping_ = false;
    }
    worker_ = std::thread([this] { drainBuffer(); });
  }
  if (!config_.listen.empty()) {
    net::Router router;
    for (InputRoute& r : routes()) router.add(r.method, r.path, std::move(r.handler));
    net::HttpServerOptions o;
    o.listen = config_.listen;
    o.threads = 1;
    listener_ = std::make_unique<net::HttpServer>(std::move(o), std::move(router));
    Status st = listener_->start();
    if (!st.isOk()) {
      listener_.reset();
      stop();
      return Status(st.code(), name_ + ": listen " + config_.listen + ": " + st.message());
    }
  }
  return Status::ok();
}

void TracingInput::stop() {
  if (listener_) {
    listener_->stop();
    listener_.reset();
  }
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> l(worker_mu_);
      stopping_ = true;
    }
    worker_cv_.notify_all();
    worker_.join();
  }
  buffer_.reset();
}

std::string TracingInput::listenAddress() const {
  return listener_ ? listener_->boundAddress() : std::string();
}

Status TracingInput::process(size_t route, std::string_view content_type, std::string_view body,
                             bool durable) {
  auto spans = routes_[route].decode(content_type, body);
  if (!spans.isOk()) return spans.status();
  std::vector<model::Point> points;
  spansToPoints(*spans, config_.points, now_ns_(), &points);
  filter_.apply(&points);
  model::CheckOptions check;
  std::erase_if(points,
                [&](model::Point& p) { return !model::normalize(p, check, nullptr).isOk(); });
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.spans += spans->size();
    stats_.points_fed += points.size();
  }
  if (points.empty()) return Status::ok();
  FeedOptions feed;
  feed.input = name_;
  feed.durable = durable;
  Status st = feeder_->feed(model::Category::kTracing, std::move(points), feed);
  if (!st.isOk()) {
    std::lock_guard<std::mutex> l(stats_mu_);
    ++stats_.feed_failures;
    // A feed failure is not the client's fault: never a 400.
    return Status(st.code() == StatusCode::kInvalidArgument ? StatusCode::kInternal : st.code(),
                  st.message());
  }
  return st;
}

net::HttpResponse TracingInput::handle(size_t route, const net::HttpRequest& req) {
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    ++stats_.requests;
  }
  auto bad = [&](std::string message) {
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      ++stats_.bad_requests;
    }
    if (feeder_ != nullptr) feeder_->reportError(name_, message);
    return apiError(400, "datakit.badRequest", message);
  };
  std::string_view body = req.body;
  std::string decompressed;
  std::string_view encoding_name = req.header("Content-Encoding");
  auto encoding = codec::parseContentEncoding(encoding_name);
  if (!encoding) return bad("unsupported Content-Encoding '" + std::string(encoding_name) + "'");
  if (*encoding != codec::ContentEncoding::kIdentity) {
    auto r = codec::decompress(body, *encoding, config_.max_decompressed_bytes);
    if (!r.isOk()) return bad("decompressing the body: " + r.status().message());
    decompressed = std::move(*r);
    body = decompressed;
  }
  std::string_view content_type = req.header("Content-Type");

  if (buffer_) {
    // Checked now (a bad request is the client's 400), fed later by the worker.
    auto spans = routes_[route].decode(content_type, body);
    if (!spans.isOk()) return bad(spans.status().message());
    QueueRecord rec;
    rec.body = bufferRecord(route, content_type, body);
    rec.content_type = "application/x-sextant-span-request";
    rec.point_count = static_cast<uint32_t>(spans->size());
    rec.create_time_ns = now_ns_();
    Status st = buffer_->put(rec);
    if (!st.isOk()) return apiError(503, "datakit.queueFull", st.message());
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      ++stats_.buffered;
    }
    worker_cv_.notify_all();
    return net::HttpResponse{200, "", "", {}};
  }

  Status st = process(route, content_type, body, /*durable=*/true);
  if (st.isOk()) return net::HttpResponse{200, "", "", {}};
  if (st.code() == StatusCode::kInvalidArgument) return bad(st.message());
  if (st.code() == StatusCode::kResourceExhausted)
    return apiError(503, "datakit.queueFull", st.message());
  return apiError(500, "datakit.feedFailed", st.message());
}

void TracingInput::drainBuffer() {
  auto wait = [&](std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> l(worker_mu_);
    worker_cv_.wait_for(l, d, [&] { return stopping_; });
    return !stopping_;
  };
  std::chrono::milliseconds backoff(100);
  for (;;) {
    {
      std::lock_guard<std::mutex> l(worker_mu_);
      if (stopping_) return;
    }
    auto next = buffer_->peek();
    if (!next.isOk() || !*next) {
      if (!wait(std::chrono::milliseconds(200))) return;
      continue;
    }
    std::string_view rec = (*next)->body;
    size_t a = rec.find('\n');
    size_t b = a == std::string_view::npos ? a : rec.find('\n', a + 1);
    size_t route = routes_.size();
    if (b != std::string_view::npos)
      route = std::strtoul(std::string(rec.substr(0, a)).c_str(), nullptr, 10);
    if (route >= routes_.size()) {  // not ours: drop it
      (void)buffer_->ack();
      continue;
    }
    Status st = process(route, rec.substr(a + 1, b - a - 1), rec.substr(b + 1), /*durable=*/true);
    if (st.isOk() || st.code() == StatusCode::kInvalidArgument) {
      (void)buffer_->ack();
      backoff = std::chrono::milliseconds(100);
      continue;
    }
    // Upstream is slow or down: keep the record and retry.
    if (!wait(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

TracingStats TracingInput::stats() const {
  std::lock_guard<std::mutex> l(stats_mu_);
  TracingStats s = stats_;
  s.filter = filter_.stats();
  return s;
}

std::vector<InputCounter> TracingInput::counters() const {
  TracingStats s = stats();
  return {{"requests", s.requests},
          {"bad_requests", s.bad_requests},
          {"spans", s.spans},
          {"points_fed", s.points_fed},
          {"feed_failures", s.feed_failures},
          {"buffered_requests", s.buffered},
          {"traces", s.filter.traces_in},
          {"traces_closed", s.filter.closed},
          {"traces_sampled_out", s.filter.sampled_out},
          {"traces_kept_for_error", s.filter.kept_for_error},
          {"traces_kept_as_rare", s.filter.kept_as_rare}};
}

}  // namespace sextant::agent::inputs::tracing

#include "agent/inputs/prom/prom_input.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "codec/prometheus_text/prometheus_proto.h"
#include "codec/prometheus_text/prometheus_text.h"
#include "core/clock.h"

namespace sextant::agent::inputs::prom {

namespace {

// The text format: what DataKit's Go client gets from exporters (family names as in the text
// format; OpenMetrics answers are read too).
constexpr std::string_view kAccept = "text/plain;version=0.0.4;q=1,*/*;q=0.1";

bool isHttpUrl(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// "host:port" as written in the URL's authority (Go's url.URL.Host), and the bare host.
std::pair<std::string, std::string> urlHost(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string_view host = rest;
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return {std::string(rest), std::string(host)};
}

bool isLoopback(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

std::string trimNewlines(std::string s) {
  std::erase(s, '\n');
  std::erase(s, '\r');
  return s;
}

}  // namespace

PromInput::PromInput(PromConfig config, std::shared_ptr<net::HttpClient> client)
    : config_(std::move(config)), client_(std::move(client)) {
  if (!client_) client_ = net::makeHttpClient();
  for (const std::string& url : config_.urls) {
    ScrapeTags st;
    if (isHttpUrl(url)) {
      auto [hostport, host] = urlHost(url);
      bool own_host = std::any_of(config_.convert.tags.begin(), config_.convert.tags.end(),
                                  [](const auto& kv) { return kv.first == "host"; });
      if (!host.empty() && !isLoopback(host) && !own_host) st.tags.push_back({"host", host});
      if (!config_.disable_instance_tag) st.tags.push_back({"instance", hostport});
    }
    scrape_tags_.push_back(std::move(st));
    TargetHealth h;
    h.target = url;
    health_.push_back(std::move(h));
  }
}

std::vector<TargetHealth> PromInput::targets() const {
  std::lock_guard lock(mu_);
  return health_;
}

Result<std::pair<std::string, std::string>> PromInput::fetch(const std::string& url) {
  if (!isHttpUrl(url)) {
    std::ifstream in(url, std::ios::binary);
    if (!in) return notFound("open " + url + ": no such file or not readable");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::pair<std::string, std::string>(ss.str(), "");
  }
  net::ClientRequest req;
  req.url = url;
  req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout);
  req.tls = config_.tls;
  req.unix_socket = config_.uds_path;
  req.headers.emplace_back(
      "Accept",
      std::string(config_.prefer_protobuf ? codec::prom::kProtobufAcceptHeader : kAccept));
  std::string token = config_.bearer_token;
  if (token.empty() && !config_.bearer_token_file.empty()) {
    std::ifstream in(config_.bearer_token_file, std::ios::binary);
    if (!in) return notFound("bearer token file '" + config_.bearer_token_file + "' unreadable");
    std::ostringstream ss;
    ss << in.rdbuf();
    token = trimNewlines(ss.str());
  }
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  for (const auto& [k, v] : config_.http_headers) req.headers.emplace_back(k, v);
  Result<net::ClientResponse> resp = client_->send(req);
  if (!resp.isOk())
    return Status(resp.status().code(), "GET " + url + ": " + resp.status().message());
  if (resp->status != 200) {
    return unavailable("GET " + url + ": HTTP " + std::to_string(resp->status));
  }
  std::string ct(resp->header("Content-Type"));
  return std::pair<std::string, std::string>(std::move(resp->body), std::move(ct));
}

Status PromInput::collect(int64_t now_ns, std::vector<model::Point>* out) {
  size_t end = out->size();
  Status st = scrapeInto(now_ns, out, &end);
  out->resize(end);
  return st;
}

Status PromInput::collectAndFeed(int64_t now_ns, CollectFeeder& feeder) {
  // The points of the previous collection are overwritten (convertInto) and fed without being
  // given away: a steady-state scrape allocates almost nothing for its points.
  size_t end = 0;
  Status st = scrapeInto(now_ns, &reused_, &end);
  reused_.resize(end);
  if (!reused_.empty()) (void)feeder.feedReusable(reused_);
  return st;
}

namespace {

// The point at (*out)[i], reused (see convertInto), or a new one appended.
model::Point& pointAt(std::vector<model::Point>* out, size_t i) {
  return i < out->size() ? (*out)[i] : out->emplace_back();
}

void setTag(model::Point& p, size_t i, std::string_view key, std::string_view value) {
  model::Tag& t = i < p.tags.size() ? p.tags[i] : p.tags.emplace_back();
  t.key.assign(key);
  t.value.assign(value);
}

}  // namespace

Status PromInput::scrapeInto(int64_t now_ns, std::vector<model::Point>* out, size_t* end) {
  Status first_error;
  int failures = 0;
  for (size_t i = 0; i < config_.urls.size(); ++i) {
    const std::string& url = config_.urls[i];
    const int64_t start_wall = wallNowNs();
    const auto start = std::chrono::steady_clock::now();
    Result<std::pair<std::string, std::string>> body = fetch(url);
    size_t samples = 0;
    Status st;
    if (body.isOk()) {
      // The response's Content-Type decides: protobuf (asked for with prefer_protobuf), else
      // text 0.0.4 or OpenMetrics.
      Result<codec::prom::Exposition> exp =
          codec::prom::isProtobufContentType(body->second)
              ? codec::prom::parseProtobuf(body->first, codec::prom::ErrorPolicy::kLenient)
              : codec::prom::parse(body->first, codec::prom::formatFromContentType(body->second),
                                   codec::prom::ErrorPolicy::kLenient);
      samples = exp->sampleCount();
      *end += convertInto(*exp, config_.convert, scrape_tags_[i], now_ns, *end, out);
      if (exp->errorCount() > 0 && samples == 0) {
        st = invalidArgument(url + ": " + exp->errors().front().toString());
      }
    } else {
      st = body.status();
    }
    const auto duration = std::chrono::steady_clock::now() - start;
    {
      std::lock_guard lock(mu_);
      TargetHealth& h = health_[i];
      ++h.scrapes;
      h.last_scrape_ns = start_wall;
      h.last_duration = std::chrono::duration_cast<std::chrono::nanoseconds>(duration);
      h.up = st.isOk();
      if (st.isOk()) {
        h.last_samples = static_cast<int64_t>(samples);
      } else {
        ++h.failures;
        h.last_error = st.message();
        h.last_error_ns = start_wall;
      }
    }
    // ignore_req_err: a request error gives no points and no error.
    if (!body.isOk() && config_.ignore_req_err) continue;
    // DataKit's up metric: measurement `collector`, job = source, instance = host:port.
    if (isHttpUrl(url) && !config_.convert.as_logging) {
      model::Point& up = pointAt(out, (*end)++);
      up.category = model::Category::kMetric;
      up.measurement.assign("collector");
      up.time_ns = now_ns;
      setTag(up, 0, "job", config_.source);
      setTag(up, 1, "instance", urlHost(url).first);
      up.tags.resize(2);
      up.fields.resize(1);
      up.fields[0].key.assign("up");
      up.fields[0].value = static_cast<int64_t>(st.isOk() ? 1 : 0);
    }
    if (!st.isOk() && failures++ == 0) first_error = st;
  }
  if (failures > 1) {
    return Status(first_error.code(), first_error.message() + " (and " +
                                          std::to_string(failures - 1) + " more targets failed)");
  }
  return first_error;
}

}  // namespace sextant::agent::inputs::prom

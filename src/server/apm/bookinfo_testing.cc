#include "server/apm/bookinfo_testing.h"

#include <algorithm>
#include <cstdio>

namespace sextant::apm::testing {
namespace {

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

model::Point tracingPoint(const SpanSpec& s) {
  model::Point p;
  p.category = model::Category::kTracing;
  p.measurement = "zipkin";
  p.time_ns = s.start_us * 1000;
  p.addTag("host", "node-1");
  p.addTag("service", s.service);
  if (!s.env.empty()) p.addTag("env", s.env);
  if (!s.version.empty()) p.addTag("version", s.version);
  p.addTag("source_type", "custom");
  p.addTag("span_type", s.span_type);
  p.addTag("status", s.status);
  p.addTag("http_method", "GET");
  p.addField("trace_id", s.trace_id);
  p.addField("span_id", s.span_id);
  p.addField("parent_id", s.parent_id);
  p.addField("resource", s.resource);
  p.addField("start", s.start_us);
  p.addField("duration", s.duration_us);
  std::string msg = "{\"traceId\":\"" + s.trace_id + "\",\"id\":\"" + s.span_id + "\"";
  if (s.parent_id != "0") msg += ",\"parentId\":\"" + s.parent_id + "\"";
  if (!s.kind.empty()) msg += ",\"kind\":\"" + s.kind + "\"";
  msg += ",\"name\":\"" + s.resource + "\",\"timestamp\":" + std::to_string(s.start_us) +
         ",\"duration\":" + std::to_string(s.duration_us) +
         ",\"localEndpoint\":{\"serviceName\":\"" + s.service + "\"}}";
  p.addField("message", msg);
  return p;
}

void assignDataKitSpanTypes(std::vector<SpanSpec>& batch) {
  std::map<std::string, const SpanSpec*> by_id;
  std::map<std::string, int> children;
  for (const SpanSpec& s : batch) {
    by_id[s.span_id] = &s;
    ++children[s.parent_id];
  }
  std::vector<std::string> types;
  for (const SpanSpec& s : batch) {
    auto parent = by_id.find(s.parent_id);
    if (s.parent_id == "0" || parent == by_id.end()) {
      types.push_back("entry");
    } else if (parent->second->service != s.service) {
      types.push_back("entry");
    } else {
      types.push_back(children.count(s.span_id) ? "local" : "exit");
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].span_type = types[i];
}

void ExpectedAgg::add(int64_t start_us, int64_t duration_us, bool error) {
  ++count;
  if (error) ++errors;
  duration_sum += duration_us;
  duration_max = std::max(duration_max, duration_us);
  const int64_t minute_ns = (start_us / 60'000'000) * 60'000'000'000;
  durations_by_minute[minute_ns].push_back(static_cast<double>(duration_us));
}

Bookinfo::Bookinfo(bool shared_ids, uint64_t seed, int64_t base_us, int64_t spacing_us,
                   uint64_t stream)
    : shared_ids_(shared_ids),
      rng_(seed),
      base_us_(base_us),
      spacing_us_(spacing_us),
      stream_(stream) {}

std::string Bookinfo::newSpanId() { return hex16(next_span_++ * 0x9E3779B97F4A7C15ULL | 1); }

SpanSpec Bookinfo::rpc(const SpanSpec& caller, std::vector<SpanSpec>* out,
                       const std::string& service, const std::string& version,
                       const std::string& resource, int64_t start_us, int64_t duration_us,
                       bool error) {
  SpanSpec client = caller;
  client.span_id = newSpanId();
  client.parent_id = caller.span_id;
  client.span_type = "exit";
  client.kind = "CLIENT";
  client.status = "ok";
  client.resource = resource;
  client.start_us = start_us;
  client.duration_us = duration_us + 300;
  out->push_back(client);

  SpanSpec server;
  server.trace_id = caller.trace_id;
  server.service = service;
  server.version = version;
  server.env = caller.env;
  server.resource = resource;
  server.span_type = "entry";
  server.kind = "SERVER";
  server.status = error ? (rng_() % 2 ? "error" : "critical") : "ok";
  server.start_us = start_us + 100;
  server.duration_us = duration_us;
  if (shared_ids_) {
    server.span_id = client.span_id;  // Envoy: one span id for both sides
    server.parent_id = client.parent_id;
  } else {
    server.span_id = newSpanId();
    server.parent_id = client.span_id;
  }
  out->push_back(server);
  services[{service, version}].add(server.start_us, duration_us, error);
  edges[{caller.service, caller.version, service, version}].add(server.start_us, duration_us,
                                                                error);
  return server;
}

std::vector<SpanSpec> Bookinfo::next() {
  const int t = traces++;
  std::vector<SpanSpec> out;
  std::uniform_int_distribution<int64_t> dur(200, 40000);
  std::uniform_int_distribution<int> percent(0, 99);

  SpanSpec root;
  root.trace_id = hex16((stream_ << 40) | (static_cast<uint64_t>(t) + 1)) + hex16(rng_());
  root.span_id = newSpanId();
  root.parent_id = std::string(1, '0');  // not a literal: GCC 12 -Wrestrict false positive
  root.service = "productpage";
  root.version = "v1";
  root.resource = "GET /productpage";
  root.kind = "SERVER";
  root.start_us = base_us_ + t * spacing_us_;
  root.duration_us = 50000 + dur(rng_);
  const bool root_error = percent(rng_) < 3;
  root.status = root_error ? "error" : "ok";
  out.push_back(root);
  services[{"productpage", "v1"}].add(root.start_us, root.duration_us, root_error);

  SpanSpec render = root;  // same-service child: no edge, not a request
  render.span_id = newSpanId();
  render.parent_id = root.span_id;
  render.span_type = "local";
  render.kind = "";
  render.resource = "render";
  render.status = "ok";
  render.start_us = root.start_us + 10;
  render.duration_us = 500;
  out.push_back(render);

  rpc(root, &out, "details", "v1", "GET /details", root.start_us + 1000, dur(rng_),
      percent(rng_) < 2);
  const bool v2 = percent(rng_) < 10;
  const std::string version = v2 ? "v2" : "v1";
  (v2 ? reviews_v2 : reviews_v1)++;
  SpanSpec reviews = rpc(root, &out, "reviews", version, "GET /reviews", root.start_us + 2000,
                         dur(rng_), percent(rng_) < 4);
  if (v2) {
    rpc(reviews, &out, "ratings", "v1", "GET /ratings", reviews.start_us + 50, dur(rng_),
        percent(rng_) < 12);
  }
  return out;
}

}  // namespace sextant::apm::testing

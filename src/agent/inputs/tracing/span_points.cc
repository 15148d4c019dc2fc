#include "agent/inputs/tracing/span_points.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "codec/zipkin/zipkin.h"

namespace sextant::agent::inputs::tracing {

namespace {

// DataKit's service name when a span names none (the v2 spelling is DataKit's).
std::string_view unknownService(model::SpanFormat f) {
  switch (f) {
    case model::SpanFormat::kZipkinV1Json: return "zipkin_v1_unknown_service";
    case model::SpanFormat::kZipkinV1Thrift: return "zipkin_core_v1_unknown_service";
    case model::SpanFormat::kZipkinV2: return "zipkin_v2_unknow_service";
    case model::SpanFormat::kOtlp: break;
  }
  return "unknown_service";
}

// OpenTelemetry attributes (span first, then resource) that become DataKit's canonical tags.
struct CanonicalKey {
  std::string_view tag;
  std::string_view attributes[2];
};
constexpr CanonicalKey kCanonical[] = {
    {"version", {"service.version", ""}},
    {"env", {"deployment.environment", "deployment.environment.name"}},
    {"http_method", {"http.method", "http.request.method"}},
    {"http_status_code", {"http.status_code", "http.response.status_code"}},
    {"http_route", {"http.route", ""}},
    {"http_url", {"http.url", "url.full"}},
    {"db_system", {"db.system", ""}},
    {"db_name", {"db.name", "db.namespace"}},
    {"pid", {"process.pid", ""}},
    {"pod_name", {"k8s.pod.name", ""}},
    {"pod_namespace", {"k8s.namespace.name", ""}},
};

const model::SpanTag* findAttribute(const model::Span& s, std::string_view key) {
  if (key.empty()) return nullptr;
  if (const model::SpanTag* t = s.findTag(key)) return t;
  return s.findResourceTag(key);
}

// DataKit's source_type for OpenTelemetry spans, from the semantic-convention attributes.
std::string_view otelSourceType(const model::Span& s) {
  if (findAttribute(s, "db.system")) return "db";
  if (findAttribute(s, "messaging.system")) return "message_queue";
  if (findAttribute(s, "http.method") || findAttribute(s, "http.request.method") ||
      findAttribute(s, "http.url") || findAttribute(s, "url.full"))
    return "web";
  return "custom";
}

// Point tags under construction: a later set() of a key replaces the earlier value.
class TagSet {
 public:
  void set(std::string key, std::string_view value) {
    for (model::Tag& t : tags_) {
      if (t.key == key) {
        t.value = value;
        return;
      }
    }
    tags_.push_back(model::Tag{std::move(key), std::string(value)});
  }
  std::vector<model::Tag> take() { return std::move(tags_); }

 private:
  std::vector<model::Tag> tags_;
};

bool ignored(const SpanPointOptions& o, std::string_view original, std::string_view key) {
  for (const auto& re : o.ignore_tags) {
    if (re2::RE2::PartialMatch(original, *re) || re2::RE2::PartialMatch(key, *re)) return true;
  }
  return false;
}

bool customerTag(const SpanPointOptions& o, std::string_view key) {
  for (const std::string& k : o.customer_tags) {
    if (k == key) return true;
  }
  for (const auto& re : o.customer_tag_res) {
    if (re2::RE2::PartialMatch(key, *re)) return true;
  }
  return false;
}

void addSpanTags(const model::Span& s, const SpanPointOptions& o, TagSet* tags) {
  if (o.all_span_tags) {
    for (const model::SpanTag& t : s.tags) {
      std::string key = tagKey(t.key);
      if (!ignored(o, t.key, key)) tags->set(std::move(key), t.value);
    }
    return;
  }
  for (const CanonicalKey& c : kCanonical) {
    for (std::string_view attr : c.attributes) {
      if (const model::SpanTag* t = findAttribute(s, attr)) {
        tags->set(std::string(c.tag), t->value);
        break;
      }
    }
  }
  auto promote = [&](const std::vector<model::SpanTag>& attrs) {
    for (const model::SpanTag& t : attrs) {
      if (!customerTag(o, t.key)) continue;
      std::string key = tagKey(t.key);
      if (!ignored(o, t.key, key)) tags->set(std::move(key), t.value);
    }
  };
  promote(s.resource_tags);
  promote(s.tags);
}

std::string_view resourceOf(const model::Span& s) {
  if (s.format == model::SpanFormat::kZipkinV1Json ||
      s.format == model::SpanFormat::kZipkinV1Thrift) {
    if (const model::SpanTag* t = s.findTag("path.http"); t && !t->value.empty()) return t->value;
  }
  return s.name;
}

}  // namespace

std::string tagKey(std::string_view key) {
  std::string k(key);
  for (char& c : k) {
    if (c == '.') c = '_';
  }
  return k;
}

void spansToPoints(const std::vector<model::Span>& spans, const SpanPointOptions& options,
                   int64_t now_ns, std::vector<model::Point>* out) {
  auto serviceOf = [&](const model::Span& s) -> std::string_view {
    return s.local.service.empty() ? unknownService(s.format) : std::string_view(s.local.service);
  };
  // The batch's spans by id (several with B3 shared client/server ids) and, per (span id,
  // service), whether a span of that service has it as parent.
  std::unordered_multimap<std::string_view, size_t> by_id;
  std::unordered_set<std::string> has_children;  // parent id + '\0' + service
  by_id.reserve(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    by_id.emplace(spans[i].span_id, i);
    if (!spans[i].parent_id.empty()) {
      std::string key = spans[i].parent_id;
      key += '\0';
      key += serviceOf(spans[i]);
      has_children.insert(std::move(key));
    }
  }

  out->reserve(out->size() + spans.size());
  for (const model::Span& s : spans) {
    std::string_view service = serviceOf(s);
    // The parent: the span with that id in the same service when there is one (the server
    // side of a shared id), else any span with that id.
    std::string_view span_type = "entry";
    if (!s.parent_id.empty()) {
      auto [from, to] = by_id.equal_range(s.parent_id);
      bool same_service = false;
      for (auto it = from; it != to; ++it) same_service |= serviceOf(spans[it->second]) == service;
      if (same_service) {
        std::string key = s.span_id;
        key += '\0';
        key += service;
        span_type = has_children.count(key) ? "local" : "exit";
      }
    }

    TagSet tags;
    for (const auto& [k, v] : options.tags) tags.set(k, v);
    addSpanTags(s, options, &tags);
    tags.set("service", service);
    tags.set("operation", s.name);
    tags.set("span_type", span_type);
    tags.set("source", options.source);
    tags.set("source_type", s.format == model::SpanFormat::kOtlp ? otelSourceType(s) : "custom");
    tags.set("status", s.error ? "error" : "ok");

    model::Point p;
    p.category = model::Category::kTracing;
    p.measurement = options.source;
    p.tags = tags.take();
    int64_t start_us = s.start_us != 0 ? s.start_us : now_ns / 1000;
    p.time_ns = start_us * 1000;
    p.addField("trace_id", s.trace_id);
    p.addField("span_id", s.span_id);
    p.addField("parent_id", s.parent_id.empty() ? std::string("0") : s.parent_id);
    p.addField("resource", std::string(resourceOf(s)));
    p.addField("start", start_us);
    p.addField("duration", s.duration_us);
    if (s.error && !s.error_message.empty()) p.addField("error_message", s.error_message);
    if (!options.del_message) {
      std::string message;
      codec::zipkin::encodeV2JsonSpan(s, &message);
      p.addField("message", std::move(message));
    }
    out->push_back(std::move(p));
  }
}

}  // namespace sextant::agent::inputs::tracing

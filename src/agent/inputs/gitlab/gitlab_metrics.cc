#include "agent/inputs/gitlab/gitlab_metrics.h"

#include <cmath>
#include <map>

namespace sextant::agent::inputs::gitlab {

namespace {

namespace prom = codec::prom;

std::string fieldName(std::string_view name) {
  if (name.starts_with("gitlab_")) name.remove_prefix(7);
  return std::string(name);
}

// A point for one sample's labels (minus `le`) with the measurement DataKit picks for them.
model::Point pointFor(std::span<const prom::Label> labels,
                      const std::vector<model::Tag>& extra_tags, int64_t now_ns) {
  model::Point p;
  p.category = model::Category::kMetric;
  p.time_ns = now_ns;
  bool method = false;
  for (const prom::Label& l : labels) {
    if (l.name == "le") continue;
    if (l.name == "method") method = true;
    if (p.findTag(l.name) == nullptr) p.addTag(std::string(l.name), std::string(l.value));
  }
  p.measurement = p.tags.empty() ? "gitlab_base" : method ? "gitlab_http" : "gitlab";
  for (const model::Tag& t : extra_tags)
    if (p.findTag(t.key) == nullptr) p.addTag(t.key, t.value);
  return p;
}

std::string labelKey(std::span<const prom::Label> labels) {
  std::string key;
  for (const prom::Label& l : labels) {
    if (l.name == "le") continue;
    key.append(l.name).push_back('\x01');
    key.append(l.value).push_back('\x02');
  }
  return key;
}

}  // namespace

size_t convertGitlabMetrics(const prom::Exposition& exposition,
                            const std::vector<model::Tag>& extra_tags, int64_t now_ns,
                            std::vector<model::Point>* out) {
  const size_t before = out->size();
  for (const prom::Family& f : exposition.families()) {
    if (f.type == prom::MetricType::kCounter) {
      for (const prom::Sample& s : f.samples) {
        if (s.name == "http_requests_total" || !std::isfinite(s.value)) continue;
        // OpenMetrics' <name>_created samples are creation times, not counts.
        if (s.name.size() == f.name.size() + 8 && s.name.starts_with(f.name) &&
            s.name.ends_with("_created"))
          continue;
        model::Point p = pointFor(s.labels, extra_tags, now_ns);
        p.addField(fieldName(s.name), s.value);
        out->push_back(std::move(p));
      }
    } else if (f.type == prom::MetricType::kHistogram) {
      const std::string base = fieldName(f.name);
      std::map<std::string, size_t> by_labels;  // label set -> index in *out
      for (const prom::Sample& s : f.samples) {
        std::string_view suffix;
        if (s.name.size() == f.name.size() + 4 && s.name.ends_with("_sum")) {
          suffix = "_sum";
        } else if (s.name.size() == f.name.size() + 6 && s.name.ends_with("_count")) {
          suffix = "_count";
        } else {
          continue;  // _bucket and anything else
        }
        if (!s.name.starts_with(f.name) || !std::isfinite(s.value)) continue;
        auto [it, fresh] = by_labels.try_emplace(labelKey(s.labels), out->size());
        if (fresh) out->push_back(pointFor(s.labels, extra_tags, now_ns));
        (*out)[it->second].addField(base + std::string(suffix), s.value);
      }
    }
  }
  return out->size() - before;
}

std::string scrapeHostTag(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string_view host = rest;
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    host = close == std::string_view::npos ? std::string_view() : host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty() || host == "localhost" || host.starts_with("127.") || host == "::1") return "";
  return std::string(host);
}

}  // namespace sextant::agent::inputs::gitlab

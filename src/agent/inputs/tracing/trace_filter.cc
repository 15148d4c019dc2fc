#include "agent/inputs/tracing/trace_filter.h"

#include <algorithm>
#include <charconv>

namespace sextant::agent::inputs::tracing {

namespace {

constexpr int64_t kRareWindowNs = 3600LL * 1000 * 1000 * 1000;

std::string_view stringField(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) return {};
  if (const auto* s = std::get_if<std::string>(&f->value)) return *s;
  return {};
}

std::string_view tagValue(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t ? std::string_view(t->value) : std::string_view();
}

// The resource of a span point: a field for Zipkin (DataKit), a tag for some sources.
std::string_view resourceOf(const model::Point& p) {
  std::string_view r = stringField(p, "resource");
  return r.empty() ? tagValue(p, "resource") : r;
}

bool parseUnsigned(std::string_view s, int base, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

uint64_t unifyTraceId(std::string_view id) {
  uint64_t v = 0;
  if (parseUnsigned(id, 10, &v) || parseUnsigned(id, 16, &v)) return v;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  size_t from = id.size() > 8 ? id.size() - 8 : 0;  // 8 bytes make the last 16 hex digits
  for (size_t i = from; i < id.size(); ++i) {
    auto c = static_cast<unsigned char>(id[i]);
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return parseUnsigned(hex, 16, &v) ? v : 0;
}

TraceFilter::TraceFilter(TraceFilterOptions options, std::function<int64_t()> now_ns)
    : options_(std::move(options)), now_ns_(std::move(now_ns)) {}

bool TraceFilter::keep(std::vector<model::Point*>& trace) {
  // 1. close_resource.
  if (!options_.close_resource.empty()) {
    for (const model::Point* p : trace) {
      std::string_view service = tagValue(*p, "service");
      std::string resource(resourceOf(*p));
      for (const auto& [svc, res] : options_.close_resource) {
        if (svc != "*" && svc != service) continue;
        for (const auto& re : res) {
          if (re2::RE2::PartialMatch(resource, *re)) {
            std::lock_guard<std::mutex> l(mu_);
            ++stats_.closed;
            return false;
          }
        }
      }
    }
  }
  // 2. Error penetration.
  for (const model::Point* p : trace) {
    std::string_view status = tagValue(*p, "status");
    if (status != "error" && status != "critical") continue;
    std::string_view code = tagValue(*p, "http_status_code");
    if (std::find(options_.omit_err_status.begin(), options_.omit_err_status.end(), code) !=
        options_.omit_err_status.end())
      continue;
    std::lock_guard<std::mutex> l(mu_);
    ++stats_.kept_for_error;
    return true;
  }
  // 3. keep_rare_resource.
  if (options_.keep_rare_resource) {
    const model::Point* entry = nullptr;
    for (const model::Point* p : trace) {
      if (tagValue(*p, "span_type") == "entry" && (entry == nullptr || p->time_ns < entry->time_ns))
        entry = p;
    }
    if (entry != nullptr) {
      std::string key(tagValue(*entry, "service"));
      key += '\0';
      key += resourceOf(*entry);
      key += '\0';
      key += tagValue(*entry, "source_type");
      int64_t now = now_ns_();
      std::lock_guard<std::mutex> l(mu_);
      if (now - rare_pruned_ns_ > kRareWindowNs) {  // forget what was not seen for an hour
        std::erase_if(rare_seen_, [&](const auto& kv) { return now - kv.second > kRareWindowNs; });
        rare_pruned_ns_ = now;
      }
      auto [it, fresh] = rare_seen_.try_emplace(std::move(key), now);
      bool rare = fresh || now - it->second > kRareWindowNs;
      it->second = now;
      if (rare) {
        ++stats_.kept_as_rare;
        return true;
      }
    }
  }
  // 4. Sampler.
  if (options_.sampler) {
    uint64_t id = unifyTraceId(stringField(*trace.front(), "trace_id"));
    if (static_cast<double>(id % 10000) > options_.sampling_rate * 10000) {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.sampled_out;
      return false;
    }
    trace.front()->addField("dk_sampling_rate", options_.sampling_rate);
  }
  return true;
}

void TraceFilter::apply(std::vector<model::Point>* points) {
  // Group by trace_id, in order of first appearance.
  std::unordered_map<std::string_view, size_t> index;
  std::vector<std::vector<model::Point*>> traces;
  for (model::Point& p : *points) {
    auto [it, fresh] = index.try_emplace(stringField(p, "trace_id"), traces.size());
    if (fresh) traces.emplace_back();
    traces[it->second].push_back(&p);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    stats_.traces_in += traces.size();
  }
  std::vector<char> drop(points->size(), 0);
  bool any_drop = false;
  for (auto& trace : traces) {
    if (keep(trace)) continue;
    any_drop = true;
    for (model::Point* p : trace) drop[static_cast<size_t>(p - points->data())] = 1;
  }
  if (!any_drop) return;
  size_t w = 0;
  for (size_t r = 0; r < points->size(); ++r) {
    if (drop[r]) continue;
    if (w != r) (*points)[w] = std::move((*points)[r]);
    ++w;
  }
  points->resize(w);
}

TraceFilterStats TraceFilter::stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

}  // namespace sextant::agent::inputs::tracing

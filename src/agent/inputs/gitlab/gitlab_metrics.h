// GitLab's own Prometheus metrics (`/-/metrics`) -> points, with DataKit's gitlab rules
// (datakit-inputs.md §3.3): only counters and histograms are kept (gauges, summaries and untyped
// families are dropped), `http_requests_total` is dropped, the `gitlab_` prefix is stripped from
// field names, a histogram becomes `<name>_count` and `<name>_sum` (buckets dropped). The
// measurement is `gitlab_base` for a sample without labels, `gitlab_http` when it has a `method`
// label, `gitlab` otherwise. Tags: the sample's labels, then `extra_tags` for keys not yet
// present (first wins). Values are floats; NaN and infinities are dropped. Time: now_ns.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/prometheus_text/prometheus_text.h"
#include "model/point.h"

namespace sextant::agent::inputs::gitlab {

// Appends the points of one scrape to *out (metric category) and returns how many.
size_t convertGitlabMetrics(const codec::prom::Exposition& exposition,
                            const std::vector<model::Tag>& extra_tags, int64_t now_ns,
                            std::vector<model::Point>* out);

// The `host` tag DataKit adds for a scraped URL: its host when it is not loopback
// ("http://10.0.0.5:80/-/metrics" -> "10.0.0.5"); "" for localhost / 127.x / ::1 or a URL
// without a host.
std::string scrapeHostTag(std::string_view url);

}  // namespace sextant::agent::inputs::gitlab

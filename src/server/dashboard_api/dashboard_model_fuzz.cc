// libFuzzer target for parseDashboard() (untrusted dashboard JSON, dashboard_model.h). A success
// must satisfy its contract: a non-empty title, a known count of charts within the limit, and
// renderDashboard() output that parses back to the same title, tags, members and the server's
// fields. Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "server/dashboard_api/dashboard_model.h"

namespace {

namespace dash = sextant::server::dashboard;

[[noreturn]] void die(const char* what) {
  fprintf(stderr, "dashboard_model_fuzz: %s\n", what);
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  dash::Limits limits;
  limits.max_charts = 8;
  limits.max_bytes = 64 << 10;
  auto d = dash::parseDashboard(in, limits);
  if (!d.isOk()) {
    if (d.status().message().empty()) die("error without a message");
    return 0;
  }
  if (d->title.empty()) die("empty title accepted");
  if (d->charts > limits.max_charts) die("too many charts accepted");
  std::string text = dash::renderDashboard(*d, dash::Meta{"id1", 3, 10, 20});
  dash::Limits back_limits = limits;
  back_limits.max_bytes = text.size();
  auto back = dash::parseDashboard(text, back_limits);
  if (!back.isOk()) die("rendered dashboard does not parse");
  if (back->title != d->title || back->tags != d->tags || back->members != d->members ||
      back->charts != d->charts)
    die("rendered dashboard differs");
  if (back->id != "id1" || back->version != 3 || back->created_ms != 10 || back->updated_ms != 20)
    die("server fields lost");
  return 0;
}

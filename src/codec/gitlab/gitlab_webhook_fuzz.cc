// libFuzzer target for the GitLab webhook decoder: the first byte picks the hook (pipeline or
// job), the rest is the body; the bytes are also read as a GitLab time. A decode must never
// crash; an error must be InvalidArgument with a message; a decoded point must be a logging point
// of the right measurement whose event_raw is the body and whose durations and times are ints.
// Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "codec/gitlab/gitlab_webhook.h"

namespace {

namespace gitlab = sextant::codec::gitlab;

[[noreturn]] void die(const char* what) {
  fprintf(stderr, "fuzz_gitlab_webhook: %s\n", what);
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool job = (data[0] & 1) != 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)gitlab::parseGitlabTimeNs(body);
  auto r = job ? gitlab::decodeJobHook(body, 42) : gitlab::decodePipelineHook(body, 42);
  if (!r.isOk()) {
    if (r.status().code() != sextant::StatusCode::kInvalidArgument)
      die("error is not InvalidArgument");
    if (r.status().message().empty()) die("error without a message");
    return 0;
  }
  const sextant::model::Point& p = *r;
  if (p.category != sextant::model::Category::kLogging || p.time_ns != 42) die("bad point header");
  if (p.measurement != (job ? gitlab::kJobMeasurement : gitlab::kPipelineMeasurement))
    die("wrong measurement");
  const sextant::model::Field* raw = p.findField("event_raw");
  if (raw == nullptr || std::get<std::string>(raw->value) != body) die("event_raw is not the body");
  for (const char* k :
       {"duration", "created_at", "finished_at", "queued_duration", "build_duration",
        "build_created_at", "build_started_at", "build_finished_at"}) {
    const sextant::model::Field* f = p.findField(k);
    if (f != nullptr && !std::holds_alternative<int64_t>(f->value)) die("a time is not an int");
  }
  for (const sextant::model::Tag& t : p.tags)
    if (t.value.empty()) die("empty tag value");
  return 0;
}

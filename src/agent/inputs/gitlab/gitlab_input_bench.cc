// POST /v1/gitlab handling in a loop (header checks, dedup key, decode, status filter, tags,
// feed into a feeder that drops the points): webhook points per CPU-second (items_per_second is
// computed over CPU time). Bodies: the real fixtures.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "agent/inputs/gitlab/gitlab_input.h"

namespace {

using namespace sextant;
using namespace sextant::agent;

class NullFeeder final : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& pts, const FeedOptions&) override {
    n += pts.size();
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}
  size_t n = 0;
};

std::string fixture(const char* name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/gitlab/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run(benchmark::State& state, const char* file, const char* event, bool with_key) {
  NullFeeder feeder;
  InputEnv env;
  env.feeder = &feeder;
  int64_t now = 1'700'000'000'000'000'000;
  env.now_ns = [&now] { return ++now; };
  inputs::gitlab::GitlabConfig c;
  c.enable_collect = false;
  c.ci_all_statuses = true;
  inputs::gitlab::GitlabInput in(c, env);
  net::HttpRequest req;
  req.method = "POST";
  req.body = fixture(file);
  req.headers = {{"Content-Type", "application/json"}, {"X-Gitlab-Event", event}};
  if (with_key) req.headers.emplace_back("Idempotency-Key", "");
  // Without a key the MD5 is the key: 24 trailing whitespace bytes spell the iteration in bits.
  const size_t tail = req.body.size();
  if (!with_key) req.body.append(24, ' ');
  uint64_t i = 0;
  for (auto _ : state) {
    if (with_key) {
      req.headers.back().second = std::to_string(i++);
    } else {
      for (size_t bit = 0; bit < 24; ++bit) req.body[tail + bit] = (i >> bit) & 1 ? '\n' : ' ';
      ++i;
    }
    net::HttpResponse r = in.handle(req);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(feeder.n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * req.body.size()));
}

void BM_PipelineHook(benchmark::State& s) {
  run(s, "pipeline_hook.docs.json", "Pipeline Hook", true);
}
void BM_JobHook(benchmark::State& s) { run(s, "job_hook.go-gitlab.json", "Job Hook", true); }
void BM_JobHookMd5Key(benchmark::State& s) { run(s, "job_hook.go-gitlab.json", "Job Hook", false); }
BENCHMARK(BM_PipelineHook);
BENCHMARK(BM_JobHook);
BENCHMARK(BM_JobHookMd5Key);

}  // namespace

BENCHMARK_MAIN();

// The whole scrape (HTTP GET, lenient parse, conversion) in a loop, CPU-seconds per sample of
// this process from getrusage. Each scrape goes through PromInput::collectAndFeed, as the
// agent's runner calls it: converted into the points of the previous scrape and handed to a
// feeder that keeps nothing (the point path is not measured here: prom_feed_bench). The target is
// SEXTANT_PROM_TARGET (a URL served by another process, e.g. `python3 -m http.server` over the 100
// k-sample body that SEXTANT_PROM_WRITE_TARGET=<file> writes), else an in-process server over the
// kube-state-metrics fixture (smoke run; its CPU is then counted too).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "agent/inputs/prom/prom_input.h"
#include "net/http_server.h"

namespace sextant::agent::inputs::prom {
namespace {

std::string readFixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// kube-state-metrics repeated with `kube_` renamed `kube<i>_` (59 copies: 100,182 samples), as
// the parser's bench builds it.
std::string largeTarget(size_t copies) {
  std::string ksm = readFixture("k8s/kube-state-metrics_metrics_v1.35.txt");
  std::string out;
  for (size_t i = 0; i < copies; ++i) {
    std::string prefix = "kube" + std::to_string(i) + "_";
    size_t pos = 0;
    for (size_t hit; (hit = ksm.find("kube_", pos)) != std::string::npos; pos = hit + 5) {
      out.append(ksm, pos, hit - pos);
      out += prefix;
    }
    out.append(ksm, pos);
  }
  return out;
}

// Takes every feed and keeps nothing (feedReusable leaves the points with the input).
class NullFeeder final : public CollectFeeder {
 public:
  Status feed(std::vector<model::Point>&& points) override {
    benchmark::DoNotOptimize(points.data());
    return Status::ok();
  }
  Status feedReusable(std::vector<model::Point>& points) override {
    benchmark::DoNotOptimize(points.data());
    return Status::ok();
  }
};

double cpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void BM_ScrapeLoop(benchmark::State& state) {
  std::unique_ptr<net::HttpServer> server;
  std::string body;
  std::string url;
  if (const char* t = std::getenv("SEXTANT_PROM_TARGET")) {
    url = t;
  } else {
    body = largeTarget(1);
    net::Router r;
    r.add("GET", "/metrics",
          [&body](net::HttpRequest&) { return net::HttpResponse::text(200, body); });
    net::HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    server = std::make_unique<net::HttpServer>(o, std::move(r));
    if (!server->start().isOk()) {
      state.SkipWithError("server");
      return;
    }
    url = "http://" + server->boundAddress() + "/metrics";
  }
  PromConfig c;
  c.urls = {url};
  PromInput in(c);
  NullFeeder feeder;
  int64_t samples = 0;
  const double cpu0 = cpuSeconds();
  for (auto _ : state) {
    if (!in.collectAndFeed(1, feeder).isOk()) {
      state.SkipWithError("scrape failed");
      return;
    }
    samples += in.targets()[0].last_samples;
  }
  const double cpu = cpuSeconds() - cpu0;
  state.counters["samples_per_scrape"] =
      static_cast<double>(samples) / static_cast<double>(state.iterations());
  state.counters["process_cpu_us_per_sample"] = cpu * 1e6 / static_cast<double>(samples);
  state.SetItemsProcessed(samples);
}
BENCHMARK(BM_ScrapeLoop)->Unit(benchmark::kMillisecond);

// SEXTANT_PROM_WRITE_TARGET=<file>: write the 100 k-sample body there (for an external server).
struct WriteTarget {
  WriteTarget() {
    if (const char* f = std::getenv("SEXTANT_PROM_WRITE_TARGET"))
      std::ofstream(f) << largeTarget(59);
  }
} write_target;

}  // namespace
}  // namespace sextant::agent::inputs::prom

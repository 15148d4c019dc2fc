// Tailing throughput: LoggingInput over one big file (200-byte lines with a timestamp, so the
// automatic multi-line detection has a pattern) with a no-op durable feeder; the counter
// MB_per_cpu_s is file bytes per CPU-second of the whole process (tailer thread included).
// BM_Decoder measures LineDecoder alone. SEXTANT_BENCH_SMOKE=1 (ctest) uses a small file.
#include <benchmark/benchmark.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "agent/inputs/logging/line_decoder.h"
#include "agent/inputs/logging/logging_input.h"
#include "agent/inputs/logging/logging_testing.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::logging {
namespace {

class NoopFeeder : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& points, const FeedOptions&) override {
    count.fetch_add(points.size(), std::memory_order_relaxed);
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}
  std::atomic<uint64_t> count{0};
};

size_t fileBytes() {
  return std::getenv("SEXTANT_BENCH_SMOKE") != nullptr ? (1u << 20) : (256u << 20);
}

std::string makeLines(size_t bytes, size_t* lines) {
  std::string s;
  s.reserve(bytes + 256);
  size_t n = 0;
  while (s.size() < bytes) {
    std::string line = "2024-05-06 07:08:09,123 INFO [worker-" + std::to_string(n % 16) +
                       "] request id=" + std::to_string(n) + " path=/api/v1/items status=200 ";
    line.resize(199, 'x');
    s += line;
    s += '\n';
    ++n;
  }
  *lines = n;
  return s;
}

double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void BM_TailFile(benchmark::State& state) {
  sextant::testing::TempDir dir;
  size_t lines = 0;
  std::string data = makeLines(fileBytes(), &lines);
  testing::appendFile(dir.path() + "/big.log", data);
  double cpu = 0;
  for (auto _ : state) {
    NoopFeeder feeder;
    LoggingConfig c;
    c.logfiles = {dir.path() + "/big.log"};
    c.from_beginning = true;
    c.checkpoint_path = dir.path() + "/cache/cp" + std::to_string(state.iterations());
    c.decoder.auto_multiline = state.range(0) != 0;
    c.multiline_timeout = std::chrono::milliseconds(20);  // the last entry waits this long
    InputEnv env;
    env.feeder = &feeder;
    auto in = LoggingInput::create(c, env);
    if (!in.isOk()) {
      state.SkipWithError(in.status().message().c_str());
      return;
    }
    double c0 = cpuSeconds();
    (void)(*in)->start();
    while (feeder.count.load() < lines) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    cpu += cpuSeconds() - c0;
    (*in)->stop();
  }
  double bytes = static_cast<double>(data.size()) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["MB_per_cpu_s"] = bytes / 1e6 / cpu;
}
BENCHMARK(BM_TailFile)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Decoder(benchmark::State& state) {
  size_t lines = 0;
  std::string data = makeLines(16u << 20, &lines);
  DecoderOptions o;
  o.auto_multiline = state.range(0) != 0;
  std::vector<Entry> out;
  for (auto _ : state) {
    auto d = LineDecoder::create(o, 0);
    for (size_t i = 0; i < data.size(); i += 256 * 1024) {
      (*d)->push(std::string_view(data).substr(i, 256 * 1024), &out);
      out.clear();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(data.size() * state.iterations()));
}
BENCHMARK(BM_Decoder)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::agent::inputs::logging

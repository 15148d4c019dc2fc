// Tailing throughput: LoggingInput over one big file (200-byte lines with a timestamp, so the
// automatic multi-line detection has a pattern) with a no-op durable feeder; the counter
// MB_per_cpu_s is file bytes per CPU-second of the whole process (tailer thread included).
// BM_TcpSocket sends the same lines over one TCP connection on 127.0.0.1 to a sockets-only
// input (the sender thread's CPU is included in MB_per_cpu_s). BM_Decoder measures LineDecoder
// alone. SEXTANT_BENCH_SMOKE=1 (ctest) uses a small file.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
  int run = 0;  // not state.iterations(): it stays 0 inside a range-for loop
  for (auto _ : state) {
    NoopFeeder feeder;
    LoggingConfig c;
    c.logfiles = {dir.path() + "/big.log"};
    c.from_beginning = true;
    // A fresh checkpoint per run: a reused one starts at the end of the file and never finishes.
    c.checkpoint_path = dir.path() + "/cache/cp" + std::to_string(run++);
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

void BM_TcpSocket(benchmark::State& state) {
  sextant::testing::TempDir dir;
  size_t lines = 0;
  std::string data = makeLines(fileBytes(), &lines);
  double cpu = 0;
  int run = 0;
  for (auto _ : state) {
    NoopFeeder feeder;
    LoggingConfig c;
    c.checkpoint_path = dir.path() + "/cache/cp" + std::to_string(run++);
    c.sockets = {*parseSocketUrl("tcp://127.0.0.1:0")};
    c.decoder.auto_multiline = false;
    InputEnv env;
    env.feeder = &feeder;
    auto in = LoggingInput::create(c, env);
    if (!in.isOk()) {
      state.SkipWithError(in.status().message().c_str());
      return;
    }
    const std::string url = (*in)->socketUrls()[0];
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    double c0 = cpuSeconds();
    (void)(*in)->start();
    std::thread sender([&] {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        size_t done = 0;
        while (done < data.size()) {
          ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
          if (n <= 0) break;
          done += static_cast<size_t>(n);
        }
      }
      ::close(fd);
    });
    while (feeder.count.load() < lines) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    cpu += cpuSeconds() - c0;
    sender.join();
    (*in)->stop();
  }
  double bytes = static_cast<double>(data.size()) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["MB_per_cpu_s"] = bytes / 1e6 / cpu;
}
BENCHMARK(BM_TcpSocket)->Unit(benchmark::kMillisecond)->UseRealTime();

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

// The idle cost of the default host inputs: one collection of each input, and of all of them,
// against this machine's real /proc and /sys.
#include <benchmark/benchmark.h>

#include <chrono>

#include "agent/inputs/host_inputs_testing.h"
#include "core/clock.h"

namespace sextant::agent::inputs {
namespace {

template <typename Input, typename Config>
void benchInput(benchmark::State& state) {
  Result<Input> in = Input::create(Config{}, HostPaths::fromEnv());
  if (!in.isOk()) {
    state.SkipWithError(in.status().toString().c_str());
    return;
  }
  std::vector<model::Point> out;
  size_t points = 0;
  for (auto _ : state) {
    out.clear();
    Status st = in->collect(wallNowNs(), &out);
    benchmark::DoNotOptimize(st);
    points += out.size();
  }
  state.counters["points/op"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kAvgIterations);
}

void BM_Cpu(benchmark::State& s) { benchInput<CpuInput, CpuConfig>(s); }
void BM_Mem(benchmark::State& s) { benchInput<MemInput, MemConfig>(s); }
void BM_Swap(benchmark::State& s) { benchInput<SwapInput, SwapConfig>(s); }
void BM_System(benchmark::State& s) { benchInput<SystemInput, SystemConfig>(s); }
void BM_Disk(benchmark::State& s) { benchInput<DiskInput, DiskConfig>(s); }
void BM_Diskio(benchmark::State& s) { benchInput<DiskioInput, DiskioConfig>(s); }
void BM_Net(benchmark::State& s) { benchInput<NetInput, NetConfig>(s); }
void BM_HostObject(benchmark::State& s) { benchInput<HostObjectInput, HostObjectConfig>(s); }

// One round of every default host input: what an idle agent spends every 10 s (the HOST
// object's every 5 min, counted here anyway).
void BM_AllHostInputs(benchmark::State& state) {
  Result<testing::AllHostInputs> inputs = testing::AllHostInputs::create(HostPaths::fromEnv());
  if (!inputs.isOk()) {
    state.SkipWithError(inputs.status().toString().c_str());
    return;
  }
  std::vector<model::Point> out;
  size_t points = 0;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(inputs->collect(wallNowNs(), &out));
    points += out.size();
  }
  state.counters["points/op"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kAvgIterations);
}

BENCHMARK(BM_Cpu)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Mem)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Swap)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_System)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Disk)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Diskio)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Net)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HostObject)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AllHostInputs)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sextant::agent::inputs

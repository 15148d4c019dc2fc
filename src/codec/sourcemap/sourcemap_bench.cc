// Source map decoding and lookups on a bundle-sized synthetic map: 2 000 generated lines of 200
// segments (400 000 segments, ~2 MB of mappings, the size of a large minified app's map), and a
// 6-frame stack symbolicated against it. Items: segments (parse) or lookups / frames.
#include <benchmark/benchmark.h>

#include <string>

#include "codec/sourcemap/sourcemap.h"

namespace sextant::codec::sourcemap {
namespace {

// "OACO": generated column +7, source +0, original line +1, original column +7 (VLQ O = 7,
// C = 1, A = 0), so every segment is valid and distinct.
std::string syntheticMap(int lines, int per_line) {
  std::string m = R"({"version":3,"sources":["src/app.js"],"names":[],"mappings":")";
  for (int l = 0; l < lines; ++l) {
    if (l > 0) m += ';';
    for (int s = 0; s < per_line; ++s) {
      if (s > 0) m += ',';
      m += s == 0 ? "AACO" : "OACO";
    }
  }
  m += "\"}";
  return m;
}

void BM_ParseSourceMap(benchmark::State& state) {
  std::string json = syntheticMap(2000, 200);
  for (auto _ : state) {
    auto m = parseSourceMap(json);
    if (!m.isOk()) {
      state.SkipWithError(m.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(m->segmentCount());
  }
  state.SetItemsProcessed(state.iterations() * 400000);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}

void BM_Lookup(benchmark::State& state) {
  auto m = parseSourceMap(syntheticMap(2000, 200));
  uint32_t line = 0, col = 0;
  for (auto _ : state) {
    line = (line + 7919) % 2000;
    col = (col + 104729) % 1400;
    benchmark::DoNotOptimize(m->lookup(line, col));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SymbolicateStack(benchmark::State& state) {
  auto m = parseSourceMap(syntheticMap(2000, 200));
  std::string stack = "TypeError: x is not a function";
  for (int i = 0; i < 6; ++i) {
    stack += "\n    at f" + std::to_string(i) +
             " @ https://shop.example.com/js/app.min.js:" + std::to_string(100 + i * 300) + ":" +
             std::to_string(50 + i * 200);
  }
  const SourceMap* map = &m.value();
  for (auto _ : state) {
    auto out = symbolicateStack(stack, [&](std::string_view) { return map; });
    benchmark::DoNotOptimize(out.text.data());
  }
  state.SetItemsProcessed(state.iterations() * 6);
}

BENCHMARK(BM_ParseSourceMap);
BENCHMARK(BM_Lookup);
BENCHMARK(BM_SymbolicateStack);

}  // namespace
}  // namespace sextant::codec::sourcemap

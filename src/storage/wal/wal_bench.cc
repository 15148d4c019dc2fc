// Wal append throughput on the real file system (a temp dir under $TMPDIR or /tmp; fdatasync is
// real there unless that is a tmpfs), 4 KiB records, SyncPolicy::kEveryCommit, 1/4/16 threads
// sharing one Wal: every append returns after an fdatasync that covers it, so the gain from more
// threads is group commit.
// Counters: appends/s (all threads), syncs/s (fdatasyncs, rotations included), group = mean
// records per group commit. bytes/s are payload bytes.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/wal/wal.h"

namespace sextant::storage {
namespace {

struct Shared {
  std::string dir;
  std::unique_ptr<Wal> wal;
  WalStats before;
};
Shared* g_shared = nullptr;

void BM_AppendEveryCommit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    const char* base = std::getenv("TMPDIR");
    std::string dir =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sextant-wal-bench-XXXXXX";
    g_shared = new Shared;
    if (::mkdtemp(dir.data()) != nullptr) {
      g_shared->dir = dir;
      WalOptions o;
      o.dir = dir + "/wal";
      o.sync = SyncPolicy::kEveryCommit;
      Result<std::unique_ptr<Wal>> wal = Wal::open(realFileSystem(), o);
      if (wal.isOk()) {
        g_shared->wal = std::move(wal).value();
        g_shared->before = g_shared->wal->stats();
      }
    }
  }
  std::string payload(4096, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] =
        static_cast<char>((i + static_cast<std::size_t>(state.thread_index())) * 2654435761u >> 24);
  }
  for (auto _ : state) {  // the loop starts after thread 0's setup (a barrier)
    if (!g_shared->wal || !g_shared->wal->append(payload).isOk()) {
      state.SkipWithError("wal append failed");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
  state.counters["appends/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {  // the loop ended in every thread (a barrier)
    if (g_shared->wal) {
      const WalStats s = g_shared->wal->stats();
      const double groups = static_cast<double>(s.group_commits - g_shared->before.group_commits);
      state.counters["syncs/s"] = benchmark::Counter(
          static_cast<double>(s.syncs - g_shared->before.syncs), benchmark::Counter::kIsRate);
      state.counters["group"] = benchmark::Counter(
          groups > 0 ? static_cast<double>(s.appends - g_shared->before.appends) / groups : 0);
      g_shared->wal.reset();
    }
    std::error_code ec;
    if (!g_shared->dir.empty()) std::filesystem::remove_all(g_shared->dir, ec);
    delete g_shared;
    g_shared = nullptr;
  }
}

BENCHMARK(BM_AppendEveryCommit)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

}  // namespace
}  // namespace sextant::storage

// DiskQueue throughput on the real file system in a temp dir, 64 KiB records; bytes/s are record
// body bytes.
// - BM_PutPeekAck: each iteration puts one record, peeks it and acks it (the uploader's steady
//   state when the backend keeps up).
// - BM_Put: puts only (the backend is down, the queue fills).
// Args: sync_every_put 1 = SyncPolicy::kEveryPut (an fdatasync per put), 0 = SyncPolicy::kInterval;
// interval_ms = sync_interval, which also paces cursor writes (0: on every ack a temp file is
// written, fdatasync'd, renamed over the cursor and the directory fsync'd).
#include <benchmark/benchmark.h>

#include <string>

#include "agent/queue/disk_queue.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent {
namespace {

QueueRecord benchRecord() {
  QueueRecord record;
  record.body.resize(64 << 10);
  for (std::size_t i = 0; i < record.body.size(); ++i) {
    record.body[i] = static_cast<char>(i * 2654435761u >> 24);  // incompressible-ish
  }
  record.content_type = "application/x-protobuf; proto=com.guance.Point";
  record.content_encoding = "gzip";
  record.point_count = 1000;
  return record;
}

// Runs `body(queue, record)` per iteration against a queue in a fresh temp dir.
template <typename Body>
void runBench(benchmark::State& state, Body body) {
  const bool every_put = state.range(0) != 0;
  const char* base = std::getenv("TMPDIR");
  std::string dir =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sextant-queue-bench-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  DiskQueueOptions o;
  o.dir = dir + "/metric";
  o.sync = every_put ? SyncPolicy::kEveryPut : SyncPolicy::kInterval;
  o.sync_interval = std::chrono::milliseconds(state.range(1));
  {
    Result<std::unique_ptr<DiskQueue>> q = DiskQueue::open(realFileSystem(), o);
    if (!q.isOk()) {
      state.SkipWithError(q.status().toString().c_str());
      return;
    }
    const QueueRecord record = benchRecord();
    for (auto _ : state) {
      if (!body(**q, record)) {
        state.SkipWithError("queue operation failed");
        break;
      }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * record.body.size()));
  }
}

void BM_PutPeekAck(benchmark::State& state) {
  runBench(state, [](DiskQueue& q, const QueueRecord& record) {
    if (!q.put(record).isOk()) return false;
    Result<std::optional<QueueRecord>> r = q.peek();
    if (!r.isOk() || !r->has_value()) return false;
    benchmark::DoNotOptimize((*r)->body.data());
    return q.ack().isOk();
  });
}

void BM_Put(benchmark::State& state) {
  runBench(state, [](DiskQueue& q, const QueueRecord& record) { return q.put(record).isOk(); });
}

BENCHMARK(BM_PutPeekAck)
    ->ArgNames({"sync_every_put", "interval_ms"})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->Args({1, 0})
    ->UseRealTime();
BENCHMARK(BM_Put)
    ->ArgNames({"sync_every_put", "interval_ms"})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->UseRealTime();

}  // namespace
}  // namespace sextant::agent

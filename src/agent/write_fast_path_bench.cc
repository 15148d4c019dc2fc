// The /v1/write line-protocol fast path in-process: handleWrite -> PointPath::feedLineProtocol
// (read, check, global tags, time correction, PBPoints encoding) into a protobuf sink that only
// counts, on bodies of 5,000 points of the shared metric corpus (bench/metric_corpus.h, the shape
// bench/agent-ingest.sh posts). Without HTTP, gzip and the disk queue: the part of the agent's
// per-point cost this code owns. Also the ordinary path (decode -> normalise -> feed) for scale.
#include <benchmark/benchmark.h>

#include "agent/point_path.h"
#include "agent/write_api.h"
#include "bench/metric_corpus.h"
#include "codec/line_protocol/line_protocol.h"

namespace sextant::agent {
namespace {

constexpr size_t kBatch = 5000;
// Three years after the corpus' first point: every point is re-timed, as in agent-ingest.sh.
constexpr int64_t kNow = 1'795'000'000'000'000'000;

const std::vector<std::string>& bodies() {
  static const std::vector<std::string> out = [] {
    std::vector<model::Point> pts = bench::metricCorpus(1000, 20);
    std::vector<std::string> b;
    for (size_t i = 0; i < pts.size(); i += kBatch) {
      std::string body;
      codec::lp::encode(
          std::span<const model::Point>(pts.data() + i, std::min(kBatch, pts.size() - i)), &body);
      b.push_back(std::move(body));
    }
    return b;
  }();
  return out;
}

void runWrite(benchmark::State& state, bool fast) {
  size_t sunk = 0, bytes = 0;
  auto host = std::make_shared<const TagMap>(TagMap{{"host", "bench-agent"}});
  PointPathOptions o;
  o.now_ns = [] { return kNow; };
  o.host_tags = [host] { return host; };
  o.sink = [&](model::Category, const std::vector<model::Point>& pts, const std::string&) {
    sunk += pts.size();
    return Status::ok();
  };
  if (fast) {
    o.protobuf_sink = [&](model::Category, std::string_view pb, std::span<const uint32_t> ends,
                          const std::string&) {
      sunk += ends.size();
      bytes += pb.size();
      return Status::ok();
    };
  }
  PointPath path(std::move(o));
  WriteContext ctx;
  ctx.now_ns = [] { return kNow; };
  ctx.sink = [&](model::Category c, std::vector<model::Point>&& pts, const FeedOptions& feed) {
    return path.feed(c, std::move(pts), feed);
  };
  if (fast) {
    ctx.line_protocol_feed = [&](model::Category c, std::string_view body,
                                 const codec::lp::DecodeOptions& decode,
                                 const model::CheckOptions& check, const FeedOptions& feed) {
      return path.feedLineProtocol(c, body, decode, check, feed);
    };
  }
  std::vector<net::HttpRequest> requests;
  for (const std::string& body : bodies()) {
    net::HttpRequest& req = requests.emplace_back();
    req.method = "POST";
    req.path = "/v1/write/metric";
    req.path_params = {{"category", "metric"}};
    req.body = body;
  }
  size_t next = 0;
  for (auto _ : state) {
    const net::HttpRequest& req = requests[next];
    next = (next + 1) % requests.size();
    net::HttpResponse resp = handleWrite(req, ctx);
    if (resp.status != 200) {
      state.SkipWithError(resp.body.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(sunk));
  state.counters["pb_bytes_per_point"] =
      sunk > 0 ? static_cast<double>(bytes) / static_cast<double>(sunk) : 0;
}

void BM_WriteFastPath(benchmark::State& state) { runWrite(state, true); }
void BM_WriteOrdinaryPath(benchmark::State& state) { runWrite(state, false); }
BENCHMARK(BM_WriteFastPath)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteOrdinaryPath)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sextant::agent

BENCHMARK_MAIN();

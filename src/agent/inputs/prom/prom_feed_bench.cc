// What a scrape costs the agent up to the uploader's bodies, before and after the prom input
// fed reused points: lenient parse + conversion + the point path (host tags, batching) + the
// PBPoints encoding, CPU per sample, on the kube-state-metrics fixture.
//   - BM_FeedFresh: the old way: a new vector per scrape (convert), PointPath::feed(), and the
//     sink encodes the points into bodies as Uploader::write does (splitBodies, protobuf).
//   - BM_FeedReused: the prom input's way: convertInto the vector of the previous scrape,
//     PointPath::feedReusable() encodes each point into the batch, and the protobuf sink copies
//     the bytes out as Uploader::writeProtobuf's queueBody does (no movable body).
// Neither includes gzip or the disk queue, which are the same for both.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "agent/inputs/prom/prom_convert.h"
#include "agent/point_path.h"
#include "agent/uploader/upload_body.h"

namespace sextant::agent::inputs::prom {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000'000;

std::string readFixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PointPathOptions pathOptions() {
  PointPathOptions o;
  o.now_ns = [] { return kNow; };
  auto tags = std::make_shared<const TagMap>(TagMap{{"host", "agent-host-1"}});
  o.host_tags = [tags] { return tags; };
  o.max_cache_count = 1000;  // DataKit's default: each 1698-point scrape is flushed at once
  o.sink = [](model::Category, const std::vector<model::Point>& pts, const std::string&) {
    return splitBodies(pts, UploadEncoding::kProtobuf, 1 << 20, [](std::string& body, uint32_t) {
      benchmark::DoNotOptimize(body.data());
      return Status::ok();
    });
  };
  o.protobuf_sink = [](model::Category, std::string_view pb, std::span<const uint32_t> ends,
                       const std::string&) {
    std::string body(pb);  // one body: 1698 points fit in 1 MiB
    benchmark::DoNotOptimize(body.data());
    benchmark::DoNotOptimize(ends.data());
    return Status::ok();
  };
  return o;
}

void scrapeAndFeed(benchmark::State& state, bool reused) {
  const std::string body = readFixture("k8s/kube-state-metrics_metrics_v1.35.txt");
  ConvertOptions o;
  ScrapeTags st;
  st.tags = {{"instance", "10.0.0.1:9100"}};
  PointPath path(pathOptions());
  const FeedOptions feed{.input = "prom", .election = false};
  std::vector<model::Point> keep;
  size_t samples = 0;
  for (auto _ : state) {
    auto exp =
        codec::prom::parse(body, codec::prom::Format::kText004, codec::prom::ErrorPolicy::kLenient);
    samples = exp->sampleCount();
    if (reused) {
      keep.resize(convertInto(*exp, o, st, kNow, 0, &keep));
      (void)path.feedReusable(model::Category::kMetric, keep, feed);
    } else {
      std::vector<model::Point> out;
      convert(*exp, o, st, kNow, &out);
      (void)path.feed(model::Category::kMetric, std::move(out), feed);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.counters["sunk_points"] = static_cast<double>(path.stats().sunk_points);
}

void BM_FeedFresh(benchmark::State& s) { scrapeAndFeed(s, false); }
void BM_FeedReused(benchmark::State& s) { scrapeAndFeed(s, true); }
BENCHMARK(BM_FeedFresh);
BENCHMARK(BM_FeedReused);

}  // namespace
}  // namespace sextant::agent::inputs::prom

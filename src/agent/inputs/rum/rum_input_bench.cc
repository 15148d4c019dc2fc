// RUM ingest through the rum input's /v1/write/rum handler: the captured SDK batches (line
// protocol, deflate, JSON) decoded by the agent's write handler, checked, enriched (geo tags from
// a 10 000-range IP database, CDN providers) and fed to a feeder that drops them. Items are RUM
// lines (points); bench/run.sh pins one core, so items/s is lines per CPU-second.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/inputs/rum/rum_input.h"
#include "codec/compression/compression.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::rum {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/rum/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class NullFeeder final : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& pts, const FeedOptions&) override {
    points += pts.size();
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}
  size_t points = 0;
};

struct Setup {
  testing::TempDir dir;
  NullFeeder feeder;
  std::unique_ptr<RumInput> input;

  Setup() {
    std::ofstream db(dir.path() + "/ipdb.csv");
    for (int i = 0; i < 10000; ++i) {
      db << (i / 256 + 1) << "." << (i % 256) << ".0.0/16,C" << i % 200 << ",P" << i % 50 << ",City"
         << i << ",ISP" << i % 30 << "\n";
    }
    db.close();
    InputEnv env;
    env.feeder = &feeder;
    env.now_ns = [] { return int64_t{1'795'271'900'000'000'000}; };
    env.install_dir = dir.path();
    RumConfig c;
    c.rate_limit = 0;
    c.ipdb_path = "ipdb.csv";
    c.cdn_map =
        R"([{"domain":"*.alicdn.com","name":"Alibaba"},{"domain":"cloudfront.net","name":"AWS"}])";
    auto created = RumInput::create(c, env);
    if (created.isOk()) input = std::move(created).value();
  }
};

void run(benchmark::State& state, const std::string& body, bool deflate, bool json) {
  Setup s;
  if (!s.input) {
    state.SkipWithError("RumInput::create failed");
    return;
  }
  net::HttpRequest base;
  base.method = "POST";
  base.path = "/v1/write/rum";
  base.query = {{"precision", "ms"}};
  if (deflate) base.query.emplace_back("encoding", "deflate");
  base.headers = {{"Content-Type", json ? "text/plain;charset=UTF-8" : "text/plain"},
                  {"X-Forwarded-For", "3.7.0.9"}};
  base.remote_ip = "10.0.0.1";
  base.body = deflate ? codec::compress(body, codec::ContentEncoding::kDeflate) : body;
  for (auto _ : state) {
    net::HttpRequest req = base;
    net::HttpResponse resp = s.input->handleWrite(req);
    if (resp.status != 200) {
      state.SkipWithError(resp.body.c_str());
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(s.feeder.points));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_RumLineProtocol(benchmark::State& state) {
  run(state, fixture("guance-rum_lineproto_batch1.txt"), false, false);
}
void BM_RumDeflate(benchmark::State& state) {
  run(state, fixture("guance-rum_deflate_batch1.decoded.txt"), true, false);
}
void BM_RumJsonSniffed(benchmark::State& state) {
  run(state, fixture("guance-rum_json_batch1.json"), false, true);
}
// Error points symbolicated with a sourcemap zip (the rolldown fixture of codec/sourcemap, copied
// to data/rum/web/ as an operator would): 20 web-SDK error lines, each with a 6-frame stack into
// the minified bundle; the zip and its map are parsed on the first request and cached after.
void BM_RumErrorsSymbolicated(benchmark::State& state) {
  const std::string dir =
      std::string(SEXTANT_SOURCE_DIR) + "/src/codec/sourcemap/testdata/rolldown/";
  std::string code;
  {
    std::ifstream in(dir + "app.min.js");
    std::getline(in, code);
  }
  std::string stack = "Error: sextantBadPrice: oops";
  for (const char* needle :
       {"throw Error(", "e(r.price)", "t(e)", "n([{", "window.sextantCheckout", "console.log"}) {
    stack += "\n  at f @ https://shop.example.com/js/app.min.js:1:" +
             std::to_string(code.find(needle) + 1);
  }
  std::string body;
  for (int i = 0; i < 20; ++i) {
    body +=
        "error,sdk_name=df_web_rum_sdk,app_id=shop,env=prod,version=1.0.0,error_source=source "
        "error_message=\"oops\",error_stack=\"" +
        stack + "\" 1795271877178\n";
  }
  Setup s;
  std::filesystem::create_directories(s.dir.path() + "/data/rum/web");
  std::filesystem::copy_file(dir + "flat.zip", s.dir.path() + "/data/rum/web/shop-prod-1.0.0.zip");
  net::HttpRequest base;
  base.method = "POST";
  base.path = "/v1/write/rum";
  base.query = {{"precision", "ms"}};
  base.headers = {{"Content-Type", "text/plain"}};
  base.remote_ip = "10.0.0.1";
  base.body = body;
  for (auto _ : state) {
    net::HttpRequest req = base;
    net::HttpResponse resp = s.input->handleWrite(req);
    if (resp.status != 200) {
      state.SkipWithError(resp.body.c_str());
      return;
    }
  }
  if (s.input->stats().errors_symbolicated != s.feeder.points)
    state.SkipWithError("not symbolicated");
  state.SetItemsProcessed(static_cast<int64_t>(s.feeder.points));
}

BENCHMARK(BM_RumLineProtocol);
BENCHMARK(BM_RumErrorsSymbolicated);
BENCHMARK(BM_RumDeflate);
BENCHMARK(BM_RumJsonSniffed);

}  // namespace
}  // namespace sextant::agent::inputs::rum

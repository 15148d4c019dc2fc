// RUM sourcemaps: the store (zip files, name checks, the cache), the /v1/sourcemap routes with
// DataKit's envelope, and error points gaining error_stack_source_base64. The zips and the map
// are the rolldown fixture of codec/sourcemap (testdata/rolldown/gen.sh); the expected original
// positions were read off its app.js / util.js by hand (and agree with Node's module.SourceMap).
#include "agent/inputs/rum/sourcemap_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "agent/inputs/rum/rum_input.h"
#include "codec/point_json/base64.h"
#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::rum {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using ::sextant::testing::readFile;

const std::string kFixtures =
    std::string(SEXTANT_SOURCE_DIR) + "/src/codec/sourcemap/testdata/rolldown/";

// A stack as the web SDK prints it for the minified bundle: the throw in parsePrice
// (util.js:5:4), its call in totalOf (util.js:13:11), and a frame of another script.
std::string sdkStack() {
  std::string code = readFile(kFixtures + "app.min.js");
  size_t throw_col = code.find("throw Error(") + 1;
  size_t call_col = code.find("e(r.price)") + 1;
  return "Error: sextantBadPrice: oops\n  at e @ https://shop.example.com/js/app.min.js:1:" +
         std::to_string(throw_col) +
         "\n  at t @ https://shop.example.com/js/app.min.js:1:" + std::to_string(call_col) +
         "\n  at x @ https://cdn.example.com/lib.js:1:10";
}
constexpr std::string_view kSymbolicated =
    "Error: sextantBadPrice: oops\n  at e @ ../../util.js:5:4\n  at t @ ../../util.js:13:11\n"
    "  at x @ https://cdn.example.com/lib.js:1:10";

SourcemapKey key(std::string version = "1.0.0", std::string app = "shop") {
  SourcemapKey k;
  k.app_id = std::move(app);
  k.env = "prod";
  k.version = std::move(version);
  return k;
}

TEST(SourcemapStore, PutSymbolicateRemove) {
  sextant::testing::TempDir dir;
  SourcemapStore store(dir.path(), 64 << 20);
  auto none = store.symbolicate(key(), sdkStack());
  ASSERT_TRUE(none.isOk());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(store.put(key(), readFile(kFixtures + "flat.zip")).isOk());
  EXPECT_TRUE(fs::exists(dir.path() + "/web/shop-prod-1.0.0.zip"));
  EXPECT_EQ(store.zipPath(key()), dir.path() + "/web/shop-prod-1.0.0.zip");
  auto out = store.symbolicate(key(), sdkStack());
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->text, kSymbolicated);
  EXPECT_EQ((*out)->frames, 3u);
  EXPECT_EQ((*out)->mapped, 2u);
  EXPECT_GT(store.cachedBytes(), 1371u);

  ASSERT_TRUE(store.remove(key()).isOk());
  EXPECT_FALSE(fs::exists(dir.path() + "/web/shop-prod-1.0.0.zip"));
  EXPECT_EQ(store.cachedBytes(), 0u);
  EXPECT_FALSE(store.symbolicate(key(), sdkStack())->has_value());
  EXPECT_EQ(store.remove(key()).code(), StatusCode::kNotFound);
}

TEST(SourcemapStore, MapUnderTheVersionFolder) {
  sextant::testing::TempDir dir;
  SourcemapStore store(dir.path(), 64 << 20);
  // nested.zip holds shop-prod-1.0.0/js/app.min.js.map.
  ASSERT_TRUE(store.put(key(), readFile(kFixtures + "nested.zip")).isOk());
  auto out = store.symbolicate(key(), sdkStack());
  ASSERT_TRUE(out.isOk() && out->has_value());
  EXPECT_EQ((*out)->text, kSymbolicated);
  // The same zip under another version: the folder name does not match, nothing maps.
  ASSERT_TRUE(store.put(key("2.0.0"), readFile(kFixtures + "nested.zip")).isOk());
  out = store.symbolicate(key("2.0.0"), sdkStack());
  ASSERT_TRUE(out.isOk() && out->has_value());
  EXPECT_EQ((*out)->text, sdkStack());
  EXPECT_EQ((*out)->mapped, 0u);
}

TEST(SourcemapStore, ZipReplacedByHandIsReloaded) {
  sextant::testing::TempDir dir;
  SourcemapStore store(dir.path(), 64 << 20);
  ASSERT_TRUE(store.put(key(), readFile(kFixtures + "nested.zip")).isOk());
  auto k = key("9.9.9");
  ASSERT_TRUE(store.put(k, readFile(kFixtures + "nested.zip")).isOk());
  EXPECT_EQ((*store.symbolicate(k, sdkStack()))->mapped, 0u);
  // Copied over by hand (DataKit users drop zips into data/rum/web): a different size.
  fs::copy_file(kFixtures + "flat.zip", store.zipPath(k), fs::copy_options::overwrite_existing);
  EXPECT_EQ((*store.symbolicate(k, sdkStack()))->mapped, 2u);
  // A file that is not a zip: an error, not a crash; the point would keep its stack.
  std::ofstream(store.zipPath(k), std::ios::trunc) << "not a zip";
  EXPECT_EQ(store.symbolicate(k, sdkStack()).status().code(), StatusCode::kInvalidArgument);
  // Remembered (not re-read) until the file changes; then read again.
  EXPECT_EQ(store.symbolicate(k, sdkStack()).status().code(), StatusCode::kInvalidArgument);
  fs::copy_file(kFixtures + "nested.zip", store.zipPath(k), fs::copy_options::overwrite_existing);
  auto again = store.symbolicate(k, sdkStack());
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_TRUE(again->has_value());
}

TEST(SourcemapStore, NamesCannotEscapeTheDirectory) {
  for (const char* bad : {"", ".", "..", "../etc", "a/b", "a\\b", "%2e%2e", "a b"}) {
    SourcemapKey k = key();
    k.app_id = bad;
    EXPECT_EQ(SourcemapStore::checkKey(k).code(), StatusCode::kInvalidArgument) << bad;
    k = key();
    k.version = bad;
    EXPECT_EQ(SourcemapStore::checkKey(k).code(), StatusCode::kInvalidArgument) << bad;
  }
  SourcemapKey k = key();
  k.env = std::string(129, 'a');
  EXPECT_FALSE(SourcemapStore::checkKey(k).isOk());
  k.env = std::string(128, 'a');
  EXPECT_TRUE(SourcemapStore::checkKey(k).isOk());
  k.platform = "android";
  EXPECT_EQ(SourcemapStore::checkKey(k).code(), StatusCode::kUnimplemented);
  k.platform = "../web";
  EXPECT_EQ(SourcemapStore::checkKey(k).code(), StatusCode::kInvalidArgument);
  k.platform = "miniapp";
  EXPECT_TRUE(SourcemapStore::checkKey(k).isOk());
  EXPECT_EQ(platformOfSdk("df_web_rum_sdk"), "web");
  EXPECT_EQ(platformOfSdk("df_miniapp_rum_sdk"), "miniapp");
  EXPECT_EQ(platformOfSdk("df_android_rum_sdk"), "");
}

TEST(SourcemapStore, HandPlacedZipOverTheLimitIsNotRead) {
  sextant::testing::TempDir dir;
  codec::zip::ZipLimits limits;
  limits.max_total_bytes = 0;  // files over 16 MiB are refused unread
  SourcemapStore store(dir.path(), 64 << 20, limits);
  fs::create_directories(dir.path() + "/web");
  {
    std::ofstream big(store.zipPath(key()), std::ios::binary);
    big.seekp((16 << 20) + 1);
    big.put('\0');
  }
  auto out = store.symbolicate(key(), sdkStack());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  EXPECT_THAT(out.status().message(), HasSubstr("too large"));
  EXPECT_LT(store.cachedBytes(), 4096u);
}

TEST(SourcemapStore, RejectsBadZipsAndBoundsTheCache) {
  sextant::testing::TempDir dir;
  SourcemapStore store(dir.path(), 1);  // every bundle is over budget: only the last stays
  EXPECT_EQ(store.put(key(), "PK not really").code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(store.zipPath(key())));
  ASSERT_TRUE(store.put(key("1"), readFile(kFixtures + "flat.zip")).isOk());
  ASSERT_TRUE(store.put(key("2"), readFile(kFixtures + "flat.zip")).isOk());
  ASSERT_TRUE(store.symbolicate(key("1"), sdkStack()).isOk());
  size_t one = store.cachedBytes();
  EXPECT_GT(one, 0u);
  ASSERT_TRUE(store.symbolicate(key("2"), sdkStack()).isOk());
  EXPECT_EQ(store.cachedBytes(), one);  // the first bundle was evicted
  EXPECT_EQ((*store.symbolicate(key("1"), sdkStack()))->mapped, 2u);  // reloaded from disk
}

// ------------------------------------------------------------------ the input

class Feeder1 final : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& pts, const FeedOptions&) override {
    std::lock_guard<std::mutex> l(mu);
    for (model::Point& p : pts) points.push_back(std::move(p));
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view m) override {
    std::lock_guard<std::mutex> l(mu);
    errors.emplace_back(m);
  }
  std::mutex mu;
  std::vector<model::Point> points;
  std::vector<std::string> errors;
};

struct Fixture {
  sextant::testing::TempDir dir;
  Feeder1 feeder;
  std::unique_ptr<RumInput> in;
  explicit Fixture(std::string dataway = "https://openway.example.com?token=tkn_abc") {
    InputEnv env;
    env.feeder = &feeder;
    env.now_ns = [] { return int64_t{1'795'271'900'000'000'000}; };
    env.install_dir = dir.path();
    env.dataway_url = std::move(dataway);
    RumConfig c;
    c.rate_limit = 0;
    c.max_sourcemap_bytes = 100000;
    auto r = RumInput::create(c, env);
    EXPECT_TRUE(r.isOk()) << r.status().toString();
    in = std::move(r).value();
  }
  std::string zipPath(const std::string& version = "1.0.0") const {
    return dir.path() + "/data/rum/web/shop-prod-" + version + ".zip";
  }
};

net::HttpRequest smRequest(std::string method, std::string path, net::KeyValues query,
                           std::string body = "") {
  net::HttpRequest req;
  req.method = std::move(method);
  req.path = std::move(path);
  req.query = std::move(query);
  req.body = std::move(body);
  req.remote_ip = "198.51.100.20";
  return req;
}

net::KeyValues params(std::string token = "tkn_abc", std::string app = "shop",
                      std::string version = "1.0.0") {
  return {{"app_id", std::move(app)},
          {"env", "prod"},
          {"version", std::move(version)},
          {"platform", "web"},
          {"token", std::move(token)}};
}

// The envelope's fields.
struct Answer {
  bool success = false;
  std::string error;
  std::string content;  // a JSON string's value, or the raw JSON of an object / null
  std::string check_stack, check_original;
};
Answer parse(const net::HttpResponse& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(r.body).get(doc), simdjson::SUCCESS) << r.body;
  Answer a;
  a.success = doc["success"].get_bool().value();
  a.error = std::string(doc["errorMsg"].get_string().value());
  simdjson::dom::element c = doc["content"];
  if (c.is_string()) {
    a.content = std::string(c.get_string().value());
  } else if (c.is_object()) {
    a.check_stack = std::string(c["error_stack"].get_string().value());
    a.check_original = std::string(c["original_error_stack"].get_string().value());
  } else {
    a.content = simdjson::to_string(c);
  }
  return a;
}

TEST(RumSourcemap, Routes) {
  Fixture f;
  std::vector<std::string> routes;
  for (const InputRoute& r : f.in->routes()) routes.push_back(r.method + " " + r.path);
  EXPECT_THAT(routes, ::testing::IsSupersetOf({"PUT /v1/sourcemap", "DELETE /v1/sourcemap",
                                               "GET /v1/sourcemap/check"}));
}

TEST(RumSourcemap, UploadCheckDelete) {
  Fixture f;
  std::string zip = readFile(kFixtures + "flat.zip");
  auto put = smRequest("PUT", "/v1/sourcemap", params(), zip);
  net::HttpResponse r = f.in->handleSourcemap(put);
  EXPECT_EQ(r.status, 200) << r.body;
  Answer a = parse(r);
  EXPECT_TRUE(a.success);
  EXPECT_EQ(a.error, "");
  EXPECT_EQ(a.content, "uploaded to [" + f.zipPath() + "]!");
  EXPECT_EQ(readFile(f.zipPath()), zip);

  auto check = smRequest(
      "GET", "/v1/sourcemap/check",
      {{"app_id", "shop"}, {"env", "prod"}, {"version", "1.0.0"}, {"error_stack", sdkStack()}});
  r = f.in->handleSourcemapCheck(check);
  EXPECT_EQ(r.status, 200) << r.body;
  a = parse(r);
  EXPECT_TRUE(a.success);
  EXPECT_EQ(a.check_stack, kSymbolicated);
  EXPECT_EQ(a.check_original, sdkStack());

  check.query = {{"app_id", "shop"},
                 {"env", "prod"},
                 {"version", "1.0.0"},
                 {"sdk_name", "df_web_rum_sdk"},
                 {"error_stack", sdkStack()}};
  r = f.in->handleSourcemapCheck(check);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).check_stack, kSymbolicated);
  check.query[3].second = "df_miniapp_rum_sdk";  // no miniapp zip
  EXPECT_EQ(f.in->handleSourcemapCheck(check).status, 400);
  check.query[3].second = "df_web_rum_sdk";

  auto del = smRequest("DELETE", "/v1/sourcemap", params());
  r = f.in->handleSourcemap(del);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).content, "deleted [" + f.zipPath() + "]!");
  EXPECT_FALSE(fs::exists(f.zipPath()));
  r = f.in->handleSourcemap(del);
  EXPECT_EQ(r.status, 404);
  a = parse(r);
  EXPECT_FALSE(a.success);
  EXPECT_EQ(a.content, "null");
  EXPECT_THAT(a.error, HasSubstr("delete sourcemap file [" + f.zipPath() + "] failed"));

  r = f.in->handleSourcemapCheck(check);
  EXPECT_EQ(r.status, 400);
  a = parse(r);
  EXPECT_FALSE(a.success);
  EXPECT_THAT(a.error, HasSubstr("not found"));
  EXPECT_EQ(a.check_stack, sdkStack());  // unchanged
}

TEST(RumSourcemap, MultipartUploadAsDataKitsCurl) {
  Fixture f;
  std::string zip = readFile(kFixtures + "nested.zip");
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"sourcemap.zip\"\r\nContent-Type: application/zip\r\n\r\n" +
      zip + "\r\n--XyZ--\r\n";
  auto put = smRequest("PUT", "/v1/sourcemap", params(), body);
  put.headers = {{"Content-Type", "multipart/form-data; boundary=XyZ"}};
  net::HttpResponse r = f.in->handleSourcemap(put);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(readFile(f.zipPath()), zip);
  put.body = "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n";
  r = f.in->handleSourcemap(put);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(parse(r).error, HasSubstr("\"file\""));
}

TEST(RumSourcemap, BadRequests) {
  Fixture f;
  std::string zip = readFile(kFixtures + "flat.zip");
  auto expectBad = [&](net::HttpRequest req, int status, std::string_view error) {
    net::HttpResponse r = req.path == "/v1/sourcemap/check" ? f.in->handleSourcemapCheck(req)
                                                            : f.in->handleSourcemap(req);
    EXPECT_EQ(r.status, status) << r.body;
    Answer a = parse(r);
    EXPECT_FALSE(a.success);
    EXPECT_THAT(a.error, HasSubstr(std::string(error))) << r.body;
  };
  expectBad(smRequest("PUT", "/v1/sourcemap", params("wrong"), zip), 400, "invalid token");
  expectBad(smRequest("PUT", "/v1/sourcemap", params(""), zip), 400, "invalid token");
  expectBad(smRequest("DELETE", "/v1/sourcemap", params("wrong")), 400, "invalid token");
  expectBad(smRequest("PUT", "/v1/sourcemap", params("tkn_abc", ""), zip), 400, "app_id not found");
  for (const char* traversal : {"../../../tmp/x", "..", "a/b", "shop/../../x"}) {
    expectBad(smRequest("PUT", "/v1/sourcemap", params("tkn_abc", traversal), zip), 400,
              "invalid name");
    expectBad(smRequest("PUT", "/v1/sourcemap", params("tkn_abc", "shop", traversal), zip), 400,
              "invalid name");
  }
  net::KeyValues android = params();
  android[3].second = "android";
  expectBad(smRequest("PUT", "/v1/sourcemap", android, zip), 400, "not supported");
  expectBad(smRequest("PUT", "/v1/sourcemap", params(), "garbage"), 400, "zip");
  expectBad(smRequest("PUT", "/v1/sourcemap", params(), ""), 400, "empty");
  expectBad(smRequest("PUT", "/v1/sourcemap", params(), std::string(100001, 'x')), 413,
            "over the limit");
  expectBad(smRequest("GET", "/v1/sourcemap/check",
                      {{"app_id", "shop"}, {"env", "prod"}, {"version", "1.0.0"}}),
            400, "error_stack not found");
  expectBad(smRequest("GET", "/v1/sourcemap/check",
                      {{"app_id", "../x"},
                       {"env", "prod"},
                       {"version", "1"},
                       {"error_stack", "at a @ http://h/a.js:1:1"}}),
            400, "invalid name");
  // Nothing was written anywhere under the install dir.
  EXPECT_FALSE(fs::exists(f.dir.path() + "/data"));
}

TEST(RumSourcemap, NoDatawayTokenRefusesUploads) {
  Fixture f("");
  auto put = smRequest("PUT", "/v1/sourcemap", params(""), readFile(kFixtures + "flat.zip"));
  net::HttpResponse r = f.in->handleSourcemap(put);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(parse(r).error, HasSubstr("no DataWay token"));
}

std::string errorLine(const std::string& version, const std::string& sdk,
                      const std::string& stack) {
  std::string escaped;
  for (char c : stack) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "error,sdk_name=" + sdk + ",app_id=shop,env=prod,version=" + version +
         ",error_source=source error_message=\"oops\",error_stack=\"" + escaped +
         "\" 1795271877178\n";
}

TEST(RumSourcemap, ErrorPointsGainTheSymbolicatedStack) {
  Fixture f;
  auto put = smRequest("PUT", "/v1/sourcemap", params(), readFile(kFixtures + "flat.zip"));
  ASSERT_EQ(f.in->handleSourcemap(put).status, 200);
  net::HttpRequest req;
  req.method = "POST";
  req.path = "/v1/write/rum";
  req.query = {{"precision", "ms"}};
  req.headers = {{"Content-Type", "text/plain;charset=UTF-8"}};
  req.remote_ip = "198.51.100.20";
  req.body = errorLine("1.0.0", "df_web_rum_sdk", sdkStack()) +      // has a zip
             errorLine("2.0.0", "df_web_rum_sdk", sdkStack()) +      // no zip
             errorLine("1.0.0", "df_android_rum_sdk", sdkStack()) +  // not a web SDK
             "view,sdk_name=df_web_rum_sdk,app_id=shop,env=prod,version=1.0.0 "
             "loading_time=1 1795271877178\n";
  net::HttpResponse r = f.in->handleWrite(req);
  ASSERT_EQ(r.status / 100, 2) << r.body;
  ASSERT_EQ(f.feeder.points.size(), 4u);
  auto field = [](const model::Point& p) -> std::string {
    const model::Field* fl = p.findField("error_stack_source_base64");
    if (fl == nullptr) return "<absent>";
    std::string decoded;
    EXPECT_TRUE(codec::json::base64Decode(std::get<std::string>(fl->value), &decoded));
    return decoded;
  };
  EXPECT_EQ(field(f.feeder.points[0]), kSymbolicated);
  EXPECT_EQ(field(f.feeder.points[1]), "<absent>");
  EXPECT_EQ(field(f.feeder.points[2]), "<absent>");
  EXPECT_EQ(field(f.feeder.points[3]), "<absent>");
  // The original stack is kept.
  const model::Field* stack = f.feeder.points[0].findField("error_stack");
  ASSERT_NE(stack, nullptr);
  EXPECT_EQ(std::get<std::string>(stack->value), sdkStack());
  EXPECT_EQ(f.in->stats().errors_symbolicated, 1u);
}

}  // namespace
}  // namespace sextant::agent::inputs::rum

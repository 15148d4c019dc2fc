#include "server/ui_assets/ui_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "codec/compression/compression.h"
#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"

namespace sextant::server {
namespace {

void writeFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

class UiAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = "<!doctype html><title>Sextant</title><script src=/assets/app-1a2b.js></script>";
    script_ = std::string(4096, 'x') + "console.log('sextant')";
    writeFile(dir_.path() + "/index.html", index_);
    writeFile(dir_.path() + "/assets/app-1a2b.js", script_);
    writeFile(dir_.path() + "/assets/logo.png", std::string("\x89PNG\r\n", 6));
    auto loaded = UiAssets::load(dir_.path());
    ASSERT_TRUE(loaded.isOk()) << loaded.status().toString();
    assets_ = *loaded;
    registerUiRoutes(router_, assets_);
  }
  net::HttpResponse get(const std::string& target, net::KeyValues headers = {}) {
    net::HttpRequest req = net::testing::makeRequest("GET", target, std::move(headers));
    std::optional<net::HttpResponse> r = net::testing::callRoute(router_, req);
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(net::HttpResponse{});
  }
  static std::string header(const net::HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  testing::TempDir dir_;
  std::string index_, script_;
  std::shared_ptr<const UiAssets> assets_;
  net::Router router_;
};

TEST_F(UiAssetsTest, RootIsIndexAndRevalidated) {
  net::HttpResponse r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, index_);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(assets_->fileCount(), 3u);
}

TEST_F(UiAssetsTest, HashedAssetsAreImmutableAndGzippedWhenAccepted) {
  net::HttpResponse plain = get("/assets/app-1a2b.js");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, script_);
  EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(header(plain, "Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(header(plain, "Content-Encoding"), "");

  net::HttpResponse gz = get("/assets/app-1a2b.js", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_LT(gz.body.size(), script_.size());
  auto unzipped = codec::decompress(gz.body, codec::ContentEncoding::kGzip, 1 << 20);
  ASSERT_TRUE(unzipped.isOk());
  EXPECT_EQ(*unzipped, script_);

  // Binary files are sent as they are.
  net::HttpResponse png = get("/assets/logo.png", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(png.content_type, "image/png");
  EXPECT_EQ(header(png, "Content-Encoding"), "");
}

TEST_F(UiAssetsTest, MatchingEtagAnswers304) {
  net::HttpResponse first = get("/");
  std::string etag = header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  net::HttpResponse again = get("/", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(get("/", {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(UiAssetsTest, UnknownAndEscapingPathsAre404) {
  for (const char* target : {"/nope.js", "/assets/../index.html", "/assets//app-1a2b.js",
                             "/./index.html", "/assets/", "/%2e%2e/etc/passwd"}) {
    net::HttpResponse r = get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_NE(r.body.find("sextant.notFound"), std::string::npos) << target;
  }
}

TEST(UiAssetsLoadTest, DirWithoutIndexIsAnError) {
  testing::TempDir dir;
  writeFile(dir.path() + "/assets/a.js", "1");
  auto loaded = UiAssets::load(dir.path());
  ASSERT_FALSE(loaded.isOk());
  EXPECT_NE(loaded.status().message().find("index.html"), std::string::npos);
  EXPECT_FALSE(UiAssets::load(dir.path() + "/missing").isOk());
}

TEST(UiAssetsNotBuiltTest, RootExplainsHowToBuildTheUi) {
  net::Router router;
  registerUiRoutes(router, nullptr);
  net::HttpRequest req = net::testing::makeRequest("GET", "/");
  std::optional<net::HttpResponse> r = net::testing::callRoute(router, req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("--ui-dir"), std::string::npos);
  net::HttpRequest other = net::testing::makeRequest("GET", "/x.js");
  EXPECT_FALSE(net::testing::callRoute(router, other).has_value());
}

}  // namespace
}  // namespace sextant::server

#include "agent/election/global_tags_api.h"

#include <gtest/gtest.h>

#include "core/testing/temp_dir.h"

namespace sextant::agent::election {
namespace {

net::HttpRequest request(std::string method, std::string_view query) {
  net::HttpRequest req;
  req.method = std::move(method);
  req.query = net::parseQuery(query);
  return req;
}

// DataKit's own test fixture (api_globaltags_test.go): host "hostMock", h1/h2 host tags, e1/e2
// election tags.
GlobalTags fixture(bool election_enabled) {
  return GlobalTags({{"host", "hostMock"}, {"h1", "h1"}, {"h2", "h2"}},
                    {{"e1", "e1"}, {"e2", "e2"}}, election_enabled);
}

TEST(GlobalTagsApi, GetHostTags) {
  GlobalTags tags = fixture(true);
  net::HttpResponse r = handleGlobalTags(request("GET", ""), tags, /*election=*/false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"host-tags":{"h1":"h1","h2":"h2","host":"hostMock"}})");
}

TEST(GlobalTagsApi, GetElectionTags) {
  GlobalTags on = fixture(true);
  net::HttpResponse r = handleGlobalTags(request("GET", ""), on, /*election=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"election-tags":{"e1":"e1","e2":"e2"}})");
  // With election disabled GET still answers (DataKit only guards POST and DELETE).
  GlobalTags off = fixture(false);
  r = handleGlobalTags(request("GET", ""), off, /*election=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"election-tags":{"h1":"h1","h2":"h2","host":"hostMock"}})");
}

TEST(GlobalTagsApi, PostHostTagsElectionEnabled) {
  GlobalTags tags = fixture(true);
  net::HttpResponse r = handleGlobalTags(request("POST", "h2=h22&h3=h3&host=no_useful&h3=ignored"),
                                         tags, false, {{"dw", "1"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dataway-tags":{"dw":"1"},"election-tags":{"e1":"e1","e2":"e2"},)"
                    R"("host-tags":{"h1":"h1","h2":"h22","h3":"h3","host":"hostMock"}})");
}

TEST(GlobalTagsApi, PostHostTagsElectionDisabledAlsoShowsInElectionTags) {
  GlobalTags tags = fixture(false);
  net::HttpResponse r =
      handleGlobalTags(request("POST", "h2=h22&h3=h3&host=no_useful"), tags, false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dataway-tags":{},)"
                    R"("election-tags":{"h1":"h1","h2":"h22","h3":"h3","host":"hostMock"},)"
                    R"("host-tags":{"h1":"h1","h2":"h22","h3":"h3","host":"hostMock"}})");
}

TEST(GlobalTagsApi, DeleteHostTags) {
  GlobalTags tags = fixture(true);
  net::HttpResponse r = handleGlobalTags(request("DELETE", "tags=host,h1,e1"), tags, false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dataway-tags":{},"election-tags":{"e1":"e1","e2":"e2"},)"
                    R"("host-tags":{"h2":"h2","host":"hostMock"}})");
  GlobalTags off = fixture(false);
  r = handleGlobalTags(request("DELETE", "tags=host,h1,e1"), off, false);
  EXPECT_EQ(r.body, R"({"dataway-tags":{},"election-tags":{"h2":"h2","host":"hostMock"},)"
                    R"("host-tags":{"h2":"h2","host":"hostMock"}})");
}

TEST(GlobalTagsApi, PostAndDeleteElectionTags) {
  GlobalTags tags = fixture(true);
  net::HttpResponse r =
      handleGlobalTags(request("POST", "e2=e22&e3=e3&host=no_useful"), tags, true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dataway-tags":{},"election-tags":{"e1":"e1","e2":"e22","e3":"e3"},)"
                    R"("host-tags":{"h1":"h1","h2":"h2","host":"hostMock"}})");
  r = handleGlobalTags(request("DELETE", "tags=host,h1,e1"), tags, true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dataway-tags":{},"election-tags":{"e2":"e22","e3":"e3"},)"
                    R"("host-tags":{"h1":"h1","h2":"h2","host":"hostMock"}})");
}

TEST(GlobalTagsApi, ElectionRouteRefusesChangesWhenElectionIsDisabled) {
  GlobalTags tags = fixture(false);
  for (const char* method : {"POST", "DELETE"}) {
    net::HttpResponse r = handleGlobalTags(request(method, "tags=h1&e9=x"), tags, true);
    EXPECT_EQ(r.status, 500) << method;
    EXPECT_EQ(r.body, R"({"message":"Can't use this command when global-election is false."})");
  }
  EXPECT_EQ(*tags.hostTags(), (TagMap{{"host", "hostMock"}, {"h1", "h1"}, {"h2", "h2"}}));
}

TEST(GlobalTagsApi, EmptySetOrDeleteIsANoOp) {
  GlobalTags tags = fixture(true);
  const std::string unchanged = R"({"dataway-tags":{},"election-tags":{"e1":"e1","e2":"e2"},)"
                                R"("host-tags":{"h1":"h1","h2":"h2","host":"hostMock"}})";
  EXPECT_EQ(handleGlobalTags(request("POST", ""), tags, false).body, unchanged);
  EXPECT_EQ(handleGlobalTags(request("POST", "host=x"), tags, false).body, unchanged);
  EXPECT_EQ(handleGlobalTags(request("DELETE", ""), tags, false).body, unchanged);
  EXPECT_EQ(handleGlobalTags(request("DELETE", "tags="), tags, false).body, unchanged);
  EXPECT_EQ(handleGlobalTags(request("DELETE", "h1=x"), tags, false).body, unchanged);
  EXPECT_EQ(handleGlobalTags(request("DELETE", "tags=,,nope"), tags, true).body, unchanged);
}

TEST(GlobalTagsApi, PercentDecodedValuesAndOtherMethods) {
  GlobalTags tags({}, {}, true);
  net::HttpResponse r = handleGlobalTags(request("POST", "k%201=a%22b&k2"), tags, false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dataway-tags":{},"election-tags":{},"host-tags":{"k 1":"a\"b","k2":""}})");
  r = handleGlobalTags(request("PUT", "a=1"), tags, false);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(tags.hostTags()->count("a"), 0u);
}

TEST(GlobalTagsApi, PostPersistsToDatakitConfInHostMode) {
  sextant::testing::TempDir dir;
  std::string path = joinPath(dir.path(), "datakit.conf");
  const std::string conf =
      "# main\n[global_host_tags]\n  host = \"__datakit_hostname\"\n\n[election]\n  enable = "
      "true\n";
  ASSERT_TRUE(writeFileAtomically(realFileSystem(), path, conf).isOk());
  GlobalTags tags({{"host", "hostMock"}}, {}, true,
                  std::make_shared<ConfFilePersister>(realFileSystem(), path));
  EXPECT_EQ(handleGlobalTags(request("POST", "zone=z1&host=ignored"), tags, false).status, 200);
  EXPECT_EQ(handleGlobalTags(request("POST", "team=a"), tags, true).status, 200);
  Result<std::string> text = realFileSystem().readFile(path);
  ASSERT_TRUE(text.isOk());
  EXPECT_EQ(*text,
            "# main\n[global_host_tags]\n  host = \"__datakit_hostname\"\n  zone = \"z1\"\n\n"
            "[election]\n  enable = true\n\n[election.tags]\n  team = \"a\"\n");
  EXPECT_EQ(handleGlobalTags(request("DELETE", "tags=zone"), tags, false).status, 200);
  text = realFileSystem().readFile(path);
  ASSERT_TRUE(text.isOk());
  EXPECT_EQ(*text,
            "# main\n[global_host_tags]\n  host = \"__datakit_hostname\"\n\n"
            "[election]\n  enable = true\n\n[election.tags]\n  team = \"a\"\n");
}

}  // namespace
}  // namespace sextant::agent::election

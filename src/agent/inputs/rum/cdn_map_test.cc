// The rum input's cdn_map option: DataKit's JSON list, literal-domain and glob matching.
#include "agent/inputs/rum/cdn_map.h"

#include <gtest/gtest.h>

namespace sextant::agent::inputs::rum {
namespace {

TEST(CdnMap, MatchesDomainsSubdomainsAndGlobs) {
  auto m = CdnMap::parse(R"([
    {"domain":"alicdn.com","name":"Alibaba Cloud CDN","website":"https://www.aliyun.com"},
    {"domain":"*.kunlun*.com","name":"Kunlun"},
    {"domain":"CloudFront.net","name":"Amazon CloudFront","website":"https://aws.amazon.com"}
  ])",
                         "cdn_map");
  ASSERT_TRUE(m.isOk()) << m.status().message();
  EXPECT_EQ(m->size(), 3u);
  ASSERT_NE(m->match("alicdn.com"), nullptr);
  EXPECT_EQ(m->match("g.alicdn.com")->name, "Alibaba Cloud CDN");
  EXPECT_EQ(m->match("G.AliCDN.com:443")->name, "Alibaba Cloud CDN");
  EXPECT_EQ(m->match("xalicdn.com"), nullptr);
  EXPECT_EQ(m->match("alicdn.com.evil.org"), nullptr);
  EXPECT_EQ(m->match("a.kunluncan.com")->name, "Kunlun");
  EXPECT_EQ(m->match("kunluncan.com"), nullptr);  // the glob needs "<x>.kunlun"
  EXPECT_EQ(m->match("d111.cloudfront.net")->website, "https://aws.amazon.com");
  EXPECT_EQ(m->match("127.0.0.1"), nullptr);
  EXPECT_EQ(m->match(""), nullptr);
}

TEST(CdnMap, RejectsMalformedLists) {
  for (const char* bad :
       {"", "{}", "[1]", R"([{"name":"x"}])", R"([{"domain":"","name":"x"}])",
        R"([{"domain":"a.com"}])", R"([{"domain":"a.com","name":"x","website":3}])",
        "[{\"domain\":\"a.com\""}) {
    auto m = CdnMap::parse(bad, "[inputs.rum] cdn_map");
    ASSERT_FALSE(m.isOk()) << bad;
    EXPECT_EQ(m.status().message().rfind("[inputs.rum] cdn_map", 0), 0u) << m.status().message();
  }
  auto empty = CdnMap::parse("[]", "x");
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->empty());
}

TEST(CdnMap, HostNormalisationAndGlob) {
  EXPECT_EQ(normalizeHost("A.Example.COM:8080"), "a.example.com");
  EXPECT_EQ(normalizeHost("[2001:DB8::1]:443"), "2001:db8::1");
  EXPECT_EQ(normalizeHost("2001:db8::1"), "2001:db8::1");
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_TRUE(globMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(globMatch("a*b*c", "axxbyy"));
  EXPECT_TRUE(globMatch("*.x.com", "a.b.x.com"));
  EXPECT_FALSE(globMatch("*.x.com", "x.com"));
  EXPECT_TRUE(globMatch("**a", "a"));
}

}  // namespace
}  // namespace sextant::agent::inputs::rum

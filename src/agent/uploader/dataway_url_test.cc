#include "agent/uploader/dataway_url.h"

#include <gtest/gtest.h>

namespace sextant::agent {
namespace {

TEST(DatawayUrlTest, DataKitShape) {
  auto ep = parseDatawayUrl("https://openway.example.com?token=tkn_0123456789abcdef");
  ASSERT_TRUE(ep.isOk()) << ep.status().toString();
  EXPECT_EQ(ep->scheme, "https");
  EXPECT_EQ(ep->host, "openway.example.com");
  EXPECT_EQ(ep->token, "tkn_0123456789abcdef");
  EXPECT_EQ(ep->apiUrl("/v1/write/metric"),
            "https://openway.example.com/v1/write/metric?token=tkn_0123456789abcdef");
  EXPECT_EQ(ep->apiUrl("/v1/election"),
            "https://openway.example.com/v1/election?token=tkn_0123456789abcdef");
  EXPECT_EQ(ep->redacted(), "https://openway.example.com?token=tkn_0123****");
}

TEST(DatawayUrlTest, PortAndExtraArgumentsAreKeptSortedAsGoEncodes) {
  auto ep = parseDatawayUrl("http://10.0.0.1:9528/ignored/path?token=tkn_a&zone=cn+1&a=x%2Fy&b");
  ASSERT_TRUE(ep.isOk());
  EXPECT_EQ(ep->host, "10.0.0.1:9528");
  EXPECT_EQ(ep->token, "tkn_a");
  // url.Values.Encode(): keys sorted; "+" was a space and is written back as "+", "/" as %2F.
  EXPECT_EQ(ep->query, "a=x%2Fy&b=&token=tkn_a&zone=cn+1");
  EXPECT_EQ(ep->apiUrl("/v1/write/logging"),
            "http://10.0.0.1:9528/v1/write/logging?a=x%2Fy&b=&token=tkn_a&zone=cn+1");
  EXPECT_EQ(ep->apiUrl("/v1/datakit/pull?filters=true"),
            "http://10.0.0.1:9528/v1/datakit/pull?filters=true&a=x%2Fy&b=&token=tkn_a&zone=cn+1");
}

TEST(DatawayUrlTest, RepeatedKeysKeepTheirOrder) {
  auto ep = parseDatawayUrl("http://h?z=1&token=t&z=0&bad=%zz&cut=%4&sign=%-1");
  ASSERT_TRUE(ep.isOk());
  EXPECT_EQ(ep->query, "token=t&z=1&z=0");  // pairs with a bad escape are dropped (as Go)
}

TEST(DatawayUrlTest, NoQueryAndIpv6) {
  auto ep = parseDatawayUrl("  http://[::1]:9528  ");
  ASSERT_TRUE(ep.isOk());
  EXPECT_EQ(ep->host, "[::1]:9528");
  EXPECT_EQ(ep->token, "");
  EXPECT_EQ(ep->apiUrl("/v1/write/metric"), "http://[::1]:9528/v1/write/metric");
  EXPECT_EQ(ep->id().substr(0, 11), "___1__9528-");
  EXPECT_EQ(ep->redacted(), "http://[::1]:9528");
}

TEST(DatawayUrlTest, IdIsStableFileSafeAndDependsOnTheToken) {
  auto a = parseDatawayUrl("https://openway.example.com:443?token=tkn_a");
  auto b = parseDatawayUrl("https://openway.example.com:443?token=tkn_b");
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_EQ(a->id().substr(0, 24), "openway.example.com_443-");
  EXPECT_EQ(a->id().size(), 32u);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(a->id(), parseDatawayUrl("https://openway.example.com:443?token=tkn_a")->id());
}

TEST(DatawayUrlTest, Invalid) {
  for (const char* url : {"", "openway.example.com?token=x", "ftp://h?token=x", "http://",
                          "http://?token=x", "https://user@h/"}) {
    auto ep = parseDatawayUrl(url);
    EXPECT_FALSE(ep.isOk()) << url;
    if (!ep.isOk()) {
      EXPECT_EQ(ep.status().code(), StatusCode::kInvalidArgument) << url;
    }
  }
}

TEST(DatawayUrlTest, GoQueryEscape) {
  EXPECT_EQ(goQueryEscape("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(goQueryEscape("a b+c/d=e&\xff"), "a+b%2Bc%2Fd%3De%26%FF");
}

}  // namespace
}  // namespace sextant::agent

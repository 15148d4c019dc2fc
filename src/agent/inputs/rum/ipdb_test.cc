// The rum input's IP database: the CSV/CIDR format, IPv4 and IPv6 lookups at range boundaries,
// and the errors for bad lines.
#include "agent/inputs/rum/ipdb.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::rum {
namespace {

constexpr std::string_view kDb = R"(# start_ip,end_ip,country,province,city,isp
1.0.0.0,1.0.0.255,AU,Queensland,Brisbane,APNIC
 8.8.8.0 , 8.8.8.255 , US , California , Mountain View , Google
203.0.113.0/24,JP,Tokyo,Tokyo,Example
2001:db8::/32,DE,Berlin,Berlin,
2400:cb00::,2400:cb00::ffff,CN,Zhejiang,Hangzhou,Aliyun

)";

TEST(IpDatabase, LooksUpV4AndV6RangesAtTheirBoundaries) {
  auto db = IpDatabase::parse(kDb, "ipdb.csv");
  ASSERT_TRUE(db.isOk()) << db.status().message();
  EXPECT_EQ(db->size(), 5u);

  auto brisbane = db->lookup("1.0.0.0");
  ASSERT_TRUE(brisbane);
  EXPECT_EQ(brisbane->country, "AU");
  EXPECT_EQ(brisbane->province, "Queensland");
  EXPECT_EQ(brisbane->city, "Brisbane");
  EXPECT_EQ(brisbane->isp, "APNIC");
  EXPECT_TRUE(db->lookup("1.0.0.255"));
  EXPECT_FALSE(db->lookup("1.0.1.0"));
  EXPECT_FALSE(db->lookup("0.255.255.255"));

  auto google = db->lookup("8.8.8.8");
  ASSERT_TRUE(google);
  EXPECT_EQ(google->city, "Mountain View");  // spaces around fields trimmed
  EXPECT_EQ(google->isp, "Google");
  // IPv4-mapped IPv6 is the same address.
  ASSERT_TRUE(db->lookup("::ffff:8.8.8.8"));
  EXPECT_EQ(db->lookup("::ffff:8.8.8.8")->country, "US");

  EXPECT_EQ(db->lookup("203.0.113.0")->country, "JP");
  EXPECT_EQ(db->lookup("203.0.113.255")->country, "JP");
  EXPECT_FALSE(db->lookup("203.0.114.0"));

  auto berlin = db->lookup("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->country, "DE");
  EXPECT_EQ(berlin->isp, "unknown");  // empty field
  EXPECT_FALSE(db->lookup("2001:db9::"));
  EXPECT_EQ(db->lookup("2400:cb00::ffff")->city, "Hangzhou");
  EXPECT_FALSE(db->lookup("2400:cb00::1:0"));

  EXPECT_FALSE(db->lookup("not-an-ip"));
  EXPECT_FALSE(db->lookup(""));
  EXPECT_FALSE(db->lookup("1.2.3.4:80"));
}

TEST(IpDatabase, CidrMasksTheHostBits) {
  auto db = IpDatabase::parse("10.1.2.3/8,X,P,C,I\n::1/128,L,o,c,al\n0.0.0.0/0,Z,Z,Z,Z\n", "x");
  // 0.0.0.0/0 covers all of IPv4, which overlaps 10/8.
  ASSERT_FALSE(db.isOk());
  db = IpDatabase::parse("10.1.2.3/8,X,P,C,I\n::1/128,L,o,c,al\n", "x");
  ASSERT_TRUE(db.isOk()) << db.status().message();
  EXPECT_EQ(db->lookup("10.0.0.0")->country, "X");
  EXPECT_EQ(db->lookup("10.255.255.255")->country, "X");
  EXPECT_FALSE(db->lookup("11.0.0.0"));
  EXPECT_EQ(db->lookup("::1")->isp, "al");
  EXPECT_FALSE(db->lookup("::2"));
}

TEST(IpDatabase, ErrorsNameTheLine) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"# ok\n1.2.3.4,1.2.3.9,a,b,c\n", "db.csv:2: expected start_ip,end_ip"},
      {"1.2.3.x,1.2.3.9,a,b,c,d\n", "db.csv:1: bad start address '1.2.3.x'"},
      {"\n1.2.3.4,nope,a,b,c,d\n", "db.csv:2: bad end address 'nope'"},
      {"1.2.3.9,1.2.3.4,a,b,c,d\n", "db.csv:1: end address before start address"},
      {"1.2.3.0/33,a,b,c,d\n", "db.csv:1: bad prefix length '33'"},
      {"1.2.3.0/,a,b,c,d\n", "db.csv:1: bad prefix length"},
      {"1.0.0.0,1.0.0.9,a,b,c,d\n1.0.0.5,1.0.0.20,a,b,c,d\n",
       "db.csv:2: range starting at 1.0.0.5 overlaps the range of line 1"},
      {"1.0.0.0,1.0.0.9,a,b\x01,c,d\n", "db.csv:1: control character"},
      {"1.0.0.0,1.0.0.9,a,b\xff,c,d\n", "db.csv:1: field not valid UTF-8"},
      {"1.0.0.0,1.0.0.9,a," + std::string(300, 'x') + ",c,d\n", "db.csv:1: field longer than"},
  };
  for (const Case& c : cases) {
    auto db = IpDatabase::parse(c.text, "db.csv");
    ASSERT_FALSE(db.isOk()) << c.text;
    EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(db.status().message().rfind(c.message, 0), 0u)
        << db.status().message() << " vs " << c.message;
  }
}

TEST(IpDatabase, LoadsAFileAndReportsAMissingOne) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/ipdb.csv";
  std::ofstream(path) << kDb;
  auto db = IpDatabase::load(path);
  ASSERT_TRUE(db.isOk()) << db.status().message();
  EXPECT_EQ(db->lookup("8.8.4.4"), std::nullopt);
  EXPECT_EQ(db->lookup("8.8.8.1")->isp, "Google");
  auto missing = IpDatabase::load(dir.path() + "/nope.csv");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(IpDatabase, ManyRangesStaySorted) {
  // 1000 /24s inserted in reverse order: every one is found, the gaps are not.
  std::string text;
  for (int i = 999; i >= 0; --i) {
    text += "10." + std::to_string(i / 100) + "." + std::to_string((i % 100) * 2) + ".0/24,C" +
            std::to_string(i) + ",p,c,i\n";
  }
  auto db = IpDatabase::parse(text, "many");
  ASSERT_TRUE(db.isOk()) << db.status().message();
  for (int i = 0; i < 1000; ++i) {
    std::string base = "10." + std::to_string(i / 100) + ".";
    auto hit = db->lookup(base + std::to_string((i % 100) * 2) + ".77");
    ASSERT_TRUE(hit) << i;
    EXPECT_EQ(hit->country, "C" + std::to_string(i));
    EXPECT_FALSE(db->lookup(base + std::to_string((i % 100) * 2 + 1) + ".77")) << i;
  }
}

}  // namespace
}  // namespace sextant::agent::inputs::rum

#include "pipeline/funcs/time_parse.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sextant::pipeline::funcs {
namespace {

constexpr int64_t kSec = 1000000000;

// Expected instants below were computed by hand (calendar arithmetic and the published zone
// rules), cross-checked with `date -u -d`, never by the code under test.

int64_t autoNs(std::string_view text, std::string_view tz = "UTC") {
  auto r = parseTimeAuto(text, tz);
  EXPECT_TRUE(r.isOk()) << text << ": " << r.status().toString();
  return r.isOk() ? *r : -1;
}

TEST(TimeAuto, CommonLogFormats) {
  const int64_t t = 1619684678 * kSec;  // 2021-04-29T08:24:38Z
  EXPECT_EQ(autoNs("2021-04-29T08:24:38Z"), t);
  EXPECT_EQ(autoNs("2021-04-29T16:24:38+08:00"), t);
  EXPECT_EQ(autoNs("2021-04-29T08:24:38.123456789Z"), t + 123456789);
  EXPECT_EQ(autoNs("2021-04-29T08:24:38.123456Z"), t + 123456000);  // mysql 8
  EXPECT_EQ(autoNs("2021-04-29T16:24:38.000+0800"), t);             // Java SimpleDateFormat Z
  EXPECT_EQ(autoNs("2021-04-29 16:24:38.123 +0800"), t + 123000000);
  EXPECT_EQ(autoNs("2021-04-29 16:24:38 +0800 CST"), t);  // Go's Time.String()
  EXPECT_EQ(autoNs("2021-04-29 08:24:38"), t);
  EXPECT_EQ(autoNs("2021-04-29 08:24:38.5"), t + 500000000);
  EXPECT_EQ(autoNs("2021-04-29 08:24:38,250"), t + 250000000);  // log4j
  EXPECT_EQ(autoNs("2021/04/29 08:24:38"), t);                  // nginx error log
  EXPECT_EQ(autoNs("29/Apr/2021:16:24:38 +0800"), t);           // nginx / apache access
  EXPECT_EQ(autoNs("29/Apr/2021:08:24:38 +0000"), t);
  EXPECT_EQ(autoNs("Thu Apr 29 08:24:38 2021"), t);              // ANSIC
  EXPECT_EQ(autoNs("Thu Apr 29 08:24:38 UTC 2021"), t);          // UnixDate
  EXPECT_EQ(autoNs("Thu, 29 Apr 2021 08:24:38 GMT"), t);         // RFC1123
  EXPECT_EQ(autoNs("Thu, 29 Apr 2021 16:24:38 +0800"), t);       // RFC1123Z
  EXPECT_EQ(autoNs("Thursday, 29-Apr-21 08:24:38 UTC"), t);      // RFC850
  EXPECT_EQ(autoNs("210429 08:24:38"), t);                       // mysql 5.x slow/error log
  EXPECT_EQ(autoNs("29 Apr 2021 08:24:38.123"), t + 123000000);  // redis
  EXPECT_EQ(autoNs("  2021-04-29 08:24:38\n"), t);               // surrounding space
  EXPECT_EQ(autoNs("2021-04-29"), 1619654400 * kSec);
}

TEST(TimeAuto, UnixNumbers) {
  EXPECT_EQ(autoNs("1619684678"), 1619684678 * kSec);
  EXPECT_EQ(autoNs("1619684678.5"), 1619684678 * kSec + 500000000);
  EXPECT_EQ(autoNs("1619684678123"), 1619684678123000000);
  EXPECT_EQ(autoNs("1619684678123456"), 1619684678123456000);
  EXPECT_EQ(autoNs("1619684678123456789"), 1619684678123456789);
  EXPECT_FALSE(parseTimeAuto("99999999999999999999", "").isOk());
}

TEST(TimeAuto, SyslogUsesCurrentYear) {
  auto r = parseTimeAuto("Jan  5 14:02:17", "UTC");
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  time_t secs = static_cast<time_t>(*r / kSec);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  time_t now = time(nullptr);
  std::tm now_tm{};
  gmtime_r(&now, &now_tm);
  EXPECT_EQ(tm.tm_year, now_tm.tm_year);
  EXPECT_EQ(tm.tm_mon, 0);
  EXPECT_EQ(tm.tm_mday, 5);
  EXPECT_EQ(tm.tm_hour, 14);
  EXPECT_EQ(tm.tm_sec, 17);
}

TEST(TimeAuto, ZonesForTextsWithoutZone) {
  const int64_t t = 1619684678 * kSec;  // 2021-04-29T08:24:38Z = 16:24:38 in Shanghai
  EXPECT_EQ(autoNs("2021-04-29 16:24:38", "Asia/Shanghai"), t);
  EXPECT_EQ(autoNs("2021-04-29 16:24:38", "+8"), t);
  EXPECT_EQ(autoNs("2021-04-29 16:24:38", "+08:00"), t);
  EXPECT_EQ(autoNs("2021-04-29 13:54:38", "+5:30"), t);
  EXPECT_EQ(autoNs("2021-04-29 03:24:38", "-5"), t);
  // A zone in the text wins over tz.
  EXPECT_EQ(autoNs("2021-04-29T08:24:38Z", "Asia/Shanghai"), t);
  EXPECT_FALSE(parseTimeAuto("2021-04-29 16:24:38", "Mars/Olympus").isOk());
  EXPECT_FALSE(parseTimeAuto("2021-04-29 16:24:38", "../../etc/passwd").isOk());
  EXPECT_FALSE(parseTimeAuto("2021-04-29 16:24:38", "+99").isOk());
}

TEST(TimeAuto, Rejects) {
  for (const char* s : {"", "hello", "2021-13-01 00:00:00", "2021-02-29 00:00:00", "2021-04-31",
                        "2021-04-29 24:00:00", "2021-04-29 08:60:00", "29/Foo/2021:08:24:38 +0000",
                        "2021-04-29T08:24:38Zjunk"}) {
    EXPECT_FALSE(parseTimeAuto(s, "UTC").isOk()) << s;
  }
  EXPECT_TRUE(parseTimeAuto("2020-02-29 00:00:00", "UTC").isOk());  // leap year
}

TEST(TimeFormat, GoLayouts) {
  const int64_t t = 1136239445 * kSec;  // Mon Jan 2 15:04:05 MST 2006 = 22:04:05Z
  EXPECT_EQ(*parseTimeWithFormat("2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 -0700", ""), t);
  EXPECT_EQ(
      *parseTimeWithFormat("Mon Jan  2 15:04:05 MST 2006", "Mon Jan _2 15:04:05 MST 2006", ""), t);
  EXPECT_EQ(*parseTimeWithFormat("01/02/06 03:04:05PM -07", "01/02/06 03:04:05PM -07", ""), t);
  EXPECT_EQ(*parseTimeWithFormat("2006-01-02T22:04:05.123Z", "2006-01-02T15:04:05.000Z07:00", ""),
            t + 123000000);
  EXPECT_EQ(*parseTimeWithFormat("2006-01-02T22:04:05.1Z", "2006-01-02T15:04:05.999Z07:00", ""),
            t + 100000000);
  EXPECT_EQ(*parseTimeWithFormat("2006-01-02T22:04:05Z", "2006-01-02T15:04:05.999Z07:00", ""), t);
  EXPECT_EQ(
      *parseTimeWithFormat("January 2, 2006 3:04:05 pm", "January 2, 2006 3:04:05 pm", "-07:00"),
      t);
  EXPECT_EQ(*parseTimeWithFormat("2006 002 22:04:05", "2006 002 15:04:05", "UTC"),
            t);  // day of year
  EXPECT_EQ(*parseTimeWithFormat("20060102 150405", "20060102 150405", "-0700"), t);
  EXPECT_EQ(
      *parseTimeWithFormat("2006-01-02 23:04:05 +08:00:00", "2006-01-02 15:04:05 -07:00:00", ""),
      t - 7 * 3600 * kSec);
  // 12 AM is midnight, 12 PM is noon.
  EXPECT_EQ(*parseTimeWithFormat("2006-01-02 12:00 AM", "2006-01-02 03:04 PM", "UTC"),
            1136160000 * kSec);
  EXPECT_EQ(*parseTimeWithFormat("2006-01-02 12:00 PM", "2006-01-02 03:04 PM", "UTC"),
            1136203200 * kSec);
}

TEST(TimeFormat, Mismatches) {
  EXPECT_FALSE(parseTimeWithFormat("2006-01-02", "2006/01/02", "").isOk());
  EXPECT_FALSE(parseTimeWithFormat("2006-01-02 extra", "2006-01-02", "").isOk());
  EXPECT_FALSE(parseTimeWithFormat("2006-1-02", "2006-01-02", "").isOk());
  EXPECT_FALSE(parseTimeWithFormat("13:04 PM", "03:04 PM", "").isOk());
  EXPECT_FALSE(parseTimeWithFormat("x", "", "").isOk());
  EXPECT_FALSE(
      parseTimeWithFormat("2006-01-02T22:04:05.12Z", "2006-01-02T15:04:05.000Z07:00", "").isOk());
}

TEST(TimeZones, ShanghaiIncludingItsOldDst) {
  auto z = loadTimeZone("Asia/Shanghai");
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  EXPECT_EQ((*z)->offsetAtUtc(1619684678), 8 * 3600);
  // China observed DST from 1986 to 1991 (mid-April to mid-September): July 1990 was UTC+9.
  EXPECT_EQ((*z)->offsetAtUtc(648043200), 9 * 3600);
  EXPECT_EQ(autoNs("1990-07-15 12:00:00", "Asia/Shanghai"), (648043200 - 9 * 3600) * kSec);
}

TEST(TimeZones, NewYorkAroundDstSwitches2021) {
  auto z = loadTimeZone("America/New_York");
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  // Spring forward: 2021-03-14 02:00 EST = 07:00Z.
  EXPECT_EQ((*z)->offsetAtUtc(1615705199), -5 * 3600);
  EXPECT_EQ((*z)->offsetAtUtc(1615705200), -4 * 3600);
  // Fall back: 2021-11-07 02:00 EDT = 06:00Z.
  EXPECT_EQ((*z)->offsetAtUtc(1636264799), -4 * 3600);
  EXPECT_EQ((*z)->offsetAtUtc(1636264800), -5 * 3600);
  EXPECT_EQ(autoNs("2021-03-14 01:59:59", "America/New_York"), 1615705199 * kSec);
  EXPECT_EQ(autoNs("2021-03-14 03:00:00", "America/New_York"), 1615705200 * kSec);
  // 02:30 does not exist that day: read with the offset before the switch (EST) = 07:30Z.
  EXPECT_EQ(autoNs("2021-03-14 02:30:00", "America/New_York"), (1615705200 + 1800) * kSec);
  // 01:30 happens twice on 2021-11-07: the first (EDT) one = 05:30Z.
  EXPECT_EQ(autoNs("2021-11-07 01:30:00", "America/New_York"), 1636263000 * kSec);
  EXPECT_EQ(autoNs("2021-11-07 03:00:00", "America/New_York"),
            (1636264800 + 7200) * kSec);  // 08:00Z
}

TEST(TimeZones, FarFutureUsesTheFooterRule) {
  // 2035 lies past the transitions of most zone files: the POSIX rule decides.
  auto ny = loadTimeZone("America/New_York");
  ASSERT_TRUE(ny.isOk());
  EXPECT_EQ((*ny)->offsetAtUtc(2067163200), -4 * 3600);  // 2035-07-04 12:00Z: EDT
  EXPECT_EQ((*ny)->offsetAtUtc(2051524800), -5 * 3600);  // 2035-01-04 12:00Z: EST
  auto syd = loadTimeZone("Australia/Sydney");
  ASSERT_TRUE(syd.isOk());
  EXPECT_EQ((*syd)->offsetAtUtc(2051524800), 11 * 3600);  // January: AEDT
  EXPECT_EQ((*syd)->offsetAtUtc(2067163200), 10 * 3600);  // July: AEST
  EXPECT_EQ(autoNs("2035-01-04 12:00:00", "Australia/Sydney"), (2051524800 - 11 * 3600) * kSec);
}

// A hand-built TZif v1 file: zone "TST" at +1h, switching to +2h at t=100000 and back at t=200000.
std::string handBuiltTzif() {
  std::string d = "TZif";
  d += '\0';  // version 1
  d += std::string(15, '\0');
  auto u32 = [&d](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) d += static_cast<char>((v >> s) & 0xff);
  };
  u32(0);  // isutcnt
  u32(0);  // isstdcnt
  u32(0);  // leapcnt
  u32(2);  // timecnt
  u32(2);  // typecnt
  u32(4);  // charcnt
  u32(100000);
  u32(200000);
  d += '\1';
  d += '\0';
  u32(3600);
  d += '\0';
  d += '\0';
  u32(7200);
  d += '\1';
  d += '\0';
  d += std::string("TST\0", 4);
  return d;
}

TEST(Tzif, ParsesHandBuiltFile) {
  auto z = TimeZone::parseTzif(handBuiltTzif(), "Test/Zone");
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  EXPECT_EQ((*z)->offsetAtUtc(0), 3600);
  EXPECT_EQ((*z)->offsetAtUtc(99999), 3600);
  EXPECT_EQ((*z)->offsetAtUtc(100000), 7200);
  EXPECT_EQ((*z)->offsetAtUtc(199999), 7200);
  EXPECT_EQ((*z)->offsetAtUtc(200000), 3600);
  EXPECT_EQ((*z)->name(), "Test/Zone");
}

TEST(Tzif, RejectsCorruptFiles) {
  std::string good = handBuiltTzif();
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(TimeZone::parseTzif(good.substr(0, cut)).isOk()) << cut;
  }
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(TimeZone::parseTzif(bad_magic).isOk());
  std::string bad_index = good;
  bad_index[44 + 8] = 5;  // first transition's type index >= typecnt
  EXPECT_FALSE(TimeZone::parseTzif(bad_index).isOk());
  std::string huge_count = good;
  huge_count[44 - 12] = '\x7f';  // timecnt's high byte
  EXPECT_FALSE(TimeZone::parseTzif(huge_count).isOk());
  std::string unordered = good;
  unordered[44] = '\x7f';  // first transition > second
  EXPECT_FALSE(TimeZone::parseTzif(unordered).isOk());
}

TEST(Tzif, ParsesEveryInstalledZoneWeUse) {
  for (const char* name :
       {"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata",
        "America/Sao_Paulo", "Pacific/Chatham", "Europe/London"}) {
    EXPECT_TRUE(loadTimeZone(name).isOk()) << name;
  }
}

TEST(Tzif, ZoneinfoDirSeam) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("plf_zoneinfo_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "Test");
  {
    std::ofstream out(dir / "Test" / "Zone", std::ios::binary);
    std::string d = handBuiltTzif();
    out.write(d.data(), static_cast<std::streamsize>(d.size()));
  }
  {
    std::ofstream out(dir / "Test" / "Broken", std::ios::binary);
    out << "TZif2 garbage";
  }
  setZoneinfoDirForTesting(dir.string());
  auto z = loadTimeZone("Test/Zone");
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  EXPECT_EQ((*z)->offsetAtUtc(150000), 7200);
  // t=150000 is 1970-01-02 17:40:00Z, 19:40 local in the +2h period.
  EXPECT_EQ(*parseTimeWithFormat("1970-01-02 19:40:00", "2006-01-02 15:04:05", "Test/Zone"),
            150000 * kSec);
  // t=50000 is 1970-01-01 13:53:20Z, 14:53:20 local at +1h.
  EXPECT_EQ(*parseTimeWithFormat("1970-01-01 14:53:20", "2006-01-02 15:04:05", "Test/Zone"),
            50000 * kSec);
  EXPECT_FALSE(loadTimeZone("Test/Broken").isOk());
  EXPECT_FALSE(loadTimeZone("Asia/Shanghai").isOk());  // not in the test dir
  setZoneinfoDirForTesting("/usr/share/zoneinfo");
  EXPECT_TRUE(loadTimeZone("Asia/Shanghai").isOk());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sextant::pipeline::funcs

#include "pipeline/funcs/user_agent.h"

#include <gtest/gtest.h>

namespace sextant::pipeline::funcs {
namespace {

TEST(UserAgent, DesktopBrowsers) {
  auto chrome = parseUserAgent(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36");
  EXPECT_EQ(chrome.browser, "Chrome");
  EXPECT_EQ(chrome.browser_ver, "120.0.0.0");
  EXPECT_EQ(chrome.engine, "AppleWebKit");
  EXPECT_EQ(chrome.engine_ver, "537.36");
  EXPECT_EQ(chrome.os, "Windows 10");
  EXPECT_FALSE(chrome.is_mobile);
  EXPECT_FALSE(chrome.is_bot);
  EXPECT_EQ(chrome.platform, "Windows");

  auto firefox = parseUserAgent(
      "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0");
  EXPECT_EQ(firefox.browser, "Firefox");
  EXPECT_EQ(firefox.browser_ver, "115.0");
  EXPECT_EQ(firefox.engine, "Gecko");
  EXPECT_EQ(firefox.engine_ver, "20100101");
  EXPECT_EQ(firefox.os, "Linux");

  auto safari = parseUserAgent(
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.1 Safari/605.1.15");
  EXPECT_EQ(safari.browser, "Safari");
  EXPECT_EQ(safari.browser_ver, "17.1");
  EXPECT_EQ(safari.os, "Mac OS X 10.15.7");
  EXPECT_EQ(safari.platform, "Macintosh");

  auto edge = parseUserAgent(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97");
  EXPECT_EQ(edge.browser, "Edge");
  EXPECT_EQ(edge.browser_ver, "119.0.2151.97");

  auto opera = parseUserAgent(
      "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/105.0.0.0 Safari/537.36 OPR/91.0.4516.20");
  EXPECT_EQ(opera.browser, "Opera");
  EXPECT_EQ(opera.browser_ver, "91.0.4516.20");
  EXPECT_EQ(opera.os, "Windows 7");

  auto ie11 = parseUserAgent("Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko");
  EXPECT_EQ(ie11.browser, "Internet Explorer");
  EXPECT_EQ(ie11.browser_ver, "11.0");
  EXPECT_EQ(ie11.engine, "Trident");
  EXPECT_EQ(ie11.os, "Windows 8.1");

  auto ie8 = parseUserAgent("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)");
  EXPECT_EQ(ie8.browser, "Internet Explorer");
  EXPECT_EQ(ie8.browser_ver, "8.0");
  EXPECT_EQ(ie8.os, "Windows XP");
  EXPECT_EQ(ie8.platform, "Windows");  // "compatible" and "MSIE x" are skipped
}

TEST(UserAgent, MobileDevices) {
  auto iphone = parseUserAgent(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) "
      "Version/16.5 Mobile/15E148 Safari/604.1");
  EXPECT_EQ(iphone.browser, "Safari");
  EXPECT_EQ(iphone.browser_ver, "16.5");
  EXPECT_EQ(iphone.os, "iOS 16.5");
  EXPECT_TRUE(iphone.is_mobile);
  EXPECT_EQ(iphone.platform, "iPhone");

  auto android = parseUserAgent(
      "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/116.0.0.0 Mobile Safari/537.36");
  EXPECT_EQ(android.browser, "Chrome");
  EXPECT_EQ(android.os, "Android 13");
  EXPECT_TRUE(android.is_mobile);

  auto ipad_chrome = parseUserAgent(
      "Mozilla/5.0 (iPad; CPU OS 15_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "CriOS/104.0.5112.99 Mobile/15E148 Safari/604.1");
  EXPECT_EQ(ipad_chrome.browser, "Chrome");
  EXPECT_EQ(ipad_chrome.browser_ver, "104.0.5112.99");
  EXPECT_EQ(ipad_chrome.os, "iOS 15.6");
  EXPECT_TRUE(ipad_chrome.is_mobile);

  auto samsung = parseUserAgent(
      "Mozilla/5.0 (Linux; Android 12; SM-S906N) AppleWebKit/537.36 (KHTML, like Gecko) "
      "SamsungBrowser/22.0 Chrome/111.0.5563.116 Mobile Safari/537.36");
  EXPECT_EQ(samsung.browser, "Samsung Internet");
  EXPECT_EQ(samsung.browser_ver, "22.0");
}

TEST(UserAgent, BotsAndTools) {
  auto google =
      parseUserAgent("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
  EXPECT_TRUE(google.is_bot);
  EXPECT_EQ(google.browser, "Googlebot");
  EXPECT_EQ(google.browser_ver, "2.1");

  auto bing =
      parseUserAgent("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)");
  EXPECT_TRUE(bing.is_bot);
  EXPECT_EQ(bing.browser, "bingbot");

  auto baidu = parseUserAgent(
      "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)");
  EXPECT_TRUE(baidu.is_bot);
  EXPECT_EQ(baidu.browser, "Baiduspider");

  auto curl = parseUserAgent("curl/7.88.1");
  EXPECT_EQ(curl.browser, "curl");
  EXPECT_EQ(curl.browser_ver, "7.88.1");
  EXPECT_FALSE(curl.is_bot);
  EXPECT_EQ(curl.os, "");
  EXPECT_EQ(curl.platform, "");

  auto go = parseUserAgent("Go-http-client/1.1");
  EXPECT_EQ(go.browser, "Go-http-client");
  EXPECT_EQ(go.browser_ver, "1.1");
}

TEST(UserAgent, UnknownGivesEmpty) {
  auto u = parseUserAgent("");
  EXPECT_EQ(u.browser, "");
  EXPECT_EQ(u.os, "");
  EXPECT_FALSE(u.is_mobile);
  auto x = parseUserAgent("something weird (;;;) //");
  EXPECT_EQ(x.browser, "");
  EXPECT_FALSE(x.is_bot);
}

}  // namespace
}  // namespace sextant::pipeline::funcs

// User-Agent header parsing for Pipeline's user_agent().
//
// DataKit's user_agent(key) adds these fields to the point (it wraps the mssola/user_agent Go
// library): "browser", "browserVer", "engine", "engineVer", "os", "isMobile", "isBot" and "ua"
// (the platform). The interpreter maps UserAgentInfo onto those names: browser -> "browser",
// browser_ver -> "browserVer", engine -> "engine", engine_ver -> "engineVer", os -> "os",
// is_mobile -> "isMobile", is_bot -> "isBot", platform -> "ua". Our os names are normalised
// ("Windows 10", "iOS 16.5", "Mac OS X 10.15.7", "Android 13"), which may differ in detail from
// mssola's strings.
//
// Recognised: Chrome, Chromium, Firefox, Safari, Edge (Edg/, EdgA/, EdgiOS/, Edge/), Opera
// (OPR/, Opera), Internet Explorer (MSIE, Trident), Samsung Internet, curl, Wget, Go/Python/Java
// HTTP clients, bots (Googlebot, bingbot, Baiduspider, YandexBot, DuckDuckBot, facebookexternalhit,
// Twitterbot, Applebot, and any token containing "bot", "spider" or "crawl"); OS: Android,
// iOS (iPhone, iPad, iPod), Windows (NT version -> name), Mac OS X, Linux, Chrome OS, FreeBSD.
// Never fails: unknown input gives empty strings.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace sextant::pipeline::funcs {

struct UserAgentInfo {
  std::string browser, browser_ver, engine, engine_ver, os;
  bool is_mobile = false, is_bot = false;
  std::string
      platform;  // first item of the first "(...)" comment: "Windows", "Macintosh", "X11",
                 // "iPhone", "Linux"... ("compatible", "MSIE x" skipped); empty without a comment
};

UserAgentInfo parseUserAgent(std::string_view ua);

}  // namespace sextant::pipeline::funcs

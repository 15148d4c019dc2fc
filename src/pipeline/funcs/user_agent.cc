// User-Agent parsing: product tokens and comments are searched for known names. See user_agent.h.
#include "pipeline/funcs/user_agent.h"

#include <array>

namespace sextant::pipeline::funcs {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool isVersionChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '_' || c == '-';
}

// The version after `token` (e.g. "Chrome/") in ua, or nullopt-like empty + found flag.
bool versionAfter(std::string_view ua, std::string_view token, std::string* ver) {
  size_t pos = ua.find(token);
  if (pos == std::string_view::npos) return false;
  size_t b = pos + token.size();
  size_t e = b;
  while (e < ua.size() && isVersionChar(ua[e])) ++e;
  if (ver != nullptr) ver->assign(ua.substr(b, e - b));
  return true;
}

bool contains(std::string_view s, std::string_view t) {
  return s.find(t) != std::string_view::npos;
}

std::string underscoresToDots(std::string s) {
  for (char& c : s) {
    if (c == '_') c = '.';
  }
  return s;
}

std::string windowsName(std::string_view nt) {
  struct V {
    std::string_view nt, name;
  };
  static constexpr std::array<V, 8> kVersions = {{{"10.0", "Windows 10"},
                                                  {"6.3", "Windows 8.1"},
                                                  {"6.2", "Windows 8"},
                                                  {"6.1", "Windows 7"},
                                                  {"6.0", "Windows Vista"},
                                                  {"5.2", "Windows XP x64"},
                                                  {"5.1", "Windows XP"},
                                                  {"5.0", "Windows 2000"}}};
  for (const V& v : kVersions) {
    if (nt == v.nt) return std::string(v.name);
  }
  return nt.empty() ? "Windows" : "Windows NT " + std::string(nt);
}

std::string detectOs(std::string_view ua, bool* mobile) {
  std::string ver;
  if (contains(ua, "Windows Phone")) {
    *mobile = true;
    versionAfter(ua, "Windows Phone OS ", &ver) || versionAfter(ua, "Windows Phone ", &ver);
    return ver.empty() ? "Windows Phone" : "Windows Phone " + ver;
  }
  if (versionAfter(ua, "Windows NT ", &ver)) return windowsName(ver);
  if (contains(ua, "Windows")) return "Windows";
  if (contains(ua, "iPhone") || contains(ua, "iPad") || contains(ua, "iPod")) {
    *mobile = true;
    if (versionAfter(ua, "iPhone OS ", &ver) || versionAfter(ua, "CPU OS ", &ver)) {
      return "iOS " + underscoresToDots(ver);
    }
    return "iOS";
  }
  if (versionAfter(ua, "Android ", &ver) || versionAfter(ua, "Android/", &ver)) {
    *mobile = true;
    return ver.empty() ? "Android" : "Android " + ver;
  }
  if (contains(ua, "Android")) {
    *mobile = true;
    return "Android";
  }
  if (contains(ua, "CrOS")) return "Chrome OS";
  if (versionAfter(ua, "Mac OS X ", &ver)) return "Mac OS X " + underscoresToDots(ver);
  if (contains(ua, "Macintosh") || contains(ua, "Mac OS X")) return "Mac OS X";
  if (contains(ua, "FreeBSD")) return "FreeBSD";
  if (contains(ua, "Linux")) return "Linux";
  return "";
}

// A bot name: the word containing "bot", "spider" or "crawler" (or a known crawler name).
bool detectBot(std::string_view ua, UserAgentInfo* info) {
  std::string lo = toLower(ua);
  static constexpr std::array<std::string_view, 7> kMarkers = {
      "bot",        "spider", "crawler", "slurp", "facebookexternalhit", "mediapartners-google",
      "ia_archiver"};
  for (std::string_view m : kMarkers) {
    size_t pos = lo.find(m);
    if (pos == std::string::npos) continue;
    // Extend to the surrounding word ([A-Za-z0-9_-] and '.').
    auto word = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-';
    };
    size_t b = pos, e = pos + m.size();
    while (b > 0 && word(ua[b - 1])) --b;
    while (e < ua.size() && word(ua[e])) ++e;
    info->is_bot = true;
    info->browser.assign(ua.substr(b, e - b));
    if (e < ua.size() && ua[e] == '/') {
      size_t v = e + 1;
      while (v < ua.size() && isVersionChar(ua[v])) ++v;
      info->browser_ver.assign(ua.substr(e + 1, v - e - 1));
    }
    return true;
  }
  return false;
}

struct Tool {
  std::string_view token, name;
};

std::string detectPlatform(std::string_view ua) {
  size_t open = ua.find('(');
  if (open == std::string_view::npos) return "";
  size_t close = ua.find(')', open);
  std::string_view comment = ua.substr(
      open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  while (!comment.empty()) {
    size_t semi = comment.find(';');
    std::string_view item = comment.substr(0, semi);
    comment = semi == std::string_view::npos ? std::string_view() : comment.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty() || item == "compatible" || item.substr(0, 5) == "MSIE ") continue;
    if (item.substr(0, 7) == "Windows") return "Windows";
    return std::string(item);
  }
  return "";
}

}  // namespace

UserAgentInfo parseUserAgent(std::string_view ua) {
  UserAgentInfo info;
  if (ua.size() > 4096) ua = ua.substr(0, 4096);
  info.platform = detectPlatform(ua);
  info.os = detectOs(ua, &info.is_mobile);
  if (contains(ua, "Mobile") || contains(ua, "Mobi/")) info.is_mobile = true;

  std::string ver;
  if (versionAfter(ua, "AppleWebKit/", &ver)) {
    info.engine = "AppleWebKit";
    info.engine_ver = ver;
  } else if (versionAfter(ua, "Trident/", &ver)) {
    info.engine = "Trident";
    info.engine_ver = ver;
  } else if (versionAfter(ua, "Presto/", &ver)) {
    info.engine = "Presto";
    info.engine_ver = ver;
  } else if (versionAfter(ua, "Gecko/", &ver)) {
    info.engine = "Gecko";
    info.engine_ver = ver;
  }

  if (detectBot(ua, &info)) return info;

  // Command-line tools and HTTP libraries: the product token starts the string.
  static constexpr std::array<Tool, 10> kTools = {{{"curl/", "curl"},
                                                   {"Wget/", "Wget"},
                                                   {"python-requests/", "python-requests"},
                                                   {"Python-urllib/", "Python-urllib"},
                                                   {"Go-http-client/", "Go-http-client"},
                                                   {"okhttp/", "okhttp"},
                                                   {"Java/", "Java"},
                                                   {"Apache-HttpClient/", "Apache-HttpClient"},
                                                   {"PostmanRuntime/", "PostmanRuntime"},
                                                   {"HTTPie/", "HTTPie"}}};
  for (const Tool& t : kTools) {
    if (ua.substr(0, t.token.size()) == t.token) {
      info.browser = std::string(t.name);
      versionAfter(ua, t.token, &info.browser_ver);
      return info;
    }
  }

  auto set = [&](std::string_view name, std::string_view token) {
    if (!versionAfter(ua, token, &info.browser_ver)) return false;
    info.browser = std::string(name);
    return true;
  };
  if (set("Edge", "Edg/") || set("Edge", "EdgA/") || set("Edge", "EdgiOS/") ||
      set("Edge", "Edge/") || set("Opera", "OPR/") || set("Opera", "OPT/") ||
      set("Samsung Internet", "SamsungBrowser/") || set("UC Browser", "UCBrowser/") ||
      set("Firefox", "FxiOS/") || set("Firefox", "Firefox/") || set("Chrome", "CriOS/") ||
      set("Chromium", "Chromium/") || set("Chrome", "Chrome/")) {
    return info;
  }
  if (ua.substr(0, 6) == "Opera/") {
    info.browser = "Opera";
    if (!versionAfter(ua, "Version/", &info.browser_ver))
      versionAfter(ua, "Opera/", &info.browser_ver);
    return info;
  }
  if (set("Internet Explorer", "MSIE ")) return info;
  if (contains(ua, "Trident/") && set("Internet Explorer", "rv:")) return info;
  if (contains(ua, "Safari/")) {
    info.browser = "Safari";
    if (!versionAfter(ua, "Version/", &info.browser_ver))
      versionAfter(ua, "Safari/", &info.browser_ver);
    return info;
  }
  return info;
}

}  // namespace sextant::pipeline::funcs

#include "pipeline/funcs/grok.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

namespace sextant::pipeline::funcs {
namespace {

using Fields = std::map<std::string, std::string>;

Fields matchFields(std::string_view pattern, std::string_view text,
                   const GrokLibrary& lib = GrokLibrary::builtin()) {
  auto p = GrokPattern::compile(pattern, lib);
  EXPECT_TRUE(p.isOk()) << p.status().toString();
  if (!p.isOk()) return {};
  std::vector<GrokCapture> caps;
  if (!p->match(text, &caps)) return {{"<no match>", ""}};
  Fields f;
  for (const auto& c : caps) f[c.name] = c.value;
  return f;
}

TEST(Grok, BuiltinHasStandardNames) {
  const GrokLibrary& lib = GrokLibrary::builtin();
  for (const char* n : {"USERNAME",
                        "WORD",
                        "NOTSPACE",
                        "DATA",
                        "GREEDYDATA",
                        "QUOTEDSTRING",
                        "UUID",
                        "INT",
                        "NUMBER",
                        "BASE10NUM",
                        "POSINT",
                        "IP",
                        "IPV4",
                        "IPV6",
                        "HOSTNAME",
                        "IPORHOST",
                        "HOSTPORT",
                        "PATH",
                        "URIPATH",
                        "URIPARAM",
                        "URI",
                        "MONTH",
                        "MONTHDAY",
                        "YEAR",
                        "TIME",
                        "HOUR",
                        "MINUTE",
                        "SECOND",
                        "DATE",
                        "DATESTAMP",
                        "TIMESTAMP_ISO8601",
                        "HTTPDATE",
                        "SYSLOGTIMESTAMP",
                        "LOGLEVEL",
                        "COMMONAPACHELOG",
                        "COMBINEDAPACHELOG",
                        "NGINXACCESS",
                        "NGINXERROR",
                        "REDISLOG",
                        "MYSQLERROR",
                        "SYSLOGLINE"}) {
    ASSERT_NE(lib.find(n), nullptr) << n;
    // Every builtin compiles on its own.
    auto p = GrokPattern::compile(std::string("%{") + n + "}", lib);
    EXPECT_TRUE(p.isOk()) << n << ": " << p.status().toString();
  }
}

TEST(Grok, EveryBuiltinCompiles) {
  const GrokLibrary& lib = GrokLibrary::builtin();
  EXPECT_GT(lib.size(), 80u);
  for (const std::string& n : lib.names()) {
    auto p = GrokPattern::compile("%{" + n + "}", lib);
    EXPECT_TRUE(p.isOk()) << n << ": " << p.status().toString();
  }
}

TEST(Grok, CombinedApacheLog) {
  const char* line =
      R"L(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 )L"
      R"L("http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")L";
  Fields f = matchFields("%{COMBINEDAPACHELOG}", line);
  EXPECT_EQ(f["clientip"], "127.0.0.1");
  EXPECT_EQ(f["ident"], "-");
  EXPECT_EQ(f["auth"], "frank");
  EXPECT_EQ(f["timestamp"], "10/Oct/2000:13:55:36 -0700");
  EXPECT_EQ(f["verb"], "GET");
  EXPECT_EQ(f["request"], "/apache_pb.gif");
  EXPECT_EQ(f["httpversion"], "1.0");
  EXPECT_EQ(f["response"], "200");
  EXPECT_EQ(f["bytes"], "2326");
  EXPECT_EQ(f["referrer"], "\"http://www.example.com/start.html\"");
  EXPECT_EQ(f["agent"], "\"Mozilla/4.08 [en] (Win98; I ;Nav)\"");
  EXPECT_EQ(f["rawrequest"], "");  // the unmatched alternative's capture is present, empty
}

TEST(Grok, NginxAccessWithDataKitFieldNamesAndTypes) {
  const char* line =
      R"L(172.17.0.1 - - [06/Jan/2023:08:01:13 +0000] "GET /api/v1/users?id=3 HTTP/1.1" 404 153 "-" )L"
      R"L("curl/7.88.1")L";
  auto p = GrokPattern::compile("%{NGINXACCESS}", GrokLibrary::builtin());
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  std::vector<GrokCapture> caps;
  ASSERT_TRUE(p->match(line, &caps));
  Fields f;
  std::map<std::string, std::string> types;
  for (const auto& c : caps) {
    f[c.name] = c.value;
    types[c.name] = c.type;
  }
  EXPECT_EQ(f["client_ip"], "172.17.0.1");
  EXPECT_EQ(f["time"], "06/Jan/2023:08:01:13 +0000");
  EXPECT_EQ(f["http_method"], "GET");
  EXPECT_EQ(f["http_url"], "/api/v1/users?id=3");
  EXPECT_EQ(f["http_version"], "1.1");
  EXPECT_EQ(f["status_code"], "404");
  EXPECT_EQ(types["status_code"], "int");
  EXPECT_EQ(f["bytes"], "153");
  EXPECT_EQ(f["agent"], "curl/7.88.1");
  EXPECT_EQ(types["client_ip"], "");
}

TEST(Grok, NginxErrorLog) {
  const char* line =
      "2021/04/29 16:24:38 [error] 31#31: *1 open() \"/usr/share/nginx/html/favicon.ico\" failed "
      "(2: No such file or directory), client: 172.17.0.1, server: localhost";
  Fields f = matchFields("%{NGINXERROR}", line);
  EXPECT_EQ(f["time"], "2021/04/29 16:24:38");
  EXPECT_EQ(f["status"], "error");
  EXPECT_EQ(f["pid"], "31");
  EXPECT_EQ(f["connection_id"], "1");
  EXPECT_EQ(f["msg"].substr(0, 6), "open()");
}

TEST(Grok, RedisLog) {
  Fields f =
      matchFields("%{REDISLOG}", "1:M 29 Apr 2021 16:24:38.123 * Ready to accept connections");
  EXPECT_EQ(f["pid"], "1");
  EXPECT_EQ(f["role"], "M");
  EXPECT_EQ(f["time"], "29 Apr 2021 16:24:38.123");
  EXPECT_EQ(f["serverity"], "*");
  EXPECT_EQ(f["msg"], "Ready to accept connections");
}

TEST(Grok, MysqlErrorLog) {
  Fields f =
      matchFields("%{MYSQLERROR}",
                  "2023-06-01T08:24:38.123456Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: "
                  "ready for connections.");
  EXPECT_EQ(f["time"], "2023-06-01T08:24:38.123456Z");
  EXPECT_EQ(f["thread_id"], "0");
  EXPECT_EQ(f["status"], "System");
  EXPECT_EQ(f["code"], "MY-010931");
  EXPECT_EQ(f["subsystem"], "Server");
  EXPECT_EQ(f["msg"], "/usr/sbin/mysqld: ready for connections.");
}

TEST(Grok, SyslogLine) {
  Fields f = matchFields(
      "%{SYSLOGLINE}",
      "Jan  5 14:02:17 web-01 sshd[4721]: Accepted publickey for deploy from 10.0.0.7 port 52311");
  EXPECT_EQ(f["timestamp"], "Jan  5 14:02:17");
  EXPECT_EQ(f["logsource"], "web-01");
  EXPECT_EQ(f["program"], "sshd");
  EXPECT_EQ(f["pid"], "4721");
  EXPECT_EQ(f["message"], "Accepted publickey for deploy from 10.0.0.7 port 52311");
}

TEST(Grok, AtomsMatchWhatTheyShould) {
  auto full = [](const char* name, std::string_view text) {
    auto p = GrokPattern::compile(std::string("^%{") + name + ":v}$", GrokLibrary::builtin());
    EXPECT_TRUE(p.isOk()) << name;
    return p.isOk() && p->match(text, nullptr);
  };
  EXPECT_TRUE(full("IPV4", "192.168.1.254"));
  EXPECT_FALSE(full("IPV4", "256.1.1.1"));
  EXPECT_TRUE(full("IPV6", "2001:db8::ff00:42:8329"));
  EXPECT_TRUE(full("IPV6", "::1"));
  EXPECT_TRUE(full("IPV6", "fe80::1%eth0"));
  EXPECT_TRUE(full("IPV6", "::ffff:192.0.2.128"));
  EXPECT_TRUE(full("IPV6", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
  EXPECT_FALSE(full("IPV6", "12345::1"));
  EXPECT_TRUE(full("UUID", "123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(full("UUID", "123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_TRUE(full("HOSTNAME", "api.example.com"));
  EXPECT_TRUE(full("HOSTPORT", "db-1.internal:5432"));
  EXPECT_TRUE(full("URI", "https://user@example.com:8443/a/b.html?x=1&y=%20"));
  EXPECT_TRUE(full("TIMESTAMP_ISO8601", "2023-06-01T08:24:38.123456+08:00"));
  EXPECT_TRUE(full("TIMESTAMP_ISO8601", "2023-06-01 08:24:38,123"));
  EXPECT_TRUE(full("HTTPDATE", "06/Jan/2023:08:01:13 +0000"));
  EXPECT_TRUE(full("QUOTEDSTRING", R"L("a \"quoted\" word")L"));
  EXPECT_TRUE(full("NUMBER", "-12.5"));
  EXPECT_FALSE(full("INT", "12.5"));
  EXPECT_TRUE(full("LOGLEVEL", "WARNING"));
  EXPECT_TRUE(full("LOGLEVEL", "information"));
  EXPECT_TRUE(full("PATH", "/var/log/nginx/access.log"));
  EXPECT_TRUE(full("PATH", "C:\\Windows\\system32"));
  EXPECT_TRUE(full("DATE", "2023/06/01"));
  EXPECT_TRUE(full("DATESTAMP", "06/01/2023 08:24:38"));
}

TEST(Grok, UnanchoredSearchAndTypes) {
  Fields f = matchFields("took %{NUMBER:ms:float}ms", "request id=7 took 12.5ms at the edge");
  EXPECT_EQ(f["ms"], "12.5");
  auto p = GrokPattern::compile("%{INT:code:int} %{WORD:ok:bool} %{WORD:s:string}",
                                GrokLibrary::builtin());
  ASSERT_TRUE(p.isOk());
  std::vector<GrokCapture> caps;
  ASSERT_TRUE(p->match("500 true x", &caps));
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].type, "int");
  EXPECT_EQ(caps[1].type, "bool");
  EXPECT_EQ(caps[2].type, "str");
  EXPECT_FALSE(p->match("no digits here", &caps));
}

TEST(Grok, DuplicateCaptureTakesFirstNonEmpty) {
  Fields f = matchFields("(?:%{INT:v}|%{WORD:v})", "abc");
  EXPECT_EQ(f["v"], "abc");
  auto p = GrokPattern::compile("%{INT:v}-%{INT:v}", GrokLibrary::builtin());
  ASSERT_TRUE(p.isOk());
  std::vector<GrokCapture> caps;
  ASSERT_TRUE(p->match("1-2", &caps));
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_EQ(caps[0].value, "1");
}

TEST(Grok, OnigurumaNamedGroupsAndPlainGroups) {
  Fields f = matchFields("(?<user>[a-z]+)@(?P<domain>[a-z.]+) (x|y)", "mail bob@example.org y");
  EXPECT_EQ(f["user"], "bob");
  EXPECT_EQ(f["domain"], "example.org");
  EXPECT_EQ(f.size(), 2u);  // unnamed groups are not returned
  // DataKit-style capture names with dots and brackets.
  Fields g = matchFields("%{WORD:[nginx][verb]} %{WORD:http.path}", "GET index");
  EXPECT_EQ(g["[nginx][verb]"], "GET");
  EXPECT_EQ(g["http.path"], "index");
}

TEST(Grok, AddPatternAndCopyOfBuiltin) {
  GrokLibrary lib = GrokLibrary::builtin();
  ASSERT_TRUE(lib.add("date2", "%{YEAR}[./]%{MONTHNUM}[./]%{MONTHDAY} %{TIME}").isOk());
  Fields f = matchFields("%{date2:time} %{GREEDYDATA:msg}", "2021/04/29 16:24:38 hello", lib);
  EXPECT_EQ(f["time"], "2021/04/29 16:24:38");
  EXPECT_EQ(f["msg"], "hello");
  EXPECT_EQ(GrokLibrary::builtin().find("date2"), nullptr);  // the builtin is untouched
  // A name may be added before the names it refers to.
  ASSERT_TRUE(lib.add("OUTER", "<%{INNER}>").isOk());
  EXPECT_FALSE(GrokPattern::compile("%{OUTER}", lib).isOk());
  ASSERT_TRUE(lib.add("INNER", "x+").isOk());
  EXPECT_TRUE(GrokPattern::compile("%{OUTER}", lib).isOk());
}

TEST(Grok, LoadFile) {
  GrokLibrary lib;
  ASSERT_TRUE(lib.loadFile("# comment\n\nA [a-c]+\r\n  B %{A}-%{A:x}\n").isOk());
  EXPECT_EQ(*lib.find("A"), "[a-c]+");
  Fields f = matchFields("%{B}", "ab-cc", lib);
  EXPECT_EQ(f["x"], "cc");
  Status st = lib.loadFile("OK x\nNOPATTERN\n");
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("line 2"), std::string::npos) << st.message();
}

TEST(Grok, Errors) {
  GrokLibrary lib;
  EXPECT_FALSE(lib.add("", "x").isOk());
  EXPECT_FALSE(lib.add("bad name", "x").isOk());
  EXPECT_FALSE(lib.add("X", "").isOk());
  EXPECT_FALSE(lib.add("X", "%{Y").isOk());
  EXPECT_FALSE(lib.add("X", "%{Y:}").isOk());
  EXPECT_FALSE(lib.add("X", "%{Y:a:weird}").isOk());
  ASSERT_TRUE(lib.add("SELF", "a%{SELF}").isOk());
  ASSERT_TRUE(lib.add("P", "%{Q}").isOk());
  ASSERT_TRUE(lib.add("Q", "%{P}").isOk());
  EXPECT_FALSE(GrokPattern::compile("%{SELF}", lib).isOk());
  EXPECT_FALSE(GrokPattern::compile("%{P}", lib).isOk());
  EXPECT_FALSE(GrokPattern::compile("%{NOPE}", lib).isOk());
  EXPECT_FALSE(GrokPattern::compile("", lib).isOk());
  EXPECT_FALSE(GrokPattern::compile("(unclosed", lib).isOk());
  EXPECT_FALSE(GrokPattern::compile("(?=lookahead)", lib).isOk());  // not RE2
  EXPECT_FALSE(GrokPattern::compile("(a)\\1", lib).isOk());         // no backrefs in RE2
}

TEST(Grok, ExpansionLimits) {
  // Each level doubles: 2^30 copies would be far past the size limit.
  GrokLibrary lib;
  ASSERT_TRUE(lib.add("L0", "ab").isOk());
  for (int i = 1; i <= 30; ++i) {
    ASSERT_TRUE(lib.add("L" + std::to_string(i),
                        "%{L" + std::to_string(i - 1) + "}%{L" + std::to_string(i - 1) + "}")
                    .isOk());
  }
  auto r = GrokPattern::compile("%{L30}", lib);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  // A chain deeper than the depth limit.
  GrokLibrary deep;
  ASSERT_TRUE(deep.add("D0", "x").isOk());
  for (int i = 1; i <= GrokPattern::kMaxDepth + 2; ++i) {
    ASSERT_TRUE(deep.add("D" + std::to_string(i), "%{D" + std::to_string(i - 1) + "}").isOk());
  }
  EXPECT_FALSE(
      GrokPattern::compile("%{D" + std::to_string(GrokPattern::kMaxDepth + 2) + "}", deep).isOk());
  EXPECT_TRUE(GrokPattern::compile("%{D10}", deep).isOk());
}

TEST(Grok, ConcurrentMatch) {
  auto p = GrokPattern::compile("%{COMMONAPACHELOG}", GrokLibrary::builtin());
  ASSERT_TRUE(p.isOk());
  const GrokPattern shared = *p;  // copies share the compiled program
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<GrokCapture> caps;
      for (int i = 0; i < 200; ++i) {
        if (shared.match(R"L(10.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5)L",
                         &caps) &&
            caps[0].value == "10.1.2.3") {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 800);
}

// ---- capture extraction by pieces (grok.cc): always RE2's own answer ----

constexpr std::string_view kAgentPattern =
    "%{IPORHOST:client_ip} %{NOTSPACE} %{NOTSPACE} \\[%{HTTPDATE:time}\\] \"%{WORD:method} "
    "%{NOTSPACE:path} HTTP/%{NUMBER:http_version}\" %{INT:status_code:int} %{INT:bytes:int} "
    "\"%{NOTSPACE:referrer}\" \"%{GREEDYDATA:agent}\"";

size_t piecesOf(std::string_view pattern) {
  auto p = GrokPattern::compile(pattern, GrokLibrary::builtin());
  EXPECT_TRUE(p.isOk()) << pattern;
  return p.isOk() ? p->pieces() : 0;
}

TEST(GrokPieces, LogPatternsAreCutAndOthersAreNot) {
  EXPECT_GT(piecesOf("%{NGINXACCESS}"), 1u);
  EXPECT_GT(piecesOf("%{COMBINEDAPACHELOG}"), 1u);
  EXPECT_GT(piecesOf(kAgentPattern), 1u);
  EXPECT_EQ(piecesOf("%{INT:a}|%{WORD:b}"), 0u);                 // top-level alternation
  EXPECT_EQ(piecesOf("(?i)%{WORD:a} x %{INT:b}"), 0u);           // a flag applies to what follows
  EXPECT_EQ(piecesOf("\\Q(\\E%{WORD:a} %{INT:b}"), 0u);          // quoted text
  EXPECT_EQ(piecesOf("%{WORD:a} (?P<b>\\Q)\\E) %{INT:c}"), 0u);  // ')' quoted in a group
  EXPECT_EQ(piecesOf("%{WORD:a}"), 0u);                          // one group: nothing to cut
  EXPECT_EQ(piecesOf("%{INT}-%{INT}"), 0u);                      // no capture
  auto once = GrokPattern::compile("%{NGINXACCESS}", GrokLibrary::builtin(), /*pieces=*/false);
  ASSERT_TRUE(once.isOk());
  EXPECT_EQ(once->pieces(), 0u);
}

// Hand-checked values on the paths the pieces take: the optional tail present and absent, a
// piece that must give back text (fallback), a match that does not start the line, unicode.
TEST(GrokPieces, NginxWithAndWithoutOptionalTail) {
  auto p = GrokPattern::compile("%{NGINXACCESS}", GrokLibrary::builtin());
  ASSERT_TRUE(p.isOk());
  std::vector<GrokCapture> caps;
  auto field = [&](std::string_view name) {
    for (const auto& c : caps) {
      if (c.name == name) return c.value;
    }
    return std::string("<absent>");
  };
  ASSERT_TRUE(
      p->match(R"(1.2.3.4 - bob [06/Jan/2023:08:01:13 +0000] "GET /x HTTP/1.0" 200 -)", &caps));
  EXPECT_EQ(field("client_ip"), "1.2.3.4");
  EXPECT_EQ(field("http_auth"), "bob");
  EXPECT_EQ(field("http_url"), "/x");
  EXPECT_EQ(field("bytes"), "");
  EXPECT_EQ(field("referrer"), "");
  EXPECT_EQ(field("agent"), "");
  // The tail is there but its second quote is missing: the optional group matches nothing.
  ASSERT_TRUE(p->match(
      R"(1.2.3.4 - - [06/Jan/2023:08:01:13 +0000] "GET /x HTTP/1.0" 200 5 "-" "curl)", &caps));
  EXPECT_EQ(field("bytes"), "5");
  EXPECT_EQ(field("referrer"), "");
  EXPECT_EQ(field("agent"), "");
  // A request that is not "VERB url HTTP/v" takes the other alternative.
  ASSERT_TRUE(p->match(
      "h.example - - [06/Jan/2023:08:01:13 +0000] \"\x16\x03\" 400 0 \"a b\" \"c\"", &caps));
  EXPECT_EQ(field("client_ip"), "h.example");
  EXPECT_EQ(field("http_method"), "");
  EXPECT_EQ(field("http_request"), "\x16\x03");
  EXPECT_EQ(field("referrer"), "a b");
  EXPECT_EQ(field("agent"), "c");
  EXPECT_FALSE(p->match("1.2.3.4 - - [06/Jan/2023:08:01:13 +0000] GET", &caps));
}

TEST(GrokPieces, PieceThatMustGiveBackTextFallsBack) {
  // "%{DATA:a}," first stops at the first comma, then INT fails on "y": RE2's answer is kept.
  Fields f = matchFields("%{DATA:a},%{INT:b}", "x,y,5");
  EXPECT_EQ(f["a"], "x,y");
  EXPECT_EQ(f["b"], "5");
  // GREEDYDATA then a literal and a group: the greedy piece ends at the last space.
  Fields g = matchFields("%{GREEDYDATA:a} %{INT:b}", "a 1 b 2");
  EXPECT_EQ(g["a"], "a 1 b");
  EXPECT_EQ(g["b"], "2");
}

TEST(GrokPieces, MatchAfterTheStartAndUnicode) {
  Fields f = matchFields("\\[%{DATA:x}\\] %{WORD:y}", "日本 [値] zz");
  EXPECT_EQ(f["x"], "値");
  EXPECT_EQ(f["y"], "zz");
  Fields g = matchFields("%{NOTSPACE:a} %{GREEDYDATA:b}", "naïve 日本語 text");
  EXPECT_EQ(g["a"], "naïve");
  EXPECT_EQ(g["b"], "日本語 text");
  // \w is ASCII: WORD cannot start at "é", the match starts after it.
  Fields h = matchFields("%{WORD:w} %{GREEDYDATA:rest}", "héllo wörld");
  EXPECT_EQ(h["w"], "llo");
  EXPECT_EQ(h["rest"], "wörld");
  EXPECT_EQ(matchFields("%{INT:a} %{INT:b}", "один два").count("<no match>"), 1u);
}

// Every pattern x line (real lines and mutations of them): the same answer as RE2's single
// capture pass (an independent implementation: RE2's NFA/BitState over the whole pattern).
TEST(GrokPieces, SameAsOneCapturePass) {
  const std::vector<std::string> patterns = {
      "%{NGINXACCESS}",
      "%{COMBINEDAPACHELOG}",
      "%{COMMONAPACHELOG}",
      "%{NGINXERROR}",
      "%{SYSLOGLINE}",
      "%{REDISLOG}",
      "%{MYSQLERROR}",
      std::string(kAgentPattern),
      "%{DATA:a},%{INT:b}",
      "%{GREEDYDATA:a} %{INT:b}",
      "%{WORD:a}(?: %{INT:b})? %{GREEDYDATA:c}",
      "(?:%{INT:a} )?%{WORD:b}",
      "%{DATA:a}(?: %{DATA:b})?$",
      "^%{WORD:a} %{WORD:b}",
      "%{WORD:a}\\b%{DATA:b}\\.",
      "(?:(?P<x>a)|b)+ %{WORD:y} (z)?%{INT:n}",
      "%{NOTSPACE:a}(?: \"%{DATA:q}\")? %{NOTSPACE:a}",
      "(?<k>[a-z]+)=(?<v>[^ ]*)(?: (?<k2>[a-z]+)=(?<v2>[^ ]*))?",
      "%{INT:a}(?:,%{INT:b}(?:,%{INT:c})?)?",
      "%{QS:q} %{DATA:d}?x",
  };
  std::vector<std::string> lines = {
      R"L(172.17.0.1 - - [06/Jan/2023:08:01:13 +0000] "GET /api/v1/users?id=3 HTTP/1.1" 404 153 "-" "Mozilla/5.0 (X11)")L",
      R"L(::1 - bob [10/Oct/2000:13:55:36 -0700] "POST /a HTTP/2.0" 200 - "http://r/" "ua \"q\"")L",
      "2021/04/29 16:24:38 [error] 1234#1234: *1 open() failed",
      "Jan  2 03:04:05 host prog[12]: message here",
      "1:M 29 Apr 2021 16:24:38.123 * Ready to accept connections",
      "2021-04-29T08:24:38.123456Z 0 [Note] [MY-010311] [Server] msg",
      R"L(garbage before: 10.0.0.1 - - [06/Jan/2023:08:01:13 +0000] "GET / HTTP/1.1" 200 1 "-" "c")L",
      "x,y,5",
      "a 1 b 2",
      "k=v kk=vv tail",
      "aab word z7",
      "1,2,3",
      "word. more words.",
      "日本 [値] zz naïve",
      "",
  };
  uint64_t rng = 42;
  auto next = [&] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(rng >> 33);
  };
  const std::string alphabet = " \"[]-:/,.=0123456789azAZ\xc3\xa9\xff";
  const size_t base = lines.size();
  for (size_t i = 0; i < 60 * base; ++i) {
    std::string l = lines[i % base];
    for (size_t m = 0, n = 1 + next() % 3; m < n && !l.empty(); ++m) {
      size_t at = next() % l.size();
      char c = alphabet[next() % alphabet.size()];
      switch (next() % 3) {
        case 0: l.erase(at, 1); break;
        case 1: l.insert(at, 1, c); break;
        default: l[at] = c;
      }
    }
    lines.push_back(l);
  }
  size_t compared = 0, matched = 0;
  for (const std::string& pat : patterns) {
    auto p = GrokPattern::compile(pat, GrokLibrary::builtin());
    ASSERT_TRUE(p.isOk()) << pat << ": " << p.status().toString();
    for (const std::string& line : lines) {
      std::vector<GrokCapture> a, b;
      bool ma = p->match(line, &a);
      bool mb = p->matchWithoutPieces(line, &b);
      ASSERT_EQ(ma, mb) << pat << " | " << line;
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].name, b[i].name);
        EXPECT_EQ(a[i].value, b[i].value) << pat << " | " << line << " | " << a[i].name;
        EXPECT_EQ(a[i].type, b[i].type);
      }
      ASSERT_EQ(p->match(line, nullptr), ma);
      std::vector<std::string_view> views;
      ASSERT_EQ(p->matchViews(line, &views), ma);
      if (ma) {
        ASSERT_EQ(views.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(views[i], a[i].value);
      }
      ++compared;
      matched += ma ? 1 : 0;
    }
  }
  EXPECT_GT(matched, compared / 10);  // the comparison is not all misses
}

}  // namespace
}  // namespace sextant::pipeline::funcs

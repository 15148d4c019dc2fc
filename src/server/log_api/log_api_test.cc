// The log routes against a real engine holding generated log rows in two parts and the head.
// Row i of the generator has hand-written rules (below) for its time, source, tags and message;
// every expected set or count is computed from those rules, never from the code under test.
#include "server/log_api/log_api.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/testing/temp_dir.h"
#include "net/http_server.h"
#include "net/testing/route_call.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

using simdjson::dom::element;

constexpr std::int64_t kT0Ms = 1'763'700'000'000;
constexpr int kRows = 3000;
constexpr int kExactRow = 1234;
const char* const kExactLine = "checksum mismatch in block 1234 of part p7";
const char* const kSources[] = {"nginx", "app", "mysql"};
const char* const kServices[] = {"web", "api", "db", "auth", "cache"};

// Rows i and i+1 (i even) share a time: the tie-breaker orders them.
std::int64_t timeMsOf(int i) { return kT0Ms + (i / 2) * 100; }
// Which message template row i has: i % 10, or -1 for the one exact line.
int kind(int i) { return i == kExactRow ? -1 : i % 10; }
std::string statusOf(int i) { return i % 7 == 0 ? "error" : i % 7 == 1 ? "warn" : "info"; }
std::string messageOf(int i) {
  if (i == kExactRow) return kExactLine;
  switch (i % 10) {
    case 0: return "connection timed out after 30s to db-" + std::to_string(i % 3);
    case 1: return "Timeout waiting for lock";
    case 2: return "user login ok id=" + std::to_string(i);
    case 3: return "GET /api/v1/items 200 " + std::to_string(i) + "ms";
    case 4: return "timed connection out";
    default: return "request " + std::to_string(i) + " done";
  }
}

model::Point logPoint(int i) {
  model::Point p;
  p.measurement = kSources[i % 3];
  p.time_ns = timeMsOf(i) * 1'000'000;
  p.tags = {{"host", "h" + std::to_string(i % 4)}, {"service", kServices[i % 5]}};
  p.fields = {{"message", messageOf(i)},
              {"status", statusOf(i)},
              {"code", std::int64_t{100 * (i % 3 + 2)}},
              {"seq", std::int64_t{i}}};
  return p;
}

// A client connection to a real server kept open (for the event stream).
class Conn {
 public:
  Conn(uint16_t port, const std::string& request) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      (void)!::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
    }
  }
  ~Conn() { ::close(fd_); }
  // Reads until pred(data) or the time is up; returns the data read so far.
  const std::string& readUntil(const std::function<bool(const std::string&)>& pred,
                               std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred(data_) && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      data_.append(buf, static_cast<std::size_t>(n));
    }
    return data_;
  }

 private:
  int fd_ = -1;
  std::string data_;
};

std::size_t countOf(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

class LogApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path() + "/data");
    ASSERT_NE(engine_, nullptr);
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir_.path() + "/ws");
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    store_ = std::move(s).value();
    ws_ = store_->list().at(0);
    LogApiOptions o;
    o.now_ns = [] { return (kT0Ms + 400'000) * 1'000'000; };
    o.tail_poll = std::chrono::milliseconds(50);
    registerLogApi(router_, *engine_, *store_, o);
    // Two parts (flushed) and the head.
    for (int chunk = 0; chunk < 3; ++chunk) {
      std::vector<model::Point> pts;
      for (int i = chunk * 1000; i < (chunk + 1) * 1000; ++i) pts.push_back(logPoint(i));
      ASSERT_TRUE(
          storage::testing::writePoints(*engine_, ws_.id, model::Category::kLogging, pts).isOk());
      if (chunk < 2) {
        ASSERT_TRUE(engine_->flush().isOk());
      }
    }
    ASSERT_GE(engine_->stats().parts, 2u);
  }

  net::HttpResponse get(const std::string& target, bool with_token = true) {
    std::string full = target;
    if (with_token)
      full += (target.find('?') == std::string::npos ? "?" : "&") + ("token=" + ws_.token);
    net::HttpRequest req = net::testing::makeRequest("GET", full);
    std::optional<net::HttpResponse> r = net::testing::callRoute(router_, req);
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(net::HttpResponse{});
  }
  element getJson(const std::string& target) {
    net::HttpResponse r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    bodies_.push_back(std::make_unique<simdjson::padded_string>(r.body));
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = parsers_.back()->parse(*bodies_.back());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << r.body;
    return doc.value_unsafe();
  }
  static std::string range() {
    return "start=" + std::to_string(kT0Ms) + "&end=" + std::to_string(kT0Ms + 200'000);
  }
  // Every row of a search (all pages, limit 1000), as the seq field of each.
  std::vector<std::int64_t> searchAll(const std::string& params) {
    std::vector<std::int64_t> out;
    std::string after;
    for (int page = 0; page < 100; ++page) {
      element r = getJson("/v1/logs/search?" + range() + "&limit=1000&" + params +
                          (after.empty() ? "" : "&search_after=" + after));
      for (element row : r["rows"].get_array()) {
        out.push_back(row["fields"]["seq"].get_int64().value());
      }
      if (r["next"].is_null()) break;
      after = std::string(r["next"].get_string().value());
    }
    return out;
  }
  static std::set<std::int64_t> expect(const std::function<bool(int)>& pred) {
    std::set<std::int64_t> out;
    for (int i = 0; i < kRows; ++i) {
      if (pred(i)) out.insert(i);
    }
    return out;
  }
  void expectRows(const std::string& params, const std::function<bool(int)>& pred) {
    std::vector<std::int64_t> got = searchAll(params);
    std::set<std::int64_t> unique(got.begin(), got.end());
    EXPECT_EQ(unique.size(), got.size()) << params << ": duplicates";
    std::set<std::int64_t> want = expect(pred);
    EXPECT_EQ(unique, want) << params;
    EXPECT_FALSE(want.empty()) << params;
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
  std::unique_ptr<workspace::WorkspaceStore> store_;
  workspace::Workspace ws_;
  net::Router router_;
  std::vector<std::unique_ptr<simdjson::padded_string>> bodies_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(LogApiTest, ExactLineAndRowShape) {
  element r =
      getJson("/v1/logs/search?" + range() + "&q=%22checksum+mismatch+in+block+1234+of+part+p7%22");
  ASSERT_EQ(r["rows"].get_array().size(), 1u);
  element row = r["rows"].at(0);
  EXPECT_EQ(row["fields"]["message"].get_string().value(), kExactLine);
  EXPECT_EQ(row["time"].get_int64().value(), timeMsOf(kExactRow));
  EXPECT_EQ(row["time_ns"].get_int64().value(), timeMsOf(kExactRow) * 1'000'000);
  EXPECT_EQ(row["source"].get_string().value(), "app");
  EXPECT_EQ(row["tags"]["host"].get_string().value(), "h2");
  EXPECT_EQ(row["tags"]["service"].get_string().value(), "cache");
  EXPECT_EQ(row["fields"]["status"].get_string().value(), "info");
  EXPECT_EQ(row["fields"]["code"].get_int64().value(), 300);
  EXPECT_TRUE(r["next"].is_null());
  EXPECT_GE(r["stats"]["rows_scanned"].get_uint64().value(), 1u);
}

TEST_F(LogApiTest, PhraseVersusTerms) {
  // Terms: every token anywhere (case-insensitive); the phrase: consecutive and in order.
  expectRows("q=connection+timed+out", [](int i) { return kind(i) == 0 || kind(i) == 4; });
  expectRows("q=%22connection+timed+out%22", [](int i) { return kind(i) == 0; });
  expectRows("q=TIMEOUT", [](int i) { return kind(i) == 1; });
  expectRows("q=%22out+after+30s%22+db", [](int i) { return kind(i) == 0; });
  // A term with punctuation is its tokens: "db-2" = db and 2.
  expectRows("q=db-2", [](int i) { return kind(i) == 0 && i % 3 == 2; });
}

TEST_F(LogApiTest, Wildcards) {
  expectRows("q=time*", [](int i) { return kind(i) == 0 || kind(i) == 1 || kind(i) == 4; });
  expectRows("q=tim%3Fd", [](int i) { return kind(i) == 0 || kind(i) == 4; });
  expectRows("q=*out", [](int i) { return kind(i) == 0 || kind(i) == 1 || kind(i) == 4; });
  expectRows("q=log*+-*out", [](int i) { return kind(i) == 2; });
  expectRows("q=service:ca*", [](int i) { return i % 5 == 4; });
  expectRows("q=source:my*", [](int i) { return i % 3 == 2; });
}

TEST_F(LogApiTest, NegationOrAndFilters) {
  expectRows("q=timeout+-status:error", [](int i) { return kind(i) == 1 && i % 7 != 0; });
  expectRows("q=NOT+request", [](int i) { return kind(i) < 5; });
  expectRows("q=timeout+OR+login", [](int i) { return kind(i) == 1 || kind(i) == 2; });
  expectRows("q=status:(error+OR+warn)+service:web",
             [](int i) { return (i % 7 == 0 || i % 7 == 1) && i % 5 == 0; });
  expectRows("source=nginx&filter=host:h1", [](int i) { return i % 3 == 0 && i % 4 == 1; });
  expectRows("source=nginx,app&q=-host:h0", [](int i) { return i % 3 != 2 && i % 4 != 0; });
  // key:value compares like DQL: the integer field 300 equals "300".
  expectRows("q=code:300+(login+OR+%22timed+out%22)",
             [](int i) { return i % 3 == 1 && (kind(i) == 2 || kind(i) == 0); });
  expectRows("q=-(service:web+OR+service:api)+status:warn",
             [](int i) { return i % 5 >= 2 && i % 7 == 1; });
  expectRows("q=source:app+host:h3", [](int i) { return i % 3 == 1 && i % 4 == 3; });
  // Two different sources: nothing.
  EXPECT_TRUE(searchAll("q=source:app+source:nginx").empty());
  EXPECT_TRUE(searchAll("q=nosuchword").empty());
}

TEST_F(LogApiTest, NewestFirstPagesWithoutDuplicatesOrGapsWhileRowsArrive) {
  std::vector<std::int64_t> seqs;
  std::vector<std::int64_t> times;
  std::vector<std::int64_t> inserted_older;
  std::string after;
  int page = 0;
  for (; page < 100; ++page) {
    element r = getJson("/v1/logs/search?" + range() + "&limit=77" +
                        (after.empty() ? "" : "&search_after=" + after));
    for (element row : r["rows"].get_array()) {
      seqs.push_back(row["fields"]["seq"].get_int64().value());
      times.push_back(row["time_ns"].get_int64().value());
    }
    if (r["next"].is_null()) break;
    after = std::string(r["next"].get_string().value());
    // Between pages: a row newer than everything paged so far (never in the later pages) and,
    // while the cursor is past it, one older than the page's end (in a later page); seq
    // 10000 + page / 20000 + page.
    std::vector<model::Point> pts;
    model::Point newer = logPoint(0);
    newer.time_ns = (kT0Ms + 160'000) * 1'000'000 + page;
    newer.fields[3].value = std::int64_t{10000 + page};
    pts.push_back(newer);
    if (times.back() > kT0Ms * 1'000'000 + 1000) {
      model::Point older = logPoint(0);
      older.time_ns = kT0Ms * 1'000'000 + page;
      older.fields[3].value = std::int64_t{20000 + page};
      pts.push_back(older);
      inserted_older.push_back(20000 + page);
    }
    ASSERT_TRUE(
        storage::testing::writePoints(*engine_, ws_.id, model::Category::kLogging, pts).isOk());
  }
  // The pages in order are newest first.
  for (std::size_t k = 1; k < times.size(); ++k) ASSERT_LE(times[k], times[k - 1]) << k;
  std::set<std::int64_t> unique(seqs.begin(), seqs.end());
  EXPECT_EQ(unique.size(), seqs.size());
  std::set<std::int64_t> want = expect([](int) { return true; });
  want.insert(inserted_older.begin(), inserted_older.end());
  EXPECT_GE(inserted_older.size(), 30u);
  std::vector<std::int64_t> missing, extra;
  std::set_difference(want.begin(), want.end(), unique.begin(), unique.end(),
                      std::back_inserter(missing));
  std::set_difference(unique.begin(), unique.end(), want.begin(), want.end(),
                      std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
  EXPECT_TRUE(extra.empty()) << ::testing::PrintToString(extra);
  EXPECT_GE(page, kRows / 77);
}

TEST_F(LogApiTest, AscendingPagesAndIdenticalRows) {
  // Three identical rows (same time and content) and limit 1: each page holds one of them.
  model::Point dup = logPoint(5);
  dup.fields[0].value = std::string("dupline");
  std::vector<model::Point> pts{dup, dup, dup};
  ASSERT_TRUE(
      storage::testing::writePoints(*engine_, ws_.id, model::Category::kLogging, pts).isOk());
  int rows = 0;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    element r = getJson("/v1/logs/search?" + range() + "&q=dupline&limit=1" +
                        (after.empty() ? "" : "&search_after=" + after));
    rows += static_cast<int>(r["rows"].get_array().size());
    if (r["next"].is_null()) break;
    after = std::string(r["next"].get_string().value());
  }
  EXPECT_EQ(rows, 3);

  element r = getJson("/v1/logs/search?" + range() + "&q=login&sort=asc&limit=3");
  ASSERT_EQ(r["rows"].get_array().size(), 3u);
  EXPECT_EQ(r["rows"].at(0)["fields"]["seq"].get_int64().value(), 2);
  EXPECT_EQ(r["rows"].at(1)["fields"]["seq"].get_int64().value(), 12);
  EXPECT_EQ(r["rows"].at(2)["fields"]["seq"].get_int64().value(), 22);
  r = getJson("/v1/logs/search?" + range() + "&q=login&limit=2");
  EXPECT_EQ(r["rows"].at(0)["fields"]["seq"].get_int64().value(), 2992);
  EXPECT_EQ(r["rows"].at(1)["fields"]["seq"].get_int64().value(), 2982);
  // Default limit 50, newest first; the time range bounds the rows.
  r = getJson("/v1/logs/search?start=" + std::to_string(timeMsOf(100)) +
              "&end=" + std::to_string(timeMsOf(199)));
  ASSERT_EQ(r["rows"].get_array().size(), 50u);
  EXPECT_EQ(r["rows"].at(0)["time"].get_int64().value(), timeMsOf(199));
}

TEST_F(LogApiTest, Facets) {
  element r = getJson("/v1/logs/facets?" + range() +
                      "&q=-request&facet=service&facet=status,source&facet=host&top=2");
  std::map<std::string, std::map<std::string, std::uint64_t>> want;
  std::uint64_t total = 0;
  for (int i = 0; i < kRows; ++i) {
    if (!(kind(i) < 5)) continue;
    ++total;
    ++want["service"][kServices[i % 5]];
    ++want["status"][statusOf(i)];
    ++want["source"][kSources[i % 3]];
    ++want["host"]["h" + std::to_string(i % 4)];
  }
  EXPECT_EQ(r["total"].get_uint64().value(), total);
  for (const auto& [key, counts] : want) {
    element f = r["facets"][key];
    EXPECT_EQ(f["distinct"].get_uint64().value(), counts.size()) << key;
    EXPECT_EQ(f["missing"].get_uint64().value(), 0u);
    // The top 2 by count (then by value).
    std::vector<std::pair<std::string, std::uint64_t>> order(counts.begin(), counts.end());
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    auto values = f["values"].get_array();
    ASSERT_EQ(values.size(), 2u) << key;
    for (std::size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(values.at(k)["value"].get_string().value(), order[k].first) << key;
      EXPECT_EQ(values.at(k)["count"].get_uint64().value(), order[k].second) << key;
    }
  }
}

TEST_F(LogApiTest, HistogramSplitByStatus) {
  // 10 s buckets over [T0, T0 + 200 s]: rows fill the first 150 s (2 rows per 100 ms).
  element r = getJson("/v1/logs/histogram?" + range() + "&interval=10s&split=status&q=-login");
  EXPECT_EQ(r["interval_ms"].get_int64().value(), 10'000);
  std::map<std::int64_t, std::uint64_t> want;
  std::map<std::int64_t, std::map<std::string, std::uint64_t>> want_split;
  for (int i = 0; i < kRows; ++i) {
    if (kind(i) == 2) continue;
    std::int64_t b = timeMsOf(i) / 10'000 * 10'000;
    ++want[b];
    ++want_split[b][statusOf(i)];
  }
  auto buckets = r["buckets"].get_array();
  ASSERT_EQ(buckets.size(), 21u);  // T0 is a multiple of 10 s: [T0, T0 + 200 s] has 21
  std::uint64_t total = 0;
  for (element b : buckets) {
    std::int64_t t = b["time"].get_int64().value();
    EXPECT_EQ(b["count"].get_uint64().value(), want[t]) << t;
    total += b["count"].get_uint64().value();
    for (const auto& [status, n] : want_split[t]) {
      EXPECT_EQ(b["split"][status].get_uint64().value(), n) << t << " " << status;
    }
  }
  EXPECT_EQ(total, static_cast<std::uint64_t>(kRows - kRows / 10));
  EXPECT_EQ(r["total"].get_uint64().value(), total);
  // Auto: about 60 buckets of a nice size (200 s / 60 -> 5 s).
  r = getJson("/v1/logs/histogram?" + range());
  EXPECT_EQ(r["interval_ms"].get_int64().value(), 5'000);
  EXPECT_EQ(r["buckets"].get_array().size(), 41u);
}

TEST_F(LogApiTest, ErrorsAndLimits) {
  net::HttpResponse r = get("/v1/logs/search?q=a+(b", true);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"position\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("sextant.badQuery"), std::string::npos);
  EXPECT_EQ(get("/v1/logs/search?limit=0").status, 400);
  EXPECT_EQ(get("/v1/logs/search?limit=1001").status, 400);
  EXPECT_EQ(get("/v1/logs/search?sort=up").status, 400);
  EXPECT_EQ(get("/v1/logs/search?search_after=zzz").status, 400);
  EXPECT_EQ(get("/v1/logs/search?start=yesterday").status, 400);
  EXPECT_EQ(get("/v1/logs/search?start=20&end=10").status, 400);
  EXPECT_EQ(get("/v1/logs/search?filter=nocolon").status, 400);
  EXPECT_EQ(get("/v1/logs/facets").status, 400);
  EXPECT_EQ(get("/v1/logs/histogram?interval=5x").status, 400);
  EXPECT_EQ(get("/v1/logs/histogram?" + range() + "&interval=1ms").status, 400);
  EXPECT_EQ(get("/v1/logs/tail?since=never").status, 400);
  EXPECT_EQ(get("/v1/logs/search", false).status, 401);
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/v1/logs/search?token=tkn_nope";
  req.path = "/v1/logs/search";
  req.query = net::parseQuery("token=tkn_nope");
  EXPECT_EQ((*router_.match(req))(req).status, 403);

  net::Router small;
  LogApiOptions o;
  o.max_rows_scanned = 10;
  registerLogApi(small, *engine_, *store_, o);
  req.target = "/v1/logs/search?" + range() + "&token=" + ws_.token;
  req.query = net::parseQuery(req.target.substr(req.target.find('?') + 1));
  net::HttpResponse big = (*small.match(req))(req);
  EXPECT_EQ(big.status, 422) << big.body;
}

TEST_F(LogApiTest, PostFormBody) {
  net::HttpRequest req;
  req.method = "POST";
  req.target = "/v1/logs/search?token=" + ws_.token;
  req.path = "/v1/logs/search";
  req.query = net::parseQuery("token=" + ws_.token);
  req.body = range() + "&q=%22connection+timed+out%22&limit=1000";
  net::HttpResponse r = (*router_.match(req))(req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(countOf(r.body, "\"seq\":"), static_cast<std::size_t>(kRows / 10));
}

TEST_F(LogApiTest, TailStreamsRowsWrittenAfterSubscribing) {
  // A real server and a socket client; the routes use the wall clock.
  net::Router router;
  LogApiOptions o;
  o.tail_poll = std::chrono::milliseconds(50);
  registerLogApi(router, *engine_, *store_, o);
  net::HttpServerOptions so;
  so.listen = "127.0.0.1:0";
  net::HttpServer server(so, std::move(router));
  ASSERT_TRUE(server.start().isOk());
  const std::string req = "GET /v1/logs/tail?q=tailme&token=" + ws_.token +
                          " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
  std::string first_id;
  {
    Conn c(server.port(), req);
    const std::string& head =
        c.readUntil([](const std::string& d) { return d.find("sextant log tail") != d.npos; },
                    std::chrono::seconds(5));
    ASSERT_NE(head.find("200 OK"), std::string::npos) << head;
    EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos);
    // Written after subscribing: two matching rows and one that does not match.
    const std::int64_t now = wallNowNs();
    std::vector<model::Point> pts;
    for (int k = 0; k < 3; ++k) {
      model::Point p = logPoint(k);
      p.time_ns = now + k * 1000;
      p.fields[0].value =
          std::string(k == 1 ? "something else" : "tailme number " + std::to_string(k));
      pts.push_back(p);
    }
    ASSERT_TRUE(
        storage::testing::writePoints(*engine_, ws_.id, model::Category::kLogging, pts).isOk());
    const std::string& got = c.readUntil(
        [](const std::string& d) { return countOf(d, "data: {") >= 2; }, std::chrono::seconds(10));
    ASSERT_EQ(countOf(got, "data: {"), 2u) << got;
    std::size_t a = got.find("tailme number 0"), b = got.find("tailme number 2");
    ASSERT_NE(a, std::string::npos);
    ASSERT_NE(b, std::string::npos);
    EXPECT_LT(a, b);  // oldest first
    EXPECT_EQ(got.find("something else"), std::string::npos);
    std::size_t id = got.find("id: ");
    ASSERT_NE(id, std::string::npos);
    first_id = got.substr(id + 4, got.find('\n', id) - id - 4);
    // Rows already in the store before subscribing (the generated ones) are not sent.
    EXPECT_EQ(got.find("\"seq\":1234"), std::string::npos);
  }
  // Resuming after the first event sends only the second.
  {
    Conn c(server.port(), "GET /v1/logs/tail?q=tailme&token=" + ws_.token +
                              " HTTP/1.1\r\nHost: x\r\nLast-Event-ID: " + first_id + "\r\n\r\n");
    const std::string& got = c.readUntil(
        [](const std::string& d) { return countOf(d, "data: {") >= 1; }, std::chrono::seconds(10));
    EXPECT_EQ(countOf(got, "data: {"), 1u) << got;
    EXPECT_NE(got.find("tailme number 2"), std::string::npos) << got;
    // Nothing else comes.
    const std::string& later =
        c.readUntil([](const std::string&) { return false; }, std::chrono::milliseconds(300));
    EXPECT_EQ(countOf(later, "data: {"), 1u);
  }
  server.stop();
}

}  // namespace
}  // namespace sextant::server

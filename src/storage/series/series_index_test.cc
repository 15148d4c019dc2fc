#include "storage/series/series_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/crc32c.h"
#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"

namespace sextant::storage {
namespace {

using sextant::testing::FaultInjectionFileSystem;
using sextant::testing::MemFileSystem;
using sextant::testing::TempDir;
using Ids = std::vector<std::uint64_t>;

constexpr char kDir[] = "/data";
constexpr char kPath[] = "/data/series.log";

std::vector<model::Tag> tags(std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::vector<model::Tag> out;
  for (const auto& [k, v] : kv) out.push_back({k, v});
  return out;
}

std::unique_ptr<SeriesIndex> openOrDie(FileSystem& fs, const std::string& path = kPath) {
  Result<std::unique_ptr<SeriesIndex>> idx = SeriesIndex::open(fs, path);
  EXPECT_TRUE(idx.isOk()) << idx.status().toString();
  return idx.isOk() ? std::move(idx).value() : nullptr;
}

std::uint64_t create(SeriesIndex& idx, std::string_view m, const std::vector<model::Tag>& t) {
  Result<std::uint64_t> id = idx.getOrCreate(m, t);
  EXPECT_TRUE(id.isOk()) << id.status().toString();
  return id.isOk() ? *id : 0;
}

// Record size by the format page: 8-byte header, type + id, then the canonical bytes.
std::size_t recordSize(std::string_view m, const std::vector<model::Tag>& t) {
  std::size_t n = 8 + 9 + 2 + m.size() + 2;
  for (const model::Tag& tag : t) n += 2 + tag.key.size() + 4 + tag.value.size();
  return n;
}

void writeFile(MemFileSystem& fs, const std::string& path, std::string_view bytes) {
  if (fs.exists(path)) {
    ASSERT_TRUE(fs.remove(path).isOk());
  }
  Result<std::unique_ptr<WritableFile>> f = fs.openAppend(path);
  ASSERT_TRUE(f.isOk());
  ASSERT_TRUE((*f)->append(bytes).isOk());
  ASSERT_TRUE((*f)->close().isOk());
}

std::string readOrDie(FileSystem& fs, const std::string& path) {
  Result<std::string> bytes = fs.readFile(path);
  EXPECT_TRUE(bytes.isOk()) << path << ": " << bytes.status().toString();
  return bytes.isOk() ? *bytes : "";
}

Ids select(const SeriesIndex& idx, std::string_view m, std::vector<TagMatcher> matchers) {
  Result<Ids> r = idx.select(m, matchers);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? *r : Ids{999999};
}

std::string le(std::uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// The series the small tests use: n of measurement "cpu" with a host tag each.
std::vector<model::Tag> hostTags(int i) {
  return {{"host", "host-" + std::to_string(100 + i)}, {"region", i % 2 == 0 ? "eu" : "us"}};
}

// ---------------------------------------------------------------------------------------------
// Format

TEST(SeriesIndexFormatTest, RecordBytesByHand) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    ASSERT_EQ(create(*idx, "cpu", tags({{"host", "a"}})), 1u);
    ASSERT_EQ(create(*idx, "m", {}), 2u);
    ASSERT_TRUE(idx->sync().isOk());
  }
  std::string header = std::string("SXSI") + le(1, 2) + le(0, 2) + le(0, 4);
  header += le(crc32c(header), 4);
  std::string body1 = std::string("\x01", 1) + le(1, 8) + le(3, 2) + "cpu" + le(1, 2) + le(4, 2) +
                      "host" + le(1, 4) + "a";
  ASSERT_EQ(body1.size(), 27u);
  std::string rec1 = le(27, 4) + body1;
  rec1 = le(crc32c(rec1), 4) + rec1;
  std::string body2 = std::string("\x01", 1) + le(2, 8) + le(1, 2) + "m" + le(0, 2);
  std::string rec2 = le(body2.size(), 4) + body2;
  rec2 = le(crc32c(rec2), 4) + rec2;
  EXPECT_EQ(readOrDie(fs, kPath), header + rec1 + rec2);
  EXPECT_EQ(rec1.size(), recordSize("cpu", tags({{"host", "a"}})));
}

TEST(SeriesIndexFormatTest, UnsupportedVersionIsRefusedAndLeftAlone) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::string header = std::string("SXSI") + le(2, 2) + le(0, 2) + le(0, 4);
  header += le(crc32c(header), 4);
  const std::string file = header + "whatever follows in version 2";
  writeFile(fs, kPath, file);
  Result<std::unique_ptr<SeriesIndex>> idx = SeriesIndex::open(fs, kPath);
  ASSERT_FALSE(idx.isOk());
  EXPECT_EQ(idx.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(readOrDie(fs, kPath), file);
}

TEST(SeriesIndexFormatTest, TornCreationIsRewritten) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  writeFile(fs, kPath, "SXSI\x01");
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  ASSERT_TRUE(idx);
  EXPECT_NE(idx->damage(), "");
  EXPECT_EQ(readOrDie(fs, kPath).size(), 16u);
  EXPECT_EQ(create(*idx, "cpu", {}), 1u);
}

// ---------------------------------------------------------------------------------------------
// Create, lookup, reopen

TEST(SeriesIndexTest, CreateLookupReopen) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    ASSERT_TRUE(idx);
    EXPECT_EQ(idx->damage(), "");
    for (int i = 0; i < 50; ++i) EXPECT_EQ(create(*idx, "cpu", hostTags(i)), 1u + i);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(create(*idx, "cpu", hostTags(i)), 1u + i);
    EXPECT_EQ(create(*idx, "mem", hostTags(0)), 51u);
    EXPECT_EQ(create(*idx, "mem", {}), 52u);
    EXPECT_EQ(create(*idx, "cpu", tags({{"host", "host-100"}})), 53u);  // a subset is another
    std::optional<SeriesKey> k = idx->lookup(7);
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->measurement, "cpu");
    EXPECT_EQ(k->tags, tags({{"host", "host-106"}, {"region", "eu"}}));
    EXPECT_FALSE(idx->lookup(0).has_value());
    EXPECT_FALSE(idx->lookup(54).has_value());
    k = idx->lookup(52);
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->measurement, "mem");
    EXPECT_TRUE(k->tags.empty());
    EXPECT_EQ(idx->stats().series, 53u);
    // No sync: the destructor writes what is buffered.
  }
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->damage(), "");
  EXPECT_EQ(idx->stats().series, 53u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(create(*idx, "cpu", hostTags(i)), 1u + i);
  EXPECT_EQ(create(*idx, "mem", {}), 52u);
  EXPECT_EQ(create(*idx, "disk", {}), 54u);
  std::optional<SeriesKey> k = idx->lookup(51);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->measurement, "mem");
  EXPECT_EQ(k->tags, hostTags(0));
}

TEST(SeriesIndexTest, ValuesWithAnyBytes) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  const std::string odd("a\0b,=\n\xff", 7);
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    EXPECT_EQ(create(*idx, odd, {{odd, odd}, {odd + "x", ""}}), 1u);
    EXPECT_EQ(create(*idx, odd, {{odd, odd}}), 2u);
    EXPECT_EQ(create(*idx, "m", {{"k", std::string(70000, 'v')}}), 3u);
  }
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  EXPECT_EQ(idx->damage(), "");
  EXPECT_EQ(create(*idx, odd, {{odd, odd}, {odd + "x", ""}}), 1u);
  std::optional<SeriesKey> k = idx->lookup(1);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->measurement, odd);
  EXPECT_EQ(k->tags, (std::vector<model::Tag>{{odd, odd}, {odd + "x", ""}}));
  EXPECT_EQ(idx->lookup(3)->tags[0].value.size(), 70000u);
}

TEST(SeriesIndexTest, InvalidSeriesAreRejected) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  auto code = [&](std::string_view m, std::vector<model::Tag> t) {
    Result<std::uint64_t> r = idx->getOrCreate(m, t);
    return r.isOk() ? StatusCode::kOk : r.status().code();
  };
  EXPECT_EQ(code("cpu", tags({{"b", "1"}, {"a", "2"}})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("cpu", tags({{"a", "1"}, {"a", "2"}})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("cpu", tags({{"", "1"}})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("", tags({{"a", "1"}})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(std::string(70000, 'm'), {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("cpu", {{std::string(70000, 'k'), "v"}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("cpu", {{"k", std::string((1 << 20) + 1, 'v')}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("cpu", {{"k", std::string(1 << 20, 'v')}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(idx->stats().series, 0u);
  EXPECT_EQ(create(*idx, "cpu", tags({{"a", "1"}, {"b", "2"}})), 1u);
}

TEST(SeriesIndexTest, RealFileSystem) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string path = joinPath(tmp.path(), "series.log");
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(realFileSystem(), path);
    ASSERT_TRUE(idx);
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(create(*idx, "cpu", hostTags(i)), 1u + i);
    ASSERT_TRUE(idx->sync().isOk());
    const SeriesIndexStats s = idx->stats();
    EXPECT_EQ(s.unsynced_bytes, 0u);
    EXPECT_EQ(s.pending_bytes, 0u);
    EXPECT_EQ(s.log_bytes, *realFileSystem().fileSize(path));
  }
  std::unique_ptr<SeriesIndex> idx = openOrDie(realFileSystem(), path);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->stats().series, 3000u);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(create(*idx, "cpu", hostTags(i)), 1u + i);
}

TEST(SeriesIndexTest, StatsCountBytes) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  EXPECT_EQ(idx->stats().log_bytes, 16u);
  EXPECT_EQ(idx->stats().next_id, 1u);
  create(*idx, "cpu", hostTags(0));
  SeriesIndexStats s = idx->stats();
  EXPECT_EQ(s.series, 1u);
  EXPECT_EQ(s.next_id, 2u);
  EXPECT_EQ(s.log_bytes, 16u + recordSize("cpu", hostTags(0)));
  EXPECT_EQ(s.pending_bytes, recordSize("cpu", hostTags(0)));
  EXPECT_EQ(s.unsynced_bytes, recordSize("cpu", hostTags(0)));
  EXPECT_GT(s.memory_bytes, 0u);
  ASSERT_TRUE(idx->sync().isOk());
  s = idx->stats();
  EXPECT_EQ(s.pending_bytes, 0u);
  EXPECT_EQ(s.unsynced_bytes, 0u);
  EXPECT_EQ(s.log_bytes, *fs.fileSize(kPath));
}

// ---------------------------------------------------------------------------------------------
// Select and listings

class SeriesIndexSelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.createDirs(kDir).isOk());
    idx_ = openOrDie(fs_);
    ASSERT_EQ(create(*idx_, "cpu", tags({{"host", "a"}, {"region", "us"}})), 1u);
    ASSERT_EQ(create(*idx_, "cpu", tags({{"host", "b"}, {"region", "eu"}})), 2u);
    ASSERT_EQ(create(*idx_, "cpu", tags({{"host", "c"}})), 3u);
    ASSERT_EQ(create(*idx_, "cpu", tags({{"host", "a"}, {"region", ""}})), 4u);
    ASSERT_EQ(create(*idx_, "mem", tags({{"host", "a"}, {"region", "us"}})), 5u);
    ASSERT_EQ(create(*idx_, "mem", tags({{"dc", "x"}, {"host", "ab"}})), 6u);
  }
  Ids sel(std::string_view m, std::vector<TagMatcher> matchers) {
    return select(*idx_, m, std::move(matchers));
  }
  MemFileSystem fs_;
  std::unique_ptr<SeriesIndex> idx_;
};

TEST_F(SeriesIndexSelectTest, Measurements) {
  EXPECT_EQ(sel("cpu", {}), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(sel("mem", {}), (Ids{5, 6}));
  EXPECT_EQ(sel("", {}), (Ids{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(sel("nope", {}), Ids{});
  EXPECT_EQ(sel("nope", {{"host", TagMatcher::kNe, {"zz"}}}), Ids{});
}

TEST_F(SeriesIndexSelectTest, Eq) {
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kEq, {"a"}}}), (Ids{1, 4}));
  EXPECT_EQ(sel("", {{"host", TagMatcher::kEq, {"a"}}}), (Ids{1, 4, 5}));
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kEq, {"zz"}}}), Ids{});
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kEq, {"a"}}}), Ids{});
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kEq, {"a"}}, {"region", TagMatcher::kEq, {"us"}}}),
            (Ids{1}));
  // "" matches the missing tag and the empty value.
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kEq, {""}}}), (Ids{3, 4}));
  EXPECT_EQ(sel("", {{"region", TagMatcher::kEq, {""}}}), (Ids{3, 4, 6}));
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kEq, {""}}}), (Ids{1, 2, 3, 4}));
}

TEST_F(SeriesIndexSelectTest, Ne) {
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNe, {"us"}}}), (Ids{2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kNe, {"a"}}}), (Ids{2, 3}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNe, {""}}}), (Ids{1, 2}));
  EXPECT_EQ(sel("", {{"region", TagMatcher::kNe, {""}}}), (Ids{1, 2, 5}));
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kNe, {"x"}}}), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kNe, {""}}}), Ids{});
  EXPECT_EQ(sel("", {{"host", TagMatcher::kNe, {"a"}}, {"region", TagMatcher::kNe, {"eu"}}}),
            (Ids{3, 6}));
}

TEST_F(SeriesIndexSelectTest, Regex) {
  EXPECT_EQ(sel("", {{"host", TagMatcher::kRegex, {"a.*"}}}), (Ids{1, 4, 5, 6}));
  EXPECT_EQ(sel("", {{"host", TagMatcher::kRegex, {"a"}}}), (Ids{1, 4, 5}));  // anchored
  EXPECT_EQ(sel("", {{"host", TagMatcher::kRegex, {"b"}}}), (Ids{2}));        // not "ab"
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kRegex, {"b|c"}}}), (Ids{2, 3}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kRegex, {".*"}}}), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kRegex, {".+"}}}), (Ids{1, 2}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kRegex, {"us|"}}}), (Ids{1, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kRegex, {".*"}}}), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kRegex, {"x"}}}), Ids{});
}

TEST_F(SeriesIndexSelectTest, NotRegex) {
  EXPECT_EQ(sel("", {{"host", TagMatcher::kNotRegex, {"a.*"}}}), (Ids{2, 3}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNotRegex, {"us"}}}), (Ids{2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNotRegex, {""}}}), (Ids{1, 2}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNotRegex, {".*"}}}), Ids{});
  EXPECT_EQ(sel("cpu", {{"nokey", TagMatcher::kNotRegex, {"x"}}}), (Ids{1, 2, 3, 4}));
}

TEST_F(SeriesIndexSelectTest, InAndNotIn) {
  EXPECT_EQ(sel("", {{"host", TagMatcher::kIn, {"b", "ab", "zz", "b"}}}), (Ids{2, 6}));
  EXPECT_EQ(sel("", {{"host", TagMatcher::kIn, {}}}), Ids{});
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kIn, {"eu", ""}}}), (Ids{2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kNotIn, {"a", "c"}}}), (Ids{2}));
  EXPECT_EQ(sel("cpu", {{"host", TagMatcher::kNotIn, {}}}), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNotIn, {"eu"}}}), (Ids{1, 3, 4}));
  EXPECT_EQ(sel("cpu", {{"region", TagMatcher::kNotIn, {"eu", ""}}}), (Ids{1}));
  EXPECT_EQ(
      sel("", {{"host", TagMatcher::kIn, {"a", "b"}}, {"region", TagMatcher::kNotIn, {"us"}}}),
      (Ids{2, 4}));
}

TEST_F(SeriesIndexSelectTest, BadMatchers) {
  for (const TagMatcher& m : std::vector<TagMatcher>{{"host", TagMatcher::kRegex, {"(a"}},
                                                     {"host", TagMatcher::kNotRegex, {"[z"}},
                                                     {"", TagMatcher::kEq, {"a"}},
                                                     {"host", TagMatcher::kEq, {}},
                                                     {"host", TagMatcher::kNe, {"a", "b"}}}) {
    Result<Ids> r = idx_->select("", std::vector<TagMatcher>{m});
    ASSERT_FALSE(r.isOk()) << m.key;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  // A bad regex is an error even where no series has the key.
  Result<Ids> r = idx_->select("nope", std::vector<TagMatcher>{{"k", TagMatcher::kRegex, {"("}}});
  EXPECT_FALSE(r.isOk());
}

TEST_F(SeriesIndexSelectTest, Listings) {
  EXPECT_EQ(idx_->measurements(), (std::vector<std::string>{"cpu", "mem"}));
  EXPECT_EQ(idx_->tagKeys("cpu"), (std::vector<std::string>{"host", "region"}));
  EXPECT_EQ(idx_->tagKeys("mem"), (std::vector<std::string>{"dc", "host", "region"}));
  EXPECT_EQ(idx_->tagKeys(""), (std::vector<std::string>{"dc", "host", "region"}));
  EXPECT_EQ(idx_->tagKeys("nope"), std::vector<std::string>{});
  EXPECT_EQ(idx_->tagValues("cpu", "host"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(idx_->tagValues("", "host"), (std::vector<std::string>{"a", "ab", "b", "c"}));
  EXPECT_EQ(idx_->tagValues("cpu", "region"), (std::vector<std::string>{"", "eu", "us"}));
  EXPECT_EQ(idx_->tagValues("mem", "dc"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(idx_->tagValues("cpu", "dc"), std::vector<std::string>{});
}

TEST_F(SeriesIndexSelectTest, SameAfterReopen) {
  idx_.reset();
  idx_ = openOrDie(fs_);
  EXPECT_EQ(sel("", {{"region", TagMatcher::kEq, {""}}}), (Ids{3, 4, 6}));
  EXPECT_EQ(sel("", {{"host", TagMatcher::kRegex, {"a.*"}}}), (Ids{1, 4, 5, 6}));
  EXPECT_EQ(idx_->tagValues("", "host"), (std::vector<std::string>{"a", "ab", "b", "c"}));
}

// ---------------------------------------------------------------------------------------------
// Concurrency

TEST(SeriesIndexTest, EightThreadsGetTheSameIds) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  constexpr int kThreads = 8;
  constexpr int kShared = 2000;
  constexpr int kOwn = 500;
  std::vector<std::map<std::string, std::uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::vector<int> order(kShared + kOwn);
      for (int i = 0; i < kShared + kOwn; ++i) order[static_cast<std::size_t>(i)] = i;
      std::shuffle(order.begin(), order.end(), rng);
      for (int round = 0; round < 2; ++round) {
        for (int i : order) {
          const std::string host =
              i < kShared ? "shared-" + std::to_string(i) : "own-" + std::to_string(t * 10000 + i);
          Result<std::uint64_t> id = idx->getOrCreate("cpu", tags({{"host", host.c_str()}}));
          ASSERT_TRUE(id.isOk());
          auto [it, fresh] = got[static_cast<std::size_t>(t)].emplace(host, *id);
          if (!fresh) {
            ASSERT_EQ(it->second, *id) << host;
          }
        }
        if (t == 0) {
          ASSERT_TRUE(idx->sync().isOk());
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const std::uint64_t total = kShared + kThreads * kOwn;
  ASSERT_EQ(idx->stats().series, total);
  std::map<std::string, std::uint64_t> all;
  std::set<std::uint64_t> ids;
  for (const auto& m : got) {
    for (const auto& [host, id] : m) {
      auto [it, fresh] = all.emplace(host, id);
      EXPECT_EQ(it->second, id) << host;  // one id per series, whichever thread created it
      if (fresh) ids.insert(id);
    }
  }
  ASSERT_EQ(ids.size(), total);
  EXPECT_EQ(*ids.begin(), 1u);
  EXPECT_EQ(*ids.rbegin(), total);  // dense
  for (const auto& [host, id] : all) {
    std::optional<SeriesKey> k = idx->lookup(id);
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->tags[0].value, host);
  }
  idx.reset();
  idx = openOrDie(fs);
  for (const auto& [host, id] : all) {
    ASSERT_EQ(idx->getOrCreate("cpu", tags({{"host", host.c_str()}})).value(), id);
  }
}

TEST(SeriesIndexTest, ConcurrentSelectWhileCreating) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      Result<Ids> r =
          idx->select("cpu", std::vector<TagMatcher>{{"region", TagMatcher::kEq, {"eu"}}});
      ASSERT_TRUE(r.isOk());
      ASSERT_TRUE(std::is_sorted(r->begin(), r->end()));
      (void)idx->tagValues("", "host");
      (void)idx->stats();
    }
  });
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(create(*idx, "cpu", hostTags(i)), 1u + i);
  done = true;
  reader.join();
  EXPECT_EQ(select(*idx, "cpu", {{"region", TagMatcher::kEq, {"eu"}}}).size(), 2500u);
}

// ---------------------------------------------------------------------------------------------
// Torn tails and corruption

// A synced log of n cpu series; returns its bytes.
std::string buildLog(MemFileSystem& fs, int n) {
  EXPECT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  for (int i = 0; i < n; ++i) create(*idx, "cpu", hostTags(i));
  EXPECT_TRUE(idx->sync().isOk());
  idx.reset();
  return readOrDie(fs, kPath);
}

TEST(SeriesIndexRecoveryTest, TornTailAtEveryOffsetKeepsAPrefix) {
  MemFileSystem base;
  const std::string full = buildLog(base, 10);
  std::vector<std::size_t> ends{16};  // offsets where records end
  for (int i = 0; i < 10; ++i) ends.push_back(ends.back() + recordSize("cpu", hostTags(i)));
  ASSERT_EQ(ends.back(), full.size());
  for (std::size_t cut = ends[7]; cut < full.size(); ++cut) {
    MemFileSystem fs;
    ASSERT_TRUE(fs.createDirs(kDir).isOk());
    writeFile(fs, kPath, full.substr(0, cut));
    const std::size_t complete =
        static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin()) -
        1;
    {
      std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
      ASSERT_TRUE(idx) << "cut " << cut;
      EXPECT_EQ(idx->stats().series, complete) << "cut " << cut;
      EXPECT_EQ(idx->damage().empty(), cut == ends[complete]) << "cut " << cut;
      EXPECT_EQ(idx->damage().find("corrupt"), std::string::npos) << idx->damage();
      EXPECT_EQ(idx->stats().torn_bytes, cut - ends[complete]);
      EXPECT_EQ(*fs.fileSize(kPath), ends[complete]);
      EXPECT_FALSE(fs.exists(std::string(kPath) + ".corrupt"));
      for (std::size_t i = 0; i < complete; ++i) {
        EXPECT_EQ(idx->lookup(i + 1)->tags, hostTags(static_cast<int>(i)));
      }
      // The next series gets the next id, and the log is clean afterwards.
      EXPECT_EQ(create(*idx, "cpu", hostTags(100)), complete + 1);
    }
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    EXPECT_EQ(idx->damage(), "");
    EXPECT_EQ(idx->stats().series, complete + 1);
  }
}

TEST(SeriesIndexRecoveryTest, TornTailWithGarbage) {
  MemFileSystem base;
  const std::string full = buildLog(base, 5);
  const std::size_t end4 = full.size() - recordSize("cpu", hostTags(4));
  for (const std::string& junk : {std::string(40, '\0'), std::string(3, '\xff'),
                                  std::string("\x10\x00\x00\x00garbage garbage", 19)}) {
    MemFileSystem fs;
    ASSERT_TRUE(fs.createDirs(kDir).isOk());
    writeFile(fs, kPath, full.substr(0, end4 + 10) + junk);
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    EXPECT_EQ(idx->stats().series, 4u);
    EXPECT_NE(idx->damage().find("torn"), std::string::npos);
    EXPECT_EQ(*fs.fileSize(kPath), end4);
  }
}

TEST(SeriesIndexRecoveryTest, FlippedByteQuarantinesTheRest) {
  MemFileSystem base;
  const std::string full = buildLog(base, 10);
  std::size_t start5 = 16;  // offset of the 6th record (id 6)
  for (int i = 0; i < 5; ++i) start5 += recordSize("cpu", hostTags(i));
  for (std::size_t at : {start5, start5 + 3, start5 + 5, start5 + 20}) {
    MemFileSystem fs;
    ASSERT_TRUE(fs.createDirs(kDir).isOk());
    std::string bad = full;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    writeFile(fs, kPath, bad);
    {
      std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
      ASSERT_TRUE(idx);
      EXPECT_EQ(idx->stats().series, 5u);
      EXPECT_NE(idx->damage().find("corruption"), std::string::npos) << idx->damage();
      EXPECT_NE(idx->damage().find("series.log.corrupt"), std::string::npos) << idx->damage();
      EXPECT_EQ(idx->stats().corrupt_bytes, full.size() - start5);
      EXPECT_EQ(readOrDie(fs, std::string(kPath) + ".corrupt"), bad.substr(start5));
      for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(idx->lookup(static_cast<std::uint64_t>(i) + 1)->tags, hostTags(i));
      }
      EXPECT_FALSE(idx->lookup(6).has_value());
      // Ids up to 10 (seen intact after the damage) are reserved: parts may name them.
      EXPECT_EQ(idx->stats().next_id, 11u);
      EXPECT_EQ(create(*idx, "cpu", hostTags(7)), 11u);
      EXPECT_EQ(create(*idx, "cpu", hostTags(2)), 3u);
    }
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    EXPECT_EQ(idx->damage(), "");
    EXPECT_EQ(idx->stats().series, 6u);
    EXPECT_EQ(create(*idx, "cpu", hostTags(7)), 11u);
    EXPECT_EQ(create(*idx, "cpu", hostTags(8)), 12u);
    EXPECT_FALSE(fs.exists(std::string(kPath) + ".tmp"));
  }
}

TEST(SeriesIndexRecoveryTest, ReservationSurvivesWithoutNewSeries) {
  MemFileSystem fs;
  std::string bad = buildLog(fs, 6);
  bad[16 + 9] ^= 1;  // in the first record
  writeFile(fs, kPath, bad);
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    EXPECT_EQ(idx->stats().series, 0u);
    EXPECT_EQ(idx->stats().next_id, 7u);
  }
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  EXPECT_EQ(idx->damage(), "");
  EXPECT_EQ(create(*idx, "cpu", hostTags(0)), 7u);
}

TEST(SeriesIndexRecoveryTest, BadHeaderQuarantinesTheWholeFile) {
  MemFileSystem fs;
  std::string bad = buildLog(fs, 4);
  bad[1] = 'Y';
  writeFile(fs, kPath, bad);
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  ASSERT_TRUE(idx);
  EXPECT_NE(idx->damage().find("bad file header"), std::string::npos) << idx->damage();
  EXPECT_EQ(readOrDie(fs, std::string(kPath) + ".corrupt"), bad);
  EXPECT_EQ(idx->stats().series, 0u);
  EXPECT_EQ(create(*idx, "cpu", hostTags(0)), 5u);
}

TEST(SeriesIndexRecoveryTest, SecondQuarantineGetsANewName) {
  MemFileSystem fs;
  const std::string full = buildLog(fs, 6);
  std::string bad = full;
  bad[full.size() - 2 * recordSize("cpu", hostTags(0)) - 3] ^= 0x10;
  writeFile(fs, kPath, bad);
  openOrDie(fs).reset();
  std::string bad2 = readOrDie(fs, kPath);
  bad2[16 + 12] ^= 0x10;
  writeFile(fs, kPath, bad2);
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    EXPECT_NE(idx->damage().find("series.log.corrupt.1"), std::string::npos) << idx->damage();
  }
  EXPECT_TRUE(fs.exists(std::string(kPath) + ".corrupt"));
  EXPECT_EQ(readOrDie(fs, std::string(kPath) + ".corrupt.1"), bad2.substr(16));
}

TEST(SeriesIndexRecoveryTest, LeftoverTmpIsRemoved) {
  MemFileSystem fs;
  buildLog(fs, 3);
  writeFile(fs, std::string(kPath) + ".tmp", "half a quarantine");
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  EXPECT_EQ(idx->stats().series, 3u);
  EXPECT_FALSE(fs.exists(std::string(kPath) + ".tmp"));
}

TEST(SeriesIndexRecoveryTest, RandomDamageAlwaysLeavesAPrefix) {
  MemFileSystem base;
  const std::string full = buildLog(base, 30);
  std::mt19937_64 rng(42);
  for (int round = 0; round < 300; ++round) {
    MemFileSystem fs;
    ASSERT_TRUE(fs.createDirs(kDir).isOk());
    std::string bad = full;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    if (rng() % 2) bad.resize(rng() % bad.size());
    writeFile(fs, kPath, bad);
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    ASSERT_TRUE(idx);
    const std::uint64_t n = idx->stats().series;
    for (std::uint64_t id = 1; id <= n; ++id) {
      std::optional<SeriesKey> k = idx->lookup(id);
      ASSERT_TRUE(k.has_value()) << "round " << round;
      EXPECT_EQ(k->tags, hostTags(static_cast<int>(id - 1)));
    }
    EXPECT_GT(idx->stats().next_id, n);
  }
}

// ---------------------------------------------------------------------------------------------
// Write and sync failures

TEST(SeriesIndexFailureTest, FailedWriteIsRetried) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  {
    std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
    for (int i = 0; i < 10; ++i) create(*idx, "cpu", hostTags(i));
    fs.failNextAppends(1, ENOSPC, /*write_partial=*/true);
    Status st = idx->sync();
    EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.toString();
    EXPECT_EQ(*fs.fileSize(kPath), 16u);  // the half-written batch was cut off
    for (int i = 10; i < 20; ++i) create(*idx, "cpu", hostTags(i));
    ASSERT_TRUE(idx->sync().isOk());
    EXPECT_EQ(idx->stats().unsynced_bytes, 0u);
  }
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  EXPECT_EQ(idx->damage(), "");
  EXPECT_EQ(idx->stats().series, 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(idx->lookup(static_cast<std::uint64_t>(i) + 1)->tags, hostTags(i));
}

TEST(SeriesIndexFailureTest, FailedInlineWriteIsRetriedBySync) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  fs.failNextAppends(1, EIO, /*write_partial=*/true);
  int i = 0;
  while (idx->stats().pending_bytes < (64u << 10)) create(*idx, "cpu", hostTags(i++));
  create(*idx, "cpu", hostTags(i++));  // past the threshold: the in-line write fails
  EXPECT_GT(idx->stats().pending_bytes, 64u << 10);
  ASSERT_TRUE(idx->sync().isOk());  // the retry succeeds
  idx.reset();
  idx = openOrDie(fs);
  EXPECT_EQ(idx->stats().series, static_cast<std::uint64_t>(i));
}

TEST(SeriesIndexFailureTest, FailedSyncBreaksTheLogUntilReopen) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  create(*idx, "cpu", hostTags(0));
  fs.failNextSyncs(1, EIO);
  EXPECT_FALSE(idx->sync().isOk());
  EXPECT_FALSE(idx->sync().isOk());                 // sticky
  EXPECT_EQ(create(*idx, "cpu", hostTags(0)), 1u);  // existing series are still found
  EXPECT_FALSE(idx->getOrCreate("cpu", hostTags(1)).isOk());
  idx.reset();
  idx = openOrDie(fs);
  EXPECT_EQ(create(*idx, "cpu", hostTags(0)), 1u);
  EXPECT_EQ(create(*idx, "cpu", hostTags(1)), 2u);
  EXPECT_TRUE(idx->sync().isOk());
}

// ---------------------------------------------------------------------------------------------
// Randomized model: select against a brute-force evaluation

struct ModelSeries {
  std::uint64_t id;
  std::string measurement;
  std::map<std::string, std::string> tags;
};

// The model's regexes and what each means, written out by hand.
const std::map<std::string, std::function<bool(std::string_view)>>& handRegexes() {
  static const auto* table = new std::map<std::string, std::function<bool(std::string_view)>>{
      {"", [](std::string_view v) { return v.empty(); }},
      {".*", [](std::string_view) { return true; }},
      {".+", [](std::string_view v) { return !v.empty(); }},
      {"x.*", [](std::string_view v) { return v.starts_with("x"); }},
      {"x|y", [](std::string_view v) { return v == "x" || v == "y"; }},
      {"[xy]", [](std::string_view v) { return v == "x" || v == "y"; }},
      {"z?", [](std::string_view v) { return v.empty() || v == "z"; }},
      {"long-.*", [](std::string_view v) { return v.starts_with("long-"); }},
      {"y.", [](std::string_view v) { return v.size() == 2 && v[0] == 'y'; }},
      {"(x|z)y?",
       [](std::string_view v) { return v == "x" || v == "z" || v == "xy" || v == "zy"; }},
  };
  return *table;
}

// The matcher semantics by the header: a missing tag is the empty value.
bool bruteMatch(const ModelSeries& s, const TagMatcher& m) {
  auto it = s.tags.find(m.key);
  const std::string v = it == s.tags.end() ? "" : it->second;
  const auto in = [&] { return std::find(m.values.begin(), m.values.end(), v) != m.values.end(); };
  switch (m.op) {
    case TagMatcher::kEq: return v == m.values[0];
    case TagMatcher::kNe: return v != m.values[0];
    case TagMatcher::kRegex: return handRegexes().at(m.values[0])(v);
    case TagMatcher::kNotRegex: return !handRegexes().at(m.values[0])(v);
    case TagMatcher::kIn: return in();
    case TagMatcher::kNotIn: return !in();
  }
  return false;
}

TEST(SeriesIndexModelTest, SelectMatchesBruteForce) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  std::unique_ptr<SeriesIndex> idx = openOrDie(fs);
  std::mt19937_64 rng(7);
  const std::vector<std::string> ms{"m1", "m2", "m3"};
  const std::vector<std::string> keys{"a", "b", "c", "d"};
  const std::vector<std::string> values{"", "x", "y", "z", "xy", "yx", "long-value"};
  std::vector<std::string> regexes;
  for (const auto& [pattern, fn] : handRegexes()) regexes.push_back(pattern);
  std::vector<ModelSeries> model;
  std::map<std::string, std::uint64_t> seen;
  for (int i = 0; i < 400; ++i) {
    ModelSeries s;
    s.measurement = ms[rng() % ms.size()];
    std::vector<model::Tag> t;
    for (const std::string& k : keys) {
      if (rng() % 10 < 6) {
        s.tags[k] = values[rng() % values.size()];
        t.push_back({k, s.tags[k]});
      }
    }
    Result<std::uint64_t> id = idx->getOrCreate(s.measurement, t);
    ASSERT_TRUE(id.isOk());
    std::string canon = s.measurement;
    for (const auto& [k, v] : s.tags) canon += "," + k + "=" + v;
    auto [it, fresh] = seen.emplace(canon, *id);
    ASSERT_EQ(it->second, *id);
    if (!fresh) continue;
    ASSERT_EQ(*id, model.size() + 1);
    s.id = *id;
    model.push_back(s);
  }
  auto check = [&](int queries) {
    for (int q = 0; q < queries; ++q) {
      const std::vector<std::string> mchoices{"", "", "m1", "m2", "m3", "nope"};
      const std::string m = mchoices[rng() % mchoices.size()];
      std::vector<TagMatcher> matchers;
      const int n = static_cast<int>(rng() % 4);
      for (int j = 0; j < n; ++j) {
        TagMatcher tm;
        tm.key = rng() % 8 == 0 ? "e" : keys[rng() % keys.size()];
        tm.op = static_cast<TagMatcher::Op>(rng() % 6);
        if (tm.op == TagMatcher::kRegex || tm.op == TagMatcher::kNotRegex) {
          tm.values = {regexes[rng() % regexes.size()]};
        } else if (tm.op == TagMatcher::kEq || tm.op == TagMatcher::kNe) {
          tm.values = {rng() % 8 == 0 ? "q" : values[rng() % values.size()]};
        } else {
          const int k = static_cast<int>(rng() % 4);
          for (int x = 0; x < k; ++x) tm.values.push_back(values[rng() % values.size()]);
        }
        matchers.push_back(tm);
      }
      Ids expected;
      for (const ModelSeries& s : model) {
        if (!m.empty() && s.measurement != m) continue;
        if (std::all_of(matchers.begin(), matchers.end(),
                        [&](const TagMatcher& tm) { return bruteMatch(s, tm); })) {
          expected.push_back(s.id);
        }
      }
      Result<Ids> got = idx->select(m, matchers);
      ASSERT_TRUE(got.isOk()) << got.status().toString();
      ASSERT_EQ(*got, expected) << "query " << q;
    }
  };
  check(1500);
  // The same after loading from the log.
  idx.reset();
  idx = openOrDie(fs);
  check(300);
  // Listings against the model.
  for (const std::string& m : std::vector<std::string>{"", "m1"}) {
    std::set<std::string> k;
    std::set<std::string> v;
    for (const ModelSeries& s : model) {
      if (!m.empty() && s.measurement != m) continue;
      for (const auto& [key, value] : s.tags) {
        k.insert(key);
        if (key == "b") v.insert(value);
      }
    }
    EXPECT_EQ(idx->tagKeys(m), std::vector<std::string>(k.begin(), k.end()));
    EXPECT_EQ(idx->tagValues(m, "b"), std::vector<std::string>(v.begin(), v.end()));
  }
}

}  // namespace
}  // namespace sextant::storage

#include "agent/election/global_tags.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "core/testing/temp_dir.h"

namespace sextant::agent::election {
namespace {

// Replaces the first `from` in `s` by `to` (the test fails when there is none).
void replaceOnce(std::string* s, std::string_view from, std::string_view to) {
  size_t at = s->find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s->replace(at, from.size(), to);
}

// --- GlobalTags -----------------------------------------------------------------------------

TEST(GlobalTags, SnapshotsAreNotChangedByLaterWrites) {
  GlobalTags tags({{"host", "h"}, {"a", "1"}}, {{"e", "1"}}, /*election_enabled=*/true);
  TagSnapshot before = tags.hostTags();
  TagUpdate u = tags.set(TagTable::kHost, {{"a", "2"}, {"b", "3"}});
  EXPECT_TRUE(u.changed);
  EXPECT_TRUE(u.persisted.isOk());
  EXPECT_EQ(*before, (TagMap{{"host", "h"}, {"a", "1"}}));
  EXPECT_EQ(*tags.hostTags(), (TagMap{{"host", "h"}, {"a", "2"}, {"b", "3"}}));
  EXPECT_EQ(*tags.electionTags(), (TagMap{{"e", "1"}}));
}

TEST(GlobalTags, UnchangedWritesKeepTheSameSnapshot) {
  GlobalTags tags({{"a", "1"}}, {}, true);
  TagSnapshot before = tags.hostTags();
  EXPECT_FALSE(tags.set(TagTable::kHost, {{"a", "1"}}).changed);
  EXPECT_FALSE(tags.set(TagTable::kHost, {}).changed);
  EXPECT_FALSE(tags.remove(TagTable::kHost, {"zz"}).changed);
  EXPECT_EQ(tags.hostTags().get(), before.get());
  EXPECT_TRUE(tags.remove(TagTable::kHost, {"a", "zz"}).changed);
  EXPECT_TRUE(tags.hostTags()->empty());
}

TEST(GlobalTags, ElectionDisabledElectionTagsAreTheHostTags) {
  GlobalTags tags({{"h", "1"}}, {{"e", "1"}}, /*election_enabled=*/false);
  EXPECT_FALSE(tags.electionEnabled());
  EXPECT_EQ(*tags.electionTags(), (TagMap{{"h", "1"}}));
  tags.set(TagTable::kHost, {{"h2", "2"}});
  EXPECT_EQ(*tags.electionTags(), (TagMap{{"h", "1"}, {"h2", "2"}}));
  tags.remove(TagTable::kHost, {"h"});
  EXPECT_EQ(*tags.electionTags(), (TagMap{{"h2", "2"}}));
}

TEST(GlobalTags, ElectionTableChangesOnlyTheElectionTags) {
  GlobalTags tags({{"h", "1"}}, {{"e", "1"}}, true);
  tags.set(TagTable::kElection, {{"e", "2"}, {"e3", "3"}});
  tags.remove(TagTable::kElection, {"e3", "h"});
  EXPECT_EQ(*tags.electionTags(), (TagMap{{"e", "2"}}));
  EXPECT_EQ(*tags.hostTags(), (TagMap{{"h", "1"}}));
}

class RecordingPersister : public TagPersister {
 public:
  Status apply(TagTable table, const TagMap& set, const std::vector<std::string>& remove) override {
    calls.push_back({table, set, remove});
    return fail ? unavailable("disk gone") : Status::ok();
  }
  struct Call {
    TagTable table;
    TagMap set;
    std::vector<std::string> remove;
  };
  std::vector<Call> calls;
  bool fail = false;
};

TEST(GlobalTags, PersisterSeesEveryChangeAndItsFailureDoesNotBlockIt) {
  auto p = std::make_shared<RecordingPersister>();
  GlobalTags tags({}, {}, true, p);
  EXPECT_TRUE(tags.set(TagTable::kElection, {{"a", "1"}}).persisted.isOk());
  p->fail = true;
  TagUpdate u = tags.remove(TagTable::kHost, {"x"});
  EXPECT_EQ(u.persisted.code(), StatusCode::kUnavailable);
  u = tags.set(TagTable::kHost, {{"b", "2"}});
  EXPECT_FALSE(u.persisted.isOk());
  EXPECT_TRUE(u.changed);
  EXPECT_EQ(*tags.hostTags(), (TagMap{{"b", "2"}}));
  ASSERT_EQ(p->calls.size(), 3u);
  EXPECT_EQ(p->calls[0].table, TagTable::kElection);
  EXPECT_EQ(p->calls[0].set, (TagMap{{"a", "1"}}));
  EXPECT_EQ(p->calls[1].table, TagTable::kHost);
  EXPECT_EQ(p->calls[1].remove, std::vector<std::string>{"x"});
}

TEST(GlobalTags, ReadersDuringWritesSeeWholeUpdates) {
  GlobalTags tags({{"a", "0"}, {"b", "0"}}, {{"e", "0"}}, true);
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        TagSnapshot h = tags.hostTags();
        TagSnapshot e = tags.electionTags();
        auto a = h->find("a");
        auto b = h->find("b");
        if (a == h->end() || b == h->end() || a->second != b->second) ++torn;
        if (e->count("e") != 1) ++torn;
        ++reads;
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 300; ++i) {
        std::string v = std::to_string(w * 1000 + i);
        tags.set(TagTable::kHost, {{"a", v}, {"b", v}, {"tmp", v}});
        tags.remove(TagTable::kHost, {"tmp"});
        tags.set(TagTable::kElection, {{"e", v}});
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(tags.hostTags()->count("tmp"), 0u);
}

// --- replaceTomlTable -------------------------------------------------------------------------

constexpr std::string_view kConf =
    "# datakit.conf\n"
    "name = \"x\"   # [global_host_tags] in a comment\n"
    "\n"
    "[global_host_tags]\n"
    "  # host tags\n"
    "  ip   = \"__datakit_ip\"\n"
    "  host = \"__datakit_hostname\"\n"
    "  old  = 'gone'  # removed\n"
    "\n"
    "# election section\n"
    "[election]\n"
    "  enable = true\n"
    "  [election.tags]\n"
    "    e1 = \"v1\"\n"
    "\n"
    "[[inputs.x]]\n"
    "  a = [\n"
    "    \"[global_host_tags]\",\n"
    "    1,\n"
    "  ]\n";

TEST(ReplaceTomlTable, RewritesOnlyTheTableBody) {
  Result<std::string> out =
      replaceTomlTable(kConf, "global_host_tags",
                       {{"host", "__datakit_hostname"}, {"ip", "__datakit_ip"}, {"new", "n v"}});
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  // "old" goes, "new" comes after the last entry; every other byte stays, including the
  // "[global_host_tags]" in a comment and in a string of [[inputs.x]].
  std::string want(kConf);
  replaceOnce(&want, "  old  = 'gone'  # removed\n", "  new = \"n v\"\n");
  EXPECT_EQ(*out, want);
}

TEST(ReplaceTomlTable, ChangedValuesKeepIndentAndKey) {
  Result<std::string> out = replaceTomlTable(kConf, "election.tags", {{"e1", "v2"}, {"e0", "x"}});
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  std::string want(kConf);
  replaceOnce(&want, "    e1 = \"v1\"\n", "    e1 = \"v2\"\n    e0 = \"x\"\n");
  EXPECT_EQ(*out, want);
}

TEST(ReplaceTomlTable, EscapesValuesAndQuotesKeys) {
  Result<std::string> out =
      replaceTomlTable("[t]\n", "t", {{"my key", "a\"b\\c\nd\x01"}, {"k-1_x", "é"}});
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(*out,
            "[t]\n"
            "  k-1_x = \"é\"\n"
            "  \"my key\" = \"a\\\"b\\\\c\\nd\\u0001\"\n");
  Result<TagMap> back = readTomlStringTable(*out, "t");
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, (TagMap{{"my key", "a\"b\\c\nd\x01"}, {"k-1_x", "é"}}));
}

TEST(ReplaceTomlTable, AppendsAMissingTable) {
  Result<std::string> out = replaceTomlTable("a = 1", "election.tags", {{"k", "v"}});
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(*out, "a = 1\n\n[election.tags]\n  k = \"v\"\n");
  out = replaceTomlTable("", "global_host_tags", {{"k", "v"}});
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(*out, "[global_host_tags]\n  k = \"v\"\n");
  out = replaceTomlTable("a = 1\n", "t", {});
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(*out, "a = 1\n");
}

TEST(ReplaceTomlTable, EmptyValuesEmptyTheBodyButKeepCommentsAndHeader) {
  Result<std::string> out = replaceTomlTable(
      "[t] # tags\n"
      "  a = \"1\"\n"
      "  # keep me\n"
      "  b = \"\"\"multi\n"
      "[not a header]\n"
      "\"\"\"\n"
      "  c = [\"x\",\n"
      "    \"]\",\n"
      "  ]\n"
      "  d.e = \"dotted stays\"\n"
      "[u]\n"
      "  a = \"1\"\n",
      "t", {});
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(*out,
            "[t] # tags\n"
            "  # keep me\n"
            "  d.e = \"dotted stays\"\n"
            "[u]\n"
            "  a = \"1\"\n");
}

TEST(ReplaceTomlTable, KeepsCrLfAndAFinalLineWithoutBreak) {
  Result<std::string> out =
      replaceTomlTable("# c\r\n[t]\r\n  a = \"1\"\r\n  b = \"2\"", "t", {{"a", "9"}, {"b", "2"}});
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(*out, "# c\r\n[t]\r\n  a = \"9\"\r\n  b = \"2\"");
  out = replaceTomlTable("[t]\n  a = \"1\"", "t", {{"a", "1"}, {"z", "2"}});
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(*out, "[t]\n  a = \"1\"\n  z = \"2\"\n");
}

TEST(ReplaceTomlTable, QuotedHeadersAndSpacesMatch) {
  Result<std::string> out =
      replaceTomlTable("[ election . \"tags\" ]\n  a = \"1\"\n", "election.tags", {{"a", "2"}});
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(*out, "[ election . \"tags\" ]\n  a = \"2\"\n");
}

TEST(ReplaceTomlTable, RejectsWhatItCannotScan) {
  EXPECT_EQ(replaceTomlTable("a = \"unterminated\n", "t", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(replaceTomlTable("a = [1, 2\n", "t", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(replaceTomlTable("[t\n", "t", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(replaceTomlTable("= 1\n", "t", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(replaceTomlTable("[[t]]\n a = \"1\"\n", "t", {}).status().code(),
            StatusCode::kInvalidArgument);
  Result<std::string> r = replaceTomlTable("x = 1\ny = \"\"\"open\n", "t", {});
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos) << r.status().toString();
}

// Property, with toml++ as the oracle: whatever the values, the rewritten document parses, the
// table holds exactly them, and the other tables are untouched.
TEST(ReplaceTomlTable, RandomValuesRoundTripThroughAParser) {
  std::mt19937 rng(12345);
  const std::vector<std::string> pieces = {"a", "Z9", "-", "_",  " ",  ".",    "\"", "\\", "'", "#",
                                           "[", "]",  "=", "\n", "\t", "\x7f", "é",  "中", "$"};
  auto randomString = [&](size_t max_pieces) {
    std::string out;
    size_t n = rng() % (max_pieces + 1);
    for (size_t i = 0; i < n; ++i) out += pieces[rng() % pieces.size()];
    return out;
  };
  const TagMap election_before = *readTomlStringTable(kConf, "election.tags");
  std::string doc(kConf);
  for (int round = 0; round < 300; ++round) {
    TagMap values;
    size_t n = rng() % 6;
    for (size_t i = 0; i < n; ++i) {
      std::string k = randomString(4);
      if (k.empty()) k = "k";
      values[k] = randomString(6);
    }
    Result<std::string> out = replaceTomlTable(doc, "global_host_tags", values);
    ASSERT_TRUE(out.isOk()) << out.status().toString();
    Result<TagMap> back = readTomlStringTable(*out, "global_host_tags");
    ASSERT_TRUE(back.isOk()) << back.status().toString() << "\n" << *out;
    EXPECT_EQ(*back, values) << *out;
    Result<TagMap> other = readTomlStringTable(*out, "election.tags");
    ASSERT_TRUE(other.isOk());
    EXPECT_EQ(*other, election_before);
    ASSERT_NE(out->find("[[inputs.x]]\n  a = [\n    \"[global_host_tags]\",\n    1,\n  ]\n"),
              std::string::npos);
    doc = *out;  // feed each result into the next round
  }
}

TEST(ReadTomlStringTable, ReadsStringsOnly) {
  Result<TagMap> t = readTomlStringTable(kConf, "election.tags");
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(*t, (TagMap{{"e1", "v1"}}));
  t = readTomlStringTable(kConf, "global_host_tags");
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(*t, (TagMap{{"ip", "__datakit_ip"}, {"host", "__datakit_hostname"}, {"old", "gone"}}));
  t = readTomlStringTable(kConf, "nothing.here");
  ASSERT_TRUE(t.isOk());
  EXPECT_TRUE(t->empty());
  EXPECT_FALSE(readTomlStringTable("[t]\na = 1\n", "t").isOk());
  EXPECT_FALSE(readTomlStringTable("[t\n", "t").isOk());
}

// --- ConfFilePersister ------------------------------------------------------------------------

class ConfFilePersisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    path_ = joinPath(dir_.path(), "datakit.conf");
  }
  void write(std::string_view text) {
    ASSERT_TRUE(writeFileAtomically(realFileSystem(), path_, text).isOk());
  }
  std::string read() {
    Result<std::string> r = realFileSystem().readFile(path_);
    return r.isOk() ? *r : "<" + r.status().toString() + ">";
  }
  sextant::testing::TempDir dir_;
  std::string path_;
};

TEST_F(ConfFilePersisterTest, RoundTripKeepsCommentsAndOtherSections) {
  write(kConf);
  auto persister = std::make_shared<ConfFilePersister>(realFileSystem(), path_);
  GlobalTags tags({{"host", "myhost"}, {"ip", "10.0.0.1"}, {"old", "gone"}}, {{"e1", "v1"}}, true,
                  persister);
  TagUpdate u = tags.set(TagTable::kHost, {{"ip", "10.0.0.1"}, {"zone", "z1"}});
  ASSERT_TRUE(u.persisted.isOk()) << u.persisted.toString();
  // The file's own "__datakit_ip" stays: the change is merged into the file's values (DataKit),
  // and ip=10.0.0.1 differs from it, so it is written.
  std::string want(kConf);
  replaceOnce(&want, "  ip   = \"__datakit_ip\"\n", "  ip   = \"10.0.0.1\"\n");
  replaceOnce(&want, "  old  = 'gone'  # removed\n",
              "  old  = 'gone'  # removed\n  zone = \"z1\"\n");
  EXPECT_EQ(read(), want);

  u = tags.remove(TagTable::kHost, {"old", "zone", "absent"});
  ASSERT_TRUE(u.persisted.isOk());
  replaceOnce(&want, "  old  = 'gone'  # removed\n  zone = \"z1\"\n", "");
  EXPECT_EQ(read(), want);

  u = tags.set(TagTable::kElection, {{"e2", "v2"}});
  ASSERT_TRUE(u.persisted.isOk());
  replaceOnce(&want, "    e1 = \"v1\"\n", "    e1 = \"v1\"\n    e2 = \"v2\"\n");
  EXPECT_EQ(read(), want);
  EXPECT_EQ(*tags.electionTags(), (TagMap{{"e1", "v1"}, {"e2", "v2"}}));
}

TEST_F(ConfFilePersisterTest, NoChangeNoWrite) {
  ConfFilePersister p(realFileSystem(), path_);
  write("[global_host_tags]\n  a = \"1\"   # same\n");
  EXPECT_TRUE(p.apply(TagTable::kHost, {{"a", "1"}}, {"zz"}).isOk());
  EXPECT_EQ(read(), "[global_host_tags]\n  a = \"1\"   # same\n");
}

TEST_F(ConfFilePersisterTest, MissingOrBadFileIsAnErrorAndNothingIsWritten) {
  ConfFilePersister p(realFileSystem(), path_);
  EXPECT_EQ(p.apply(TagTable::kHost, {{"a", "1"}}, {}).code(), StatusCode::kNotFound);
  EXPECT_FALSE(realFileSystem().exists(path_));
  write("[global_host_tags]\n  a = 1\n");
  EXPECT_EQ(p.apply(TagTable::kHost, {{"a", "2"}}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read(), "[global_host_tags]\n  a = 1\n");
  // [election] tags = {...} inline: a new [election.tags] table would redefine it.
  write("[election]\n  tags = { a = \"1\" }\n");
  Status st = p.apply(TagTable::kElection, {{"b", "2"}}, {});
  EXPECT_FALSE(st.isOk());
  EXPECT_EQ(read(), "[election]\n  tags = { a = \"1\" }\n");
}

}  // namespace
}  // namespace sextant::agent::election

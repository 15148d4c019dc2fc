#include "agent/inputs/logging/logging_input.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "agent/inputs/logging/checkpoint_store.h"
#include "agent/inputs/logging/logging_testing.h"
#include "config/config_table.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::logging {
namespace {

using testing::appendFile;
using testing::RecordingFeeder;
using testing::waitFor;
using Strings = std::vector<std::string>;

// A config with short timers so tests run fast.
LoggingConfig fastConfig(const std::string& dir, bool inotify) {
  LoggingConfig c;
  c.logfiles = {dir + "/*.log"};
  c.source = "app";
  c.use_inotify = inotify;
  c.rescan_interval = std::chrono::milliseconds(inotify ? 5000 : 150);
  c.stat_interval = std::chrono::milliseconds(30);
  c.checkpoint_interval = std::chrono::milliseconds(100);
  c.multiline_timeout = std::chrono::milliseconds(200);
  c.checkpoint_path = dir + "/cache/logging.checkpoint";
  return c;
}

std::unique_ptr<LoggingInput> startInput(LoggingConfig c, RecordingFeeder* feeder) {
  InputEnv env;
  env.feeder = feeder;
  auto in = LoggingInput::create(std::move(c), env);
  EXPECT_TRUE(in.isOk()) << in.status().message();
  EXPECT_TRUE((*in)->start().isOk());
  return std::move(*in);
}

// Starts an input, waits until the feeder holds at least n points, lets it run `settle` longer
// (extra points would show), and returns it stopped, for its stats.
std::unique_ptr<LoggingInput> runUntil(LoggingConfig c, RecordingFeeder* feeder, size_t n,
                                       std::chrono::milliseconds settle) {
  auto in = startInput(std::move(c), feeder);
  EXPECT_TRUE(waitFor([&] { return feeder->size() >= n; })) << feeder->size() << " < " << n;
  std::this_thread::sleep_for(settle);
  in->stop();
  return in;
}

// Writes a checkpoint record for the file at `log` (its current dev and inode).
void seedCheckpoint(const std::string& store_path, const std::string& log, Fingerprint fp,
                    uint64_t offset) {
  struct stat st;
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  auto store = CheckpointStore::open(store_path);
  ASSERT_TRUE(store.isOk());
  (*store)->put(Checkpoint{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), fp,
                           offset, 0, "app", log});
  ASSERT_TRUE((*store)->flush().isOk());
}

std::string numbered(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

Strings numberedList(int from, int to) {
  Strings s;
  for (int i = from; i < to; ++i) s.push_back("line " + std::to_string(i));
  return s;
}

class LoggingInputTest : public ::testing::TestWithParam<bool> {};  // param: inotify

TEST_P(LoggingInputTest, TailsFilesIntoPoints) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, "first\nsecond\n");
  RecordingFeeder feeder;
  LoggingConfig c = fastConfig(dir.path(), GetParam());
  c.service = "svc";
  c.pipeline = "app.p";
  c.tags = {{"team", "x"}};
  auto in = startInput(c, &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 2; }));
  appendFile(log, "third\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 3; }));
  in->stop();
  EXPECT_EQ(feeder.messages(), (Strings{"first", "second", "third"}));
  auto pts = feeder.points();
  const model::Point& p = pts[0];
  EXPECT_EQ(p.category, model::Category::kLogging);
  EXPECT_EQ(p.measurement, "app");
  ASSERT_NE(p.findTag("service"), nullptr);
  EXPECT_EQ(p.findTag("service")->value, "svc");
  EXPECT_EQ(p.findTag("filepath")->value, log);
  EXPECT_EQ(p.findTag("filename")->value, "a.log");
  EXPECT_EQ(p.findTag("team")->value, "x");
  EXPECT_EQ(std::get<std::string>(p.findField("status")->value), "info");
  EXPECT_LT(pts[0].time_ns, pts[1].time_ns);  // one batch: 1 µs apart, in order
  EXPECT_EQ(pts[1].time_ns - pts[0].time_ns, 1000);
  FeedOptions o = feeder.lastOptions();
  EXPECT_TRUE(o.durable);
  EXPECT_EQ(o.pipeline, "app.p");
  EXPECT_EQ(o.input, "logging");
}

TEST_P(LoggingInputTest, RotationByRenameAndCreate) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, numbered(0, 10));
  RecordingFeeder feeder;
  auto in = startInput(fastConfig(dir.path(), GetParam()), &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 10; }));
  // logrotate's create: rename, the writer still appends to the old file, then a new file.
  ASSERT_EQ(std::rename(log.c_str(), (dir.path() + "/a.log.1").c_str()), 0);
  appendFile(dir.path() + "/a.log.1", numbered(10, 15));
  appendFile(log, numbered(15, 20));
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 20; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  in->stop();
  EXPECT_EQ(feeder.messages(), numberedList(0, 20));
  EXPECT_GE(in->stats().rotations.load() + in->stats().deletions.load(), 1u);
}

TEST_P(LoggingInputTest, CopyTruncate) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, numbered(0, 10));
  RecordingFeeder feeder;
  auto in = startInput(fastConfig(dir.path(), GetParam()), &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 10; }));
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  appendFile(log, numbered(10, 13));
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 13; }));
  in->stop();
  EXPECT_EQ(feeder.messages(), numberedList(0, 13));
  EXPECT_EQ(in->stats().truncations.load(), 1u);
}

TEST_P(LoggingInputTest, TruncatedAndRefilledBeyondTheOffset) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, "short-1\n");
  RecordingFeeder feeder;
  auto in = startInput(fastConfig(dir.path(), GetParam()), &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 1; }));
  // Truncated and rewritten past our offset before we look: the fingerprint tells.
  {
    std::ofstream out(log, std::ios::trunc);
    out << "another first line\n";
  }
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  in->stop();
  EXPECT_EQ(feeder.messages(), (Strings{"short-1", "another first line"}));
}

TEST_P(LoggingInputTest, DeletionDrainsThenCloses) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, numbered(0, 3));
  RecordingFeeder feeder;
  auto in = startInput(fastConfig(dir.path(), GetParam()), &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 3; }));
  // Written, then unlinked at once: the open fd still gives the last lines.
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(log.c_str()), 0);
  std::string last = "last line\nno newline";
  ASSERT_EQ(::write(fd, last.data(), last.size()), static_cast<ssize_t>(last.size()));
  ::close(fd);
  ASSERT_TRUE(waitFor([&] { return in->stats().deletions.load() == 1; }));
  ASSERT_TRUE(waitFor([&] { return in->stats().files_open.load() == 0; }));
  in->stop();
  EXPECT_EQ(feeder.messages(), (Strings{"line 0", "line 1", "line 2", "last line", "no newline"}));
}

TEST_P(LoggingInputTest, NewFilesAreFoundAndReadFromTheStart) {
  sextant::testing::TempDir dir;
  RecordingFeeder feeder;
  LoggingConfig c = fastConfig(dir.path(), GetParam());
  c.big_file_bytes = 10;  // anything existing at start is "big": starts at its end
  appendFile(dir.path() + "/old.log", numbered(0, 5));
  auto in = startInput(c, &feeder);
  ASSERT_TRUE(waitFor([&] { return in->stats().files_open.load() == 1; }));
  appendFile(dir.path() + "/old.log", "appended\n");
  appendFile(dir.path() + "/new.log", numbered(0, 50));  // new: from 0, however big
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 51; }));
  in->stop();
  Strings m = feeder.messages();
  EXPECT_EQ(std::count(m.begin(), m.end(), "appended"), 1);
  EXPECT_EQ(std::count(m.begin(), m.end(), "line 0"), 1);  // only new.log's
}

TEST_P(LoggingInputTest, GlobsWithDoubleStarAndIgnore) {
  sextant::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/a/b/c");
  appendFile(dir.path() + "/top.log", "top\n");
  appendFile(dir.path() + "/a/b/c/deep.log", "deep\n");
  appendFile(dir.path() + "/a/skip.log", "skip\n");
  appendFile(dir.path() + "/a/other.txt", "txt\n");
  RecordingFeeder feeder;
  LoggingConfig c = fastConfig(dir.path(), GetParam());
  c.logfiles = {dir.path() + "/**/*.log"};
  c.ignore = {dir.path() + "/**/skip.log"};
  auto in = startInput(c, &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 2; }));
  std::filesystem::create_directories(dir.path() + "/a/b/new");
  appendFile(dir.path() + "/a/b/new/later.log", "later\n");
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  in->stop();
  Strings m = feeder.messages();
  std::sort(m.begin(), m.end());
  EXPECT_EQ(m, (Strings{"deep", "later", "top"}));
}

TEST_P(LoggingInputTest, RestartResumesFromTheCheckpoint) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, numbered(0, 5));
  {
    RecordingFeeder feeder;
    auto in = startInput(fastConfig(dir.path(), GetParam()), &feeder);
    ASSERT_TRUE(waitFor([&] { return feeder.size() == 5; }));
    in->stop();
  }
  appendFile(log, numbered(5, 8));  // written while the agent was down
  RecordingFeeder feeder;
  LoggingConfig c = fastConfig(dir.path(), GetParam());
  c.from_beginning = true;  // the checkpoint comes first
  runUntil(c, &feeder, 3, std::chrono::milliseconds(200));
  EXPECT_EQ(feeder.messages(), numberedList(5, 8));
}

TEST_P(LoggingInputTest, InodeReuseIsDetectedByTheFingerprint) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, numbered(0, 4));
  LoggingConfig c = fastConfig(dir.path(), GetParam());
  // A record for this inode left by an earlier file with other content: offset 14 would skip
  // this file's first lines.
  seedCheckpoint(c.checkpoint_path, log, Fingerprint{10, 0x1234}, 14);
  RecordingFeeder feeder;
  auto in = runUntil(c, &feeder, 4, std::chrono::milliseconds(100));
  EXPECT_EQ(feeder.messages(), numberedList(0, 4));
  EXPECT_EQ(in->stats().inode_reuses.load(), 1u);
}

TEST_P(LoggingInputTest, MatchingFingerprintResumes) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, numbered(0, 4));  // "line 0\n" is 7 bytes
  LoggingConfig c = fastConfig(dir.path(), GetParam());
  int fd = ::open(log.c_str(), O_RDONLY);
  auto fp = fingerprintPrefix(fd, 7);
  ::close(fd);
  ASSERT_TRUE(fp.isOk() && fp->has_value());
  seedCheckpoint(c.checkpoint_path, log, **fp, 14);
  RecordingFeeder feeder;
  runUntil(c, &feeder, 2, std::chrono::milliseconds(100));
  EXPECT_EQ(feeder.messages(), numberedList(2, 4));
}

TEST_P(LoggingInputTest, FeedFailuresAreRetriedNeverSkipped) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  RecordingFeeder feeder;
  feeder.failNext(3);
  appendFile(log, numbered(0, 20));
  auto in = runUntil(fastConfig(dir.path(), GetParam()), &feeder, 20, std::chrono::milliseconds(0));
  EXPECT_EQ(feeder.messages(), numberedList(0, 20));
  EXPECT_EQ(in->stats().feed_errors.load(), 3u);
  EXPECT_FALSE(feeder.errors().empty());
}

TEST_P(LoggingInputTest, MultilineEntryFlushedAfterTheWaitTime) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, "2024-01-02 10:00:00 ERROR boom\n\tat a\n\tat b\n");
  RecordingFeeder feeder;
  auto c = fastConfig(dir.path(), GetParam());
  c.decoder.auto_multiline = true;
  runUntil(c, &feeder, 1, std::chrono::milliseconds(0));
  EXPECT_EQ(feeder.messages(), (Strings{"2024-01-02 10:00:00 ERROR boom\n\tat a\n\tat b"}));
}

TEST_P(LoggingInputTest, GbkFile) {
  sextant::testing::TempDir dir;
  appendFile(dir.path() + "/a.log", "\xC4\xE3\xBA\xC3\n");
  RecordingFeeder feeder;
  auto c = fastConfig(dir.path(), GetParam());
  c.decoder.encoding = Encoding::kGbk;
  runUntil(c, &feeder, 1, std::chrono::milliseconds(0));
  EXPECT_EQ(feeder.messages(), (Strings{"\xE4\xBD\xA0\xE5\xA5\xBD"}));
}

TEST_P(LoggingInputTest, DeadFilesAreNotOpened) {
  sextant::testing::TempDir dir;
  std::string dead = dir.path() + "/dead.log";
  appendFile(dead, "old\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 7200, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, dead.c_str(), times, 0), 0);
  appendFile(dir.path() + "/live.log", "live\n");
  RecordingFeeder feeder;
  auto in =
      runUntil(fastConfig(dir.path(), GetParam()), &feeder, 1, std::chrono::milliseconds(300));
  EXPECT_EQ(feeder.messages(), (Strings{"live"}));
}

TEST_P(LoggingInputTest, DeadFileIsReleasedAndResumedWhenWrittenAgain) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  appendFile(log, "one\n");
  RecordingFeeder feeder;
  auto c = fastConfig(dir.path(), GetParam());
  c.ignore_dead_log = std::chrono::milliseconds(400);
  c.rescan_interval = std::chrono::milliseconds(100);
  auto in = startInput(c, &feeder);
  ASSERT_TRUE(waitFor([&] { return feeder.size() == 1; }));
  ASSERT_TRUE(waitFor([&] { return in->stats().dead_released.load() == 1; }));
  EXPECT_EQ(in->stats().files_open.load(), 0u);
  appendFile(log, "two\n");  // alive again: reopened at its checkpoint
  ASSERT_TRUE(waitFor([&] { return feeder.size() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  in->stop();
  EXPECT_EQ(feeder.messages(), (Strings{"one", "two"}));
}

TEST_P(LoggingInputTest, MaxOpenFiles) {
  sextant::testing::TempDir dir;
  for (int i = 0; i < 5; ++i) appendFile(dir.path() + "/f" + std::to_string(i) + ".log", "x\n");
  RecordingFeeder feeder;
  auto c = fastConfig(dir.path(), GetParam());
  c.max_open_files = 2;
  auto in = runUntil(c, &feeder, 2, std::chrono::milliseconds(200));
  EXPECT_EQ(feeder.size(), 2u);
  EXPECT_GE(in->stats().skipped_max_open.load(), 3u);
}

TEST_P(LoggingInputTest, BinaryJunkAndHugeLinesDoNotHurt) {
  sextant::testing::TempDir dir;
  std::string log = dir.path() + "/a.log";
  std::mt19937 rng(1);
  std::string junk(1 << 20, '\0');
  for (char& ch : junk) ch = static_cast<char>(rng());
  appendFile(log, junk + "\n");
  appendFile(log, std::string(5 << 20, 'y') + "\nafter\n");  // a 5 MiB line
  RecordingFeeder feeder;
  auto c = fastConfig(dir.path(), GetParam());
  c.decoder.max_line_bytes = 1 << 20;
  c.decoder.auto_multiline = false;
  auto in = startInput(c, &feeder);
  ASSERT_TRUE(waitFor([&] {
    Strings m = feeder.messages();
    return !m.empty() && m.back() == "after";
  }));
  in->stop();
  for (const std::string& m : feeder.messages()) EXPECT_LE(m.size(), (3u << 20));
  EXPECT_GE(feeder.size(), 6u);
}

TEST_P(LoggingInputTest, UnreadableFileIsReportedNotFatal) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads anything";
  sextant::testing::TempDir dir;
  appendFile(dir.path() + "/locked.log", "secret\n");
  ASSERT_EQ(::chmod((dir.path() + "/locked.log").c_str(), 0), 0);
  appendFile(dir.path() + "/open.log", "fine\n");
  RecordingFeeder feeder;
  auto in = runUntil(fastConfig(dir.path(), GetParam()), &feeder, 1, std::chrono::milliseconds(0));
  EXPECT_GE(in->stats().open_errors.load(), 1u);
  EXPECT_FALSE(feeder.errors().empty());
}

INSTANTIATE_TEST_SUITE_P(Discovery, LoggingInputTest, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "inotify" : "polling"; });

TEST(Glob, Matches) {
  EXPECT_TRUE(globMatch("/var/log/*.log", "/var/log/a.log"));
  EXPECT_FALSE(globMatch("/var/log/*.log", "/var/log/x/a.log"));
  EXPECT_TRUE(globMatch("/var/**/*.log", "/var/a.log"));
  EXPECT_TRUE(globMatch("/var/**/*.log", "/var/log/x/y/a.log"));
  EXPECT_TRUE(globMatch("/var/log/[ab]?.log", "/var/log/b1.log"));
  EXPECT_FALSE(globMatch("/var/log/[!ab]?.log", "/var/log/b1.log"));
  EXPECT_TRUE(globMatch("/**", "/x/y"));
}

TEST(Config, ParsesDataKitKeys) {
  auto t = config::ConfigTable::parse(R"(
[[inputs.logging]]
  logfiles = ["/var/log/syslog", "/var/log/**/*.log"]
  ignore = ["/var/log/skip.log"]
  source = "syslog"
  pipeline = "syslog.p"
  character_encoding = "gbk"
  match = '^\S'
  remove_ansi_escape_codes = true
  ignore_dead_log = "10m"
  from_beginning = true
  max_open_files = 10
  mode = "cri"
  [inputs.logging.tags]
    team = "ops"
)",
                                      "logging.conf");
  ASSERT_TRUE(t.isOk());
  auto arr = t->table("inputs");
  ASSERT_TRUE(arr.isOk() && arr->has_value());
  auto list = (*arr)->tableArray("logging");
  ASSERT_TRUE(list.isOk() && list->size() == 1);
  auto c = parseLoggingConfig((*list)[0], {});
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->logfiles.size(), 2u);
  EXPECT_EQ(c->source, "syslog");
  EXPECT_EQ(c->service, "");
  EXPECT_EQ(c->pipeline, "syslog.p");
  EXPECT_EQ(c->decoder.encoding, Encoding::kGbk);
  EXPECT_EQ(c->decoder.multiline_match, "^\\S");
  EXPECT_TRUE(c->decoder.remove_ansi);
  EXPECT_EQ(c->ignore_dead_log, std::chrono::minutes(10));
  EXPECT_TRUE(c->from_beginning);
  EXPECT_EQ(c->max_open_files, 10);
  EXPECT_EQ(c->decoder.mode, LineMode::kCri);
  EXPECT_EQ(c->tags.at("team"), "ops");
}

TEST(Config, SampleConf) {
  std::ifstream in(std::string(SEXTANT_SOURCE_DIR) +
                   "/src/agent/inputs/logging/testdata/logging.conf");
  std::stringstream text;
  text << in.rdbuf();
  auto t = config::ConfigTable::parse(text.str(), "logging.conf");
  ASSERT_TRUE(t.isOk()) << t.status().message();
  auto list = (*t->table("inputs"))->tableArray("logging");
  ASSERT_TRUE(list.isOk() && list->size() == 1);
  auto c = parseLoggingConfig((*list)[0], {});
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->logfiles, (Strings{"/var/log/syslog", "/var/log/message", "/var/log/**/*.log"}));
  EXPECT_EQ(c->source, "default");    // "" means the default
  EXPECT_EQ(c->ignore, (Strings{}));  // [""] ignores nothing
  EXPECT_TRUE(c->decoder.auto_multiline);
  EXPECT_EQ(c->decoder.encoding, Encoding::kUtf8);
  EXPECT_EQ(c->ignore_dead_log, std::chrono::hours(1));
}

TEST(Config, Errors) {
  auto parse = [](const std::string& body) {
    auto t = config::ConfigTable::parse("[[inputs.logging]]\n" + body, "l.conf");
    EXPECT_TRUE(t.isOk());
    auto arr = t->table("inputs");
    auto list = (*arr)->tableArray("logging");
    return parseLoggingConfig((*list)[0], {});
  };
  EXPECT_FALSE(parse("source = 'x'\n").isOk());  // no logfiles
  EXPECT_NE(parse("logfiles = ['/a']\ncharacter_encoding = 'latin1'\n")
                .status()
                .message()
                .find("character_encoding"),
            std::string::npos);
  EXPECT_NE(parse("logfiles = ['/a']\nmultiline_match = '('\n")
                .status()
                .message()
                .find("multiline_match"),
            std::string::npos);
  EXPECT_FALSE(parse("logfiles = ['relative/*.log']\n").isOk());
  auto tiny = parse("logfiles = ['/a']\nmax_line_bytes = 15\n");
  ASSERT_FALSE(tiny.isOk());
  EXPECT_NE(
      tiny.status().message().find("l.conf:3: [inputs.logging] max_line_bytes: must be >= 16"),
      std::string::npos)
      << tiny.status().message();
  EXPECT_TRUE(parse("logfiles = ['/a']\nmax_line_bytes = 16\n").isOk());
  EXPECT_FALSE(parse("logfiles = ['/a']\nsocket_max_connections = 0\n").isOk());
  EXPECT_TRUE(parse("sockets = ['tcp://0.0.0.0:9540']\n").isOk());  // sockets alone
  auto ok = parse("logfiles = ['/a']\n");
  ASSERT_TRUE(ok.isOk());
  EXPECT_EQ(ok->source, "default");
  EXPECT_TRUE(ok->decoder.auto_multiline);
  EXPECT_EQ(ok->max_open_files, 500);
  EXPECT_EQ(ok->ignore_dead_log, std::chrono::hours(1));
}

TEST(Config, EnvOverrides) {
  auto t = config::ConfigTable::parse("[[inputs.logging]]\nlogfiles = ['/a']\n", "l.conf");
  ASSERT_TRUE(t.isOk());
  auto list = (*t->table("inputs"))->tableArray("logging");
  auto c = parseLoggingConfig((*list)[0], {{"LOGFILES", "/b,/c"},
                                           {"SOURCE", "nginx"},
                                           {"TAGS", "a=1,b=2"},
                                           {"FROM_BEGINNING", "true"},
                                           {"IGNORE_DEAD_LOG", "5m"}});
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->logfiles, (Strings{"/a", "/b", "/c"}));
  EXPECT_EQ(c->source, "nginx");
  EXPECT_EQ(c->tags.at("b"), "2");
  EXPECT_TRUE(c->from_beginning);
  EXPECT_EQ(c->ignore_dead_log, std::chrono::minutes(5));
  auto bad = parseLoggingConfig((*list)[0], {{"FROM_BEGINNING", "yes"}});
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("ENV_INPUT_LOGGING_FROM_BEGINNING"), std::string::npos);
}

TEST(Config, RegisterAddsTheFactory) {
  std::vector<InputFactory> list;
  registerLoggingInput(&list);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "logging");
}

}  // namespace
}  // namespace sextant::agent::inputs::logging

// Tests of the container log codecs: hand-written lines shaped as docker's json-file driver and
// containerd/CRI-O write them (expected values written by hand; Unix times from GNU date).
#include "codec/container_log/container_log.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace sextant::codec::container_log {
namespace {

constexpr int64_t kSec = 1'000'000'000;
// date -u -d 2016-10-06T00:17:09Z +%s
constexpr int64_t k20161006 = 1475713029 * kSec;
// date -u -d 2019-01-01T11:11:11Z +%s
constexpr int64_t k20190101 = 1546341071 * kSec;

std::string dockerLine(std::string_view log_json, std::string_view stream = "stdout",
                       std::string_view time = "2019-01-01T11:11:11.111111111Z") {
  return std::string(R"({"log":")") + std::string(log_json) + R"(","stream":")" +
         std::string(stream) + R"(","time":")" + std::string(time) + R"("})";
}

// ---- CRI lines ----

TEST(ContainerLogCri, FullAndPartialLines) {
  Result<LineParts> p =
      parseCriLine("2016-10-06T00:17:09.669794202Z stdout F The content of the log entry 1");
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  EXPECT_EQ(p->time_ns, k20161006 + 669794202);
  EXPECT_EQ(p->stream, Stream::kStdout);
  EXPECT_FALSE(p->partial);
  EXPECT_EQ(p->text, "The content of the log entry 1");

  p = parseCriLine("2016-10-06T00:17:09.669794202Z stderr P First line of log entry 2\n");
  ASSERT_TRUE(p.isOk());
  EXPECT_EQ(p->stream, Stream::kStderr);
  EXPECT_TRUE(p->partial);
  EXPECT_EQ(p->text, "First line of log entry 2");  // the line's "\n" is not content
}

TEST(ContainerLogCri, TextKeepsSpacesAndUnicode) {
  Result<LineParts> p = parseCriLine("2016-10-06T00:17:09Z stdout F   indented\t\"é\" 日本 ");
  ASSERT_TRUE(p.isOk());
  EXPECT_EQ(p->text, "  indented\t\"é\" 日本 ");
}

TEST(ContainerLogCri, EmptyTextAndMultiTag) {
  Result<LineParts> p = parseCriLine("2016-10-06T00:17:09Z stdout F ");
  ASSERT_TRUE(p.isOk());
  EXPECT_EQ(p->text, "");
  p = parseCriLine("2016-10-06T00:17:09Z stdout F");  // trailing space stripped by someone
  ASSERT_TRUE(p.isOk());
  EXPECT_EQ(p->text, "");
  EXPECT_FALSE(p->partial);
  p = parseCriLine("2016-10-06T00:17:09Z stdout P:x:y more");
  ASSERT_TRUE(p.isOk());
  EXPECT_TRUE(p->partial);
  EXPECT_EQ(p->text, "more");
  p = parseCriLine("2016-10-06T00:17:09Z stdout F:P x");
  ASSERT_TRUE(p.isOk());
  EXPECT_FALSE(p->partial);
}

TEST(ContainerLogCri, BadLinesNameTheProblem) {
  struct Case {
    std::string_view line, want;
  };
  for (const Case& c : std::vector<Case>{
           {"", "cri: missing stream"},
           {"hello world", "cri: bad timestamp \"hello\""},
           {"2016-10-06T00:17:09Z", "cri: missing stream"},
           {"2016-10-06T00:17:09Z stdin F x", "cri: unknown stream \"stdin\""},
           {"2016-10-06T00:17:09Z STDOUT F x", "cri: unknown stream"},
           {"2016-10-06T00:17:09Z stdout", "cri: missing tag"},
           {"2016-10-06T00:17:09Z stdout X text", "cri: bad tag \"X\""},
           {"2016-10-06T00:17:09Z stdout  text", "cri: bad tag \"\""},
           {"2016-10-06T00:17:09Z stdout :F text", "cri: bad tag"},
           {"2016-10-06T00:17:09Z stdout Partial text", "cri: bad tag"},
           {"2016-10-06T25:17:09Z stdout F text", "cri: bad timestamp"},
       }) {
    Result<LineParts> p = parseCriLine(c.line);
    ASSERT_FALSE(p.isOk()) << c.line;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.want), std::string::npos)
        << c.line << " -> " << p.status().message();
  }
}

TEST(ContainerLogCri, ErrorExcerptIsBoundedAndPrintable) {
  std::string line = "\x01\xff" + std::string(1000, 'a') + " stdout F x";
  Result<LineParts> p = parseCriLine(line);
  ASSERT_FALSE(p.isOk());
  EXPECT_LT(p.status().message().size(), 100u);
  EXPECT_NE(p.status().message().find("\\x01\\xff"), std::string::npos);
}

// ---- docker lines ----

TEST(ContainerLogDocker, FinalLine) {
  DockerLineParser d;
  Result<LineParts> p = d.parse(
      R"({"log":"Log line is here\n","stream":"stdout","time":"2019-01-01T11:11:11.111111111Z"})");
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  EXPECT_EQ(p->time_ns, k20190101 + 111111111);
  EXPECT_EQ(p->stream, Stream::kStdout);
  EXPECT_FALSE(p->partial);
  EXPECT_EQ(p->text, "Log line is here");
}

TEST(ContainerLogDocker, EscapesAndUnicode) {
  DockerLineParser d;
  // \" \\ \t \u00e9 (é), a surrogate pair (U+1F600), raw UTF-8 and \u003c as Go escapes '<'.
  Result<LineParts> p = d.parse(
      dockerLine(R"(say \"hi\" C:\\dir\tcaf\u00e9 \ud83d\ude00 日本 \u003cb\u003e\r\n)", "stderr"));
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  EXPECT_EQ(p->stream, Stream::kStderr);
  EXPECT_FALSE(p->partial);
  EXPECT_EQ(p->text, "say \"hi\" C:\\dir\tcaf\xc3\xa9 \xf0\x9f\x98\x80 日本 <b>\r");
}

TEST(ContainerLogDocker, KeyOrderExtraKeysAndTrailingNewline) {
  DockerLineParser d;
  Result<LineParts> p = d.parse(
      "{\"time\":\"2019-01-01T11:11:11Z\",\"attrs\":{\"tag\":\"web\",\"x\":[1,2]},"
      "\"stream\":\"stdout\", \"log\":\"a\"}\n");
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  EXPECT_EQ(p->time_ns, k20190101);
  EXPECT_TRUE(p->partial);  // no "\n": a 16 KiB piece
  EXPECT_EQ(p->text, "a");
}

TEST(ContainerLogDocker, BadLinesNameTheProblem) {
  struct Case {
    std::string line;
    std::string_view want;
  };
  DockerLineParser d;
  for (const Case& c : std::vector<Case>{
           {"", "docker: invalid JSON"},
           {"{\"log\":\"x\\n\",\"stream\":\"stdout\"", "docker: invalid JSON"},
           {"{\"log\":\"\\q\",\"stream\":\"stdout\",\"time\":\"2019-01-01T11:11:11Z\"}",
            "docker: invalid JSON"},
           {"[1,2]", "docker: not a JSON object"},
           {R"({"stream":"stdout","time":"2019-01-01T11:11:11Z"})", "docker: missing log"},
           {R"({"log":"x\n","time":"2019-01-01T11:11:11Z"})", "docker: missing stream"},
           {R"({"log":"x\n","stream":"stdout"})", "docker: missing time"},
           {R"({"log":5,"stream":"stdout","time":"2019-01-01T11:11:11Z"})",
            "docker: log is not a string"},
           {dockerLine("x", "stdin"), "docker: unknown stream \"stdin\""},
           {R"({"log":"x","stream":1,"time":"2019-01-01T11:11:11Z"})", "docker: unknown stream"},
           {dockerLine("x", "stdout", "yesterday"), "docker: bad timestamp \"yesterday\""},
           {R"({"log":"x","stream":"stdout","time":12})", "docker: time is not a string"},
           {"2016-10-06T00:17:09Z stdout F x", "docker: invalid JSON"},
       }) {
    Result<LineParts> p = d.parse(c.line);
    ASSERT_FALSE(p.isOk()) << c.line;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.want), std::string::npos)
        << c.line << " -> " << p.status().message();
  }
  // Lines beyond kMaxDockerLineBytes are refused before parsing.
  Result<LineParts> huge = d.parse(dockerLine(std::string(kMaxDockerLineBytes, 'a') + "\\n"));
  ASSERT_FALSE(huge.isOk());
  EXPECT_NE(huge.status().message().find("docker: invalid JSON"), std::string::npos);
  // The parser is still usable after errors.
  EXPECT_TRUE(d.parse(dockerLine("ok\\n")).isOk());
}

// ---- detect ----

TEST(ContainerLogDetect, BothFormatsAndNeither) {
  EXPECT_EQ(detect(dockerLine("x\\n")), Format::kDockerJson);
  EXPECT_EQ(detect(" {\"log\":\"x\"}"), Format::kDockerJson);  // "log" is enough
  EXPECT_EQ(detect("2016-10-06T00:17:09.669794202Z stdout F hello"), Format::kCri);
  EXPECT_EQ(detect("2020-12-09T16:11:40.123456789+00:00 stderr P x\n"), Format::kCri);
  EXPECT_EQ(detect("{\"msg\":\"x\"}"), std::nullopt);
  EXPECT_EQ(detect("{\"log\":"), std::nullopt);
  EXPECT_EQ(detect("I1019 23:13:24.378280 1 deployment.go:160] collected"), std::nullopt);
  EXPECT_EQ(detect(""), std::nullopt);
}

// ---- Reassembler ----

std::vector<LogRecord> feedAll(Reassembler* r, const std::vector<std::string>& lines) {
  std::vector<LogRecord> out;
  for (const std::string& l : lines) EXPECT_TRUE(r->feed(l, &out).isOk()) << l;
  return out;
}

TEST(ContainerLogReassembler, DockerSingleLinesAndCrlfAndEmpty) {
  Reassembler r(Format::kDockerJson);
  std::vector<LogRecord> out =
      feedAll(&r, {dockerLine("one\\n"), dockerLine("two\\r\\n", "stderr"), dockerLine("\\n")});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].message, "one");
  EXPECT_EQ(out[0].stream, Stream::kStdout);
  EXPECT_EQ(out[0].time_ns, k20190101 + 111111111);
  EXPECT_FALSE(out[0].partial_reassembled);
  EXPECT_EQ(out[1].message, "two");
  EXPECT_EQ(out[1].stream, Stream::kStderr);
  EXPECT_EQ(out[2].message, "");
  EXPECT_EQ(r.stats().records, 3u);
  EXPECT_EQ(r.stats().lines, 3u);
}

TEST(ContainerLogReassembler, DockerLongLineIn16KiBPieces) {
  // A 40000-byte line: docker writes 16384 + 16384 + 7232 bytes, "\n" on the last piece only.
  std::string big;
  for (int i = 0; i < 40000; ++i) big += static_cast<char>('a' + i % 26);
  Reassembler r(Format::kDockerJson);
  std::vector<LogRecord> out;
  ASSERT_TRUE(
      r.feed(dockerLine(big.substr(0, 16384), "stdout", "2019-01-01T11:11:11Z"), &out).isOk());
  ASSERT_TRUE(
      r.feed(dockerLine(big.substr(16384, 16384), "stdout", "2019-01-01T11:11:12Z"), &out).isOk());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r.pendingBytes(), 32768u);
  ASSERT_TRUE(
      r.feed(dockerLine(big.substr(32768) + "\\n", "stdout", "2019-01-01T11:11:13Z"), &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message, big);
  EXPECT_EQ(out[0].time_ns, k20190101);  // the first piece's time
  EXPECT_TRUE(out[0].partial_reassembled);
  EXPECT_FALSE(out[0].truncated);
  EXPECT_FALSE(out[0].unterminated);
  EXPECT_EQ(r.pendingBytes(), 0u);
}

TEST(ContainerLogReassembler, CriInterleavedStdoutStderr) {
  Reassembler r(Format::kCri);
  std::vector<LogRecord> out = feedAll(&r, {
                                               "2016-10-06T00:17:09.000000001Z stdout P out-a ",
                                               "2016-10-06T00:17:09.000000002Z stderr P err-a ",
                                               "2016-10-06T00:17:09.000000003Z stdout P out-b ",
                                               "2016-10-06T00:17:09.000000004Z stderr F err-b",
                                               "2016-10-06T00:17:09.000000005Z stdout F out-c\n",
                                               "2016-10-06T00:17:09.000000006Z stdout F single",
                                           });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].stream, Stream::kStderr);
  EXPECT_EQ(out[0].message, "err-a err-b");
  EXPECT_EQ(out[0].time_ns, k20161006 + 2);
  EXPECT_TRUE(out[0].partial_reassembled);
  EXPECT_EQ(out[1].stream, Stream::kStdout);
  EXPECT_EQ(out[1].message, "out-a out-b out-c");
  EXPECT_EQ(out[1].time_ns, k20161006 + 1);
  EXPECT_EQ(out[2].message, "single");
  EXPECT_FALSE(out[2].partial_reassembled);
}

TEST(ContainerLogReassembler, CriCrlfSplitAcrossParts) {
  Reassembler r(Format::kCri);
  std::vector<LogRecord> out =
      feedAll(&r, {"2016-10-06T00:17:09Z stdout P windows\r", "2016-10-06T00:17:09Z stdout F ",
                   "2016-10-06T00:17:09Z stdout F \r", "2016-10-06T00:17:09Z stdout F a\rb"});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].message, "windows");
  EXPECT_EQ(out[1].message, "");
  EXPECT_EQ(out[2].message, "a\rb");  // only a line-ending '\r' goes
}

TEST(ContainerLogReassembler, BadLineEndsPendingRecords) {
  Reassembler r(Format::kCri);
  std::vector<LogRecord> out;
  ASSERT_TRUE(r.feed("2016-10-06T00:17:09Z stdout P half of stdout", &out).isOk());
  ASSERT_TRUE(r.feed("2016-10-06T00:17:10Z stderr P half of stderr", &out).isOk());
  Status st = r.feed("garbage in the middle", &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].stream, Stream::kStdout);
  EXPECT_EQ(out[0].message, "half of stdout");
  EXPECT_TRUE(out[0].unterminated);
  EXPECT_EQ(out[1].message, "half of stderr");
  EXPECT_TRUE(out[1].unterminated);
  // The rest of the split line is a record of its own.
  ASSERT_TRUE(r.feed("2016-10-06T00:17:11Z stdout F tail", &out).isOk());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].message, "tail");
  EXPECT_FALSE(out[2].unterminated);
  Reassembler::Stats s = r.stats();
  EXPECT_EQ(s.lines, 4u);
  EXPECT_EQ(s.bad_lines, 1u);
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.unterminated, 2u);
}

TEST(ContainerLogReassembler, BadDockerLineCounted) {
  Reassembler r(Format::kDockerJson);
  std::vector<LogRecord> out;
  EXPECT_FALSE(r.feed("{\"log\":\"truncated by a cra", &out).isOk());
  EXPECT_FALSE(r.feed("2016-10-06T00:17:09Z stdout F cri in a docker file", &out).isOk());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r.stats().bad_lines, 2u);
  EXPECT_EQ(r.stats().records, 0u);
}

TEST(ContainerLogReassembler, TruncatesAtTheCapAndDropsTheRest) {
  Reassembler r(Format::kCri, 10);
  std::vector<LogRecord> out = feedAll(&r, {
                                               "2016-10-06T00:17:09Z stdout P 123456",
                                               "2016-10-06T00:17:09Z stdout P 7890abc",
                                               "2016-10-06T00:17:09Z stdout P dropped",
                                               "2016-10-06T00:17:09Z stdout F dropped too",
                                               "2016-10-06T00:17:09Z stdout F next",
                                               "2016-10-06T00:17:09Z stdout F 0123456789",
                                               "2016-10-06T00:17:09Z stdout F 0123456789X",
                                           });
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].message, "1234567890");
  EXPECT_TRUE(out[0].truncated);
  EXPECT_TRUE(out[0].partial_reassembled);
  EXPECT_EQ(out[1].message, "next");
  EXPECT_FALSE(out[1].truncated);
  EXPECT_EQ(out[2].message, "0123456789");  // exactly the cap fits
  EXPECT_FALSE(out[2].truncated);
  EXPECT_EQ(out[3].message, "0123456789");
  EXPECT_TRUE(out[3].truncated);
  EXPECT_EQ(r.stats().truncated, 2u);
  EXPECT_EQ(r.pendingBytes(), 0u);
}

TEST(ContainerLogReassembler, TruncationKeepsUtf8Whole) {
  Reassembler r(Format::kCri, 5);
  std::vector<LogRecord> out = feedAll(&r, {"2016-10-06T00:17:09Z stdout F abcé",  // 5 bytes
                                            "2016-10-06T00:17:09Z stdout F abcdé"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].message, "abc\xc3\xa9");
  EXPECT_FALSE(out[0].truncated);
  EXPECT_EQ(out[1].message, "abcd");  // not half of the é
  EXPECT_TRUE(out[1].truncated);
}

TEST(ContainerLogReassembler, TruncationDropsACharacterSplitAcrossParts) {
  // containerd splits bytes: "é" (c3 a9) straddles two parts.
  std::vector<std::string> lines = {"2016-10-06T00:17:09Z stdout P abc\xc3",
                                    "2016-10-06T00:17:09Z stdout F \xa9"
                                    "def"};
  Reassembler r5(Format::kCri, 5);
  std::vector<LogRecord> out = feedAll(&r5, lines);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message, "abc\xc3\xa9");
  EXPECT_TRUE(out[0].truncated);
  Reassembler r4(Format::kCri, 4);
  out = feedAll(&r4, lines);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message, "abc");
  EXPECT_TRUE(out[0].truncated);
  Reassembler whole(Format::kCri);
  out = feedAll(&whole, lines);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message,
            "abc\xc3\xa9"
            "def");
}

TEST(ContainerLogReassembler, FlushEmitsPendingStdoutFirst) {
  Reassembler r(Format::kDockerJson);
  std::vector<LogRecord> out =
      feedAll(&r, {dockerLine("err no newline", "stderr"), dockerLine("out part ", "stdout"),
                   dockerLine("2", "stdout")});
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r.pendingBytes(), 14u + 10u);
  r.flush(&out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].stream, Stream::kStdout);
  EXPECT_EQ(out[0].message, "out part 2");
  EXPECT_TRUE(out[0].unterminated);
  EXPECT_TRUE(out[0].partial_reassembled);
  EXPECT_EQ(out[1].message, "err no newline");
  EXPECT_TRUE(out[1].unterminated);
  EXPECT_FALSE(out[1].partial_reassembled);
  EXPECT_EQ(r.pendingBytes(), 0u);
  r.flush(&out);  // nothing more
  EXPECT_EQ(out.size(), 2u);
}

TEST(ContainerLogReassembler, FlushAfterTruncationEmitsNothingMore) {
  Reassembler r(Format::kCri, 4);
  std::vector<LogRecord> out = feedAll(&r, {"2016-10-06T00:17:09Z stdout P 123456"});
  ASSERT_EQ(out.size(), 1u);
  r.flush(&out);
  EXPECT_EQ(out.size(), 1u);
  // After the flush a new record starts fresh.
  ASSERT_TRUE(r.feed("2016-10-06T00:17:09Z stdout F ab", &out).isOk());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].message, "ab");
}

}  // namespace
}  // namespace sextant::codec::container_log

#include "agent/inputs/logging/line_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sextant::agent::inputs::logging {
namespace {

std::unique_ptr<LineDecoder> make(const DecoderOptions& o, uint64_t start = 0) {
  auto d = LineDecoder::create(o, start);
  EXPECT_TRUE(d.isOk()) << d.status().message();
  return std::move(*d);
}

std::vector<std::string> messages(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.message);
  return out;
}

// UTF-16 encoding of code points, written here from the definition (RFC 2781).
std::string utf16(const std::vector<uint32_t>& cps, bool little) {
  std::string out;
  auto unit = [&](uint16_t u) {
    char lo = static_cast<char>(u & 0xFF);
    char hi = static_cast<char>(u >> 8);
    if (little) {
      out.push_back(lo);
      out.push_back(hi);
    } else {
      out.push_back(hi);
      out.push_back(lo);
    }
  };
  for (uint32_t cp : cps) {
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      unit(static_cast<uint16_t>(0xD800 + (v >> 10)));
      unit(static_cast<uint16_t>(0xDC00 + (v & 0x3FF)));
    } else {
      unit(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

TEST(LineDecoder, SplitsLinesAndHoldsThePartialOne) {
  auto d = make({}, 100);
  std::vector<Entry> out;
  d->push("one\ntwo\r\nthr", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(d->offset(), 112u);
  EXPECT_EQ(d->safeOffset(), 109u);  // the start of "thr"
  d->push("ee\n\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"one", "two", "three", ""}));
  EXPECT_EQ(d->safeOffset(), 116u);
  d->push("tail", &out);
  d->finish(&out);
  EXPECT_EQ(out.back().message, "tail");
  EXPECT_EQ(d->safeOffset(), 120u);
}

TEST(LineDecoder, CutsLongLinesIntoPieces) {
  DecoderOptions o;
  o.max_line_bytes = 1000;
  auto d = make(o);
  std::vector<Entry> out;
  std::string big(10 * 1000 + 5, 'x');
  // Fed in odd-sized pieces: the partial line is cut as it grows.
  for (size_t i = 0; i < big.size(); i += 333) d->push(std::string_view(big).substr(i, 333), &out);
  EXPECT_LE(d->bufferedBytes(), 1000u);
  d->push("\nnext\n", &out);
  ASSERT_EQ(out.size(), 12u);
  size_t total = 0;
  for (size_t i = 0; i < 11; ++i) {
    EXPECT_LE(out[i].message.size(), 1000u);
    total += out[i].message.size();
  }
  EXPECT_EQ(total, big.size());
  EXPECT_EQ(out[11].message, "next");
  EXPECT_EQ(d->stats().cut_lines, 10u);
}

TEST(LineDecoder, CutNeverSplitsAUtf8Character) {
  DecoderOptions o;
  o.max_line_bytes = 16;
  auto d = make(o);
  std::vector<Entry> out;
  std::string line;
  for (int i = 0; i < 20; ++i) line += "\xE4\xB8\x96";  // U+4E16, 3 bytes
  d->push(line + "\n", &out);
  std::string joined;
  for (const Entry& e : out) {
    EXPECT_EQ(e.message.size() % 3, 0u) << e.message.size();
    joined += e.message;
  }
  EXPECT_EQ(joined, line);
  EXPECT_EQ(d->stats().bad_bytes, 0u);
}

TEST(LineDecoder, ReplacesInvalidUtf8) {
  auto d = make({});
  std::vector<Entry> out;
  d->push(
      "a\xFF"
      "b\xC3\n",
      &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(d->stats().bad_bytes, 2u);
}

TEST(LineDecoder, ExplicitMultiline) {
  DecoderOptions o;
  o.multiline_match = R"(^\S)";
  auto d = make(o);
  std::vector<Entry> out;
  d->push("Exception: boom\n  at a\n  at b\nnext entry\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"Exception: boom\n  at a\n  at b"}));
  EXPECT_TRUE(d->hasPendingEntry());
  EXPECT_EQ(d->safeOffset(), 30u);  // "next entry" starts at 30 and is not emitted yet
  d->flushPending(&out);
  EXPECT_EQ(out.back().message, "next entry");
  EXPECT_EQ(d->safeOffset(), 41u);
}

TEST(LineDecoder, MultilineLimitsLinesPerEntry) {
  DecoderOptions o;
  o.multiline_match = "^start";
  o.max_lines_per_entry = 3;
  auto d = make(o);
  std::vector<Entry> out;
  d->push("start\n1\n2\n3\n4\nstart\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"start\n1\n2", "3\n4"}));
}

TEST(LineDecoder, AutoMultilineUsesTimestampPatterns) {
  DecoderOptions o;
  o.auto_multiline = true;
  auto d = make(o);
  std::vector<Entry> out;
  d->push(
      "plain before\n"
      "2024-01-02 10:00:00,123 ERROR x\n"
      "\tat foo\n"
      "\tat bar\n"
      "2024-01-02 10:00:01,000 INFO y\n",
      &out);
  d->finish(&out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"plain before",
                                                     "2024-01-02 10:00:00,123 ERROR x\n\tat "
                                                     "foo\n\tat bar",
                                                     "2024-01-02 10:00:01,000 INFO y"}));
}

TEST(LineDecoder, AutoMultilineExtraPatternComesFirst) {
  DecoderOptions o;
  o.auto_multiline = true;
  o.auto_extra_patterns = {"^BEGIN"};
  auto d = make(o);
  std::vector<Entry> out;
  d->push("BEGIN 1\nmore\nBEGIN 2\n", &out);
  d->finish(&out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"BEGIN 1\nmore", "BEGIN 2"}));
}

TEST(LineDecoder, BadRegexpIsAnError) {
  DecoderOptions o;
  o.multiline_match = "(";
  auto d = LineDecoder::create(o, 0);
  ASSERT_FALSE(d.isOk());
  EXPECT_NE(d.status().message().find("multiline_match"), std::string::npos);
}

TEST(LineDecoder, Gbk) {
  DecoderOptions o;
  o.encoding = Encoding::kGbk;
  auto d = make(o);
  std::vector<Entry> out;
  // "你好" and "世界" in GBK (code chart: C4E3 BAC3, CAC0 BDE7), split inside a character.
  d->push("\xC4\xE3\xBA", &out);
  d->push("\xC3\n\xCA\xC0\xBD\xE7\r\n", &out);
  EXPECT_EQ(messages(out),
            (std::vector<std::string>{"\xE4\xBD\xA0\xE5\xA5\xBD", "\xE4\xB8\x96\xE7\x95\x8C"}));
}

TEST(LineDecoder, Gb18030FourByteSequence) {
  DecoderOptions o;
  o.encoding = Encoding::kGb18030;
  auto d = make(o);
  std::vector<Entry> out;
  // U+0080 is the first four-byte code, 0x81 0x30 0x81 0x30 (UTF-8 C2 80); U+00E9 (é) is the
  // two-byte 0xA8 0xA6 (UTF-8 C3 A9).
  d->push("caf\xA8\xA6 \x81\x30\x81\x30\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"caf\xC3\xA9 \xC2\x80"}));
}

TEST(LineDecoder, Utf16LittleAndBigEndian) {
  for (bool little : {true, false}) {
    DecoderOptions o;
    o.encoding = little ? Encoding::kUtf16le : Encoding::kUtf16be;
    auto d = make(o);
    std::vector<Entry> out;
    std::string bytes =
        utf16({0xFEFF, 'h', 'i', '\n', 0x4E16, 0x1F600, '\r', '\n', 0x0A0D}, little);
    bytes += utf16({'\n'}, little);
    // Pushed one byte at a time: newline units must be found on unit boundaries only (U+0A0D
    // holds both bytes of a newline in the wrong order).
    for (char c : bytes) d->push(std::string_view(&c, 1), &out);
    EXPECT_EQ(messages(out),
              (std::vector<std::string>{"hi", "\xE4\xB8\x96\xF0\x9F\x98\x80", "\xE0\xA8\x8D"}))
        << (little ? "le" : "be");
    EXPECT_EQ(d->safeOffset(), bytes.size());
  }
}

TEST(LineDecoder, InvalidUtf16IsReplaced) {
  DecoderOptions o;
  o.encoding = Encoding::kUtf16le;
  auto d = make(o);
  std::vector<Entry> out;
  std::string bytes = utf16({'a'}, true) + std::string("\x00\xDC", 2) /* lone low surrogate */ +
                      utf16({'b', '\n'}, true);
  d->push(bytes, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message,
            "a\xEF\xBF\xBD"
            "b");
}

TEST(LineDecoder, RemovesAnsiEscapes) {
  EXPECT_EQ(removeAnsiEscapes("\x1B[1;31mred\x1B[0m plain \x1B]0;title\x07"
                              "end\x1B"
                              "c!"),
            "red plain end!");
  EXPECT_EQ(removeAnsiEscapes("no escapes"), "no escapes");
  EXPECT_EQ(removeAnsiEscapes("cut \x1B["), "cut ");
  // A malformed CSI ends before the byte that breaks it; an ESC before a multi-byte character
  // goes alone: the result stays valid UTF-8 (a fuzzer finding).
  EXPECT_EQ(removeAnsiEscapes("a\x1B[\xC3\xA9"
                              "b"),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(removeAnsiEscapes("a\x1B\xC3\xA9"), "a\xC3\xA9");
  DecoderOptions o;
  o.remove_ansi = true;
  auto d = make(o);
  std::vector<Entry> out;
  d->push("\x1B[32mINFO\x1B[0m ok\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"INFO ok"}));
}

TEST(LineDecoder, DockerModeReassemblesPartials) {
  DecoderOptions o;
  o.mode = LineMode::kDocker;
  auto d = make(o);
  std::vector<Entry> out;
  std::string l1 = R"({"log":"hel","stream":"stdout","time":"2019-01-01T11:11:11.111111111Z"})";
  std::string l2 = R"({"log":"lo\n","stream":"stdout","time":"2019-01-01T11:11:11.2Z"})";
  d->push(l1 + "\n", &out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d->safeOffset(), 0u);  // the partial record's first line
  d->push(l2 + "\nnot json\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"hello"}));
  EXPECT_EQ(d->stats().bad_container_lines, 1u);
  EXPECT_EQ(d->safeOffset(), d->offset());
}

TEST(LineDecoder, CriMode) {
  DecoderOptions o;
  o.mode = LineMode::kCri;
  auto d = make(o);
  std::vector<Entry> out;
  d->push(
      "2016-10-06T00:17:09.669794202Z stdout P part1 \n"
      "2016-10-06T00:17:09.669794203Z stderr F err\n"
      "2016-10-06T00:17:09.669794204Z stdout F part2\n",
      &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"err", "part1 part2"}));
}

TEST(LineDecoder, ResetAfterTruncation) {
  auto d = make({});
  std::vector<Entry> out;
  d->push("abc\npartial", &out);
  d->reset(0);
  EXPECT_EQ(d->safeOffset(), 0u);
  d->push("new\n", &out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"abc", "new"}));
  EXPECT_EQ(d->offset(), 4u);
}

TEST(LineDecoder, ParsesOptionNames) {
  EXPECT_EQ(*parseEncoding("GBK"), Encoding::kGbk);
  EXPECT_EQ(*parseEncoding(""), Encoding::kUtf8);
  EXPECT_EQ(*parseEncoding("utf-16be"), Encoding::kUtf16be);
  EXPECT_FALSE(parseEncoding("latin1").isOk());
  EXPECT_EQ(*parseLineMode("cri"), LineMode::kCri);
  EXPECT_FALSE(parseLineMode("json").isOk());
}

}  // namespace
}  // namespace sextant::agent::inputs::logging

#include "codec/sourcemap/sourcemap.h"

#include <gtest/gtest.h>

#include "core/testing/read_file.h"

namespace sextant::codec::sourcemap {
namespace {

using ::sextant::testing::readFile;

const std::string kDir =
    std::string(SEXTANT_SOURCE_DIR) + "/src/codec/sourcemap/testdata/rolldown/";

// Hand-encoded mappings (VLQ: A=0 C=1 D=-1 E=2 I=4 K=5 gB=16):
//   line 0: [0 -> a.js 0:0] [4 -> a.js 1:2 foo] [20 -> b.js 0:1 bar]
//   line 1: [2 (no source)] [7 -> b.js 0:1]
//   line 2: (empty)
//   line 3: [0 -> b.js 2:1]
constexpr std::string_view kSmall = R"({"version":3,"file":"app.min.js","sourceRoot":"src",
  "sources":["a.js","b.js"],"names":["foo","bar"],
  "mappings":"AAAA,IACEA,gBCDDC;E,KAAA;;AAEA"})";

SourceMap parse(std::string_view json) {
  auto m = parseSourceMap(json);
  EXPECT_TRUE(m.isOk()) << m.status().toString();
  return std::move(m).value();
}

void expectPos(const SourceMap& m, uint32_t line, uint32_t col, const std::string& source,
               uint32_t oline, uint32_t ocol, const std::string& name) {
  auto p = m.lookup(line, col);
  ASSERT_TRUE(p.has_value()) << line << ":" << col;
  EXPECT_EQ(p->source, source) << line << ":" << col;
  EXPECT_EQ(p->line, oline) << line << ":" << col;
  EXPECT_EQ(p->column, ocol) << line << ":" << col;
  EXPECT_EQ(p->name, name) << line << ":" << col;
}

TEST(SourceMap, HandEncodedLookups) {
  SourceMap m = parse(kSmall);
  EXPECT_EQ(m.sources(), (std::vector<std::string>{"src/a.js", "src/b.js"}));
  EXPECT_EQ(m.segmentCount(), 6u);
  expectPos(m, 0, 0, "src/a.js", 0, 0, "");
  expectPos(m, 0, 3, "src/a.js", 0, 0, "");
  expectPos(m, 0, 4, "src/a.js", 1, 2, "foo");
  expectPos(m, 0, 19, "src/a.js", 1, 2, "foo");
  expectPos(m, 0, 20, "src/b.js", 0, 1, "bar");
  expectPos(m, 0, 100000, "src/b.js", 0, 1, "bar");
  EXPECT_FALSE(m.lookup(1, 0).has_value());  // before the first segment
  EXPECT_FALSE(m.lookup(1, 2).has_value());  // a 1-field segment
  expectPos(m, 1, 7, "src/b.js", 0, 1, "");
  EXPECT_FALSE(m.lookup(2, 5).has_value());
  expectPos(m, 3, 0, "src/b.js", 2, 1, "");
  EXPECT_FALSE(m.lookup(4, 0).has_value());
  EXPECT_FALSE(m.lookup(UINT32_MAX, 0).has_value());
}

TEST(SourceMap, SourceRootAndNullSources) {
  SourceMap m = parse(
      R"({"version":3,"sourceRoot":"webpack:///src/","sources":["x.js",null,"https://cdn/y.js"],
          "names":[],"mappings":"AAAA,CCAA,CCAA"})");
  EXPECT_EQ(m.sources(), (std::vector<std::string>{"webpack:///src/x.js", "", "https://cdn/y.js"}));
  expectPos(m, 0, 2, "https://cdn/y.js", 0, 0, "");
  SourceMap no_root = parse(R"({"version":3,"sources":["x.js"],"mappings":"AAAA"})");
  EXPECT_EQ(no_root.sources()[0], "x.js");
  EXPECT_TRUE(no_root.names().empty());
}

TEST(SourceMap, Errors) {
  auto err = [](std::string_view json) { return parseSourceMap(json).status(); };
  EXPECT_EQ(err("not json").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(err("[]").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(err(R"({"version":2,"sources":[],"mappings":""})").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(err(R"({"version":3,"sections":[]})").code(), StatusCode::kUnimplemented);
  EXPECT_EQ(err(R"({"version":3,"mappings":""})").code(), StatusCode::kInvalidArgument);
  Status s = err(R"({"version":3,"sources":["a"],"mappings":"AAAA;AA!A"})");
  EXPECT_EQ(s.message(),
            "sourcemap mappings: generated line 2, segment 1: invalid base64 character '!'");
  s = err(R"({"version":3,"sources":["a"],"mappings":"AAAA,AA"})");
  EXPECT_EQ(s.message(),
            "sourcemap mappings: generated line 1, segment 2: 2 fields (1, 4 or 5 expected)");
  s = err(R"({"version":3,"sources":["a"],"names":["n"],"mappings":"AAAAAA"})");
  EXPECT_NE(s.message().find("more than 5 fields"), std::string::npos);
  s = err(R"({"version":3,"sources":["a"],"mappings":"ACAA"})");  // source 1 of 1
  EXPECT_NE(s.message().find("source index out of range"), std::string::npos);
  s = err(R"({"version":3,"sources":["a"],"names":[],"mappings":"AAAAA"})");
  EXPECT_NE(s.message().find("name index out of range"), std::string::npos);
  s = err(R"({"version":3,"sources":["a"],"mappings":"AADA"})");  // line -1
  EXPECT_NE(s.message().find("negative original position"), std::string::npos);
  s = err(R"({"version":3,"sources":["a"],"mappings":"D"})");  // column -1
  EXPECT_NE(s.message().find("negative generated column"), std::string::npos);
  s = err(R"({"version":3,"sources":["a"],"mappings":"gggggggB"})");
  EXPECT_NE(s.message().find("beyond 32 bits"), std::string::npos);
  s = err(R"({"version":3,"sources":["a"],"mappings":"g"})");
  EXPECT_NE(s.message().find("truncated"), std::string::npos);
}

TEST(StackFrame, Forms) {
  auto f = parseStackFrame("  at a.hideDetail @ http://localhost:8080/static/js/app.js:1:1037");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->indent, "  ");
  EXPECT_EQ(f->function, "a.hideDetail");
  EXPECT_EQ(f->url, "http://localhost:8080/static/js/app.js");
  EXPECT_EQ(f->line, 1u);
  EXPECT_EQ(f->column, 1037u);
  f = parseStackFrame("    at async Foo.bar (https://h/x.js:12:34)\r");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->function, "async Foo.bar");
  EXPECT_EQ(f->url, "https://h/x.js");
  EXPECT_EQ(f->line, 12u);
  EXPECT_EQ(f->column, 34u);
  f = parseStackFrame("    at https://h/x.js:3:4");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->function, "");
  EXPECT_EQ(f->url, "https://h/x.js");
  f = parseStackFrame("render/<@https://h/x.js:7:8");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->indent, "");
  EXPECT_EQ(f->function, "render/<");
  EXPECT_EQ(f->line, 7u);
  f = parseStackFrame("@https://h/x.js:7:8");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->function, "");
  EXPECT_FALSE(parseStackFrame("TypeError: x is not a function").has_value());
  EXPECT_FALSE(parseStackFrame("    at <anonymous>").has_value());
  EXPECT_FALSE(parseStackFrame("    at Array.map (native)").has_value());
  EXPECT_FALSE(parseStackFrame("    at foo https://h/x.js:1:2").has_value());
  EXPECT_FALSE(parseStackFrame("value 1:2").has_value());
  EXPECT_FALSE(parseStackFrame("https://h/x.js:1:2)").has_value());
  EXPECT_FALSE(parseStackFrame("  at f @ https://h/x.js:1:99999999999").has_value());
}

TEST(SymbolicateStack, AllFormsAgainstTheHandMap) {
  SourceMap m = parse(kSmall);
  MapResolver resolve = [&](std::string_view url) -> const SourceMap* {
    return url == "https://h/app.min.js" ? &m : nullptr;
  };
  std::string stack =
      "TypeError: boom\n"
      "  at foo @ https://h/app.min.js:1:21\n"
      "    at https://h/app.min.js:4:1\r\n"
      "bar@https://h/app.min.js:1:5\n"
      "@https://h/app.min.js:1:5\n"
      "    at new Foo (https://h/app.min.js:1:5)\n"
      "    at native code\n"
      "    at x (https://other/y.js:1:1)\n"
      "    at y (https://h/app.min.js:3:1)";
  SymbolicatedStack out = symbolicateStack(stack, resolve);
  EXPECT_EQ(out.text,
            "TypeError: boom\n"
            "  at foo @ src/b.js:1:1\n"
            "    at <anonymous> @ src/b.js:3:1\r\n"
            "at bar @ src/a.js:2:2\n"
            "at foo @ src/a.js:2:2\n"
            "    at new Foo @ src/a.js:2:2\n"
            "    at native code\n"
            "    at x (https://other/y.js:1:1)\n"
            "    at y (https://h/app.min.js:3:1)");
  EXPECT_EQ(out.frames, 7u);
  EXPECT_EQ(out.mapped, 5u);
  EXPECT_EQ(symbolicateStack("", resolve).text, "");
  EXPECT_EQ(symbolicateStack("a\n\nb\n", resolve).text, "a\n\nb\n");
}

// A map made by a real bundler (testdata/rolldown/gen.sh: rolldown --minify --sourcemap). The
// expected original positions were read off app.js / util.js by hand and agree with Node's
// module.SourceMap.findEntry on the same map.
TEST(SymbolicateStack, RolldownBundle) {
  std::string code = readFile(kDir + "app.min.js");
  SourceMap m = parse(readFile(kDir + "app.min.js.map"));
  EXPECT_EQ(m.sources(), (std::vector<std::string>{"../../util.js", "../../app.js"}));
  auto frame = [&](std::string_view fn, std::string_view needle) {
    size_t col = code.find(needle);
    EXPECT_NE(col, std::string::npos) << needle;
    EXPECT_EQ(code.find(needle, col + 1), std::string::npos) << needle << " is not unique";
    return "  at " + std::string(fn) +
           " @ https://shop.example.com/js/app.min.js:1:" + std::to_string(col + 1);
  };
  std::string stack = "Error: sextantBadPrice: oops\n" + frame("e", "throw Error(") + "\n" +
                      frame("t", "e(r.price)") + "\n" + frame("n", "t(e)") + "\n" +
                      frame("window.sextantCheckout", "n([{") + "\n" +
                      frame("<anonymous>", "window.sextantCheckout=");
  SymbolicatedStack out = symbolicateStack(stack, [&](std::string_view url) {
    return url == "https://shop.example.com/js/app.min.js" ? &m : nullptr;
  });
  EXPECT_EQ(out.text,
            "Error: sextantBadPrice: oops\n"
            "  at e @ ../../util.js:5:4\n"
            "  at t @ ../../util.js:13:11\n"
            "  at n @ ../../app.js:5:16\n"
            "  at window.sextantCheckout @ ../../app.js:11:9\n"
            "  at <anonymous> @ ../../app.js:10:0");
  EXPECT_EQ(out.mapped, 5u);
  // The names the map gives: parsePrice is called at util.js:13, renderCart at app.js:11.
  auto p = m.lookup(0, static_cast<uint32_t>(code.find("e(r.price)")));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "parsePrice");
  p = m.lookup(0, static_cast<uint32_t>(code.find("n([{")));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "renderCart");
}

}  // namespace
}  // namespace sextant::codec::sourcemap

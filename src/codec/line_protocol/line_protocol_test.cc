#include "codec/line_protocol/line_protocol.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>

#include "core/testing/read_file.h"
#include "model/testing/random_points.h"

namespace sextant::codec::lp {
namespace {

using model::Array;
using model::Bytes;
using model::Category;
using model::Field;
using model::FieldValue;
using model::Point;
using model::Tag;

DecodeResult decodeNs(std::string_view body, int64_t now_ns = 0) {
  DecodeOptions opts;
  opts.precision = Precision::kNanosecond;
  opts.now_ns = now_ns;
  return decode(body, opts);
}

// Decodes a body that must hold exactly one good line.
Point decodeOne(std::string_view body) {
  DecodeResult r = decodeNs(body);
  EXPECT_TRUE(r.ok()) << r.errorMessage();
  EXPECT_EQ(r.points.size(), 1u) << body;
  return r.points.empty() ? Point{} : r.points[0];
}

// The one error of a body holding exactly one bad line.
LineError decodeError(std::string_view body) {
  DecodeResult r = decodeNs(body);
  EXPECT_EQ(r.failed, 1u) << body;
  EXPECT_EQ(r.errors.size(), 1u) << body;
  return r.errors.empty() ? LineError{} : r.errors[0];
}

std::string encodeOne(const Point& p) {
  std::string out;
  encode(p, &out);
  return out;
}

template <typename T>
std::optional<T> fieldAs(const Point& p, std::string_view key) {
  const Field* f = p.findField(key);
  if (f == nullptr) return std::nullopt;
  if (const T* v = std::get_if<T>(&f->value)) return *v;
  return std::nullopt;
}

std::optional<std::string> tagOf(const Point& p, std::string_view key) {
  const Tag* t = p.findTag(key);
  if (t == nullptr) return std::nullopt;
  return t->value;
}

Point makePoint(std::string measurement, std::vector<Tag> tags, std::vector<Field> fields,
                int64_t time_ns) {
  Point p;
  p.measurement = std::move(measurement);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = time_ns;
  return p;
}

using ::sextant::testing::readFile;

// ---------------------------------------------------------------------------------------------
// Line structure

TEST(LineProtocolDecode, MinimalLineUsesNowAndCategory) {
  DecodeOptions opts;
  opts.category = Category::kLogging;
  opts.now_ns = 1234;
  DecodeResult r = decode("cpu value=1", opts);
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), 1u);
  Point want = makePoint("cpu", {}, {{"value", 1.0}}, 1234);
  want.category = Category::kLogging;
  EXPECT_EQ(r.points[0], want);
}

TEST(LineProtocolDecode, FullLineKeepsInputOrder) {
  Point p = decodeOne("cpu,host=a,region=eu usage=1.5,n=3i,ok=true 1700000000000000000");
  EXPECT_EQ(p.measurement, "cpu");
  ASSERT_EQ(p.tags.size(), 2u);
  EXPECT_EQ(p.tags[0], (Tag{"host", "a"}));
  EXPECT_EQ(p.tags[1], (Tag{"region", "eu"}));
  ASSERT_EQ(p.fields.size(), 3u);
  EXPECT_EQ(p.fields[0], (Field{"usage", 1.5}));
  EXPECT_EQ(p.fields[1], (Field{"n", int64_t{3}}));
  EXPECT_EQ(p.fields[2], (Field{"ok", true}));
  EXPECT_EQ(p.time_ns, 1700000000000000000);
}

TEST(LineProtocolDecode, LineBreaksBlankLinesCommentsAndWhitespace) {
  std::string body =
      "# a comment\n"
      "\n"
      "a f=1 1\r\n"
      "   \t\n"
      "\t  # indented comment\n"
      "  b f=2 2\n"
      "\r\n"
      "c    f=3     3   \n"
      "d f=4 \t\r\n"
      "e f=5 5";  // no trailing newline
  DecodeResult r = decodeNs(body, 99);
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), 5u);
  EXPECT_EQ(r.points[0], makePoint("a", {}, {{"f", 1.0}}, 1));
  EXPECT_EQ(r.points[1], makePoint("b", {}, {{"f", 2.0}}, 2));
  EXPECT_EQ(r.points[2], makePoint("c", {}, {{"f", 3.0}}, 3));
  EXPECT_EQ(r.points[3], makePoint("d", {}, {{"f", 4.0}}, 99));
  EXPECT_EQ(r.points[4], makePoint("e", {}, {{"f", 5.0}}, 5));
}

TEST(LineProtocolDecode, EmptyAndCommentOnlyBodies) {
  for (std::string_view body : {"", "\n", "  \n\n", "# only a comment", "#x\n#y\n"}) {
    DecodeResult r = decodeNs(body);
    EXPECT_TRUE(r.ok()) << body;
    EXPECT_TRUE(r.points.empty()) << body;
  }
}

// ---------------------------------------------------------------------------------------------
// Field values

TEST(LineProtocolDecode, Floats) {
  struct Case {
    std::string_view text;
    double value;
  };
  for (Case c : std::initializer_list<Case>{{"3", 3.0},
                                            {"3.14", 3.14},
                                            {"-1e3", -1000.0},
                                            {"1E4", 1e4},
                                            {"1.0e-4", 1e-4},
                                            {"6.632243e+06", 6632243.0},
                                            {".5", 0.5},
                                            {"-.5", -0.5},
                                            {"1.", 1.0},
                                            {"-0.64", -0.64},
                                            {"0000012.5", 12.5},
                                            {"1e+21", 1e21},
                                            {"0.1", 0.1},
                                            {"12345678901234567890123", 12345678901234567890123.0},
                                            {"1.7976931348623157e308", 1.7976931348623157e308},
                                            {"4.9406564584124654e-324", 4.9406564584124654e-324},
                                            {"1e-400", 0.0},
                                            {"123456.789e-3", 123.456789}}) {
    std::string line = "m f=" + std::string(c.text);
    Point p = decodeOne(line);
    ASSERT_EQ(fieldAs<double>(p, "f"), c.value) << line;
  }
  EXPECT_TRUE(std::signbit(*fieldAs<double>(decodeOne("m f=-0"), "f")));
  EXPECT_TRUE(std::signbit(*fieldAs<double>(decodeOne("m f=-1e-400"), "f")));
}

TEST(LineProtocolDecode, IntegersAndUnsigned) {
  EXPECT_EQ(fieldAs<int64_t>(decodeOne("m f=42i"), "f"), 42);
  EXPECT_EQ(fieldAs<int64_t>(decodeOne("m f=-42i"), "f"), -42);
  EXPECT_EQ(fieldAs<int64_t>(decodeOne("m f=9223372036854775807i"), "f"),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(fieldAs<int64_t>(decodeOne("m f=-9223372036854775808i"), "f"),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(fieldAs<int64_t>(decodeOne("m f=-0009223372036854775808i"), "f"),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(fieldAs<uint64_t>(decodeOne("m f=42u"), "f"), 42u);
  EXPECT_EQ(fieldAs<uint64_t>(decodeOne("m f=0u"), "f"), 0u);
  EXPECT_EQ(fieldAs<uint64_t>(decodeOne("m f=18446744073709551615u"), "f"),
            std::numeric_limits<uint64_t>::max());
}

TEST(LineProtocolDecode, Booleans) {
  for (std::string_view t : {"t", "T", "true", "True", "TRUE"}) {
    EXPECT_EQ(fieldAs<bool>(decodeOne("m f=" + std::string(t)), "f"), true) << t;
  }
  for (std::string_view f : {"f", "F", "false", "False", "FALSE"}) {
    EXPECT_EQ(fieldAs<bool>(decodeOne("m f=" + std::string(f)), "f"), false) << f;
  }
  for (std::string_view bad : {"tRUE", "yes", "NaN", "nan", "Inf", "-Inf", "+1", "truee"}) {
    LineError e = decodeError("m f=" + std::string(bad));
    EXPECT_EQ(e.reason, std::string_view(bad) == "-Inf" ? "invalid number" : "invalid boolean")
        << bad;
    EXPECT_EQ(e.pos, 4u) << bad;
  }
}

TEST(LineProtocolDecode, Strings) {
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="hello world")"), "f"), "hello world");
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="")"), "f"), "");
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="a,b=c d")"), "f"), "a,b=c d");
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="say \"hi\"")"), "f"), R"(say "hi")");
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="C:\\dir\\")"), "f"), R"(C:\dir\)");
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="test\\\"")"), "f"), R"(test\")");
  // Other backslashes are literal.
  EXPECT_EQ(fieldAs<std::string>(decodeOne(R"(m f="foo\,bar\n")"), "f"), R"(foo\,bar\n)");
  EXPECT_EQ(fieldAs<std::string>(decodeOne("m f=\"line1\nline2\" 5"), "f"), "line1\nline2");
  EXPECT_EQ(fieldAs<std::string>(decodeOne("m f=\"wè 中文\""), "f"), "wè 中文");
}

TEST(LineProtocolDecode, Bytes) {
  EXPECT_EQ(fieldAs<Bytes>(decodeOne(R"(m f="MQ=="b)"), "f"), Bytes{"1"});
  EXPECT_EQ(fieldAs<Bytes>(decodeOne(R"(m f="d29ybGQ="b)"), "f"), Bytes{"world"});
  EXPECT_EQ(fieldAs<Bytes>(decodeOne(R"(m f="AP8A"b,g=1)"), "f"),
            Bytes{std::string("\0\xff\0", 3)});
  EXPECT_EQ(fieldAs<Bytes>(decodeOne(R"(m f=""b)"), "f"), Bytes{""});
  for (std::string_view bad :
       {R"(m f="YQ"b)", R"(m f="ab=c"b)", R"(m f="a*=="b)", R"(m f="===="b)", R"(m f="Y\"=="b)"}) {
    LineError e = decodeError(bad);
    EXPECT_EQ(e.reason, "invalid base64") << bad;
    EXPECT_EQ(e.pos, 4u) << bad;
  }
}

TEST(LineProtocolDecode, Arrays) {
  Point p = decodeOne(R"(m ints=[1i,-2i,3i],uints=[1u,2u],floats=[1.5,2],strs=["a","b,\"c\" d"],)"
                      R"(bools=[true,F],bytes=["MQ=="b,""b] 1)");
  EXPECT_EQ(fieldAs<Array>(p, "ints"), (Array{std::vector<int64_t>{1, -2, 3}}));
  EXPECT_EQ(fieldAs<Array>(p, "uints"), (Array{std::vector<uint64_t>{1, 2}}));
  EXPECT_EQ(fieldAs<Array>(p, "floats"), (Array{std::vector<double>{1.5, 2.0}}));
  EXPECT_EQ(fieldAs<Array>(p, "strs"), (Array{std::vector<std::string>{"a", "b,\"c\" d"}}));
  EXPECT_EQ(fieldAs<Array>(p, "bools"), (Array{std::vector<bool>{true, false}}));
  EXPECT_EQ(fieldAs<Array>(p, "bytes"), (Array{std::vector<Bytes>{Bytes{"1"}, Bytes{""}}}));
}

TEST(LineProtocolDecode, ArrayErrors) {
  struct Case {
    std::string_view line;
    size_t pos;
    std::string_view reason;
  };
  for (Case c : std::initializer_list<Case>{{"m f=[]", 4, "empty array"},
                                            {"m f=[1i,2]", 8, "mixed array types"},
                                            {R"(m f=["a",1i])", 9, "mixed array types"},
                                            {R"(m f=["a","MQ=="b])", 9, "mixed array types"},
                                            {"m f=[1i,2i", 10, "invalid array"},
                                            {"m f=[1i,]", 8, "invalid array"},
                                            {"m f=[1i 2i]", 5, "invalid number"},
                                            {"m f=[[1i]]", 5, "invalid array"},
                                            {"m f=[1i]x", 8, "invalid field format"},
                                            {"m f=[x]", 5, "invalid boolean"}}) {
    LineError e = decodeError(c.line);
    EXPECT_EQ(e.reason, c.reason) << c.line;
    EXPECT_EQ(e.pos, c.pos) << c.line;
  }
}

TEST(LineProtocolDecode, NumberErrors) {
  struct Case {
    std::string_view value;
    std::string_view reason;
  };
  for (Case c : std::initializer_list<Case>{{"-", "invalid number"},
                                            {"-i", "invalid number"},
                                            {"-.", "invalid number"},
                                            {".", "invalid number"},
                                            {"1.0i", "invalid number"},
                                            {"1ii", "invalid number"},
                                            {"1a", "invalid number"},
                                            {"-e-e-e", "invalid number"},
                                            {"42+3", "invalid number"},
                                            {"1e", "invalid number"},
                                            {"1e+", "invalid number"},
                                            {"9ie10", "invalid number"},
                                            {"9e10i", "invalid number"},
                                            {"0.-1", "invalid number"},
                                            {"1.1.1", "invalid number"},
                                            {"-123u", "invalid number"},
                                            {"-0u", "invalid number"},
                                            {"1]", "invalid number"},
                                            {"0x10", "invalid number"},
                                            {"9223372036854775808i", "value out of range"},
                                            {"-9223372036854775809i", "value out of range"},
                                            {"18446744073709551616u", "value out of range"},
                                            {"1e309", "value out of range"},
                                            {"-1.8e308", "value out of range"}}) {
    std::string line = "m f=" + std::string(c.value);
    LineError e = decodeError(line);
    EXPECT_EQ(e.reason, c.reason) << line;
    EXPECT_EQ(e.pos, 4u) << line;
  }
}

// ---------------------------------------------------------------------------------------------
// Escaping

TEST(LineProtocolDecode, MeasurementEscapes) {
  EXPECT_EQ(decodeOne(R"(foo\,bar value=1i)").measurement, "foo,bar");
  EXPECT_EQ(decodeOne(R"(cpu\ load,region=east value=1)").measurement, "cpu load");
  EXPECT_EQ(decodeOne(R"(cpu\=load value=1)").measurement, R"(cpu\=load)");  // not an escape
  EXPECT_EQ(decodeOne(R"(cpu=load value=1)").measurement, "cpu=load");
  EXPECT_EQ(decodeOne(R"("cpu" value=1)").measurement, R"("cpu")");
  EXPECT_EQ(decodeOne("中文 value=1").measurement, "中文");
}

TEST(LineProtocolDecode, TagAndFieldKeyEscapes) {
  struct Case {
    std::string_view line;
    std::string_view key;
    std::string_view value;
  };
  for (Case c : std::initializer_list<Case>{
           {R"(cpu,region\,zone=east value=1)", "region,zone", "east"},
           {R"(cpu,region\ zone=east value=1)", "region zone", "east"},
           {R"(cpu,reg\\=ion=east value=1)", R"(reg\=ion)", "east"},
           {R"(cpu,\ =east value=1)", " ", "east"},
           {R"(cpu,regions=east\,west value=1)", "regions", "east,west"},
           {R"(cpu,regions=\\ east value=1)", "regions", R"(\ east)"},
           {R"(cpu,regions=eas\\ t value=1)", "regions", R"(eas\ t)"},
           {R"(cpu,regions=east\\  value=1)", "regions", R"(east\ )"},
           {R"(cpu,regions=eas\t value=1)", "regions", R"(eas\t)"},
           {R"(cpu,regions=\\,\,\=east value=1)", "regions", R"(\,,=east)"},
           {R"(cpu,equals\=foo=tag\=value value=1i)", "equals=foo", "tag=value"},
           {R"(cpu,"host"="serverA" value=1)", R"("host")", R"("serverA")"},
           {R"(cpu,label=hey\ "ya a=1i)", "label", R"(hey "ya)"},
           {R"(rum,view_url=http://h/i.html?t\=z&r\=1 a=1)", "view_url", "http://h/i.html?t=z&r=1"},
       }) {
    Point p = decodeOne(c.line);
    ASSERT_EQ(p.tags.size(), 1u) << c.line;
    EXPECT_EQ(p.tags[0].key, c.key) << c.line;
    EXPECT_EQ(p.tags[0].value, c.value) << c.line;
  }
  EXPECT_EQ(decodeOne(R"(cpu value\,ms=1.0)").fields[0].key, "value,ms");
  EXPECT_EQ(decodeOne(R"(cpu value\ ms=1.0)").fields[0].key, "value ms");
  EXPECT_EQ(decodeOne(R"(cpu value\=x=1.0)").fields[0].key, "value=x");
  EXPECT_EQ(decodeOne(R"(cpu \a=1i)").fields[0].key, R"(\a)");
  EXPECT_EQ(decodeOne(R"(cpu "a=1)").fields[0].key, R"("a)");
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(LineProtocolDecode, ErrorsCarryLineNumberPositionTextAndReason) {
  struct Bad {
    std::string_view line;
    size_t pos;
    std::string_view reason;
  };
  const std::vector<Bad> bad = {
      {"cpu", 3, "missing fields"},
      {"cpu ", 4, "missing fields"},
      {"cpu,host=a", 10, "missing fields"},
      {"cpu,host value=1i", 8, "missing tag value"},
      {"cpu,host= value=1i", 9, "missing tag value"},
      {"m,=v f=1", 2, "missing tag key"},
      {"m,k=v=w f=1", 5, "invalid tag format"},
      {"m,a=1,a=2 f=1", 6, "duplicate tags"},
      {",k=v f=1", 0, "missing measurement"},
      {"m =1", 2, "missing field key"},
      {"m f=", 4, "missing field value"},
      {"m f=,g=1", 4, "missing field value"},
      {"m f", 3, "missing field value"},
      {"m f=1,g", 7, "missing field value"},
      {"m f=1.0i", 4, "invalid number"},
      {"m f=tru", 4, "invalid boolean"},
      {R"(m s="abc"x)", 9, "invalid field format"},
      {R"(m s="abc"")", 9, "unbalanced quotes"},
      {"m f=1 12x", 6, "bad timestamp"},
      {"m f=1 1 2", 6, "bad timestamp"},
      {"m f=1 -", 6, "bad timestamp"},
      {"m f=1 9223372036854775808", 6, "bad timestamp"},
      {"m f=1 1434055562000000000i", 6, "bad timestamp"},
      {"m f=1i,g=9223372036854775808i", 9, "value out of range"},
      {"  m f=bad", 6, "invalid boolean"},
  };
  std::string body;
  for (const auto& b : bad) {
    body += "ok f=1\n";
    body += b.line;
    body += "\n";
  }
  DecodeResult r = decodeNs(body);
  EXPECT_EQ(r.points.size(), bad.size());
  ASSERT_EQ(r.failed, bad.size());
  ASSERT_EQ(r.errors.size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    const LineError& e = r.errors[i];
    EXPECT_EQ(e.line_no, 2 * i + 2) << bad[i].line;
    EXPECT_EQ(e.pos, bad[i].pos) << bad[i].line;
    EXPECT_EQ(e.line, bad[i].line);
    EXPECT_EQ(e.reason, bad[i].reason) << bad[i].line;
  }
  EXPECT_FALSE(r.ok());
}

TEST(LineProtocolDecode, DuplicateTagsAmongManyTags) {
  std::string tags = "m";
  for (int i = 0; i < 100000; ++i) tags += ",k" + std::to_string(i) + "=v";
  DecodeResult r = decodeNs(tags + " f=1");
  ASSERT_TRUE(r.ok()) << r.errorMessage().substr(0, 200);
  EXPECT_EQ(r.points[0].tags.size(), 100000u);
  LineError e = decodeError(tags + ",k500=w f=1");
  EXPECT_EQ(e.reason, "duplicate tags");
  EXPECT_EQ(e.pos, tags.size() + 1);
  e = decodeError(
      "m,a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14,o=15,p=16,"
      "q=17,r=18,s=19,t=20,u=21,v=22,w=23,x=24,y=25,z=26,A=27,B=28,C=29,D=30,E=31,"
      "F=32,G=33,c=34 f=1");
  EXPECT_EQ(e.reason, "duplicate tags");
  EXPECT_EQ(e.pos, 158u);  // the second "c"
}

TEST(LineProtocolDecode, ErrorMessageIsDataKitStyle) {
  DecodeResult r = decodeNs("cpu\nm f=1\nm f=x\n");
  EXPECT_EQ(r.errorMessage(),
            "unable to parse 'cpu' (pos: 3): missing fields\n"
            "unable to parse 'm f=x' (pos: 4): invalid boolean\n"
            "ok: 1, failed: 2");
  EXPECT_EQ(decodeNs("m f=1").errorMessage(), "");
}

TEST(LineProtocolDecode, BadLineSpanningLinesInsideAStringIsOneError) {
  DecodeResult r = decodeNs("m s=\"a\nb\",x=bad\nm f=1\nm s=\"c\nd\"\nbad\r\nm f=2");
  ASSERT_EQ(r.points.size(), 3u);
  EXPECT_EQ(r.points[0], makePoint("m", {}, {{"f", 1.0}}, 0));
  EXPECT_EQ(r.points[1], makePoint("m", {}, {{"s", std::string("c\nd")}}, 0));
  EXPECT_EQ(r.points[2], makePoint("m", {}, {{"f", 2.0}}, 0));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], (LineError{1, 12, "m s=\"a\nb\",x=bad", "invalid boolean"}));
  // The good two-line point before it moved the line count on. The '\r' of "\r\n" is not
  // part of the reported text, but a name may hold a '\r', so the measurement read was "bad\r".
  EXPECT_EQ(r.errors[1], (LineError{6, 4, "bad", "missing fields"}));
}

TEST(LineProtocolDecode, UnbalancedQuotesSwallowTheRestOfTheBody) {
  DecodeResult r = decodeNs("a f=1\nm s=\"open\nm f=1\nm f=2\n");
  ASSERT_EQ(r.points.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], (LineError{2, 4, "m s=\"open\nm f=1\nm f=2", "unbalanced quotes"}));
  // Quotes in tag values and field keys are literal and do not open a string.
  DecodeResult tags = decodeNs("baz,mytag=\"a x=1 1441103862125\nbaz,mytag=a z=1 1441103862126");
  ASSERT_TRUE(tags.ok()) << tags.errorMessage();
  ASSERT_EQ(tags.points.size(), 2u);
  EXPECT_EQ(tags.points[0], makePoint("baz", {{"mytag", "\"a"}}, {{"x", 1.0}}, 1441103862125));
}

TEST(LineProtocolDecode, ErrorDetailsAreCapped) {
  std::string body;
  for (size_t i = 0; i < kMaxLineErrors + 50; ++i) body += "bad\n";
  body += std::string(5000, 'x') + "\n";
  body += "m f=1\n";
  DecodeResult r = decodeNs(body);
  EXPECT_EQ(r.points.size(), 1u);
  EXPECT_EQ(r.failed, kMaxLineErrors + 51);
  EXPECT_EQ(r.errors.size(), kMaxLineErrors);
  EXPECT_NE(r.errorMessage().find("... 51 more bad lines\nok: 1, failed: 151"), std::string::npos);

  DecodeResult long_line = decodeNs(std::string(5000, 'x'));
  ASSERT_EQ(long_line.errors.size(), 1u);
  EXPECT_EQ(long_line.errors[0].line, std::string(kMaxErrorLineBytes, 'x'));
  EXPECT_EQ(long_line.errors[0].pos, 5000u);
}

// ---------------------------------------------------------------------------------------------
// Timestamps and precision

TEST(LineProtocolDecode, ParsePrecision) {
  EXPECT_EQ(parsePrecision(""), Precision::kAuto);
  EXPECT_EQ(parsePrecision("n"), Precision::kNanosecond);
  EXPECT_EQ(parsePrecision("ns"), Precision::kNanosecond);
  EXPECT_EQ(parsePrecision("u"), Precision::kMicrosecond);
  EXPECT_EQ(parsePrecision("us"), Precision::kMicrosecond);
  EXPECT_EQ(parsePrecision("ms"), Precision::kMillisecond);
  EXPECT_EQ(parsePrecision("s"), Precision::kSecond);
  EXPECT_EQ(parsePrecision("m"), Precision::kMinute);
  EXPECT_EQ(parsePrecision("h"), Precision::kHour);
  EXPECT_EQ(parsePrecision("d"), Precision::kNanosecond);
  EXPECT_EQ(parsePrecision("MS"), Precision::kNanosecond);
}

int64_t decodeTime(std::string_view ts, Precision precision) {
  DecodeOptions opts;
  opts.precision = precision;
  DecodeResult r = decode("m f=1 " + std::string(ts), opts);
  EXPECT_TRUE(r.ok()) << ts << ": " << r.errorMessage();
  return r.points.empty() ? -1 : r.points[0].time_ns;
}

TEST(LineProtocolDecode, ExplicitPrecisionScales) {
  EXPECT_EQ(decodeTime("946730096789012345", Precision::kNanosecond), 946730096789012345);
  EXPECT_EQ(decodeTime("946730096789012", Precision::kMicrosecond), 946730096789012000);
  EXPECT_EQ(decodeTime("946730096789", Precision::kMillisecond), 946730096789000000);
  EXPECT_EQ(decodeTime("946730096", Precision::kSecond), 946730096000000000);
  EXPECT_EQ(decodeTime("15778834", Precision::kMinute), 946730040000000000);
  EXPECT_EQ(decodeTime("262980", Precision::kHour), 946728000000000000);
  EXPECT_EQ(decodeTime("-1", Precision::kSecond), -1000000000);
  EXPECT_EQ(decodeTime("-9223372036854775808", Precision::kNanosecond),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(decodeTime("9223372036854775807", Precision::kNanosecond),
            std::numeric_limits<int64_t>::max());
}

TEST(LineProtocolDecode, AutoPrecisionFollowsDataKit) {
  EXPECT_EQ(decodeTime("0", Precision::kAuto), 0);
  EXPECT_EQ(decodeTime("1700000000", Precision::kAuto), 1700000000000000000);
  EXPECT_EQ(decodeTime("-5", Precision::kAuto), -5000000000);
  EXPECT_EQ(decodeTime("1700000000123", Precision::kAuto), 1700000000123000000);
  EXPECT_EQ(decodeTime("1700000000123456", Precision::kAuto), 1700000000123456000);
  EXPECT_EQ(decodeTime("1700000000123456789", Precision::kAuto), 1700000000123456789);
  // Boundaries: ts/1e9 < 10 is seconds, ts/1e12 < 10 ms, ts/1e15 < 10 us (integer division).
  EXPECT_EQ(decodeTime("1999999999", Precision::kAuto), 1999999999000000000);
  EXPECT_EQ(decodeTime("10000000000", Precision::kAuto), 10000000000000000);
  EXPECT_EQ(decodeTime("10000000000000", Precision::kAuto), 10000000000000000);
  EXPECT_EQ(decodeTime("10000000000000000", Precision::kAuto), 10000000000000000);
}

TEST(LineProtocolDecode, ScaledTimestampOverflowIsAnError) {
  DecodeOptions opts;
  opts.precision = Precision::kAuto;
  // 9999999999 is seconds by DataKit's rule, and 9999999999 s does not fit in int64 ns.
  DecodeResult r = decode("m f=1 9999999999", opts);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason, "timestamp out of range");
  EXPECT_EQ(r.errors[0].pos, 6u);
  opts.precision = Precision::kHour;
  EXPECT_EQ(decode("m f=1 9223372036854775807", opts).errors.at(0).reason,
            "timestamp out of range");
}

TEST(LineProtocolDecode, MissingTimestampUsesNowUnscaled) {
  DecodeOptions opts;
  opts.precision = Precision::kSecond;
  opts.now_ns = 1700000000123456789;
  DecodeResult r = decode("m f=1\nm f=2 3", opts);
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].time_ns, 1700000000123456789);
  EXPECT_EQ(r.points[1].time_ns, 3000000000);
}

// ---------------------------------------------------------------------------------------------
// Fixtures from real clients

TEST(LineProtocolFixtures, InfluxDbClientJsV2) {
  std::string body = readFile(std::string(SEXTANT_SHARED_DIR) +
                              "/fixtures/lineproto/influxdb-client-js_v2_write.lp");
  DecodeResult r = decode(body, DecodeOptions{Category::kMetric, parsePrecision("ns"), 0});
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0], makePoint("cpu", {{"cpu", "cpu-total"}, {"host", "rc host,1"}},
                                   {{"msg", std::string("say \"hi\", a=b\nnext")},
                                    {"n", int64_t{42}},
                                    {"ok", true},
                                    {"u", uint64_t{7}},
                                    {"usage_user", 12.5}},
                                   1700000000123000000));
  EXPECT_EQ(r.points[1], makePoint("mem m", {{"host", "rc host,1"}, {"k=ey", "v al"}},
                                   {{"used", 1e21}}, 1795272126382959554));
}

TEST(LineProtocolFixtures, NodeInfluxV1) {
  std::string body =
      readFile(std::string(SEXTANT_SHARED_DIR) + "/fixtures/lineproto/node-influx_v1_write.lp");
  DecodeResult r = decode(body, DecodeOptions{Category::kMetric, parsePrecision("s"), 0});
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), 1u);
  EXPECT_EQ(r.points[0], makePoint("disk", {{"path", "/"}},
                                   {{"free", 123.0}, {"name", std::string("root")}, {"pct", 0.5}},
                                   1700000000000000000));
}

TEST(LineProtocolFixtures, GuanceRumBatch) {
  std::string body =
      readFile(std::string(SEXTANT_SHARED_DIR) + "/fixtures/rum/guance-rum_lineproto_batch1.txt");
  DecodeResult r = decode(body, DecodeOptions{Category::kRum, parsePrecision("ms"), 0});
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), 10u);
  std::vector<std::string> names;
  for (const auto& p : r.points) names.push_back(p.measurement);
  EXPECT_EQ(names,
            (std::vector<std::string>{"error", "action", "error", "long_task", "resource",
                                      "resource", "resource", "resource", "long_task", "view"}));
  const Point& first = r.points[0];
  EXPECT_EQ(first.category, Category::kRum);
  EXPECT_EQ(first.time_ns, 1795271877178000000);
  EXPECT_EQ(tagOf(first, "view_url"),
            "http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1");
  EXPECT_EQ(tagOf(first, "is_signin"), "T");
  EXPECT_EQ(tagOf(first, "screen_size"), "1280*720");
  EXPECT_EQ(fieldAs<std::string>(first, "error_message"), "rc console error {\n  \"a\": 1\n}");
  EXPECT_EQ(fieldAs<std::string>(first, "error_handling_stack"),
            "Error: \n  at <anonymous> @ "
            "http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1:34:11");
  EXPECT_EQ(fieldAs<std::string>(first, "view_url_query"),
            R"({"trace_type":"zipkin","replay":"1"})");
  EXPECT_EQ(fieldAs<bool>(first, "view_in_foreground"), true);
  EXPECT_EQ(fieldAs<double>(first, "session_sample_rate"), 100.0);  // integers without 'i'
  EXPECT_EQ(fieldAs<std::string>(first, "custom_keys"), R"(["team"])");

  const Point& action = r.points[1];
  EXPECT_EQ(fieldAs<std::string>(action, "action_name"), "custom-action");
  EXPECT_EQ(fieldAs<double>(action, "cart"), 3.0);
  EXPECT_EQ(action.time_ns, 1795271877180000000);

  const Point& view = r.points[9];
  EXPECT_EQ(view.tags.size(), 27u);
  EXPECT_EQ(view.fields.size(), 19u);
  EXPECT_EQ(tagOf(view, "is_signin"), "F");
  EXPECT_EQ(tagOf(view, "view_privacy_replay_level"), "mask-user-input");
  EXPECT_EQ(fieldAs<std::string>(view, "page_states"), R"([{"state":"active","start":0}])");
  EXPECT_EQ(fieldAs<double>(view, "time_spent"), 273000000.0);
  EXPECT_EQ(fieldAs<bool>(view, "is_login"), false);
  EXPECT_EQ(view.time_ns, 1795271876894000000);
}

TEST(LineProtocolFixtures, GuanceRumPageExit) {
  std::string body =
      readFile(std::string(SEXTANT_SHARED_DIR) + "/fixtures/rum/guance-rum_lineproto_pageexit.txt");
  DecodeResult r = decode(body, DecodeOptions{Category::kRum, Precision::kAuto, 0});
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), 6u);
  const Point& error = r.points[3];
  EXPECT_EQ(error.measurement, "error");
  EXPECT_EQ(tagOf(error, "error_type"), "TypeError");
  EXPECT_EQ(fieldAs<double>(error, "drift"), -1.0);
  EXPECT_EQ(fieldAs<std::string>(error, "error_stack"),
            "TypeError: rc test uncaught error\n  at <anonymous> @ "
            "http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1:33:52");
  EXPECT_EQ(fieldAs<std::string>(error, "action_ids"),
            R"(["207d4d05-3798-4dd9-afe7-3821eb405f51","2f094c33-f9ce-41ea-b85b-3836fa8247cc"])");
  // Auto precision reads these 13-digit timestamps as milliseconds.
  EXPECT_EQ(error.time_ns, 1795271880623000000);
  EXPECT_EQ(r.points[6 - 1].time_ns, 1795271876894000000);
}

TEST(LineProtocolFixtures, ReencodingIsStable) {
  for (std::string path : {"/fixtures/lineproto/influxdb-client-js_v2_write.lp",
                           "/fixtures/lineproto/node-influx_v1_write.lp",
                           "/fixtures/rum/guance-rum_lineproto_batch1.txt",
                           "/fixtures/rum/guance-rum_lineproto_pageexit.txt"}) {
    DecodeResult first = decodeNs(readFile(std::string(SEXTANT_SHARED_DIR) + path));
    ASSERT_TRUE(first.ok()) << path << first.errorMessage();
    std::string text;
    encode(first.points, &text);
    DecodeResult second = decodeNs(text);
    ASSERT_TRUE(second.ok()) << path << second.errorMessage();
    EXPECT_EQ(second.points, first.points) << path;
    std::string again;
    encode(second.points, &again);
    EXPECT_EQ(again, text) << path;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

TEST(LineProtocolEncode, EscapesNamesAndStrings) {
  Point p = makePoint("cpu main,x", {{"tag key=", "v,1 2"}, {"k", "a\\b=c"}},
                      {{"f", std::string("say \"hi\"\\ ok\n")}}, 1);
  EXPECT_EQ(encodeOne(p),
            "cpu\\ main\\,x,tag\\ key\\==v\\,1\\ 2,k=a\\b\\=c f=\"say \\\"hi\\\"\\\\ ok\n\" 1\n");
  // '=' is not escaped in a measurement: it does not end one.
  EXPECT_EQ(encodeOne(makePoint("a=b", {}, {{"f", 1.0}}, 0)), "a=b f=1 0\n");
}

TEST(LineProtocolEncode, ScalarValues) {
  struct Case {
    FieldValue value;
    std::string_view text;
  };
  const std::vector<Case> cases = {
      {int64_t{42}, "42i"},
      {std::numeric_limits<int64_t>::min(), "-9223372036854775808i"},
      {std::numeric_limits<uint64_t>::max(), "18446744073709551615u"},
      {3.0, "3"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {1e21, "1e+21"},
      {-0.0, "-0"},
      {5e-324, "5e-324"},
      {true, "true"},
      {false, "false"},
      {std::string(""), "\"\""},
      {Bytes{"world"}, "\"d29ybGQ=\"b"},
      {Bytes{"1"}, "\"MQ==\"b"},
      {Bytes{"ab"}, "\"YWI=\"b"},
      {Bytes{""}, "\"\"b"},
      {Array{std::vector<int64_t>{1, -2}}, "[1i,-2i]"},
      {Array{std::vector<uint64_t>{7}}, "[7u]"},
      {Array{std::vector<double>{1.5, 2}}, "[1.5,2]"},
      {Array{std::vector<bool>{true, false}}, "[true,false]"},
      {Array{std::vector<std::string>{"a", "b\"c"}}, "[\"a\",\"b\\\"c\"]"},
      {Array{std::vector<Bytes>{Bytes{"1"}, Bytes{"world"}}}, "[\"MQ==\"b,\"d29ybGQ=\"b]"},
  };
  for (const auto& c : cases) {
    std::string want = "m f=" + std::string(c.text) + " 7\n";
    EXPECT_EQ(encodeOne(makePoint("m", {}, {{"f", c.value}}, 7)), want);
  }
}

TEST(LineProtocolEncode, FloatsAreWrittenExactlyAsToChars) {
  // encode() has a fast path for short decimals; its text must be std::to_chars' text.
  std::mt19937_64 rng(11);
  std::vector<double> values = {
      0.01,   0.05,   0.1,     1,        10,         100,  1000,
      10000,  100000, 1200000, 12000000, 99999.9999, 1e11, 99999999999.9999,
      0.0099, 37.52};
  for (int i = 0; i < 20000; ++i) {
    int64_t n = std::uniform_int_distribution<int64_t>(-2'000'000'000, 2'000'000'000)(rng);
    values.push_back(static_cast<double>(n));
    values.push_back(static_cast<double>(n) / 100);
    values.push_back(static_cast<double>(n) / 10000);
    values.push_back(static_cast<double>(n) / 1e7);
    values.push_back(std::round(std::uniform_real_distribution<double>(-1e11, 1e11)(rng)) / 1000);
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
  }
  for (double v : values) {
    char buf[64];
    char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    std::string want = "m f=" + std::string(buf, end) + " 0\n";
    ASSERT_EQ(encodeOne(makePoint("m", {}, {{"f", v}}, 0)), want);
  }
}

TEST(LineProtocolEncode, LeavesOutWhatCannotBeWritten) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Point p = makePoint("m", {{"empty", ""}, {"", "v"}, {"t", "x"}},
                      {{"nan", nan},
                       {"inf", -inf},
                       {"arr_nan", Array{std::vector<double>{1, nan}}},
                       {"empty_arr", Array{std::vector<std::string>{}}},
                       {"", 1.0},
                       {"ok", 1.0}},
                      5);
  EXPECT_EQ(encodeOne(p), "m,t=x ok=1 5\n");
  EXPECT_EQ(encodeOne(makePoint("m", {}, {{"nan", nan}}, 5)), "");
  EXPECT_EQ(encodeOne(makePoint("", {}, {{"f", 1.0}}, 5)), "");
  EXPECT_EQ(encodeOne(makePoint("\\\\", {}, {{"f", 1.0}}, 5)), "");
}

TEST(LineProtocolEncode, NormalisesNewlinesAndTrailingBackslashesInNames) {
  Point p = makePoint("m\n1\\", {{"k\\", "a\nb\\\\"}}, {{"f\n", 1.0}}, 5);
  std::string text = encodeOne(p);
  EXPECT_EQ(text, "m\\ 1,k=a\\ b f\\ =1 5\n");
  EXPECT_EQ(decodeOne(text), makePoint("m 1", {{"k", "a b"}}, {{"f ", 1.0}}, 5));
}

TEST(LineProtocolEncode, AppendsToOutput) {
  std::string out = "existing\n";
  encode(makePoint("m", {}, {{"f", int64_t{1}}}, 2), &out);
  std::vector<Point> pts = {makePoint("a", {}, {{"f", 1.0}}, 1),
                            makePoint("b", {}, {{"g", true}}, 2)};
  encode(pts, &out);
  EXPECT_EQ(out, "existing\nm f=1i 2\na f=1 1\nb g=true 2\n");
}

TEST(LineProtocolEncode, ManyPointsOneByOneAndAsSpan) {
  // Exercises the output buffer growth in both entry points.
  std::vector<Point> pts;
  std::string one_by_one;
  for (int i = 0; i < 5000; ++i) {
    pts.push_back(makePoint("m", {{"i", std::to_string(i)}}, {{"f", int64_t{i}}}, i));
    encode(pts.back(), &one_by_one);
  }
  std::string span;
  encode(pts, &span);
  EXPECT_EQ(span, one_by_one);
  DecodeResult r = decodeNs(span);
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  EXPECT_EQ(r.points, pts);
}

// ---------------------------------------------------------------------------------------------
// Properties

TEST(LineProtocolProperty, RandomPointsRoundTrip) {
  std::mt19937_64 rng(20240611);
  for (bool odd_chars : {true, false}) {
    model::testing::RandomPointOptions ro;
    ro.odd_chars = odd_chars;
    ro.category = Category::kLogging;
    std::vector<Point> pts;
    for (int i = 0; i < 2000; ++i) pts.push_back(model::testing::randomPoint(rng, ro));
    DecodeOptions opts;
    opts.category = Category::kLogging;
    opts.precision = Precision::kNanosecond;
    for (const auto& p : pts) {
      std::string text = encodeOne(p);
      DecodeResult r = decode(text, opts);
      ASSERT_TRUE(r.ok()) << text << "\n" << r.errorMessage();
      ASSERT_EQ(r.points.size(), 1u) << text;
      ASSERT_EQ(r.points[0], p) << text;
    }
    std::string all;
    encode(pts, &all);
    DecodeResult r = decode(all, opts);
    ASSERT_TRUE(r.ok()) << r.errorMessage();
    EXPECT_EQ(r.points, pts);
    std::string again;
    encode(r.points, &again);
    EXPECT_EQ(again, all);
  }
}

// 2,000 random logging points with odd characters (escapes in every name and string), encoded
// after `prefix` with blank and comment lines between them; decoded with logDecodeOptions().
std::string randomLogBody(uint64_t seed, std::string prefix, std::vector<Point>* pts) {
  std::mt19937_64 rng(seed);
  model::testing::RandomPointOptions ro;
  ro.odd_chars = true;
  ro.category = Category::kLogging;
  std::string body = std::move(prefix);
  for (int i = 0; i < 2000; ++i) {
    pts->push_back(model::testing::randomPoint(rng, ro));
    encode(pts->back(), &body);
    if (i % 7 == 0) body += "  \t\r\n# another\n";
  }
  return body;
}

DecodeOptions logDecodeOptions() {
  DecodeOptions opts;
  opts.category = Category::kLogging;
  opts.precision = Precision::kNanosecond;
  return opts;
}

// LineReader yields, one by one into a reused point, exactly the points decode() returns: the
// random points encoded by hand-checked encode(), with blank lines and comments between them.
TEST(LineReader, ReadsWhatDecodeReturnsIntoOneReusedPoint) {
  std::vector<Point> pts;
  const std::string body = randomLogBody(20261122, "# a comment\n\n", &pts);
  const DecodeOptions opts = logDecodeOptions();
  LineReader reader(body, opts);
  Point scratch;
  for (const Point& want : pts) {
    ASSERT_EQ(reader.next(&scratch), LineReader::Next::kPoint);
    ASSERT_EQ(scratch, want);
    // Input order too (Point's == ignores it).
    ASSERT_EQ(scratch.tags, want.tags);
    ASSERT_EQ(scratch.fields, want.fields);
  }
  EXPECT_EQ(reader.next(&scratch), LineReader::Next::kEnd);
  EXPECT_EQ(reader.next(&scratch), LineReader::Next::kEnd);
}

// Views (next(PointView*)) show the same points as decode(), with the lines views cannot show
// (arrays, bytes) read again by next(Point*): random points of every field type with odd
// characters (escapes in every name and string).
TEST(LineReader, ViewsShowWhatDecodeReturns) {
  std::vector<Point> pts;
  const std::string body = randomLogBody(20261123, "", &pts);
  const DecodeOptions opts = logDecodeOptions();
  LineReader reader(body, opts);
  model::PointView view;
  Point scratch;
  size_t viewed = 0, unsupported = 0;
  for (const Point& want : pts) {
    const LineReader::Next next = reader.next(&view);
    if (next == LineReader::Next::kUnsupported) {
      ++unsupported;
      ASSERT_EQ(reader.next(&scratch), LineReader::Next::kPoint);
    } else {
      ASSERT_EQ(next, LineReader::Next::kPoint);
      ++viewed;
      scratch = model::toPoint(view);
      // No view of an array or bytes field exists.
      for (const Field& f : want.fields) {
        ASSERT_NE(model::fieldType(f.value), model::FieldType::kArray);
        ASSERT_NE(model::fieldType(f.value), model::FieldType::kBytes);
      }
    }
    ASSERT_EQ(scratch, want);
    ASSERT_EQ(scratch.tags, want.tags);
    ASSERT_EQ(scratch.fields, want.fields);
  }
  EXPECT_EQ(reader.next(&view), LineReader::Next::kEnd);
  EXPECT_GT(viewed, 100u);
  EXPECT_GT(unsupported, 100u);
}

// Names repeated from the previous line are matched against it rather than scanned: names that
// extend, shorten or escape the previous one, and a measurement followed by '=' (which does not
// end a measurement) must still read as decode() reads them.
TEST(LineReader, ViewsOfNamesLikeThePreviousLinesOnes) {
  const std::string body =
      "cpu,host=a v=1,w=2 1\n"
      "cpu,host=b v=1,w=2 2\n"
      "cpu2,hostname=b v=1,ww=2 3\n"
      "cp,hos=b v=1,w=2 4\n"
      "cpu=x,host=c v=1,w=2 5\n"
      "cpu\\ x,ho\\,st=c v\\=1=1,w=2 6\n"
      "cpu\\ x,ho\\,st=d v\\=1=1,w=2 7\n"
      "cpu,host=e v=1,w=2 8\n"
      "cpu,host\\=f=x v=1,w=2 9\n"
      "cpu,host=f,dc=x v=1,w=2,x=3 10\n"
      "cpu,host=g v=1 11\n"
      "cpu,host=h v=1,w=2,x=3 12\n"
      "cpu host=1i 13\n"
      "cpu\n";
  DecodeOptions opts;
  opts.precision = Precision::kNanosecond;
  const DecodeResult want = decode(body, opts);
  ASSERT_EQ(want.failed, 1u) << want.errorMessage();  // the last line
  LineReader reader(body, opts);
  model::PointView v;
  for (const Point& p : want.points) {
    ASSERT_EQ(reader.next(&v), LineReader::Next::kPoint);
    const Point got = model::toPoint(v);
    ASSERT_EQ(got, p) << model::debugString(got);
    ASSERT_EQ(got.tags, p.tags);
    ASSERT_EQ(got.fields, p.fields);
  }
  EXPECT_EQ(reader.next(&v), LineReader::Next::kBadLine);
  EXPECT_EQ(want.points[4].measurement, "cpu=x");
  EXPECT_EQ(want.points[5].measurement, "cpu x");
  EXPECT_EQ(want.points[8].tags[0].key, "host=f");
}

TEST(LineReader, ViewsOfEscapesPointIntoScratchAndPlainNamesIntoTheBody) {
  const std::string body =
      "m\\ 1,t\\,k=v\\=1 s=\"a\\\"b\",n=-2i,u=3u,b=T,f=1.5 7\n"
      "m,t=v s=\"plain\" 8\n"
      "m x=[1i],y=1 9\n"
      "m z=\"AQ==\"b\n"
      "bad\n"
      "m y=2\n";
  DecodeOptions opts;
  opts.category = Category::kLogging;
  opts.precision = Precision::kNanosecond;
  LineReader reader(body, opts);
  model::PointView v;
  ASSERT_EQ(reader.next(&v), LineReader::Next::kPoint);
  EXPECT_EQ(v.category, Category::kLogging);
  EXPECT_EQ(v.measurement, "m 1");
  ASSERT_EQ(v.tags.size(), 1u);
  EXPECT_EQ(v.tags[0].key, "t,k");
  EXPECT_EQ(v.tags[0].value, "v=1");
  ASSERT_EQ(v.fields.size(), 5u);
  EXPECT_EQ(v.fields[0].key, "s");
  EXPECT_EQ(v.fields[0].type, model::FieldType::kString);
  EXPECT_EQ(v.fields[0].s, "a\"b");
  EXPECT_EQ(v.fields[1].type, model::FieldType::kInt);
  EXPECT_EQ(v.fields[1].i, -2);
  EXPECT_EQ(v.fields[2].type, model::FieldType::kUint);
  EXPECT_EQ(v.fields[2].u, 3u);
  EXPECT_EQ(v.fields[3].type, model::FieldType::kBool);
  EXPECT_TRUE(v.fields[3].b);
  EXPECT_EQ(v.fields[4].type, model::FieldType::kFloat);
  EXPECT_EQ(v.fields[4].f, 1.5);
  EXPECT_EQ(v.time_ns, 7);
  ASSERT_EQ(reader.next(&v), LineReader::Next::kPoint);
  // Unescaped names and strings are views into the body.
  const char* const begin = body.data();
  const char* const end = body.data() + body.size();
  EXPECT_TRUE(v.measurement.data() >= begin && v.measurement.data() < end);
  EXPECT_TRUE(v.fields[0].s.data() >= begin && v.fields[0].s.data() < end);
  EXPECT_EQ(v.fields[0].s, "plain");
  EXPECT_EQ(v.tags.size(), 1u);
  // An array, then bytes: the reader stays at the line for next(Point*).
  ASSERT_EQ(reader.next(&v), LineReader::Next::kUnsupported);
  ASSERT_EQ(reader.next(&v), LineReader::Next::kUnsupported);
  Point p;
  ASSERT_EQ(reader.next(&p), LineReader::Next::kPoint);
  EXPECT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.time_ns, 9);
  ASSERT_EQ(reader.next(&v), LineReader::Next::kUnsupported);
  ASSERT_EQ(reader.next(&p), LineReader::Next::kPoint);
  EXPECT_EQ(model::fieldType(p.fields[0].value), model::FieldType::kBytes);
  EXPECT_EQ(reader.next(&v), LineReader::Next::kBadLine);
  EXPECT_EQ(reader.next(&v), LineReader::Next::kBadLine);
}

TEST(LineReader, NowPrecisionAndCategoryAsDecode) {
  DecodeOptions opts;
  opts.category = Category::kObject;
  opts.precision = Precision::kMillisecond;
  opts.now_ns = 42;
  LineReader reader("a,t=1 v=1i 1700000000000\nb x=\"s\"\r\n", opts);
  Point p;
  ASSERT_EQ(reader.next(&p), LineReader::Next::kPoint);
  Point want = makePoint("a", {{"t", "1"}}, {{"v", int64_t{1}}}, 1700000000000000000);
  want.category = Category::kObject;
  EXPECT_EQ(p, want);
  ASSERT_EQ(reader.next(&p), LineReader::Next::kPoint);
  want = makePoint("b", {}, {{"x", std::string("s")}}, 42);
  want.category = Category::kObject;
  EXPECT_EQ(p, want);
  EXPECT_EQ(reader.next(&p), LineReader::Next::kEnd);
}

// The reused point's tags, fields and names are overwritten line by line: fewer or more of them,
// the same or other names, escaped names, a field slot changing type.
TEST(LineReader, ReusedPointHoldsExactlyTheCurrentLine) {
  const std::string body =
      "cpu,host=a,dc=x usage=1,n=2i 1\n"
      "cpu,host=b usage=\"s\" 2\n"
      "cpu x=[1i,2i],usage=3,n=4u,extra=t 3\n"
      "c\\ pu,ho\\,st=a\\=b us\\ age=5 4\n"
      "cpu,host=a,dc=x,zone=z usage=6 5\n"
      "cpu,host=a usage=7\n";
  DecodeResult all = decodeNs(body, 99);
  ASSERT_TRUE(all.ok()) << all.errorMessage();
  ASSERT_EQ(all.points.size(), 6u);
  DecodeOptions opts;
  opts.precision = Precision::kNanosecond;
  opts.now_ns = 99;
  LineReader reader(body, opts);
  Point p;
  for (const Point& want : all.points) {
    ASSERT_EQ(reader.next(&p), LineReader::Next::kPoint);
    EXPECT_EQ(p.measurement, want.measurement);
    EXPECT_EQ(p.tags, want.tags);
    EXPECT_EQ(p.fields, want.fields);
    EXPECT_EQ(p.time_ns, want.time_ns);
  }
  EXPECT_EQ(all.points[3].measurement, "c pu");
  EXPECT_EQ(all.points[3].tags, (std::vector<Tag>{{"ho,st", "a=b"}}));
  EXPECT_EQ(reader.next(&p), LineReader::Next::kEnd);
}

TEST(LineReader, StopsAtTheFirstBadLine) {
  LineReader reader("a v=1\nbad\nc v=3\n", DecodeOptions{});
  Point p;
  ASSERT_EQ(reader.next(&p), LineReader::Next::kPoint);
  EXPECT_EQ(p.measurement, "a");
  EXPECT_EQ(reader.next(&p), LineReader::Next::kBadLine);
  EXPECT_EQ(reader.next(&p), LineReader::Next::kBadLine);  // and stays there
  LineReader empty("", DecodeOptions{});
  EXPECT_EQ(empty.next(&p), LineReader::Next::kEnd);
  LineReader comments("# only\n\n  \n", DecodeOptions{});
  EXPECT_EQ(comments.next(&p), LineReader::Next::kEnd);
}

TEST(LineProtocolProperty, RandomDoublesRoundTripBitExactly) {
  std::mt19937_64 rng(7);
  std::string text;
  std::vector<double> values;
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    values.push_back(d);
    encode(makePoint("m", {}, {{"f", d}}, 0), &text);
  }
  DecodeResult r = decodeNs(text);
  ASSERT_TRUE(r.ok()) << r.errorMessage();
  ASSERT_EQ(r.points.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    double got = *fieldAs<double>(r.points[i], "f");
    ASSERT_EQ(std::memcmp(&got, &values[i], sizeof got), 0) << values[i];
  }
}

}  // namespace
}  // namespace sextant::codec::lp

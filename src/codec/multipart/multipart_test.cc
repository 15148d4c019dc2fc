// Tests of the multipart/form-data parser: the browser SDK's replay upload fixture, RFC 2046
// syntax corners, limits and malformed bodies.
#include "codec/multipart/multipart.h"

#include <gtest/gtest.h>

#include <string>

#include "core/testing/read_file.h"

namespace sextant::codec::multipart {
namespace {

using ::sextant::testing::readFile;

constexpr std::string_view kCt = "multipart/form-data; boundary=XyZ";

TEST(Multipart, BoundaryForms) {
  EXPECT_EQ(*multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*multipartBoundary("Multipart/Form-Data;BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(*multipartBoundary("multipart/mixed; charset=utf-8; boundary=----WebKitX"),
            "----WebKitX");
  EXPECT_FALSE(multipartBoundary("text/plain; boundary=abc").isOk());
  EXPECT_FALSE(multipartBoundary("multipart/form-data").isOk());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=").isOk());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=\"abc").isOk());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=\"ab \"").isOk());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).isOk());
  EXPECT_TRUE(multipartBoundary("multipart/form-data; boundary=" + std::string(70, 'a')).isOk());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=a{b").isOk());
}

TEST(Multipart, ReplayFixtureFromBrowserSdk) {
  std::string body = readFile(std::string(SEXTANT_SHARED_DIR) +
                              "/fixtures/rum/guance-rum_replay_segment.multipart");
  ASSERT_EQ(body.size(), 3077u);
  auto parts =
      parseMultipart(body, "multipart/form-data; boundary=----WebKitFormBoundary2QuAGyrRyGPmos1B");
  ASSERT_TRUE(parts.isOk()) << parts.status().toString();
  ASSERT_EQ(parts->size(), 17u);
  const MultipartPart& seg = (*parts)[0];
  EXPECT_EQ(seg.name, "segment");
  EXPECT_EQ(seg.filename, "068d0475-e85c-4c85-b14c-dfa2973dde53-1795271877189");
  EXPECT_EQ(seg.content_type, "application/octet-stream");
  // zlib stream header (deflate, default compression) and no trailing CRLF.
  ASSERT_GE(seg.data.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(seg.data[0]), 0x78);
  EXPECT_EQ(static_cast<unsigned char>(seg.data[1]), 0x9c);
  EXPECT_NE(seg.data.back(), '\n');
  // The data is a view into the body.
  EXPECT_GE(seg.data.data(), body.data());
  EXPECT_LE(seg.data.data() + seg.data.size(), body.data() + body.size());
  EXPECT_EQ(findPart(*parts, "start")->data, "1795271877189");
  EXPECT_EQ(findPart(*parts, "end")->data, "1795271880620");
  EXPECT_EQ(findPart(*parts, "records_count")->data, "16");
  EXPECT_EQ(findPart(*parts, "session_id")->data, "068d0475-e85c-4c85-b14c-dfa2973dde53");
  EXPECT_EQ(findPart(*parts, "view_id")->data, "787c21c6-6d08-43f9-9743-12ee28d17672");
  EXPECT_EQ(findPart(*parts, "app_id")->data, "rc_test_app");
  EXPECT_EQ(findPart(*parts, "raw_segment_size")->data, "3218");
  EXPECT_EQ(findPart(*parts, "start")->content_type, "");
  EXPECT_EQ(findPart(*parts, "nope"), nullptr);
}

TEST(Multipart, PreambleEpilogueEmptyAndBinaryParts) {
  std::string body =
      "this is a preamble\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n"
      "\r\n"
      "\r\n"
      "--XyZ  \r\n"  // transport padding
      "content-disposition: FORM-DATA; filename=\"a\\\"b.bin\"; name=bin\r\n"
      "CONTENT-TYPE: application/x-thing\r\n"
      "\r\n";
  std::string bin("\r\n--XyZnot\0\r\n-", 15);
  body += bin;
  body += "\r\n--XyZ--\r\nepilogue --XyZ junk";
  // "\r\n--XyZnot" inside the data is not a delimiter of this boundary? It is: RFC 2046 forbids
  // the boundary anywhere in the data, so such a body is malformed.
  EXPECT_FALSE(parseMultipart(body, kCt).isOk());

  std::string ok_body =
      "preamble\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n"
      "\r\n"
      "\r\n"
      "--XyZ  \r\n"
      "content-disposition: FORM-DATA; filename=\"a\\\"b.bin\"; name=bin\r\n"
      "CONTENT-TYPE: application/x-thing\r\n"
      "\r\n";
  std::string data("\x00\r\n-X\ryZ\n\n", 11);
  ok_body += data;
  ok_body += "\r\n--XyZ--\r\nepilogue --XyZ junk";
  auto parts = parseMultipart(ok_body, kCt);
  ASSERT_TRUE(parts.isOk()) << parts.status().toString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "empty");
  EXPECT_EQ((*parts)[0].data, "");
  EXPECT_EQ((*parts)[1].name, "bin");
  EXPECT_EQ((*parts)[1].filename, "a\"b.bin");
  EXPECT_EQ((*parts)[1].content_type, "application/x-thing");
  EXPECT_EQ((*parts)[1].data, data);
}

TEST(Multipart, BareLineFeedsAndWindowsPath) {
  std::string body =
      "--XyZ\n"
      "Content-Disposition: form-data; name=\"f\"; filename=\"C:\\dir\\x.txt\"\n"
      "\n"
      "hello\n"
      "--XyZ--";
  auto parts = parseMultipart(body, kCt);
  ASSERT_TRUE(parts.isOk()) << parts.status().toString();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].filename, "C:\\dir\\x.txt");
  EXPECT_EQ((*parts)[0].data, "hello");
}

TEST(Multipart, OnlyCloseDelimiterIsNoParts) {
  auto parts = parseMultipart("--XyZ--\r\n", kCt);
  ASSERT_TRUE(parts.isOk());
  EXPECT_TRUE(parts->empty());
}

TEST(Multipart, MalformedBodiesAreInvalidArgument) {
  const std::string disp = "Content-Disposition: form-data; name=\"a\"\r\n\r\n";
  const std::vector<std::string> bad = {
      "",
      "no boundary here",
      "--XyZ",                                                    // ends after the first delimiter
      "--XyZ\r\n" + disp + "data",                                // no closing delimiter
      "--XyZ\r\n" + disp + "data\r\n--XyZ",                       // delimiter, then nothing
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",  // ends in headers
      "--XyZ\r\n\r\nx\r\n--XyZ--",                                // no Content-Disposition
      "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\" junk\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\nno colon\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\n continuation first\r\n\r\nx\r\n--XyZ--",
      "--XyZ\r\n" + disp + "x\r\n--XyZjunk\r\n" + disp + "y\r\n--XyZ--",
  };
  for (const std::string& b : bad) {
    auto r = parseMultipart(b, kCt);
    ASSERT_FALSE(r.isOk()) << b;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << b;
    EXPECT_FALSE(r.status().message().empty());
  }
  // Duplicate Content-Disposition is an error too (RFC 7578 §4.2: exactly one).
  std::string dup =
      "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
      "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--XyZ--";
  EXPECT_FALSE(parseMultipart(dup, kCt).isOk());
  // Not form-data.
  EXPECT_FALSE(parseMultipart("--XyZ--", "multipart/mixed; boundary=XyZ").isOk());
  EXPECT_FALSE(parseMultipart("--XyZ--", "application/json").isOk());
}

TEST(Multipart, PartCountLimit) {
  std::string body;
  for (int i = 0; i < 5; ++i) {
    body += "--XyZ\r\nContent-Disposition: form-data; name=p" + std::to_string(i) + "\r\n\r\nv\r\n";
  }
  body += "--XyZ--";
  MultipartLimits limits;
  limits.max_parts = 5;
  auto ok = parseMultipart(body, kCt, limits);
  ASSERT_TRUE(ok.isOk()) << ok.status().toString();
  EXPECT_EQ(ok->size(), 5u);
  EXPECT_EQ((*ok)[4].name, "p4");
  limits.max_parts = 4;
  auto r = parseMultipart(body, kCt, limits);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

TEST(Multipart, HeaderSizeLimit) {
  std::string header =
      "Content-Disposition: form-data; name=a\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
  std::string body = "--XyZ\r\n" + header + "x\r\n--XyZ--";
  MultipartLimits limits;
  limits.max_header_bytes = header.size();
  ASSERT_TRUE(parseMultipart(body, kCt, limits).isOk());
  limits.max_header_bytes = header.size() - 3;
  auto r = parseMultipart(body, kCt, limits);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  // A header line that never ends is over the limit too, not a read past the end.
  std::string endless = "--XyZ\r\nContent-Disposition: form-data; name=" + std::string(200, 'a');
  limits.max_header_bytes = 64;
  auto e = parseMultipart(endless, kCt, limits);
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.status().code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace sextant::codec::multipart

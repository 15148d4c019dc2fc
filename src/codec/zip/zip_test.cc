#include "codec/zip/zip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "core/testing/read_file.h"

namespace sextant::codec::zip {
namespace {

using ::sextant::testing::readFile;

const std::string kDir =
    std::string(SEXTANT_SOURCE_DIR) + "/src/codec/sourcemap/testdata/rolldown/";

void le(std::string* o, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) o->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string rawDeflate(const std::string& data) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, data.size()), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// An entry for the hand-built archives: every header field written from the APPNOTE layout.
struct Spec {
  std::string name;
  std::string content;  // uncompressed
  uint16_t method = 0;
  uint16_t flags = 0;
  int64_t declared_size = -1;  // overrides the uncompressed size in both headers
  int64_t crc = -1;            // overrides the CRC
};

std::string buildZip(const std::vector<Spec>& specs, const std::string& comment = "") {
  std::string out, cd;
  for (const Spec& s : specs) {
    std::string data = s.method == 8 ? rawDeflate(s.content) : s.content;
    uint32_t crc =
        s.crc >= 0
            ? static_cast<uint32_t>(s.crc)
            : static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.content.data()),
                                          static_cast<uInt>(s.content.size())));
    uint64_t usize =
        s.declared_size >= 0 ? static_cast<uint64_t>(s.declared_size) : s.content.size();
    uint64_t offset = out.size();
    le(&out, 0x04034b50, 4);
    le(&out, 20, 2);
    le(&out, s.flags, 2);
    le(&out, s.method, 2);
    le(&out, 0, 4);  // time, date
    le(&out, crc, 4);
    le(&out, data.size(), 4);
    le(&out, usize, 4);
    le(&out, s.name.size(), 2);
    le(&out, 3, 2);  // a local extra field the central one does not have
    out += s.name;
    out += "xyz";
    out += data;
    le(&cd, 0x02014b50, 4);
    le(&cd, 20, 2);
    le(&cd, 20, 2);
    le(&cd, s.flags, 2);
    le(&cd, s.method, 2);
    le(&cd, 0, 4);
    le(&cd, crc, 4);
    le(&cd, data.size(), 4);
    le(&cd, usize, 4);
    le(&cd, s.name.size(), 2);
    le(&cd, 0, 2);  // extra
    le(&cd, 0, 2);  // comment
    le(&cd, 0, 2);  // disk
    le(&cd, 0, 2);  // internal attributes
    le(&cd, 0, 4);  // external attributes
    le(&cd, offset, 4);
    cd += s.name;
  }
  uint64_t cd_offset = out.size();
  out += cd;
  le(&out, 0x06054b50, 4);
  le(&out, 0, 2);
  le(&out, 0, 2);
  le(&out, specs.size(), 2);
  le(&out, specs.size(), 2);
  le(&out, cd.size(), 4);
  le(&out, cd_offset, 4);
  le(&out, comment.size(), 2);
  out += comment;
  return out;
}

TEST(Zip, InfoZipDeflatedArchive) {
  std::string bytes = readFile(kDir + "flat.zip");
  auto z = openZip(bytes);
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  ASSERT_EQ(z->entries.size(), 2u);
  EXPECT_EQ(z->entries[0].name, "js/");
  EXPECT_TRUE(z->entries[0].isDirectory());
  const ZipEntry* e = findZipEntry(*z, "js/app.min.js.map");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->method, 8);
  auto data = readZipEntry(*e);
  ASSERT_TRUE(data.isOk()) << data.status().toString();
  EXPECT_EQ(*data, readFile(kDir + "app.min.js.map"));
  EXPECT_EQ(findZipEntry(*z, "app.min.js.map"), nullptr);
}

TEST(Zip, InfoZipStoredArchive) {
  std::string bytes = readFile(kDir + "nested.zip");
  auto z = openZip(bytes);
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  ASSERT_EQ(z->entries.size(), 3u);
  const ZipEntry* e = findZipEntry(*z, "shop-prod-1.0.0/js/app.min.js.map");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->method, 0);
  EXPECT_EQ(e->crc32, 0x4363b5c9u);  // unzip -v
  auto data = readZipEntry(*e);
  ASSERT_TRUE(data.isOk());
  EXPECT_EQ(*data, readFile(kDir + "app.min.js.map"));
}

// Streamed by zip to a pipe: flag bit 3, sizes and CRC only in the data descriptor and the
// central directory (the local header's are zero).
TEST(Zip, InfoZipStreamedArchiveWithDataDescriptor) {
  std::string bytes = readFile(kDir + "streamed.zip");
  ASSERT_EQ(bytes[6] & 8, 8);
  auto z = openZip(bytes);
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  ASSERT_EQ(z->entries.size(), 1u);
  EXPECT_EQ(z->entries[0].name, "-");
  EXPECT_EQ(z->entries[0].crc32, 0x4363b5c9u);  // unzip -v
  auto data = readZipEntry(z->entries[0]);
  ASSERT_TRUE(data.isOk()) << data.status().toString();
  EXPECT_EQ(*data, readFile(kDir + "app.min.js.map"));
}

TEST(Zip, HandBuiltEntriesAndComment) {
  std::string text(5000, 'a');
  std::string bytes = buildZip({{"a.txt", "hello", 0}, {"dir/b.map", text, 8}, {"empty", "", 8}},
                               "a comment with PK\x05\x06 inside");
  auto z = openZip(bytes);
  ASSERT_TRUE(z.isOk()) << z.status().toString();
  ASSERT_EQ(z->entries.size(), 3u);
  EXPECT_EQ(*readZipEntry(z->entries[0]), "hello");
  EXPECT_EQ(*readZipEntry(z->entries[1]), text);
  EXPECT_EQ(*readZipEntry(z->entries[2]), "");
  EXPECT_LT(z->entries[1].data.size(), 100u);
}

TEST(Zip, CorruptEntries) {
  auto readOnly = [](const std::string& bytes) {
    auto z = openZip(bytes);
    EXPECT_TRUE(z.isOk()) << z.status().toString();
    return readZipEntry(z->entries[0]).status();
  };
  std::string big(10000, 'x');
  // Inflates past its declared size (a bomb lying about its size).
  Status s = readOnly(buildZip({{"bomb", big, 8, 0, 100}}));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Declares more than it inflates to.
  s = readOnly(buildZip({{"short", "abc", 8, 0, 10}}));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = readOnly(buildZip({{"crc", "abc", 0, 0, -1, 1234}}));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("CRC"), std::string::npos);
  std::string deflated = buildZip({{"x", big, 8}});
  deflated[40] = static_cast<char>(deflated[40] ^ 0x55);  // inside the deflate data
  EXPECT_FALSE(readOnly(deflated).isOk());
}

TEST(Zip, RejectsMalformedAndUnsupported) {
  EXPECT_EQ(openZip("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(openZip("not a zip at all, just some text").status().code(),
            StatusCode::kInvalidArgument);
  std::string good = buildZip({{"a", "hello", 0}});
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(openZip(std::string_view(good).substr(0, cut)).isOk()) << cut;
  }
  auto enc = openZip(buildZip({{"secret", "x", 0, 1}}));
  EXPECT_NE(enc.status().message().find("encrypted"), std::string::npos);
  auto method = openZip(buildZip({{"bz", "x", 12}}));
  EXPECT_NE(method.status().message().find("method 12"), std::string::npos);
  auto zip64 = openZip(buildZip({{"big", "x", 0, 0, 0xffffffff}}));
  EXPECT_NE(zip64.status().message().find("ZIP64"), std::string::npos);
}

TEST(Zip, Limits) {
  std::vector<Spec> many;
  for (int i = 0; i < 11; ++i) many.push_back({"f" + std::to_string(i), "x", 0});
  ZipLimits l;
  l.max_entries = 10;
  EXPECT_EQ(openZip(buildZip(many), l).status().code(), StatusCode::kOutOfRange);
  l.max_entries = 11;
  EXPECT_TRUE(openZip(buildZip(many), l).isOk());

  ZipLimits small;
  small.max_entry_bytes = 1000;
  std::string big(1001, 'y');
  EXPECT_EQ(openZip(buildZip({{"big", big, 8}}), small).status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(openZip(buildZip({{"ok", std::string(1000, 'y'), 8}}), small).isOk());
  small.max_total_bytes = 1500;
  std::string half(800, 'z');
  EXPECT_EQ(openZip(buildZip({{"a", half, 8}, {"b", half, 8}}), small).status().code(),
            StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace sextant::codec::zip

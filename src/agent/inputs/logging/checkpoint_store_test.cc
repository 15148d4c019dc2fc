#include "agent/inputs/logging/checkpoint_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::logging {
namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CheckpointStore, PersistsAndReloads) {
  testing::TempDir dir;
  std::string path = dir.path() + "/cache/logging.checkpoint";
  {
    auto store = CheckpointStore::open(path);
    ASSERT_TRUE(store.isOk()) << store.status().message();
    Checkpoint c;
    c.dev = 7;
    c.ino = 42;
    c.fp = {100, 0xABCDEF0123456789ULL};
    c.offset = 12345;
    c.updated_ns = 99;
    c.source = "my source";
    c.path = "/var/log/a b%.log";
    (*store)->put(c);
    ASSERT_TRUE((*store)->flush().isOk());
    // The same path in one process is one store.
    auto again = CheckpointStore::open(path);
    EXPECT_EQ(again->get(), store->get());
  }
  auto store = CheckpointStore::open(path);
  ASSERT_TRUE(store.isOk());
  EXPECT_EQ((*store)->loadError(), "");
  auto c = (*store)->find(7, 42);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->offset, 12345u);
  EXPECT_EQ(c->fp.len, 100u);
  EXPECT_EQ(c->fp.hash, 0xABCDEF0123456789ULL);
  EXPECT_EQ(c->source, "my source");
  EXPECT_EQ(c->path, "/var/log/a b%.log");
  EXPECT_FALSE((*store)->find(7, 43).has_value());
  EXPECT_EQ(readAll(path).rfind("sextant-logging-checkpoint 1\n", 0), 0u);
}

TEST(CheckpointStore, CorruptFileIsIgnoredWithAnError) {
  testing::TempDir dir;
  std::string path = dir.path() + "/logging.checkpoint";
  {
    auto store = CheckpointStore::open(path);
    ASSERT_TRUE(store.isOk());
    (*store)->put(Checkpoint{1, 2, {}, 3, 4, "s", "/p"});
    ASSERT_TRUE((*store)->flush().isOk());
  }
  std::string data = readAll(path);
  size_t pos = data.find(" 3 4 ");
  ASSERT_NE(pos, std::string::npos);
  data[pos + 1] = '9';  // offset 3 -> 9: the checksum no longer matches
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  auto store = CheckpointStore::open(path);
  ASSERT_TRUE(store.isOk());
  EXPECT_NE((*store)->loadError().find("checksum"), std::string::npos);
  EXPECT_EQ((*store)->size(), 0u);
}

TEST(CheckpointStore, TruncatedFileIsIgnored) {
  testing::TempDir dir;
  std::string path = dir.path() + "/logging.checkpoint";
  std::ofstream(path) << "sextant-logging-checkpoint 1\n1 2 0 00 3 4 =s =/p\n";
  auto store = CheckpointStore::open(path);
  ASSERT_TRUE(store.isOk());
  EXPECT_NE((*store)->loadError(), "");
  EXPECT_EQ((*store)->size(), 0u);
}

TEST(CheckpointStore, PrunesOldRecords) {
  testing::TempDir dir;
  auto store = CheckpointStore::open(dir.path() + "/c");
  ASSERT_TRUE(store.isOk());
  (*store)->put(Checkpoint{1, 1, {}, 0, 100, "s", "/a"});
  (*store)->put(Checkpoint{1, 2, {}, 0, 200, "s", "/b"});
  (*store)->pruneOlderThan(150);
  EXPECT_FALSE((*store)->find(1, 1).has_value());
  EXPECT_TRUE((*store)->find(1, 2).has_value());
}

TEST(Fingerprint, HashesThePrefix) {
  testing::TempDir dir;
  std::string path = dir.path() + "/f";
  std::ofstream(path) << std::string(2000, 'a');
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto fp = fingerprintFile(fd);
  ASSERT_TRUE(fp.isOk());
  EXPECT_EQ(fp->len, kFingerprintBytes);
  auto p10 = fingerprintPrefix(fd, 10);
  ASSERT_TRUE(p10.isOk() && p10->has_value());
  EXPECT_EQ((*p10)->len, 10u);
  EXPECT_NE((*p10)->hash, fp->hash);
  auto tooLong = fingerprintPrefix(fd, 5000);
  ASSERT_TRUE(tooLong.isOk());
  EXPECT_FALSE(tooLong->has_value());
  // FNV-1a 64 of "" is the offset basis.
  auto empty = fingerprintPrefix(fd, 0);
  EXPECT_EQ((*empty)->hash, 0xcbf29ce484222325ULL);
  ::close(fd);
}

}  // namespace
}  // namespace sextant::agent::inputs::logging

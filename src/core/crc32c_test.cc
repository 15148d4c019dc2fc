#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace sextant {
namespace {

// Vectors from RFC 3720 §B.4 (iSCSI CRC32C examples), written out by hand.
struct Vector {
  std::string data;
  std::uint32_t crc;
};

std::vector<Vector> rfc3720Vectors() {
  std::string incrementing(32, '\0');
  std::string decrementing(32, '\0');
  for (int i = 0; i < 32; ++i) {
    incrementing[static_cast<size_t>(i)] = static_cast<char>(i);
    decrementing[static_cast<size_t>(i)] = static_cast<char>(31 - i);
  }
  // An iSCSI SCSI Read (10) command PDU, as in the RFC.
  const unsigned char pdu[48] = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                 0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return {
      {std::string(32, '\0'), 0x8A9136AAu},
      {std::string(32, '\xff'), 0x62A8AB43u},
      {incrementing, 0x46DD794Eu},
      {decrementing, 0x113FDB5Cu},
      {std::string(reinterpret_cast<const char*>(pdu), sizeof(pdu)), 0xD9963A56u},
      {"123456789", 0xE3069283u},
      {"", 0x00000000u},
  };
}

TEST(Crc32cTest, KnownVectors) {
  for (const Vector& v : rfc3720Vectors()) {
    EXPECT_EQ(crc32c(v.data), v.crc) << "size " << v.data.size();
    EXPECT_EQ(crc32cExtendPortable(0, v.data.data(), v.data.size()), v.crc)
        << "size " << v.data.size();
  }
}

TEST(Crc32cTest, ExtendIsConcatenation) {
  const std::string data = "The quick brown fox jumps over the lazy dog, twice over the fence";
  for (size_t split = 0; split <= data.size(); ++split) {
    std::uint32_t head = crc32c(std::string_view(data).substr(0, split));
    std::uint32_t whole = crc32cExtend(head, data.data() + split, data.size() - split);
    EXPECT_EQ(whole, crc32c(data)) << "split " << split;
  }
}

// The hardware and table paths must agree on every length and alignment.
TEST(Crc32cTest, HardwareMatchesPortableOnRandomData) {
  std::mt19937_64 rng(42);
  std::string buf(4096 + 16, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t len : {0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096}) {
      const char* p = buf.data() + offset;
      EXPECT_EQ(crc32cExtend(0x12345678u, p, len), crc32cExtendPortable(0x12345678u, p, len))
          << "offset " << offset << " len " << len;
    }
  }
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  std::string data = "sextant disk queue record";
  const std::uint32_t good = crc32c(data);
  for (size_t i = 0; i < data.size() * 8; ++i) {
    std::string flipped = data;
    flipped[i / 8] = static_cast<char>(flipped[i / 8] ^ (1 << (i % 8)));
    EXPECT_NE(crc32c(flipped), good) << "bit " << i;
  }
}

}  // namespace
}  // namespace sextant

// libFuzzer target for the column block and bloom filter readers. The first input byte picks
// what the rest is:
//   bits 0-2  column type (FieldType 0..6); 7: a bloom filter, queried with a few tokens
//   bit 3     recompute the block's CRC first, so the fuzzer gets past the checksum into the codecs
//   bit 4     the rest is not a block but raw values of that type: encode, decode, compare
// A block that decodes must re-encode and decode to the same values.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/crc32c.h"
#include "storage/encoding/block.h"

namespace sextant::storage::encoding {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::string encodeAll(const ColumnValues& v, const std::vector<std::uint8_t>& present) {
  std::string out;
  encodeBlock(v, present, 0, columnSize(v), BlockHint::kAuto, &out);
  return out;
}

// Decodes `block`; when it is valid, re-encoding gives a block that decodes to the same values.
void roundTrip(std::string_view block, model::FieldType t) {
  ColumnValues v = emptyColumnValues(t);
  std::vector<std::uint8_t> present;
  Status st = decodeBlock(block, &v, &present);
  if (!st.isOk()) {
    check(st.code() == StatusCode::kDataLoss);
    check(columnSize(v) == 0 && present.empty());
    return;
  }
  Result<std::size_t> rows = blockRows(block);
  check(rows.isOk() && *rows == columnSize(v));
  check(present.empty() || present.size() == columnSize(v));
  const std::string again = encodeAll(v, present);
  ColumnValues v2 = emptyColumnValues(t);
  std::vector<std::uint8_t> present2;
  check(decodeBlock(again, &v2, &present2).isOk());
  // Bytes compare doubles bit-exactly (NaN); the encoder is deterministic.
  check(encodeAll(v2, present2) == again);
  if (t != model::FieldType::kFloat && t != model::FieldType::kArray) check(v2 == v);
  if (t == model::FieldType::kFloat) {
    const auto& a = std::get<2>(v);
    const auto& b = std::get<2>(v2);
    check(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      check(std::bit_cast<std::uint64_t>(a[i]) == std::bit_cast<std::uint64_t>(b[i]));
    }
  }
  check(present2 == present);
}

// Values of type t taken from raw bytes: encoded, decoded, compared.
void encodeRaw(std::string_view data, model::FieldType t) {
  ColumnValues v = emptyColumnValues(t);
  std::vector<std::uint8_t> present;
  const bool with_presence = !data.empty() && (data[0] & 1) != 0;
  if (!data.empty()) data.remove_prefix(1);
  auto take = [&data](std::size_t n) {
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < n && !data.empty(); ++i) {
      x |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[0])) << (8 * i);
      data.remove_prefix(1);
    }
    return x;
  };
  while (!data.empty()) {
    if (with_presence) present.push_back(static_cast<std::uint8_t>(take(1) & 1));
    switch (t) {
      case model::FieldType::kInt:
        std::get<0>(v).push_back(static_cast<std::int64_t>(take(8)));
        break;
      case model::FieldType::kUint: std::get<1>(v).push_back(take(8)); break;
      case model::FieldType::kFloat:
        std::get<2>(v).push_back(std::bit_cast<double>(take(8)));
        break;
      case model::FieldType::kBool:
        std::get<3>(v).push_back(static_cast<std::uint8_t>(take(1) & 1));
        break;
      case model::FieldType::kString:
      case model::FieldType::kBytes: {
        const std::size_t n = static_cast<std::size_t>(take(1) % 8);
        std::string s(data.substr(0, std::min(n, data.size())));
        data.remove_prefix(s.size());
        (t == model::FieldType::kString ? std::get<4>(v) : std::get<5>(v)).push_back(std::move(s));
        break;
      }
      default: {
        model::Array a;
        const std::size_t n = static_cast<std::size_t>(take(1) % 4);
        auto& items = a.items.emplace<0>();
        for (std::size_t i = 0; i < n; ++i) items.push_back(static_cast<std::int64_t>(take(2)));
        std::get<6>(v).push_back(std::move(a));
        break;
      }
    }
  }
  if (present.size() != columnSize(v)) present.resize(columnSize(v), 1);
  // Absent rows decode to defaults: set them so that the comparison is exact.
  for (std::size_t i = 0; i < present.size(); ++i) {
    if (present[i] == 0) {
      std::visit([i](auto& vec) { vec[i] = typename std::decay_t<decltype(vec)>::value_type{}; },
                 v);
    }
  }
  const std::string block = encodeAll(v, present);
  roundTrip(block, t);
  ColumnValues got = emptyColumnValues(t);
  std::vector<std::uint8_t> got_present;
  check(decodeBlock(block, &got, &got_present).isOk());
  check(encodeAll(got, got_present.empty() ? present : got_present) == block);
}

}  // namespace
}  // namespace sextant::storage::encoding

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sextant::storage::encoding;
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
  const int type = mode & 7;
  if (type == 7) {
    for (std::string_view token : {"error", "a", "", "\xc3\xb6", "timeout_42"}) {
      (void)bloomMayContain(in, token);
    }
    BloomBuilder b;
    b.addText(in);
    const std::string f = b.finish();
    sextant::storage::encoding::forEachToken(in, [&f](std::string_view t) {
      if (!bloomMayContain(f, t)) std::abort();
    });
    return 0;
  }
  const auto t = static_cast<sextant::model::FieldType>(type);
  if ((mode & 0x10) != 0) {
    encodeRaw(in, t);
    return 0;
  }
  if ((mode & 0x08) != 0 && in.size() >= 4) {
    const std::uint32_t crc = sextant::crc32c(std::string_view(in).substr(4));
    for (int i = 0; i < 4; ++i) in[static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
  }
  (void)blockRows(in);
  (void)blockSize(in);
  roundTrip(in, t);
  return 0;
}

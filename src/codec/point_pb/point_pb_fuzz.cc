// libFuzzer target: the PBPoints decoder on arbitrary bytes. Whatever decodes must re-encode
// to a body that decodes to the same points, and encoding is canonical (encode(decode(encode))
// gives the same bytes), and appendPoint() point by point writes the same bytes as encode(), from
// the points and, for points of scalars and strings, from their views (into a string, and into a
// buffer with ample and with exact room). Any violation aborts.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codec/point_pb/point_pb.h"
#include "model/testing/random_points.h"

namespace {

using sextant::model::Point;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_point_pb: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sextant::model::Category;
  namespace pb = sextant::codec::pb;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto first = pb::decode(in, Category::kLogging);
  if (!first.isOk()) return 0;
  std::string once;
  pb::encode(*first, &once);
  std::string appended;
  for (const Point& p : *first) pb::appendPoint(p, &appended);
  if (appended != once) fail("appendPoint differs from encode");
  for (const Point& p : *first) {
    bool scalars = true;
    for (const auto& f : p.fields) {
      const auto type = sextant::model::fieldType(f.value);
      scalars = scalars && type != sextant::model::FieldType::kBytes &&
                type != sextant::model::FieldType::kArray;
    }
    if (!scalars) continue;
    const sextant::model::PointView v = sextant::model::viewOf(p);
    std::string want, got;
    pb::appendPoint(p, &want);
    pb::appendPoint(v, &got);
    if (got != want) fail("appendPoint(view) differs from appendPoint(point)");
    for (size_t room : {want.size() + (size_t{1} << 15), want.size()}) {
      std::string buf(room, '\0');
      if (pb::appendPoint(v, buf.data(), room) != want.size() ||
          buf.compare(0, want.size(), want)) {
        fail("appendPoint(view, buffer) differs from appendPoint(point)");
      }
    }
  }
  auto second = pb::decode(once, Category::kLogging);
  if (!second.isOk()) fail("re-encoded body does not decode");
  if (second->size() != first->size()) fail("point count changed");
  if (!sextant::model::testing::containsNan(*first) && *second != *first) fail("points changed");
  std::string twice;
  pb::encode(*second, &twice);
  if (twice != once) fail("encoding is not canonical");
  return 0;
}

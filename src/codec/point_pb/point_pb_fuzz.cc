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
    sextant::model::PointView v;
    v.category = p.category;
    v.measurement = p.measurement;
    bool scalars = true;
    for (const auto& t : p.tags) v.tags.push_back({t.key, t.value});
    for (const auto& f : p.fields) {
      sextant::model::FieldView& fv = v.fields.emplace_back();
      fv.key = f.key;
      fv.type = sextant::model::fieldType(f.value);
      if (const auto* x = std::get_if<int64_t>(&f.value)) fv.i = *x;
      if (const auto* x = std::get_if<uint64_t>(&f.value)) fv.u = *x;
      if (const auto* x = std::get_if<double>(&f.value)) fv.f = *x;
      if (const auto* x = std::get_if<bool>(&f.value)) fv.b = *x;
      if (const auto* x = std::get_if<std::string>(&f.value)) fv.s = *x;
      scalars = scalars && fv.type != sextant::model::FieldType::kBytes &&
                fv.type != sextant::model::FieldType::kArray;
    }
    v.time_ns = p.time_ns;
    if (!scalars) continue;
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

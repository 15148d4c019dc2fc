// libFuzzer target for the line protocol codec. Decodes arbitrary bytes, checks the error report's
// invariants, then re-encodes the decoded points and decodes that text again: the second decode
// must succeed and give the same points, and re-encoding them must give the same text (a
// round-trip oracle). LineReader (the agent's fast path) must read the same points into one reused
// point, in order and with the same tag and field order, up to the first bad line; read into
// views (next(PointView*), and next(Point*) for the lines views cannot show) it must show the
// same points, and model::ViewCheck and isNormalized() on the views must agree with
// isNormalized() on the points. Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/line_protocol/line_protocol.h"
#include "model/check.h"

namespace {

using sextant::codec::lp::DecodeOptions;
using sextant::codec::lp::DecodeResult;
using sextant::codec::lp::Precision;
namespace lp = sextant::codec::lp;

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_line_protocol: %s\n%s\n", what, detail.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodeOptions opts;
  opts.precision = static_cast<Precision>(size % 7);  // every precision, kAuto included
  opts.now_ns = 1'700'000'000'000'000'000;
  DecodeResult first = lp::decode(body, opts);

  if (first.errors.size() != std::min(first.failed, lp::kMaxLineErrors)) {
    die("error count mismatch", first.errorMessage());
  }
  for (const auto& e : first.errors) {
    if (e.line_no == 0 || e.reason.empty() || e.line.size() > lp::kMaxErrorLineBytes) {
      die("bad LineError", first.errorMessage());
    }
  }

  // LineReader: the points of the lines before the first bad one, then kBadLine (or kEnd).
  {
    lp::LineReader reader(body, opts);
    sextant::model::Point scratch;
    size_t i = 0;
    lp::LineReader::Next next;
    while ((next = reader.next(&scratch)) == lp::LineReader::Next::kPoint) {
      if (i >= first.points.size()) die("LineReader read more points than decode", "");
      const sextant::model::Point& want = first.points[i++];
      if (!(scratch == want) || scratch.tags != want.tags || scratch.fields != want.fields) {
        die("LineReader point differs from decode's", sextant::model::debugString(scratch));
      }
    }
    if (next == lp::LineReader::Next::kEnd && (i != first.points.size() || !first.ok())) {
      die("LineReader ended early or missed a bad line", "");
    }
    if (next == lp::LineReader::Next::kBadLine && first.ok()) {
      die("LineReader found a bad line decode did not", "");
    }
  }

  // Views, as the agent's fast path reads them.
  {
    lp::LineReader reader(body, opts);
    sextant::model::PointView view;
    sextant::model::Point scratch;
    sextant::model::CheckOptions check;
    check.category_rules = size % 2 == 0;
    sextant::model::ViewCheck view_check(check);
    size_t i = 0;
    lp::LineReader::Next next;
    for (;;) {
      next = reader.next(&view);
      const sextant::model::Point* got = &scratch;
      if (next == lp::LineReader::Next::kPoint) {
        scratch = sextant::model::toPoint(view);
        const bool want_ok = sextant::model::isNormalized(scratch, check);
        if (sextant::model::isNormalized(view, check) != want_ok ||
            view_check.isNormalized(view) != want_ok) {
          die("isNormalized differs on views", sextant::model::debugString(scratch));
        }
      } else if (next == lp::LineReader::Next::kUnsupported) {
        next = reader.next(&scratch);
        if (next == lp::LineReader::Next::kUnsupported) die("next(Point*) said kUnsupported", "");
        if (next != lp::LineReader::Next::kPoint) break;
      } else {
        break;
      }
      if (i >= first.points.size()) die("view reader read more points than decode", "");
      const sextant::model::Point& want = first.points[i++];
      if (!(*got == want) || got->tags != want.tags || got->fields != want.fields) {
        die("view point differs from decode's", sextant::model::debugString(*got));
      }
    }
    if (next == lp::LineReader::Next::kEnd && (i != first.points.size() || !first.ok())) {
      die("view reader ended early or missed a bad line", "");
    }
    if (next == lp::LineReader::Next::kBadLine && first.ok()) {
      die("view reader found a bad line decode did not", "");
    }
  }

  std::string text;
  lp::encode(first.points, &text);
  DecodeOptions ns;
  ns.precision = Precision::kNanosecond;
  DecodeResult second = lp::decode(text, ns);
  if (!second.ok()) die("re-encoded text does not decode", text + "\n" + second.errorMessage());
  if (second.points != first.points) die("round trip changed the points", text);
  std::string again;
  lp::encode(second.points, &again);
  if (again != text) die("re-encoding is not stable", text + "\n---\n" + again);
  return 0;
}

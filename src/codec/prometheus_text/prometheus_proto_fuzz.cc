// libFuzzer target for the protobuf exposition decoder. Decodes arbitrary bytes strictly and
// leniently and checks: a lenient decode always succeeds and keeps at most kMaxErrors well-formed
// error details; a strict decode succeeds exactly when the lenient one found no error, with the
// same families; every sample's name starts with its family's name and every view is readable
// (ASan checks the label spans). Any violation aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/prometheus_text/prometheus_proto.h"
#include "codec/prometheus_text/prometheus_text_render.h"

namespace {

namespace prom = sextant::codec::prom;

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_prometheus_proto: %s\n%s\n", what, detail.c_str());
  abort();
}

// Reads every byte of every view (so ASan sees a dangling one) and checks sample names.
size_t touch(const prom::Exposition& e) {
  size_t sum = 0;
  for (const prom::Family& f : e.families()) {
    if (f.name.empty()) die("family without a name", "");
    for (char c : f.name) sum += static_cast<unsigned char>(c);
    if (f.help) sum += f.help->size();
    for (const prom::Sample& s : f.samples) {
      if (!s.name.starts_with(f.name)) die("sample outside its family", std::string(s.name));
      for (const prom::Label& l : s.labels) {
        for (char c : l.name) sum += static_cast<unsigned char>(c);
        for (char c : l.value) sum += static_cast<unsigned char>(c);
      }
    }
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  sextant::Result<prom::Exposition> lenient =
      prom::parseProtobuf(body, prom::ErrorPolicy::kLenient);
  if (!lenient.isOk()) die("lenient decode failed", lenient.status().toString());
  if (lenient->errors().size() != std::min(lenient->errorCount(), prom::kMaxErrors)) {
    die("error count mismatch", std::to_string(lenient->errorCount()));
  }
  for (const prom::ParseError& e : lenient->errors()) {
    if (e.line == 0 || e.column == 0 || e.column > size || e.message.empty()) {
      die("bad ParseError", e.toString());
    }
  }
  volatile size_t sink = touch(*lenient);
  (void)sink;

  sextant::Result<prom::Exposition> strict = prom::parseProtobuf(body);
  if (strict.isOk() != (lenient->errorCount() == 0)) {
    die("strict and lenient disagree", strict.status().toString());
  }
  if (strict.isOk()) {
    std::string diff = prom::testing::difference(strict->families(), lenient->families());
    if (!diff.empty()) die("strict and lenient families differ", diff);
  }
  return 0;
}

// libFuzzer target for the parsers of untrusted RUM API input (rum_model.h): the first byte
// picks the parser, the rest is its input. Query parameters (interval, limit, offset, booleans,
// ids, session references), error message normalisation and stack frames, the replay upload
// (multipart body + its form fields; the first line is the Content-Type) and the replay index.
// Checks the invariants each documents; any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/rum_api/rum_model.h"

namespace {

namespace rum = sextant::server::rum_api;

[[noreturn]] void die(const char* what, std::string_view detail) {
  fprintf(stderr, "rum_api_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  abort();
}

void checkError(const sextant::Status& st) {
  if (st.message().empty()) die("error without a message", st.toString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {
      auto r = rum::parseIntervalMs(in);
      if (r.isOk() && (*r < 1000 || *r > 366LL * 24 * 3600 * 1000)) die("interval range", in);
      if (!r.isOk()) checkError(r.status());
      break;
    }
    case 1: {
      auto r = rum::parseLimit(in, 1000);
      if (r.isOk() && (*r < 1 || *r > 1000)) die("limit range", in);
      auto o = rum::parseOffset(in);
      if (o.isOk() && (*o < 0 || *o > 1'000'000'000)) die("offset range", in);
      (void)rum::parseBool(in);
      break;
    }
    case 2: {
      auto r = rum::parseSessionRef(in);
      if (r.isOk()) {
        if (!rum::validId(r->session_id) || r->ordinal < 1) die("bad session ref", in);
        // The reference prints back to what parses to it.
        auto again = rum::parseSessionRef(rum::sessionRefString(r->session_id, r->ordinal));
        if (!again.isOk() || again->session_id != r->session_id || again->ordinal != r->ordinal) {
          die("session ref round trip", in);
        }
      }
      break;
    }
    case 3: {
      std::string n = rum::normalizeErrorMessage(in);
      if (n.size() > 256 || n.find('\n') != std::string::npos) die("normalised message", n);
      if (rum::normalizeErrorMessage(n) != n) die("normalisation is not idempotent", in);
      std::string_view f = rum::firstStackFrame(in);
      if (f.size() > 512 || f.find('\n') != std::string_view::npos) die("stack frame", f);
      break;
    }
    case 4:
    case 5: {
      std::size_t nl = in.find('\n');
      std::string_view ct = nl == std::string_view::npos ? in : in.substr(0, nl);
      std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
      auto parts = sextant::codec::multipart::parseMultipart(body, ct);
      if (!parts.isOk()) break;
      auto meta = rum::replayMetaFromParts(*parts);
      if (!meta.isOk()) {
        checkError(meta.status());
        break;
      }
      if (!rum::validId(meta->app_id) || !rum::validId(meta->session_id) ||
          !rum::validId(meta->view_id) || meta->start_ms > meta->end_ms) {
        die("replay meta invariants", in);
      }
      rum::ReplaySegmentInfo info{0,
                                  meta->view_id,
                                  meta->start_ms,
                                  meta->end_ms,
                                  meta->records_count,
                                  static_cast<std::int64_t>(meta->data.size()),
                                  1,
                                  meta->content_type,
                                  meta->creation_reason,
                                  meta->has_full_snapshot};
      auto decoded = rum::decodeReplayIndex(rum::encodeReplayIndex({info}));
      if (!decoded.isOk() || decoded->size() != 1 || (*decoded)[0] != info) {
        die("replay index round trip", in);
      }
      break;
    }
    default: {
      auto r = rum::decodeReplayIndex(in);
      if (!r.isOk()) {
        checkError(r.status());
        break;
      }
      auto again = rum::decodeReplayIndex(rum::encodeReplayIndex(*r));
      if (!again.isOk() || *again != *r) die("index re-encode", in);
      break;
    }
  }
  return 0;
}

// Fuzz target for the parsers of untrusted trace query input (trace_model.h): Zipkin's
// annotationQuery, `tag=k:v`, times, numbers and lists, all on the whole input; and the trace
// tree over spans described by the input (one span per line: "id parent service start duration
// type"), checking the tree's invariants (every span once, parents before children, depth, self
// time within [0, duration], non-negative service times).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/trace_api/trace_model.h"

namespace {

using sextant::server::trace_api::SpanRow;

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t s = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > s) out.push_back(line.substr(s, i - s));
  }
  return out;
}

std::int64_t number(std::string_view w) {
  std::int64_t v = 0;
  for (char c : w) {
    if (c < '0' || c > '9') break;
    v = v * 10 + (c - '0');
    if (v > 1'000'000'000'000) break;
  }
  return v;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ta = sextant::server::trace_api;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto q = ta::parseAnnotationQuery(in);
  if (q.isOk()) {
    for (const ta::AnnotationTerm& t : *q) check(!t.key.empty());
  }
  auto tag = ta::parseTagFilter(in);
  if (tag.isOk()) check(!tag->key.empty());
  if (auto t = ta::parseApmTimeMs(in)) check(*t <= 9'000'000'000'000 && *t >= -9'000'000'000'000);
  if (auto n = ta::parseNonNegative(in)) check(*n >= 0);
  for (const std::string& s : ta::splitList(in)) check(!s.empty());

  std::vector<SpanRow> rows;
  std::size_t pos = 0;
  while (pos < in.size() && rows.size() < 2000) {
    std::size_t nl = in.find('\n', pos);
    std::string_view line =
        in.substr(pos, nl == std::string_view::npos ? in.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? in.size() : nl + 1;
    std::vector<std::string_view> w = words(line);
    if (w.empty()) continue;
    SpanRow r;
    r.span_id = std::string(w[0]);
    if (w.size() > 1) r.parent_id = std::string(w[1]);
    if (w.size() > 2) r.service = std::string(w[2]);
    if (w.size() > 3) r.start_us = number(w[3]);
    if (w.size() > 4) r.duration_us = number(w[4]);
    if (w.size() > 5) r.span_type = std::string(w[5]);
    rows.push_back(std::move(r));
  }
  ta::TraceTree t = ta::buildTraceTree(rows);
  check(t.spans.size() == rows.size());
  std::vector<bool> seen(rows.size(), false);
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const ta::TreeSpan& s = t.spans[i];
    check(s.row < rows.size() && !seen[s.row]);
    seen[s.row] = true;
    check(s.self_us >= 0 && s.self_us <= rows[s.row].duration_us);
    if (s.parent < 0) {
      check(s.depth == 0 && s.entry);
    } else {
      check(static_cast<std::size_t>(s.parent) < i);
      check(s.depth == t.spans[static_cast<std::size_t>(s.parent)].depth + 1);
    }
  }
  for (const ta::ServiceTime& st : t.services) {
    check(st.self_us >= 0 && st.share >= 0);
  }
  return 0;
}

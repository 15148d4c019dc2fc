#include "server/trace_api/trace_model.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/time_format.h"

namespace sextant::server::trace_api {

namespace {

// A field or tag value as text: strings as they are, integers in decimal.
std::string asText(const model::FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kString: return std::get<std::string>(v);
    case model::FieldType::kBytes: return std::get<model::Bytes>(v).data;
    case model::FieldType::kInt: return std::to_string(std::get<std::int64_t>(v));
    case model::FieldType::kUint: return std::to_string(std::get<std::uint64_t>(v));
    default: return "";
  }
}

std::optional<std::int64_t> asInt(const model::FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kInt: return std::get<std::int64_t>(v);
    case model::FieldType::kUint: {
      std::uint64_t u = std::get<std::uint64_t>(v);
      return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
    }
    case model::FieldType::kFloat: {
      double d = std::get<double>(v);
      if (!(d > -9.2e18 && d < 9.2e18)) return std::nullopt;  // NaN and out of range
      return static_cast<std::int64_t>(d);
    }
    case model::FieldType::kString: {
      const std::string& s = std::get<std::string>(v);
      std::int64_t out = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), out);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return out;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool isAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Saturating a + b for the non-negative durations and µs times we handle.
std::int64_t addSat(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

// Times beyond this (ms) would overflow int64 nanoseconds (year 2255).
constexpr std::int64_t kMaxTimeMs = 9'000'000'000'000;

}  // namespace

SpanRow spanRowFromPoint(const model::Point& p) {
  SpanRow r;
  r.source = p.measurement;
  r.start_us = p.time_ns / 1000;
  for (const model::Tag& t : p.tags) {
    if (t.key == "service") {
      r.service = t.value;
    } else if (t.key == "operation") {
      r.operation = t.value;
    } else if (t.key == "span_type") {
      r.span_type = t.value;
    } else if (t.key == "status") {
      r.status = t.value;
    } else if (t.key == "env") {
      r.env = t.value;
    } else if (t.key == "version") {
      r.version = t.value;
    } else if (t.key == "resource") {
      if (r.resource.empty()) r.resource = t.value;
    }
  }
  r.tags = p.tags;
  for (const model::Field& f : p.fields) {
    if (f.key == "trace_id") {
      r.trace_id = asText(f.value);
    } else if (f.key == "span_id") {
      r.span_id = asText(f.value);
    } else if (f.key == "parent_id") {
      r.parent_id = asText(f.value);
    } else if (f.key == "resource") {
      std::string v = asText(f.value);
      if (!v.empty()) r.resource = std::move(v);  // the field wins over a tag
    } else if (f.key == "start") {
      if (auto v = asInt(f.value)) r.start_us = *v;
    } else if (f.key == "duration") {
      if (auto v = asInt(f.value)) r.duration_us = std::max<std::int64_t>(*v, 0);
    } else if (f.key == "message") {
      r.message = asText(f.value);
    }
  }
  if (r.parent_id == "0") r.parent_id.clear();
  return r;
}

TraceTree buildTraceTree(const std::vector<SpanRow>& rows) {
  TraceTree out;
  const std::size_t n = rows.size();
  if (n == 0) return out;

  std::int64_t start = INT64_MAX, end = INT64_MIN;
  for (const SpanRow& r : rows) {
    start = std::min(start, r.start_us);
    end = std::max(end, addSat(r.start_us, r.duration_us));
  }
  out.start_us = start;
  out.duration_us = 0;
  if (end > start && __builtin_sub_overflow(end, start, &out.duration_us)) {
    out.duration_us = INT64_MAX;
  }

  // Spans by id; a shared id has several.
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_id;
  by_id.reserve(n);
  for (std::size_t i = 0; i < n; ++i) by_id[rows[i].span_id].push_back(i);

  auto before = [&](std::size_t a, std::size_t b) {
    if (rows[a].start_us != rows[b].start_us) return rows[a].start_us < rows[b].start_us;
    if (rows[a].span_id != rows[b].span_id) return rows[a].span_id < rows[b].span_id;
    return a < b;
  };

  std::vector<long> parent(n, -1);  // row -> parent row
  for (std::size_t i = 0; i < n; ++i) {
    const SpanRow& r = rows[i];
    if (r.parent_id.empty() || r.parent_id == r.span_id) continue;
    auto it = by_id.find(r.parent_id);
    if (it == by_id.end()) continue;
    long best = -1;
    for (std::size_t c : it->second) {
      if (c == i) continue;
      if (best < 0) {
        best = static_cast<long>(c);
        continue;
      }
      // Lower rank wins: entry, then a raw span of kind SERVER, then the child's own service;
      // then the earliest.
      auto rank = [&](std::size_t k) {
        if (rows[k].span_type == "entry") return 0;
        if (rows[k].message.find("\"kind\":\"SERVER\"") != std::string::npos) return 1;
        if (rows[k].service == r.service) return 2;
        return 3;
      };
      const int rc = rank(c), rb = rank(static_cast<std::size_t>(best));
      if (rc < rb || (rc == rb && before(c, static_cast<std::size_t>(best)))) {
        best = static_cast<long>(c);
      }
    }
    parent[i] = best;
  }

  // Zipkin's shared client/server spans (B3 join, Istio's sidecars): the server side (`entry`)
  // of an id nests under its client side (same id and parent, another service), as the Zipkin UI
  // shows them, so the client's wait is the server's time and is not counted twice.
  for (const auto& [id, same] : by_id) {
    if (same.size() < 2) continue;
    for (std::size_t srv : same) {
      if (rows[srv].span_type != "entry") continue;
      for (std::size_t cli : same) {
        if (cli == srv || rows[cli].span_type == "entry" || rows[cli].service == rows[srv].service)
          continue;
        if (parent[cli] == parent[srv]) {
          parent[srv] = static_cast<long>(cli);
          break;
        }
      }
    }
  }

  // Break cycles: walk up from each span; a walk that comes back to a span already on the
  // current path is a cycle, cut at its earliest span.
  {
    std::vector<std::uint8_t> state(n, 0);  // 0 unseen, 1 on the current path, 2 done
    std::vector<std::size_t> path;
    for (std::size_t i = 0; i < n; ++i) {
      if (state[i] != 0) continue;
      path.clear();
      long cur = static_cast<long>(i);
      while (cur >= 0 && state[static_cast<std::size_t>(cur)] == 0) {
        state[static_cast<std::size_t>(cur)] = 1;
        path.push_back(static_cast<std::size_t>(cur));
        cur = parent[static_cast<std::size_t>(cur)];
      }
      if (cur >= 0 && state[static_cast<std::size_t>(cur)] == 1) {
        // cur is on the path: the cycle is path[pos..].
        auto pos = std::find(path.begin(), path.end(), static_cast<std::size_t>(cur));
        std::size_t earliest = *pos;
        for (auto it = pos; it != path.end(); ++it) {
          if (before(*it, earliest)) earliest = *it;
        }
        parent[earliest] = -1;
      }
      for (std::size_t p : path) state[p] = 2;
    }
  }

  std::vector<std::vector<std::size_t>> children(n);
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < n; ++i) {
    if (parent[i] < 0) {
      roots.push_back(i);
    } else {
      children[static_cast<std::size_t>(parent[i])].push_back(i);
    }
  }
  std::sort(roots.begin(), roots.end(), before);
  for (auto& c : children) std::sort(c.begin(), c.end(), before);

  // Self time of every row.
  std::vector<std::int64_t> self(n, 0);
  std::vector<std::pair<std::int64_t, std::int64_t>> iv;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t s = rows[i].start_us, e = addSat(s, rows[i].duration_us);
    iv.clear();
    for (std::size_t c : children[i]) {
      std::int64_t cs = std::max(s, rows[c].start_us);
      std::int64_t ce = std::min(e, addSat(rows[c].start_us, rows[c].duration_us));
      if (ce > cs) iv.emplace_back(cs, ce);
    }
    std::sort(iv.begin(), iv.end());
    std::int64_t covered = 0, cur_s = 0, cur_e = 0;
    bool open = false;
    for (const auto& [a, b] : iv) {
      if (open && a <= cur_e) {
        cur_e = std::max(cur_e, b);
        continue;
      }
      if (open) covered += cur_e - cur_s;
      cur_s = a;
      cur_e = b;
      open = true;
    }
    if (open) covered += cur_e - cur_s;
    self[i] = std::max<std::int64_t>(0, rows[i].duration_us - covered);
  }

  // Depth-first order with an explicit stack (roots and siblings by start).
  std::vector<int> tree_index(n, -1);
  out.spans.reserve(n);
  std::vector<std::pair<std::size_t, int>> stack;  // (row, depth)
  for (auto r = roots.rbegin(); r != roots.rend(); ++r) stack.emplace_back(*r, 0);
  while (!stack.empty()) {
    auto [row, depth] = stack.back();
    stack.pop_back();
    TreeSpan t;
    t.row = row;
    t.depth = depth;
    t.self_us = self[row];
    t.parent = parent[row] < 0 ? -1 : tree_index[static_cast<std::size_t>(parent[row])];
    t.entry =
        parent[row] < 0 || rows[static_cast<std::size_t>(parent[row])].service != rows[row].service;
    tree_index[row] = static_cast<int>(out.spans.size());
    out.spans.push_back(t);
    const auto& ch = children[row];
    for (auto c = ch.rbegin(); c != ch.rend(); ++c) stack.emplace_back(*c, depth + 1);
  }

  std::map<std::string_view, std::int64_t> per_service;
  for (const TreeSpan& t : out.spans) {
    std::int64_t& v = per_service[rows[t.row].service];
    v = addSat(v, t.self_us);
  }
  for (const auto& [svc, us] : per_service) {
    ServiceTime st;
    st.service = std::string(svc);
    st.self_us = us;
    st.share =
        out.duration_us > 0 ? static_cast<double>(us) / static_cast<double>(out.duration_us) : 0.0;
    out.services.push_back(std::move(st));
  }
  std::stable_sort(
      out.services.begin(), out.services.end(),
      [](const ServiceTime& a, const ServiceTime& b) { return a.self_us > b.self_us; });
  return out;
}

void dropDuplicateSpans(std::vector<SpanRow>* rows) {
  using Key =
      std::tuple<std::string_view, std::string_view, std::string_view, std::int64_t, std::int64_t>;
  std::vector<bool> keep(rows->size(), false);
  {
    std::set<Key> seen;  // views into *rows, which does not change in this block
    for (std::size_t i = 0; i < rows->size(); ++i) {
      const SpanRow& r = (*rows)[i];
      keep[i] =
          seen.insert(Key{r.span_id, r.parent_id, r.service, r.start_us, r.duration_us}).second;
    }
  }
  std::vector<SpanRow> out;
  out.reserve(rows->size());
  for (std::size_t i = 0; i < rows->size(); ++i) {
    if (keep[i]) out.push_back(std::move((*rows)[i]));
  }
  *rows = std::move(out);
}

Result<std::vector<AnnotationTerm>> parseAnnotationQuery(std::string_view q) {
  std::vector<AnnotationTerm> out;
  if (trim(q).empty()) return out;
  // Split at whitespace-delimited `and` words.
  std::vector<std::string_view> parts;
  std::size_t item_start = 0, i = 0;
  while (i < q.size()) {
    while (i < q.size() && isAsciiSpace(q[i])) ++i;
    const std::size_t word_start = i;
    while (i < q.size() && !isAsciiSpace(q[i])) ++i;
    if (equalsNoCase(q.substr(word_start, i - word_start), "and")) {
      parts.push_back(q.substr(item_start, word_start - item_start));
      item_start = i;
    }
  }
  parts.push_back(q.substr(item_start));
  if (parts.size() > 64) return invalidArgument("annotationQuery: more than 64 terms");
  for (std::string_view part : parts) {
    part = trim(part);
    if (part.empty())
      return invalidArgument("annotationQuery: empty term in \"" + std::string(q) + "\"");
    AnnotationTerm t;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      t.key = std::string(part);
    } else {
      t.key = std::string(trim(part.substr(0, eq)));
      t.value = std::string(trim(part.substr(eq + 1)));
    }
    if (t.key.empty()) {
      return invalidArgument("annotationQuery: term without a key: \"" + std::string(part) + "\"");
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<model::Tag> parseTagFilter(std::string_view s) {
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    return invalidArgument("tag filter \"" + std::string(s) + "\" is not key:value");
  }
  if (colon == 0) return invalidArgument("tag filter \"" + std::string(s) + "\" has no key");
  return model::Tag{std::string(s.substr(0, colon)), std::string(s.substr(colon + 1))};
}

std::optional<std::int64_t> parseApmTimeMs(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
    // Keep ns arithmetic (ms * 1e6) in range.
    if (v > kMaxTimeMs || v < -kMaxTimeMs) return std::nullopt;
    return v;
  }
  if (r.ec == std::errc::result_out_of_range) return std::nullopt;
  // RFC 3339 only: a plain number with a fraction is not a millisecond time.
  if (s.find('T') == std::string_view::npos && s.find('t') == std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<std::int64_t> t = parseRfc3339Nano(s);
  if (t) *t /= 1'000'000;
  if (t && (*t > kMaxTimeMs || *t < -kMaxTimeMs)) return std::nullopt;
  return t;
}

std::optional<std::int64_t> parseNonNegative(std::string_view s) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  std::int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::int64_t addSaturating(std::int64_t a, std::int64_t b) { return addSat(a, b); }

std::int64_t subSaturating(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

std::vector<std::string> splitList(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    std::size_t c = s.find(',');
    std::string_view item = trim(s.substr(0, c));
    if (!item.empty()) out.emplace_back(item);
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace sextant::server::trace_api

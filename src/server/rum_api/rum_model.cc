// The pure parts of the RUM analytics API: see rum_model.h.
#include "server/rum_api/rum_model.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/crc32c.h"
#include "core/duration.h"

namespace sextant::server::rum_api {
namespace {

constexpr std::int64_t kMaxIntervalMs = 366LL * 24 * 3600 * 1000;

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> decimal(std::string_view s) {
  if (!allDigits(s) || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool isHexOrDash(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string partText(const codec::multipart::MultipartPart* p) {
  return p ? std::string(trim(p->data)) : std::string();
}

// Index values must not hold the separators.
std::string clean(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

Result<std::int64_t> parseIntervalMs(std::string_view s) {
  std::int64_t ms = 0;
  if (allDigits(s)) {
    std::optional<std::int64_t> v = decimal(s);
    if (!v) return invalidArgument("interval \"" + std::string(s) + "\" is too large");
    ms = *v;
  } else {
    Result<std::chrono::nanoseconds> d = parseDuration(s);
    if (!d.isOk()) {
      return invalidArgument("interval \"" + std::string(s) +
                             "\" is neither milliseconds nor a duration like 5m");
    }
    ms = d->count() / kNsPerMs;
  }
  if (ms < 1000) return invalidArgument("interval must be at least 1s");
  if (ms > kMaxIntervalMs) return invalidArgument("interval must be at most 366 days");
  return ms;
}

Result<std::int64_t> parseLimit(std::string_view s, std::int64_t max) {
  std::optional<std::int64_t> v = decimal(s);
  if (!v || *v < 1 || *v > max) {
    return invalidArgument("\"" + std::string(s) + "\" is not an integer in [1, " +
                           std::to_string(max) + "]");
  }
  return *v;
}

Result<std::int64_t> parseOffset(std::string_view s) {
  std::optional<std::int64_t> v = decimal(s);
  if (!v || *v > 1'000'000'000) {
    return invalidArgument("\"" + std::string(s) + "\" is not an integer in [0, 1000000000]");
  }
  return *v;
}

std::optional<bool> parseBool(std::string_view s) {
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return std::nullopt;
}

bool validId(std::string_view s) {
  if (s.empty() || s.size() > 128 || s.front() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<SessionRef> parseSessionRef(std::string_view s) {
  SessionRef r;
  std::size_t hash = s.find('#');
  std::string_view id = s.substr(0, hash);
  if (!validId(id)) return invalidArgument("invalid session id \"" + std::string(s) + "\"");
  r.session_id = std::string(id);
  if (hash != std::string_view::npos) {
    std::string_view n = s.substr(hash + 1);
    std::optional<std::int64_t> v = decimal(n);
    if (!v || *v < 2 || *v > 1'000'000 || n.front() == '0') {
      return invalidArgument("invalid session ordinal in \"" + std::string(s) +
                             "\" (use id or id#N with N >= 2)");
    }
    r.ordinal = static_cast<int>(*v);
  }
  return r;
}

std::string sessionRefString(std::string_view session_id, int ordinal) {
  std::string s(session_id);
  if (ordinal > 1) s += "#" + std::to_string(ordinal);
  return s;
}

std::vector<SessionSpan> splitSessions(std::vector<SessionEvent>& events, std::int64_t idle_ns) {
  std::sort(events.begin(), events.end(), [](const SessionEvent& a, const SessionEvent& b) {
    if (a.session != b.session) return a.session < b.session;
    if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
    return a.event < b.event;
  });
  std::vector<SessionSpan> out;
  std::size_t i = 0;
  while (i < events.size()) {
    SessionSpan span{events[i].session, 1, i, i + 1};
    std::size_t j = i + 1;
    for (; j < events.size() && events[j].session == span.session; ++j) {
      // Compare without overflow: times are arbitrary int64 from clients.
      const std::int64_t prev = events[j - 1].time_ns;
      const std::int64_t cur = events[j].time_ns;
      const bool gap = prev < 0 ? (cur > prev + idle_ns) : (cur - prev > idle_ns);
      if (gap) {
        span.end = j;
        out.push_back(span);
        span = SessionSpan{span.session, span.ordinal + 1, j, j + 1};
      }
    }
    span.end = j;
    out.push_back(span);
    i = j;
  }
  return out;
}

std::optional<double> nearestRank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  const double n = static_cast<double>(sorted.size());
  double rank = std::ceil(q * n);
  if (!(rank >= 1)) rank = 1;  // also NaN q
  if (rank > n) rank = n;
  return sorted[static_cast<std::size_t>(rank) - 1];
}

std::string normalizeErrorMessage(std::string_view message) {
  std::string_view line = message.substr(0, message.find('\n'));
  std::string out;
  std::size_t i = 0;
  while (i < line.size() && out.size() < 256) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (!out.empty() && i < line.size()) out.push_back(' ');
      continue;
    }
    if (isHexOrDash(c)) {
      std::size_t j = i;
      bool digit = false;
      while (j < line.size() && isHexOrDash(line[j])) {
        digit = digit || (line[j] >= '0' && line[j] <= '9');
        ++j;
      }
      // A token boundary on the left: not in the middle of a word.
      const bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(line[i - 1]));
      const bool word_end = j == line.size() || !std::isalnum(static_cast<unsigned char>(line[j]));
      if (digit && word_start && word_end && j - i >= 8) {
        out.push_back('?');
      } else {
        // Not an id: copy it with its digit runs replaced (one pass over the token).
        for (std::size_t k = i; k < j && out.size() < 256; ++k) {
          const bool d = line[k] >= '0' && line[k] <= '9';
          if (!d) {
            out.push_back(line[k]);
          } else if (k == i || !(line[k - 1] >= '0' && line[k - 1] <= '9')) {
            out.push_back('?');
          }
        }
      }
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9') {
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
      out.push_back('?');
      continue;
    }
    out.push_back(c);
    ++i;
  }
  if (out.size() > 256) out.resize(256);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string_view firstStackFrame(std::string_view stack) {
  std::size_t pos = 0;
  while (pos < stack.size()) {
    std::size_t nl = stack.find('\n', pos);
    std::string_view line =
        trim(stack.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? stack.size() : nl + 1;
    if (line.empty()) continue;
    if (line.starts_with("at ") || line.find(" @ ") != std::string_view::npos) {
      return line.substr(0, 512);
    }
    // Firefox/Safari: "fn@http://host/file.js:1:2" (no spaces before the '@').
    std::size_t at = line.find('@');
    if (at != std::string_view::npos && line.find(' ') > at && line.find(':', at) != line.npos) {
      return line.substr(0, 512);
    }
  }
  return {};
}

Result<ReplaySegmentMeta> replayMetaFromParts(
    const std::vector<codec::multipart::MultipartPart>& parts) {
  using codec::multipart::findPart;
  ReplaySegmentMeta m;
  const codec::multipart::MultipartPart* seg = findPart(parts, "segment");
  if (seg == nullptr) return invalidArgument("replay upload has no \"segment\" part");
  m.data = seg->data;
  m.content_type = seg->content_type.empty() ? "application/octet-stream" : seg->content_type;
  for (auto [name, out] : {std::pair<const char*, std::string*>{"app_id", &m.app_id},
                           {"session_id", &m.session_id},
                           {"view_id", &m.view_id}}) {
    *out = partText(findPart(parts, name));
    if (!validId(*out)) {
      return invalidArgument(std::string("replay upload: invalid or missing \"") + name +
                             "\" (1-128 characters of [A-Za-z0-9._-])");
    }
  }
  for (auto [name, out] :
       {std::pair<const char*, std::int64_t*>{"start", &m.start_ms}, {"end", &m.end_ms}}) {
    std::optional<std::int64_t> v = decimal(partText(findPart(parts, name)));
    if (!v) {
      return invalidArgument(std::string("replay upload: invalid or missing \"") + name +
                             "\" (Unix milliseconds)");
    }
    *out = *v;
  }
  if (m.start_ms > m.end_ms) return invalidArgument("replay upload: start is after end");
  if (const auto* rc = findPart(parts, "records_count")) {
    std::optional<std::int64_t> v = decimal(trim(rc->data));
    if (!v) return invalidArgument("replay upload: invalid \"records_count\"");
    m.records_count = *v;
  }
  m.creation_reason = clean(partText(findPart(parts, "creation_reason")));
  if (!validId(m.creation_reason)) m.creation_reason.clear();
  m.has_full_snapshot = partText(findPart(parts, "has_full_snapshot")) == "true";
  m.content_type = clean(std::string_view(m.content_type).substr(0, 256));
  return m;
}

namespace {
constexpr std::string_view kIndexHeader = "sextant-rum-replay-index 1";

std::vector<std::string_view> splitTabs(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t t = s.find('\t', pos);
    out.push_back(s.substr(pos, t == std::string_view::npos ? std::string_view::npos : t - pos));
    if (t == std::string_view::npos) break;
    pos = t + 1;
  }
  return out;
}

std::optional<std::int64_t> signedDecimal(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

std::string encodeReplayIndex(const std::vector<ReplaySegmentInfo>& segments) {
  std::string out(kIndexHeader);
  out.push_back('\n');
  for (const ReplaySegmentInfo& s : segments) {
    std::string line = std::to_string(s.seq) + "\t" + clean(s.view_id) + "\t" +
                       std::to_string(s.start_ms) + "\t" + std::to_string(s.end_ms) + "\t" +
                       std::to_string(s.records_count) + "\t" + std::to_string(s.size) + "\t" +
                       std::to_string(s.stored_ns) + "\t" + clean(s.content_type) + "\t" +
                       clean(s.creation_reason) + "\t" + (s.has_full_snapshot ? "1" : "0");
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32c(line));
    out += crc;
    out.push_back('\t');
    out += line;
    out.push_back('\n');
  }
  return out;
}

Result<std::vector<ReplaySegmentInfo>> decodeReplayIndex(std::string_view text) {
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos || text.substr(0, nl) != kIndexHeader) {
    return invalidArgument("replay index: unknown header");
  }
  std::vector<ReplaySegmentInfo> out;
  std::size_t pos = nl + 1;
  int line_no = 1;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      return dataLoss("replay index: line " + std::to_string(line_no) + " is truncated");
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    auto bad = [&](const char* what) {
      return dataLoss("replay index: line " + std::to_string(line_no) + ": " + what);
    };
    if (line.size() < 10 || line[8] != '\t') return bad("no checksum");
    std::string_view rest = line.substr(9);
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32c(rest));
    if (line.substr(0, 8) != std::string_view(crc, 8)) return bad("checksum mismatch");
    std::vector<std::string_view> f = splitTabs(rest);
    if (f.size() != 10) return bad("wrong number of values");
    ReplaySegmentInfo s;
    std::optional<std::int64_t> nums[6] = {signedDecimal(f[0]), signedDecimal(f[2]),
                                           signedDecimal(f[3]), signedDecimal(f[4]),
                                           signedDecimal(f[5]), signedDecimal(f[6])};
    for (const auto& n : nums) {
      if (!n) return bad("bad number");
    }
    s.seq = *nums[0];
    s.view_id = std::string(f[1]);
    s.start_ms = *nums[1];
    s.end_ms = *nums[2];
    s.records_count = *nums[3];
    s.size = *nums[4];
    s.stored_ns = *nums[5];
    s.content_type = std::string(f[7]);
    s.creation_reason = std::string(f[8]);
    if (f[9] != "0" && f[9] != "1") return bad("bad flag");
    s.has_full_snapshot = f[9] == "1";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sextant::server::rum_api

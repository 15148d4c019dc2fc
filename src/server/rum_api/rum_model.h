// The pure parts of the RUM analytics API (docs/api/rum.md): parsers of untrusted query
// parameters and replay uploads, session splitting, percentiles, error grouping keys and the
// replay index format. Depends on core, model and codec/multipart only, so its fuzz target
// builds in the fuzz tree; the routes (rum_api.cc) and the replay store use it.
//
// Thread-safety: pure functions over caller-owned values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/multipart/multipart.h"
#include "core/status.h"

namespace sextant::server::rum_api {

constexpr std::int64_t kNsPerMs = 1'000'000;
// A session id with no event for longer than this is split (the SDK's own expiry).
constexpr std::int64_t kSessionIdleNs = 15 * 60 * 1'000'000'000LL;

// ---- query parameters -------------------------------------------------------------------------

// The chart interval: Unix-less milliseconds ("60000") or a Go duration ("1m", "1h30m"); at least
// 1 s and at most 366 days. InvalidArgument otherwise.
Result<std::int64_t> parseIntervalMs(std::string_view s);

// A page size or count: a decimal integer in [1, max]. InvalidArgument otherwise.
Result<std::int64_t> parseLimit(std::string_view s, std::int64_t max);
// An offset: a decimal integer in [0, 1e9].
Result<std::int64_t> parseOffset(std::string_view s);

// "true"/"1" → true, "false"/"0" → false; anything else nullopt.
std::optional<bool> parseBool(std::string_view s);

// Whether s may name a session, view, app or workspace in a path and on disk: 1..128 characters
// of [A-Za-z0-9._-], not starting with '.'.
bool validId(std::string_view s);

// A derived session's id: the SDK's session_id for its first stretch of activity, then
// session_id + "#2", "#3", ... for each stretch that follows an idle gap > kSessionIdleNs.
struct SessionRef {
  std::string session_id;
  int ordinal = 1;
};
// "abc" → {abc, 1}; "abc#3" → {abc, 3}. InvalidArgument for a bad id or ordinal (< 1, "#1",
// leading zeros, > 1e6).
Result<SessionRef> parseSessionRef(std::string_view s);
std::string sessionRefString(std::string_view session_id, int ordinal);

// ---- sessions ---------------------------------------------------------------------------------

// One event of a session: `session` is the caller's index of its session_id, `event` the
// caller's index of the event.
struct SessionEvent {
  std::uint32_t session = 0;
  std::int64_t time_ns = 0;
  std::uint32_t event = 0;
};
// A derived session: events[begin, end) of the sorted vector, all of one session_id.
struct SessionSpan {
  std::uint32_t session = 0;
  int ordinal = 1;  // 1 for the first stretch of that session_id
  std::size_t begin = 0;
  std::size_t end = 0;
};
// Sorts events by (session, time, event) and splits each session_id's events where the gap
// between consecutive events exceeds idle_ns.
std::vector<SessionSpan> splitSessions(std::vector<SessionEvent>& events, std::int64_t idle_ns);

// ---- statistics -------------------------------------------------------------------------------

// The nearest-rank percentile of sorted values: the value at 1-based rank ceil(q * n), q in
// (0, 1]. nullopt when empty.
std::optional<double> nearestRank(const std::vector<double>& sorted, double q);

// ---- errors -----------------------------------------------------------------------------------

// The grouping form of an error message: the first line, whitespace runs collapsed, digit runs
// and hex/uuid-like tokens (8+ characters of hex digits and '-' holding a digit) replaced by "?",
// cut at 256 bytes.
std::string normalizeErrorMessage(std::string_view message);
// The first frame of a stack trace: the first line that looks like a frame ("at ..." in V8,
// "fn@url:l:c" in Firefox/Safari, or a line holding " @ "), trimmed; "" when there is none.
std::string_view firstStackFrame(std::string_view stack);

// ---- replay -----------------------------------------------------------------------------------

// What an upload says about its segment (the form fields of the browser SDK's upload).
struct ReplaySegmentMeta {
  std::string app_id, session_id, view_id;
  std::int64_t start_ms = 0, end_ms = 0;
  std::int64_t records_count = 0;  // 0 when absent
  std::string creation_reason;     // "init", "segment_duration_limit", ...; may be empty
  bool has_full_snapshot = false;
  std::string content_type;  // of the segment part ("application/octet-stream" when absent)
  std::string_view data;     // the segment bytes (a view into the body)
};
// Reads the parts of a replay upload: a `segment` part (the data) and the fields app_id,
// session_id, view_id (validId), start and end (Unix ms, start <= end); records_count,
// creation_reason, has_full_snapshot optional. InvalidArgument naming the bad field.
Result<ReplaySegmentMeta> replayMetaFromParts(
    const std::vector<codec::multipart::MultipartPart>& p);

// One stored segment as the per-session index lists it.
struct ReplaySegmentInfo {
  std::int64_t seq = 0;
  std::string view_id;
  std::int64_t start_ms = 0, end_ms = 0;
  std::int64_t records_count = 0;
  std::int64_t size = 0;       // bytes of the stored segment
  std::int64_t stored_ns = 0;  // when it was stored (retention)
  std::string content_type;
  std::string creation_reason;
  bool has_full_snapshot = false;
  bool operator==(const ReplaySegmentInfo&) const = default;
};
// The index file: the line "sextant-rum-replay-index 1", then one line per segment of
// tab-separated values prefixed by the CRC-32C (8 hex digits) of the rest of the line.
std::string encodeReplayIndex(const std::vector<ReplaySegmentInfo>& segments);
// DataLoss for a bad checksum or a malformed line, InvalidArgument for an unknown header.
Result<std::vector<ReplaySegmentInfo>> decodeReplayIndex(std::string_view text);

}  // namespace sextant::server::rum_api

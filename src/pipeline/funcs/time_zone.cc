// TZif reading, POSIX TZ rules and the zone cache. See time_parse.h (TimeZone).
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "pipeline/funcs/civil.h"
#include "pipeline/funcs/time_parse.h"

namespace sextant::pipeline::funcs {

// A POSIX TZ footer: std offset, and optionally a DST offset with start/end rules.
struct TimeZone::Rule {
  struct When {
    char kind = 'M';  // 'M' (month.week.day), 'J' (1..365, no Feb 29), 'D' (0..365)
    int month = 0, week = 0, day = 0;
    int64_t time = 7200;  // seconds after local midnight (may be negative or > 24h)
  };
  int32_t std_offset = 0;
  bool has_dst = false;
  int32_t dst_offset = 0;
  When start, end;
};

namespace {

constexpr size_t kMaxZoneFileSize = 1 << 20;

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
int64_t be64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

// --- POSIX TZ string parsing (RFC 8536 section 3.3, POSIX.1 TZ) ---

struct TzParser {
  std::string_view s;
  size_t i = 0;

  bool name() {
    if (i < s.size() && s[i] == '<') {
      size_t close = s.find('>', i);
      if (close == std::string_view::npos || close == i + 1) return false;
      i = close + 1;
      return true;
    }
    size_t b = i;
    while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) ++i;
    return i - b >= 3;
  }
  bool num(int max_digits, int* out) {
    int v = 0, n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && n < max_digits) {
      v = v * 10 + (s[i++] - '0');
      ++n;
    }
    *out = v;
    return n > 0;
  }
  // [+-]hh[:mm[:ss]] -> seconds; hours up to max_hours.
  bool hms(int max_hours, int64_t* out) {
    int sign = 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
    int h = 0, m = 0, sec = 0;
    if (!num(3, &h) || h > max_hours) return false;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!num(2, &m) || m > 59) return false;
      if (i < s.size() && s[i] == ':') {
        ++i;
        if (!num(2, &sec) || sec > 59) return false;
      }
    }
    *out = sign * (int64_t{h} * 3600 + m * 60 + sec);
    return true;
  }
  bool when(TimeZone::Rule::When* w) {
    if (i >= s.size()) return false;
    if (s[i] == 'M') {
      ++i;
      w->kind = 'M';
      if (!num(2, &w->month) || w->month < 1 || w->month > 12) return false;
      if (i >= s.size() || s[i++] != '.') return false;
      if (!num(1, &w->week) || w->week < 1 || w->week > 5) return false;
      if (i >= s.size() || s[i++] != '.') return false;
      if (!num(1, &w->day) || w->day > 6) return false;
    } else if (s[i] == 'J') {
      ++i;
      w->kind = 'J';
      if (!num(3, &w->day) || w->day < 1 || w->day > 365) return false;
    } else {
      w->kind = 'D';
      if (!num(3, &w->day) || w->day > 365) return false;
    }
    w->time = 7200;
    if (i < s.size() && s[i] == '/') {
      ++i;
      if (!hms(167, &w->time)) return false;
    }
    return true;
  }
};

Result<std::shared_ptr<const TimeZone::Rule>> parsePosixTz(std::string_view s) {
  TzParser p{s};
  auto r = std::make_shared<TimeZone::Rule>();
  int64_t off = 0;
  if (!p.name() || !p.hms(24, &off)) return invalidArgument("TZ string: bad std part");
  r->std_offset = static_cast<int32_t>(-off);
  if (p.i == s.size()) return std::shared_ptr<const TimeZone::Rule>(r);
  if (!p.name()) return invalidArgument("TZ string: bad dst name");
  r->has_dst = true;
  r->dst_offset = r->std_offset + 3600;
  if (p.i < s.size() && s[p.i] != ',') {
    if (!p.hms(24, &off)) return invalidArgument("TZ string: bad dst offset");
    r->dst_offset = static_cast<int32_t>(-off);
  }
  if (p.i >= s.size() || s[p.i++] != ',' || !p.when(&r->start)) {
    return invalidArgument("TZ string: bad dst start rule");
  }
  if (p.i >= s.size() || s[p.i++] != ',' || !p.when(&r->end) || p.i != s.size()) {
    return invalidArgument("TZ string: bad dst end rule");
  }
  return std::shared_ptr<const TimeZone::Rule>(r);
}

// Local seconds (since the epoch, as if UTC) of a rule's moment in year y.
int64_t ruleLocal(const TimeZone::Rule::When& w, int64_t y) {
  int64_t days = 0;
  if (w.kind == 'M') {
    int64_t first = civil::daysFromCivil(y, w.month, 1);
    int wd = civil::weekday(first);
    int64_t d = (w.day - wd + 7) % 7 + int64_t{w.week - 1} * 7;
    int dim = civil::daysInMonth(y, w.month);
    while (d >= dim) d -= 7;
    days = first + d;
  } else if (w.kind == 'J') {
    int64_t n = w.day - 1;  // Feb 29 never counted
    if (civil::isLeap(y) && w.day >= 60) ++n;
    days = civil::daysFromCivil(y, 1, 1) + n;
  } else {
    days = civil::daysFromCivil(y, 1, 1) + w.day;
  }
  return days * civil::kSecondsPerDay + w.time;
}

int32_t ruleOffset(const TimeZone::Rule& r, int64_t utc) {
  if (!r.has_dst) return r.std_offset;
  int64_t y;
  int m, d;
  civil::civilFromDays(civil::floorDiv(utc + r.std_offset, civil::kSecondsPerDay), &y, &m, &d);
  int64_t start = ruleLocal(r.start, y) - r.std_offset;  // start is given in standard time
  int64_t end = ruleLocal(r.end, y) - r.dst_offset;      // end is given in daylight time
  bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
  return dst ? r.dst_offset : r.std_offset;
}

struct Cache {
  std::mutex mu;
  std::string dir;
  std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> zones;
};

Cache& cache() {
  static Cache* c = [] {
    auto* x = new Cache();
    const char* env = std::getenv("ZONEINFO");
    x->dir = env != nullptr && *env != '\0' ? env : "/usr/share/zoneinfo";
    return x;
  }();
  return *c;
}

Result<std::string> readSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return notFound("time zone file not found: " + path);
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxZoneFileSize) return outOfRange("time zone file too large: " + path);
  }
  return data;
}

// "+8", "-5", "+08:00", "+0530", "+8:30", "UTC+8" -> seconds east of UTC.
bool parseFixedOffset(std::string_view tz, int32_t* out) {
  if (tz.size() > 3 && (tz.substr(0, 3) == "UTC" || tz.substr(0, 3) == "GMT")) tz.remove_prefix(3);
  if (tz.empty() || (tz[0] != '+' && tz[0] != '-')) return false;
  int sign = tz[0] == '-' ? -1 : 1;
  tz.remove_prefix(1);
  auto digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return !s.empty();
  };
  std::string_view hh, mm;
  size_t colon = tz.find(':');
  if (colon != std::string_view::npos) {
    hh = tz.substr(0, colon);
    mm = tz.substr(colon + 1);
    if (mm.size() != 2) return false;
  } else if (tz.size() == 4) {
    hh = tz.substr(0, 2);
    mm = tz.substr(2);
  } else {
    hh = tz;
  }
  if (!digits(hh) || hh.size() > 2 || (!mm.empty() && !digits(mm))) return false;
  int h = std::stoi(std::string(hh));
  int m = mm.empty() ? 0 : std::stoi(std::string(mm));
  if (h > 14 || m > 59) return false;
  *out = sign * (h * 3600 + m * 60);
  return true;
}

bool validZoneName(std::string_view n) {
  if (n.empty() || n.size() > 255 || n[0] == '/' || n.find("..") != std::string_view::npos)
    return false;
  for (char c : n) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::fixed(int32_t offset_seconds, std::string name) {
  auto z = std::shared_ptr<TimeZone>(new TimeZone());
  z->name_ = std::move(name);
  z->initial_offset_ = offset_seconds;
  return z;
}

Result<std::shared_ptr<const TimeZone>> TimeZone::parseTzif(std::string_view data,
                                                            std::string name) {
  auto bad = [](const std::string& why) { return dataLoss("TZif: " + why); };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  struct Header {
    uint64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
  };
  auto header = [&](size_t off, Header* h) -> Status {
    if (n < off + 44) return bad("truncated header");
    if (data.substr(off, 4) != "TZif") return bad("bad magic");
    char v = data[off + 4];
    if (v != '\0' && v != '2' && v != '3' && v != '4') return bad("unknown version");
    const unsigned char* q = p + off + 20;
    *h = {be32(q), be32(q + 4), be32(q + 8), be32(q + 12), be32(q + 16), be32(q + 20)};
    if (h->typecnt == 0 || h->typecnt > 256 || (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
      return bad("inconsistent counts");
    }
    return Status::ok();
  };
  auto blockSize = [](const Header& h, uint64_t tsize) {
    return h.timecnt * tsize + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (tsize + 4) +
           h.isstdcnt + h.isutcnt;
  };
  Header h{};
  SEXTANT_RETURN_IF_ERROR(header(0, &h));
  uint64_t tsize = 4;
  size_t block = 44;
  uint64_t v1size = blockSize(h, 4);
  if (v1size > n - 44) return bad("truncated v1 data");
  std::string_view footer;
  if (data[4] != '\0') {
    size_t off2 = 44 + static_cast<size_t>(v1size);
    SEXTANT_RETURN_IF_ERROR(header(off2, &h));
    tsize = 8;
    block = off2 + 44;
    uint64_t v2size = blockSize(h, 8);
    if (v2size > n - block) return bad("truncated v2 data");
    size_t foot = block + static_cast<size_t>(v2size);
    if (foot < n) {
      if (data[foot] != '\n') return bad("bad footer");
      size_t end = data.find('\n', foot + 1);
      if (end == std::string_view::npos) return bad("unterminated footer");
      footer = data.substr(foot + 1, end - foot - 1);
    }
  }
  const unsigned char* times = p + block;
  const unsigned char* idx = times + h.timecnt * tsize;
  const unsigned char* types = idx + h.timecnt;
  std::vector<int32_t> offsets(h.typecnt);
  for (size_t k = 0; k < h.typecnt; ++k) {
    int32_t off = static_cast<int32_t>(be32(types + k * 6));
    if (off < -25 * 3600 || off > 26 * 3600) return bad("implausible UTC offset");
    offsets[k] = off;
  }
  auto z = std::shared_ptr<TimeZone>(new TimeZone());
  z->name_ = std::move(name);
  z->initial_offset_ = offsets[0];
  z->transitions_.reserve(h.timecnt);
  int64_t prev = INT64_MIN;
  for (size_t k = 0; k < h.timecnt; ++k) {
    int64_t at = tsize == 8 ? be64(times + k * 8) : static_cast<int32_t>(be32(times + k * 4));
    if (k > 0 && at <= prev) return bad("transitions out of order");
    prev = at;
    if (idx[k] >= h.typecnt) return bad("transition type index out of range");
    z->transitions_.push_back(Transition{at, offsets[idx[k]]});
  }
  if (!footer.empty()) {
    auto rule = parsePosixTz(footer);
    if (!rule.isOk()) return bad(rule.status().message());
    z->rule_ = std::move(rule).value();
  }
  return std::shared_ptr<const TimeZone>(std::move(z));
}

int32_t TimeZone::offsetAtUtc(int64_t utc) const {
  if (transitions_.empty()) return rule_ ? ruleOffset(*rule_, utc) : initial_offset_;
  if (utc < transitions_.front().at) return initial_offset_;
  if (utc >= transitions_.back().at && rule_) return ruleOffset(*rule_, utc);
  size_t lo = 0, hi = transitions_.size();  // last transition with at <= utc
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (transitions_[mid].at <= utc) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return transitions_[lo].offset;
}

int64_t TimeZone::localToUtc(int64_t local) const {
  constexpr int64_t kDay = civil::kSecondsPerDay;
  int32_t before = offsetAtUtc(local - kDay);
  int32_t after = offsetAtUtc(local + kDay);
  int64_t a = local - before, b = local - after;
  bool a_ok = offsetAtUtc(a) == before, b_ok = offsetAtUtc(b) == after;
  if (a_ok && b_ok) return a < b ? a : b;
  if (b_ok && !a_ok) return b;
  if (!a_ok && !b_ok) {
    int32_t mid = offsetAtUtc(local);
    if (offsetAtUtc(local - mid) == mid) return local - mid;
  }
  return a;  // valid, or in a gap: the pre-transition offset
}

void setZoneinfoDirForTesting(std::string dir) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.dir = std::move(dir);
  c.zones.clear();
}

Result<std::shared_ptr<const TimeZone>> loadTimeZone(std::string_view tz) {
  static const std::shared_ptr<const TimeZone> kUtc = TimeZone::fixed(0, "UTC");
  if (tz == "UTC" || tz == "Z" || tz == "GMT" || tz == "Etc/UTC") return kUtc;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.zones.find(tz);
  if (it != c.zones.end()) return it->second;
  int32_t fixed_off = 0;
  if (parseFixedOffset(tz, &fixed_off)) {
    auto zone = TimeZone::fixed(fixed_off, std::string(tz));
    c.zones.emplace(std::string(tz), zone);
    return zone;
  }
  std::string path;
  if (tz.empty()) {
    // The process's local zone, as DataKit's default_time: $TZ, else /etc/localtime, else UTC.
    const char* env = std::getenv("TZ");
    std::string_view e = env != nullptr ? env : "";
    if (!e.empty() && e[0] == ':') e.remove_prefix(1);
    if (env != nullptr && (e.empty() || e == "UTC")) return kUtc;
    if (!e.empty() && validZoneName(e)) {
      path = c.dir + "/" + std::string(e);
    } else if (!e.empty() && e[0] == '/' && e.find("..") == std::string_view::npos) {
      path = std::string(e);
    } else {
      path = "/etc/localtime";
    }
    Result<std::string> data = readSmallFile(path);
    std::shared_ptr<const TimeZone> zone = kUtc;
    if (data.isOk()) {
      auto parsed = TimeZone::parseTzif(*data, "Local");
      if (parsed.isOk()) zone = *parsed;
    }
    c.zones.emplace("", zone);
    return zone;
  }
  if (!validZoneName(tz)) return invalidArgument("unknown time zone \"" + std::string(tz) + "\"");
  path = c.dir + "/" + std::string(tz);
  Result<std::string> data = readSmallFile(path);
  if (!data.isOk()) return invalidArgument("unknown time zone \"" + std::string(tz) + "\"");
  auto parsed = TimeZone::parseTzif(*data, std::string(tz));
  if (!parsed.isOk()) return parsed.status();
  c.zones.emplace(std::string(tz), *parsed);
  return *parsed;
}

}  // namespace sextant::pipeline::funcs

#include "agent/inputs/rum/ipdb.h"

#include <arpa/inet.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace sextant::agent::inputs::rum {

namespace {

// All ones in the low `bits` bits of a 128-bit value (bits in [0, 128]).
IpAddress lowMask(int bits) {
  IpAddress m;
  if (bits >= 128) return IpAddress{~uint64_t{0}, ~uint64_t{0}};
  if (bits >= 64) {
    m.lo = ~uint64_t{0};
    m.hi = bits == 64 ? 0 : (~uint64_t{0} >> (128 - bits));
  } else {
    m.lo = bits == 0 ? 0 : (~uint64_t{0} >> (64 - bits));
  }
  return m;
}

// Geo values become tag values; this keeps them well under the tag value limits.
constexpr size_t kMaxFieldBytes = 256;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> splitCommas(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    out.push_back(
        trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string addressText(IpAddress a) {
  unsigned char bytes[16];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(a.hi & 0xff);
    bytes[i + 8] = static_cast<unsigned char>(a.lo & 0xff);
    a.hi >>= 8;
    a.lo >>= 8;
  }
  char buf[INET6_ADDRSTRLEN];
  if (std::memcmp(bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
    ::inet_ntop(AF_INET, bytes + 12, buf, sizeof(buf));
  } else {
    ::inet_ntop(AF_INET6, bytes, buf, sizeof(buf));
  }
  return buf;
}

}  // namespace

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char bytes[16] = {};
  if (::inet_pton(AF_INET, buf, bytes + 12) == 1) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
  } else if (::inet_pton(AF_INET6, buf, bytes) != 1) {
    return std::nullopt;
  }
  IpAddress a;
  for (int i = 0; i < 8; ++i) {
    a.hi = (a.hi << 8) | bytes[i];
    a.lo = (a.lo << 8) | bytes[i + 8];
  }
  return a;
}

Result<IpDatabase> IpDatabase::parse(std::string_view text, std::string_view source_name) {
  IpDatabase db;
  std::unordered_map<std::string, uint32_t> interned;
  auto intern = [&](std::string_view s) -> uint32_t {
    std::string key(s.empty() ? std::string_view("unknown") : s);
    auto [it, inserted] = interned.emplace(key, static_cast<uint32_t>(db.strings_.size()));
    if (inserted) db.strings_.push_back(std::move(key));
    return it->second;
  };
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    auto fail = [&](const std::string& what) {
      return invalidArgument(std::string(source_name) + ":" + std::to_string(line_no) + ": " +
                             what);
    };
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    for (char ch : line) {
      if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') return fail("control character");
    }
    std::vector<std::string_view> f = splitCommas(line);
    Range r;
    r.line = line_no;
    size_t geo = 0;
    if (f.size() == 5 && f[0].find('/') != std::string_view::npos) {
      std::string_view cidr = f[0];
      size_t slash = cidr.find('/');
      std::string_view addr = cidr.substr(0, slash);
      std::string_view bits_text = cidr.substr(slash + 1);
      auto a = parseIpAddress(addr);
      if (!a) return fail("bad address '" + std::string(addr) + "'");
      bool v4 = addr.find(':') == std::string_view::npos;
      int max_bits = v4 ? 32 : 128;
      int bits = 0;
      if (bits_text.empty() || bits_text.size() > 3) return fail("bad prefix length");
      for (char ch : bits_text) {
        if (ch < '0' || ch > '9') return fail("bad prefix length '" + std::string(bits_text) + "'");
        bits = bits * 10 + (ch - '0');
      }
      if (bits > max_bits) return fail("bad prefix length '" + std::string(bits_text) + "'");
      int host_bits = max_bits - bits;
      IpAddress host_mask = lowMask(host_bits);
      r.start = IpAddress{a->hi & ~host_mask.hi, a->lo & ~host_mask.lo};
      r.end = IpAddress{r.start.hi | host_mask.hi, r.start.lo | host_mask.lo};
      geo = 1;
    } else if (f.size() == 6) {
      auto a = parseIpAddress(f[0]);
      if (!a) return fail("bad start address '" + std::string(f[0]) + "'");
      auto b = parseIpAddress(f[1]);
      if (!b) return fail("bad end address '" + std::string(f[1]) + "'");
      if (*b < *a) return fail("end address before start address");
      r.start = *a;
      r.end = *b;
      geo = 2;
    } else {
      return fail(
          "expected start_ip,end_ip,country,province,city,isp or cidr,country,province,city,isp "
          "(" +
          std::to_string(f.size()) + " fields)");
    }
    for (size_t i = geo; i < geo + 4; ++i) {
      if (f[i].size() > kMaxFieldBytes) {
        return fail("field longer than " + std::to_string(kMaxFieldBytes) + " bytes");
      }
      if (!simdjson::validate_utf8(f[i].data(), f[i].size())) return fail("field not valid UTF-8");
    }
    r.country = intern(f[geo]);
    r.province = intern(f[geo + 1]);
    r.city = intern(f[geo + 2]);
    r.isp = intern(f[geo + 3]);
    db.ranges_.push_back(r);
  }
  std::sort(db.ranges_.begin(), db.ranges_.end(),
            [](const Range& a, const Range& b) { return a.start < b.start; });
  for (size_t i = 1; i < db.ranges_.size(); ++i) {
    const Range& prev = db.ranges_[i - 1];
    const Range& cur = db.ranges_[i];
    if (cur.start <= prev.end) {
      return invalidArgument(std::string(source_name) + ":" + std::to_string(cur.line) +
                             ": range starting at " + addressText(cur.start) +
                             " overlaps the range of line " + std::to_string(prev.line));
    }
  }
  return db;
}

Result<IpDatabase> IpDatabase::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return notFound("ipdb_path: cannot open '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status(StatusCode::kInternal, "ipdb_path: reading '" + path + "' failed");
  return parse(ss.str(), path);
}

std::optional<GeoRecord> IpDatabase::lookup(std::string_view ip) const {
  auto a = parseIpAddress(ip);
  if (!a) return std::nullopt;
  return lookup(*a);
}

std::optional<GeoRecord> IpDatabase::lookup(IpAddress address) const {
  // The last range starting at or before the address.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](IpAddress a, const Range& r) { return a < r.start; });
  if (it == ranges_.begin()) return std::nullopt;
  --it;
  if (address > it->end) return std::nullopt;
  return GeoRecord{strings_[it->country], strings_[it->province], strings_[it->city],
                   strings_[it->isp]};
}

}  // namespace sextant::agent::inputs::rum

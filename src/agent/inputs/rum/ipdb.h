// IpDatabase: the rum input's optional IP geo database (option `ipdb_path`): IP ranges with
// country, province, city and ISP, loaded once into sorted ranges and looked up by binary search.
//
// File format (UTF-8 text, one range per line; documented in docs/inputs/rum.md):
//   # comment lines and blank lines are ignored
//   start_ip,end_ip,country,province,city,isp      an inclusive range
//   cidr,country,province,city,isp                 a prefix ("203.0.113.0/24", "2001:db8::/32")
// IPv4 and IPv6 may be mixed (IPv4 is stored as ::ffff:a.b.c.d, so "::ffff:1.2.3.4" and
// "1.2.3.4" are the same address). Fields are not quoted and cannot contain ',' or control
// characters; surrounding spaces are trimmed; an empty field reads back as "unknown"; a field
// is valid UTF-8 of at most 256 bytes. Ranges
// must not overlap (start <= end; an overlap is an error naming both lines). Every error names
// the line: "ipdb.csv:12: bad end address 'x'".
//
// Ownership: the database owns its ranges and strings; lookup results point into it.
// Thread-safety: immutable after parse(); lookup() is safe from any number of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::agent::inputs::rum {

// A 128-bit address, big-endian halves (IPv4 as IPv4-mapped IPv6 ::ffff:a.b.c.d).
struct IpAddress {
  uint64_t hi = 0;
  uint64_t lo = 0;
  auto operator<=>(const IpAddress&) const = default;
};

// The address `text` names ("1.2.3.4", "2001:db8::1"), or nullopt when it is not one.
std::optional<IpAddress> parseIpAddress(std::string_view text);

struct GeoRecord {
  std::string_view country;
  std::string_view province;
  std::string_view city;
  std::string_view isp;
};

class IpDatabase {
 public:
  // Parses the whole text; `source_name` prefixes errors. InvalidArgument on any bad line.
  static Result<IpDatabase> parse(std::string_view text, std::string_view source_name);
  // Reads and parses a file (NotFound / I/O errors name the path).
  static Result<IpDatabase> load(const std::string& path);

  // The range holding `ip` (text form, v4 or v6), or nullopt (unknown or not an address).
  std::optional<GeoRecord> lookup(std::string_view ip) const;
  std::optional<GeoRecord> lookup(IpAddress address) const;

  size_t size() const { return ranges_.size(); }

 private:
  struct Range {
    IpAddress start;
    IpAddress end;
    uint32_t country = 0, province = 0, city = 0, isp = 0;  // indexes into strings_
    uint32_t line = 0;
  };
  std::vector<Range> ranges_;         // sorted by start, disjoint
  std::vector<std::string> strings_;  // deduplicated field values
};

}  // namespace sextant::agent::inputs::rum

// Shared pieces of the Zipkin decoders: ids, addresses, errors and the v1 -> v2 conversion.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "codec/zipkin/zipkin_internal.h"

namespace sextant::codec::zipkin::internal {

using model::Span;
using model::SpanEndpoint;
using model::SpanKind;

Status spanError(std::string_view format, size_t index, std::string_view what) {
  std::string msg(format);
  msg += " span ";
  msg += std::to_string(index);
  msg += ": ";
  msg += what;
  return invalidArgument(std::move(msg));
}

Status bodyError(std::string_view format, std::string_view what) {
  std::string msg(format);
  msg += " body: ";
  msg += what;
  return invalidArgument(std::move(msg));
}

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Appends `hex` lowercased, left-padded with zeros to `width`. Returns false on a non-hex
// character.
bool appendPaddedHex(std::string_view hex, size_t width, std::string* out) {
  out->append(width - hex.size(), '0');
  for (char c : hex) {
    if (c >= '0' && c <= '9') {
      out->push_back(c);
    } else if (c >= 'a' && c <= 'f') {
      out->push_back(c);
    } else if (c >= 'A' && c <= 'F') {
      out->push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      return false;
    }
  }
  return true;
}

bool allZeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

const char* normaliseTraceId(std::string_view hex, std::string* out) {
  out->clear();
  if (hex.empty()) return "empty trace id";
  if (hex.size() > 32) return "trace id longer than 32 hex digits";
  size_t width = hex.size() > 16 ? 32 : 16;
  if (!appendPaddedHex(hex, width, out)) return "trace id is not hex";
  if (width == 32 && allZeros(std::string_view(*out).substr(0, 16))) out->erase(0, 16);
  if (allZeros(*out)) return "trace id is zero";
  return nullptr;
}

const char* normaliseSpanId(std::string_view hex, std::string* out) {
  out->clear();
  if (hex.empty()) return "empty span id";
  if (hex.size() > 16) return "span id longer than 16 hex digits";
  if (!appendPaddedHex(hex, 16, out)) return "span id is not hex";
  if (allZeros(*out)) return "span id is zero";
  return nullptr;
}

const char* normaliseParentId(std::string_view hex, std::string* out) {
  out->clear();
  if (hex.empty()) return nullptr;
  if (hex.size() > 16) return "parent id longer than 16 hex digits";
  if (!appendPaddedHex(hex, 16, out)) return "parent id is not hex";
  if (allZeros(*out)) out->clear();
  return nullptr;
}

std::string hex64(uint64_t v) {
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<size_t>(i)] = kHexDigits[v & 0xf];
    v >>= 4;
  }
  return s;
}

std::string traceIdHex(uint64_t high, uint64_t low) {
  if (high == 0) return hex64(low);
  return hex64(high) + hex64(low);
}

uint64_t loadBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

std::string ipv4Text(uint32_t ip) {
  if (ip == 0) return "";
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!s.empty()) s.push_back('.');
    s += std::to_string((ip >> shift) & 0xff);
  }
  return s;
}

std::string ipv4TextFromBytes(std::string_view b) {
  if (b.size() != 4) return "";
  uint32_t ip = 0;
  for (char c : b) ip = ip << 8 | static_cast<uint8_t>(c);
  return ipv4Text(ip);
}

std::string ipv6TextFromBytes(std::string_view b) {
  if (b.size() != 16) return "";
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, b.data(), buf, sizeof buf) == nullptr) return "";
  return buf;
}

namespace {

// Copies `text` NUL-terminated into buf (false when it cannot be an address: too long or an
// embedded NUL).
bool toCString(std::string_view text, char (&buf)[64]) {
  if (text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return true;
}

}  // namespace

bool setIpv4(std::string_view text, SpanEndpoint* ep) {
  char buf[64];
  unsigned char addr[4];
  if (!toCString(text, buf) || inet_pton(AF_INET, buf, addr) != 1) return false;
  ep->ipv4 = ipv4TextFromBytes(std::string_view(reinterpret_cast<const char*>(addr), 4));
  return true;
}

bool setIpv6(std::string_view text, SpanEndpoint* ep) {
  char buf[64];
  unsigned char addr[16];
  if (!toCString(text, buf) || inet_pton(AF_INET6, buf, addr) != 1) return false;
  setIpv6Bytes(std::string_view(reinterpret_cast<const char*>(addr), 16), ep);
  return true;
}

void setIpv6Bytes(std::string_view b, SpanEndpoint* ep) {
  if (b.size() != 16) return;
  static constexpr char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\xff', '\xff'};
  if (std::memcmp(b.data(), kMappedPrefix, 12) == 0) {
    if (ep->ipv4.empty()) ep->ipv4 = ipv4TextFromBytes(b.substr(12));
    return;
  }
  ep->ipv6 = ipv6TextFromBytes(b);
}

std::string doubleText(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void setErrorFromTags(Span* span) {
  if (const model::SpanTag* t = span->findTag("error")) {
    span->error = true;
    span->error_message = t->value;
  }
}

// ---- v1 -> v2 -------------------------------------------------------------------------------

namespace {

// The core annotations of a v1 span (the first of each value that has an endpoint).
struct Core {
  const V1Annotation* cs = nullptr;
  const V1Annotation* cr = nullptr;
  const V1Annotation* sr = nullptr;
  const V1Annotation* ss = nullptr;
  const V1Annotation* ms = nullptr;
  const V1Annotation* mr = nullptr;
  const V1Annotation* ws = nullptr;
  const V1Annotation* wr = nullptr;

  const V1Annotation** slot(std::string_view v) {
    if (v.size() != 2) return nullptr;
    if (v == "cs") return &cs;
    if (v == "cr") return &cr;
    if (v == "sr") return &sr;
    if (v == "ss") return &ss;
    if (v == "ms") return &ms;
    if (v == "mr") return &mr;
    if (v == "ws") return &ws;
    if (v == "wr") return &wr;
    return nullptr;
  }
};

bool isAddress(const V1BinaryAnnotation& b) {
  return (b.key == "sa" || b.key == "ca" || b.key == "ma") && b.is_bool && b.bool_value &&
         b.endpoint.has_value();
}

Span newSpan(const V1Span& v1, model::SpanFormat format) {
  Span s;
  s.format = format;
  s.trace_id = v1.trace_id;
  s.span_id = v1.id;
  s.parent_id = v1.parent_id;
  s.name = v1.name;
  s.debug = v1.debug;
  return s;
}

int64_t durationBetween(const V1Annotation* start, const V1Annotation* end) {
  if (start == nullptr || end == nullptr || end->timestamp <= start->timestamp) return 0;
  return end->timestamp - start->timestamp;
}

// Finds the first address annotation with this key.
const V1BinaryAnnotation* findAddress(const V1Span& v1, std::string_view key) {
  for (const V1BinaryAnnotation& b : v1.binary_annotations) {
    if (b.key == key && isAddress(b)) return &b;
  }
  return nullptr;
}

}  // namespace

void convertV1(V1Span&& v1, model::SpanFormat format, std::vector<Span>* out) {
  Core core;
  std::vector<const V1Annotation*> core_seen;  // core annotations in source order
  for (const V1Annotation& a : v1.annotations) {
    if (!a.endpoint) continue;
    const V1Annotation** slot = core.slot(a.value);
    if (slot != nullptr && *slot == nullptr) {
      *slot = &a;
      core_seen.push_back(&a);
    }
  }
  // An end annotation alone whose time is the span's end stands for the missing start too.
  auto synthStart = [&](const V1Annotation* end, V1Annotation* storage) -> const V1Annotation* {
    if (end == nullptr || v1.timestamp == 0 || v1.duration == 0 ||
        end->timestamp - v1.duration != v1.timestamp) {  // all three are >= 0: no overflow
      return nullptr;
    }
    storage->timestamp = v1.timestamp;
    storage->endpoint = end->endpoint;
    return storage;
  };
  V1Annotation synth_cs, synth_sr;
  const V1Annotation* cs = core.cs ? core.cs : synthStart(core.cr, &synth_cs);
  const V1Annotation* sr = core.sr ? core.sr : synthStart(core.ss, &synth_sr);

  // Which core annotations the conversion consumes; the others stay plain annotations.
  std::vector<const V1Annotation*> used;

  if (cs != nullptr && sr != nullptr) {
    // Both sides of one RPC in one v1 span: a client span and a shared server span.
    Span client = newSpan(v1, format);
    client.kind = SpanKind::kClient;
    client.local = *cs->endpoint;
    client.start_us = v1.timestamp != 0 ? v1.timestamp : cs->timestamp;
    client.duration_us = v1.duration != 0 ? v1.duration : durationBetween(cs, core.cr);
    Span server = newSpan(v1, format);
    server.kind = SpanKind::kServer;
    server.shared = true;
    server.local = *sr->endpoint;
    server.start_us = sr->timestamp;
    server.duration_us = durationBetween(sr, core.ss);
    used = {core.cs, core.cr, core.sr, core.ss};
    auto owner = [&](const std::optional<SpanEndpoint>& ep) -> Span* {
      if (ep && ep->service == server.local.service && ep->service != client.local.service) {
        return &server;
      }
      return &client;
    };
    for (const V1Annotation& a : v1.annotations) {
      if (std::find(used.begin(), used.end(), &a) != used.end()) continue;
      owner(a.endpoint)->annotations.push_back({a.timestamp, a.value});
    }
    for (V1BinaryAnnotation& b : v1.binary_annotations) {
      if (isAddress(b)) continue;
      owner(b.endpoint)->tags.push_back({std::move(b.key), std::move(b.value)});
    }
    if (const V1BinaryAnnotation* sa = findAddress(v1, "sa")) client.remote = *sa->endpoint;
    if (const V1BinaryAnnotation* ca = findAddress(v1, "ca")) server.remote = *ca->endpoint;
    setErrorFromTags(&client);
    setErrorFromTags(&server);
    out->push_back(std::move(client));
    out->push_back(std::move(server));
    return;
  }

  Span span = newSpan(v1, format);
  const V1Annotation* start = nullptr;
  const V1Annotation* end = nullptr;
  if (cs != nullptr || core.cr != nullptr) {
    span.kind = SpanKind::kClient;
    start = cs;
    end = core.cr;
  } else if (sr != nullptr || core.ss != nullptr) {
    span.kind = SpanKind::kServer;
    start = sr;
    end = core.ss;
    // v1 had no shared flag: a server side without its own timestamp shares the client's id.
    span.shared = core.sr != nullptr && v1.timestamp == 0;
  } else if (core.ms != nullptr) {
    span.kind = SpanKind::kProducer;
    start = core.ms;
    end = core.wr;
  } else if (core.mr != nullptr) {
    span.kind = SpanKind::kConsumer;
    start = core.ws != nullptr ? core.ws : core.mr;
    end = core.ws != nullptr ? core.mr : nullptr;
  }
  if (start != nullptr) used.push_back(start);
  if (end != nullptr) used.push_back(end);
  span.start_us = v1.timestamp != 0 ? v1.timestamp : (start != nullptr ? start->timestamp : 0);
  span.duration_us = v1.duration != 0 ? v1.duration : durationBetween(start, end);

  // Local endpoint: the core annotations' host, else the first host of any annotation.
  if (start != nullptr) {
    span.local = *start->endpoint;
  } else if (end != nullptr) {
    span.local = *end->endpoint;
  } else {
    bool found = false;
    for (const V1Annotation& a : v1.annotations) {
      if (a.endpoint) {
        span.local = *a.endpoint;
        found = true;
        break;
      }
    }
    for (const V1BinaryAnnotation& b : v1.binary_annotations) {
      if (found) break;
      if (b.endpoint && !isAddress(b)) {
        span.local = *b.endpoint;
        found = true;
      }
    }
  }

  for (V1Annotation& a : v1.annotations) {
    if (std::find(used.begin(), used.end(), &a) != used.end()) continue;
    span.annotations.push_back({a.timestamp, std::move(a.value)});
  }
  for (V1BinaryAnnotation& b : v1.binary_annotations) {
    if (isAddress(b)) continue;
    span.tags.push_back({std::move(b.key), std::move(b.value)});
  }

  // Remote endpoint from the address annotation matching the kind (sa: the server a client
  // called, ca: the client of a server, ma: the broker).
  const V1BinaryAnnotation* addr = nullptr;
  switch (span.kind) {
    case SpanKind::kClient: addr = findAddress(v1, "sa"); break;
    case SpanKind::kServer: addr = findAddress(v1, "ca"); break;
    case SpanKind::kProducer:
    case SpanKind::kConsumer: addr = findAddress(v1, "ma"); break;
    default:
      if ((addr = findAddress(v1, "sa")) != nullptr) {
        span.kind = SpanKind::kClient;
      } else if ((addr = findAddress(v1, "ca")) != nullptr) {
        span.kind = SpanKind::kServer;
      } else {
        addr = findAddress(v1, "ma");
      }
  }
  if (addr != nullptr) span.remote = *addr->endpoint;
  setErrorFromTags(&span);
  out->push_back(std::move(span));
}

}  // namespace sextant::codec::zipkin::internal

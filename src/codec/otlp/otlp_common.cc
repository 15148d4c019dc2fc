#include "codec/otlp/otlp_common.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>

#include "codec/point_json/base64.h"

namespace sextant::codec::otlp::internal {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool allZero(std::string_view bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

std::string idLengthError(std::string_view what, size_t got, size_t want) {
  std::string msg(what);
  msg += " is ";
  msg += std::to_string(got);
  msg += " bytes, want ";
  msg += std::to_string(want);
  return msg;
}

// Parses a decimal port (1..65535) from a tag value.
int32_t parsePort(std::string_view s) {
  int32_t port = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  if (ec != std::errc() || end != s.data() + s.size() || port < 1 || port > 65535) return 0;
  return port;
}

// Stores an IP literal in the endpoint (normalised: dotted quad / RFC 5952 text). False when
// `s` is not one.
bool setAddress(std::string_view s, model::SpanEndpoint* ep) {
  if (s.empty() || s.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, buf, addr) == 1) {
    if (inet_ntop(AF_INET, addr, text, sizeof(text)) == nullptr) return false;
    ep->ipv4 = text;
    return true;
  }
  if (inet_pton(AF_INET6, buf, addr) == 1) {
    if (inet_ntop(AF_INET6, addr, text, sizeof(text)) == nullptr) return false;
    ep->ipv6 = text;
    return true;
  }
  return false;
}

}  // namespace

void appendHex(std::string_view bytes, std::string* out) {
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out->push_back(kHexDigits[b >> 4]);
    out->push_back(kHexDigits[b & 15]);
  }
}

Status setIdFromBytes(std::string_view bytes, size_t want, bool allow_empty, std::string_view what,
                      std::string* out) {
  out->clear();
  if (allow_empty && (bytes.empty() || (bytes.size() == want && allZero(bytes)))) {
    return Status::ok();
  }
  if (bytes.size() != want) return invalidArgument(idLengthError(what, bytes.size(), want));
  appendHex(bytes, out);
  return Status::ok();
}

Status setIdFromJson(std::string_view text, size_t want, bool allow_empty, std::string_view what,
                     std::string* out) {
  out->clear();
  if (text.size() == 2 * want) {
    bool zero = true;
    out->resize(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      int v = hexValue(text[i]);
      if (v < 0) {
        out->clear();
        return invalidArgument(std::string(what) + " is not hex");
      }
      zero = zero && v == 0;
      (*out)[i] = kHexDigits[v];
    }
    if (allow_empty && zero) out->clear();
    return Status::ok();
  }
  if (allow_empty && text.empty()) return Status::ok();
  // Generic proto3 JSON writes bytes as base64 (24 characters for 16 bytes, 12 for 8).
  std::string raw;
  if (text.size() == (want + 2) / 3 * 4 && json::base64Decode(text, &raw) && raw.size() == want) {
    return setIdFromBytes(raw, want, allow_empty, what, out);
  }
  return invalidArgument(std::string(what) + " is not " + std::to_string(2 * want) + " hex digits");
}

void appendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void appendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, end);
  }
}

void appendBase64(std::string_view bytes, std::string* out) { json::base64Encode(bytes, out); }

model::SpanKind kindFromNumber(uint64_t n) {
  switch (n) {
    case 1: return model::SpanKind::kInternal;
    case 2: return model::SpanKind::kServer;
    case 3: return model::SpanKind::kClient;
    case 4: return model::SpanKind::kProducer;
    case 5: return model::SpanKind::kConsumer;
    default: return model::SpanKind::kUnspecified;
  }
}

void finishSpan(uint64_t start_ns, uint64_t end_ns, model::Span* span) {
  span->format = model::SpanFormat::kOtlp;
  span->start_us = static_cast<int64_t>(start_ns / 1000);
  span->duration_us = end_ns >= start_ns ? static_cast<int64_t>((end_ns - start_ns) / 1000) : 0;
  model::SpanEndpoint& remote = span->remote;
  const model::SpanTag* peer_ip = nullptr;
  const model::SpanTag* server_address = nullptr;
  const model::SpanTag* sock_peer = nullptr;
  const model::SpanTag* peer_port = nullptr;
  const model::SpanTag* server_port = nullptr;
  bool have_service = false;
  for (const model::SpanTag& t : span->tags) {
    const std::string& k = t.key;
    if (k.size() < 11 || (k[0] != 'p' && k[0] != 'n' && k[0] != 's')) continue;
    if (!have_service && k == "peer.service") {
      remote.service = t.value;
      have_service = true;
    } else if (k == "net.peer.ip") {
      if (peer_ip == nullptr) peer_ip = &t;
    } else if (k == "server.address") {
      if (server_address == nullptr) server_address = &t;
    } else if (k == "net.sock.peer.addr") {
      if (sock_peer == nullptr) sock_peer = &t;
    } else if (k == "net.peer.port") {
      if (peer_port == nullptr) peer_port = &t;
    } else if (k == "server.port") {
      if (server_port == nullptr) server_port = &t;
    }
  }
  for (const model::SpanTag* t : {peer_ip, server_address, sock_peer}) {
    if (t != nullptr && setAddress(t->value, &remote)) break;
  }
  for (const model::SpanTag* t : {peer_port, server_port}) {
    if (t != nullptr && (remote.port = parsePort(t->value)) != 0) break;
  }
}

void appendScopeTags(std::string_view name, std::string_view version,
                     std::vector<model::SpanTag>* resource_tags) {
  if (!name.empty()) resource_tags->push_back({"otel.scope.name", std::string(name)});
  if (!version.empty()) resource_tags->push_back({"otel.scope.version", std::string(version)});
}

std::string serviceName(const std::vector<model::SpanTag>& resource_tags) {
  for (const model::SpanTag& t : resource_tags) {
    if (t.key == "service.name") return t.value;
  }
  return {};
}

size_t tagBytes(const std::vector<model::SpanTag>& tags) {
  size_t n = 0;
  for (const model::SpanTag& t : tags) n += t.key.size() + t.value.size() + sizeof(model::SpanTag);
  return n;
}

Status resourceCopyError(std::string_view format) {
  return outOfRange(std::string(format) +
                    ": resource attributes copied to every span exceed the memory budget");
}

Status ErrorPath::fail(std::string_view detail) const {
  std::string msg(format_);
  msg += ": ";
  int n = depth_ < kMaxDepth ? depth_ : kMaxDepth;
  for (int i = 0; i < n; ++i) {
    if (i > 0) msg += '.';
    msg += fields_[i];
    if (indexes_[i] != kNoIndex) {
      msg += '[';
      msg += std::to_string(indexes_[i]);
      msg += ']';
    }
  }
  if (n > 0) msg += ": ";
  msg += detail;
  return invalidArgument(std::move(msg));
}

}  // namespace sextant::codec::otlp::internal

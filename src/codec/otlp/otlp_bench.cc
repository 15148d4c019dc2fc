// OTLP trace decode speed: one ExportTraceServiceRequest of 100 realistic spans (one resource
// with SDK attributes, one scope; HTTP server, HTTP client and DB client spans with 6-9
// attributes, an exception event on every tenth), as protobuf and as OTLP/JSON, plus the
// captured OpenTelemetry JS request. Reports spans/s and bytes/s.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "codec/otlp/otlp.h"

namespace sextant::codec::otlp {
namespace {

constexpr int kSpans = 100;

// ---- a tiny protobuf writer (the bench builds its own bodies) ----
void varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void len(std::string* out, uint32_t field, std::string_view payload) {
  varint(out, uint64_t{field} << 3 | 2);
  varint(out, payload.size());
  out->append(payload);
}
void fixed64(std::string* out, uint32_t field, uint64_t v) {
  varint(out, uint64_t{field} << 3 | 1);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void vint(std::string* out, uint32_t field, uint64_t v) {
  varint(out, uint64_t{field} << 3);
  varint(out, v);
}

struct Attr {
  std::string key;
  std::string str;  // string value unless is_int
  int64_t num = 0;
  bool is_int = false;
};

std::string kvProto(const Attr& a) {
  std::string any, kv;
  if (a.is_int) {
    vint(&any, 3, static_cast<uint64_t>(a.num));
  } else {
    len(&any, 1, a.str);
  }
  len(&kv, 1, a.key);
  len(&kv, 2, any);
  return kv;
}

std::string kvJson(const Attr& a) {
  std::string v = a.is_int ? R"({"intValue":")" + std::to_string(a.num) + "\"}"
                           : R"({"stringValue":")" + a.str + "\"}";
  return R"({"key":")" + a.key + R"(","value":)" + v + "}";
}

std::string hex(uint64_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = d[v & 15];
  return s;
}
std::string rawId(uint64_t hi, uint64_t lo, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) {
    uint64_t w = i >= 8 ? hi : lo;
    s.push_back(static_cast<char>(w >> (8 * (i % 8))));
  }
  return s;
}

struct Bodies {
  std::string proto;
  std::string json;
};

const Bodies& bodies() {
  static const Bodies* b = [] {
    auto* out = new Bodies;
    std::vector<Attr> resource = {{"service.name", "checkout"},
                                  {"service.version", "2.14.0"},
                                  {"deployment.environment", "production"},
                                  {"host.name", "ip-10-0-12-34"},
                                  {"process.pid", "", 48213, true},
                                  {"telemetry.sdk.name", "opentelemetry"},
                                  {"telemetry.sdk.language", "nodejs"},
                                  {"telemetry.sdk.version", "1.26.0"}};
    std::string res_proto, spans_proto, spans_json;
    for (const Attr& a : resource) len(&res_proto, 1, kvProto(a));
    uint64_t t0 = 1'795'271'754'398'000'000;
    for (int i = 0; i < kSpans; ++i) {
      uint64_t trace_hi = 0x6c15b56b6fb6975dull + static_cast<uint64_t>(i / 10);
      uint64_t trace_lo = 0xc0a90b866c5f6386ull;
      uint64_t span = 0xfb048aaf38af0000ull + static_cast<uint64_t>(i);
      uint64_t parent = i % 10 == 0 ? 0 : 0xfb048aaf38af0000ull + static_cast<uint64_t>(i - i % 10);
      uint64_t start = t0 + static_cast<uint64_t>(i) * 1'000'000;
      uint64_t end = start + 250'000 + static_cast<uint64_t>(i) * 1'000;
      std::vector<Attr> attrs;
      int kind;
      std::string name;
      if (i % 10 == 0) {
        kind = 2;
        name = "GET /api/orders/{id}";
        attrs = {{"http.method", "GET"},
                 {"http.route", "/api/orders/{id}"},
                 {"http.target", "/api/orders/" + std::to_string(1000 + i)},
                 {"http.scheme", "http"},
                 {"http.status_code", "", 200, true},
                 {"net.host.name", "checkout.internal"},
                 {"http.user_agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"},
                 {"net.sock.peer.addr", "10.0.3.17"}};
      } else if (i % 2 == 0) {
        kind = 3;
        name = "SELECT orders";
        attrs = {{"db.system", "mysql"},
                 {"db.name", "shop"},
                 {"db.statement", "SELECT id, total, status FROM orders WHERE id = ?"},
                 {"db.user", "app"},
                 {"peer.service", "mysql"},
                 {"net.peer.ip", "10.0.5.20"},
                 {"net.peer.port", "", 3306, true}};
      } else {
        kind = 3;
        name = "POST";
        attrs = {{"http.method", "POST"},
                 {"http.url", "http://payments.internal:8080/v1/charge"},
                 {"http.status_code", "", 201, true},
                 {"server.address", "10.0.7.8"},
                 {"server.port", "", 8080, true},
                 {"peer.service", "payments"}};
      }
      bool error = i % 10 == 7;

      std::string sp;
      len(&sp, 1, rawId(trace_hi, trace_lo, 16));
      len(&sp, 2, rawId(0, span, 8));
      if (parent != 0) len(&sp, 4, rawId(0, parent, 8));
      len(&sp, 5, name);
      vint(&sp, 6, static_cast<uint64_t>(kind));
      fixed64(&sp, 7, start);
      fixed64(&sp, 8, end);
      for (const Attr& a : attrs) len(&sp, 9, kvProto(a));
      std::string js = R"({"traceId":")" + hex(trace_hi, 16) + hex(trace_lo, 16) +
                       R"(","spanId":")" + hex(span, 16) + "\"";
      if (parent != 0) js += R"(,"parentSpanId":")" + hex(parent, 16) + "\"";
      js += R"(,"name":")" + name + R"(","kind":)" + std::to_string(kind) +
            R"(,"startTimeUnixNano":")" + std::to_string(start) + R"(","endTimeUnixNano":")" +
            std::to_string(end) + R"(","attributes":[)";
      for (size_t k = 0; k < attrs.size(); ++k) js += (k ? "," : "") + kvJson(attrs[k]);
      js += "]";
      if (error) {
        std::string ev;
        fixed64(&ev, 1, start + 100'000);
        len(&ev, 2, "exception");
        len(&ev, 3, kvProto({"exception.type", "Error"}));
        len(&ev, 3, kvProto({"exception.message", "payment backend returned 500"}));
        len(&sp, 11, ev);
        std::string st;
        len(&st, 2, "payment backend returned 500");
        vint(&st, 3, 2);
        len(&sp, 15, st);
        js += R"(,"events":[{"timeUnixNano":")" + std::to_string(start + 100'000) +
              R"(","name":"exception","attributes":[)" + kvJson({"exception.type", "Error"}) + "," +
              kvJson({"exception.message", "payment backend returned 500"}) +
              R"(]}],"status":{"code":2,"message":"payment backend returned 500"})";
      } else {
        js += R"(,"events":[],"status":{"code":0})";
      }
      js += R"(,"links":[],"flags":257})";
      len(&spans_proto, 2, sp);
      spans_json += (i ? "," : "") + js;
    }
    std::string scope, scope_spans, resource_spans;
    len(&scope, 1, "@opentelemetry/instrumentation-http");
    len(&scope, 2, "0.52.1");
    len(&scope_spans, 1, scope);
    scope_spans += spans_proto;
    len(&resource_spans, 1, res_proto);
    len(&resource_spans, 2, scope_spans);
    len(&out->proto, 1, resource_spans);

    std::string res_json;
    for (size_t k = 0; k < resource.size(); ++k) res_json += (k ? "," : "") + kvJson(resource[k]);
    out->json = R"({"resourceSpans":[{"resource":{"attributes":[)" + res_json +
                R"(]},"scopeSpans":[{"scope":{"name":"@opentelemetry/instrumentation-http",)"
                R"("version":"0.52.1"},"spans":[)" +
                spans_json + "]}]}]}";
    return out;
  }();
  return *b;
}

std::string readFixture(const char* rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename Decode>
void run(benchmark::State& state, const std::string& body, size_t want_spans, Decode decode) {
  for (auto _ : state) {
    auto r = decode(body);
    if (!r.isOk() || r->size() != want_spans) {
      state.SkipWithError(r.isOk() ? "wrong span count" : r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r);
  }
  const size_t spans = want_spans;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(state.iterations() * spans),
                                                 benchmark::Counter::kIsRate);
}

void BM_OtlpProto100(benchmark::State& state) {
  run(state, bodies().proto, kSpans, [](std::string_view b) { return decodeTracesProto(b); });
}
void BM_OtlpJson100(benchmark::State& state) {
  run(state, bodies().json, kSpans, [](std::string_view b) { return decodeTracesJson(b); });
}
void BM_OtlpProtoCapture(benchmark::State& state) {
  static const std::string body = readFixture("tracing/otel-js_otlp_traces.pb");
  run(state, body, 3, [](std::string_view b) { return decodeTracesProto(b); });
}
void BM_OtlpJsonCapture(benchmark::State& state) {
  static const std::string body = readFixture("tracing/otel-js_otlp_traces.json");
  run(state, body, 3, [](std::string_view b) { return decodeTracesJson(b); });
}

BENCHMARK(BM_OtlpProto100);
BENCHMARK(BM_OtlpJson100);
BENCHMARK(BM_OtlpProtoCapture);
BENCHMARK(BM_OtlpJsonCapture);

}  // namespace
}  // namespace sextant::codec::otlp

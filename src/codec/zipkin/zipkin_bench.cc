// Decode speed of Zipkin v2 JSON and v2 proto3 over a batch of 100 realistic spans (the shape
// of the zipkin-js / otel-js captures: ids, a name, kind, endpoints, 3-8 tags, an annotation
// on some). Reported as spans/s (items_per_second) and bytes/s.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "codec/zipkin/zipkin.h"

namespace sextant::codec::zipkin {
namespace {

constexpr int kBatch = 100;

std::string hex(std::mt19937_64& rng, int digits) {
  std::string s;
  for (int i = 0; i < digits; ++i) s.push_back("0123456789abcdef"[rng() % 16]);
  return s;
}

std::vector<model::Span> batch() {
  std::mt19937_64 rng(1);
  static const char* const kNames[] = {"get /checkout", "post /api/pay", "select orders",
                                       "compute-total", "redis get"};
  std::vector<model::Span> spans;
  std::string trace = hex(rng, 32);
  for (int i = 0; i < kBatch; ++i) {
    model::Span s;
    if (i % 10 == 0) trace = hex(rng, 32);
    s.trace_id = trace;
    s.span_id = hex(rng, 16);
    if (i % 10 != 0) s.parent_id = hex(rng, 16);
    s.name = kNames[i % 5];
    s.kind = static_cast<model::SpanKind>(1 + i % 2);
    s.start_us = 1795271747179645 + i * 137;
    s.duration_us = 100 + static_cast<int64_t>(rng() % 50000);
    s.local.service = "zk-frontend";
    s.local.ipv4 = "10.0.0." + std::to_string(i % 200 + 1);
    s.local.port = 8080;
    if (i % 2 == 0) {
      s.remote.service = "payment";
      s.remote.ipv4 = "127.0.0.1";
      s.remote.port = 9999;
    }
    s.tags = {{"http.method", "GET"},
              {"http.url", "http://127.0.0.1:9999/api/pay?id=" + std::to_string(i)},
              {"http.status_code", "200"}};
    for (int t = 0; t < i % 6; ++t) s.tags.push_back({"custom.tag" + std::to_string(t), "value"});
    if (i % 3 == 0) s.annotations.push_back({s.start_us + 50, "retrying"});
    spans.push_back(std::move(s));
  }
  return spans;
}

void BM_DecodeV2Json(benchmark::State& state) {
  std::string body;
  encodeV2Json(batch(), &body);
  for (auto _ : state) {
    auto r = decodeV2Json(body);
    if (!r.isOk() || r->size() != kBatch) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_DecodeV2Json);

// The proto body is written here field by field (the product has no proto encoder).
void putVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void putLen(std::string* out, int field, std::string_view v) {
  putVarint(out, static_cast<uint64_t>(field) << 3 | 2);
  putVarint(out, v.size());
  out->append(v);
}
void putFixed64(std::string* out, int field, uint64_t v) {
  putVarint(out, static_cast<uint64_t>(field) << 3 | 1);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
std::string idBytes(const std::string& h) {
  std::string b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    b.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return b;
}
std::string endpoint(const model::SpanEndpoint& e) {
  std::string m;
  putLen(&m, 1, e.service);
  unsigned a, b, c, d;
  if (sscanf(e.ipv4.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) == 4) {
    putLen(&m, 2,
           std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                       static_cast<char>(d)});
  }
  putVarint(&m, 4 << 3);
  putVarint(&m, static_cast<uint64_t>(e.port));
  return m;
}

std::string protoBody(const std::vector<model::Span>& spans) {
  std::string body;
  for (const model::Span& s : spans) {
    std::string m;
    putLen(&m, 1, idBytes(s.trace_id));
    if (!s.parent_id.empty()) putLen(&m, 2, idBytes(s.parent_id));
    putLen(&m, 3, idBytes(s.span_id));
    putVarint(&m, 4 << 3);
    putVarint(&m, static_cast<uint64_t>(s.kind));
    putLen(&m, 5, s.name);
    putFixed64(&m, 6, static_cast<uint64_t>(s.start_us));
    putVarint(&m, 7 << 3);
    putVarint(&m, static_cast<uint64_t>(s.duration_us));
    putLen(&m, 8, endpoint(s.local));
    if (!s.remote.empty()) putLen(&m, 9, endpoint(s.remote));
    for (const model::SpanAnnotation& a : s.annotations) {
      std::string am;
      putFixed64(&am, 1, static_cast<uint64_t>(a.time_us));
      putLen(&am, 2, a.value);
      putLen(&m, 10, am);
    }
    for (const model::SpanTag& t : s.tags) {
      std::string tm;
      putLen(&tm, 1, t.key);
      putLen(&tm, 2, t.value);
      putLen(&m, 11, tm);
    }
    putLen(&body, 1, m);
  }
  return body;
}

void BM_DecodeV2Proto(benchmark::State& state) {
  std::string body = protoBody(batch());
  for (auto _ : state) {
    auto r = decodeV2Proto(body);
    if (!r.isOk() || r->size() != kBatch) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_DecodeV2Proto);

void BM_EncodeV2Json(benchmark::State& state) {
  std::vector<model::Span> spans = batch();
  std::string out;
  for (auto _ : state) {
    out.clear();
    encodeV2Json(spans, &out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeV2Json);

}  // namespace
}  // namespace sextant::codec::zipkin

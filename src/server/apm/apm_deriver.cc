// ApmDeriver: see apm_deriver.h for the contract; docs/apm.md for the derived data.
//
// Locking: `mu` guards the workspaces map, each workspace's intern tables and trace buffers, the
// FIFO of traces by first arrival and the queue of traces forced out by the memory bound.
// `tick_mu` serialises tick()/flushAll() and guards every workspace's buckets. Interned strings
// and ServiceKeys are never freed or moved, so a tick reads them through plain pointers without
// `mu` while observe() keeps inserting.
#include "server/apm/apm_deriver.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "server/apm/sketch.h"

namespace sextant::apm {
namespace {

constexpr int64_t kMinuteUs = 60'000'000;
constexpr int64_t kMinuteNs = 60'000'000'000;
// Span starts (µs) we accept: the minute in ns must fit an int64 (year 2262).
constexpr int64_t kMaxStartUs = std::numeric_limits<int64_t>::max() / 1000 - kMinuteUs;
// Durations above this (~31 years in µs) are clamped so sums cannot overflow.
constexpr int64_t kMaxDurationUs = 1'000'000'000'000'000;

uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t hashBytes(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses 1..16 hex digits.
bool parseHex64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    const int d = hexDigit(c);
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// A trace id as 128 bits: hex ids of up to 32 digits exactly (so a 16-digit Zipkin id and its
// zero-padded 32-digit form are the same trace), anything else hashed.
struct TraceKey {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const TraceKey&) const = default;
};

struct TraceKeyHash {
  size_t operator()(const TraceKey& k) const { return mix64(k.hi ^ mix64(k.lo)); }
};

bool traceKeyOf(std::string_view id, TraceKey* key) {
  if (id.empty()) return false;
  if (id.size() <= 32) {
    const size_t split = id.size() > 16 ? id.size() - 16 : 0;
    uint64_t hi = 0;
    uint64_t lo = 0;
    if ((split == 0 || parseHex64(id.substr(0, split), &hi)) && parseHex64(id.substr(split), &lo)) {
      if (hi == 0 && lo == 0) return false;
      *key = TraceKey{hi, lo};
      return true;
    }
  }
  *key = TraceKey{hashBytes(id, 1), hashBytes(id, 2)};
  return true;
}

// A span id as 64 bits; 0 means "none" ("" and "0" are DataKit's root parent ids).
uint64_t spanIdOf(std::string_view id) {
  if (id.empty()) return 0;
  uint64_t v = 0;
  if (parseHex64(id, &v)) return v;
  return hashBytes(id, 3) | 1;  // never 0
}

// Interned (service, env, version) of a span: the identity of apm_service / apm_edge ends.
struct ServiceKey {
  const std::string* service;
  const std::string* env;
  const std::string* version;
  bool operator==(const ServiceKey&) const = default;
};

// Hash of three words (pointers of interned values, a minute).
size_t hash3(uint64_t a, uint64_t b, uint64_t c) { return mix64(a ^ mix64(b ^ mix64(c))); }
uint64_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

struct ServiceKeyHash {
  size_t operator()(const ServiceKey& k) const {
    return hash3(addr(k.service), addr(k.env), addr(k.version));
  }
};

enum SpanFlag : uint8_t { kError = 1, kEntryType = 2, kServerKind = 4 };

// One buffered span: 56 bytes.
struct SpanRec {
  uint64_t span_id;
  uint64_t parent_id;  // 0: none
  int64_t start_us;
  int64_t duration_us;
  const ServiceKey* svc;
  const std::string* resource;
  uint8_t flags;
};
static_assert(sizeof(SpanRec) <= 56, "keep buffered spans small");

struct Trace {
  std::vector<SpanRec> spans;
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  uint64_t seq = 0;  // identifies this buffer in the FIFO (a trace key may be reused later)
};

struct ServiceBucketKey {
  int64_t minute_ns;
  const ServiceKey* svc;
  const std::string* resource;
  bool operator==(const ServiceBucketKey&) const = default;
};

struct ServiceBucketKeyHash {
  size_t operator()(const ServiceBucketKey& k) const {
    return hash3(static_cast<uint64_t>(k.minute_ns), addr(k.svc), addr(k.resource));
  }
};

struct EdgeBucketKey {
  int64_t minute_ns;
  const ServiceKey* source;
  const ServiceKey* target;
  bool operator==(const EdgeBucketKey&) const = default;
};

struct EdgeBucketKeyHash {
  size_t operator()(const EdgeBucketKey& k) const {
    return hash3(static_cast<uint64_t>(k.minute_ns), addr(k.source), addr(k.target));
  }
};

struct Agg {
  int64_t count = 0;
  int64_t errors = 0;
  int64_t duration_sum = 0;
  int64_t duration_max = 0;
  Sketch sketch;
  int failures = 0;
  bool late = false;  // created after its minute was closed

  void add(const SpanRec& s) {
    ++count;
    if (s.flags & kError) ++errors;
    duration_sum += s.duration_us;
    duration_max = std::max(duration_max, s.duration_us);
    sketch.add(static_cast<double>(s.duration_us));
  }
};

struct Workspace {
  std::string id;
  // Guarded by State::mu.
  std::unordered_map<std::string_view, std::unique_ptr<const std::string>> strings;
  std::unordered_map<ServiceKey, std::unique_ptr<const ServiceKey>, ServiceKeyHash> services;
  std::unordered_map<TraceKey, Trace, TraceKeyHash> traces;
  // Guarded by State::tick_mu.
  std::unordered_map<ServiceBucketKey, Agg, ServiceBucketKeyHash> service_buckets;
  std::unordered_map<EdgeBucketKey, Agg, EdgeBucketKeyHash> edge_buckets;
};

struct FifoEntry {
  Workspace* ws;
  TraceKey key;
  uint64_t seq;
};

struct ReadyTrace {
  Workspace* ws;
  std::vector<SpanRec> spans;
};

// What observe() reads from one tracing point (views into the point).
struct Parsed {
  TraceKey trace;
  uint64_t span_id = 0;
  uint64_t parent_id = 0;
  int64_t start_us = 0;
  int64_t duration_us = 0;
  std::string_view service, env, version, resource;
  uint8_t flags = 0;
};

bool intField(const model::FieldValue& v, int64_t* out) {
  switch (model::fieldType(v)) {
    case model::FieldType::kInt: *out = std::get<int64_t>(v); return true;
    case model::FieldType::kUint: {
      const uint64_t u = std::get<uint64_t>(v);
      *out = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                 ? std::numeric_limits<int64_t>::max()
                 : static_cast<int64_t>(u);
      return true;
    }
    case model::FieldType::kFloat: {
      const double d = std::get<double>(v);
      if (!(d > -9.2e18 && d < 9.2e18)) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    default: return false;
  }
}

// An id field: a string as sent, or an integer (some tracers) rendered in hex.
bool idField(const model::FieldValue& v, std::string_view* out, std::string* scratch) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    *out = *s;
    return true;
  }
  int64_t i = 0;
  if (!intField(v, &i)) return false;
  static constexpr char kHex[] = "0123456789abcdef";
  scratch->clear();
  auto u = static_cast<uint64_t>(i);
  do {
    scratch->insert(scratch->begin(), kHex[u & 0xF]);
    u >>= 4;
  } while (u != 0);
  *out = *scratch;
  return true;
}

bool isServerKind(std::string_view message) {
  return message.find("\"kind\":\"SERVER\"") != std::string_view::npos ||
         message.find("\"kind\": \"SERVER\"") != std::string_view::npos;
}

// Reads one tracing point; false when it has no usable trace_id/span_id/start.
bool parseSpan(const model::Point& p, Parsed* out) {
  std::string_view resource_tag;
  std::string_view operation;
  std::string_view span_type;
  for (const model::Tag& t : p.tags) {
    const std::string& k = t.key;
    if (k == "service") {
      out->service = t.value;
    } else if (k == "env") {
      out->env = t.value;
    } else if (k == "version") {
      out->version = t.value;
    } else if (k == "status") {
      if (t.value == "error" || t.value == "critical") out->flags |= kError;
    } else if (k == "span_type") {
      span_type = t.value;
    } else if (k == "resource") {
      resource_tag = t.value;
    } else if (k == "operation") {
      operation = t.value;
    }
  }
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view parent_id;
  std::string_view message;
  std::string scratch_trace, scratch_span, scratch_parent;
  bool have_start = false;
  bool have_trace = false;
  bool have_span = false;
  for (const model::Field& f : p.fields) {
    const std::string& k = f.key;
    if (k == "trace_id") {
      have_trace = idField(f.value, &trace_id, &scratch_trace);
    } else if (k == "span_id") {
      have_span = idField(f.value, &span_id, &scratch_span);
    } else if (k == "parent_id") {
      if (!idField(f.value, &parent_id, &scratch_parent)) parent_id = {};
    } else if (k == "resource") {
      if (const auto* s = std::get_if<std::string>(&f.value)) out->resource = *s;
    } else if (k == "start") {
      have_start = intField(f.value, &out->start_us);
    } else if (k == "duration") {
      if (!intField(f.value, &out->duration_us)) out->duration_us = 0;
    } else if (k == "message") {
      if (const auto* s = std::get_if<std::string>(&f.value)) message = *s;
    }
  }
  if (!have_trace || !have_span || !traceKeyOf(trace_id, &out->trace)) return false;
  out->span_id = spanIdOf(span_id);
  if (out->span_id == 0) return false;
  out->parent_id = spanIdOf(parent_id);
  if (out->parent_id == out->span_id) out->parent_id = 0;
  if (!have_start) out->start_us = p.time_ns / 1000;
  if (out->start_us < 0 || out->start_us > kMaxStartUs) return false;
  out->duration_us = std::clamp<int64_t>(out->duration_us, 0, kMaxDurationUs);
  if (out->resource.empty()) out->resource = resource_tag.empty() ? operation : resource_tag;
  if (span_type == "entry") {
    out->flags |= kEntryType;
  } else if (isServerKind(message)) {
    out->flags |= kServerKind;
  }
  return true;
}

int64_t minuteOf(int64_t start_us) { return (start_us / kMinuteUs) * kMinuteNs; }

void addTagIfSet(model::Point& p, std::string_view key, const std::string& value) {
  if (!value.empty()) p.addTag(std::string(key), value);
}

}  // namespace

struct ApmDeriver::State {
  DeriverOptions options;
  Sink sink;
  std::function<int64_t()> now_ns;

  mutable std::mutex mu;
  std::unordered_map<std::string_view, std::unique_ptr<Workspace>> workspaces;
  std::deque<FifoEntry> fifo;     // traces by first arrival (stale entries skipped lazily)
  std::vector<ReadyTrace> ready;  // forced out by the memory bound, processed at the next tick
  size_t open_spans = 0;          // in Workspace::traces
  size_t ready_spans = 0;
  size_t open_traces = 0;
  uint64_t next_seq = 1;

  std::mutex tick_mu;

  std::atomic<uint64_t> spans_observed{0};
  std::atomic<uint64_t> spans_ignored{0};
  std::atomic<uint64_t> traces_processed{0};
  std::atomic<uint64_t> traces_forced{0};
  std::atomic<uint64_t> late_points{0};
  uint64_t late_seq = 0;  // offsets of late points (collectBuckets); under the tick lock
  std::atomic<uint64_t> points_written{0};
  std::atomic<uint64_t> write_failures{0};
  std::atomic<uint64_t> points_dropped{0};

  // --- observe side (mu held) ---

  Workspace* workspaceLocked(std::string_view id) {
    auto it = workspaces.find(id);
    if (it != workspaces.end()) return it->second.get();
    auto ws = std::make_unique<Workspace>();
    ws->id = std::string(id);
    Workspace* raw = ws.get();
    workspaces.emplace(raw->id, std::move(ws));
    return raw;
  }

  const std::string* internLocked(Workspace* ws, std::string_view s) {
    auto it = ws->strings.find(s);
    if (it != ws->strings.end()) return it->second.get();
    if (ws->strings.size() >= options.max_interned_strings && s != kOtherResource) {
      return internLocked(ws, kOtherResource);
    }
    auto owned = std::make_unique<const std::string>(s);
    const std::string* raw = owned.get();
    ws->strings.emplace(*raw, std::move(owned));
    return raw;
  }

  const ServiceKey* serviceLocked(Workspace* ws, const Parsed& p) {
    ServiceKey key{internLocked(ws, p.service), internLocked(ws, p.env),
                   internLocked(ws, p.version)};
    auto it = ws->services.find(key);
    if (it != ws->services.end()) return it->second.get();
    auto owned = std::make_unique<const ServiceKey>(key);
    const ServiceKey* raw = owned.get();
    ws->services.emplace(key, std::move(owned));
    return raw;
  }

  // Moves one open trace to `out` (mu held).
  void takeTraceLocked(Workspace* ws,
                       std::unordered_map<TraceKey, Trace, TraceKeyHash>::iterator it,
                       std::vector<ReadyTrace>* out) {
    open_spans -= it->second.spans.size();
    --open_traces;
    out->push_back(ReadyTrace{ws, std::move(it->second.spans)});
    ws->traces.erase(it);
  }

  void enforceBoundLocked() {
    while (open_spans > options.max_buffered_spans && !fifo.empty()) {
      const FifoEntry e = fifo.front();
      fifo.pop_front();
      auto it = e.ws->traces.find(e.key);
      if (it == e.ws->traces.end() || it->second.seq != e.seq) continue;  // already processed
      ready_spans += it->second.spans.size();
      takeTraceLocked(e.ws, it, &ready);
      traces_forced.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Collects the traces to process now: all of them, or the idle/old ones (mu held).
  std::vector<ReadyTrace> collectLocked(int64_t now, bool all) {
    std::vector<ReadyTrace> out = std::move(ready);
    ready.clear();
    ready_spans = 0;
    const int64_t idle_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options.trace_idle).count();
    const int64_t max_wait_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options.trace_max_wait).count();
    for (auto& [id, ws] : workspaces) {
      for (auto it = ws->traces.begin(); it != ws->traces.end();) {
        const Trace& t = it->second;
        if (all || now - t.last_seen_ns >= idle_ns || now - t.first_seen_ns >= max_wait_ns) {
          auto next = std::next(it);
          takeTraceLocked(ws.get(), it, &out);
          it = next;
        } else {
          ++it;
        }
      }
    }
    // Drop FIFO entries of traces no longer buffered from the front.
    while (!fifo.empty()) {
      const FifoEntry& e = fifo.front();
      auto it = e.ws->traces.find(e.key);
      if (it != e.ws->traces.end() && it->second.seq == e.seq) break;
      fifo.pop_front();
    }
    if (all) fifo.clear();
    return out;
  }

  // --- tick side (tick_mu held, mu not held) ---

  void processTrace(ReadyTrace& rt, int64_t now) {
    std::vector<SpanRec>& spans = rt.spans;
    auto order = [](const SpanRec& a, const SpanRec& b) {
      return std::tie(a.span_id, a.svc, a.parent_id, a.start_us, a.duration_us, a.resource,
                      a.flags) < std::tie(b.span_id, b.svc, b.parent_id, b.start_us, b.duration_us,
                                          b.resource, b.flags);
    };
    std::sort(spans.begin(), spans.end(), order);
    // The same span sent twice (an agent retry) counts once.
    spans.erase(std::unique(spans.begin(), spans.end(),
                            [](const SpanRec& a, const SpanRec& b) {
                              return a.span_id == b.span_id && a.svc == b.svc &&
                                     a.parent_id == b.parent_id && a.start_us == b.start_us &&
                                     a.duration_us == b.duration_us && a.resource == b.resource &&
                                     a.flags == b.flags;
                            }),
                spans.end());
    const int64_t grace_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options.minute_grace).count();
    for (const SpanRec& s : spans) {
      const SpanRec* parent = nullptr;
      if (s.parent_id != 0) {
        auto lo = std::lower_bound(spans.begin(), spans.end(), s.parent_id,
                                   [](const SpanRec& a, uint64_t id) { return a.span_id < id; });
        int best = -1;
        for (auto it = lo; it != spans.end() && it->span_id == s.parent_id; ++it) {
          // Shared span ids (Zipkin/Envoy client+server): the callee side is the parent.
          int score = 0;
          if (it->flags & kEntryType) score += 4;
          if (it->flags & kServerKind) score += 2;
          if (it->svc->service == s.svc->service) score += 1;
          if (score > best) {
            best = score;
            parent = &*it;
          }
        }
      }
      const bool cross = parent != nullptr && parent->svc->service != s.svc->service;
      const int64_t minute = minuteOf(s.start_us);
      const bool late = minute + kMinuteNs + grace_ns <= now;
      if (parent == nullptr || cross) {
        auto [it, inserted] =
            rt.ws->service_buckets.try_emplace(ServiceBucketKey{minute, s.svc, s.resource});
        if (inserted) it->second.late = late;
        it->second.add(s);
      }
      if (cross) {
        auto [it, inserted] =
            rt.ws->edge_buckets.try_emplace(EdgeBucketKey{minute, parent->svc, s.svc});
        if (inserted) it->second.late = late;
        it->second.add(s);
      }
    }
    traces_processed.fetch_add(1, std::memory_order_relaxed);
  }

  // A derived point of `measurement` at `minute_ns` with the count/errors/duration fields of `a`
  // (the count under `count_key`); the caller adds tags, quantiles and the sketch.
  static model::Point aggPoint(std::string_view measurement, int64_t minute_ns,
                               const char* count_key, const Agg& a) {
    model::Point p;
    p.category = model::Category::kMetric;
    p.measurement = std::string(measurement);
    p.time_ns = minute_ns;
    p.addField(count_key, a.count);
    p.addField("errors", a.errors);
    p.addField("duration_sum", a.duration_sum);
    p.addField("duration_max", a.duration_max);
    return p;
  }

  static model::Point servicePoint(const ServiceBucketKey& k, const Agg& a) {
    model::Point p = aggPoint(kServiceMeasurement, k.minute_ns, "requests", a);
    addTagIfSet(p, "env", *k.svc->env);
    addTagIfSet(p, "resource", *k.resource);
    addTagIfSet(p, "service", *k.svc->service);
    addTagIfSet(p, "version", *k.svc->version);
    p.addField("p50", a.sketch.quantile(0.50));
    p.addField("p75", a.sketch.quantile(0.75));
    p.addField("p90", a.sketch.quantile(0.90));
    p.addField("p99", a.sketch.quantile(0.99));
    p.addField("sketch", model::Bytes{a.sketch.encode()});
    return p;
  }

  static model::Point edgePoint(const EdgeBucketKey& k, const Agg& a) {
    model::Point p = aggPoint(kEdgeMeasurement, k.minute_ns, "calls", a);
    addTagIfSet(p, "source_env", *k.source->env);
    addTagIfSet(p, "source_service", *k.source->service);
    addTagIfSet(p, "source_version", *k.source->version);
    addTagIfSet(p, "target_env", *k.target->env);
    addTagIfSet(p, "target_service", *k.target->service);
    addTagIfSet(p, "target_version", *k.target->version);
    p.addField("p99", a.sketch.quantile(0.99));
    p.addField("sketch", model::Bytes{a.sketch.encode()});
    return p;
  }

  // Writes the closed buckets (all of them when `all`) of every workspace, one Sink call each.
  // A late bucket's point, and a point written before its minute closed (flushAll at shutdown),
  // is stamped some milliseconds into its minute (1..59999 ms, from *late_seq), so that it never
  // shares a timestamp with another point of the same series and minute: PromQL keeps one sample
  // per millisecond, and sum_over_time must see every write.
  template <typename Map, typename MakePoint>
  static void collectBuckets(Map& buckets, int64_t cutoff, bool all, MakePoint make,
                             uint64_t* late_seq, std::vector<model::Point>* points,
                             std::vector<typename Map::iterator>* taken) {
    for (auto it = buckets.begin(); it != buckets.end(); ++it) {
      if (all || it->first.minute_ns + kMinuteNs <= cutoff) {
        points->push_back(make(it->first, it->second));
        if (it->second.late || it->first.minute_ns + kMinuteNs > cutoff) {
          points->back().time_ns += static_cast<int64_t>(1 + (*late_seq)++ % 59'999) * 1'000'000;
        }
        taken->push_back(it);
      }
    }
  }

  template <typename Map>
  void settle(Map& buckets, std::vector<typename Map::iterator>& taken, bool ok) {
    for (auto it : taken) {
      if (ok) {
        if (it->second.late) late_points.fetch_add(1, std::memory_order_relaxed);
        buckets.erase(it);
      } else if (++it->second.failures >= kMaxWriteAttempts) {
        points_dropped.fetch_add(1, std::memory_order_relaxed);
        buckets.erase(it);
      }
    }
  }

  Status writeBuckets(const std::vector<Workspace*>& wss, int64_t now, bool all) {
    const int64_t cutoff =
        now - std::chrono::duration_cast<std::chrono::nanoseconds>(options.minute_grace).count();
    Status first;
    for (Workspace* ws : wss) {
      std::vector<model::Point> points;
      std::vector<decltype(ws->service_buckets)::iterator> service_taken;
      std::vector<decltype(ws->edge_buckets)::iterator> edge_taken;
      collectBuckets(ws->service_buckets, cutoff, all, servicePoint, &late_seq, &points,
                     &service_taken);
      collectBuckets(ws->edge_buckets, cutoff, all, edgePoint, &late_seq, &points, &edge_taken);
      if (points.empty()) continue;
      const size_t n = points.size();
      Status st = sink(ws->id, std::move(points));
      if (st.isOk()) {
        points_written.fetch_add(n, std::memory_order_relaxed);
      } else {
        write_failures.fetch_add(1, std::memory_order_relaxed);
        if (first.isOk()) first = std::move(st);
      }
      settle(ws->service_buckets, service_taken, st.isOk());
      settle(ws->edge_buckets, edge_taken, st.isOk());
    }
    return first;
  }

  Status run(bool all) {
    std::lock_guard<std::mutex> tick_lock(tick_mu);
    const int64_t now = now_ns();
    std::vector<ReadyTrace> todo;
    std::vector<Workspace*> wss;
    {
      std::lock_guard<std::mutex> lock(mu);
      todo = collectLocked(now, all);
      wss.reserve(workspaces.size());
      for (auto& [id, ws] : workspaces) wss.push_back(ws.get());
    }
    for (ReadyTrace& rt : todo) processTrace(rt, now);
    return writeBuckets(wss, now, all);
  }
};

ApmDeriver::ApmDeriver(DeriverOptions options, Sink sink, std::function<int64_t()> now_ns)
    : state_(std::make_unique<State>()) {
  state_->options = options;
  state_->sink = std::move(sink);
  state_->now_ns = std::move(now_ns);
}

ApmDeriver::~ApmDeriver() = default;

void ApmDeriver::observe(std::string_view workspace_id, std::span<const model::Point> points) {
  State& s = *state_;
  std::vector<Parsed> parsed;
  uint64_t tracing = 0;
  for (const model::Point& p : points) {
    if (p.category != model::Category::kTracing) continue;
    ++tracing;
    Parsed x;
    if (parseSpan(p, &x)) parsed.push_back(x);
  }
  if (tracing == 0) return;
  s.spans_observed.fetch_add(tracing, std::memory_order_relaxed);
  s.spans_ignored.fetch_add(tracing - parsed.size(), std::memory_order_relaxed);
  if (parsed.empty()) return;
  const int64_t now = s.now_ns();

  std::lock_guard<std::mutex> lock(s.mu);
  Workspace* ws = s.workspaceLocked(workspace_id);
  // Consecutive spans usually share service/env/version: remember the last one.
  const Parsed* last = nullptr;
  const ServiceKey* last_svc = nullptr;
  for (const Parsed& x : parsed) {
    if (last == nullptr || x.service != last->service || x.env != last->env ||
        x.version != last->version) {
      last_svc = s.serviceLocked(ws, x);
    }
    last = &x;
    auto [it, inserted] = ws->traces.try_emplace(x.trace);
    Trace& t = it->second;
    if (inserted) {
      t.first_seen_ns = now;
      t.seq = s.next_seq++;
      s.fifo.push_back(FifoEntry{ws, x.trace, t.seq});
      ++s.open_traces;
    }
    t.last_seen_ns = now;
    t.spans.push_back(SpanRec{x.span_id, x.parent_id, x.start_us, x.duration_us, last_svc,
                              s.internLocked(ws, x.resource), x.flags});
    ++s.open_spans;
  }
  s.enforceBoundLocked();
}

Status ApmDeriver::tick() { return state_->run(/*all=*/false); }

Status ApmDeriver::flushAll() { return state_->run(/*all=*/true); }

DeriverStats ApmDeriver::stats() const {
  const State& s = *state_;
  DeriverStats out;
  out.spans_observed = s.spans_observed.load(std::memory_order_relaxed);
  out.spans_ignored = s.spans_ignored.load(std::memory_order_relaxed);
  out.traces_processed = s.traces_processed.load(std::memory_order_relaxed);
  out.traces_forced = s.traces_forced.load(std::memory_order_relaxed);
  out.late_points = s.late_points.load(std::memory_order_relaxed);
  out.points_written = s.points_written.load(std::memory_order_relaxed);
  out.write_failures = s.write_failures.load(std::memory_order_relaxed);
  out.points_dropped = s.points_dropped.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(s.mu);
  out.buffered_spans = s.open_spans + s.ready_spans;
  out.buffered_traces = s.open_traces + s.ready.size();
  return out;
}

}  // namespace sextant::apm

#include "server/log_api/log_search.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <queue>
#include <set>
#include <string_view>

#include "storage/encoding/block.h"
#include "storage/field_predicate.h"

namespace sextant::server::log_api {

namespace {

constexpr std::string_view kMessage = "message";
constexpr std::string_view kSource = "source";
// The first window of a paged search is this fraction of the range; each next one is 4x wider.
constexpr std::int64_t kFirstWindowDivisor = 256;
constexpr std::int64_t kMinWindowNs = 1'000'000'000;

std::vector<std::string> tokensOf(std::string_view text) {
  std::vector<std::string> out;
  storage::encoding::forEachToken(text, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}

// The query compiled for row evaluation.
struct Compiled {
  QueryNode::Kind kind = QueryNode::kAnd;
  std::vector<std::string> tokens;         // kTerm, kPhrase
  std::string glob;                        // kWildcard
  bool is_source = false;                  // kField on the measurement
  std::size_t key_index = 0;               // kField: into Impl::keys
  std::vector<QueryValue> values;          // kField
  std::vector<model::FieldValue> literal;  // kField: the value as a string FieldValue, per value
  bool exists = false;                     // kField: the only value is "*"
  std::vector<Compiled> children;
};

// Per batch: the columns of each key the query names, and the message column.
struct BatchView {
  const storage::ColumnBatch* b = nullptr;
  std::vector<std::vector<const storage::Column*>> key_columns;
  const storage::Column* message = nullptr;
};

struct RowState {
  std::size_t row = 0;
  bool tokenized = false;
  std::vector<std::string> tokens;
};

bool hasToken(const std::vector<std::string>& tokens, std::string_view t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

bool hasSequence(const std::vector<std::string>& tokens, const std::vector<std::string>& seq) {
  if (seq.empty()) return true;
  if (seq.size() > tokens.size()) return false;
  for (std::size_t i = 0; i + seq.size() <= tokens.size(); ++i) {
    std::size_t k = 0;
    while (k < seq.size() && tokens[i + k] == seq[k]) ++k;
    if (k == seq.size()) return true;
  }
  return false;
}

}  // namespace

std::string valueText(const storage::Column& c, std::size_t row) {
  switch (c.type) {
    case model::FieldType::kInt: return std::to_string(std::get<0>(c.values)[row]);
    case model::FieldType::kUint: return std::to_string(std::get<1>(c.values)[row]);
    case model::FieldType::kFloat: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<2>(c.values)[row]);
      return std::string(buf, r.ptr);
    }
    case model::FieldType::kBool: return std::get<3>(c.values)[row] ? "true" : "false";
    case model::FieldType::kString: return std::get<4>(c.values)[row];
    case model::FieldType::kBytes: return std::get<5>(c.values)[row];
    case model::FieldType::kArray: {
      model::FieldValue v = c.valueAt(row);
      std::string out = "[";
      const auto& items = std::get<model::Array>(v).items;
      std::visit(
          [&](const auto& vec) {
            for (std::size_t i = 0; i < vec.size(); ++i) {
              if (i > 0) out += ",";
              using E = std::decay_t<decltype(vec[i])>;
              if constexpr (std::is_same_v<E, std::string>) {
                out += vec[i];
              } else if constexpr (std::is_same_v<E, model::Bytes>) {
                out += vec[i].data;
              } else if constexpr (std::is_same_v<E, bool>) {
                out += vec[i] ? "true" : "false";
              } else {
                out += std::to_string(vec[i]);
              }
            }
          },
          items);
      return out + "]";
    }
  }
  return "";
}

std::uint64_t rowHash(const storage::ColumnBatch& b, std::size_t row) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  };
  auto mixString = [&](std::string_view s) {
    std::uint64_t n = s.size();
    mix(&n, sizeof n);
    mix(s.data(), s.size());
  };
  mixString(b.measurement);
  std::vector<std::size_t> order;
  order.reserve(b.columns.size());
  for (std::size_t i = 0; i < b.columns.size(); ++i) {
    if (b.columns[i].isPresent(row)) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = b.columns[x];
    const auto& c = b.columns[y];
    if (a.name != c.name) return a.name < c.name;
    if (a.kind != c.kind) return a.kind < c.kind;
    return a.type < c.type;
  });
  for (std::size_t i : order) {
    const storage::Column& c = b.columns[i];
    mixString(c.name);
    unsigned char kt[2] = {static_cast<unsigned char>(c.kind), static_cast<unsigned char>(c.type)};
    mix(kt, 2);
    switch (c.type) {
      case model::FieldType::kInt: mix(&std::get<0>(c.values)[row], 8); break;
      case model::FieldType::kUint: mix(&std::get<1>(c.values)[row], 8); break;
      case model::FieldType::kFloat: mix(&std::get<2>(c.values)[row], 8); break;
      case model::FieldType::kBool: mix(&std::get<3>(c.values)[row], 1); break;
      case model::FieldType::kString: mixString(std::get<4>(c.values)[row]); break;
      case model::FieldType::kBytes: mixString(std::get<5>(c.values)[row]); break;
      case model::FieldType::kArray: mixString(valueText(c, row)); break;
    }
  }
  return h;
}

struct LogSearcher::Impl {
  storage::ScanRequest scan;  // workspace and time filled per call
  bool empty = false;         // the conditions exclude every row (e.g. two different sources)
  QueryNode residual;
  Compiled matcher;
  std::vector<std::string> keys;  // the column names kField nodes read

  std::size_t keyIndex(const std::string& k) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == k) return i;
    }
    keys.push_back(k);
    return keys.size() - 1;
  }

  Compiled compile(const QueryNode& n) {
    Compiled c;
    c.kind = n.kind;
    switch (n.kind) {
      case QueryNode::kTerm:
      case QueryNode::kPhrase: c.tokens = tokensOf(n.text); break;
      case QueryNode::kWildcard: c.glob = n.text; break;
      case QueryNode::kField:
        c.is_source = n.key == kSource;
        if (!c.is_source) c.key_index = keyIndex(n.key);
        c.values = n.values;
        for (const QueryValue& v : n.values) c.literal.emplace_back(v.text);
        c.exists = n.values.size() == 1 && n.values[0].wildcard && n.values[0].text == "*";
        break;
      default:
        for (const QueryNode& k : n.children) c.children.push_back(compile(k));
    }
    return c;
  }

  // Intersects the measurements to scan with `allowed` (sources are ANDed conditions).
  void restrictSources(std::vector<std::string> allowed) {
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    if (!scan.measurements.empty() || empty) {
      std::vector<std::string> both;
      std::set_intersection(scan.measurements.begin(), scan.measurements.end(), allowed.begin(),
                            allowed.end(), std::back_inserter(both));
      allowed = std::move(both);
    }
    scan.measurements = std::move(allowed);
    if (scan.measurements.empty()) empty = true;
  }

  static bool allLiteral(const QueryNode& n) {
    for (const QueryValue& v : n.values) {
      if (v.wildcard) return false;
    }
    return true;
  }
  static bool isExists(const QueryNode& n) {
    return n.values.size() == 1 && n.values[0].wildcard && n.values[0].text == "*";
  }

  // Moves a top-level conjunct into the scan when the engine can evaluate it exactly.
  bool pushDown(const QueryNode& n) {
    if (n.kind == QueryNode::kTerm) {
      if (!scan.text.empty()) scan.text += ' ';
      scan.text += n.text;
      return true;
    }
    if (n.kind == QueryNode::kPhrase) {
      // Its tokens are necessary (bloom skipping); the order is checked on the rows.
      if (!scan.text.empty()) scan.text += ' ';
      scan.text += n.text;
      return false;
    }
    if (n.kind == QueryNode::kField) {
      if (n.key == kSource) {
        if (!allLiteral(n)) return false;
        std::vector<std::string> s;
        for (const QueryValue& v : n.values) s.push_back(v.text);
        restrictSources(std::move(s));
        return true;
      }
      storage::FieldPredicate p;
      p.column = n.key;
      if (isExists(n)) {
        p.op = storage::FieldPredicate::kExists;
      } else if (allLiteral(n)) {
        p.op = n.values.size() == 1 ? storage::FieldPredicate::kEq : storage::FieldPredicate::kIn;
        for (const QueryValue& v : n.values) p.values.emplace_back(v.text);
      } else {
        return false;
      }
      scan.fields.push_back(std::move(p));
      return true;
    }
    if (n.kind == QueryNode::kNot && n.children.size() == 1 &&
        n.children[0].kind == QueryNode::kField && n.children[0].key != kSource) {
      const QueryNode& f = n.children[0];
      storage::FieldPredicate p;
      p.column = f.key;
      if (isExists(f)) {
        p.op = storage::FieldPredicate::kNotExists;
      } else if (allLiteral(f)) {
        p.op =
            f.values.size() == 1 ? storage::FieldPredicate::kNe : storage::FieldPredicate::kNotIn;
        for (const QueryValue& v : f.values) p.values.emplace_back(v.text);
      } else {
        return false;
      }
      scan.fields.push_back(std::move(p));
      return true;
    }
    return false;
  }

  BatchView view(const storage::ColumnBatch& b) const {
    BatchView v;
    v.b = &b;
    v.key_columns.resize(keys.size());
    for (const storage::Column& c : b.columns) {
      if (c.name == kMessage && c.kind == storage::ColumnKind::kField &&
          c.type == model::FieldType::kString) {
        v.message = &c;
      }
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (c.name == keys[i]) v.key_columns[i].push_back(&c);
      }
    }
    return v;
  }

  static const std::vector<std::string>& tokens(const BatchView& v, RowState& r) {
    if (!r.tokenized) {
      r.tokenized = true;
      r.tokens.clear();
      if (v.message != nullptr && v.message->isPresent(r.row)) {
        r.tokens = tokensOf(std::get<4>(v.message->values)[r.row]);
      }
    }
    return r.tokens;
  }

  static bool valueMatches(const Compiled& c, std::size_t i, const storage::Column& col,
                           std::size_t row) {
    const QueryValue& qv = c.values[i];
    if (qv.wildcard) {
      if (col.type == model::FieldType::kString) {
        return globMatch(qv.text, std::get<4>(col.values)[row]);
      }
      return globMatch(qv.text, valueText(col, row));
    }
    std::optional<int> cmp =
        storage::compareFieldValues(storage::scalarAt(col, row), storage::scalarOf(c.literal[i]));
    return cmp && *cmp == 0;
  }

  static bool eval(const Compiled& c, const BatchView& v, RowState& r) {
    switch (c.kind) {
      case QueryNode::kTerm: {
        if (c.tokens.empty()) return true;
        const auto& t = tokens(v, r);
        for (const std::string& want : c.tokens) {
          if (!hasToken(t, want)) return false;
        }
        return true;
      }
      case QueryNode::kPhrase: return hasSequence(tokens(v, r), c.tokens);
      case QueryNode::kWildcard: {
        if (c.glob == "*") return true;
        for (const std::string& t : tokens(v, r)) {
          if (globMatch(c.glob, t)) return true;
        }
        return false;
      }
      case QueryNode::kField: {
        if (c.is_source) {
          for (const QueryValue& qv : c.values) {
            if (qv.wildcard ? globMatch(qv.text, v.b->measurement) : qv.text == v.b->measurement)
              return true;
          }
          return false;
        }
        for (const storage::Column* col : v.key_columns[c.key_index]) {
          if (!col->isPresent(r.row)) continue;
          if (c.exists) return true;
          for (std::size_t i = 0; i < c.values.size(); ++i) {
            if (valueMatches(c, i, *col, r.row)) return true;
          }
        }
        return false;
      }
      case QueryNode::kAnd:
        for (const Compiled& k : c.children) {
          if (!eval(k, v, r)) return false;
        }
        return true;
      case QueryNode::kOr:
        for (const Compiled& k : c.children) {
          if (eval(k, v, r)) return true;
        }
        return false;
      case QueryNode::kNot: return c.children.empty() || !eval(c.children[0], v, r);
    }
    return false;
  }

  bool residualEmpty() const {
    return residual.kind == QueryNode::kAnd && residual.children.empty();
  }

  // Scans [lo, hi] and calls fn(batch view, row) for the rows that pass the residual.
  template <typename Fn>
  Status scanRange(storage::StorageEngine& engine, const std::string& ws, std::int64_t lo,
                   std::int64_t hi, const SearchLimits& limits, SearchStats* stats, Fn&& fn) const {
    if (empty || lo > hi) return Status::ok();
    storage::ScanRequest req = scan;
    req.workspace_id = ws;
    req.category = model::Category::kLogging;
    req.min_time_ns = lo;
    req.max_time_ns = hi;
    const bool check = !residualEmpty();
    storage::ScanStats ss;
    Status st = engine.scan(
        req,
        [&](storage::ColumnBatch&& b) -> Status {
          stats->rows_scanned += b.rows();
          if (stats->rows_scanned > limits.max_rows_scanned) {
            return outOfRange("the search read more than " +
                              std::to_string(limits.max_rows_scanned) +
                              " rows; narrow the time range or the query");
          }
          if (std::chrono::steady_clock::now() > limits.deadline) {
            return Status(StatusCode::kDeadlineExceeded,
                          "the search ran out of time; narrow the time range or the query");
          }
          BatchView v = view(b);
          RowState r;
          for (std::size_t row = 0; row < b.rows(); ++row) {
            if (check) {
              r.row = row;
              r.tokenized = false;
              if (!eval(matcher, v, r)) continue;
            }
            ++stats->rows_matched;
            SEXTANT_RETURN_IF_ERROR(fn(v, row));
          }
          return Status::ok();
        },
        &ss);
    ++stats->scans;
    stats->scan.parts += ss.parts;
    stats->scan.granules_total += ss.granules_total;
    stats->scan.granules_read += ss.granules_read;
    stats->scan.bytes_read += ss.bytes_read;
    stats->scan.head_rows += ss.head_rows;
    stats->scan.rows += ss.rows;
    stats->scan.granules_skipped_by_fields += ss.granules_skipped_by_fields;
    return st;
  }
};

LogSearcher::LogSearcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogSearcher::LogSearcher(LogSearcher&&) noexcept = default;
LogSearcher& LogSearcher::operator=(LogSearcher&&) noexcept = default;
LogSearcher::~LogSearcher() = default;

Result<LogSearcher> LogSearcher::make(const LogFilter& filter) {
  auto impl = std::make_unique<Impl>();
  impl->scan.min_time_ns = filter.min_time_ns;
  impl->scan.max_time_ns = filter.max_time_ns;
  if (!filter.sources.empty()) impl->restrictSources(filter.sources);
  for (const auto& [k, v] : filter.filters) {
    if (k.empty()) return invalidArgument("filter without a key (use filter=key:value)");
    if (k == kSource) {
      impl->restrictSources({v});
      continue;
    }
    impl->scan.fields.push_back({k, storage::FieldPredicate::kEq, {model::FieldValue(v)}});
  }
  impl->residual.kind = QueryNode::kAnd;
  const QueryNode& q = filter.query;
  if (q.kind == QueryNode::kAnd) {
    for (const QueryNode& c : q.children) {
      if (!impl->pushDown(c)) impl->residual.children.push_back(c);
    }
  } else if (!impl->pushDown(q)) {
    impl->residual.children.push_back(q);
  }
  SEXTANT_RETURN_IF_ERROR(storage::validateFieldPredicates(impl->scan.fields));
  impl->matcher = impl->compile(impl->residual);
  return LogSearcher(std::move(impl));
}

const storage::ScanRequest& LogSearcher::scanTemplate() const { return impl_->scan; }
const QueryNode& LogSearcher::residual() const { return impl_->residual; }

LogRow LogSearcher::toRow(const storage::ColumnBatch& b, std::size_t row, std::uint64_t hash) {
  model::Point p = storage::rowToPoint(b, row, model::Category::kLogging);
  LogRow r;
  r.time_ns = b.time_ns[row];
  r.hash = hash;
  r.source = b.measurement;
  r.tags = std::move(p.tags);
  r.fields = std::move(p.fields);
  std::stable_sort(r.tags.begin(), r.tags.end(),
                   [](const auto& x, const auto& y) { return x.key < y.key; });
  std::stable_sort(r.fields.begin(), r.fields.end(),
                   [](const auto& x, const auto& y) { return x.key < y.key; });
  return r;
}

Status LogSearcher::forEach(storage::StorageEngine& engine, const std::string& workspace_id,
                            std::int64_t min_time_ns, std::int64_t max_time_ns,
                            const SearchLimits& limits, const RowFn& fn, SearchStats* stats) const {
  std::int64_t lo = std::max(min_time_ns, impl_->scan.min_time_ns);
  std::int64_t hi = std::min(max_time_ns, impl_->scan.max_time_ns);
  return impl_->scanRange(engine, workspace_id, lo, hi, limits, stats,
                          [&](const BatchView& v, std::size_t row) { return fn(*v.b, row); });
}

namespace {

// A kept candidate of a page.
struct Cand {
  std::int64_t time_ns;
  std::uint64_t hash;
  LogRow row;
};

}  // namespace

Status LogSearcher::search(storage::StorageEngine& engine, const std::string& workspace_id,
                           bool ascending, std::size_t limit, const std::optional<LogCursor>& after,
                           const SearchLimits& limits, std::vector<LogRow>* rows,
                           std::optional<LogCursor>* next, SearchStats* stats) const {
  rows->clear();
  next->reset();
  if (limit == 0) return Status::ok();
  std::int64_t lo = impl_->scan.min_time_ns;
  std::int64_t hi = impl_->scan.max_time_ns;
  if (after) {
    if (ascending) {
      lo = std::max(lo, after->time_ns);
    } else {
      hi = std::min(hi, after->time_ns);
    }
  }
  if (lo > hi) return Status::ok();
  // "a comes before b" in the result order.
  auto before = [ascending](std::int64_t ta, std::uint64_t ha, std::int64_t tb, std::uint64_t hb) {
    if (ta != tb) return ascending ? ta < tb : ta > tb;
    return ascending ? ha < hb : ha > hb;
  };
  // The heap's top is the last of the kept candidates (the first to drop).
  auto heap_less = [&](const Cand& a, const Cand& b) {
    return before(a.time_ns, a.hash, b.time_ns, b.hash);
  };
  std::vector<Cand> heap;
  std::uint32_t equal_seen = 0;  // rows equal to the cursor, met so far

  auto onRow = [&](const BatchView& v, std::size_t row) -> Status {
    const storage::ColumnBatch& b = *v.b;
    const std::int64_t t = b.time_ns[row];
    if (heap.size() >= limit) {
      const Cand& last = heap.front();
      if (t != last.time_ns && !before(t, 0, last.time_ns, 0)) return Status::ok();
    }
    const std::uint64_t h = rowHash(b, row);
    if (after) {
      if (t == after->time_ns && h == after->hash) {
        if (equal_seen++ < after->dups) return Status::ok();
      } else if (!before(after->time_ns, after->hash, t, h)) {
        return Status::ok();
      }
    }
    if (heap.size() >= limit) {
      const Cand& last = heap.front();
      if (!before(t, h, last.time_ns, last.hash)) return Status::ok();
      std::pop_heap(heap.begin(), heap.end(), heap_less);
      heap.pop_back();
    }
    heap.push_back(Cand{t, h, toRow(b, row, h)});
    std::push_heap(heap.begin(), heap.end(), heap_less);
    return Status::ok();
  };

  // Windows from the near end of the range: a small one first, 4x wider each time, until the
  // page is full (later windows only hold rows that sort after every row kept) or the range ends.
  // Unsigned arithmetic: the range may span all of int64.
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  std::uint64_t width =
      std::max<std::uint64_t>(span / kFirstWindowDivisor, static_cast<std::uint64_t>(kMinWindowNs));
  std::int64_t edge = ascending ? lo : hi;
  for (;;) {
    const std::uint64_t remaining =
        ascending ? static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(edge)
                  : static_cast<std::uint64_t>(edge) - static_cast<std::uint64_t>(lo);
    const bool last = remaining < width;
    std::int64_t wlo = lo, whi = hi;
    if (ascending) {
      wlo = edge;
      if (!last) whi = static_cast<std::int64_t>(static_cast<std::uint64_t>(edge) + (width - 1));
    } else {
      whi = edge;
      if (!last) wlo = static_cast<std::int64_t>(static_cast<std::uint64_t>(edge) - (width - 1));
    }
    SEXTANT_RETURN_IF_ERROR(impl_->scanRange(engine, workspace_id, wlo, whi, limits, stats, onRow));
    if (last || heap.size() >= limit) break;
    edge = ascending ? whi + 1 : wlo - 1;
    width = width > UINT64_MAX / 4 ? UINT64_MAX : width * 4;
  }

  std::sort_heap(heap.begin(), heap.end(), heap_less);
  for (Cand& c : heap) rows->push_back(std::move(c.row));
  if (rows->size() >= limit) {
    const LogRow& lastRow = rows->back();
    LogCursor c{lastRow.time_ns, lastRow.hash, 0};
    for (const LogRow& r : *rows) {
      if (r.time_ns == c.time_ns && r.hash == c.hash) ++c.dups;
    }
    if (after && after->time_ns == c.time_ns && after->hash == c.hash) c.dups += after->dups;
    *next = c;
  }
  return Status::ok();
}

}  // namespace sextant::server::log_api

#include "server/trace_api/trace_reader.h"

#include <algorithm>

#include "storage/column.h"

namespace sextant::server::trace_api {

namespace {

// The text of a string column's row ("" when absent or not a string column).
std::string_view columnText(const storage::Column& c, std::size_t row) {
  if (!c.isPresent(row)) return {};
  if (c.type == model::FieldType::kString) return std::get<4>(c.values)[row];
  if (c.type == model::FieldType::kBytes) return std::get<5>(c.values)[row];
  return {};
}

// The integer value of a numeric column's row (floats truncated), or nullopt.
std::optional<std::int64_t> columnInt(const storage::Column& c, std::size_t row) {
  if (!c.isPresent(row)) return std::nullopt;
  switch (c.type) {
    case model::FieldType::kInt: return std::get<0>(c.values)[row];
    case model::FieldType::kUint: {
      std::uint64_t u = std::get<1>(c.values)[row];
      return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
    }
    case model::FieldType::kFloat: {
      double d = std::get<2>(c.values)[row];
      if (!(d > -9.2e18 && d < 9.2e18)) return std::nullopt;
      return static_cast<std::int64_t>(d);
    }
    default: return std::nullopt;
  }
}

const storage::Column* fieldColumn(const storage::ColumnBatch& b, std::string_view name) {
  return b.findColumn(name, storage::ColumnKind::kField);
}

}  // namespace

std::string_view tagValue(const std::vector<model::Tag>& tags, std::string_view key) {
  for (const model::Tag& t : tags) {
    if (t.key == key) return t.value;
  }
  return {};
}

Status scanSpans(storage::StorageEngine& engine, const std::string& ws, const SpanScan& scan,
                 const std::function<Status(SpanRow&&)>& fn) {
  storage::ScanRequest req;
  req.workspace_id = ws;
  req.category = model::Category::kTracing;
  req.min_time_ns = scan.min_ns;
  req.max_time_ns = scan.max_ns;
  req.tags = scan.tags;
  req.columns = scan.columns;
  return engine.scan(req, [&](storage::ColumnBatch&& b) -> Status {
    for (std::size_t i = 0; i < b.rows(); ++i) {
      SEXTANT_RETURN_IF_ERROR(
          fn(spanRowFromPoint(storage::rowToPoint(b, i, model::Category::kTracing))));
    }
    return Status::ok();
  });
}

Result<std::vector<SpanRow>> findTrace(storage::StorageEngine& engine, const std::string& ws,
                                       std::string_view trace_id, std::int64_t min_ns,
                                       std::int64_t max_ns) {
  std::vector<SpanRow> out;
  if (trace_id.empty() || min_ns > max_ns) return out;
  auto collect = [&](storage::ColumnBatch&& b) -> Status {
    const storage::Column* ids = fieldColumn(b, "trace_id");
    if (ids == nullptr) return Status::ok();
    for (std::size_t i = 0; i < b.rows(); ++i) {
      if (!equalsNoCase(columnText(*ids, i), trace_id)) continue;
      out.push_back(spanRowFromPoint(storage::rowToPoint(b, i, model::Category::kTracing)));
    }
    return Status::ok();
  };

  storage::ScanRequest req;
  req.workspace_id = ws;
  req.category = model::Category::kTracing;
  req.min_time_ns = min_ns;
  req.max_time_ns = max_ns;
  // Ids are stored lowercase: `trace_id = <id>` reads only the granules whose trace_id value
  // bloom may hold it (storage/field_predicate.h).
  std::string lower(trace_id);
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  req.fields = {storage::FieldPredicate{"trace_id", storage::FieldPredicate::kEq, {lower}}};
  SEXTANT_RETURN_IF_ERROR(engine.scan(req, collect));
  if (!out.empty()) return out;
  // Then ids stored in another case, found through the message's token bloom.
  req.fields.clear();
  req.text = std::string(trace_id);
  SEXTANT_RETURN_IF_ERROR(engine.scan(req, collect));
  if (!out.empty()) return out;

  // Fallback: spans whose message lacks the id. Find the times first (one column), then read
  // the rows of that time span only.
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  req.text.clear();
  req.columns = {"trace_id"};
  SEXTANT_RETURN_IF_ERROR(engine.scan(req, [&](storage::ColumnBatch&& b) -> Status {
    const storage::Column* ids = fieldColumn(b, "trace_id");
    if (ids == nullptr) return Status::ok();
    for (std::size_t i = 0; i < b.rows(); ++i) {
      if (!equalsNoCase(columnText(*ids, i), trace_id)) continue;
      lo = std::min(lo, b.time_ns[i]);
      hi = std::max(hi, b.time_ns[i]);
    }
    return Status::ok();
  }));
  if (lo > hi) return out;
  req.columns.clear();
  req.min_time_ns = lo;
  req.max_time_ns = hi;
  SEXTANT_RETURN_IF_ERROR(engine.scan(req, collect));
  return out;
}

Status scanApm(storage::StorageEngine& engine, const std::string& ws, std::string_view measurement,
               std::string_view count_field, std::int64_t min_ns, std::int64_t max_ns,
               const std::vector<storage::TagMatcher>& tags,
               const std::function<void(const ApmRow&)>& fn) {
  storage::ScanRequest req;
  req.workspace_id = ws;
  req.category = model::Category::kMetric;
  req.min_time_ns = min_ns;
  req.max_time_ns = max_ns;
  req.measurements = {std::string(measurement)};
  req.tags = tags;
  req.columns = {std::string(count_field), "errors", "duration_sum", "duration_max", "sketch"};
  return engine.scan(req, [&](storage::ColumnBatch&& b) -> Status {
    const storage::Column* count = fieldColumn(b, count_field);
    const storage::Column* errors = fieldColumn(b, "errors");
    const storage::Column* dsum = fieldColumn(b, "duration_sum");
    const storage::Column* dmax = fieldColumn(b, "duration_max");
    const storage::Column* sketch = fieldColumn(b, "sketch");
    for (std::size_t i = 0; i < b.rows(); ++i) {
      ApmRow r;
      r.tags = &b.series_tags;
      r.time_ns = b.time_ns[i];
      if (count) r.count = std::max<std::int64_t>(0, columnInt(*count, i).value_or(0));
      if (errors) r.errors = std::max<std::int64_t>(0, columnInt(*errors, i).value_or(0));
      if (dsum) r.duration_sum = std::max<std::int64_t>(0, columnInt(*dsum, i).value_or(0));
      if (dmax) r.duration_max = std::max<std::int64_t>(0, columnInt(*dmax, i).value_or(0));
      if (sketch) {
        std::string_view bytes = columnText(*sketch, i);
        if (!bytes.empty()) {
          Result<apm::Sketch> s = apm::Sketch::decode(bytes);
          if (s.isOk()) r.sketch = std::move(s).value();
        }
      }
      fn(r);
    }
    return Status::ok();
  });
}

}  // namespace sextant::server::trace_api

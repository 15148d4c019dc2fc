#include "storage/engine/row_group.h"

#include <algorithm>
#include <numeric>

namespace sextant::storage {

namespace {

constexpr std::size_t kRowOverhead = 16;  // time plus bookkeeping per row

// Pads c with absent rows up to `rows` rows.
void padTo(Column& c, std::size_t rows) {
  std::size_t n = c.size();
  if (n >= rows) return;
  if (c.present.empty()) c.present.assign(n, 1);
  c.present.resize(rows, 0);
  std::visit([&](auto& v) { v.resize(rows); }, c.values);
}

}  // namespace

RowGroup::RowGroup(std::string measurement, std::uint64_t series_id) {
  rows_.measurement = std::move(measurement);
  rows_.series_id = series_id;
}

Column& RowGroup::column(std::string_view name, ColumnKind kind, model::FieldType type) {
  std::vector<Column>& cols = rows_.columns;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    std::size_t j = (hint_ + i) % cols.size();
    if (cols[j].kind == kind && cols[j].type == type && cols[j].name == name) {
      hint_ = j + 1;
      return cols[j];
    }
  }
  Column c;
  c.name = std::string(name);
  c.kind = kind;
  c.type = type;
  c.values = emptyColumnValues(type);
  std::size_t before = rows_.time_ns.size() - 1;  // rows before the one being appended
  if (before > 0) {
    c.present.assign(before, 0);
    std::visit([&](auto& v) { v.resize(before); }, c.values);
  }
  bytes_ += sizeof(Column) + name.size();
  cols.push_back(std::move(c));
  hint_ = cols.size();
  return cols.back();
}

void RowGroup::appendValue(Column& c, const model::FieldValue& v) {
  if (!c.present.empty()) c.present.push_back(1);
  switch (model::fieldType(v)) {
    case model::FieldType::kInt:
      std::get<0>(c.values).push_back(std::get<int64_t>(v));
      bytes_ += 8;
      break;
    case model::FieldType::kUint:
      std::get<1>(c.values).push_back(std::get<uint64_t>(v));
      bytes_ += 8;
      break;
    case model::FieldType::kFloat:
      std::get<2>(c.values).push_back(std::get<double>(v));
      bytes_ += 8;
      break;
    case model::FieldType::kBool:
      std::get<3>(c.values).push_back(std::get<bool>(v) ? 1 : 0);
      bytes_ += 1;
      break;
    case model::FieldType::kString:
      std::get<4>(c.values).push_back(std::get<std::string>(v));
      bytes_ += 32 + std::get<std::string>(v).size();
      break;
    case model::FieldType::kBytes:
      std::get<5>(c.values).push_back(std::get<model::Bytes>(v).data);
      bytes_ += 32 + std::get<model::Bytes>(v).data.size();
      break;
    case model::FieldType::kArray:
      std::get<6>(c.values).push_back(std::get<model::Array>(v));
      bytes_ += 64 + 16 * std::get<model::Array>(v).size();
      break;
  }
}

void RowGroup::append(const model::Point& p, bool tags_as_columns) {
  if (!rows_.time_ns.empty() && p.time_ns < rows_.time_ns.back()) sorted_ = false;
  rows_.time_ns.push_back(p.time_ns);
  min_time_ = std::min(min_time_, p.time_ns);
  max_time_ = std::max(max_time_, p.time_ns);
  bytes_ += kRowOverhead;
  if (tags_as_columns) {
    for (const model::Tag& t : p.tags) {
      Column& c = column(t.key, ColumnKind::kTag, model::FieldType::kString);
      if (c.size() == rows()) continue;  // a repeated key: the first one wins
      appendValue(c, t.value);
    }
  }
  for (const model::Field& f : p.fields) {
    Column& c = column(f.key, ColumnKind::kField, model::fieldType(f.value));
    if (c.size() == rows()) continue;
    appendValue(c, f.value);
  }
  for (Column& c : rows_.columns) padTo(c, rows());
}

ColumnBatch RowGroup::batch(std::int64_t min_time, std::int64_t max_time,
                            const std::vector<std::string>& columns, bool no_columns) const {
  std::vector<std::uint32_t> order(rows_.time_ns.size());
  std::iota(order.begin(), order.end(), 0u);
  if (!sorted_) {
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return rows_.time_ns[a] < rows_.time_ns[b];
    });
  }
  std::erase_if(order, [&](std::uint32_t r) {
    return rows_.time_ns[r] < min_time || rows_.time_ns[r] > max_time;
  });
  ColumnBatch out = selectRows(rows_, order);
  if (no_columns) {
    out.columns.clear();
  } else if (!columns.empty()) {
    std::erase_if(out.columns, [&](const Column& c) {
      return std::find(columns.begin(), columns.end(), c.name) == columns.end();
    });
  }
  return out;
}

}  // namespace sextant::storage

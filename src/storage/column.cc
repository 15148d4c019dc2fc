#include "storage/column.h"

#include <algorithm>

namespace sextant::storage {

ColumnValues emptyColumnValues(model::FieldType t) {
  switch (t) {
    case model::FieldType::kInt: return ColumnValues(std::in_place_index<0>);
    case model::FieldType::kUint: return ColumnValues(std::in_place_index<1>);
    case model::FieldType::kFloat: return ColumnValues(std::in_place_index<2>);
    case model::FieldType::kBool: return ColumnValues(std::in_place_index<3>);
    case model::FieldType::kString: return ColumnValues(std::in_place_index<4>);
    case model::FieldType::kBytes: return ColumnValues(std::in_place_index<5>);
    case model::FieldType::kArray: return ColumnValues(std::in_place_index<6>);
  }
  return ColumnValues(std::in_place_index<2>);
}

std::size_t columnSize(const ColumnValues& v) {
  return std::visit([](const auto& vec) { return vec.size(); }, v);
}

model::FieldValue Column::valueAt(std::size_t row) const {
  switch (values.index()) {
    case 0: return std::get<0>(values)[row];
    case 1: return std::get<1>(values)[row];
    case 2: return std::get<2>(values)[row];
    case 3: return std::get<3>(values)[row] != 0;
    case 4: return std::get<4>(values)[row];
    case 5: return model::Bytes{std::get<5>(values)[row]};
    default: return std::get<6>(values)[row];
  }
}

const Column* ColumnBatch::findColumn(std::string_view name, ColumnKind kind) const {
  for (const Column& c : columns) {
    if (c.kind == kind && c.name == name) return &c;
  }
  return nullptr;
}

namespace {

template <typename T>
void gather(const std::vector<T>& from, const std::vector<std::uint32_t>& rows,
            std::vector<T>* to) {
  to->reserve(to->size() + rows.size());
  for (std::uint32_t r : rows) to->push_back(from[r]);
}

}  // namespace

void gatherColumn(const ColumnValues& from, const std::vector<std::uint32_t>& rows,
                  ColumnValues* to) {
  switch (from.index()) {
    case 0: gather(std::get<0>(from), rows, &std::get<0>(*to)); break;
    case 1: gather(std::get<1>(from), rows, &std::get<1>(*to)); break;
    case 2: gather(std::get<2>(from), rows, &std::get<2>(*to)); break;
    case 3: gather(std::get<3>(from), rows, &std::get<3>(*to)); break;
    case 4: gather(std::get<4>(from), rows, &std::get<4>(*to)); break;
    case 5: gather(std::get<5>(from), rows, &std::get<5>(*to)); break;
    default: gather(std::get<6>(from), rows, &std::get<6>(*to)); break;
  }
}

SeriesRowsView viewOf(const ColumnBatch& b) {
  SeriesRowsView v;
  v.measurement = &b.measurement;
  v.series_id = b.series_id;
  v.series_tags = &b.series_tags;
  v.time_ns = b.time_ns.data();
  v.rows = b.rows();
  v.columns = &b.columns;
  return v;
}

ColumnBatch selectRows(const ColumnBatch& b, const std::vector<std::uint32_t>& rows) {
  ColumnBatch out;
  out.measurement = b.measurement;
  out.series_id = b.series_id;
  out.series_tags = b.series_tags;
  gather(b.time_ns, rows, &out.time_ns);
  for (const Column& c : b.columns) {
    Column o;
    o.name = c.name;
    o.kind = c.kind;
    o.type = c.type;
    o.values = emptyColumnValues(c.type);
    gatherColumn(c.values, rows, &o.values);
    if (!c.present.empty()) {
      gather(c.present, rows, &o.present);
      std::size_t n =
          static_cast<std::size_t>(std::count(o.present.begin(), o.present.end(), std::uint8_t{1}));
      if (n == 0) continue;
      if (n == o.present.size()) o.present.clear();
    }
    out.columns.push_back(std::move(o));
  }
  return out;
}

model::Point rowToPoint(const ColumnBatch& b, std::size_t row, model::Category c) {
  model::Point p;
  p.category = c;
  p.measurement = b.measurement;
  p.time_ns = b.time_ns[row];
  p.tags = b.series_tags;
  for (const Column& col : b.columns) {
    if (!col.isPresent(row)) continue;
    if (col.kind == ColumnKind::kTag) {
      p.addTag(col.name, std::get<4>(col.values)[row]);
    } else {
      p.addField(col.name, col.valueAt(row));
    }
  }
  return p;
}

}  // namespace sextant::storage

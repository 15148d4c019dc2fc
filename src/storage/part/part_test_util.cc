#include "storage/part/part_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "storage/encoding/block.h"

namespace sextant::storage::testing {
namespace {

const std::vector<std::string> kWords = {"alpha",   "beta", "gamma", "delta", "error",
                                         "Timeout", "中文", "x_1",   "GET",   "200"};

std::string randomText(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> len(0, 5);
  std::uniform_int_distribution<std::size_t> pick(0, kWords.size() - 1);
  static const std::vector<std::string> kSeps = {" ", ", ", "=", "\n", "/", "\"", "é"};
  std::uniform_int_distribution<std::size_t> sep(0, kSeps.size() - 1);
  std::string s;
  const int n = len(rng);
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += kSeps[sep(rng)];
    s += kWords[pick(rng)];
  }
  return s;
}

std::string randomBytes(std::mt19937_64& rng) {
  std::string s(std::uniform_int_distribution<std::size_t>(0, 12)(rng), '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

double randomDouble(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0: return std::round(std::uniform_real_distribution<double>(0, 100)(rng) * 100) / 100;
    case 1:
      return std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng),
                        std::uniform_int_distribution<int>(-300, 300)(rng));
    case 2: return 0.0;
    default: return static_cast<double>(std::uniform_int_distribution<int>(-5, 5)(rng));
  }
}

std::int64_t randomInt(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
    case 0: return std::uniform_int_distribution<std::int64_t>(-100, 100)(rng);
    case 1: return static_cast<std::int64_t>(rng());
    default: return (rng() & 1) != 0 ? INT64_MAX : INT64_MIN;
  }
}

model::Array randomArray(std::mt19937_64& rng) {
  const std::size_t n = std::uniform_int_distribution<std::size_t>(0, 4)(rng);
  model::Array a;
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0: {
      std::vector<std::int64_t> v(n);
      for (auto& x : v) x = randomInt(rng);
      a.items = v;
      break;
    }
    case 1: {
      std::vector<std::uint64_t> v(n);
      for (auto& x : v) x = rng();
      a.items = v;
      break;
    }
    case 2: {
      std::vector<double> v(n);
      for (auto& x : v) x = randomDouble(rng);
      a.items = v;
      break;
    }
    case 3: {
      std::vector<bool> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = (rng() & 1) != 0;
      a.items = v;
      break;
    }
    case 4: {
      std::vector<std::string> v(n);
      for (auto& x : v) x = randomText(rng);
      a.items = v;
      break;
    }
    default: {
      std::vector<model::Bytes> v(n);
      for (auto& x : v) x.data = randomBytes(rng);
      a.items = v;
      break;
    }
  }
  return a;
}

// Appends one random value (or a default when absent) of column c's type.
void appendValue(std::mt19937_64& rng, Column& c, bool present) {
  switch (c.type) {
    case model::FieldType::kInt:
      std::get<0>(c.values).push_back(present ? randomInt(rng) : 0);
      break;
    case model::FieldType::kUint:
      std::get<1>(c.values).push_back(present ? rng() >> (rng() % 64) : 0);
      break;
    case model::FieldType::kFloat:
      std::get<2>(c.values).push_back(present ? randomDouble(rng) : 0.0);
      break;
    case model::FieldType::kBool:
      std::get<3>(c.values).push_back(present ? static_cast<std::uint8_t>(rng() & 1) : 0);
      break;
    case model::FieldType::kString:
      if (!present) {
        std::get<4>(c.values).emplace_back();
      } else if (c.kind == ColumnKind::kTag) {
        std::get<4>(c.values).push_back("v" + std::to_string(rng() % 5));
      } else {
        std::get<4>(c.values).push_back(randomText(rng));
      }
      break;
    case model::FieldType::kBytes:
      std::get<5>(c.values).push_back(present ? randomBytes(rng) : std::string());
      break;
    case model::FieldType::kArray:
      std::get<6>(c.values).push_back(present ? randomArray(rng) : model::Array{});
      break;
  }
}

std::vector<PartColumnKey> randomPool(std::mt19937_64& rng, bool text) {
  static const std::vector<std::string> kNames = {"host", "region", "v", "count", "é name", "ok"};
  std::set<PartColumnKey> pool;
  const int n = std::uniform_int_distribution<int>(1, 7)(rng);
  for (int i = 0; i < n; ++i) {
    PartColumnKey k;
    k.name = kNames[rng() % kNames.size()];
    if (rng() % 4 == 0) {
      k.kind = ColumnKind::kTag;
      k.type = model::FieldType::kString;
    } else {
      k.kind = ColumnKind::kField;
      k.type = static_cast<model::FieldType>(rng() % 7);
    }
    pool.insert(k);
  }
  if (text) pool.insert(PartColumnKey{"message", ColumnKind::kField, model::FieldType::kString});
  return {pool.begin(), pool.end()};
}

ColumnBatch randomBatch(std::mt19937_64& rng, const std::string& m, std::uint64_t series,
                        std::int64_t* t, const std::vector<PartColumnKey>& pool, int max_rows,
                        std::int64_t step) {
  ColumnBatch b;
  b.measurement = m;
  b.series_id = series;
  const std::size_t rows =
      std::uniform_int_distribution<std::size_t>(1, static_cast<std::size_t>(max_rows))(rng);
  for (std::size_t i = 0; i < rows; ++i) {
    b.time_ns.push_back(*t);
    if (rng() % 8 != 0) *t += step;  // sometimes two rows share a time
  }
  std::vector<PartColumnKey> cols;
  for (const PartColumnKey& k : pool) {
    if (rng() % 10 < 7) cols.push_back(k);
  }
  std::shuffle(cols.begin(), cols.end(), rng);  // the writer accepts any column order
  for (const PartColumnKey& k : cols) {
    Column c;
    c.name = k.name;
    c.kind = k.kind;
    c.type = k.type;
    c.values = emptyColumnValues(k.type);
    const bool all = rng() % 2 == 0;
    for (std::size_t i = 0; i < rows; ++i) {
      const bool p = all || rng() % 10 < 6;
      if (!all) c.present.push_back(p ? 1 : 0);
      appendValue(rng, c, p);
    }
    b.columns.push_back(std::move(c));
  }
  return b;
}

std::string valueString(const model::FieldValue& v) {
  model::Point p;
  p.measurement = "m";
  p.addField("f", v);
  return model::debugString(p);
}

}  // namespace

void PrintTo(const Row& r, std::ostream* os) {
  *os << r.measurement << "/" << r.series << "@" << r.time_ns << " {";
  for (const auto& [k, v] : r.values) {
    *os << (k.kind == ColumnKind::kTag ? "tag " : "") << k.name << ":"
        << model::fieldTypeName(k.type) << "=" << valueString(v) << "; ";
  }
  *os << "}";
}

std::vector<Row> flatten(const std::vector<ColumnBatch>& batches) {
  std::vector<Row> rows;
  for (const ColumnBatch& b : batches) {
    for (std::size_t i = 0; i < b.rows(); ++i) {
      Row r;
      r.measurement = b.measurement;
      r.series = b.series_id;
      r.time_ns = b.time_ns[i];
      for (const Column& c : b.columns) {
        if (c.isPresent(i))
          r.values.emplace_back(PartColumnKey{c.name, c.kind, c.type}, c.valueAt(i));
      }
      std::sort(r.values.begin(), r.values.end(),
                [](const auto& x, const auto& y) { return x.first < y.first; });
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

std::vector<ColumnBatch> randomBatches(std::mt19937_64& rng, const GenOptions& o) {
  std::set<std::string> names;
  static const std::vector<std::string> kMeas = {"cpu", "mem", "disk", "net", "a b,c", "é", "zz"};
  while (names.size() < static_cast<std::size_t>(o.measurements)) {
    names.insert(rng() % 3 == 0 ? kMeas[rng() % kMeas.size()] : "m" + std::to_string(rng() % 100));
  }
  std::vector<ColumnBatch> out;
  for (const std::string& m : names) {
    const std::vector<PartColumnKey> pool = randomPool(rng, o.text);
    if (o.metrics) {
      std::set<std::uint64_t> series;
      const int n = std::uniform_int_distribution<int>(1, o.max_series)(rng);
      for (int i = 0; i < n; ++i) {
        series.insert(std::uniform_int_distribution<std::uint64_t>(
            1, static_cast<std::uint64_t>(o.max_series))(rng));
      }
      for (std::uint64_t s : series) {
        std::int64_t t = o.time_base + static_cast<std::int64_t>(rng() % 3) * o.step_ns;
        const int parts = rng() % 4 == 0 ? 2 : 1;
        for (int p = 0; p < parts; ++p) {
          out.push_back(randomBatch(rng, m, s, &t, pool, o.max_rows, o.step_ns));
        }
      }
    } else {
      std::int64_t t = o.time_base + static_cast<std::int64_t>(rng() % 3) * o.step_ns;
      const int n = std::uniform_int_distribution<int>(1, o.max_batches)(rng);
      for (int i = 0; i < n; ++i) {
        out.push_back(randomBatch(rng, m, 0, &t, pool, o.max_rows, o.step_ns / 7));
      }
    }
  }
  return out;
}

std::vector<Row> bruteForce(const std::vector<Row>& rows, const PartQuery& q) {
  std::vector<Row> out;
  for (const Row& r : rows) {
    if (r.time_ns < q.min_time_ns || r.time_ns > q.max_time_ns) continue;
    if (!q.measurements.empty() && std::find(q.measurements.begin(), q.measurements.end(),
                                             r.measurement) == q.measurements.end()) {
      continue;
    }
    if (q.series != nullptr &&
        std::find(q.series->begin(), q.series->end(), r.series) == q.series->end()) {
      continue;
    }
    // Field predicates: every one holds for some present value of its column name (any kind and
    // type), or for a row without the name when the operator passes missing values.
    bool pass = true;
    for (const FieldPredicate& p : q.fields) {
      bool any = false, ok = false;
      for (const auto& [k, v] : r.values) {
        if (k.name != p.column) continue;
        any = true;
        if (valuePasses(p, scalarOf(v))) ok = true;
      }
      if (!any) ok = missingPasses(p.op);
      if (!ok) pass = false;
    }
    if (!pass) continue;
    Row o = r;
    if (q.no_columns) {
      o.values.clear();
    } else if (!q.columns.empty()) {
      std::erase_if(o.values, [&](const auto& kv) {
        return std::find(q.columns.begin(), q.columns.end(), kv.first.name) == q.columns.end();
      });
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<PartInfo> writePart(FileSystem& fs, const std::string& path,
                           const std::vector<ColumnBatch>& batches, PartMeta meta) {
  PartWriter w(fs, path, std::move(meta));
  for (const ColumnBatch& b : batches) SEXTANT_RETURN_IF_ERROR(w.add(b));
  return w.finish();
}

Result<std::vector<ColumnBatch>> scanAll(const PartReader& r, const PartQuery& q,
                                         PartScanStats* stats) {
  std::vector<ColumnBatch> out;
  Status st = r.scan(
      q,
      [&](ColumnBatch&& b) {
        out.push_back(std::move(b));
        return Status::ok();
      },
      stats);
  if (!st.isOk()) return st;
  return out;
}

bool hasToken(std::string_view text, std::string_view token) {
  bool found = false;
  encoding::forEachToken(text, [&](std::string_view t) { found = found || t == token; });
  return found;
}

void expectWellFormed(const ColumnBatch& b) {
  EXPECT_GT(b.rows(), 0u);
  EXPECT_LE(b.rows(), kGranuleRows);
  for (std::size_t i = 0; i < b.columns.size(); ++i) {
    const Column& c = b.columns[i];
    EXPECT_EQ(c.size(), b.rows()) << c.name;
    EXPECT_EQ(c.values.index(), static_cast<std::size_t>(c.type)) << c.name;
    if (!c.present.empty()) {
      EXPECT_EQ(c.present.size(), b.rows()) << c.name;
      EXPECT_NE(std::count(c.present.begin(), c.present.end(), 0), 0) << c.name;
    }
    const auto present = c.present.empty() ? static_cast<std::ptrdiff_t>(b.rows())
                                           : std::count_if(c.present.begin(), c.present.end(),
                                                           [](std::uint8_t p) { return p != 0; });
    EXPECT_GT(present, 0) << c.name;
    if (i > 0) {
      const Column& p = b.columns[i - 1];
      EXPECT_LT((PartColumnKey{p.name, p.kind, p.type}), (PartColumnKey{c.name, c.kind, c.type}));
    }
  }
}

}  // namespace sextant::storage::testing

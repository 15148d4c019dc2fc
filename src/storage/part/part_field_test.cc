// Field predicates on parts: row results against a row-by-row oracle, granule skipping by the
// version-2 column statistics and value blooms, version-1 parts, and verify() on bad statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "core/crc32c.h"
#include "core/testing/mem_file_system.h"
#include "storage/part/part.h"
#include "storage/part/part_format.h"
#include "storage/part/part_test_util.h"

namespace sextant::storage {
namespace {

using Op = FieldPredicate::Op;
using model::FieldValue;
using testing::flatten;
using testing::GenOptions;
using testing::Row;

std::unique_ptr<PartReader> openOk(FileSystem& fs, const std::string& path) {
  auto r = PartReader::open(fs, path);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : nullptr;
}

FieldPredicate pred(std::string col, Op op, std::vector<FieldValue> values = {}) {
  return FieldPredicate{std::move(col), op, std::move(values)};
}

// A random predicate on the generator's column names, with values drawn from the rows (so that
// equality hits) or made up.
FieldPredicate randomPredicate(std::mt19937_64& rng, const std::vector<Row>& rows) {
  static const std::vector<std::string> kNames = {"host", "region", "v",       "count",
                                                  "ok",   "é name", "message", "nope"};
  FieldPredicate p;
  p.column = kNames[rng() % kNames.size()];
  p.op = static_cast<Op>(rng() % 10);
  auto value = [&]() -> FieldValue {
    if (rng() % 3 != 0 && !rows.empty()) {
      const Row& r = rows[rng() % rows.size()];
      for (const auto& [k, v] : r.values) {
        if (k.name == p.column && k.type != model::FieldType::kArray && rng() % 2 == 0) return v;
      }
    }
    switch (rng() % 6) {
      case 0: return FieldValue(static_cast<std::int64_t>(rng() % 201) - 100);
      case 1: return FieldValue(static_cast<double>(rng() % 2001) / 10 - 100);
      case 2: return FieldValue(std::string("v") + std::to_string(rng() % 5));
      case 3: return FieldValue((rng() & 1) != 0);
      case 4: return FieldValue(std::string("12.5"));
      default: return FieldValue(std::uint64_t{rng()});
    }
  };
  std::size_t n = 1;
  if (p.op == Op::kExists || p.op == Op::kNotExists) n = 0;
  if (p.op == Op::kIn || p.op == Op::kNotIn) n = 1 + rng() % 3;
  for (std::size_t i = 0; i < n; ++i) p.values.push_back(value());
  return p;
}

TEST(PartFieldTest, PredicatesMatchTheRowOracle) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    ::sextant::testing::MemFileSystem fs;
    GenOptions o;
    o.metrics = seed % 2 == 0;
    o.measurements = 3;
    o.max_rows = seed % 3 == 0 ? 3000 : 300;
    const std::vector<ColumnBatch> in = testing::randomBatches(rng, o);
    PartMeta meta;
    meta.value_bloom_columns = {"host", "region", "message"};
    ASSERT_TRUE(testing::writePart(fs, "/part", in, meta).isOk());
    auto r = openOk(fs, "/part");
    ASSERT_NE(r, nullptr);
    ASSERT_TRUE(r->verify().isOk());
    const std::vector<Row> rows = flatten(in);
    std::uint64_t skipped = 0;
    for (int k = 0; k < 60; ++k) {
      PartQuery q;
      const int n = 1 + static_cast<int>(rng() % 2);
      for (int i = 0; i < n; ++i) q.fields.push_back(randomPredicate(rng, rows));
      if (rng() % 3 == 0) q.columns = {"v", "host"};
      if (rng() % 6 == 0) q.no_columns = true;
      PartScanStats stats;
      auto out = testing::scanAll(*r, q, &stats);
      ASSERT_TRUE(out.isOk()) << out.status().toString();
      const std::vector<Row> want = testing::bruteForce(rows, q);
      std::string what;
      for (const FieldPredicate& p : q.fields) what += toString(p) + "; ";
      EXPECT_EQ(flatten(*out), want) << what;
      EXPECT_EQ(stats.rows_returned, want.size());
      EXPECT_EQ(stats.granules_total, r->info().granules);
      EXPECT_LE(stats.granules_read + stats.granules_skipped_by_fields, stats.granules_total);
      skipped += stats.granules_skipped_by_fields;
      for (const ColumnBatch& b : *out) {
        testing::expectWellFormed(b);
        if (q.no_columns) {
          EXPECT_TRUE(b.columns.empty());
        }
      }
    }
    EXPECT_GT(skipped, 0u) << "some random predicate should skip a granule";
  }
}

TEST(PartFieldTest, MalformedPredicateIsInvalidArgument) {
  ::sextant::testing::MemFileSystem fs;
  ASSERT_TRUE(testing::writePart(fs, "/part", {}).isOk());
  auto r = openOk(fs, "/part");
  PartQuery q;
  q.fields = {pred("x", Op::kLt)};
  EXPECT_EQ(testing::scanAll(*r, q).status().code(), StatusCode::kInvalidArgument);
}

// One events measurement "span" of `granules` full granules: duration = row index (int),
// ratio = row index / 2 (float, NaN in granule 0's first row), trace_id = "t<row / 4>" (four spans
// a trace), error (bool): in every row of granule 1 (odd rows true), in granule 2 every third row
// (false), absent elsewhere.
std::vector<ColumnBatch> spanCorpus(std::size_t granules) {
  ColumnBatch b;
  b.measurement = "span";
  const std::size_t n = granules * kGranuleRows;
  std::vector<std::int64_t> duration(n);
  std::vector<double> ratio(n);
  std::vector<std::string> trace(n);
  std::vector<std::uint8_t> err(n, 0), err_present(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    b.time_ns.push_back(static_cast<std::int64_t>(i));
    duration[i] = static_cast<std::int64_t>(i);
    ratio[i] = i == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(i) / 2;
    trace[i] = "t" + std::to_string(i / 4);
    if (i / kGranuleRows == 1) {
      err_present[i] = 1;
      err[i] = i % 2;
    } else if (i / kGranuleRows == 2 && i % 3 == 0) {
      err_present[i] = 1;
    }
  }
  b.columns.push_back(Column{"duration", ColumnKind::kField, model::FieldType::kInt, duration, {}});
  b.columns.push_back(
      Column{"error", ColumnKind::kField, model::FieldType::kBool, err, err_present});
  b.columns.push_back(Column{"ratio", ColumnKind::kField, model::FieldType::kFloat, ratio, {}});
  b.columns.push_back(Column{"trace_id",
                             ColumnKind::kField,
                             model::FieldType::kString,
                             ColumnValues(std::in_place_index<4>, trace),
                             {}});
  return {b};
}

struct Counted {
  std::size_t rows = 0;
  PartScanStats stats;
};

Counted scanCount(const PartReader& r, std::vector<FieldPredicate> preds) {
  PartQuery q;
  q.fields = std::move(preds);
  Counted c;
  auto out = testing::scanAll(r, q, &c.stats);
  EXPECT_TRUE(out.isOk()) << out.status().toString();
  if (out.isOk()) {
    for (const ColumnBatch& b : *out) c.rows += b.rows();
  }
  return c;
}

TEST(PartFieldTest, NumericRangesSkipGranules) {
  ::sextant::testing::MemFileSystem fs;
  ASSERT_TRUE(testing::writePart(fs, "/part", spanCorpus(8)).isOk());
  auto r = openOk(fs, "/part");
  ASSERT_TRUE(r->verify().isOk());
  const std::int64_t last = 8 * 8192 - 1;
  // Selective: only the last granule holds duration > 7 * 8192 + 99.
  Counted c = scanCount(*r, {pred("duration", Op::kGt, {FieldValue(std::int64_t{7 * 8192 + 99})})});
  EXPECT_EQ(c.rows, static_cast<std::size_t>(last - (7 * 8192 + 99)));
  EXPECT_EQ(c.stats.granules_total, 8u);
  EXPECT_EQ(c.stats.granules_read, 1u);
  EXPECT_EQ(c.stats.granules_skipped_by_fields, 7u);
  // Not selective: every granule is read.
  c = scanCount(*r, {pred("duration", Op::kGe, {FieldValue(std::int64_t{0})})});
  EXPECT_EQ(c.rows, 8u * 8192);
  EXPECT_EQ(c.stats.granules_read, 8u);
  // An int column against a float bound, and a numeric string.
  c = scanCount(*r, {pred("duration", Op::kLt, {FieldValue(8192.5)})});
  EXPECT_EQ(c.rows, 8193u);
  EXPECT_EQ(c.stats.granules_read, 2u);
  c = scanCount(*r, {pred("duration", Op::kLe, {FieldValue(std::string("10"))})});
  EXPECT_EQ(c.rows, 11u);
  EXPECT_EQ(c.stats.granules_read, 1u);
  // Equality and IN: the granules whose range holds a value.
  c = scanCount(*r, {pred("duration", Op::kIn,
                          {FieldValue(std::int64_t{5}), FieldValue(std::uint64_t{3 * 8192 + 1})})});
  EXPECT_EQ(c.rows, 2u);
  EXPECT_EQ(c.stats.granules_read, 2u);
  // A float column with a NaN: the range ignores it; != keeps NaN rows (unordered).
  c = scanCount(*r, {pred("ratio", Op::kLt, {FieldValue(1.0)})});
  EXPECT_EQ(c.rows, 1u);  // row 1 (0.5); row 0 is NaN
  EXPECT_EQ(c.stats.granules_read, 1u);
  // A column absent in most granules: granule 1 has `error` everywhere (true in odd rows),
  // granule 2 in 2730 rows (false).
  c = scanCount(*r, {pred("error", Op::kEq, {FieldValue(true)})});
  EXPECT_EQ(c.rows, 4096u);
  EXPECT_EQ(c.stats.granules_read, 1u);  // granule 2's range is [false, false]
  c = scanCount(*r, {pred("error", Op::kExists)});
  EXPECT_EQ(c.rows, 8192u + 2730);
  EXPECT_EQ(c.stats.granules_read, 2u);
  c = scanCount(*r, {pred("error", Op::kNotExists)});
  EXPECT_EQ(c.rows, 6u * 8192 + (8192 - 2730));
  EXPECT_EQ(c.stats.granules_read, 7u);  // granule 1 has `error` in every row
  c = scanCount(*r, {pred("error", Op::kNe, {FieldValue(true)})});
  EXPECT_EQ(c.rows, 6u * 8192 + 4096 + 8192);
  EXPECT_EQ(c.stats.granules_read, 8u);
  c = scanCount(*r, {pred("nope", Op::kGt, {FieldValue(std::int64_t{1})})});
  EXPECT_EQ(c.rows, 0u);
  EXPECT_EQ(c.stats.granules_read, 0u);
  EXPECT_EQ(c.stats.blocks_read, 0u);
  // Two predicates: both must hold.
  c = scanCount(*r, {pred("duration", Op::kGe, {FieldValue(std::int64_t{8190})}),
                     pred("duration", Op::kLt, {FieldValue(std::int64_t{8194})})});
  EXPECT_EQ(c.rows, 4u);
  EXPECT_EQ(c.stats.granules_read, 2u);
}

TEST(PartFieldTest, ValueBloomsSkipGranulesForIdEquality) {
  ::sextant::testing::MemFileSystem fs;
  PartMeta meta;
  meta.value_bloom_columns = {"trace_id"};
  ASSERT_TRUE(testing::writePart(fs, "/part", spanCorpus(8), meta).isOk());
  ASSERT_TRUE(testing::writePart(fs, "/plain", spanCorpus(8)).isOk());
  auto r = openOk(fs, "/part");
  auto plain = openOk(fs, "/plain");
  ASSERT_TRUE(r->verify().isOk());
  // t10000 is rows 40000..40003, in granule 4.
  Counted c = scanCount(*r, {pred("trace_id", Op::kEq, {FieldValue(std::string("t10000"))})});
  EXPECT_EQ(c.rows, 4u);
  EXPECT_EQ(c.stats.granules_read, 1u);
  EXPECT_EQ(c.stats.granules_skipped_by_fields, 7u);
  Counted p = scanCount(*plain, {pred("trace_id", Op::kEq, {FieldValue(std::string("t10000"))})});
  EXPECT_EQ(p.rows, 4u);
  EXPECT_EQ(p.stats.granules_read, 8u);  // no value blooms: every granule
  EXPECT_LT(c.stats.bytes_read, p.stats.bytes_read);
  c = scanCount(*r, {pred("trace_id", Op::kIn,
                          {FieldValue(std::string("t1")), FieldValue(std::string("t16000"))})});
  EXPECT_EQ(c.rows, 8u);
  EXPECT_EQ(c.stats.granules_read, 2u);
  c = scanCount(*r, {pred("trace_id", Op::kEq, {FieldValue(std::string("no-such-trace"))})});
  EXPECT_EQ(c.rows, 0u);
  EXPECT_EQ(c.stats.granules_read, 0u);
  // Not an exact-bytes question: a number, or a range; the blooms cannot answer.
  c = scanCount(*r, {pred("trace_id", Op::kEq, {FieldValue(std::int64_t{5})})});
  EXPECT_EQ(c.rows, 0u);
  EXPECT_EQ(c.stats.granules_read, 8u);
  c = scanCount(*r, {pred("trace_id", Op::kGt, {FieldValue(std::string("t9"))})});
  EXPECT_EQ(c.stats.granules_read, 8u);
}

TEST(PartFieldTest, ReadsAVersion1Part) {
  // v1_events.part was written by the version-1 writer (before column statistics): measurements
  // api (rows 0..4) and web (rows 5..9), one granule each; duration = 100 * row, trace_id =
  // "t<row>", host h2/h1 alternating, message "hello row <row>", ratio absent in each 3rd row.
  ::sextant::testing::MemFileSystem fs;
  Result<std::string> file = realFileSystem().readFile(std::string(SEXTANT_SOURCE_DIR) +
                                                       "/src/storage/part/testdata/v1_events.part");
  ASSERT_TRUE(file.isOk()) << file.status().toString();
  EXPECT_EQ(file->substr(0, 6), std::string("SXPT\x01\x00", 6));
  ASSERT_TRUE(writeFileAtomically(fs, "/v1", *file).isOk());
  auto r = openOk(fs, "/v1");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->info().rows, 10u);
  EXPECT_EQ(r->info().granules, 2u);
  EXPECT_EQ(r->info().meta.max_lsn, 7u);
  EXPECT_EQ(r->info().meta.text_columns, std::vector<std::string>{"message"});
  EXPECT_TRUE(r->info().meta.value_bloom_columns.empty());
  EXPECT_TRUE(r->verify().isOk());
  auto all = testing::scanAll(*r);
  ASSERT_TRUE(all.isOk());
  const std::vector<Row> rows = flatten(*all);
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[7].measurement, "web");
  EXPECT_EQ(rows[7].time_ns, 1102);
  // No statistics: predicates filter rows but every granule holding the column is read.
  Counted c = scanCount(*r, {pred("duration", Op::kGt, {FieldValue(std::int64_t{450})})});
  EXPECT_EQ(c.rows, 5u);
  EXPECT_EQ(c.stats.granules_read, 2u);
  c = scanCount(*r, {pred("trace_id", Op::kEq, {FieldValue(std::string("t7"))})});
  EXPECT_EQ(c.rows, 1u);
  EXPECT_EQ(c.stats.granules_read, 2u);
  c = scanCount(*r, {pred("ratio", Op::kNotExists)});
  EXPECT_EQ(c.rows, 2u);
  // ... but a column a granule lacks still skips it (v1 marks list the blocks).
  c = scanCount(*r, {pred("nope", Op::kEq, {FieldValue(std::int64_t{1})})});
  EXPECT_EQ(c.stats.granules_read, 0u);
  // Merging it writes a version-2 part with statistics.
  PartMeta meta;
  meta.level = 1;
  meta.value_bloom_columns = {"trace_id"};
  const PartReader* in[] = {r.get()};
  auto merged = mergeParts(fs, in, "/v2", meta);
  ASSERT_TRUE(merged.isOk()) << merged.status().toString();
  auto m = openOk(fs, "/v2");
  ASSERT_TRUE(m->verify().isOk());
  EXPECT_EQ(*fs.readRange("/v2", 0, 6), std::string("SXPT\x02\x00", 6));
  auto again = testing::scanAll(*m);
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(flatten(*again), rows);
  c = scanCount(*m, {pred("duration", Op::kGt, {FieldValue(std::int64_t{450})})});
  EXPECT_EQ(c.rows, 5u);
  EXPECT_EQ(c.stats.granules_read, 1u);
  c = scanCount(*m, {pred("trace_id", Op::kEq, {FieldValue(std::string("t7"))})});
  EXPECT_EQ(c.rows, 1u);
  EXPECT_EQ(c.stats.granules_read, 1u);
}

// Rewrites the footer of the part at path with mutate applied (a valid file with other marks).
void rewriteFooter(FileSystem& fs, const std::string& path, void (*mutate)(PartFooter&)) {
  std::string file = *fs.readFile(path);
  auto t =
      decodePartTrailer(std::string_view(file).substr(file.size() - kPartTrailerSize), file.size());
  ASSERT_TRUE(t.isOk());
  auto f = decodePartMeta(std::string_view(file).substr(t->meta_offset, t->meta_length),
                          t->meta_offset, t->version);
  ASSERT_TRUE(f.isOk());
  mutate(*f);
  std::string out = file.substr(0, t->meta_offset);
  const std::string meta = encodePartMeta(*f);
  PartTrailer nt;
  nt.meta_offset = t->meta_offset;
  nt.meta_length = meta.size();
  nt.meta_crc = crc32c(meta);
  out += meta + encodePartTrailer(nt);
  ASSERT_TRUE(writeFileAtomically(fs, path, out).isOk());
}

// The column directory index of a name in the footer.
std::uint32_t columnIndex(const PartFooter& f, const std::string& name) {
  for (std::uint32_t i = 0; i < f.columns.size(); ++i) {
    if (f.columns[i].name == name) return i;
  }
  return UINT32_MAX;
}

PartColumnBlock& blockOf(PartFooter& f, std::size_t g, const std::string& name) {
  const std::uint32_t c = columnIndex(f, name);
  for (PartColumnBlock& b : f.granules[g].columns) {
    if (b.column == c) return b;
  }
  static PartColumnBlock none;
  return none;
}

TEST(PartFieldTest, VerifyRejectsMarksThatDisagreeWithTheValues) {
  std::vector<std::pair<const char*, void (*)(PartFooter&)>> breaks = {
      {"range too wide", [](PartFooter& f) { blockOf(f, 2, "duration").stats.max += 1; }},
      {"range too narrow", [](PartFooter& f) { blockOf(f, 2, "duration").stats.min += 1; }},
      {"range dropped",
       [](PartFooter& f) {
         PartColumnStats& s = blockOf(f, 0, "duration").stats;
         s.flags &= static_cast<std::uint8_t>(~PartColumnStats::kRange);
         s.min = s.max = 0;
       }},
      {"all-present dropped",
       [](PartFooter& f) {
         blockOf(f, 3, "ratio").stats.flags &=
             static_cast<std::uint8_t>(~PartColumnStats::kAllPresent);
       }},
      {"all-present claimed",
       [](PartFooter& f) { blockOf(f, 2, "error").stats.flags |= PartColumnStats::kAllPresent; }},
      {"NaN flag dropped",
       [](PartFooter& f) {
         blockOf(f, 0, "ratio").stats.flags &= static_cast<std::uint8_t>(~PartColumnStats::kNaN);
       }},
      {"value bloom dropped",
       [](PartFooter& f) {
         PartColumnStats& s = blockOf(f, 5, "trace_id").stats;
         s.flags &= static_cast<std::uint8_t>(~PartColumnStats::kValueBloom);
         s.value_bloom = {};
         s.value_bloom_crc = 0;
       }},
      {"another granule's value bloom",
       [](PartFooter& f) { blockOf(f, 5, "trace_id").stats = blockOf(f, 6, "trace_id").stats; }},
  };
  for (const auto& [name, mutate] : breaks) {
    SCOPED_TRACE(name);
    ::sextant::testing::MemFileSystem fs;
    PartMeta meta;
    meta.value_bloom_columns = {"trace_id"};
    ASSERT_TRUE(testing::writePart(fs, "/part", spanCorpus(8), meta).isOk());
    rewriteFooter(fs, "/part", mutate);
    auto r = PartReader::open(fs, "/part");
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    Status v = (*r)->verify();
    EXPECT_EQ(v.code(), StatusCode::kDataLoss) << v.toString();
  }
}

TEST(PartFieldTest, DamagedValueBloomIsDataLoss) {
  ::sextant::testing::MemFileSystem fs;
  PartMeta meta;
  meta.value_bloom_columns = {"trace_id"};
  ASSERT_TRUE(testing::writePart(fs, "/part", spanCorpus(2), meta).isOk());
  std::string file = *fs.readFile("/part");
  auto t =
      decodePartTrailer(std::string_view(file).substr(file.size() - kPartTrailerSize), file.size());
  auto f = decodePartMeta(std::string_view(file).substr(t->meta_offset, t->meta_length),
                          t->meta_offset, t->version);
  ASSERT_TRUE(f.isOk());
  const PartColumnStats& st = blockOf(*f, 1, "trace_id").stats;
  ASSERT_NE(st.flags & PartColumnStats::kValueBloom, 0);
  const std::uint64_t off = st.value_bloom.offset + st.value_bloom.length / 2;
  ASSERT_TRUE(fs.overwrite("/part", off, std::string(1, static_cast<char>(file[off] ^ 4))).isOk());
  auto r = PartReader::open(fs, "/part");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ((*r)->verify().code(), StatusCode::kDataLoss);
  PartQuery q;
  q.fields = {pred("trace_id", Op::kEq, {FieldValue(std::string("t3000"))})};
  Status s = testing::scanAll(**r, q).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("value bloom"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace sextant::storage

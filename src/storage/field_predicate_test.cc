#include "storage/field_predicate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sextant::storage {
namespace {

using Op = FieldPredicate::Op;
using model::FieldValue;

FieldPredicate pred(std::string col, Op op, std::vector<FieldValue> values = {}) {
  return FieldPredicate{std::move(col), op, std::move(values)};
}

bool passes(const FieldPredicate& p, const FieldValue& v) { return valuePasses(p, scalarOf(v)); }

TEST(FieldPredicate, ComparesNumbersAcrossTypes) {
  // int column against float / uint values and back.
  EXPECT_TRUE(passes(pred("x", Op::kEq, {FieldValue(1.0)}), FieldValue(std::int64_t{1})));
  EXPECT_TRUE(passes(pred("x", Op::kLt, {FieldValue(1.5)}), FieldValue(std::int64_t{1})));
  EXPECT_FALSE(passes(pred("x", Op::kGt, {FieldValue(1.5)}), FieldValue(std::int64_t{1})));
  EXPECT_TRUE(passes(pred("x", Op::kEq, {FieldValue(std::uint64_t{7})}), FieldValue(7.0)));
  EXPECT_TRUE(
      passes(pred("x", Op::kGe, {FieldValue(std::int64_t{-3})}), FieldValue(std::uint64_t{0})));
  // Two integers compare exactly (2^53 + 1 is not a double).
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  EXPECT_FALSE(passes(pred("x", Op::kEq, {FieldValue(big - 1)}), FieldValue(big)));
  EXPECT_TRUE(passes(pred("x", Op::kGt, {FieldValue(big - 1)}), FieldValue(big)));
  // A uint above INT64_MAX counts as a double.
  EXPECT_TRUE(passes(pred("x", Op::kGt, {FieldValue(std::int64_t{0})}),
                     FieldValue(std::uint64_t{1} << 63)));
  // bool as 0/1.
  EXPECT_TRUE(passes(pred("x", Op::kEq, {FieldValue(std::int64_t{1})}), FieldValue(true)));
  EXPECT_TRUE(passes(pred("x", Op::kLt, {FieldValue(true)}), FieldValue(false)));
}

TEST(FieldPredicate, EveryOperator) {
  const FieldValue five(std::int64_t{5});
  auto at = [](std::int64_t v) { return FieldValue(v); };
  EXPECT_TRUE(passes(pred("x", Op::kEq, {at(5)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kEq, {at(4)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kNe, {at(4)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kNe, {at(5)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kLt, {at(6)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kLt, {at(5)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kLe, {at(5)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kLe, {at(4)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kGt, {at(4)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kGt, {at(5)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kGe, {at(5)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kGe, {at(6)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kIn, {at(1), at(5)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kIn, {at(1), at(2)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kNotIn, {at(1), at(2)}), five));
  EXPECT_FALSE(passes(pred("x", Op::kNotIn, {at(5)}), five));
  EXPECT_TRUE(passes(pred("x", Op::kExists), five));
  EXPECT_FALSE(passes(pred("x", Op::kNotExists), five));
}

TEST(FieldPredicate, StringsBytewiseAndAgainstNumbersAsDqlDoes) {
  const FieldValue abc(std::string("abc"));
  EXPECT_TRUE(passes(pred("s", Op::kEq, {FieldValue(std::string("abc"))}), abc));
  EXPECT_FALSE(passes(pred("s", Op::kEq, {FieldValue(std::string("ABC"))}), abc));
  EXPECT_TRUE(passes(pred("s", Op::kGt, {FieldValue(std::string("abb"))}), abc));
  EXPECT_TRUE(passes(pred("s", Op::kLt, {FieldValue(std::string("abcd"))}), abc));
  // A numeric string against a number: by its value ("1e3" is 1000).
  EXPECT_TRUE(
      passes(pred("s", Op::kEq, {FieldValue(std::int64_t{1000})}), FieldValue(std::string("1e3"))));
  EXPECT_TRUE(passes(pred("d", Op::kGt, {FieldValue(std::string("999.5"))}),
                     FieldValue(std::int64_t{1000})));
  // A non-numeric string against a number: the number's text, bytewise ("12" < "abc").
  EXPECT_TRUE(passes(pred("s", Op::kGt, {FieldValue(std::int64_t{12})}), abc));
  EXPECT_TRUE(passes(pred("b", Op::kEq, {FieldValue(std::string("true"))}), FieldValue(true)));
  // Bytes compare like strings.
  EXPECT_TRUE(passes(pred("s", Op::kEq, {FieldValue(model::Bytes{"abc"})}), abc));
}

TEST(FieldPredicate, NaNAndArraysAreUnordered) {
  const FieldValue nan(std::numeric_limits<double>::quiet_NaN());
  EXPECT_FALSE(passes(pred("x", Op::kEq, {nan}), nan));
  EXPECT_FALSE(passes(pred("x", Op::kLt, {FieldValue(1.0)}), nan));
  EXPECT_FALSE(passes(pred("x", Op::kGe, {FieldValue(1.0)}), nan));
  EXPECT_TRUE(passes(pred("x", Op::kNe, {FieldValue(1.0)}), nan));
  EXPECT_TRUE(passes(pred("x", Op::kNotIn, {FieldValue(1.0)}), nan));
  model::Array arr;
  arr.items = std::vector<std::int64_t>{1, 2};
  EXPECT_FALSE(passes(pred("x", Op::kEq, {FieldValue(std::int64_t{1})}), FieldValue(arr)));
  EXPECT_TRUE(passes(pred("x", Op::kNe, {FieldValue(std::int64_t{1})}), FieldValue(arr)));
}

TEST(FieldPredicate, ValidationRejectsMalformedPredicates) {
  std::vector<FieldPredicate> ok = {pred("x", Op::kEq, {FieldValue(std::int64_t{1})}),
                                    pred("y", Op::kExists)};
  EXPECT_TRUE(validateFieldPredicates(ok).isOk());
  auto bad = [](FieldPredicate p) {
    std::vector<FieldPredicate> v{std::move(p)};
    Status st = validateFieldPredicates(v);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.toString();
    return st.message();
  };
  EXPECT_NE(bad(pred("", Op::kEq, {FieldValue(1.0)})).find("column"), std::string::npos);
  EXPECT_NE(bad(pred("x", Op::kEq)).find("one value"), std::string::npos);
  bad(pred("x", Op::kLt, {FieldValue(1.0), FieldValue(2.0)}));
  bad(pred("x", Op::kIn));
  bad(pred("x", Op::kExists, {FieldValue(1.0)}));
  bad(pred("x", static_cast<Op>(42), {FieldValue(1.0)}));
  model::Array arr;
  arr.items = std::vector<double>{1};
  EXPECT_NE(bad(pred("x", Op::kIn, {FieldValue(arr)})).find("arrays"), std::string::npos);
  EXPECT_FALSE(FieldFilter::make(std::vector<FieldPredicate>{pred("x", Op::kEq)}).isOk());
}

// A batch of 4 rows: d (int: 10, absent, 30, 40), r (float: 1.5 everywhere), tag svc (a b a b).
ColumnBatch sampleBatch() {
  ColumnBatch b;
  b.measurement = "m";
  b.time_ns = {1, 2, 3, 4};
  Column d{"d",
           ColumnKind::kField,
           model::FieldType::kInt,
           std::vector<std::int64_t>{10, 0, 30, 40},
           {1, 0, 1, 1}};
  Column r{"r",
           ColumnKind::kField,
           model::FieldType::kFloat,
           std::vector<double>{1.5, 1.5, 1.5, 1.5},
           {}};
  Column svc{"svc",
             ColumnKind::kTag,
             model::FieldType::kString,
             ColumnValues(std::in_place_index<4>, std::vector<std::string>{"a", "b", "a", "b"}),
             {}};
  b.columns = {d, r, svc};
  return b;
}

std::vector<std::int64_t> timesAfter(std::vector<FieldPredicate> preds) {
  Result<FieldFilter> f = FieldFilter::make(preds);
  EXPECT_TRUE(f.isOk()) << f.status().toString();
  ColumnBatch b = sampleBatch();
  f->apply(b);
  return b.time_ns;
}

TEST(FieldFilter, MissingValuesPassOnlyNegations) {
  using V = std::vector<std::int64_t>;
  const FieldValue twenty(std::int64_t{20});
  EXPECT_EQ(timesAfter({pred("d", Op::kGt, {twenty})}), (V{3, 4}));
  EXPECT_EQ(timesAfter({pred("d", Op::kLt, {twenty})}), (V{1}));
  EXPECT_EQ(timesAfter({pred("d", Op::kNe, {FieldValue(std::int64_t{30})})}), (V{1, 2, 4}));
  EXPECT_EQ(timesAfter({pred("d", Op::kNotIn, {FieldValue(std::int64_t{10})})}), (V{2, 3, 4}));
  EXPECT_EQ(timesAfter({pred("d", Op::kExists)}), (V{1, 3, 4}));
  EXPECT_EQ(timesAfter({pred("d", Op::kNotExists)}), (V{2}));
  // A column no row has.
  EXPECT_EQ(timesAfter({pred("nope", Op::kEq, {twenty})}), V{});
  EXPECT_EQ(timesAfter({pred("nope", Op::kNe, {twenty})}), (V{1, 2, 3, 4}));
  EXPECT_EQ(timesAfter({pred("nope", Op::kNotExists)}), (V{1, 2, 3, 4}));
}

TEST(FieldFilter, ConjunctionTagsAndMixedTypes) {
  using V = std::vector<std::int64_t>;
  // The int column against a float value, ANDed with a tag column condition.
  EXPECT_EQ(timesAfter({pred("d", Op::kGe, {FieldValue(29.5)}),
                        pred("svc", Op::kEq, {FieldValue(std::string("b"))})}),
            (V{4}));
  EXPECT_EQ(timesAfter({pred("r", Op::kEq, {FieldValue(std::string("1.5"))})}), (V{1, 2, 3, 4}));
  EXPECT_EQ(timesAfter({pred("svc", Op::kIn,
                             {FieldValue(std::string("a")), FieldValue(std::string("z"))})}),
            (V{1, 3}));
}

TEST(FieldFilter, AnyColumnOfTheNameMayPass) {
  // A tag and a field both named "x": the row passes when either value does.
  ColumnBatch b;
  // Row 1 passes by its field, row 3 by its tag, row 2 by neither ("q" > "5" as text).
  b.time_ns = {1, 2, 3};
  b.columns.push_back(
      Column{"x",
             ColumnKind::kTag,
             model::FieldType::kString,
             ColumnValues(std::in_place_index<4>, std::vector<std::string>{"7", "q", "3"}),
             {}});
  b.columns.push_back(Column{
      "x", ColumnKind::kField, model::FieldType::kInt, std::vector<std::int64_t>{1, 8, 9}, {}});
  Result<FieldFilter> f =
      FieldFilter::make(std::vector<FieldPredicate>{pred("x", Op::kLt, {FieldValue(5.0)})});
  ASSERT_TRUE(f.isOk());
  f->apply(b);
  EXPECT_EQ(b.time_ns, (std::vector<std::int64_t>{1, 3}));
}

TEST(FieldPredicate, ToStringNamesTheCondition) {
  EXPECT_EQ(toString(pred("duration", Op::kGt, {FieldValue(std::int64_t{1000})})),
            "duration > 1000");
  EXPECT_EQ(toString(pred("t", Op::kIn, {FieldValue(std::string("a")), FieldValue(2.5)})),
            "t IN ('a', 2.5)");
  EXPECT_EQ(toString(pred("t", Op::kNotExists)), "t NOT EXISTS");
}

}  // namespace
}  // namespace sextant::storage

#include "model/point.h"

#include <gtest/gtest.h>

#include "model/category.h"
#include "model/testing/random_points.h"

namespace sextant::model {
namespace {

TEST(CategoryTest, NamesAndAliasesRoundTrip) {
  for (Category c : kAllCategories) {
    EXPECT_EQ(parseCategory(categoryName(c)), c);
    EXPECT_EQ(parseCategory(categoryAlias(c)), c);
  }
  EXPECT_EQ(categoryName(Category::kCustomObject), "custom_object");
  EXPECT_EQ(categoryAlias(Category::kCustomObject), "CO");
  EXPECT_EQ(categoryAlias(Category::kDialTesting), "DT");
  EXPECT_FALSE(parseCategory("metrics").has_value());
  EXPECT_FALSE(parseCategory("Metric").has_value());
}

TEST(CategoryTest, WriteApiRejectsProfilingAndDialTesting) {
  EXPECT_TRUE(acceptedByWriteApi(Category::kLogging));
  EXPECT_FALSE(acceptedByWriteApi(Category::kProfiling));
  EXPECT_FALSE(acceptedByWriteApi(Category::kDialTesting));
}

TEST(PointTest, EqualityIgnoresTagAndFieldOrder) {
  Point a;
  a.measurement = "cpu";
  a.addTag("host", "a");
  a.addTag("cpu", "0");
  a.addField("usage", 1.5);
  a.addField("n", int64_t{3});
  Point b = a;
  std::swap(b.tags[0], b.tags[1]);
  std::swap(b.fields[0], b.fields[1]);
  EXPECT_EQ(a, b);
  b.fields[0].value = int64_t{4};
  EXPECT_NE(a, b);
}

TEST(PointTest, EqualityDistinguishesTypes) {
  Point a;
  a.addField("x", int64_t{1});
  Point b;
  b.addField("x", uint64_t{1});
  EXPECT_NE(a, b);
  Point c;
  c.addField("x", std::string("ab"));
  Point d;
  d.addField("x", Bytes{"ab"});
  EXPECT_NE(c, d);
}

TEST(PointTest, FindTagAndField) {
  Point p;
  p.addTag("k", "v");
  p.addField("f", true);
  ASSERT_NE(p.findTag("k"), nullptr);
  EXPECT_EQ(p.findTag("k")->value, "v");
  EXPECT_EQ(p.findTag("f"), nullptr);
  ASSERT_NE(p.findField("f"), nullptr);
  EXPECT_EQ(fieldType(p.findField("f")->value), FieldType::kBool);
}

TEST(PointTest, DebugStringShowsEveryPart) {
  Point p;
  p.category = Category::kLogging;
  p.measurement = "nginx";
  p.addTag("host", "h1");
  p.addField("n", int64_t{3});
  p.addField("arr", Array{std::vector<int64_t>{1, 2}});
  p.time_ns = 42;
  EXPECT_EQ(debugString(p), "logging:nginx{host=h1} n=3i,arr=[1i,2i] @42");
}

TEST(RandomPointsTest, KeysAreUniqueAndPortable) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    Point p = testing::randomPoint(rng);
    EXPECT_FALSE(p.measurement.empty());
    EXPECT_FALSE(p.fields.empty());
    std::set<std::string> keys;
    for (const auto& t : p.tags) {
      EXPECT_TRUE(keys.insert(t.key).second);
      EXPECT_NE(t.value.back(), '\\');
      EXPECT_EQ(t.value.find('\n'), std::string::npos);
    }
    for (const auto& f : p.fields) EXPECT_TRUE(keys.insert(f.key).second);
  }
}

}  // namespace
}  // namespace sextant::model

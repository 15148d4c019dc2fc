#include "core/status.h"

#include <gtest/gtest.h>

namespace sextant {
namespace {

Status failIf(bool fail) {
  if (fail) return invalidArgument("bad thing");
  return Status::ok();
}

Status chain(bool fail) {
  SEXTANT_RETURN_IF_ERROR(failIf(fail));
  return notFound("reached the end");
}

Result<int> parsePositive(int v) {
  if (v <= 0) return outOfRange("not positive: " + std::to_string(v));
  return v;
}

TEST(StatusTest, OkHasNoMessage) {
  Status st;
  EXPECT_TRUE(st.isOk());
  EXPECT_EQ(st.toString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status st = invalidArgument("line 3: missing field");
  EXPECT_FALSE(st.isOk());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.toString(), "InvalidArgument: line 3: missing field");
}

TEST(StatusTest, ReturnIfErrorPropagatesFirstError) {
  EXPECT_EQ(chain(true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(chain(false).code(), StatusCode::kNotFound);
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = parsePositive(7);
  ASSERT_TRUE(good.isOk());
  EXPECT_EQ(*good, 7);
  Result<int> bad = parsePositive(-1);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(), "not positive: -1");
}

TEST(ResultTest, MovesOutValue) {
  Result<std::string> r(std::string("abc"));
  std::string s = std::move(r).value();
  EXPECT_EQ(s, "abc");
}

}  // namespace
}  // namespace sextant

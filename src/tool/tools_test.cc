#include "tool/tools.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sextant::tool {
namespace {

TEST(ParseLpTest, PrintsNormalisedPointsAsJson) {
  std::istringstream in("nginx,host=a message=\"hi\" 1700000000000000000\n");
  std::ostringstream out, err;
  ParseLpOptions opts;
  opts.category = "logging";
  ASSERT_EQ(runParseLp(opts, in, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("\"measurement\":\"nginx\""), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\"status\":\"info\""), std::string::npos) << out.str();
  EXPECT_NE(err.str().find("point 1: add_required_kv"), std::string::npos) << err.str();
}

TEST(ParseLpTest, BadLineIsExitOneWithPosition) {
  std::istringstream in("cpu x=1\ncpu x=\n");
  std::ostringstream out, err;
  EXPECT_EQ(runParseLp(ParseLpOptions{}, in, out, err), 1);
  EXPECT_NE(err.str().find("unable to parse 'cpu x='"), std::string::npos) << err.str();
  EXPECT_TRUE(out.str().empty());
}

TEST(ParseLpTest, StrictAndUsageErrors) {
  std::istringstream in("nginx message=\"hi\"\n");
  std::ostringstream out, err;
  ParseLpOptions opts;
  opts.category = "logging";
  opts.strict = true;
  EXPECT_EQ(runParseLp(opts, in, out, err), 1);
  opts.category = "bogus";
  EXPECT_EQ(runParseLp(opts, in, out, err), 2);
  opts.category = "metric";
  opts.file = "/nonexistent/file.lp";
  EXPECT_EQ(runParseLp(opts, in, out, err), 2);
}

}  // namespace
}  // namespace sextant::tool

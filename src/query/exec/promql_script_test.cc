// Runs every testdata/promql/*.test script (promql_script.h) and checks the runner itself.
#include "query/exec/promql_script.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sextant::query::promql {
namespace {

std::string scriptDir() {
  return std::string(SEXTANT_SOURCE_DIR) + "/src/query/exec/testdata/promql";
}

class PromqlScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PromqlScriptTest, Passes) {
  std::string path = scriptDir() + "/" + GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  ScriptOutcome r = runScript(ss.str(), GetParam());
  EXPECT_GT(r.evals, 0);
  for (const std::string& f : r.failures) ADD_FAILURE() << f;
}

std::vector<std::string> scripts() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(scriptDir())) {
    if (e.path().extension() == ".test") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string scriptName(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param.substr(0, p.param.find('.'));
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Scripts, PromqlScriptTest, ::testing::ValuesIn(scripts()), scriptName);

TEST(PromqlScriptRunner, ExpandsSeriesNotation) {
  // 1+2x3 -> 1 3 5 7; 1-2x2 -> 1 -1 -3; 4x2 -> 4 4 4; _x2 -> two blanks.
  ScriptOutcome r = runScript(R"(
load 1m
  s 1+2x3 1-2x2 4x2 _x2 9
eval range from 0 to 12m step 1m s
  s 1 3 5 7 1 -1 -3 4 4 4 4 4 9
eval range from 0 to 12m step 1m timestamp(s)
  {} 0 60 120 180 240 300 360 420 480 540 540 540 720
)",
                              "notation");
  EXPECT_EQ(r.evals, 2);
  EXPECT_TRUE(r.failures.empty()) << r.failures[0];
}

TEST(PromqlScriptRunner, ReportsMismatches) {
  ScriptOutcome r = runScript(R"(
load 1m
  s{a="b"} 1 2
  t{a="b"} 1 2
eval instant at 1m s
  s{a="b"} 3
eval instant at 1m s
  s{a="c"} 2
eval instant at 1m s
eval_fail instant at 1m s
eval_fail instant at 1m {__name__=~"s|t"} + 1
  expected_fail_message nope
eval instant at 1m 1 + 1
  3
eval_ordered instant at 1m sort_desc(s or vector(5))
  s{a="b"} 2
  {} 5
eval instant at 1m s
  s{a="b"} 2
)",
                              "mismatch");
  EXPECT_EQ(r.evals, 8);
  // Wrong value, missing series, unexpected series, no error, wrong error message, wrong
  // scalar, and the two misplaced series of the ordered eval; the last eval passes.
  EXPECT_EQ(r.failures.size(), 8u);
}

}  // namespace
}  // namespace sextant::query::promql

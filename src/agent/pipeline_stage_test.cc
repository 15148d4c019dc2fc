// PipelineStage: scripts from a pipeline directory bound by the feed's name or the point's
// default name, drops, runtime errors and missing scripts counted, reload swapping the scripts.
#include "agent/pipeline_stage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/testing/temp_dir.h"

namespace sextant::agent {
namespace {

using model::Category;
using model::Point;

void writeFile(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

Point logLine(const std::string& source, const std::string& message) {
  Point p;
  p.category = Category::kLogging;
  p.measurement = source;
  p.addField("message", message);
  p.addField("status", std::string("info"));
  p.time_ns = 1'700'000'000'000'000'000;
  return p;
}

std::string field(const Point& p, const std::string& key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) return "<none>";
  if (const auto* s = std::get_if<std::string>(&f->value)) return *s;
  if (const auto* i = std::get_if<int64_t>(&f->value)) return std::to_string(*i) + "i";
  return "<other>";
}

class PipelineStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Default binding by source (logging/web.p), a script named by the feed (top-level
    // legacy layout = logging), and one with a runtime error (len() of an int).
    writeFile(dir_.path() + "/pipeline/logging/web.p",
              "grok(_, \"%{WORD:method} %{NOTSPACE:path} %{INT:code:int}\")\n"
              "if method == \"DELETE\" {\n  drop()\n}\n"
              "if code >= 500 {\n  add_key(status, \"error\")\n}\n");
    writeFile(dir_.path() + "/pipeline/upper.p", "add_key(shout, _)\nuppercase(shout)\n");
    writeFile(dir_.path() + "/pipeline/logging/broken.p", "n = 1\nx = len(n)\nadd_key(after, 1)\n");
    std::vector<std::string> errors;
    stage_.reload(dir_.path() + "/pipeline", &errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
  }

  sextant::testing::TempDir dir_;
  PipelineStage stage_;
};

TEST_F(PipelineStageTest, DefaultBindingBySourceExtractsAndDrops) {
  std::vector<Point> pts = {logLine("web", "GET /a 200"), logLine("web", "DELETE /b 204"),
                            logLine("web", "POST /c 503"), logLine("other", "GET /d 200")};
  stage_.apply(Category::kLogging, FeedOptions{.input = "logging"}, &pts, 0);
  ASSERT_EQ(pts.size(), 3u);  // the DELETE line dropped
  EXPECT_EQ(field(pts[0], "method"), "GET");
  EXPECT_EQ(field(pts[0], "path"), "/a");
  EXPECT_EQ(field(pts[0], "code"), "200i");
  EXPECT_EQ(field(pts[0], "status"), "info");
  EXPECT_EQ(field(pts[1], "status"), "error");
  EXPECT_EQ(field(pts[2], "method"), "<none>");  // source "other" has no script
  PipelineStats s = stage_.stats();
  EXPECT_EQ(s.scripts, 3u);
  EXPECT_EQ(s.runs, 3u);
  EXPECT_EQ(s.dropped, 1u);
}

TEST_F(PipelineStageTest, TheFeedsScriptWinsAndAMissingOneLeavesPointsAlone) {
  std::vector<Point> pts = {logLine("web", "hello")};
  stage_.apply(Category::kLogging, FeedOptions{.pipeline = "upper.p"}, &pts, 0);
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(field(pts[0], "shout"), "HELLO");
  EXPECT_EQ(field(pts[0], "method"), "<none>");  // web.p did not run
  std::vector<Point> more = {logLine("web", "GET /a 200")};
  stage_.apply(Category::kLogging, FeedOptions{.pipeline = "nope.p"}, &more, 0);
  EXPECT_EQ(field(more[0], "method"), "<none>");
  EXPECT_EQ(stage_.stats().missing, 1u);
  // Scripts are per category: the logging script is not found for metrics.
  std::vector<Point> metric = {logLine("web", "GET /a 200")};
  stage_.apply(Category::kMetric, FeedOptions{}, &metric, 0);
  EXPECT_EQ(field(metric[0], "method"), "<none>");
}

TEST_F(PipelineStageTest, RuntimeErrorKeepsThePointAndIsCounted) {
  std::vector<Point> pts = {logLine("broken", "x")};
  stage_.apply(Category::kLogging, FeedOptions{}, &pts, 0);
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(field(pts[0], "after"), "<none>");  // the script stopped at line 2
  PipelineStats s = stage_.stats();
  EXPECT_EQ(s.errors, 1u);
  EXPECT_NE(s.last_error.find("broken.p:2:"), std::string::npos) << s.last_error;
}

TEST_F(PipelineStageTest, ReloadSwapsScriptsAndReportsCompileErrors) {
  writeFile(dir_.path() + "/pipeline/logging/web.p", "add_key(v, 2)\n");
  writeFile(dir_.path() + "/pipeline/logging/bad.p", "add_key(\n");
  std::vector<std::string> errors;
  stage_.reload(dir_.path() + "/pipeline", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("bad.p:"), std::string::npos) << errors[0];
  std::vector<Point> pts = {logLine("web", "GET /a 200")};
  stage_.apply(Category::kLogging, FeedOptions{}, &pts, 0);
  EXPECT_EQ(field(pts[0], "v"), "2i");
  EXPECT_EQ(field(pts[0], "method"), "<none>");
  // No directory: no scripts, points untouched.
  stage_.reload(dir_.path() + "/none", &errors);
  std::vector<Point> untouched = {logLine("web", "GET /a 200")};
  stage_.apply(Category::kLogging, FeedOptions{}, &untouched, 0);
  EXPECT_EQ(untouched[0].fields.size(), 2u);
}

}  // namespace
}  // namespace sextant::agent

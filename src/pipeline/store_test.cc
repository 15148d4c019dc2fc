// ScriptStore (directory layout, compile errors per file, binding names) and the CLI.
#include "pipeline/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/cli.h"
#include "pipeline/test_util.h"

namespace sextant::pipeline {
namespace {

using namespace testing;  // NOLINT
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("pl_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(PipelineStore, LoadsCategoriesPatternsAndReportsErrors) {
  TempDir d;
  d.write("pattern/custom", "# my patterns\nMYNUM [0-9]+\n");
  d.write("nginx.p", "add_key(from, \"top\")");
  d.write("logging/nginx.p", "add_key(from, \"logging\")");
  d.write("logging/uses_pattern.p", "grok(_, \"n=%{MYNUM:n:int}\")");
  d.write("metric/cpu.p", "add_key(seen, true)");
  d.write("tracing/checkout.p", "add_key(svc, true)");
  d.write("rum/app1_view.p", "add_key(rum, true)");
  d.write("logging/broken.p", "a = 1\nnosuch()\n");
  d.write("logging/notes.txt", "not a script");
  std::vector<std::string> errors;
  auto store = ScriptStore::load(d.path().string(), &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("broken.p: broken.p:2:1: unknown function 'nosuch'"), std::string::npos)
      << errors[0];
  EXPECT_EQ(store->size(), 5u);

  // logging/nginx.p shadows the top-level nginx.p.
  const Script* s = store->find(model::Category::kLogging, "nginx.p");
  ASSERT_NE(s, nullptr);
  model::Point pt = logPoint("x");
  s->run(&pt, kNow);
  EXPECT_EQ(str(pt, "from"), "logging");
  EXPECT_EQ(store->find(model::Category::kLogging, "nginx"), s);
  EXPECT_EQ(store->find(model::Category::kMetric, "nginx"), nullptr);

  // The pattern directory is shared by the scripts.
  pt = logPoint("n=42");
  store->find(model::Category::kLogging, "uses_pattern")->run(&pt, kNow);
  EXPECT_EQ(i64(pt, "n"), 42);

  // Default binding.
  model::Point m;
  m.category = model::Category::kMetric;
  m.measurement = "cpu";
  EXPECT_EQ(store->findFor(m), store->find(model::Category::kMetric, "cpu"));
  model::Point t;
  t.category = model::Category::kTracing;
  t.measurement = "opentelemetry";
  EXPECT_EQ(store->findFor(t), nullptr);
  t.addTag("service", "checkout");
  EXPECT_NE(store->findFor(t), nullptr);
  model::Point r;
  r.category = model::Category::kRum;
  r.measurement = "view";
  r.addTag("app_id", "app1");
  EXPECT_EQ(defaultScriptName(r), "app1_view");
  EXPECT_NE(store->findFor(r), nullptr);
}

TEST(PipelineStore, MissingDirectory) {
  std::vector<std::string> errors;
  auto store = ScriptStore::load("/nonexistent/pipeline/dir", &errors);
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(errors.size(), 1u);
}

int cli(std::vector<std::string> args, std::string* out, std::string* err) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream o, e;
  int rc = runPipelineCli(static_cast<int>(argv.size()), argv.data(), o, e);
  *out = o.str();
  *err = e.str();
  return rc;
}

TEST(PipelineCli, RunsTextAndFileAndReportsCompileErrors) {
  TempDir d;
  d.write("x.p",
          "grok(_, \"%{WORD:verb} %{INT:n:int}\")\nif n > 5 { drop() }\nadd_key(time, 1000)");
  d.write("lines.txt", "GET 1\nPUT 9\n");
  d.write("bad.p", "if {");
  std::string script = (d.path() / "x.p").string();
  std::string out, err;
  EXPECT_EQ(cli({"pipeline", "-P", script, "-T", "GET 3"}, &out, &err), 0) << err;
  EXPECT_EQ(out,
            "{\"measurement\":\"x\",\"tags\":{},\"fields\":{\"message\":\"GET 3\",\"verb\":\"GET\","
            "\"n\":3},\"time\":1000}\n");
  EXPECT_EQ(cli({"pipeline", "-P", script, "-F", (d.path() / "lines.txt").string(), "--date"}, &out,
                &err),
            0);
  EXPECT_EQ(out,
            "{\"measurement\":\"x\",\"tags\":{},\"fields\":{\"message\":\"GET 1\",\"verb\":\"GET\","
            "\"n\":1},\"time\":\"1970-01-01T00:00:00.000001000Z\"}\ndropped\n");
  EXPECT_EQ(cli({"pipeline", "-P", (d.path() / "bad.p").string(), "-T", "x"}, &out, &err), 1);
  EXPECT_EQ(err, "bad.p:1:5: unexpected end of script\n");
  EXPECT_EQ(cli({"pipeline", "-P", script}, &out, &err), 2);
}

}  // namespace
}  // namespace sextant::pipeline

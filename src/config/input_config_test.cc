#include "config/input_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/testing/temp_dir.h"

namespace sextant::config {
namespace {

namespace fs = std::filesystem;

const std::string kSeeds = std::string(SEXTANT_SOURCE_DIR) + "/src/config/testdata/seeds";

void writeFile(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::string> names(const InputConfigs& c) {
  std::vector<std::string> out;
  for (const auto& in : c.inputs) out.push_back(in.name);
  return out;
}

std::string str(const ConfigTable& t, std::string_view key) {
  std::string v;
  Status st = t.get(key, &v);
  EXPECT_TRUE(st.isOk()) << st.toString();
  return v;
}

TEST(InputConfigTest, ArrayAndSingleTableForms) {
  InputConfigs c = parseInputConfigText(R"(
[[inputs.cpu]]
  percpu = true
[[inputs.cpu]]
  percpu = false
[inputs.mem]
  interval = "10s"
[[inputs.prom]]
  url = "http://a"
  [[inputs.prom.measurements]]
    prefix = "cpu_"
  [inputs.prom.tags]
    k = "v"
[other]
  x = 1
)",
                                        "host.conf");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(names(c), (std::vector<std::string>{"cpu", "cpu", "mem", "prom"}));
  bool percpu = false;
  ASSERT_TRUE(c.inputs[0].table.get("percpu", &percpu).isOk());
  EXPECT_TRUE(percpu);
  ASSERT_TRUE(c.inputs[1].table.get("percpu", &percpu).isOk());
  EXPECT_FALSE(percpu);
  EXPECT_EQ(c.inputs[0].table.path(), "inputs.cpu");
  EXPECT_EQ(c.inputs[0].table.file(), "host.conf");
  EXPECT_EQ(c.inputs[0].table.line(), 2);
  EXPECT_EQ(c.inputs[2].table.path(), "inputs.mem");
  auto ms = c.inputs[3].table.tableArray("measurements");
  ASSERT_TRUE(ms.isOk());
  ASSERT_EQ(ms->size(), 1u);
  std::map<std::string, std::string> tags;
  ASSERT_TRUE(c.inputs[3].table.get("tags", &tags).isOk());
  EXPECT_EQ(tags, (std::map<std::string, std::string>{{"k", "v"}}));
}

TEST(InputConfigTest, NoInputsIsEmpty) {
  InputConfigs c = parseInputConfigText("# nothing\n[global]\na = 1\n", "x.conf");
  EXPECT_TRUE(c.inputs.empty());
  EXPECT_TRUE(c.errors.empty());
}

TEST(InputConfigTest, SyntaxErrorGivesFileLineColumn) {
  InputConfigs c = parseInputConfigText("[[inputs.cpu]]\npercpu = tru\n", "conf.d/cpu.conf");
  EXPECT_TRUE(c.inputs.empty());
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].rfind("conf.d/cpu.conf:2:", 0), 0u) << c.errors[0];
}

TEST(InputConfigTest, NonTableUnderInputsIsAnErrorOthersStillLoad) {
  InputConfigs c = parseInputConfigText(R"([inputs]
  cpu = 1
  disk = [1, 2]

[[inputs.mem]]
  interval = "10s"
)",
                                        "bad.conf");
  EXPECT_EQ(names(c), std::vector<std::string>{"mem"});
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0],
            "bad.conf:2: [inputs] cpu: want a table or an array of tables, got an integer");
  EXPECT_EQ(c.errors[1],
            "bad.conf:3: [inputs] disk: want an array of tables, got an integer at index 0");
  InputConfigs top = parseInputConfigText("inputs = \"cpu\"\n", "top.conf");
  ASSERT_EQ(top.errors.size(), 1u);
  EXPECT_EQ(top.errors[0], "top.conf:1: inputs: want a table, got a string");
}

TEST(InputConfigTest, ByteOrderMarkIsIgnored) {
  InputConfigs c = parseInputConfigText("\xEF\xBB\xBF[[inputs.cpu]]\n", "bom.conf");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(names(c), std::vector<std::string>{"cpu"});
}

TEST(InputConfigTest, SeedSnippetsFromRealDeployments) {
  // The container/prom/zipkin confs of a Rancher DaemonSet guide (seed 000), copied verbatim.
  InputConfigs c = loadInputConfigs(kSeeds);
  ASSERT_TRUE(c.errors.empty()) << c.errors.front();
  // Path order: container, kube-state-metrics, prom-egressgateway, prom-ingressgateway,
  // prom-istiod, zipkin.
  ASSERT_EQ(names(c),
            (std::vector<std::string>{"container", "prom", "prom", "prom", "prom", "zipkin"}));
  const ConfigTable& container = c.inputs[0].table;  // the single-table form [inputs.container]
  EXPECT_EQ(str(container, "docker_endpoint"), "unix:///var/run/docker.sock");
  bool metric = false;
  ASSERT_TRUE(container.get("enable_container_metric", &metric).isOk());
  EXPECT_TRUE(metric);
  std::vector<std::string> exclude;
  ASSERT_TRUE(container.get("container_exclude_log", &exclude).isOk());
  EXPECT_EQ(exclude.size(), 2u);
  std::map<std::string, std::string> tags{{"x", "y"}};
  ASSERT_TRUE(container.get("tags", &tags).isOk());  // a table of comments only
  EXPECT_TRUE(tags.empty());

  const ConfigTable& ksm = c.inputs[1].table;
  EXPECT_EQ(str(ksm, "source"), "prom_state_metrics");
  std::vector<std::string> urls;
  ASSERT_TRUE(ksm.get("urls", &urls).isOk());
  EXPECT_EQ(urls.size(), 2u);
  std::chrono::nanoseconds interval{0};
  ASSERT_TRUE(ksm.get("interval", &interval).isOk());
  EXPECT_EQ(interval, std::chrono::seconds(60));
  ASSERT_TRUE(ksm.get("tags", &tags).isOk());
  EXPECT_EQ(tags, (std::map<std::string, std::string>{{"namespace", "$NAMESPACE"},
                                                      {"pod_name", "$PODNAME"}}));
  EXPECT_EQ(str(c.inputs[2].table, "source"), "prom-egressgateway");
  EXPECT_EQ(str(c.inputs[3].table, "source"), "prom-ingressgateway");
  EXPECT_EQ(str(c.inputs[4].table, "measurement_name"), "istio_prom");
  const ConfigTable& zipkin = c.inputs[5].table;
  EXPECT_EQ(str(zipkin, "pathV1"), "/api/v1/spans");
  EXPECT_EQ(str(zipkin, "pathV2"), "/api/v2/spans");
  std::vector<std::string> customer_tags;
  ASSERT_TRUE(zipkin.get("customer_tags", &customer_tags).isOk());
  EXPECT_EQ(customer_tags, (std::vector<std::string>{"project", "version", "env"}));
  EXPECT_EQ(zipkin.file(), kSeeds + "/zipkin.conf");
}

TEST(InputConfigTest, WalksRecursivelyInPathOrderSkippingMainConfigAndOtherFiles) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const fs::path root = dir.path();
  writeFile(root / "datakit.conf", "[[inputs.never]]\n");
  writeFile(root / "host" / "mem.conf", "[[inputs.mem]]\n");
  writeFile(root / "host" / "cpu.conf", "[[inputs.cpu]]\n");
  writeFile(root / "host" / "cpu.conf.sample", "[[inputs.sample]]\n");
  writeFile(root / "a.conf", "[[inputs.a]]\n");
  writeFile(root / "deep" / "er" / "z.conf", "[[inputs.z]]\n");
  writeFile(root / ".git" / "x.conf", "[[inputs.git]]\n");
  writeFile(root / "notes.txt", "[[inputs.txt]]\n");
  InputConfigs c = loadInputConfigs(root.string());
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(names(c), (std::vector<std::string>{"a", "z", "cpu", "mem"}));
  EXPECT_EQ(c.inputs[2].table.file(), (root / "host" / "cpu.conf").string());
}

TEST(InputConfigTest, ConfigMapLayoutLoadsEachFileOnce) {
  // A Kubernetes ConfigMap volume: real files in a timestamped dir, ..data -> it, and
  // top-level symlinks through ..data.
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const fs::path root = dir.path();
  const fs::path real = root / "..2024_05_01_10_00_00.123456789";
  writeFile(real / "cpu.conf", "[[inputs.cpu]]\n");
  writeFile(real / "zipkin.conf", "[[inputs.zipkin]]\n");
  fs::create_directory_symlink(real.filename(), root / "..data");
  fs::create_symlink("..data/cpu.conf", root / "cpu.conf");
  fs::create_symlink("..data/zipkin.conf", root / "zipkin.conf");
  InputConfigs c = loadInputConfigs(root.string());
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(names(c), (std::vector<std::string>{"cpu", "zipkin"}));
  EXPECT_EQ(c.inputs[0].table.file(), (root / "cpu.conf").string());
}

TEST(InputConfigTest, SymlinkedDirectoriesAreNotWalked) {
  testing::TempDir dir;
  testing::TempDir elsewhere;
  ASSERT_FALSE(dir.path().empty());
  writeFile(fs::path(elsewhere.path()) / "x.conf", "[[inputs.x]]\n");
  fs::create_directory_symlink(elsewhere.path(), fs::path(dir.path()) / "linked");
  InputConfigs c = loadInputConfigs(dir.path());
  EXPECT_TRUE(c.errors.empty());
  EXPECT_TRUE(c.inputs.empty());
}

TEST(InputConfigTest, BrokenFileAmongGoodOnes) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const fs::path root = dir.path();
  writeFile(root / "a.conf", "[[inputs.cpu]]\n");
  writeFile(root / "b.conf", "[[inputs.mem]]\ninterval = \"10s\n");
  writeFile(root / "c.conf", "[[inputs.disk]]\n");
  fs::create_symlink("missing.conf", root / "d.conf");  // a dangling symlink
  InputConfigs c = loadInputConfigs(root.string());
  EXPECT_EQ(names(c), (std::vector<std::string>{"cpu", "disk"}));
  ASSERT_EQ(c.errors.size(), 2u);
  const std::string b = (root / "b.conf").string();
  EXPECT_EQ(c.errors[0].rfind(b + ":2:", 0), 0u) << c.errors[0];
  EXPECT_EQ(c.errors[1], (root / "d.conf").string() + ": cannot read the file");
}

TEST(InputConfigTest, MissingDirectoryIsOneError) {
  InputConfigs c = loadInputConfigs("/nonexistent/sextant/conf.d");
  EXPECT_TRUE(c.inputs.empty());
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].rfind("/nonexistent/sextant/conf.d: ", 0), 0u) << c.errors[0];
}

}  // namespace
}  // namespace sextant::config

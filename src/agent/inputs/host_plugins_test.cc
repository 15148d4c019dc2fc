// The host inputs as agent Inputs: DataKit's sample confs, ENV_INPUT_* overrides, bad values,
// the registry, and collection through the adapter (and the runner) on the recorded trees.
#include "agent/inputs/host_plugins.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "agent/inputs/host_common/plugin_util.h"
#include "agent/inputs/host_common/test_util.h"
#include "agent/runtime/input_runner.h"

namespace sextant::agent::inputs {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::findPoint;
using ::testing::HasSubstr;
using testing::kT1;
using testing::samplePaths;
using ::testing::StartsWith;
using testing::tag;

std::string readTestdata(const std::string& rel) {
  std::ifstream f(std::string(SEXTANT_SOURCE_DIR) + "/src/agent/inputs/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << rel;
  return ss.str();
}

// The [[inputs.<name>]] (or [inputs.<name>]) table of a TOML document.
config::ConfigTable inputTable(const std::string& text, const std::string& name,
                               const std::string& file = "test.conf") {
  Result<config::ConfigTable> root = config::ConfigTable::parse(text, file);
  EXPECT_TRUE(root.isOk()) << root.status().toString();
  if (!root.isOk()) return {};
  auto inputs = root->table("inputs");
  EXPECT_TRUE(inputs.isOk() && inputs->has_value());
  if (!inputs.isOk() || !inputs->has_value()) return {};
  const config::ConfigTable& in = **inputs;
  auto arr = in.tableArray(name);
  if (arr.isOk() && !arr->empty()) return (*arr)[0];
  auto t = in.table(name);
  EXPECT_TRUE(t.isOk() && t->has_value()) << name;
  if (!t.isOk() || !t->has_value()) return {};
  return **t;
}

const EnvMap kNoEnv;

// --- sample confs: DataKit's shipped defaults ---

TEST(HostPlugins, CpuSampleConf) {
  auto c = parseCpuConfig(inputTable(readTestdata("cpu/testdata/cpu.conf"), "cpu"), kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->interval, seconds(10));
  EXPECT_FALSE(c->percpu);
  EXPECT_TRUE(c->enable_temperature);
  EXPECT_TRUE(c->enable_load5s);
  EXPECT_TRUE(c->tags.empty());
}

TEST(HostPlugins, MemSwapSystemSampleConfs) {
  auto m = parseMemConfig(inputTable(readTestdata("mem/testdata/mem.conf"), "mem"), kNoEnv);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->interval, seconds(10));
  auto s = parseSwapConfig(inputTable(readTestdata("swap/testdata/swap.conf"), "swap"), kNoEnv);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ(s->interval, seconds(10));
  auto y =
      parseSystemConfig(inputTable(readTestdata("system/testdata/system.conf"), "system"), kNoEnv);
  ASSERT_TRUE(y.isOk()) << y.status().toString();
  EXPECT_EQ(y->interval, seconds(10));
}

TEST(HostPlugins, DiskSampleConf) {
  auto c = parseDiskConfig(inputTable(readTestdata("disk/testdata/disk.conf"), "disk"), kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->interval, seconds(10));
  EXPECT_FALSE(c->only_physical_device);
  EXPECT_TRUE(c->merge_on_device);
  EXPECT_TRUE(c->extra_device.empty());
  EXPECT_TRUE(c->exclude_device.empty());
  EXPECT_EQ(c->ignore_fstypes,
            "^(tmpfs|autofs|binfmt_misc|devpts|fuse.lxcfs|overlay|proc|squashfs|sysfs)$");
  EXPECT_EQ(c->ignore_mountpoints, "^(/usr/local/datakit/.*|/run/containerd/.*)$");
}

TEST(HostPlugins, DiskioSampleConf) {
  auto c =
      parseDiskioConfig(inputTable(readTestdata("diskio/testdata/diskio.conf"), "diskio"), kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->interval, seconds(10));
  EXPECT_TRUE(c->devices.empty());
  EXPECT_TRUE(c->device_tags.empty());
  EXPECT_TRUE(c->name_templates.empty());
  EXPECT_FALSE(c->skip_serial_number);
}

TEST(HostPlugins, NetSampleConf) {
  auto c = parseNetConfig(inputTable(readTestdata("net/testdata/net.conf"), "net"), kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->interval, seconds(10));
  EXPECT_TRUE(c->interfaces.empty());
  EXPECT_FALSE(c->enable_virtual_interfaces);
  EXPECT_FALSE(c->ignore_protocol_stats);
}

TEST(HostPlugins, HostObjectSampleConfIgnoresKeysItDoesNotUse) {
  auto c = parseHostObjectConfig(
      inputTable(readTestdata("hostobject/testdata/hostobject.conf"), "hostobject"), kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->interval, minutes(5));
  EXPECT_FALSE(c->only_physical_device);
  EXPECT_TRUE(c->ignore_zero_bytes_disk);
  EXPECT_TRUE(c->merge_on_device);
  EXPECT_FALSE(c->enable_net_virtual_interfaces);
}

// --- every key set in the file ---

TEST(HostPlugins, CpuKeysAndTags) {
  auto c = parseCpuConfig(inputTable(R"([[inputs.cpu]]
interval = "1m"
percpu = true
enable_temperature = true
disable_temperature_collect = true
enable_load5s = false
[inputs.cpu.tags]
team = "infra"
cpu = "mine"
)",
                                     "cpu"),
                          kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->interval, minutes(1));
  EXPECT_TRUE(c->percpu);
  EXPECT_FALSE(c->enable_temperature);  // the deprecated switch wins
  EXPECT_FALSE(c->enable_load5s);
  EXPECT_EQ(c->tags, (std::map<std::string, std::string>{{"cpu", "mine"}, {"team", "infra"}}));
}

TEST(HostPlugins, DiskKeys) {
  auto c = parseDiskConfig(inputTable(R"([[inputs.disk]]
only_physical_device = true
merge_on_device = false
extra_device = ["/nfsdata"]
exclude_device = ["/dev/loop0", "/dev/loop1"]
ignore_fstypes = '''^tmpfs$'''
ignore_mountpoints = ""
use_nsenter = false
)",
                                      "disk"),
                           kNoEnv);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_TRUE(c->only_physical_device);
  EXPECT_FALSE(c->merge_on_device);
  EXPECT_EQ(c->extra_device, (std::vector<std::string>{"/nfsdata"}));
  EXPECT_EQ(c->exclude_device, (std::vector<std::string>{"/dev/loop0", "/dev/loop1"}));
  EXPECT_EQ(c->ignore_fstypes, "^tmpfs$");
  EXPECT_EQ(c->ignore_mountpoints, "");
}

TEST(HostPlugins, DiskioAndNetKeys) {
  auto d = parseDiskioConfig(inputTable(R"([[inputs.diskio]]
devices = ['''^sda\d*''', '''vd.*''']
device_tags = ["ID_FS_TYPE", "ID_FS_USAGE"]
name_templates = ["$ID_FS_LABEL", "$DM_VG_NAME/$DM_LV_NAME"]
skip_serial_number = true
)",
                                        "diskio"),
                             kNoEnv);
  ASSERT_TRUE(d.isOk()) << d.status().toString();
  EXPECT_EQ(d->devices, (std::vector<std::string>{"^sda\\d*", "vd.*"}));
  EXPECT_EQ(d->device_tags, (std::vector<std::string>{"ID_FS_TYPE", "ID_FS_USAGE"}));
  EXPECT_EQ(d->name_templates,
            (std::vector<std::string>{"$ID_FS_LABEL", "$DM_VG_NAME/$DM_LV_NAME"}));
  EXPECT_TRUE(d->skip_serial_number);

  auto n = parseNetConfig(inputTable(R"([[inputs.net]]
interfaces = ['''eth[\w-]+''', '''lo''', ]
enable_virtual_interfaces = true
ignore_protocol_stats = true
)",
                                     "net"),
                          kNoEnv);
  ASSERT_TRUE(n.isOk()) << n.status().toString();
  EXPECT_EQ(n->interfaces, (std::vector<std::string>{"eth[\\w-]+", "lo"}));
  EXPECT_TRUE(n->enable_virtual_interfaces);
  EXPECT_TRUE(n->ignore_protocol_stats);
}

// --- ENV_INPUT_<NAME>_<KEY> overrides (container mode) ---

TEST(HostPlugins, CpuEnvOverrides) {
  auto c = parseCpuConfig(inputTable("[[inputs.cpu]]\npercpu = false\n[inputs.cpu.tags]\n"
                                     "team = \"a\"\nzone = \"z1\"\n",
                                     "cpu"),
                          {{"PERCPU", "TRUE"},
                           {"ENABLE_TEMPERATURE", "0"},
                           {"INTERVAL", "30s"},
                           {"TAGS", "team=b, owner = me,broken,x=y=z"},
                           {"ENABLE_LOAD5S", "no"}});  // any non-empty value turns it on
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_TRUE(c->percpu);
  EXPECT_FALSE(c->enable_temperature);
  EXPECT_EQ(c->interval, seconds(30));
  EXPECT_TRUE(c->enable_load5s);
  EXPECT_EQ(c->tags,
            (std::map<std::string, std::string>{{"owner", "me"}, {"team", "b"}, {"zone", "z1"}}));
}

TEST(HostPlugins, CpuEnvDisableTemperatureCollect) {
  auto c = parseCpuConfig({}, {{"DISABLE_TEMPERATURE_COLLECT", "x"}});
  ASSERT_TRUE(c.isOk());
  EXPECT_FALSE(c->enable_temperature);
  auto d = parseCpuConfig({}, {{"DISABLE_TEMPERATURE_COLLECT", ""}});  // empty: not set
  ASSERT_TRUE(d.isOk());
  EXPECT_TRUE(d->enable_temperature);
}

TEST(HostPlugins, MemEnvOverrides) {
  auto c = parseMemConfig({}, {{"INTERVAL", "1m30s"}, {"TAGS", "a=1"}, {"PERCPU", "junk"}});
  ASSERT_TRUE(c.isOk()) << c.status().toString();  // keys mem does not read are ignored
  EXPECT_EQ(c->interval, seconds(90));
  EXPECT_EQ(c->tags, (std::map<std::string, std::string>{{"a", "1"}}));
}

TEST(HostPlugins, DiskEnvOverridesAppendLists) {
  auto c = parseDiskConfig(inputTable("[[inputs.disk]]\nextra_device = [\"/nfs\"]\n", "disk"),
                           {{"EXTRA_DEVICE", "/data,other"},
                            {"EXCLUDE_DEVICE", "/dev/loop0,,/dev/loop1"},
                            {"IGNORE_FSTYPES", "^(tmpfs)$"},
                            {"IGNORE_MOUNTPOINTS", ""}});  // empty: keeps the default
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->extra_device, (std::vector<std::string>{"/nfs", "/data", "other"}));
  EXPECT_EQ(c->exclude_device, (std::vector<std::string>{"/dev/loop0", "/dev/loop1"}));
  EXPECT_EQ(c->ignore_fstypes, "^(tmpfs)$");
  EXPECT_EQ(c->ignore_mountpoints, "^(/usr/local/datakit/.*|/run/containerd/.*)$");
}

TEST(HostPlugins, DiskioNetHostObjectEnvOverrides) {
  auto d = parseDiskioConfig({}, {{"SKIP_SERIAL_NUMBER", "true"},
                                  {"DEVICES", "^sda,^vd"},
                                  {"DEVICE_TAGS", "ID_FS_TYPE"},
                                  {"NAME_TEMPLATES", "$ID_FS_LABEL"}});
  ASSERT_TRUE(d.isOk()) << d.status().toString();
  EXPECT_TRUE(d->skip_serial_number);
  EXPECT_EQ(d->devices, (std::vector<std::string>{"^sda", "^vd"}));
  EXPECT_EQ(d->device_tags, (std::vector<std::string>{"ID_FS_TYPE"}));
  EXPECT_EQ(d->name_templates, (std::vector<std::string>{"$ID_FS_LABEL"}));

  auto n = parseNetConfig(
      inputTable("[[inputs.net]]\ninterfaces = [\"eth0\"]\n", "net"),
      {{"IGNORE_PROTOCOL_STATS", "t"}, {"ENABLE_VIRTUAL_INTERFACES", "1"}, {"INTERFACES", "lo"}});
  ASSERT_TRUE(n.isOk()) << n.status().toString();
  EXPECT_TRUE(n->ignore_protocol_stats);
  EXPECT_TRUE(n->enable_virtual_interfaces);
  EXPECT_EQ(n->interfaces, (std::vector<std::string>{"eth0", "lo"}));

  auto h = parseHostObjectConfig({}, {{"ENABLE_NET_VIRTUAL_INTERFACES", "true"},
                                      {"EXTRA_DEVICE", "/nfs"},
                                      {"EXCLUDE_DEVICE", "/dev/loop0"},
                                      {"ENABLE_ZERO_BYTES_DISK", "false"},
                                      {"TAGS", "cloud_provider=aws"}});
  ASSERT_TRUE(h.isOk()) << h.status().toString();
  EXPECT_TRUE(h->enable_net_virtual_interfaces);
  EXPECT_EQ(h->extra_device, (std::vector<std::string>{"/nfs"}));
  EXPECT_EQ(h->exclude_device, (std::vector<std::string>{"/dev/loop0"}));
  EXPECT_FALSE(h->ignore_zero_bytes_disk);  // DataKit's mapping, kept as is
  EXPECT_EQ(h->tags, (std::map<std::string, std::string>{{"cloud_provider", "aws"}}));
}

// --- bad values ---

TEST(HostPlugins, BadFileValuesNameFileLineAndKey) {
  auto c = parseCpuConfig(
      inputTable("[[inputs.cpu]]\ninterval = '10s'\npercpu = \"yes\"\n", "cpu", "conf.d/cpu.conf"),
      kNoEnv);
  ASSERT_FALSE(c.isOk());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), StartsWith("conf.d/cpu.conf:3: [inputs.cpu] percpu: "));

  auto m =
      parseMemConfig(inputTable("[[inputs.mem]]\ninterval = '10x'\n", "mem", "mem.conf"), kNoEnv);
  ASSERT_FALSE(m.isOk());
  EXPECT_THAT(m.status().message(), StartsWith("mem.conf:2: [inputs.mem] interval: "));

  auto t = parseSwapConfig(
      inputTable("[[inputs.swap]]\n[inputs.swap.tags]\nn = 1\n", "swap", "swap.conf"), kNoEnv);
  ASSERT_FALSE(t.isOk());
  EXPECT_THAT(t.status().message(), StartsWith("swap.conf:3: [inputs.swap.tags] n: "));
}

TEST(HostPlugins, BadRegularExpressionsNameTheKey) {
  auto d = parseDiskConfig(
      inputTable("[[inputs.disk]]\n\nignore_fstypes = '''^(tmpfs'''\n", "disk", "disk.conf"),
      kNoEnv);
  ASSERT_FALSE(d.isOk());
  EXPECT_THAT(d.status().message(),
              StartsWith("disk.conf:3: [inputs.disk] ignore_fstypes: bad regular expression"));

  auto n = parseNetConfig(
      inputTable("[[inputs.net]]\ninterfaces = ['eth0', '[']\n", "net", "net.conf"), kNoEnv);
  ASSERT_FALSE(n.isOk());
  EXPECT_THAT(n.status().message(),
              StartsWith("net.conf:2: [inputs.net] interfaces: bad regular expression '['"));

  auto e = parseDiskioConfig({}, {{"DEVICES", "sda,("}});
  ASSERT_FALSE(e.isOk());
  EXPECT_THAT(e.status().message(), StartsWith("ENV_INPUT_DISKIO_DEVICES: bad regular"));
}

TEST(HostPlugins, BadEnvValuesNameTheVariable) {
  auto c = parseCpuConfig({}, {{"PERCPU", "yes"}});
  ASSERT_FALSE(c.isOk());
  EXPECT_EQ(c.status().message(), "ENV_INPUT_CPU_PERCPU: bad bool 'yes'");
  auto n = parseNetConfig({}, {{"INTERVAL", "10"}});
  ASSERT_FALSE(n.isOk());
  EXPECT_THAT(n.status().message(), StartsWith("ENV_INPUT_NET_INTERVAL: bad duration '10'"));
  auto h = parseHostObjectConfig({}, {{"ENABLE_ZERO_BYTES_DISK", "on"}});
  ASSERT_FALSE(h.isOk());
  EXPECT_EQ(h.status().message(), "ENV_INPUT_HOSTOBJECT_ENABLE_ZERO_BYTES_DISK: bad bool 'on'");
}

TEST(PluginUtil, GoBoolAndTagLists) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_TRUE(*parseGoBool(t)) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    EXPECT_FALSE(*parseGoBool(f)) << f;
  }
  for (const char* bad : {"", "yes", "tRUE", " true"}) EXPECT_FALSE(parseGoBool(bad).isOk());
  EXPECT_EQ(parseTagList(" a = 1 ,b=2,,c,d=e=f,=g"),
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_TRUE(parseTagList("").empty());
}

// --- the registry and collection through the adapter ---

TEST(Registry, ListsTheInputsInOrder) {
  std::vector<std::string> names;
  for (const InputFactory& f : inputRegistry()) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"cpu", "mem", "swap", "system", "disk", "diskio",
                                             "net", "hostobject", "prom", "zipkin", "opentelemetry",
                                             "logging", "gitlab", "rum"}));
  ASSERT_NE(findInput("diskio"), nullptr);
  EXPECT_EQ(findInput("diskio")->name, "diskio");
  EXPECT_EQ(findInput("nosuch"), nullptr);
  EXPECT_EQ(findInput("CPU"), nullptr);  // names are exact
}

InputEnv sampleEnv() {
  InputEnv env;
  env.host_paths = samplePaths(1);
  return env;
}

TEST(Registry, EveryHostInputCreatesFromAnEmptyTable) {
  for (const InputFactory& f : inputRegistry()) {
    if (f.name == "prom") continue;  // needs urls (prom/prom_input_test.cc)
    // Not host inputs, tested beside their code: span receivers (tracing/tracing_input_test.cc),
    // logging (needs logfiles), gitlab and rum.
    if (f.name == "zipkin" || f.name == "opentelemetry" || f.name == "logging" ||
        f.name == "gitlab" || f.name == "rum")
      continue;
    auto in = f.create(config::ConfigTable(), sampleEnv());
    ASSERT_TRUE(in.isOk()) << f.name << ": " << in.status().toString();
    EXPECT_EQ((*in)->name(), f.name);
    EXPECT_FALSE((*in)->election());
    EXPECT_EQ((*in)->category(),
              f.name == "hostobject" ? model::Category::kObject : model::Category::kMetric);
    EXPECT_EQ((*in)->interval(), f.name == "hostobject" ? std::chrono::nanoseconds(minutes(5))
                                                        : std::chrono::nanoseconds(seconds(10)));
  }
}

TEST(Registry, FactoryErrorsAreTheConfigErrors) {
  auto in = findInput("net")->create(
      inputTable("[[inputs.net]]\nenable_virtual_interfaces = 1\n", "net", "net.conf"),
      sampleEnv());
  ASSERT_FALSE(in.isOk());
  EXPECT_THAT(in.status().message(),
              StartsWith("net.conf:2: [inputs.net] enable_virtual_interfaces: "));
}

TEST(Registry, IntervalIsClampedAsDataKit) {
  auto in = findInput("mem")->create(inputTable("[[inputs.mem]]\ninterval = '100ms'\n", "mem"),
                                     sampleEnv());
  ASSERT_TRUE(in.isOk());
  EXPECT_EQ((*in)->interval(), seconds(1));
}

TEST(Registry, CollectThroughTheAdapterAddsConfigTagsWithoutOverriding) {
  InputEnv env = sampleEnv();
  env.env = {{"TAGS", "from_env=1"}};
  auto in = findInput("net")->create(inputTable(R"([[inputs.net]]
interfaces = ['''^eth0$''']
ignore_protocol_stats = true
[inputs.net.tags]
interface = "not-this"
team = "infra"
)",
                                                "net"),
                                     env);
  ASSERT_TRUE(in.isOk()) << in.status().toString();
  std::vector<model::Point> out;
  ASSERT_TRUE((*in)->collect(kT1, &out).isOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].measurement, "net");
  EXPECT_EQ(out[0].time_ns, kT1);
  EXPECT_EQ(tag(out[0], "interface"), "eth0");  // the input's own tag wins
  EXPECT_EQ(tag(out[0], "team"), "infra");
  EXPECT_EQ(tag(out[0], "from_env"), "1");
}

class CapturingFeeder : public Feeder {
 public:
  Status feed(model::Category category, std::vector<model::Point>&& points,
              const FeedOptions& options) override {
    std::lock_guard<std::mutex> lock(mu);
    last_category = category;
    last_input = options.input;
    fed.insert(fed.end(), points.begin(), points.end());
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu);
    errors.emplace_back(message);
  }
  std::mutex mu;
  model::Category last_category = model::Category::kMetric;
  std::string last_input;
  std::vector<model::Point> fed;
  std::vector<std::string> errors;
};

TEST(Registry, InputsThroughTheRunner) {
  CapturingFeeder feeder;
  InputRunnerOptions o;
  o.feeder = &feeder;
  o.now_ns = [] { return kT1; };
  InputRunner runner(o);
  auto mem = findInput("mem")->create(
      inputTable("[[inputs.mem]]\n[inputs.mem.tags]\nrole = \"db\"\n", "mem"), sampleEnv());
  ASSERT_TRUE(mem.isOk());
  size_t idx = runner.add(std::move(*mem));
  ASSERT_TRUE(runner.collectNow(idx).isOk());
  ASSERT_EQ(feeder.fed.size(), 1u);
  EXPECT_EQ(feeder.last_input, "mem");
  EXPECT_EQ(feeder.fed[0].measurement, "mem");
  EXPECT_EQ(tag(feeder.fed[0], "role"), "db");
  EXPECT_EQ(feeder.fed[0].time_ns, kT1);

  auto host = findInput("hostobject")->create(config::ConfigTable(), sampleEnv());
  ASSERT_TRUE(host.isOk());
  size_t hidx = runner.add(std::move(*host));
  (void)runner.collectNow(hidx);  // parts the recorded tree lacks may error; the point comes
  EXPECT_EQ(feeder.last_category, model::Category::kObject);
  EXPECT_EQ(feeder.last_input, "hostobject");
  ASSERT_NE(findPoint(feeder.fed, "HOST"), nullptr);
  EXPECT_EQ(runner.stats()[1].category, model::Category::kObject);
}

TEST(Registry, HostObjectTakesTheAgentsFactsBeforeEachCollection) {
  int calls = 0;
  auto in = createHostObjectInput(config::ConfigTable(), sampleEnv(), [&calls] {
    AgentInfo a;
    a.hostname = "node-" + std::to_string(++calls);
    a.version = "1.2.3";
    return a;
  });
  ASSERT_TRUE(in.isOk()) << in.status().toString();
  EXPECT_EQ((*in)->name(), "hostobject");
  EXPECT_EQ((*in)->category(), model::Category::kObject);
  std::vector<model::Point> out;
  (void)(*in)->collect(kT1, &out);
  (void)(*in)->collect(kT1 + 300'000'000'000, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(tag(out[0], "name"), "node-1");
  EXPECT_EQ(tag(out[1], "name"), "node-2");
  EXPECT_EQ(testing::field<std::string>(out[1], "datakit_ver"), "1.2.3");
}

}  // namespace
}  // namespace sextant::agent::inputs

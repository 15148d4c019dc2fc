#include "server/workspace/workspace_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "core/crc32c.h"
#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"

namespace sextant::server::workspace {
namespace {

using ::testing::HasSubstr;

constexpr char kDir[] = "/data";
constexpr char kFile[] = "/data/workspaces.json";
constexpr char kTokenFile[] = "/data/default.token";
constexpr char kId1[] = "wksp_0123456789abcdef0123456789abcdef";
constexpr char kToken1[] = "tkn_00112233445566778899aabbccddeeff";
constexpr char kId2[] = "wksp_fedcba9876543210fedcba9876543210";
constexpr char kToken2[] = "tkn_ffeeddccbbaa99887766554433221100";

WorkspaceStore::Options fixedClock(std::int64_t ns) {
  WorkspaceStore::Options o;
  o.now_ns = [ns] { return ns; };
  return o;
}

std::unique_ptr<WorkspaceStore> mustOpen(FileSystem& fs, const std::string& dir,
                                         WorkspaceStore::Options options = {}) {
  auto store = WorkspaceStore::open(fs, dir, std::move(options));
  EXPECT_TRUE(store.isOk()) << store.status().toString();
  return store.isOk() ? std::move(store).value() : nullptr;
}

// A workspaces.json written by hand: the canonical array text is spelled out here (README.md),
// its CRC32C taken with core's crc32c (tested against RFC 3720 vectors), and the file laid out
// with different whitespace than the store writes.
std::string handWrittenFile(std::string_view canonical, std::string_view layout,
                            std::string version = "1") {
  return "{ \"format\": \"sextant-workspaces\", \"version\": " + version +
         ", \"crc32c\": " + std::to_string(crc32c(canonical)) +
         ",\n  \"workspaces\": " + std::string(layout) + " }\n";
}

const std::string kCanonicalTwo =
    std::string("[{\"id\":\"") + kId1 + "\",\"name\":\"default\",\"token\":\"" + kToken1 +
    "\",\"created_ns\":1763750000000000000},{\"id\":\"" + kId2 +
    "\",\"name\":\"team-a_2\",\"token\":\"" + kToken2 + "\",\"created_ns\":5}]";
const std::string kLayoutTwo =
    std::string("[\n  {\"created_ns\": 1763750000000000000, \"id\": \"") + kId1 +
    "\", \"name\": \"default\", \"token\": \"" + kToken1 + "\"},\n  {\"id\": \"" + kId2 +
    "\", \"name\": \"team-a_2\", \"token\": \"" + kToken2 + "\", \"created_ns\": 5}\n]";

TEST(WorkspaceNames, FormsAreChecked) {
  EXPECT_TRUE(isValidWorkspaceName("default"));
  EXPECT_TRUE(isValidWorkspaceName("a"));
  EXPECT_TRUE(isValidWorkspaceName("team-a_2"));
  EXPECT_TRUE(isValidWorkspaceName(std::string(64, 'z')));
  EXPECT_FALSE(isValidWorkspaceName(""));
  EXPECT_FALSE(isValidWorkspaceName(std::string(65, 'z')));
  EXPECT_FALSE(isValidWorkspaceName("Team"));
  EXPECT_FALSE(isValidWorkspaceName("a b"));
  EXPECT_FALSE(isValidWorkspaceName("a/b"));
  EXPECT_FALSE(isValidWorkspaceName("a.b"));
  EXPECT_FALSE(isValidWorkspaceName("\"x\""));

  EXPECT_TRUE(isValidToken(kToken1));
  EXPECT_FALSE(isValidToken("tkn_00112233445566778899aabbccddeef"));    // 31 digits
  EXPECT_FALSE(isValidToken("tkn_00112233445566778899aabbccddeeff0"));  // 33 digits
  EXPECT_FALSE(isValidToken("tkn_00112233445566778899AABBCCDDEEFF"));   // upper case
  EXPECT_FALSE(isValidToken("tok_00112233445566778899aabbccddeeff"));
  EXPECT_TRUE(isValidWorkspaceId(kId1));
  EXPECT_FALSE(isValidWorkspaceId(kToken1));
}

TEST(WorkspaceIds, RandomIdsHaveTheFormAndDiffer) {
  auto a = randomHexId("tkn_");
  auto b = randomHexId("tkn_");
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_TRUE(isValidToken(*a)) << *a;
  EXPECT_NE(*a, *b);
}

TEST(WorkspaceStore, FirstStartCreatesDefaultAndWritesItsToken) {
  testing::MemFileSystem fs;
  auto store = mustOpen(fs, kDir, fixedClock(42));
  ASSERT_NE(store, nullptr);
  std::vector<Workspace> all = store->list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "default");
  EXPECT_TRUE(isValidWorkspaceId(all[0].id)) << all[0].id;
  EXPECT_TRUE(isValidToken(all[0].token)) << all[0].token;
  EXPECT_EQ(all[0].created_ns, 42);
  auto token_file = fs.readFile(kTokenFile);
  ASSERT_TRUE(token_file.isOk());
  EXPECT_EQ(*token_file, all[0].token + "\n");
  EXPECT_TRUE(fs.exists(kFile));
  EXPECT_FALSE(fs.exists(std::string(kFile) + ".tmp"));
  EXPECT_EQ(store->byToken(all[0].token), all[0]);
  EXPECT_EQ(store->byName("default"), all[0]);
}

TEST(WorkspaceStore, FirstStartAdoptsAValidDefaultTokenFile) {
  testing::MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  ASSERT_TRUE(writeFileAtomically(fs, kTokenFile, std::string(kToken1) + "\n").isOk());
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->list().size(), 1u);
  EXPECT_EQ(store->list()[0].token, kToken1);
  EXPECT_EQ(*fs.readFile(kTokenFile), std::string(kToken1) + "\n");
}

TEST(WorkspaceStore, FirstStartRefusesAGarbageDefaultTokenFile) {
  testing::MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  ASSERT_TRUE(writeFileAtomically(fs, kTokenFile, "hunter2\n").isOk());
  auto store = WorkspaceStore::open(fs, kDir);
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("/data/default.token"));
  EXPECT_FALSE(fs.exists(kFile));
  EXPECT_EQ(*fs.readFile(kTokenFile), "hunter2\n");  // not overwritten
}

TEST(WorkspaceStore, CreateListRemove) {
  testing::MemFileSystem fs;
  auto store = mustOpen(fs, kDir, fixedClock(7));
  ASSERT_NE(store, nullptr);
  auto a = store->create("team-a");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  auto b = store->create("team-b");
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(a->name, "team-a");
  EXPECT_EQ(a->created_ns, 7);
  EXPECT_TRUE(isValidToken(a->token));
  EXPECT_TRUE(isValidWorkspaceId(a->id));
  EXPECT_NE(a->token, b->token);
  EXPECT_NE(a->id, b->id);

  std::vector<Workspace> all = store->list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "default");
  EXPECT_EQ(all[1], *a);
  EXPECT_EQ(all[2], *b);
  EXPECT_EQ(store->byToken(b->token), *b);
  EXPECT_EQ(store->byName("team-a"), *a);

  ASSERT_TRUE(store->remove("team-a").isOk());
  EXPECT_EQ(store->byToken(a->token), std::nullopt);
  EXPECT_EQ(store->byName("team-a"), std::nullopt);
  EXPECT_EQ(store->list().size(), 2u);
  Status again = store->remove("team-a");
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_THAT(again.message(), HasSubstr("team-a"));
}

TEST(WorkspaceStore, DuplicateAndBadNamesAreRefused) {
  testing::MemFileSystem fs;
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create("x").isOk());
  auto dup = store->create("x");
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store->create("default").status().code(), StatusCode::kAlreadyExists);
  for (std::string bad : {std::string(""), std::string(65, 'a'), std::string("Prod"),
                          std::string("a b"), std::string("../x"), std::string("é")}) {
    auto r = store->create(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(store->create(std::string(64, 'a')).isOk());
  EXPECT_EQ(store->list().size(), 3u);
}

TEST(WorkspaceStore, ByTokenMatchesWholeTokensOnly) {
  testing::MemFileSystem fs;
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  const std::string token = store->list()[0].token;
  EXPECT_TRUE(store->byToken(token).has_value());
  EXPECT_FALSE(store->byToken("").has_value());
  EXPECT_FALSE(store->byToken(token.substr(0, token.size() - 1)).has_value());
  EXPECT_FALSE(store->byToken(token + "0").has_value());
  std::string near = token;
  near.back() = near.back() == '0' ? '1' : '0';
  EXPECT_FALSE(store->byToken(near).has_value());
}

TEST(WorkspaceStore, ReopenSeesTheSameWorkspaces) {
  testing::MemFileSystem fs;
  std::vector<Workspace> before;
  {
    auto store = mustOpen(fs, kDir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create("one").isOk());
    ASSERT_TRUE(store->create("two").isOk());
    ASSERT_TRUE(store->remove("one").isOk());
    before = store->list();
  }
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->list(), before);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[1].name, "two");
}

TEST(WorkspaceStore, LoadsAHandWrittenFile) {
  testing::MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs(kDir).isOk());
  ASSERT_TRUE(writeFileAtomically(fs, kFile, handWrittenFile(kCanonicalTwo, kLayoutTwo)).isOk());
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  std::vector<Workspace> want = {{kId1, "default", kToken1, 1763750000000000000},
                                 {kId2, "team-a_2", kToken2, 5}};
  EXPECT_EQ(store->list(), want);
  // The missing default.token is written from the file.
  EXPECT_EQ(*fs.readFile(kTokenFile), std::string(kToken1) + "\n");
}

TEST(WorkspaceStore, WritesTheDocumentedFormat) {
  std::vector<Workspace> two = {{kId1, "default", kToken1, 1763750000000000000},
                                {kId2, "team-a_2", kToken2, 5}};
  const std::string want =
      "{\"format\":\"sextant-workspaces\",\"version\":1,\"crc32c\":" +
      std::to_string(crc32c(kCanonicalTwo)) + ",\"workspaces\":[\n" +
      "{\"id\":\"wksp_0123456789abcdef0123456789abcdef\",\"name\":\"default\",\"token\":"
      "\"tkn_00112233445566778899aabbccddeeff\",\"created_ns\":1763750000000000000},\n"
      "{\"id\":\"wksp_fedcba9876543210fedcba9876543210\",\"name\":\"team-a_2\",\"token\":"
      "\"tkn_ffeeddccbbaa99887766554433221100\",\"created_ns\":5}\n]}\n";
  EXPECT_EQ(encodeWorkspacesFile(two), want);
  // The README's example, its checksum computed by an independent bitwise CRC32C in Python.
  EXPECT_EQ(encodeWorkspacesFile({{kId1, "default", kToken1, 1763750000000000000}}),
            "{\"format\":\"sextant-workspaces\",\"version\":1,\"crc32c\":1005064958,"
            "\"workspaces\":[\n{\"id\":\"wksp_0123456789abcdef0123456789abcdef\",\"name\":"
            "\"default\",\"token\":\"tkn_00112233445566778899aabbccddeeff\",\"created_ns\":"
            "1763750000000000000}\n]}\n");
  EXPECT_EQ(encodeWorkspacesFile({}),
            "{\"format\":\"sextant-workspaces\",\"version\":1,\"crc32c\":" +
                std::to_string(crc32c("[]")) + ",\"workspaces\":[]}\n");
}

TEST(WorkspaceStore, CorruptFilesFailWithTheFileNamed) {
  struct Case {
    std::string name;
    std::string text;
    StatusCode code;
    std::string message;
  };
  std::string tampered = handWrittenFile(kCanonicalTwo, kLayoutTwo);
  tampered.replace(tampered.find(kToken2), 4 + 1, "tkn_e");  // one hex digit changed
  std::string dup_canonical = std::string("[{\"id\":\"") + kId1 + "\",\"name\":\"a\",\"token\":\"" +
                              kToken1 + "\",\"created_ns\":1},{\"id\":\"" + kId2 +
                              "\",\"name\":\"a\",\"token\":\"" + kToken2 + "\",\"created_ns\":2}]";
  std::vector<Case> cases = {
      {"empty", "", StatusCode::kDataLoss, "not valid JSON"},
      {"truncated", handWrittenFile(kCanonicalTwo, kLayoutTwo).substr(0, 80), StatusCode::kDataLoss,
       "not valid JSON"},
      {"not ours", "{\"hello\":1}", StatusCode::kDataLoss, "not a Sextant workspaces file"},
      {"tampered", tampered, StatusCode::kDataLoss, "checksum mismatch"},
      {"newer", handWrittenFile(kCanonicalTwo, kLayoutTwo, "2"), StatusCode::kInvalidArgument,
       "format version 2 is not supported"},
      {"duplicate name", handWrittenFile(dup_canonical, dup_canonical),
       StatusCode::kInvalidArgument, "duplicate name a"},
      {"bad token", handWrittenFile("[]", R"([{"id":"x","name":"a","token":"t","created_ns":1}])"),
       StatusCode::kInvalidArgument, "workspace #0: id is not"},
  };
  for (const Case& c : cases) {
    testing::MemFileSystem fs;
    ASSERT_TRUE(fs.createDirs(kDir).isOk());
    ASSERT_TRUE(writeFileAtomically(fs, kFile, c.text).isOk());
    auto store = WorkspaceStore::open(fs, kDir);
    ASSERT_FALSE(store.isOk()) << c.name;
    EXPECT_EQ(store.status().code(), c.code) << c.name << ": " << store.status().toString();
    EXPECT_THAT(store.status().message(), HasSubstr("/data/workspaces.json: ")) << c.name;
    EXPECT_THAT(store.status().message(), HasSubstr(c.message)) << c.name;
    EXPECT_EQ(*fs.readFile(kFile), c.text) << c.name;  // never overwritten
  }
}

TEST(WorkspaceStore, RemovingDefaultRemovesItsTokenFileAndItStaysRemoved) {
  testing::MemFileSystem fs;
  {
    auto store = mustOpen(fs, kDir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create("other").isOk());
    ASSERT_TRUE(store->remove("default").isOk());
    EXPECT_FALSE(fs.exists(kTokenFile));
  }
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->list().size(), 1u);
  EXPECT_EQ(store->list()[0].name, "other");
  EXPECT_FALSE(fs.exists(kTokenFile));
  // Created again explicitly: a new token, written to default.token.
  auto again = store->create("default");
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(*fs.readFile(kTokenFile), again->token + "\n");
}

TEST(WorkspaceStore, ReopenRepairsAMissingOrStaleDefaultToken) {
  testing::MemFileSystem fs;
  std::string token;
  {
    auto store = mustOpen(fs, kDir);
    ASSERT_NE(store, nullptr);
    token = store->list()[0].token;
  }
  ASSERT_TRUE(fs.remove(kTokenFile).isOk());
  ASSERT_NE(mustOpen(fs, kDir), nullptr);
  EXPECT_EQ(*fs.readFile(kTokenFile), token + "\n");
  ASSERT_TRUE(writeFileAtomically(fs, kTokenFile, std::string(kToken2) + "\n").isOk());
  ASSERT_NE(mustOpen(fs, kDir), nullptr);
  EXPECT_EQ(*fs.readFile(kTokenFile), token + "\n");
}

TEST(WorkspaceStore, AFailedWriteChangesNothing) {
  testing::MemFileSystem mem;
  testing::FaultInjectionFileSystem fs(mem);
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  const std::vector<Workspace> before = store->list();
  const std::string file_before = *mem.readFile(kFile);

  fs.failNextSyncs(1, EIO);
  auto created = store->create("lost");
  EXPECT_FALSE(created.isOk());
  EXPECT_EQ(store->list(), before);
  EXPECT_EQ(store->byName("lost"), std::nullopt);
  EXPECT_EQ(*mem.readFile(kFile), file_before);

  fs.failNextSyncs(1, ENOSPC);
  EXPECT_EQ(store->remove("default").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(store->list(), before);

  ASSERT_TRUE(store->create("kept").isOk());
  auto reopened = mustOpen(fs, kDir);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->list().size(), 2u);
}

TEST(WorkspaceStore, CrashDuringCreateLeavesOldOrNewFile) {
  // Power loss after every possible number of mutating calls of a create(): the file reopens
  // with either one or two workspaces, never corrupt.
  for (int n = 0; n < 12; ++n) {
    testing::MemFileSystem mem;
    testing::FaultInjectionFileSystem fs(mem);
    {
      auto store = mustOpen(fs, kDir);
      ASSERT_NE(store, nullptr);
      fs.failAfter(n);
      (void)store->create("maybe");
      ASSERT_TRUE(
          fs.crash(testing::FaultInjectionFileSystem::CrashMode::kTornWriteGarbage, n).isOk());
    }
    fs.restart();
    auto store = WorkspaceStore::open(fs, kDir);
    ASSERT_TRUE(store.isOk()) << "after " << n << " calls: " << store.status().toString();
    size_t count = (*store)->list().size();
    EXPECT_TRUE(count == 1 || count == 2) << count;
  }
}

TEST(WorkspaceStore, ReloadPicksUpAnotherProcessesChanges) {
  testing::MemFileSystem fs;
  auto server = mustOpen(fs, kDir);
  auto cli = mustOpen(fs, kDir);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(cli, nullptr);
  auto added = cli->create("from-cli");
  ASSERT_TRUE(added.isOk());
  EXPECT_EQ(server->byToken(added->token), std::nullopt);  // not before reload
  ASSERT_TRUE(server->reload().isOk());
  EXPECT_EQ(server->byToken(added->token), *added);

  // A mutation in the server re-reads the file first: the CLI's workspace is kept.
  ASSERT_TRUE(cli->create("second").isOk());
  ASSERT_TRUE(server->create("from-server").isOk());
  EXPECT_EQ(mustOpen(fs, kDir)->list().size(), 4u);

  // A failed reload keeps what the server had.
  ASSERT_TRUE(writeFileAtomically(fs, kFile, "garbage").isOk());
  Status st = server->reload();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_EQ(server->byToken(added->token), *added);
  EXPECT_EQ(server->list().size(), 4u);
}

TEST(WorkspaceStore, LookupsDuringCreatesSeeConsistentSets) {
  testing::MemFileSystem fs;
  auto store = mustOpen(fs, kDir);
  ASSERT_NE(store, nullptr);
  const Workspace def = store->list()[0];
  std::atomic<bool> done{false};
  std::atomic<int> misses{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!done.load()) {
        std::optional<Workspace> w = store->byToken(def.token);
        if (!w || *w != def) misses.fetch_add(1);
        std::vector<Workspace> all = store->list();
        if (all.empty() || all[0] != def) misses.fetch_add(1);
        (void)store->byName("w7");
        std::this_thread::yield();
      }
    });
  }
  std::vector<Workspace> created;
  for (int i = 0; i < 40; ++i) {
    auto w = store->create("w" + std::to_string(i));
    ASSERT_TRUE(w.isOk());
    created.push_back(*w);
  }
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(misses.load(), 0);
  for (const Workspace& w : created) EXPECT_EQ(store->byToken(w.token), w);
  EXPECT_EQ(store->list().size(), 41u);
}

TEST(WorkspaceStore, RealFileSystemKeepsSecretsOwnerOnly) {
  sextant::testing::TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string dir = tmp.path() + "/server-data";
  auto store = mustOpen(realFileSystem(), dir);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create("team").isOk());
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir + "/workspaces.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir + "/default.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto reopened = mustOpen(realFileSystem(), dir);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->list(), store->list());
}

}  // namespace
}  // namespace sextant::server::workspace

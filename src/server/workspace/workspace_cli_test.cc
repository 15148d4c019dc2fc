#include "server/workspace/workspace_cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "core/testing/mem_file_system.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server::workspace {
namespace {

using ::testing::HasSubstr;

TEST(WorkspaceCli, FormatUtc) {
  EXPECT_EQ(formatUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatUtc(1763750000123456789), "2025-11-21T18:33:20Z");
}

TEST(WorkspaceCli, CreateListDelete) {
  testing::MemFileSystem fs;
  WorkspaceCliOptions o;
  o.data_dir = "/d";
  o.name = "team";
  std::ostringstream out, err;
  ASSERT_EQ(runWorkspaceCreate(fs, o, out, err), 0) << err.str();
  std::string token = out.str();
  ASSERT_EQ(token.size(), 37u);
  token.pop_back();
  EXPECT_TRUE(isValidToken(token)) << token;
  EXPECT_THAT(err.str(), HasSubstr("SIGHUP"));

  std::ostringstream out2, err2;
  EXPECT_EQ(runWorkspaceCreate(fs, o, out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("already exists"));

  std::ostringstream list, err3;
  ASSERT_EQ(runWorkspaceList(fs, o, list, err3), 0);
  auto store = WorkspaceStore::open(fs, "/d");
  ASSERT_TRUE(store.isOk());
  auto team = (*store)->byName("team");
  auto def = (*store)->byName("default");
  ASSERT_TRUE(team && def);
  const std::string want =
      "NAME     ID                                     TOKEN                                 "
      "CREATED\n"
      "default  " +
      def->id + "  " + def->token + "  " + formatUtc(def->created_ns) + "\n" + "team     " +
      team->id + "  " + token + "  " + formatUtc(team->created_ns) + "\n";
  EXPECT_EQ(list.str(), want);

  std::ostringstream out4, err4;
  ASSERT_EQ(runWorkspaceDelete(fs, o, out4, err4), 0) << err4.str();
  EXPECT_EQ(out4.str(), "deleted workspace team\n");
  std::ostringstream out5, err5;
  EXPECT_EQ(runWorkspaceDelete(fs, o, out5, err5), 1);
  EXPECT_THAT(err5.str(), HasSubstr("no workspace named \"team\""));
}

TEST(WorkspaceCli, DefaultNeedsForce) {
  testing::MemFileSystem fs;
  WorkspaceCliOptions o;
  o.data_dir = "/d";
  o.name = "default";
  std::ostringstream out, err;
  EXPECT_EQ(runWorkspaceDelete(fs, o, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("--force"));
  o.force = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(runWorkspaceDelete(fs, o, out2, err2), 0) << err2.str();
  EXPECT_FALSE(fs.exists("/d/default.token"));
}

TEST(WorkspaceCli, BadNameAndCorruptFile) {
  testing::MemFileSystem fs;
  WorkspaceCliOptions o;
  o.data_dir = "/d";
  o.name = "Bad Name";
  std::ostringstream out, err;
  EXPECT_EQ(runWorkspaceCreate(fs, o, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("invalid workspace name"));
  EXPECT_EQ(out.str(), "");

  ASSERT_TRUE(writeFileAtomically(fs, "/d/workspaces.json", "{oops").isOk());
  std::ostringstream out2, err2;
  EXPECT_EQ(runWorkspaceList(fs, o, out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("/d/workspaces.json: not valid JSON"));
}

}  // namespace
}  // namespace sextant::server::workspace

// `sextant workspace ...` end to end: the built binary on a temp data directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"
#include "server/workspace/workspace_store.h"

namespace sextant::server::workspace {
namespace {

using ::testing::HasSubstr;

struct ProcessRun {
  int exit_code = -1;
  std::string output;  // stdout, then stderr when `with_stderr`
};

ProcessRun sextant(const std::string& args, bool with_stderr = false) {
  std::string cmd =
      std::string(SEXTANT_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  ProcessRun run;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) run.output.append(buf, n);
  int status = ::pclose(p);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

using ::sextant::testing::readFile;

TEST(WorkspaceCliProcess, CreateListDelete) {
  sextant::testing::TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string dir = tmp.path() + "/data";

  ProcessRun created = sextant("workspace create team-a --data-dir " + dir);
  ASSERT_EQ(created.exit_code, 0);
  ASSERT_EQ(created.output.size(), 37u) << created.output;
  const std::string token = created.output.substr(0, 36);
  EXPECT_TRUE(isValidToken(token)) << token;
  EXPECT_EQ(created.output.back(), '\n');

  // First start happened too: default exists and its token is in default.token.
  const std::string default_token = readFile(dir + "/default.token");
  ASSERT_EQ(default_token.size(), 37u);
  EXPECT_NE(default_token.substr(0, 36), token);

  ProcessRun listed = sextant("workspace list --data-dir " + dir);
  ASSERT_EQ(listed.exit_code, 0);
  std::istringstream lines(listed.output);
  std::string header, first, second, extra;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header.substr(0, 9), "NAME     ");
  EXPECT_THAT(header, HasSubstr("ID"));
  EXPECT_THAT(header, HasSubstr("TOKEN"));
  EXPECT_THAT(header, HasSubstr("CREATED"));
  EXPECT_EQ(first.substr(0, 9), "default  ");
  EXPECT_THAT(first, HasSubstr(default_token.substr(0, 36)));
  EXPECT_EQ(second.substr(0, 9), "team-a   ");
  EXPECT_THAT(second, HasSubstr(token));
  EXPECT_THAT(second, HasSubstr(" wksp_"));

  ProcessRun dup = sextant("workspace create team-a --data-dir " + dir, /*with_stderr=*/true);
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_THAT(dup.output, HasSubstr("already exists"));

  ProcessRun deleted = sextant("workspace delete team-a --data-dir " + dir);
  EXPECT_EQ(deleted.exit_code, 0);
  EXPECT_EQ(deleted.output, "deleted workspace team-a\n");
  ProcessRun again = sextant("workspace list --data-dir " + dir);
  EXPECT_THAT(again.output, ::testing::Not(HasSubstr("team-a")));

  ProcessRun refuse = sextant("workspace delete default --data-dir " + dir, true);
  EXPECT_EQ(refuse.exit_code, 1);
  EXPECT_THAT(refuse.output, HasSubstr("--force"));
  EXPECT_EQ(sextant("workspace delete default --force --data-dir " + dir).exit_code, 0);
}

TEST(WorkspaceCliProcess, UsageErrorsAndHelp) {
  ProcessRun help = sextant("workspace --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("create"));
  EXPECT_THAT(help.output, HasSubstr("list"));
  EXPECT_THAT(help.output, HasSubstr("delete"));
  ProcessRun create_help = sextant("workspace create --help");
  EXPECT_THAT(create_help.output, HasSubstr("--data-dir"));
  // --data-dir is required.
  EXPECT_NE(sextant("workspace list").exit_code, 0);
  EXPECT_NE(sextant("workspace create").exit_code, 0);

  sextant::testing::TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  { std::ofstream(tmp.path() + "/workspaces.json") << "{\"format\":\"something else\"}"; }
  ProcessRun corrupt = sextant("workspace list --data-dir " + tmp.path(), true);
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_THAT(corrupt.output, HasSubstr(tmp.path() + "/workspaces.json: "));
}

}  // namespace
}  // namespace sextant::server::workspace

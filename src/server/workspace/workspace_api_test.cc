#include "server/workspace/workspace_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/crc32c.h"
#include "core/testing/mem_file_system.h"

namespace sextant::server::workspace {
namespace {

constexpr char kToken[] = "tkn_00112233445566778899aabbccddeeff";
constexpr char kOtherToken[] = "tkn_ffeeddccbbaa99887766554433221100";

const char kMissingBody[] =
    R"({"code":401,"errorCode":"dataway.emptyToken","message":"token missing: pass ?token=tkn_... or an Authorization: Bearer header"})";
const char kNotFoundBody[] =
    R"({"code":403,"errorCode":"kodo.tokenNotFound","message":"token not found"})";

class WorkspaceApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two workspaces with known ids and tokens, written by hand (format: README.md).
    const std::string canonical =
        R"([{"id":"wksp_0123456789abcdef0123456789abcdef","name":"default","token":")" +
        std::string(kToken) +
        R"(","created_ns":1763750000123456789},{"id":"wksp_fedcba9876543210fedcba9876543210","name":"other","token":")" +
        kOtherToken + R"(","created_ns":5}])";
    ASSERT_TRUE(fs_.createDirs("/d").isOk());
    ASSERT_TRUE(writeFileAtomically(fs_, "/d/workspaces.json",
                                    R"({"format":"sextant-workspaces","version":1,"crc32c":)" +
                                        std::to_string(crc32c(canonical)) + R"(,"workspaces":)" +
                                        canonical + "}")
                    .isOk());
    auto store = WorkspaceStore::open(fs_, "/d");
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(store).value();
  }

  static net::HttpRequest request(std::string target) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = net::parseQuery(target.substr(q + 1));
    return req;
  }

  testing::MemFileSystem fs_;
  std::unique_ptr<WorkspaceStore> store_;
};

TEST_F(WorkspaceApiTest, MissingTokenIs401) {
  for (std::string target : {"/v1/workspace", "/v1/workspace?token="}) {
    net::HttpRequest req = request(target);
    Result<Workspace> ws = authenticate(req, *store_);
    ASSERT_FALSE(ws.isOk());
    net::HttpResponse resp = authFailure(ws.status());
    EXPECT_EQ(resp.status, 401);
    EXPECT_EQ(resp.content_type, "application/json");
    EXPECT_EQ(resp.body, kMissingBody);
    ASSERT_EQ(resp.headers.size(), 1u);
    EXPECT_EQ(resp.headers[0].first, "X-Content-Type-Options");
    EXPECT_EQ(resp.headers[0].second, "nosniff");
  }
  net::HttpRequest basic = request("/v1/workspace");
  basic.headers.emplace_back("Authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(authFailure(authenticate(basic, *store_).status()).status, 401);
}

TEST_F(WorkspaceApiTest, UnknownTokenIs403) {
  for (std::string token :
       {std::string("tkn_00000000000000000000000000000000"), std::string("nonsense"),
        std::string(kToken) + "0", std::string(kToken).substr(0, 35)}) {
    net::HttpRequest req = request("/v1/write/metric?token=" + token);
    Result<Workspace> ws = authenticate(req, *store_);
    ASSERT_FALSE(ws.isOk()) << token;
    net::HttpResponse resp = authFailure(ws.status());
    EXPECT_EQ(resp.status, 403);
    EXPECT_EQ(resp.body, kNotFoundBody);
  }
}

TEST_F(WorkspaceApiTest, TokenFromQueryOrBearer) {
  Result<Workspace> by_query =
      authenticate(request(std::string("/x?a=1&token=") + kToken), *store_);
  ASSERT_TRUE(by_query.isOk());
  EXPECT_EQ(by_query->name, "default");

  for (std::string header :
       {std::string("Bearer ") + kOtherToken, std::string("bearer  ") + kOtherToken + " "}) {
    net::HttpRequest req = request("/api/v1/query");
    req.headers.emplace_back("authorization", header);
    Result<Workspace> by_bearer = authenticate(req, *store_);
    ASSERT_TRUE(by_bearer.isOk()) << header;
    EXPECT_EQ(by_bearer->name, "other");
    EXPECT_EQ(by_bearer->id, "wksp_fedcba9876543210fedcba9876543210");
  }

  // ?token= wins over the header, even when wrong: one request, one identity.
  net::HttpRequest both = request("/x?token=tkn_00000000000000000000000000000000");
  both.headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
  EXPECT_EQ(authFailure(authenticate(both, *store_).status()).status, 403);
}

TEST_F(WorkspaceApiTest, CheckToken) {
  net::HttpRequest ok = request(std::string("/v1/check/token/") + kToken);
  ok.path_params.emplace_back("token", kToken);
  net::HttpResponse resp = handleCheckToken(ok, *store_);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, R"({"code":200,"errorCode":"","message":""})");

  net::HttpRequest bad = request("/v1/check/token/tkn_00000000000000000000000000000000");
  bad.path_params.emplace_back("token", "tkn_00000000000000000000000000000000");
  resp = handleCheckToken(bad, *store_);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(resp.body, kNotFoundBody);
}

TEST_F(WorkspaceApiTest, WorkspaceInfoAnswersForTheTokensOwnWorkspace) {
  net::HttpResponse resp =
      handleWorkspaceInfo(request(std::string("/v1/workspace?token=") + kToken), *store_);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.content_type, "application/json");
  EXPECT_EQ(
      resp.body,
      R"({"content":[{"token":{"ws_uuid":"wksp_0123456789abcdef0123456789abcdef","ws_name":"default","bill_state":"normal","ver_type":"pay","token":"tkn_00112233445566778899aabbccddeeff","db_uuid":"","status":0,"creator":"","expire_at":-1,"create_at":1763750000,"update_at":1763750000,"delete_at":0},"data_usage":{"data_metric":0,"data_logging":0,"data_tracing":0,"data_rum":0,"is_over_usage":false}}]})");

  // DataKit POSTs all its tokens; only the query token's workspace is answered.
  net::HttpRequest post = request(std::string("/v1/workspace?token=") + kOtherToken);
  post.method = "POST";
  post.body = std::string(R"({"token":[")") + kOtherToken + R"(",")" + kToken + R"("]})";
  resp = handleWorkspaceInfo(post, *store_);
  EXPECT_EQ(resp.status, 200);
  EXPECT_NE(resp.body.find(R"("ws_name":"other")"), std::string::npos);
  EXPECT_EQ(resp.body.find(kToken), std::string::npos);

  EXPECT_EQ(handleWorkspaceInfo(request("/v1/workspace"), *store_).status, 401);
  resp = handleWorkspaceInfo(request("/v1/workspace?token=tkn_x"), *store_);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(resp.body, kNotFoundBody);
}

TEST_F(WorkspaceApiTest, RoutesAreRegistered) {
  net::Router router;
  addWorkspaceRoutes(router, *store_);
  net::HttpRequest check = request(std::string("/v1/check/token/") + kToken);
  const net::Handler* h = router.match(check);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ((*h)(check).status, 200);
  for (const char* method : {"GET", "POST"}) {
    net::HttpRequest info = request(std::string("/v1/workspace?token=") + kToken);
    info.method = method;
    h = router.match(info);
    ASSERT_NE(h, nullptr) << method;
    EXPECT_EQ((*h)(info).status, 200);
  }
}

}  // namespace
}  // namespace sextant::server::workspace

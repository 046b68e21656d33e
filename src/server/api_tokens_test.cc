#include "server/api_tokens.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

core::HttpRequest WithToken(std::string_view token) {
  core::HttpRequest r;
  r.method = "POST";
  r.path = "/api/v2/silences";
  if (!token.empty()) r.headers.emplace_back("Authorization", std::string("Bearer ") + std::string(token));
  return r;
}

TEST(ApiTokensTest, Sha256OfKnownValue) {
  EXPECT_EQ(Sha256Hex("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST(ApiTokensTest, ScopesAreEnforced) {
  ::setenv("QUELL_TEST_INGEST_TOKEN", "ingest-secret", 1);
  std::string yaml = "tokens:\n"
                     "  - name: oncall\n"
                     "    sha256: " + Sha256Hex("oncall-secret") + "\n"
                     "    scopes: [read, silence]\n"
                     "  - name: prometheus\n"
                     "    token: {env: QUELL_TEST_INGEST_TOKEN}\n"
                     "    scopes: [ingest]\n"
                     "  - name: root\n"
                     "    sha256: " + Sha256Hex("root-secret") + "\n"
                     "    scopes: [admin]\n";
  ASSERT_OK_AND_ASSIGN(ApiTokens tokens, ApiTokens::LoadString(yaml, "tokens.yaml"));
  EXPECT_TRUE(tokens.enabled());

  auto d = tokens.Authorize(WithToken(""), Scope::kSilence);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.refusal->status, 401);

  d = tokens.Authorize(WithToken("wrong"), Scope::kSilence);
  EXPECT_EQ(d.refusal->status, 401);

  d = tokens.Authorize(WithToken("oncall-secret"), Scope::kSilence);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.principal, "oncall");

  d = tokens.Authorize(WithToken("ingest-secret"), Scope::kSilence);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.refusal->status, 403);
  EXPECT_THAT(d.refusal->body, HasSubstr("lacks scope silence"));
  EXPECT_THAT(d.refusal->body, ::testing::Not(HasSubstr("ingest-secret")));

  d = tokens.Authorize(WithToken("root-secret"), Scope::kGate);
  EXPECT_TRUE(d.allowed);
}

TEST(ApiTokensTest, RequireWrapsHandlersAndSetsPrincipal) {
  std::string yaml = "tokens:\n  - name: oncall\n    sha256: " + Sha256Hex("t1") + "\n    scopes: [silence]\n";
  ASSERT_OK_AND_ASSIGN(ApiTokens tokens, ApiTokens::LoadString(yaml, "tokens.yaml"));
  int calls = 0;
  core::HttpHandler h = tokens.Require(Scope::kSilence, [&](const core::HttpRequest& r) {
    ++calls;
    return core::HttpResponse::Json(200, std::string("{\"who\":\"") + std::string(r.Header("X-Quell-Principal")) + "\"}");
  });
  core::HttpRequest forged = WithToken("t1");
  forged.headers.emplace_back("X-Quell-Principal", "admin");
  core::HttpResponse ok = h(forged);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"who":"oncall"})");
  EXPECT_EQ(h(WithToken("nope")).status, 401);
  EXPECT_EQ(calls, 1);
}

TEST(ApiTokensTest, DisabledAllowsEverything) {
  ApiTokens none;
  EXPECT_TRUE(none.Authorize(WithToken(""), Scope::kAdmin).allowed);
}

TEST(ApiTokensTest, BadFilesPointAtTheLine) {
  EXPECT_THAT(ApiTokens::LoadString("tokens:\n  - name: a\n    sha256: zz\n    scopes: [read]\n", "t.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.yaml:3:13: sha256: want 64 hex digits")));
  EXPECT_THAT(ApiTokens::LoadString("tokens:\n  - name: a\n    token: literal\n    scopes: [read]\n", "t.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("never literal")));
  EXPECT_THAT(ApiTokens::LoadString("tokens:\n  - name: a\n    sha256: " + Sha256Hex("x") + "\n    scopes: [write]\n", "t.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown scope \"write\"")));
}

}  // namespace
}  // namespace quell::server

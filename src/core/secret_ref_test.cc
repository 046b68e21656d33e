#include "core/secret_ref.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::core {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SecretRefTest, LiteralSecretsAreRejected) {
  auto root = YamlNode::LoadString("routing_key: abcdef0123456789\n", "r.yaml");
  ASSERT_TRUE(root.ok());
  auto ref = ParseSecretRef(*root->Child("routing_key"), "routing_key");
  EXPECT_THAT(ref, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("r.yaml:1:14: routing_key: must be a reference")));
  EXPECT_THAT(std::string(ref.status().message()), Not(HasSubstr("abcdef0123456789")));
}

TEST(SecretRefTest, ResolvesEnvAndFile) {
  ::setenv("QUELL_TEST_SECRET", "s3cret", 1);
  auto root = YamlNode::LoadString("a: {env: QUELL_TEST_SECRET}\nb: {file: /tmp/quell_secret_ref_test}\nc: {env: QUELL_UNSET_VAR_X}\n", "s.yaml");
  ASSERT_TRUE(root.ok());
  {
    std::ofstream f("/tmp/quell_secret_ref_test");
    f << "from-file\n";
  }
  auto a = ParseSecretRef(*root->Child("a"), "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a->Resolve(), "s3cret");
  EXPECT_EQ(a->ToString(), "env:QUELL_TEST_SECRET");
  auto b = ParseSecretRef(*root->Child("b"), "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->Resolve(), "from-file");
  auto c = ParseSecretRef(*root->Child("c"), "c");
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->Resolve(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("s.yaml:3:4")));
}

}  // namespace
}  // namespace quell::core

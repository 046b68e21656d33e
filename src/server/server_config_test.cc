#include "server/server_config.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "fmt/format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<ServerConfig> Parse(std::string_view yaml) {
  auto node = core::YamlNode::LoadString(yaml, "quell.yaml");
  if (!node.ok()) return node.status();
  return ParseServerConfig(*node);
}

TEST(ServerConfigTest, Defaults) {
  auto node = core::YamlNode::LoadString("~", "quell.yaml");
  ASSERT_THAT(node, IsOk());
  auto cfg = ParseServerConfig(*node);
  ASSERT_THAT(cfg, IsOk());
  EXPECT_EQ(cfg->address, "127.0.0.1");
  EXPECT_EQ(cfg->port, 9797);
  EXPECT_EQ(cfg->io_threads, 2);
  EXPECT_FALSE(cfg->otlp_grpc.has_value());  // OTLP/gRPC only when asked for.
}

TEST(ServerConfigTest, OtlpGrpcListen) {
  auto cfg = Parse("otlp_grpc_listen: \"0.0.0.0:4317\"\n");
  ASSERT_THAT(cfg, IsOk());
  ASSERT_TRUE(cfg->otlp_grpc.has_value());
  EXPECT_EQ(cfg->otlp_grpc->address, "0.0.0.0");
  EXPECT_EQ(cfg->otlp_grpc->port, 4317);
  EXPECT_THAT(Parse("listen: \"127.0.0.1:9797\"\notlp_grpc_listen: \"4317\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:2:19: server.otlp_grpc_listen")));
}

TEST(ServerConfigTest, ParsesEverything) {
  auto cfg = Parse(R"(
listen: "[::1]:0"
io_threads: 4
idle_timeout: 90s
header_timeout: 2s
read_timeout: 5s
write_timeout: 6s
max_body_bytes: 1024
max_header_bytes: 2048
shutdown_grace: 0s
)");
  ASSERT_THAT(cfg, IsOk());
  EXPECT_EQ(cfg->address, "::1");
  EXPECT_EQ(cfg->port, 0);
  EXPECT_EQ(cfg->io_threads, 4);
  EXPECT_EQ(cfg->idle_timeout, absl::Seconds(90));
  EXPECT_EQ(cfg->header_timeout, absl::Seconds(2));
  EXPECT_EQ(cfg->read_timeout, absl::Seconds(5));
  EXPECT_EQ(cfg->write_timeout, absl::Seconds(6));
  EXPECT_EQ(cfg->max_body_bytes, 1024u);
  EXPECT_EQ(cfg->max_header_bytes, 2048u);
  EXPECT_EQ(cfg->shutdown_grace, absl::ZeroDuration());
}

TEST(ServerConfigTest, ErrorsPointAtTheLine) {
  EXPECT_THAT(Parse("listen: \"localhost\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:1:9: server.listen:")));
  EXPECT_THAT(Parse("listen: \"127.0.0.1:99999\"\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                               HasSubstr("port must be 0..65535")));
  EXPECT_THAT(Parse("io_threads: 1\nbogus: 1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:2:1: server: unknown key \"bogus\"")));
  EXPECT_THAT(Parse("io_threads: 0\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1..64")));
  EXPECT_THAT(Parse("read_timeout: 0s\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("read_timeout: must be positive")));
  EXPECT_THAT(Parse("tls:\n  cert_file: /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:2:14: server.tls.cert_file: cannot read")));
  EXPECT_THAT(Parse("tls:\n  cert: /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:2:3: server.tls: unknown key \"cert\"")));
}

// gRPC 1.51 cannot hold its listener to TLS 1.3: a config asking for both is refused, not served
// weaker than it says.
TEST(ServerConfigTest, Tls13IsRefusedWithTheGrpcListener) {
  const std::string pem = ::testing::TempDir() + "/server_config_test.pem";
  { std::ofstream(pem) << "not parsed here\n"; }
  const std::string tls = fmt::format("tls:\n  cert_file: {0}\n  key_file: {0}\n  min_version: \"1.3\"\n", pem);
  EXPECT_THAT(Parse(tls), IsOk());  // HTTPS alone applies TLS 1.3.
  EXPECT_THAT(Parse(tls + "otlp_grpc_listen: \"127.0.0.1:4317\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("quell.yaml:4:16: server.tls.min_version: \"1.3\" cannot be applied to "
                                 "server.otlp_grpc_listen")));
  std::string tls12 = tls;
  tls12.replace(tls12.find("1.3"), 3, "1.2");
  EXPECT_THAT(Parse(tls12 + "otlp_grpc_listen: \"127.0.0.1:4317\"\n"), IsOk());
  std::remove(pem.c_str());
}

TEST(ServerConfigTest, ListenAddressForms) {
  std::string addr;
  uint16_t port = 1;
  ASSERT_THAT(ParseListenAddress(":8080", &addr, &port), IsOk());
  EXPECT_EQ(addr, "0.0.0.0");
  EXPECT_EQ(port, 8080);
  EXPECT_THAT(ParseListenAddress("::1:80", &addr, &port), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseListenAddress("h:", &addr, &port), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace quell::server

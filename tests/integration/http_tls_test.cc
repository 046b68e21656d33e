// tests/integration/http_tls_test.cc
//
// server.tls on the real listener, exercised with a real TLS client (libcurl over OpenSSL) on
// loopback: certificate verification against the test CA, keep-alive over TLS, mutual TLS that
// refuses a client without a certificate, plain HTTP refused on the TLS port, and the config and
// start-up errors (unreadable file with file:line:col, key not matching the certificate).
// Test certificates: tests/data/tls/README.md.
#include <curl/curl.h>

#include <string>

#include "core/yaml_node.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/http_server.h"
#include "server/router.h"
#include "server/server_config.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

std::string Data(const std::string& name) { return ::quell::testing::SourcePath("tests/data/tls/" + name); }

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  long connects = 0;  // New connections this handle opened (keep-alive check).
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// GETs `url` with libcurl; `client_cert` empty = no client certificate. Reuses `curl` when given.
CurlResult Get(CURL* curl, const std::string& url, const std::string& ca, const std::string& client_cert = "",
               const std::string& client_key = "") {
  CurlResult r;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  if (!ca.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  if (!client_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, client_cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, client_key.c_str());
  }
  r.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &r.connects);
  return r;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(router_.Route("GET", "/ping", [](const core::HttpRequest&) {
      return core::HttpResponse::Json(200, R"({"pong":true})");
    }), IsOk());
    curl_ = curl_easy_init();
    ASSERT_NE(curl_, nullptr);
  }
  void TearDown() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
    if (server_) server_->Stop();
  }

  void Start(const std::string& yaml_tls) {
    auto node = core::YamlNode::LoadString("listen: 127.0.0.1:0\ntls:\n" + yaml_tls, "quell.yaml");
    ASSERT_THAT(node.status(), IsOk());
    auto cfg = ParseServerConfig(*node);
    ASSERT_THAT(cfg.status(), IsOk());
    server_ = std::make_unique<HttpServer>(*cfg, &router_);
    ASSERT_THAT(server_->Start(), IsOk());
  }
  std::string Url(const std::string& scheme = "https") const {
    return fmt::format("{}://localhost:{}/ping", scheme, server_->port());
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  CURL* curl_ = nullptr;
};

std::string ServerTls() {
  return fmt::format("  cert_file: {}\n  key_file: {}\n", Data("server.crt"), Data("server.key"));
}

TEST_F(HttpTlsTest, ServesHttpsVerifiedAgainstTheCaAndKeepsConnectionsAlive) {
  Start(ServerTls());
  CurlResult first = Get(curl_, Url(), Data("ca.crt"));
  ASSERT_EQ(first.code, CURLE_OK) << curl_easy_strerror(first.code);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"pong":true})");
  EXPECT_EQ(first.connects, 1);
  CurlResult second = Get(curl_, Url(), Data("ca.crt"));
  ASSERT_EQ(second.code, CURLE_OK) << curl_easy_strerror(second.code);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.connects, 0) << "the second request should reuse the TLS connection";
  EXPECT_EQ(server_->stats().connections_accepted.load(), 1u);
}

TEST_F(HttpTlsTest, ClientThatDoesNotTrustTheCertificateFailsVerification) {
  Start(ServerTls());
  // The system trust store does not hold the test CA.
  curl_easy_setopt(curl_, CURLOPT_CAINFO, Data("client.crt").c_str());  // Some other certificate.
  CurlResult r = Get(curl_, Url(), "");
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 0);
}

TEST_F(HttpTlsTest, PlainHttpOnTheTlsPortGetsNoHttpAnswer) {
  Start(ServerTls());
  CurlResult r = Get(curl_, Url("http"), "");
  // The server expects a ClientHello; an HTTP request is a failed handshake and the connection closes.
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(server_->stats().requests_total.load(), 0u);
}

TEST_F(HttpTlsTest, MutualTlsRefusesClientsWithoutACertificateAndServesThoseWithOne) {
  Start(ServerTls() + fmt::format("  client_ca_file: {}\n  min_version: \"1.2\"\n", Data("ca.crt")));
  CurlResult without = Get(curl_, Url(), Data("ca.crt"));
  EXPECT_NE(without.code, CURLE_OK);
  EXPECT_EQ(without.status, 0);

  CURL* other = curl_easy_init();
  CurlResult with = Get(other, Url(), Data("ca.crt"), Data("client.crt"), Data("client.key"));
  curl_easy_cleanup(other);
  ASSERT_EQ(with.code, CURLE_OK) << curl_easy_strerror(with.code);
  EXPECT_EQ(with.status, 200);
  EXPECT_GE(server_->stats().tls_handshake_failures.load(), 1u);
}

TEST_F(HttpTlsTest, Tls13OnlyRefusesATls12Client) {
  Start(ServerTls() + "  min_version: \"1.3\"\n");
  curl_easy_setopt(curl_, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2));
  CurlResult r = Get(curl_, Url(), Data("ca.crt"));
  EXPECT_NE(r.code, CURLE_OK);
  CURL* other = curl_easy_init();
  CurlResult ok = Get(other, Url(), Data("ca.crt"));
  curl_easy_cleanup(other);
  EXPECT_EQ(ok.code, CURLE_OK) << curl_easy_strerror(ok.code);
  EXPECT_EQ(ok.status, 200);
}

TEST(HttpTlsConfigTest, UnreadableFileIsAConfigErrorWithItsPosition) {
  auto node = core::YamlNode::LoadString("tls:\n  cert_file: /nonexistent/server.crt\n  key_file: /x\n", "quell.yaml");
  ASSERT_THAT(node.status(), IsOk());
  EXPECT_THAT(ParseServerConfig(*node).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("quell.yaml:2:14: server.tls.cert_file: cannot read \"/nonexistent/server.crt\"")));
}

TEST(HttpTlsConfigTest, MissingKeyFileAndBadVersionAreErrors) {
  auto a = core::YamlNode::LoadString(fmt::format("tls:\n  cert_file: {}\n", Data("server.crt")), "quell.yaml");
  ASSERT_THAT(a.status(), IsOk());
  EXPECT_THAT(ParseServerConfig(*a).status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                                       HasSubstr("server.tls.key_file: required")));
  auto b = core::YamlNode::LoadString("tls:\n" + ServerTls() + "  min_version: \"1.1\"\n", "quell.yaml");
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_THAT(ParseServerConfig(*b).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be \"1.2\" or \"1.3\"")));
}

TEST(HttpTlsConfigTest, KeyThatDoesNotMatchTheCertificateFailsStart) {
  auto node = core::YamlNode::LoadString(
      fmt::format("listen: 127.0.0.1:0\ntls:\n  cert_file: {}\n  key_file: {}\n", Data("server.crt"),
                  Data("client.key")),
      "quell.yaml");
  ASSERT_THAT(node.status(), IsOk());
  auto cfg = ParseServerConfig(*node);
  ASSERT_THAT(cfg.status(), IsOk());
  Router router;
  HttpServer server(*cfg, &router);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not match")));
}

}  // namespace
}  // namespace quell::server

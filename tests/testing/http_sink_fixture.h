// tests/testing/http_sink_fixture.h
//
// HttpSinkTest: the fixture the HTTP receiver tests (PagerDuty, Slack, webhook) share: a fake
// endpoint on loopback (FakeHttpEndpoint), a ManualClock, one HttpClient for the sink under test,
// DeliverSync (one attempt, waited for with a deadline) and the helpers every sink test needs:
// the integration under test built as production builds it (BuildOne), secret references to
// environment variables and the shared no-secret-in-errors check.
//
// Header-only: the tests that include it link quell_sinks (quell_testing does not).
#ifndef QUELL_TESTS_TESTING_HTTP_SINK_FIXTURE_H_
#define QUELL_TESTS_TESTING_HTTP_SINK_FIXTURE_H_

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/secret_ref.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/http_client.h"
#include "sinks/receiver.h"
#include "sinks/secret_check.h"
#include "tests/testing/fake_http_endpoint.h"
#include "tests/testing/one_receiver.h"
#include "tests/testing/status_matchers.h"

namespace quell::testing {

class HttpSinkTest : public ::testing::Test {
 protected:
  explicit HttpSinkTest(sinks::HttpClientOptions options = {})
      : http_(std::make_shared<sinks::HttpClient>(options)) {}

  // Starts one attempt and waits (20 s deadline) for its outcome.
  static sinks::DeliveryOutcome DeliverSync(sinks::Receiver& r, const core::Notification& n) {
    std::promise<sinks::DeliveryOutcome> p;
    auto f = p.get_future();
    r.Deliver(n, [&p](sinks::DeliveryOutcome o) { p.set_value(std::move(o)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "no outcome within 20s";
    return f.get();
  }

  // The one integration of `receiver`, as BuildReceivers builds it (BuildOneReceiver), on the
  // fixture's clock and on `http` (default: the fixture's client).
  std::unique_ptr<sinks::Receiver> BuildOne(sinks::ReceiverConfig receiver,
                                            std::shared_ptr<sinks::HttpClient> http = nullptr) {
    sinks::ReceiverDeps deps;
    deps.clock = &clock_;
    deps.http = http ? std::move(http) : http_;
    return BuildOneReceiver(std::move(receiver), std::move(deps));
  }

  // Sets the environment variable `name` to `value` and returns a reference to it.
  static core::SecretRef EnvSecret(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    return core::SecretRef{core::SecretRef::Kind::kEnv, name, {}};
  }

  // The shared check: no secret (and no fake endpoint URL, which stands for one) in `status`.
  void ExpectNoSecrets(const absl::Status& status, std::vector<std::string> secrets) const {
    secrets.push_back(fake_.url());
    EXPECT_THAT(sinks::CheckNoSecretIn(status, secrets), IsOk());
  }

  core::ManualClock clock_;
  FakeHttpEndpoint fake_;
  std::shared_ptr<sinks::HttpClient> http_;
};

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_HTTP_SINK_FIXTURE_H_

// tests/testing/one_receiver.h
//
// BuildOneReceiver: the integration of a receiver config that holds exactly one, built as
// BuildReceivers builds every integration for the Dispatcher (secrets resolved; send_resolved
// applied around the sink by SendResolvedReceiver), so a sink test exercises what production
// runs. Fails the current test and returns nullptr when the config does not build into exactly
// one receiver.
//
// Header-only: the tests that include it link quell_sinks (quell_testing does not).
#ifndef QUELL_TESTS_TESTING_ONE_RECEIVER_H_
#define QUELL_TESTS_TESTING_ONE_RECEIVER_H_

#include <memory>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/receiver.h"
#include "sinks/receiver_factory.h"
#include "sinks/sinks_config.h"
#include "tests/testing/status_matchers.h"

namespace quell::testing {

inline std::unique_ptr<sinks::Receiver> BuildOneReceiver(sinks::ReceiverConfig receiver,
                                                         sinks::ReceiverDeps deps = {}) {
  sinks::SinksConfig config;
  config.receivers.push_back(std::move(receiver));
  auto set = sinks::BuildReceivers(config, std::move(deps));
  EXPECT_THAT(set, IsOk());
  if (!set.ok()) return nullptr;
  EXPECT_EQ(set->receivers.size(), 1u);
  if (set->receivers.size() != 1) return nullptr;
  return std::move(set->receivers[0]);
}

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_ONE_RECEIVER_H_

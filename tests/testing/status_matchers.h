// tests/testing/status_matchers.h
//
// GoogleTest matchers for absl::Status / StatusOr (Debian 12's Abseil ships none):
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("group_by")));
//   ASSERT_OK_AND_ASSIGN(auto v, Parse(...));
#ifndef QUELL_TESTS_TESTING_STATUS_MATCHERS_H_
#define QUELL_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::quell::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

MATCHER_P(StatusIs, code, "has code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& s = ::quell::testing::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "has code and message") {
  const absl::Status& s = ::quell::testing::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()), result_listener);
}

// Reads a whole file (test fixtures); fails the test when unreadable.
std::string ReadFileOrDie(const std::string& path);
// The repository root (QUELL_SOURCE_DIR) joined with `relative`.
std::string SourcePath(const std::string& relative);

}  // namespace quell::testing

#define QUELL_TESTING_CONCAT_INNER_(a, b) a##b
#define QUELL_TESTING_CONCAT_(a, b) QUELL_TESTING_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(QUELL_TESTING_CONCAT_(quell_sor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)         \
  auto tmp = (expr);                                       \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();        \
  lhs = std::move(tmp).value()
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::quell::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::quell::testing::IsOk())

#endif  // QUELL_TESTS_TESTING_STATUS_MATCHERS_H_

#include "server/audit_log.h"

#include <unistd.h>

#include <cstdio>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::testing::HasSubstr;

TEST(AuditLogTest, AppendsDurablyAndReadsNewestFirst) {
  std::string path = ::testing::TempDir() + "/audit_" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  core::ManualClock clock(core::WallTime::FromUnixNanos(1767225600'000'000'000));
  {
    ASSERT_OK_AND_ASSIGN(auto log, AuditLog::Open(path, &clock));
    ASSERT_OK(log->Append({"silence.create", "oncall", "s-1", {{"comment", "db \"maintenance\""}}}));
    clock.Advance(absl::Seconds(5));
    ASSERT_OK(log->Append({"config.reload", "sighup", "abc123", {}}));
  }
  // Reopen: entries survive and new ones append.
  ASSERT_OK_AND_ASSIGN(auto log, AuditLog::Open(path, &clock));
  ASSERT_OK(log->Append({"silence.expire", "oncall", "s-1", {}}));
  ASSERT_OK_AND_ASSIGN(auto recent, log->Recent(2));
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_THAT(recent[0], HasSubstr(R"("action":"silence.expire")"));
  EXPECT_THAT(recent[1], HasSubstr(R"("time":"2026-01-01T00:00:05Z","action":"config.reload","principal":"sighup")"));

  core::HttpRequest req;
  req.query.emplace_back("limit", "10");
  core::HttpResponse r = log->HandleGet(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"("details":{"comment":"db \"maintenance\""})"));
  req.query[0].second = "x";
  EXPECT_EQ(log->HandleGet(req).status, 400);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace quell::server

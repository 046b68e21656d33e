#include "core/severity.h"

#include "gtest/gtest.h"

namespace quell::core {
namespace {

TEST(SeverityTest, OtelSeverityNumberRanges) {
  EXPECT_EQ(SeverityFromOtelNumber(0), Severity::kUnknown);
  EXPECT_EQ(SeverityFromOtelNumber(1), Severity::kDebug);
  EXPECT_EQ(SeverityFromOtelNumber(8), Severity::kDebug);
  EXPECT_EQ(SeverityFromOtelNumber(9), Severity::kInfo);
  EXPECT_EQ(SeverityFromOtelNumber(13), Severity::kWarning);
  EXPECT_EQ(SeverityFromOtelNumber(17), Severity::kError);
  EXPECT_EQ(SeverityFromOtelNumber(21), Severity::kCritical);
  EXPECT_EQ(SeverityFromOtelNumber(24), Severity::kCritical);
  EXPECT_EQ(SeverityFromOtelNumber(25), Severity::kUnknown);
}

TEST(SeverityTest, DatadogAndLabels) {
  EXPECT_EQ(SeverityFromDatadogStatus("Error"), Severity::kError);
  EXPECT_EQ(SeverityFromDatadogStatus("warning"), Severity::kWarning);
  EXPECT_EQ(SeverityFromDatadogStatus("success"), Severity::kInfo);
  EXPECT_EQ(SeverityFromDatadogStatus("emerg"), Severity::kCritical);
  EXPECT_EQ(SeverityFromDatadogStatus("bogus"), Severity::kUnknown);
  EXPECT_EQ(SeverityFromDatadogPriority("P1"), Severity::kCritical);
  EXPECT_EQ(SeverityFromDatadogPriority("P3"), Severity::kWarning);
  EXPECT_EQ(SeverityFromDatadogPriority("low"), Severity::kInfo);
  EXPECT_EQ(SeverityFromLabel("page"), Severity::kCritical);
  EXPECT_EQ(SeverityFromLabel("warning"), Severity::kWarning);
  EXPECT_EQ(SeverityFromLabel(""), Severity::kUnknown);
  // Case-insensitive; a value longer than any keyword matches none (not a prefix of it).
  EXPECT_EQ(SeverityFromLabel("CRITICAL"), Severity::kCritical);
  EXPECT_EQ(SeverityFromDatadogPriority("p2"), Severity::kError);
  EXPECT_EQ(SeverityFromDatadogStatus("Recommendation"), Severity::kInfo);
  EXPECT_EQ(SeverityFromDatadogStatus("criticalcriticalcritical"), Severity::kUnknown);
  EXPECT_EQ(SeverityFromLabel("informational-and-then-some"), Severity::kUnknown);
  EXPECT_LT(Severity::kWarning, Severity::kCritical);
}

}  // namespace
}  // namespace quell::core

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
  EXPECT_LT(Severity::kWarning, Severity::kCritical);
}

}  // namespace
}  // namespace quell::core

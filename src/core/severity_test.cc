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

// The status keywords are compared a word at a time ignoring case: letters match in either case,
// every other byte exactly, and the length must match.
TEST(SeverityTest, DatadogStatusCaseAndNearMisses) {
  for (std::string_view s : {"error", "ERROR", "eRrOr", "err", "ERR"}) EXPECT_EQ(SeverityFromDatadogStatus(s), Severity::kError) << s;
  for (std::string_view s : {"warning", "WARNING", "Warn"}) EXPECT_EQ(SeverityFromDatadogStatus(s), Severity::kWarning) << s;
  for (std::string_view s : {"info", "Info", "SUCCESS", "user_update", "USER_UPDATE", "recommendation", "OK"}) {
    EXPECT_EQ(SeverityFromDatadogStatus(s), Severity::kInfo) << s;
  }
  for (std::string_view s : {"Emergency", "CRIT", "alert", "Fatal"}) EXPECT_EQ(SeverityFromDatadogStatus(s), Severity::kCritical) << s;
  for (std::string_view s : {"errors", "erro", "error ", "e", "w-rning", "warn!", "infos", "succes", "user-update",
                             "user_updatE_", "okay", "{rror", "@lert"}) {
    EXPECT_EQ(SeverityFromDatadogStatus(s), Severity::kUnknown) << s;
  }
}

TEST(SeverityTest, OtelSeverityText) {
  // The Datadog column.
  EXPECT_EQ(SeverityFromOtelText("ERROR"), Severity::kError);
  EXPECT_EQ(SeverityFromOtelText("Warn"), Severity::kWarning);
  EXPECT_EQ(SeverityFromOtelText("FATAL"), Severity::kCritical);
  // Short names with a level digit map as their first level; other digits and words do not.
  EXPECT_EQ(SeverityFromOtelText("INFO2"), Severity::kInfo);
  EXPECT_EQ(SeverityFromOtelText("error3"), Severity::kError);
  EXPECT_EQ(SeverityFromOtelText("TRACE4"), Severity::kDebug);
  EXPECT_EQ(SeverityFromOtelText("FATAL2"), Severity::kCritical);
  EXPECT_EQ(SeverityFromOtelText("INFO5"), Severity::kUnknown);
  EXPECT_EQ(SeverityFromOtelText("INFO1"), Severity::kUnknown);
  EXPECT_EQ(SeverityFromOtelText("crit2"), Severity::kUnknown);
  EXPECT_EQ(SeverityFromOtelText("2"), Severity::kUnknown);
  // Logging libraries' level names.
  EXPECT_EQ(SeverityFromOtelText("Information"), Severity::kInfo);    // .NET
  EXPECT_EQ(SeverityFromOtelText("informational"), Severity::kInfo);  // syslog
  EXPECT_EQ(SeverityFromOtelText("Verbose"), Severity::kDebug);       // Serilog
  EXPECT_EQ(SeverityFromOtelText("FINEST"), Severity::kDebug);        // java.util.logging
  EXPECT_EQ(SeverityFromOtelText("CONFIG"), Severity::kDebug);
  EXPECT_EQ(SeverityFromOtelText("SEVERE"), Severity::kError);
  EXPECT_EQ(SeverityFromOtelText("DPanic"), Severity::kError);        // zap
  EXPECT_EQ(SeverityFromOtelText(""), Severity::kUnknown);
  EXPECT_EQ(SeverityFromOtelText("Informational-and-then-some"), Severity::kUnknown);
}

}  // namespace
}  // namespace quell::core

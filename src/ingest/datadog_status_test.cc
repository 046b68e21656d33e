#include "ingest/datadog_status.h"

#include "gtest/gtest.h"

namespace quell::ingest {
namespace {

using core::Severity;
using T = DatadogTransition;

TEST(DatadogStatusTest, Transitions) {
  EXPECT_EQ(ParseDatadogTransition("Recovered"), T::kRecovered);
  EXPECT_EQ(ParseDatadogTransition("Triggered on {host:a}"), T::kTriggered);
  EXPECT_EQ(ParseDatadogTransition("re-triggered"), T::kTriggered);
  EXPECT_EQ(ParseDatadogTransition("Renotify"), T::kTriggered);
  EXPECT_EQ(ParseDatadogTransition("Warn"), T::kWarn);
  EXPECT_EQ(ParseDatadogTransition("Re-Warn"), T::kWarn);
  EXPECT_EQ(ParseDatadogTransition("No Data"), T::kNoData);
  EXPECT_EQ(ParseDatadogTransition("P1"), T::kNone);
  EXPECT_EQ(ParseDatadogTransition(""), T::kNone);
  // Case folds letters only: bytes that differ from '-' or ' ' by the case bit do not match them,
  // and neither do near misses, prefixes of a keyword or non-letters that fold onto a letter.
  EXPECT_EQ(ParseDatadogTransition("Re\rTriggered"), T::kNone);
  EXPECT_EQ(ParseDatadogTransition(std::string_view("No\0Data", 7)), T::kNone);
  EXPECT_EQ(ParseDatadogTransition("Triggere"), T::kNone);
  EXPECT_EQ(ParseDatadogTransition("Trigge\x12" "ed"), T::kNone);
  EXPECT_EQ(ParseDatadogTransition("RECOVERED!"), T::kRecovered);
  EXPECT_EQ(ParseDatadogTransition("recovereD"), T::kRecovered);
  EXPECT_EQ(ParseDatadogTransition("recovere"), T::kNone);
  EXPECT_EQ(ParseDatadogTransition("RE-TRIGGERED"), T::kTriggered);
  EXPECT_EQ(ParseDatadogTransition("re-triggereX"), T::kNone);
  EXPECT_EQ(ParseDatadogTransition("ALERT"), T::kTriggered);
  EXPECT_EQ(ParseDatadogTransition("alerX"), T::kNone);
  EXPECT_EQ(DatadogTransitionState(T::kRecovered), core::SignalState::kResolved);
  EXPECT_EQ(DatadogTransitionState(T::kNoData), core::SignalState::kFiring);
  EXPECT_EQ(DatadogTransitionState(T::kNone), core::SignalState::kUnknown);
}

TEST(DatadogStatusTest, SeverityFallsBackFromAlertTypeToPriorityToTransition) {
  EXPECT_EQ(DatadogAlertSeverity("warning", "P1", T::kTriggered), Severity::kWarning);
  EXPECT_EQ(DatadogAlertSeverity("", "P1", T::kWarn), Severity::kCritical);
  EXPECT_EQ(DatadogAlertSeverity("bogus", "P4", T::kNone), Severity::kInfo);
  EXPECT_EQ(DatadogAlertSeverity("", "", T::kTriggered), Severity::kError);
  EXPECT_EQ(DatadogAlertSeverity("", "", T::kWarn), Severity::kWarning);
  EXPECT_EQ(DatadogAlertSeverity("", "", T::kNoData), Severity::kWarning);
  EXPECT_EQ(DatadogAlertSeverity("", "", T::kRecovered), Severity::kInfo);
  EXPECT_EQ(DatadogAlertSeverity("", "", T::kNone), Severity::kUnknown);
}

TEST(DatadogStatusTest, TitlePrefixes) {
  std::string_view text, priority;
  T t = T::kNone;
  ReadDatadogTitlePrefixes("  [P2] [Recovered on {host:a}] CPU high [Triggered]", &text, &t, &priority);
  EXPECT_EQ(text, "Recovered on {host:a}");
  EXPECT_EQ(t, T::kRecovered);
  EXPECT_EQ(priority, "P2");
  text = priority = "unchanged";
  t = T::kNone;
  ReadDatadogTitlePrefixes("CPU high [Triggered]", &text, &t, &priority);
  EXPECT_EQ(text, "unchanged");
  EXPECT_EQ(t, T::kNone);
  EXPECT_EQ(priority, "unchanged");
  // The rest of the title, as the webhook parser names the alert from it.
  std::string_view rest;
  ReadDatadogTitlePrefixes(" [p3]  [RE-TRIGGERED] Disk full [x]", &text, &t, &priority, &rest);
  EXPECT_EQ(rest, "Disk full [x]");
  EXPECT_EQ(t, T::kTriggered);  // Case-insensitive.
  EXPECT_EQ(priority, "p3");
  ReadDatadogTitlePrefixes("[unclosed CPU", &text, &t, &priority, &rest);
  EXPECT_EQ(rest, "[unclosed CPU");
  ReadDatadogTitlePrefixes("[Triggered] CPU", &text, &t, &priority, &rest);
  EXPECT_EQ(rest, "CPU");
  ReadDatadogTitlePrefixes("[P1] [Triggered on {host:a,env:b}] CPU high", &text, &t, &priority, &rest);
  EXPECT_EQ(rest, "CPU high");
  ReadDatadogTitlePrefixes("CPU [x]", &text, &t, &priority, &rest);
  EXPECT_EQ(rest, "CPU [x]");
  // Without outputs for the transition, priority and rest are still read.
  priority = rest = "unchanged";
  ReadDatadogTitlePrefixes("[Triggered] [P4] Disk", nullptr, nullptr, &priority, &rest);
  EXPECT_EQ(priority, "P4");
  EXPECT_EQ(rest, "Disk");
}

}  // namespace
}  // namespace quell::ingest

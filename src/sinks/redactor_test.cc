// src/sinks/redactor_test.cc
#include "sinks/redactor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<Redactor> Make(RedactionConfig c = {}) {
  auto r = Redactor::Create(c);
  EXPECT_THAT(r, IsOk());
  return std::move(*r);
}

TEST(RedactorTest, LuhnAndCardShape) {
  EXPECT_TRUE(LuhnValid("4111 1111 1111 1111"));
  EXPECT_FALSE(LuhnValid("4111 1111 1111 1112"));
  EXPECT_TRUE(LooksLikeCard("4111-1111-1111-1111"));
  EXPECT_TRUE(LooksLikeCard("378282246310005"));     // Amex.
  EXPECT_TRUE(LooksLikeCard("5555555555554444"));    // Mastercard.
  EXPECT_FALSE(LooksLikeCard("1767225600000"));      // Epoch ms (passes no issuer check).
  EXPECT_FALSE(LooksLikeCard("4111111111111112"));   // Luhn fails.
}

TEST(RedactorTest, RedactsBuiltInDetectors) {
  auto r = Make();
  std::string s =
      "patient SSN 123-45-6789 mail jane.doe@example.org call (555) 123-4567 or +1 555 987 6543 "
      "card 4111 1111 1111 1111 MRN: 00123456 e164 +4915112345678";
  EXPECT_TRUE(r->RedactString(&s));
  EXPECT_THAT(s, Not(HasSubstr("123-45-6789")));
  EXPECT_THAT(s, Not(HasSubstr("jane.doe")));
  EXPECT_THAT(s, Not(HasSubstr("123-4567")));
  EXPECT_THAT(s, Not(HasSubstr("987 6543")));
  EXPECT_THAT(s, Not(HasSubstr("4111")));
  EXPECT_THAT(s, Not(HasSubstr("00123456")));
  EXPECT_THAT(s, Not(HasSubstr("15112345678")));
  EXPECT_THAT(s, HasSubstr("[REDACTED:ssn]"));
  EXPECT_THAT(s, HasSubstr("[REDACTED:email]"));
  EXPECT_THAT(s, HasSubstr("[REDACTED:phone]"));
  EXPECT_THAT(s, HasSubstr("[REDACTED:payment_card]"));
  EXPECT_THAT(s, HasSubstr("[REDACTED:mrn]"));
}

TEST(RedactorTest, OrdinaryNumbersSurvive) {
  auto r = Make();
  std::string s = "order 4111111111111112 ts 1767225600000 trace 1234567890123456789 latency 12345 ms v1.2.3";
  std::string before = s;
  EXPECT_FALSE(r->RedactString(&s));
  EXPECT_EQ(s, before);
}

TEST(RedactorTest, ExtraPatternsAndDisabledDetectors) {
  RedactionConfig c;
  c.email = false;
  c.patterns.push_back({"badge", R"(B-\d{6})"});
  auto r = Make(c);
  std::string s = "a@b.io badge B-123456";
  EXPECT_TRUE(r->RedactString(&s));
  EXPECT_EQ(s, "a@b.io badge [REDACTED:badge]");
}

TEST(RedactorTest, DisabledRedactsNothing) {
  RedactionConfig c;
  c.enabled = false;
  auto r = Make(c);
  std::string s = "123-45-6789";
  EXPECT_FALSE(r->RedactString(&s));
}

TEST(RedactorTest, NotificationFieldsAndAllowList) {
  RedactionConfig c;
  c.allow_fields = {"labels.contact"};
  auto r = Make(c);
  core::Notification n;
  n.dedup_key = "4111111111111111";  // Identifiers are never redacted.
  n.summary = "Lab result for 123-45-6789";
  n.common_labels = core::LabelSet{{"alertname", "X"}, {"contact", "ops@example.com"}, {"patient", "jd@example.com"}};
  core::NotifiedAlert a;
  a.annotations = core::LabelSet{{"description", "MRN 12345678 failed"}};
  n.alerts.push_back(a);
  n.impacted_services = {"svc 555-123-4567"};
  EXPECT_GT(r->RedactNotification(&n), 0);
  EXPECT_EQ(n.dedup_key, "4111111111111111");
  EXPECT_EQ(n.summary, "Lab result for [REDACTED:ssn]");
  EXPECT_EQ(n.common_labels.Get("contact"), "ops@example.com");
  EXPECT_EQ(n.common_labels.Get("patient"), "[REDACTED:email]");
  EXPECT_EQ(n.alerts[0].annotations.Get("description"), "[REDACTED:mrn] failed");
  EXPECT_EQ(n.impacted_services[0], "svc [REDACTED:phone]");
}

TEST(RedactorTest, RedactLineForLogs) {
  auto r = Make();
  EXPECT_EQ(r->RedactLine("delivered to jane@example.org"), "delivered to [REDACTED:email]");
}

TEST(RedactorTest, ParseConfigErrorsPointAtLine) {
  auto doc = core::YamlNode::LoadString("redaction:\n  patterns:\n    - {name: bad, regex: '(unclosed'}\n", "r.yaml");
  ASSERT_THAT(doc, IsOk());
  auto c = ParseRedactionConfig(*doc->Child("redaction"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("r.yaml:3:"));
  auto doc2 = core::YamlNode::LoadString("redaction:\n  bogus: 1\n", "r.yaml");
  auto c2 = ParseRedactionConfig(*doc2->Child("redaction"));
  ASSERT_FALSE(c2.ok());
  EXPECT_THAT(std::string(c2.status().message()), HasSubstr("r.yaml:2:3"));
}

}  // namespace
}  // namespace quell::sinks

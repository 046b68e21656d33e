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

TEST(RedactorTest, RedactsSecretsKeepingTheirKeys) {
  auto r = Make();
  auto red = [&](std::string s) {
    r->RedactString(&s);
    return s;
  };
  EXPECT_EQ(red("login failed: password=hunter22 user=bob"), "login failed: password=[REDACTED:secret] user=bob");
  EXPECT_EQ(red(R"({"api_key": "abcd1234efgh", "region": "eu"})"), R"({"api_key": "[REDACTED:secret]", "region": "eu"})");
  EXPECT_EQ(red("client_secret: 9f8e7d6c"), "client_secret: [REDACTED:secret]");
  EXPECT_EQ(red("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU"),
            "Authorization: Bearer [REDACTED:secret]");
  EXPECT_EQ(red("upstream sent bearer abcdefghijklmnop0123"), "upstream sent bearer [REDACTED:secret]");
  EXPECT_EQ(red("clone https://deploy:s3cr3t@git.example.com/repo.git failed"),
            "clone https://[REDACTED:secret]@git.example.com/repo.git failed");
  EXPECT_EQ(red("postgres://app:pa55word@db:5432/x"), "postgres://[REDACTED:secret]@db:5432/x");
}

TEST(RedactorTest, RedactsTokensByShape) {
  auto r = Make();
  auto red = [&](std::string s) {
    r->RedactString(&s);
    return s;
  };
  EXPECT_EQ(red("key AKIAIOSFODNN7EXAMPLE leaked"), "key [REDACTED:secret] leaked");
  EXPECT_EQ(red("gh ghp_0123456789abcdefghijABCDEFGHIJ012345 used"), "gh [REDACTED:secret] used");
  EXPECT_EQ(red("slack xoxb-1234567890-abcdefghij posted"), "slack [REDACTED:secret] posted");
  EXPECT_EQ(red("hook https://hooks.slack.com/services/T000/B000/XXXXXXXX failed"),
            "hook [REDACTED:secret] failed");
  EXPECT_EQ(red("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU expired"),
            "jwt [REDACTED:secret] expired");
  EXPECT_EQ(red("cfg -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAbC=\n-----END RSA PRIVATE KEY----- end"),
            "cfg [REDACTED:secret] end");
}

TEST(RedactorTest, SecretLookalikesSurvive) {
  auto r = Make();
  for (std::string s : {"next_page_token=abc123 fetched", "the bearer of bad news", "token bucket refilled",
                        "password reset failed for 3 users", "trace 4bf92f3577b34da6a3ce929d0e0e4736",
                        "see https://grafana.example.com/d/abc?orgId=1", "secret_name=db-creds rotated"}) {
    const std::string before = s;
    EXPECT_FALSE(r->RedactString(&s)) << s;
    EXPECT_EQ(s, before);
  }
  RedactionConfig off;
  off.secrets = false;
  auto r2 = Make(off);
  std::string s = "password=hunter22";
  EXPECT_FALSE(r2->RedactString(&s));
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

// tests/integration/sinks_phi_redaction_test.cc
//
// Plants known PHI in every free-text part of notifications (summary, labels, annotations, root
// cause, impacted services, deploy, group key, generator URL, gate verdict) and asserts that none
// of it reaches any receiver (fake PagerDuty, Slack and webhooks on loopback, a JSONL file,
// stdout), the outbox segment files or the dead-letter file. Receivers are built from YAML config
// exactly as the application builds them.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/dispatcher.h"
#include "sinks/receiver_factory.h"
#include "sinks/secret_check.h"
#include "sinks/sinks_config.h"
#include "tests/testing/fake_http_endpoint.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::FakeHttpEndpoint;
using ::quell::testing::IsOk;

// The planted PHI, and separator-free forms a sloppy serializer might produce.
const std::vector<std::string> kPhi = {
    "123-45-6789", "123456789",                          // SSN
    "jane.doe@example.org",                              // e-mail
    "(555) 867-5309", "555-867-5309", "5558675309",      // phone
    "+14155550123",                                      // E.164 phone
    "4111 1111 1111 1111", "4111111111111111",           // Visa test card
    "5555-5555-5555-4444", "5555555555554444",           // Mastercard test card
    "MRN: 00482913", "00482913",                         // medical record number
    "PT-77812",                                          // site-specific patient id (extra pattern)
};

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

core::Notification Planted(std::string receiver, int i) {
  core::Notification n;
  n.receiver = std::move(receiver);
  n.dedup_key = fmt::format("incident-{}", i);
  n.incident_id = fmt::format("inc-{}", i);
  n.sequence = 1;
  n.summary = "Lab interface down for patient 123-45-6789 (jane.doe@example.org)";
  n.severity = core::Severity::kCritical;
  n.group_key = "{}:{patient=\"PT-77812\"}";
  n.group_labels = core::LabelSet{{"alertname", "LabFeedDown"}, {"patient", "PT-77812"}};
  n.common_labels = core::LabelSet{{"alertname", "LabFeedDown"}, {"callback", "(555) 867-5309"}};
  n.common_annotations = core::LabelSet{{"description", "card 4111 1111 1111 1111 charged, MRN: 00482913"}};
  core::NotifiedAlert a;
  a.labels = core::LabelSet{{"alertname", "LabFeedDown"}, {"phone", "555-867-5309"}, {"mrn", "MRN: 00482913"}};
  a.annotations = core::LabelSet{{"note", "call +14155550123 or 5555-5555-5555-4444"}};
  a.generator_url = "http://prom/graph?g0.expr=patient%3D%22jane.doe@example.org%22";
  a.starts_at = core::EventTime::FromUnixNanos(1767225600000000000);
  n.alerts.push_back(a);
  n.firing_count = 1;
  n.root_cause_service = "lab-feed 123-45-6789";
  n.impacted_services = {"records jane.doe@example.org", "billing 4111111111111111"};
  n.deploy = core::AttributedDeploy{"lab-feed", "MRN: 00482913", "prod", {}, "https://ci/run/PT-77812"};
  n.runbook = "lab-feed.md";
  n.runbook_url = "https://git/runbooks/lab-feed.md";
  n.external_url = "http://quell/api/v1/incidents/inc";
  n.gate_verdict_json = R"({"note":"patient 123-45-6789"})";
  return n;
}

TEST(SinksPhiRedactionTest, NoPlantedPhiReachesAnyReceiverOrDisk) {
  FakeHttpEndpoint pd, slack, hook_am, hook_quell, hook_bad;
  pd.SetDefault(FakeHttpEndpoint::Behavior::Respond(202, R"({"status":"success"})"));
  slack.SetDefault(FakeHttpEndpoint::Behavior::Respond(200, "ok"));
  hook_bad.SetDefault(FakeHttpEndpoint::Behavior::Respond(400));  // Forces the dead-letter path.
  ::setenv("QUELL_PHI_PD_KEY", "pdkeypdkeypdkeypdkeypdkeypdkey12", 1);
  ::setenv("QUELL_PHI_SLACK", slack.url("/services/T/B/S").c_str(), 1);
  ::setenv("QUELL_PHI_HOOK_AM", hook_am.url("/am").c_str(), 1);
  ::setenv("QUELL_PHI_HOOK_Q", hook_quell.url("/q").c_str(), 1);
  ::setenv("QUELL_PHI_HOOK_BAD", hook_bad.url("/bad").c_str(), 1);
  auto dir = std::filesystem::temp_directory_path() / fmt::format("quell_phi_{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string yaml = fmt::format(R"(
receivers:
  - name: everything
    pagerduty_configs:
      - routing_key: {{env: QUELL_PHI_PD_KEY}}
        url: {pd}
    slack_configs:
      - api_url: {{env: QUELL_PHI_SLACK}}
        per_second: 1000
    webhook_configs:
      - url: {{env: QUELL_PHI_HOOK_AM}}
      - url: {{env: QUELL_PHI_HOOK_Q}}
        payload: quell
      - url: {{env: QUELL_PHI_HOOK_BAD}}
    file_configs:
      - path: {dir}/notifications.jsonl
    stdout_configs:
      - {{}}
redaction:
  mrn_patterns: ['(?i)\bMRN[\s:#-]*\d{{6,10}}\b']
  patterns:
    - {{name: patient_id, regex: 'PT-\d{{5}}'}}
outbox:
  dir: {dir}/outbox
)",
                                 fmt::arg("pd", pd.url()), fmt::arg("dir", dir.string()));
  auto doc = core::YamlNode::LoadString(yaml, "phi.yaml");
  ASSERT_THAT(doc, IsOk());
  auto config = ParseSinksConfig(*doc);
  ASSERT_THAT(config, IsOk());
  std::FILE* out = std::tmpfile();
  ReceiverDeps deps;
  deps.stdout_stream = out;
  auto set = BuildReceivers(*config, deps);
  ASSERT_THAT(set, IsOk());
  auto redactor = Redactor::Create(config->redaction);
  ASSERT_THAT(redactor, IsOk());
  core::ManualClock clock(core::WallTime::FromUnixNanos(1767225600000000000));
  auto outbox = Outbox::Open(config->outbox, &clock);
  ASSERT_THAT(outbox, IsOk());
  {
    Dispatcher d(&clock, outbox->get(), redactor->get(), std::move(set->receivers), set->rate_limits);
    constexpr int kN = 3;
    for (int i = 0; i < kN; ++i) {
      auto n = Planted("everything", i);
      if (i == 2) n.status = core::NotificationStatus::kResolved;
      d.Send(n);
    }
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      d.Poll();
      auto st = d.stats();
      if (st.delivered_total + st.dead_lettered_total >= kN * 7) break;
      d.WaitForActivityForTesting(absl::Milliseconds(20));
      clock.Advance(absl::Milliseconds(10));  // Lets the Slack rate limit refill.
    }
    auto st = d.stats();
    EXPECT_EQ(st.delivered_total, kN * 6);
    EXPECT_EQ(st.dead_lettered_total, kN);
  }
  // Everything that left Quell, in one haystack.
  std::string sent;
  for (auto* e : {&pd, &slack, &hook_am, &hook_quell, &hook_bad}) {
    ASSERT_EQ(e->requests().size(), 3u);
    for (const auto& r : e->requests()) {
      sent += r.target + "\n" + r.body + "\n";
      for (const auto& [k, v] : r.headers) sent += k + ": " + v + "\n";
    }
  }
  std::rewind(out);
  char buf[65536];
  size_t got;
  std::string stdout_text;
  while ((got = std::fread(buf, 1, sizeof(buf), out)) > 0) stdout_text.append(buf, got);
  std::fclose(out);
  EXPECT_NE(stdout_text.find("[REDACTED:ssn]"), std::string::npos);
  std::string file_text = ReadAll(dir / "notifications.jsonl");
  EXPECT_NE(file_text.find("[REDACTED:email]"), std::string::npos);
  std::string disk;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "outbox")) {
    if (e.is_regular_file()) disk += ReadAll(e.path());
  }
  EXPECT_NE(disk.find("dead_lettered_at"), std::string::npos);  // The dead-letter file is included.
  EXPECT_NE(sent.find("[REDACTED:payment_card]"), std::string::npos);
  EXPECT_NE(sent.find("[REDACTED:patient_id]"), std::string::npos);
  EXPECT_NE(sent.find("[REDACTED:mrn]"), std::string::npos);
  EXPECT_NE(sent.find("[REDACTED:phone]"), std::string::npos);
  for (const auto& [what, text] : std::vector<std::pair<std::string, std::string>>{
           {"http", sent}, {"stdout", stdout_text}, {"file", file_text}, {"outbox", disk}}) {
    EXPECT_FALSE(text.empty()) << what;
    for (const auto& phi : kPhi) {
      EXPECT_EQ(text.find(phi), std::string::npos) << what << " leaked planted PHI #" << (&phi - kPhi.data());
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quell::sinks

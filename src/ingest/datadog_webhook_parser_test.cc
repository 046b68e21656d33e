#include "ingest/datadog_webhook_parser.h"

#include <string>
#include <vector>

#include "core/label.h"
#include "core/yaml_node.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/datadog_status.h"
#include "ingest/datadog_webhook_mapping.h"
#include "ingest/golden_for_testing.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using ::testing::HasSubstr;
using testing::kGoldenObserved;

TEST(DatadogWebhookParserTest, GoldenDefaultTemplate) {
  EXPECT_EQ(testing::RunGoldenDir("datadog_webhook", core::Format::kDatadogWebhook), 3);
}

TEST(DatadogWebhookParserTest, GoldenRichTemplate) {
  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  EXPECT_EQ(testing::RunGoldenDir("datadog_webhook_rich", core::Format::kDatadogWebhook, o), 3);
}

// A body attached to the output batch (the HTTP intake's path) is not copied: the signal's strings
// point into it. Otherwise they point into the batch's own arena, and the body may go away.
TEST(DatadogWebhookParserTest, AttachedBodyIsReadInPlaceOtherBodiesAreCopied) {
  auto p = MakeParser(core::Format::kDatadogWebhook);
  auto body = std::make_shared<std::string>(R"({"id":"7","title":"[Triggered] Disk full","body":"on db-1"})");
  body->reserve(body->size() + 64);
  const std::string_view view = *body;
  auto inside = [&](std::string_view s) { return s.data() >= view.data() && s.data() + s.size() <= view.data() + view.size(); };

  core::SignalBatch attached;
  attached.AttachBytes(view, body);
  ASSERT_EQ(p->Parse(view, body->capacity(), core::SourceKind::kHttp, kGoldenObserved, &attached).accepted, 1u);
  EXPECT_EQ(attached.signals()[0].title, "Disk full");
  EXPECT_TRUE(inside(attached.signals()[0].title));
  EXPECT_TRUE(inside(attached.signals()[0].message));

  core::SignalBatch copied;
  ASSERT_EQ(p->Parse(view, body->capacity(), core::SourceKind::kHttp, kGoldenObserved, &copied).accepted, 1u);
  EXPECT_EQ(copied.signals()[0].title, "Disk full");
  EXPECT_FALSE(inside(copied.signals()[0].title));
  EXPECT_FALSE(inside(copied.signals()[0].message));
}

// The body's markdown fences and the newlines next to them are stripped from the JSON text itself
// when the message holds no escape (a view into an attached body); otherwise from the decoded
// string.
TEST(DatadogWebhookParserTest, BodyWithoutItsMarkdownFences) {
  auto p = MakeParser(core::Format::kDatadogWebhook);
  auto parse = [&](const std::string& json, core::SignalBatch* b) {
    auto body = std::make_shared<std::string>(json);
    body->reserve(body->size() + 64);
    b->AttachBytes(*body, body);
    return p->Parse(*body, body->capacity(), core::SourceKind::kHttp, kGoldenObserved, b).accepted;
  };
  core::SignalBatch b;
  ASSERT_EQ(parse(R"({"title":"Disk full","body":"%%%\nDisk full on db-1\n%%%"})", &b), 1u);
  EXPECT_EQ(b.signals()[0].message, "Disk full on db-1");
  EXPECT_TRUE(b.Attached(b.signals()[0].message));
  b.Clear();
  ASSERT_EQ(parse(R"({"title":"Disk full","body":"%%%\nline 1\n\tline 2 \u00e9\n%%%"})", &b), 1u);
  EXPECT_EQ(b.signals()[0].message, "line 1\n\tline 2 \xc3\xa9");
  b.Clear();
  // Spaces between the string and the next '}' (pretty-printed JSON): read and decoded.
  ASSERT_EQ(parse("{\"title\": \"Disk full\",\n  \"body\": \"%%%\\nDisk full\\n%%%\"  \n}", &b), 1u);
  EXPECT_EQ(b.signals()[0].message, "Disk full");
  b.Clear();
  ASSERT_EQ(parse(R"({"title":"Disk full","body":" %%% "})", &b), 1u);
  EXPECT_EQ(b.signals()[0].message, "");
}

TEST(DatadogWebhookParserTest, RichStateSeverityAndLabels) {
  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  auto p = MakeParser(core::Format::kDatadogWebhook, o);
  core::SignalBatch b;
  std::string body =
      R"({"alert_id":"42","alert_transition":"Recovered","alert_type":"success","title":"[Recovered] Lag",)"
      R"("tags":"env:prod,service:kafka-consumer,solo","date":"1767225600000","hostname":"h1"})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kKafka, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  const core::Signal& s = b.signals()[0];
  EXPECT_EQ(s.state, core::SignalState::kResolved);
  EXPECT_EQ(s.severity, core::Severity::kInfo);
  EXPECT_EQ(s.title, "Lag");
  EXPECT_EQ(s.service, "kafka-consumer");
  EXPECT_EQ(s.env, "prod");
  EXPECT_EQ(s.host, "h1");
  EXPECT_EQ(s.source_id, "42");
  EXPECT_EQ(s.source, core::SourceKind::kKafka);
  EXPECT_EQ(s.event_time, core::EventTime::FromUnixNanos(1767225600000000000));
  EXPECT_EQ(core::FindLabel(b.labels(s), "alertname"), "Lag");
  EXPECT_EQ(core::FindLabel(b.labels(s), "monitor_id"), "42");
  EXPECT_EQ(core::FindLabel(b.labels(s), "solo"), "true");
}

// The title's "[...]" transition counts where nothing else decides: the transition field wins over
// it, and with an unknown transition and no alert type the title gives the state; an alert_scope
// field wins over the title's scope. (The parser reads the title's transition only in those
// cases.)
TEST(DatadogWebhookParserTest, TitleTransitionOnlyWhereNothingElseDecides) {
  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  auto p = MakeParser(core::Format::kDatadogWebhook, o);
  struct Got {
    core::SignalState state;
    core::Severity severity;
    std::string title, host;
  };
  auto parse = [&](const std::string& body) {
    core::SignalBatch b;
    EXPECT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u) << body;
    const core::Signal& s = b.signals()[0];
    return Got{s.state, s.severity, std::string(s.title), std::string(core::FindLabel(b.labels(s), "host"))};
  };
  // The field says Recovered, the title Triggered: resolved, info.
  Got field_wins = parse(
      R"({"alert_id":"1","alert_transition":"Recovered","title":"[Triggered on {host:t}] Lag","alert_scope":"host:s"})");
  EXPECT_EQ(field_wins.state, core::SignalState::kResolved);
  EXPECT_EQ(field_wins.severity, core::Severity::kInfo);
  EXPECT_EQ(field_wins.title, "Lag");
  EXPECT_EQ(field_wins.host, "s");  // The alert_scope field, not the title's scope.
  // An unknown transition and no alert type: the title decides.
  Got title_decides = parse(
      R"({"alert_id":"1","alert_transition":"Paused","title":"[Recovered on {host:t}] Lag","alert_scope":"host:s"})");
  EXPECT_EQ(title_decides.state, core::SignalState::kResolved);
  EXPECT_EQ(title_decides.title, "Lag");
  EXPECT_EQ(title_decides.host, "s");
  // No transition field: the title's transition gives state and severity; no alert_scope field:
  // the title's scope labels the alert.
  Got no_field = parse(R"({"alert_id":"1","title":"[Triggered on {host:t}] [P1] Lag","alert_scope":"host:s"})");
  EXPECT_EQ(no_field.state, core::SignalState::kFiring);
  EXPECT_EQ(no_field.severity, core::Severity::kCritical);
  EXPECT_EQ(no_field.host, "s");
  Got no_scope = parse(R"({"alert_id":"1","alert_transition":"Triggered","title":"[Triggered on {host:t}] Lag"})");
  EXPECT_EQ(no_scope.state, core::SignalState::kFiring);
  EXPECT_EQ(no_scope.host, "t");
}

// alertname, env, host, monitor_id and service are the record's own labels: tags of those names
// never override them (nor duplicate them), whatever the order of fields and tags.
TEST(DatadogWebhookParserTest, TagsDoNotOverrideTheRecordsOwnLabels) {
  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  auto p = MakeParser(core::Format::kDatadogWebhook, o);
  core::SignalBatch b;
  std::string body =
      R"({"tags":"alertname:Other,monitor_id:9,env:staging,aaa:first,zzz:last","alert_id":"42",)"
      R"("title":"[Triggered] Lag","alert_scope":"env:prod,host:h1","hostname":"h2"})";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  const core::Signal& s = b.signals()[0];
  std::vector<std::string> got;
  for (const core::Label& l : b.labels(s)) got.push_back(std::string(l.name) + "=" + std::string(l.value));
  // Sorted by name, each once; host from the hostname field read last, env from the last tag read.
  EXPECT_EQ(got, (std::vector<std::string>{"aaa=first", "alertname=Lag", "env=prod", "host=h2", "monitor_id=42",
                                           "zzz=last"}));
}

TEST(DatadogWebhookParserTest, SameAlertSameFingerprintAcrossTransitions) {
  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  auto p = MakeParser(core::Format::kDatadogWebhook, o);
  core::SignalBatch b;
  std::string fire = R"({"alert_id":"7","alert_transition":"Triggered","title":"[Triggered] X","tags":"env:a"})";
  std::string heal = R"({"alert_id":"7","alert_transition":"Recovered","title":"[Recovered] X","tags":"env:a"})";
  ASSERT_EQ(p->Parse(fire, fire.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  ASSERT_EQ(p->Parse(heal, heal.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  EXPECT_EQ(b.signals()[0].fingerprint, b.signals()[1].fingerprint);
  EXPECT_EQ(b.signals()[0].state, core::SignalState::kFiring);
  EXPECT_EQ(b.signals()[1].state, core::SignalState::kResolved);
}

// The default template has no scope field: a multi-alert monitor names its group only in the
// title. Each group is its own alert (host label), its recovery matches its trigger, and another
// group's recovery leaves it firing. With an alert_scope field, the field is the scope.
TEST(DatadogWebhookParserTest, DefaultTemplateMultiAlertGroupsFromTheTitle) {
  auto p = MakeParser(core::Format::kDatadogWebhook);
  core::SignalBatch b;
  auto body = [](std::string_view title) {
    return R"({"id":"1","event_type":"query_alert_monitor","date":"1767225540000","title":")" + std::string(title) +
           R"(","body":"x"})";
  };
  for (std::string_view title : {"[Triggered on {host:web-1,availability-zone:us-east-1a}] CPU high",
                                 "[P2] [Triggered on {host:web-2,availability-zone:us-east-1a}] CPU high",
                                 "[Recovered on {host:web-1,availability-zone:us-east-1a}] CPU high",
                                 "[Triggered] CPU high"}) {
    std::string text = body(title);
    ASSERT_EQ(p->Parse(text, text.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u) << title;
  }
  const auto& s = b.signals();
  EXPECT_EQ(s[0].host, "web-1");
  EXPECT_EQ(core::FindLabel(b.labels(s[0]), "host"), "web-1");
  EXPECT_EQ(core::FindLabel(b.labels(s[0]), "availability-zone"), "us-east-1a");
  EXPECT_EQ(core::FindLabel(b.labels(s[0]), "alertname"), "CPU high");
  EXPECT_NE(s[0].fingerprint, s[1].fingerprint);
  EXPECT_EQ(s[0].fingerprint, s[2].fingerprint);
  EXPECT_EQ(s[2].state, core::SignalState::kResolved);
  EXPECT_EQ(s[1].state, core::SignalState::kFiring);
  EXPECT_EQ(core::FindLabel(b.labels(s[3]), "host"), "");  // A simple monitor: no scope.
  EXPECT_NE(s[3].fingerprint, s[0].fingerprint);

  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  auto rich = MakeParser(core::Format::kDatadogWebhook, o);
  std::string scoped = R"({"alert_id":"7","title":"[Triggered on {host:web-9}] CPU high","alert_scope":"host:web-1"})";
  ASSERT_EQ(rich->Parse(scoped, scoped.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  EXPECT_EQ(core::FindLabel(b.labels(b.signals().back()), "host"), "web-1");
}

TEST(DatadogStatusTest, TitleScope) {
  EXPECT_EQ(DatadogTitleScope("Triggered on {host:a,env:b}"), "host:a,env:b");
  EXPECT_EQ(DatadogTitleScope("Recovered on { host:a }"), "host:a");
  EXPECT_EQ(DatadogTitleScope("Triggered"), "");
  EXPECT_EQ(DatadogTitleScope("Triggered on {host:a"), "");
  EXPECT_EQ(DatadogTitleScope("Triggered on host:a"), "");
}

// The parser learns the template's key order (key_order.h); records in another order, with
// escaped keys, extra or missing fields, read by one parser one after another in both orders, give
// what a fresh parser gives each of them.
TEST(DatadogWebhookParserTest, KeyOrderOfEarlierRecordsChangesNothing) {
  ParserOptions o;
  o.datadog_webhook_mapping = &DatadogWebhookMapping::Rich();
  const std::vector<std::string> bodies = {
      R"({"alert_id":"1","alert_transition":"Triggered","title":"[P1] A","tags":"env:a,team:x","hostname":"h1"})",
      R"({"alert_id":"2","alert_transition":"Triggered","title":"[P1] A","tags":"env:a,team:x","hostname":"h1"})",
      R"({"title":"B","alert_id":"3","hostname":"h2","tags":"env:b","alert_transition":"Recovered","extra":"e"})",
      R"({"alert_\u0069d":"4","alert_transition":"Triggered","title":"C","tag":"env:c","hostname":"h3"})",
      R"({"alert_id":"5","alert_transition":"Triggered","titles":"x","title":"D","tags":"env:d,team:y"})",
      R"({"alert_id":"6"})",
      R"({"alert_id":"7","alert_id":"8","title":"E","title":"F"})",
  };
  const std::vector<std::string> fresh = testing::ExpectReusedParserMatchesFresh(core::Format::kDatadogWebhook, o, bodies);
  ASSERT_EQ(fresh.size(), bodies.size());
  for (const std::string& f : fresh) EXPECT_EQ(f.find("rejected"), std::string::npos) << f;
  EXPECT_THAT(fresh[3], HasSubstr(R"("source_id":"4")"));  // The escaped key is still alert_id.
  EXPECT_THAT(fresh[6], HasSubstr(R"("title":"F")"));      // A repeated key: the last one wins.
}

TEST(DatadogWebhookMappingTest, ParsesPresetAndOverrides) {
  ASSERT_OK_AND_ASSIGN(core::YamlNode node, core::YamlNode::LoadString(
                                                "preset: rich\nfields:\n  monitor_id: monitor\n  link: \"\"\n",
                                                "quell.yaml"));
  ASSERT_OK_AND_ASSIGN(DatadogWebhookMapping m, ParseDatadogWebhookMapping(node));
  EXPECT_EQ(m.preset, "rich");
  EXPECT_EQ(m.key(DatadogWebhookMapping::kMonitorId), "monitor");
  EXPECT_EQ(m.key(DatadogWebhookMapping::kLink), "");
  EXPECT_EQ(m.key(DatadogWebhookMapping::kTransition), "alert_transition");
}

TEST(DatadogWebhookMappingTest, UsesMappedKeys) {
  ASSERT_OK_AND_ASSIGN(core::YamlNode node,
                       core::YamlNode::LoadString("fields:\n  title: name\n  service: svc\n", "m.yaml"));
  ASSERT_OK_AND_ASSIGN(DatadogWebhookMapping m, ParseDatadogWebhookMapping(node));
  ParserOptions o;
  o.datadog_webhook_mapping = &m;
  auto p = MakeParser(core::Format::kDatadogWebhook, o);
  core::SignalBatch b;
  std::string body = R"({"name":"[Triggered] Custom","svc":"billing","title":"ignored"})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  EXPECT_EQ(b.signals()[0].title, "Custom");
  EXPECT_EQ(b.signals()[0].service, "billing");
}

TEST(DatadogWebhookMappingTest, UnknownFieldIsErrorWithPosition) {
  ASSERT_OK_AND_ASSIGN(core::YamlNode node,
                       core::YamlNode::LoadString("preset: rich\nfields:\n  monitor_idd: x\n", "quell.yaml"));
  auto m = ParseDatadogWebhookMapping(node);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("quell.yaml:3:3"));
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("monitor_idd"));
}

TEST(DatadogWebhookMappingTest, UnknownKeyAndPresetAreErrors) {
  ASSERT_OK_AND_ASSIGN(core::YamlNode a, core::YamlNode::LoadString("presett: rich\n", "q.yaml"));
  auto m = ParseDatadogWebhookMapping(a);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("q.yaml:1:1"));
  ASSERT_OK_AND_ASSIGN(core::YamlNode b, core::YamlNode::LoadString("preset: fancy\n", "q.yaml"));
  auto m2 = ParseDatadogWebhookMapping(b);
  ASSERT_FALSE(m2.ok());
  EXPECT_THAT(std::string(m2.status().message()), HasSubstr("q.yaml:1:9"));
  EXPECT_THAT(std::string(m2.status().message()), HasSubstr("fancy"));
}

}  // namespace
}  // namespace quell::ingest

// Unit tests for HttpIntake without sockets, with a fake Parser: each body line "ok <title>" is a
// signal, "bad" a rejected record; a body "garbage" is unreadable as a whole.
// (tests/integration/http_intake_test.cc covers the real parsers over loopback.)
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/http_intake.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using ::quell::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeParser : public Parser {
 public:
  explicit FakeParser(core::Format f) : format_(f) {}
  core::Format format() const override { return format_; }
  ParseResult Parse(std::string_view body, size_t, core::SourceKind source, core::EventTime observed,
                    core::SignalBatch* out) override {
    ParseResult r;
    if (body == "garbage") {
      out->Reject(core::Rejection{core::RejectReason::kMalformedJson, 0, 0, ""});
      r.body_rejected = true;
      r.rejected = 1;
      return r;
    }
    uint32_t index = 0;
    size_t pos = 0;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      if (nl == std::string_view::npos) nl = body.size();
      std::string_view line = body.substr(pos, nl - pos);
      if (line.substr(0, 3) == "ok ") {
        core::Signal& s = out->Add();
        s.format = format_;
        s.source = source;
        s.observed_time = observed;
        s.title = out->Copy(line.substr(3));
        out->AddLabelCopy("alertname", line.substr(3));
        out->FinishLabels();
        ++r.accepted;
      } else {
        out->Reject(core::Rejection{core::RejectReason::kMissingField, static_cast<uint32_t>(pos), index, "labels"});
        ++r.rejected;
      }
      ++index;
      pos = nl + 1;
    }
    return r;
  }

 private:
  core::Format format_;
};

// Records what it takes; refuses (ResourceExhausted) while `full` is set.
class RecordingSink : public core::BatchSink {
 public:
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    std::lock_guard<std::mutex> lock(mu);
    if (full) return absl::ResourceExhaustedError("queue full");
    for (const core::Signal& s : batch->signals()) {
      std::string labels;
      for (const core::Label& l : batch->labels(s)) labels += std::string(l.name) + "=" + std::string(l.value) + ",";
      titles.push_back(std::string(s.title));
      label_strings.push_back(labels);
      services.push_back(std::string(s.service));
    }
    batch->Clear();
    if (defer) {
      deferred.push_back(std::move(done));
    } else {
      done();
    }
    return absl::OkStatus();
  }
  void CountUnsubmitted(std::span<const core::Rejection> rejections) override {
    std::lock_guard<std::mutex> lock(mu);
    unsubmitted += rejections.size();
  }
  std::mutex mu;
  size_t unsubmitted = 0;  // Rejections of bodies that submitted nothing.
  bool full = false;
  bool defer = false;  // Keep the done callbacks (the engine has not processed the batch yet).
  std::vector<std::function<void()>> deferred;
  std::vector<std::string> titles, label_strings, services;
};

class HttpIntakeUnitTest : public ::testing::Test {
 protected:
  void Make(IntakeConfig cfg = {}, IntakeJournal* journal = nullptr) {
    HttpIntakeDeps deps;
    deps.sink = &sink_;
    deps.journal = journal;
    deps.clock = &clock_;
    deps.parser_factory = [](core::Format f) { return std::make_unique<FakeParser>(f); };
    deps.dead_letter = [this](core::Format f, std::span<const core::Rejection> rs, std::string_view body) {
      for (const core::Rejection& r : rs) {
        dead_.push_back(std::string(core::FormatName(f)) + ":" + r.ToString() + ":" + std::to_string(body.size()));
      }
    };
    auto intake = HttpIntake::Create(std::move(cfg), std::move(deps));
    ASSERT_THAT(intake, IsOk());
    intake_ = std::move(*intake);
  }
  core::HttpRequest Req(std::string body, std::string remote = "10.0.0.1:5555") {
    core::HttpRequest r;
    r.method = "POST";
    r.body = std::move(body);
    r.remote = std::move(remote);
    return r;
  }

  RecordingSink sink_;
  core::ManualClock clock_{core::WallTime::FromUnixNanos(1'767'225'600'000'000'000)};
  std::vector<std::string> dead_;
  std::unique_ptr<HttpIntake> intake_;
};

TEST_F(HttpIntakeUnitTest, RoutesCoverEveryEndpoint) {
  Make();
  std::vector<std::string> paths;
  for (const IntakeRoute& r : intake_->Routes()) {
    EXPECT_EQ(r.method, "POST");
    paths.push_back(r.path);
  }
  EXPECT_THAT(paths, ElementsAre("/api/v1/events", "/api/v2/logs", "/api/v1/datadog/webhook", "/v1/logs",
                                 "/v1/traces", "/v1/metrics", "/api/v2/alerts"));
}

TEST_F(HttpIntakeUnitTest, AlertmanagerAcceptsAndReports400ForBadAlertsLikeAlertmanager) {
  Make();
  core::HttpResponse ok = intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok A\nok B"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "");
  core::HttpResponse mixed = intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok C\nbad"));
  EXPECT_EQ(mixed.status, 400);
  EXPECT_THAT(mixed.body, HasSubstr("1 invalid alert(s): missing_field"));
  EXPECT_EQ(mixed.body.front(), '"');  // A JSON string, as Alertmanager answers.
  EXPECT_THAT(sink_.titles, ElementsAre("A", "B", "C"));  // The good one of the mixed body passed.
  ASSERT_EQ(dead_.size(), 1u);
  EXPECT_THAT(dead_[0], HasSubstr("alertmanager:missing_field"));
  const auto& st = intake_->stats(IntakeEndpoint::kAlertmanager);
  EXPECT_EQ(st.signals_accepted.load(), 3u);
  EXPECT_EQ(st.records_rejected.load(), 1u);
}

TEST_F(HttpIntakeUnitTest, OtlpPartialSuccessAnd400And415) {
  Make();
  core::HttpResponse r = intake_->Handle(IntakeEndpoint::kOtlpLogs, Req("ok a\nbad\nbad\nok b"));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"({"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"missing_field)"));
  EXPECT_THAT(intake_->Handle(IntakeEndpoint::kOtlpTraces, Req("bad")).body, HasSubstr(R"("rejectedSpans":"1")"));
  EXPECT_THAT(intake_->Handle(IntakeEndpoint::kOtlpMetrics, Req("bad")).body,
              HasSubstr(R"("rejectedDataPoints":"1")"));
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kOtlpLogs, Req("ok x")).body, "{}");
  core::HttpResponse bad = intake_->Handle(IntakeEndpoint::kOtlpLogs, Req("garbage"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr(R"("code":3)"));
  core::HttpRequest grpc = Req("\x0a\x02");
  grpc.headers.emplace_back("Content-Type", "application/grpc+proto");
  core::HttpResponse unsupported = intake_->Handle(IntakeEndpoint::kOtlpTraces, grpc);
  EXPECT_EQ(unsupported.status, 415);
  EXPECT_THAT(unsupported.body, HasSubstr("gRPC is not served here"));
  // Protobuf is taken (tests/integration/http_intake_test.cc); a truncated one is a protobuf 400.
  core::HttpRequest truncated = Req("\x0a\x02");
  truncated.headers.emplace_back("Content-Type", "Application/X-Protobuf; charset=binary");
  core::HttpResponse pb = intake_->Handle(IntakeEndpoint::kOtlpTraces, truncated);
  EXPECT_EQ(pb.status, 400);
  EXPECT_EQ(pb.content_type, "application/x-protobuf");
  EXPECT_THAT(pb.body, HasSubstr("malformed_protobuf at byte 0"));
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpLogs).bodies_rejected.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpTraces).bodies_rejected.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpTraces).unsupported_media.load(), 1u);
  // Neither JSON nor protobuf (curl -d sends a form type): 415, as the collector answers, and
  // nothing read or dead-lettered. application/json with parameters is JSON.
  core::HttpRequest form = Req("ok f");
  form.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  core::HttpResponse refused = intake_->Handle(IntakeEndpoint::kOtlpLogs, form);
  EXPECT_EQ(refused.status, 415);
  EXPECT_THAT(refused.body, HasSubstr("content-type \\\"application/x-www-form-urlencoded\\\" is not supported"));
  EXPECT_THAT(refused.body, HasSubstr(R"("code":)"));
  core::HttpRequest json = Req("ok j");
  json.headers.emplace_back("Content-Type", "Application/JSON; charset=utf-8");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kOtlpLogs, json).status, 200);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpLogs).unsupported_media.load(), 1u);
}

TEST_F(HttpIntakeUnitTest, BackpressureAnswers429Or503WithRetryAfterAndDeadLettersNothing) {
  IntakeConfig cfg;
  cfg.retry_after = absl::Seconds(7);
  Make(cfg);
  sink_.full = true;
  core::HttpResponse am = intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok A\nbad"));
  EXPECT_EQ(am.status, 429);
  ASSERT_EQ(am.headers.size(), 1u);
  EXPECT_EQ(am.headers[0].first, "Retry-After");
  EXPECT_EQ(am.headers[0].second, "7");
  core::HttpResponse otlp = intake_->Handle(IntakeEndpoint::kOtlpLogs, Req("ok A\nok B"));
  EXPECT_EQ(otlp.status, 503);
  EXPECT_TRUE(dead_.empty());  // The client retries the whole body.
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kAlertmanager).backpressure.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpLogs).signals_refused.load(), 2u);
  sink_.full = false;
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kOtlpLogs, Req("ok A\nok B")).status, 200);
  EXPECT_THAT(sink_.titles, ElementsAre("A", "B"));
}

TEST_F(HttpIntakeUnitTest, DatadogApiKeysFromEnvAndFile) {
  ::setenv("QUELL_TEST_DD_KEY", "0123456789abcdef", 1);
  auto node = core::YamlNode::LoadString("require_api_key: true\ndatadog_api_keys: [{env: QUELL_TEST_DD_KEY}]\n",
                                         "quell.yaml");
  ASSERT_THAT(node, IsOk());
  auto cfg = ParseIntakeConfig(*node);
  ASSERT_THAT(cfg, IsOk());
  Make(*cfg);
  core::HttpResponse none = intake_->Handle(IntakeEndpoint::kDatadogLogs, Req("ok a"));
  EXPECT_EQ(none.status, 403);
  // The logs intake's error shape (HTTPLogErrors), which Datadog's API clients parse.
  EXPECT_EQ(none.body,
            R"({"errors":[{"status":"403","title":"Forbidden","detail":"Forbidden: missing or invalid API key"}]})");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogEvents, Req("ok a")).body,
            R"({"errors":["Forbidden: missing or invalid API key"]})");
  core::HttpRequest wrong = Req("ok a");
  wrong.headers.emplace_back("DD-API-KEY", "fedcba9876543210");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogLogs, wrong).status, 403);
  core::HttpRequest right = Req("ok a");
  right.headers.emplace_back("dd-api-key", "0123456789abcdef");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogLogs, right).status, 202);
  core::HttpRequest query = Req("ok b");
  query.query.emplace_back("dd-api-key", "0123456789abcdef");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogWebhook, query).status, 202);
  // OTLP and Alertmanager take no key.
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok c")).status, 200);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kDatadogLogs).forbidden.load(), 2u);

  // An unset variable fails creation, naming the variable but no value.
  ::unsetenv("QUELL_TEST_DD_KEY_UNSET");
  auto node2 = core::YamlNode::LoadString("datadog_api_keys: [{env: QUELL_TEST_DD_KEY_UNSET}]\n", "quell.yaml");
  ASSERT_THAT(node2, IsOk());
  auto cfg2 = ParseIntakeConfig(*node2);
  ASSERT_THAT(cfg2, IsOk());
  HttpIntakeDeps deps;
  deps.sink = &sink_;
  deps.clock = &clock_;
  auto failed = HttpIntake::Create(*cfg2, deps);
  EXPECT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("QUELL_TEST_DD_KEY_UNSET"));
}

TEST_F(HttpIntakeUnitTest, RateLimitPerKeyOrAddressWithRetryAfter) {
  IntakeConfig cfg;
  cfg.rate_limit.requests_per_second = 0.5;  // One token every 2 s.
  cfg.rate_limit.burst = 2;
  Make(cfg);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok 1", "10.0.0.1:1")).status, 200);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok 2", "10.0.0.1:2")).status, 200);
  core::HttpResponse limited = intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok 3", "10.0.0.1:3"));
  EXPECT_EQ(limited.status, 429);
  ASSERT_EQ(limited.headers.size(), 1u);
  EXPECT_EQ(limited.headers[0].second, "2");
  // Another client address has its own bucket.
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok 4", "10.0.0.2:1")).status, 200);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok 5", "10.0.0.1:4")).status, 200);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kAlertmanager).rate_limited.load(), 1u);
  EXPECT_THAT(sink_.titles, ElementsAre("1", "2", "4", "5"));
}

TEST_F(HttpIntakeUnitTest, BodyOverLimitIs413) {
  IntakeConfig cfg;
  cfg.max_body_bytes = 8;
  Make(cfg);
  core::HttpResponse r = intake_->Handle(IntakeEndpoint::kDatadogLogs, Req("ok 123456789"));
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(r.body, HasSubstr("exceeds the limit of 8 bytes"));
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kDatadogLogs).too_large.load(), 1u);
  EXPECT_TRUE(sink_.titles.empty());
}

TEST_F(HttpIntakeUnitTest, DatadogLogsQueryTagsApplyToEveryEntry) {
  Make();
  core::HttpRequest r = Req("ok a\nok b");
  r.query.emplace_back("ddtags", "env:prod,service:checkout,canary");
  core::HttpResponse res = intake_->Handle(IntakeEndpoint::kDatadogLogs, r);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.body, "{}");
  EXPECT_THAT(sink_.label_strings, ElementsAre("alertname=a,canary=true,env=prod,service=checkout,",
                                               "alertname=b,canary=true,env=prod,service=checkout,"));
  EXPECT_THAT(sink_.services, ElementsAre("checkout", "checkout"));
}

// QA: ?ddtags=env:%FF%FE was taken (202) and written raw into the journal line, which then
// failed to replay after a crash. Invalid UTF-8 in the tags refuses the request.
TEST_F(HttpIntakeUnitTest, DatadogLogsQueryTagsMustBeUtf8) {
  Make();
  core::HttpRequest r = Req("ok a");
  r.query.emplace_back("ddtags", "env:\xff\xfe");
  core::HttpResponse res = intake_->Handle(IntakeEndpoint::kDatadogLogs, r);
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("ddtags: invalid UTF-8 at byte 4"));
  EXPECT_TRUE(sink_.titles.empty());
  core::HttpRequest ok = Req("ok a");
  ok.query.emplace_back("ddtags", "team:\xc3\xa9quipe");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogLogs, ok).status, 202);
}

TEST_F(HttpIntakeUnitTest, DatadogEventAnswerEchoesTheEvent) {
  Make();
  core::HttpResponse r = intake_->Handle(IntakeEndpoint::kDatadogEvents, Req("ok Deploy checkout"));
  EXPECT_EQ(r.status, 202);
  EXPECT_THAT(r.body, HasSubstr(R"({"status":"ok","event":{"id":)"));
  EXPECT_THAT(r.body, HasSubstr(R"("title":"Deploy checkout")"));
  // The request's own tags are echoed (none here: the fake body is not JSON), not Quell's labels.
  EXPECT_THAT(r.body, HasSubstr(R"("tags":[])"));
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogEvents, Req("bad")).status, 400);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogEvents, Req("garbage")).status, 400);
  EXPECT_EQ(dead_.size(), 2u);
}

// A Datadog webhook sent with "Encode as form" is read as the JSON its fields make.
TEST_F(HttpIntakeUnitTest, FormEncodedDatadogWebhookIsReadAsItsJson) {
  HttpIntakeDeps deps;
  deps.sink = &sink_;
  deps.clock = &clock_;
  deps.dead_letter = [this](core::Format f, std::span<const core::Rejection> rs, std::string_view body) {
    for (const core::Rejection& r : rs) {
      dead_.push_back(std::string(core::FormatName(f)) + ":" + r.ToString() + ":" + std::string(body));
    }
  };
  auto intake = HttpIntake::Create(IntakeConfig{}, std::move(deps));  // The real parsers.
  ASSERT_THAT(intake, IsOk());
  core::HttpRequest r = Req(
      "id=7&title=%5BTriggered%5D+Disk+full+on+db-1&alert_transition=Triggered&alert_type=error"
      "&date=1767225600000&tags=env%3Aprod%2Cservice%3Adb&org=%7B%22id%22%3A%2242%22%7D");
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  core::HttpResponse res = (*intake)->Handle(IntakeEndpoint::kDatadogWebhook, r);
  EXPECT_EQ(res.status, 202) << res.body;
  ASSERT_EQ(sink_.titles.size(), 1u);
  EXPECT_EQ(sink_.titles[0], "Disk full on db-1");  // The title prefix read as the parser reads JSON.
  EXPECT_EQ(sink_.label_strings[0], "alertname=Disk full on db-1,");

  // A form that is not a webhook (no title, no alert id) is rejected as the JSON it makes, and the
  // dead letter keeps that JSON (readable, replayable through the JSON parser).
  core::HttpRequest bad = Req("id=7&body=50%+off");
  bad.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  res = (*intake)->Handle(IntakeEndpoint::kDatadogWebhook, bad);
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("missing_field"));
  ASSERT_EQ(dead_.size(), 1u);
  EXPECT_THAT(dead_[0], HasSubstr(R"({"id":"7","body":"50% off"})"));
  // The same body as JSON is what it always was: malformed.
  EXPECT_EQ((*intake)->Handle(IntakeEndpoint::kDatadogWebhook, Req("id=7&title=x")).status, 400);
}

// Every answer is counted once by outcome, and every rejected record reaches the sink's count:
// with a submitted batch, or through CountUnsubmitted when the body yielded no signal.
TEST_F(HttpIntakeUnitTest, EveryAnswerAndEveryRejectionIsCounted) {
  Make();
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogWebhook, Req("bad")).status, 400);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogLogs, Req("bad\nbad")).status, 400);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kOtlpLogs, Req("garbage")).status, 400);
  EXPECT_EQ(sink_.unsubmitted, 4u);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok C\nbad")).status, 400);
  EXPECT_EQ(sink_.unsubmitted, 4u);  // Submitted with C: counted with its batch.
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok D")).status, 200);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kDatadogWebhook).bodies_rejected.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kDatadogLogs).bodies_rejected.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpLogs).bodies_rejected.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kAlertmanager).bodies_rejected.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kAlertmanager).accepted_requests.load(), 1u);
  EXPECT_EQ(dead_.size(), 5u);
}

// An events body without an event (`[]`, or here a body the fake reads as no line at all) is a
// 400 that names what is missing, dead-lettered and counted like any other.
// QA: what the HTTP server refuses before the intake sees the body (core::HttpRefusal: a corrupt or
// unknown Content-Encoding, a body over its limit, a broken chunk, a body timeout) was counted under
// no endpoint and answered {"error":...}, also on /api/v2/logs, whose errors are JSON:API objects.
// Refused() counts each under its endpoint and answers in the endpoint's own error shape.
TEST_F(HttpIntakeUnitTest, ServerRefusalsAreCountedPerEndpointAndAnsweredInItsShape) {
  Make();
  for (const IntakeRoute& r : intake_->Routes()) EXPECT_TRUE(static_cast<bool>(r.on_refusal)) << r.path;
  using K = core::HttpRefusalKind;
  core::HttpResponse logs =
      intake_->Routes()[1].on_refusal(Req(""), {400, K::kBadEncoding, "content-encoding: gzip: corrupt stream"});
  EXPECT_EQ(logs.status, 400);
  EXPECT_EQ(logs.content_type, "application/json");
  EXPECT_EQ(logs.body,
            R"({"errors":[{"status":"400","title":"Bad Request","detail":"content-encoding: gzip: corrupt stream"}]})");
  // The shape of the endpoint's own 400s.
  EXPECT_THAT(intake_->Handle(IntakeEndpoint::kDatadogLogs, Req("bad")).body,
              ::testing::StartsWith(R"({"errors":[{"status":"400","title":"Bad Request","detail":")"));
  EXPECT_EQ(intake_->Refused(IntakeEndpoint::kDatadogLogs, Req(""), {413, K::kTooLarge, "body: too big"}).body,
            R"({"errors":[{"status":"413","title":"Payload Too Large","detail":"body: too big"}]})");
  EXPECT_EQ(intake_->Refused(IntakeEndpoint::kDatadogLogs, Req(""), {408, K::kTimeout, "request timeout"}).body,
            R"({"errors":[{"status":"408","title":"Request Timeout","detail":"request timeout"}]})");
  EXPECT_EQ(intake_->Refused(IntakeEndpoint::kDatadogEvents, Req(""), {415, K::kUnsupportedEncoding, "br"}).body,
            R"({"errors":["br"]})");
  core::HttpRequest pb = Req("");
  pb.headers.emplace_back("Content-Type", "application/x-protobuf");
  core::HttpResponse otlp_pb = intake_->Refused(IntakeEndpoint::kOtlpTraces, pb, {413, K::kTooLarge, "big"});
  EXPECT_EQ(otlp_pb.status, 413);
  EXPECT_EQ(otlp_pb.content_type, "application/x-protobuf");
  EXPECT_EQ(intake_->Refused(IntakeEndpoint::kOtlpMetrics, Req(""), {400, K::kMalformed, "bad chunk"}).body,
            R"({"code":3,"message":"bad chunk"})");
  EXPECT_EQ(intake_->Refused(IntakeEndpoint::kAlertmanager, Req(""), {400, K::kBadEncoding, "corrupt"}).body,
            R"("corrupt")");

  const IntakeEndpointStats& st = intake_->stats(IntakeEndpoint::kDatadogLogs);
  EXPECT_EQ(st.requests.load(), 4u);
  EXPECT_EQ(st.bad_encoding.load(), 1u);
  EXPECT_EQ(st.too_large.load(), 1u);
  EXPECT_EQ(st.timeouts.load(), 1u);
  EXPECT_EQ(st.bodies_rejected.load(), 1u);  // The parser-level 400 above.
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kDatadogEvents).unsupported_encoding.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpTraces).too_large.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kOtlpMetrics).malformed_http.load(), 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kAlertmanager).bad_encoding.load(), 1u);
  EXPECT_EQ(dead_.size(), 1u);  // Only the parser-level rejection: a refused body is not kept.
}

TEST_F(HttpIntakeUnitTest, AnEventsBodyWithoutAnEventIsRejectedWithAReason) {
  Make();
  core::HttpResponse r = intake_->Handle(IntakeEndpoint::kDatadogEvents, Req(""));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("missing_field at byte 0 (record 0, field event)"));
  ASSERT_EQ(dead_.size(), 1u);
  EXPECT_THAT(dead_[0], HasSubstr("datadog_event:missing_field"));
  EXPECT_EQ(sink_.unsubmitted, 1u);
  EXPECT_EQ(intake_->stats(IntakeEndpoint::kDatadogEvents).bodies_rejected.load(), 1u);
}

// What the intake accepted is journaled (refused and unreadable bodies are not), and a checkpoint's
// cut covers it as soon as it was submitted, processed or not: the engine's snapshot, begun at
// the cut, queues behind it (intake_journal.h).
TEST_F(HttpIntakeUnitTest, JournalKeepsWhatWasAcceptedUntilACheckpointCoversIt) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("quell_intake_unit_journal_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  IntakeJournalConfig jc;
  jc.dir = dir.string();
  jc.fsync = JournalFsync::kAlways;
  auto journal = IntakeJournal::Open(jc);
  ASSERT_THAT(journal, IsOk());
  IntakeJournal& j = **journal;
  Make({}, &j);
  sink_.defer = true;
  core::HttpRequest logs = Req("ok a");
  logs.query.emplace_back("ddtags", "env:prod");
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kDatadogLogs, logs).status, 202);
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok c\nbad")).status, 400);  // c was taken.
  sink_.full = true;
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok refused")).status, 429);
  sink_.full = false;
  EXPECT_EQ(intake_->Handle(IntakeEndpoint::kAlertmanager, Req("garbage")).status, 400);
  EXPECT_EQ(j.stats().records.load(), 2u);  // Not the refused body, not the unreadable one.
  EXPECT_GE(j.stats().syncs.load(), 1u);    // fsync: always, before the answers.
  std::ifstream in(dir / "intake-00000000000000000001.ndjson");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr(R"("format":"datadog_log","ddtags":"env:prod","body_b64":)"));
  EXPECT_THAT(text.str(), HasSubstr(R"("format":"alertmanager","body_b64":)"));

  // The engine has not processed them yet (done deferred), but they were submitted before this
  // cut: its snapshot will hold them, so their segment is covered.
  ASSERT_EQ(sink_.deferred.size(), 2u);
  int cuts = 0;
  const uint64_t mark = j.BeginCheckpoint([&] { ++cuts; });
  EXPECT_EQ(cuts, 1);
  EXPECT_EQ(mark, 1u);
  for (auto& done : sink_.deferred) done();
  ASSERT_THAT(j.CheckpointDurable(mark), IsOk());
  EXPECT_FALSE(fs::exists(dir / "intake-00000000000000000001.ndjson"));
  intake_.reset();
  journal->reset();
  fs::remove_all(dir);
}

// Disk full under the journal (a file size limit in a child process): the request is answered 503
// with Retry-After and counted, so the client sends it again; the next one that fits is taken.
// From the first failure on, bodies are journaled before they are submitted: the client's retry of
// the 503 (still too large) is not applied a second time; a body that fits is, once.
TEST_F(HttpIntakeUnitTest, AJournalThatCannotWriteAnswers503) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("quell_intake_unit_full_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{2048, 2048};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int code = 0;
    {
      IntakeJournalConfig jc;
      jc.dir = dir.string();
      jc.fsync = JournalFsync::kNever;
      auto journal = IntakeJournal::Open(jc);
      if (!journal.ok()) std::_Exit(10);
      Make({}, journal->get());
      core::HttpResponse full = intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok " + std::string(4000, 'x')));
      bool retry_after = false;
      for (const auto& [k, v] : full.headers) retry_after |= k == "Retry-After" && v == "1";
      if (full.status != 503 || !retry_after || full.body.find("journal") == std::string::npos) code = 11;
      if (intake_->stats(IntakeEndpoint::kAlertmanager).journal_errors.load() != 1) code = 12;
      if (sink_.titles.size() != 1 || !(*journal)->failing()) code = 14;  // Applied before the append failed.
      if (intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok " + std::string(4000, 'x'))).status != 503) code = 15;
      if (sink_.titles.size() != 1) code = 16;  // The retry: journaled first, refused, not applied.
      if (intake_->Handle(IntakeEndpoint::kAlertmanager, Req("ok small")).status != 200) code = 13;
      if (sink_.titles.size() != 2 || (*journal)->failing()) code = 17;
      intake_.reset();
    }
    std::_Exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace quell::ingest

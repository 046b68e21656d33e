// Bad input for every parser: each case names the reason, offset and record index of every
// rejection, and the good records of the same body must still pass.
#include <string>
#include <vector>

#include "core/signal_batch.h"
#include "gtest/gtest.h"
#include "ingest/parser.h"
#include "ingest/signal_json.h"

namespace quell::ingest {
namespace {

using core::Format;
using core::RejectReason;

struct Expected {
  RejectReason reason;
  uint32_t offset;
  uint32_t record;
};

struct Case {
  const char* name;
  Format format;
  std::string body;
  uint32_t accepted;
  std::vector<Expected> rejections;
  bool body_rejected = false;
  ParserLimits limits = {};
};

std::string Deep(int levels) {
  std::string s = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"body":)";
  for (int i = 0; i < levels; ++i) s += R"({"arrayValue":{"values":[)";
  s += R"({"intValue":1})";
  for (int i = 0; i < levels; ++i) s += "]}}";
  s += R"(},{"body":{"stringValue":"ok2"}}]}]}]})";
  return s;
}

std::vector<Case> Cases() {
  std::vector<Case> c;
  for (Format f : {Format::kDatadogWebhook, Format::kDatadogEvent, Format::kDatadogLog, Format::kOtlpLogs,
                   Format::kOtlpTraces, Format::kOtlpMetrics, Format::kAlertmanager, Format::kQuell}) {
    c.push_back({"empty", f, "", 0, {{RejectReason::kEmptyBody, 0, 0}}, true});
    c.push_back({"whitespace", f, " \r\n\t ", 0, {{RejectReason::kEmptyBody, 0, 0}}, true});
    Case big{"body_too_large", f, R"({"a":"0123456789"})", 0, {{RejectReason::kTooLarge, 0, 0}}, true};
    big.limits.max_body_bytes = 8;
    c.push_back(big);
  }
  for (Format f : {Format::kDatadogWebhook, Format::kDatadogEvent, Format::kDatadogLog, Format::kOtlpLogs,
                   Format::kOtlpTraces, Format::kOtlpMetrics, Format::kAlertmanager}) {
    c.push_back({"not_json", f, "hello", 0, {{RejectReason::kMalformedJson, 0, 0}}, true});
    c.push_back({"scalar_top_level", f, "  42", 0, {{RejectReason::kWrongType, 0, 0}}, true});
    // Text that starts like a JSON literal but is not one is not JSON: malformed, not a wrong type.
    c.push_back({"not_json_like_null", f, "not json", 0, {{RejectReason::kMalformedJson, 0, 0}}, true});
    c.push_back({"not_json_like_true", f, "truth", 0, {{RejectReason::kMalformedJson, 0, 0}}, true});
    c.push_back({"not_json_number", f, "12ab", 0, {{RejectReason::kMalformedJson, 0, 0}}, true});
    c.push_back({"string_top_level", f, R"("text")", 0, {{RejectReason::kWrongType, 0, 0}}, true});
    // Invalid UTF-8 rejects only its record where the body is an array of records (the OTLP
    // formats have one top-level object: the body).
    const bool otlp = f == Format::kOtlpLogs || f == Format::kOtlpTraces || f == Format::kOtlpMetrics;
    c.push_back({"invalid_utf8", f, "[{\"a\":\"x\xff\"}]", 0, {{RejectReason::kInvalidUtf8, 8, 0}}, otlp});
  }
  c.push_back({"am_invalid_utf8_in_one_record", Format::kAlertmanager,
               "[{\"labels\":{\"a\":\"ok\"}},{\"labels\":{\"a\":\"x\xff\"}},{\"labels\":{\"a\":\"ok2\"}}]", 2,
               {{RejectReason::kInvalidUtf8, 40, 1}}});
  c.push_back({"webhook_invalid_utf8_in_one_record", Format::kDatadogWebhook,
               "[{\"title\":\"a\"},{\"title\":\"\xc3\"},{\"title\":\"c\"}]", 2,
               {{RejectReason::kInvalidUtf8, 25, 1}}});
  // Alertmanager.
  c.push_back({"am_truncated", Format::kAlertmanager, R"([{"labels":{"alertname":"a"}},{"labels":{"alertname":"b")", 1,
               {{RejectReason::kMalformedJson, 30, 1}}});
  c.push_back({"am_object_top_level", Format::kAlertmanager, R"({"labels":{}})", 0, {{RejectReason::kWrongType, 0, 0}},
               true});
  c.push_back({"am_element_not_object", Format::kAlertmanager, R"([1,{"labels":{"a":"b"}}])", 1,
               {{RejectReason::kWrongType, 1, 0}}});
  c.push_back({"am_lone_surrogate", Format::kAlertmanager,
               R"([{"labels":{"a":"\ud800"}},{"labels":{"a":"ok"}}])", 1, {{RejectReason::kInvalidUtf8, 1, 0}}});
  c.push_back({"am_trailing_content", Format::kAlertmanager, R"([{"labels":{"a":"b"}}] x)", 1,
               {{RejectReason::kMalformedJson, 23, 1}}});
  Case many{"am_too_many_records", Format::kAlertmanager,
            R"([{"labels":{"a":"1"}},{"labels":{"a":"2"}},{"labels":{"a":"3"}}])", 2,
            {{RejectReason::kTooManyRecords, 43, 2}}};
  many.limits.max_records = 2;
  c.push_back(many);
  Case huge{"webhook_huge_string", Format::kDatadogWebhook,
            R"([{"title":"short"},{"title":"this title is far too long"}])", 1, {{RejectReason::kTooLarge, 19, 1}}};
  huge.limits.max_string_bytes = 16;
  c.push_back(huge);
  c.push_back({"webhook_wrong_type", Format::kDatadogWebhook, R"({"title":["x"]})", 0,
               {{RejectReason::kWrongType, 0, 0}}});
  c.push_back({"webhook_date_out_of_range", Format::kDatadogWebhook, R"({"title":"x","date":"9999999999"})", 0,
               {{RejectReason::kOutOfRange, 0, 0}}});
  // An empty template variable ($LAST_UPDATED, $DATE) is an absent time: the other one, or arrival.
  c.push_back({"webhook_empty_times", Format::kDatadogWebhook, R"({"title":"x","date":"1767225600000","last_updated":""})",
               1, {}});
  c.push_back({"webhook_blank_date", Format::kDatadogWebhook, R"({"title":"x","date":" ","last_updated":"1767225600"})",
               1, {}});
  // An unknown enum number is unspecified (proto3 enums are open); an unknown name is not a value.
  c.push_back({"otlp_temporality_unknown_name", Format::kOtlpMetrics,
               R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"aggregationTemporality":"SIDEWAYS",)"
               R"("dataPoints":[{"asInt":"1"}]}}]}]}]})",
               0, {{RejectReason::kInvalidValue, 49, 0}}});
  c.push_back({"event_missing_text", Format::kDatadogEvent, R"({"title":"x"})", 0,
               {{RejectReason::kMissingField, 0, 0}}});
  c.push_back({"log_string_top_level", Format::kDatadogLog, R"("just a string")", 0,
               {{RejectReason::kWrongType, 0, 0}}, true});
  c.push_back({"log_mid_array_break", Format::kDatadogLog, R"([{"message":"a"},{"message":"b",]},{"message":"c"}])",
               1, {{RejectReason::kMalformedJson, 17, 1}, {RejectReason::kMalformedJson, 35, 2}}});
  // OTLP.
  c.push_back({"otlp_too_deep", Format::kOtlpLogs, Deep(80), 2, {{RejectReason::kTooDeep, 76, 1}}});
  c.push_back({"otlp_time_out_of_range", Format::kOtlpLogs,
               R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"99999999999999999999"}]}]}]})", 0,
               {{RejectReason::kOutOfRange, 46, 0}}});
  c.push_back({"otlp_array_top_level", Format::kOtlpTraces, R"([])", 0, {{RejectReason::kWrongType, 0, 0}}, true});
  c.push_back({"otlp_resource_wrong_type", Format::kOtlpLogs,
               R"({"resourceLogs":[{"resource":{"attributes":5},"scopeLogs":[]},{"scopeLogs":[{"logRecords":[{}]}]}]})",
               1, {{RejectReason::kWrongType, 17, 0}}});
  // A truncated OTLP body: the complete records before the cut pass, the rest is one rejection.
  c.push_back({"otlp_truncated", Format::kOtlpLogs,
               R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"}},{"body":{"stringVa)", 1,
               {{RejectReason::kMalformedJson, 75, 1}}});
  c.push_back({"otlp_truncated_in_second_resource", Format::kOtlpLogs,
               R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"}}]}]},)"
               R"({"scopeLogs":[{"logRecords":[{"body":{"stringValue":"b"}},{"bo)",
               2, {{RejectReason::kMalformedJson, 137, 2}}});
  c.push_back({"otlp_truncated_before_any_record", Format::kOtlpLogs, R"({"resourceLogs":[{"scopeLogs":[{"logRec)", 0,
               {{RejectReason::kMalformedJson, 0, 0}}, true});
  c.push_back({"am_truncated_mid_string", Format::kAlertmanager, R"([{"labels":{"a":"b"}}, {"labels":{"a":"unterminated)",
               1, {{RejectReason::kMalformedJson, 23, 1}}});
  c.push_back({"am_only_open_bracket", Format::kAlertmanager, "[", 0, {{RejectReason::kMalformedJson, 0, 0}}, true});
  // NDJSON records.
  c.push_back({"ndjson_bad_lines", Format::kQuell,
               "{\"t\":1,\"format\":\"alertmanager\",\"body\":[{\"labels\":{\"a\":\"b\"}}]}\n"
               "garbage\n"
               "{\"t\":2,\"format\":\"alertmanager\",\"body\":[{\"labels\":5}]}\n"
               "{\"t\":3,\"body\":[]}\n",
               1,
               {{RejectReason::kMalformedJson, 62, 1}, {RejectReason::kWrongType, 109, 2},
                {RejectReason::kMissingField, 124, 3}}});
  return c;
}

TEST(MalformedInputTest, EachCase) {
  for (const Case& tc : Cases()) {
    SCOPED_TRACE(std::string(tc.name) + " / " + std::string(core::FormatName(tc.format)));
    ParserOptions o;
    o.limits = tc.limits;
    auto p = MakeParser(tc.format, o);
    ASSERT_NE(p, nullptr);
    core::SignalBatch b;
    ParseResult r = p->Parse(tc.body, tc.body.size(), core::SourceKind::kHttp, core::EventTime::FromUnixNanos(1), &b);
    EXPECT_EQ(r.accepted, b.size());
    EXPECT_EQ(r.rejected, b.rejections().size());
    EXPECT_EQ(r.accepted, tc.accepted);
    EXPECT_EQ(r.body_rejected, tc.body_rejected);
    std::string got;
    for (const auto& rej : b.rejections()) got += RejectionToJson(rej) + "\n";
    ASSERT_EQ(b.rejections().size(), tc.rejections.size()) << got;
    for (size_t i = 0; i < tc.rejections.size(); ++i) {
      EXPECT_EQ(b.rejections()[i].reason, tc.rejections[i].reason) << got;
      EXPECT_EQ(b.rejections()[i].offset, tc.rejections[i].offset) << got;
      EXPECT_EQ(b.rejections()[i].record_index, tc.rejections[i].record) << got;
    }
  }
}

}  // namespace
}  // namespace quell::ingest

// Datadog's official Node.js API client (@datadog/datadog-api-client 1.x, pinned in
// tests/compat/datadog-js/package.json) against quell-intake-harness with a required DD-API-KEY:
// EventsApi.createEvent (v1) and LogsApi.submitLog (v2: plain with ?ddtags=, gzip, deflate) must
// succeed in the client, and Quell must have received exactly what the client put on the wire,
// every field mapped as docs/signal-model.md says; the same calls with a wrong key must be refused
// (ApiException 403 in the client, with a body it can parse) and record nothing. send.js writes a
// summary of each request (URL, headers, JSON body) and of each answer; this test derives its
// expectations from those bodies.
// Runs `npm ci` into tests/compat/datadog-js when node_modules is missing.
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/compat/subprocess.h"

namespace quell::compat {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

const std::string kDir = std::string(QUELL_SOURCE_DIR) + "/tests/compat/datadog-js";

int64_t WallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A scalar as Quell renders attribute values: strings as they are, anything else as compact JSON.
std::string ScalarText(simdjson::dom::element v) {
  if (v.is_string()) return std::string(std::string_view(v.get_string()));
  return simdjson::minify(v);
}

std::map<std::string, std::string> StringMap(simdjson::dom::element obj) {
  std::map<std::string, std::string> out;
  for (auto [k, v] : obj.get_object()) out[std::string(k)] = ScalarText(v);
  return out;
}

// Nested objects flattened to dotted names, as the logs parser stores extra attributes.
void Flatten(const std::string& prefix, simdjson::dom::element v, std::map<std::string, std::string>* out) {
  if (v.is_object()) {
    for (auto [k, child] : v.get_object()) Flatten(prefix.empty() ? std::string(k) : prefix + "." + std::string(k), child, out);
  } else {
    (*out)[prefix] = ScalarText(v);
  }
}

// "k:v,k2:v2" or ["k:v", ...] items; a tag without ':' has the value "true".
void AddTag(std::string_view tag, std::map<std::string, std::string>* out) {
  size_t colon = tag.find(':');
  if (colon == std::string_view::npos) {
    (*out)[std::string(tag)] = "true";
  } else {
    (*out)[std::string(tag.substr(0, colon))] = std::string(tag.substr(colon + 1));
  }
}
std::map<std::string, std::string> CsvTags(std::string_view csv) {
  std::map<std::string, std::string> out;
  std::stringstream ss{std::string(csv)};
  std::string tag;
  while (std::getline(ss, tag, ',')) {
    if (!tag.empty()) AddTag(tag, &out);
  }
  return out;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i] == '+' ? ' ' : in[i]);
    }
  }
  return out;
}

// One line of the harness's received.jsonl.
struct Received {
  std::string kind, format, state, severity, title, message, service, env, host, version, source_id;
  int64_t event_time_ns = 0;
  std::map<std::string, std::string> labels, annotations;
};

std::vector<Received> ReadReceived(const std::string& path, std::vector<std::string>* dead_letters) {
  std::vector<Received> out;
  simdjson::dom::parser parser;
  std::stringstream ss(ReadFile(path));
  std::string line;
  while (std::getline(ss, line)) {
    simdjson::dom::element e = parser.parse(line);
    if (e["dead_letter"].error() == simdjson::SUCCESS) {
      dead_letters->push_back(line);
      continue;
    }
    Received r;
    auto str = [&](const char* k) { return std::string(std::string_view(e[k].get_string())); };
    r.kind = str("kind");
    r.format = str("format");
    r.state = str("state");
    r.severity = str("severity");
    r.title = str("title");
    r.message = str("message");
    r.service = str("service");
    r.env = str("env");
    r.host = str("host");
    r.version = str("version");
    r.source_id = str("source_id");
    r.event_time_ns = e["event_time_ns"].get_int64();
    r.labels = StringMap(e["labels"]);
    r.annotations = StringMap(e["annotations"]);
    out.push_back(std::move(r));
  }
  return out;
}

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

// docs/signal-model.md, Datadog column: log `status` -> Quell severity.
std::string SeverityOfStatus(const std::string& status) {
  static const std::map<std::string, std::string> kMap = {
      {"info", "info"}, {"warn", "warning"}, {"error", "error"}, {"critical", "critical"}};
  auto it = kMap.find(status);
  return it == kMap.end() ? "unknown" : it->second;
}

TEST(DatadogJsCompatTest, ApiClientEventsAndLogsArriveExactlyAndWrongKeyIsRefused) {
  std::string node = FindExecutable("node");
  std::string npm = FindExecutable("npm");
  if (node.empty() || npm.empty()) GTEST_SKIP() << "node/npm not installed: Datadog JS API client compat test skipped";
  std::string tmp = MakeTempDir("quell-datadog-js-");
  ASSERT_FALSE(tmp.empty());
  ASSERT_EQ(NpmCiIfMissing(npm, kDir, "@datadog/datadog-api-client/package.json", tmp + "/npm.log"), "");

  // The harness requires this key (it inherits the environment and reads the variable once).
  const std::string key = "quell-compat-dd-key-" + std::to_string(::getpid());
  ASSERT_EQ(::setenv("QUELL_COMPAT_DD_API_KEY", key.c_str(), 1), 0);
  std::optional<Subprocess> harness;
  uint16_t port = StartHarness(&harness, QUELL_HARNESS, tmp, {"--dd-api-key-env", "QUELL_COMPAT_DD_API_KEY"});
  ASSERT_NE(port, 0) << ReadFile(tmp + "/harness.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  const int64_t sent_after = WallNanos();
  Subprocess sender({node, kDir + "/send.js"}, tmp + "/node.log", kDir,
                    {{"QUELL_URL", base}, {"DD_API_KEY", key}, {"SUMMARY_FILE", tmp + "/summary.json"}});
  ASSERT_TRUE(sender.Wait(std::chrono::seconds(60))) << "node send.js timed out";
  const int64_t sent_before = WallNanos();
  ASSERT_EQ(sender.exit_code(), 0) << ReadFile(tmp + "/node.log");

  // --- What the client sent and saw.
  simdjson::dom::parser summary_parser;
  const std::string summary_text = ReadFile(tmp + "/summary.json");
  simdjson::dom::element summary;
  ASSERT_EQ(summary_parser.parse(summary_text).get(summary), simdjson::SUCCESS) << summary_text;
  simdjson::dom::array calls = summary["calls"].get_array();
  ASSERT_EQ(calls.size(), 6u) << summary_text;
  std::vector<simdjson::dom::element> events, logs;
  int refused = 0;
  for (simdjson::dom::element c : calls) {
    const std::string api = Str(c, "api");
    SCOPED_TRACE(api + " " + Str(c, "key") + " key: " + simdjson::minify(c));
    EXPECT_EQ(Str(c, "method"), "POST");
    EXPECT_THAT(Str(c, "url"), StartsWith(base + (api == "events" ? "/api/v1/events" : "/api/v2/logs")));
    if (Str(c, "key") == "bad") {
      EXPECT_NE(Str(c["headers"], "DD-API-KEY"), key);
      EXPECT_EQ(c["status"].get_int64().value(), 403);
      EXPECT_EQ(c["error"]["code"].get_int64().value(), 403);  // The client threw ApiException(403).
      if (api == "logs") {
        // The client parsed the body as HTTPLogErrors: JSON:API error objects, not strings.
        simdjson::dom::element first = c["error"]["body"]["errors"].at(0);
        EXPECT_EQ(Str(first, "status"), "403");
        EXPECT_EQ(Str(first, "title"), "Forbidden");
      } else {
        // createEvent declares no 403 answer, so the client keeps the raw body (APIErrorResponse).
        EXPECT_THAT(Str(c["error"], "body"), HasSubstr(R"({"errors":["Forbidden: missing or invalid API key"]})"));
      }
      ++refused;
      continue;
    }
    EXPECT_EQ(Str(c["headers"], "DD-API-KEY"), key);
    EXPECT_EQ(c["status"].get_int64().value(), 202);
    EXPECT_TRUE(c["error"].is_null());
    (api == "events" ? events : logs).push_back(c);
  }
  EXPECT_EQ(refused, 2);
  ASSERT_THAT(events, SizeIs(1));
  ASSERT_THAT(logs, SizeIs(3));

  // --- What Quell recorded: nothing dead-lettered, nothing from the wrong key, nothing extra.
  std::vector<std::string> dead;
  std::vector<Received> got = ReadReceived(tmp + "/received.jsonl", &dead);
  EXPECT_THAT(dead, IsEmpty());
  size_t sent_logs = 0;
  for (simdjson::dom::element call : logs) sent_logs += call["body"].get_array().size();
  ASSERT_THAT(got, SizeIs(1 + sent_logs)) << ReadFile(tmp + "/received.jsonl");
  for (const Received& r : got) {
    EXPECT_NE(r.title, "wrong key event");
    EXPECT_NE(r.message, "wrong key log");
  }

  // --- The event: every field of the wire body.
  {
    simdjson::dom::element body = events[0]["body"];
    SCOPED_TRACE("event sent: " + simdjson::minify(body));
    std::vector<const Received*> match;
    for (const Received& r : got)
      if (r.format == "datadog_event") match.push_back(&r);
    ASSERT_THAT(match, SizeIs(1));
    const Received& r = *match[0];
    EXPECT_EQ(r.kind, "alert");
    EXPECT_EQ(r.state, "firing");
    ASSERT_EQ(Str(body, "alert_type"), "error");
    EXPECT_EQ(r.severity, "error");
    EXPECT_EQ(r.title, Str(body, "title"));
    EXPECT_EQ(r.message, Str(body, "text"));
    EXPECT_EQ(r.host, Str(body, "host"));
    EXPECT_EQ(r.source_id, Str(body, "aggregation_key"));
    EXPECT_EQ(r.event_time_ns, body["date_happened"].get_int64().value() * 1000000000);
    std::map<std::string, std::string> want_labels = {{"alertname", Str(body, "title")},
                                                      {"aggregation_key", Str(body, "aggregation_key")},
                                                      {"source", Str(body, "source_type_name")},
                                                      {"host", Str(body, "host")}};
    for (simdjson::dom::element t : body["tags"].get_array()) AddTag(std::string_view(t.get_string()), &want_labels);
    EXPECT_EQ(r.labels, want_labels);
    EXPECT_EQ(r.service, want_labels["service"]);
    EXPECT_EQ(r.env, want_labels["env"]);
    EXPECT_EQ(r.version, want_labels["version"]);
    EXPECT_EQ(r.annotations.at("alert_type"), Str(body, "alert_type"));
    EXPECT_EQ(r.annotations.at("priority"), Str(body, "priority"));

    // The client parsed Quell's answer into an EventCreateResponse.
    simdjson::dom::element res = events[0]["result"];
    EXPECT_EQ(Str(res, "status"), "ok");
    EXPECT_EQ(Str(res["event"], "title"), Str(body, "title"));
    EXPECT_EQ(Str(res["event"], "text"), Str(body, "text"));
    EXPECT_EQ(res["event"]["dateHappened"].get_int64().value(), body["date_happened"].get_int64().value());
    EXPECT_GT(res["event"]["id"].get_int64().value(), 0);
    EXPECT_EQ(Str(res["event"], "idStr"), std::to_string(res["event"]["id"].get_int64().value()));
    std::vector<std::string> sent_tags, echoed_tags;
    for (simdjson::dom::element t : body["tags"].get_array()) sent_tags.emplace_back(std::string_view(t.get_string()));
    for (simdjson::dom::element t : res["event"]["tags"].get_array())
      echoed_tags.emplace_back(std::string_view(t.get_string()));
    EXPECT_EQ(echoed_tags, sent_tags);  // Datadog echoes the event's own tags.
  }

  // --- The logs: every entry of both batches, the gzip one included.
  EXPECT_EQ(Str(logs[0]["headers"], "Content-Encoding"), "");
  EXPECT_EQ(Str(logs[1]["headers"], "Content-Encoding"), "gzip");
  EXPECT_EQ(Str(logs[2]["headers"], "Content-Encoding"), "deflate");
  std::set<std::string> statuses;
  for (simdjson::dom::element call : logs) {
    EXPECT_TRUE(call["result"].is_object() && call["result"].get_object().size() == 0) << simdjson::minify(call);
    // ?ddtags= applies to every entry; an entry's own tag of the same name wins.
    std::string url = Str(call, "url");
    std::map<std::string, std::string> query_tags;
    if (size_t q = url.find("?ddtags="); q != std::string::npos) {
      query_tags = CsvTags(PercentDecode(url.substr(q + 8, url.find('&', q + 8) - (q + 8))));
    }
    for (simdjson::dom::element item : call["body"].get_array()) {
      SCOPED_TRACE("log sent: " + simdjson::minify(item));
      std::vector<const Received*> match;
      for (const Received& r : got)
        if (r.format == "datadog_log" && r.message == Str(item, "message")) match.push_back(&r);
      ASSERT_THAT(match, SizeIs(1));
      const Received& r = *match[0];
      EXPECT_EQ(r.kind, "log");
      EXPECT_EQ(r.service, Str(item, "service"));
      EXPECT_EQ(r.host, Str(item, "hostname"));
      const std::string status = Str(item, "status");
      statuses.insert(status);
      EXPECT_EQ(r.severity, SeverityOfStatus(status));
      EXPECT_NE(r.severity, "unknown");

      std::map<std::string, std::string> want_labels = query_tags;
      for (auto& [k, v] : CsvTags(Str(item, "ddtags"))) want_labels[k] = v;
      want_labels["service"] = Str(item, "service");
      want_labels["host"] = Str(item, "hostname");
      want_labels["source"] = Str(item, "ddsource");
      EXPECT_EQ(r.labels, want_labels);
      if (want_labels.count("env")) {
        EXPECT_EQ(r.env, want_labels["env"]);
      }

      int64_t ts_ms = 0;
      if (item["timestamp"].get(ts_ms) == simdjson::SUCCESS) {
        EXPECT_EQ(r.event_time_ns, ts_ms * 1000000);
      } else {  // No timestamp: the arrival time.
        EXPECT_GE(r.event_time_ns, sent_after);
        EXPECT_LE(r.event_time_ns, sent_before);
      }

      // Every other attribute (nested objects flattened) is an annotation with its value.
      std::map<std::string, std::string> want_annotations;
      for (auto [k, v] : item.get_object()) {
        std::string name(k);
        if (name == "message" || name == "ddsource" || name == "ddtags" || name == "hostname" || name == "service" ||
            name == "timestamp")
          continue;
        Flatten(name, v, &want_annotations);
      }
      EXPECT_EQ(r.annotations, want_annotations);
    }
  }
  // The client was made to send each status the severity table covers.
  EXPECT_EQ(statuses, (std::set<std::string>{"critical", "error", "info", "warn"}));
}

}  // namespace
}  // namespace quell::compat

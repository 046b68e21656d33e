// src/sinks/redactor.h
//
// Redactor: removes protected health information (PHI) and personal data from every string that
// leaves Quell through a receiver, the outbox or a log line. A page that leaks patient data is the
// second worst failure Quell can have, so the Dispatcher redacts each Notification BEFORE it is
// written to the outbox or serialised for any receiver; the ops logging setup routes spdlog
// messages through RedactLine().
//
// Built-in detectors (each can be switched off in config), applied in this order:
//   secrets        credentials: the value after a key such as password, secret, token, api_key,
//                  client_secret or access_token (`password=...`, `"api_key": "..."`); an
//                  Authorization header's credentials; a Bearer token; user:password in a URL;
//                  and tokens by their issuer's shape (AWS access key ids, GitHub, Slack and
//                  Stripe live tokens, Slack incoming-webhook URLs, Google API keys, JWTs, PEM
//                  private keys). For the first four only the secret is replaced, so
//                  "password=[REDACTED:secret]" still says what was there.
//   payment_card   13-19 digits, optionally grouped by single spaces or dashes, with a card issuer
//                  prefix and length (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay) that
//                  pass the Luhn check; ordinary long numbers (order ids, epoch-ms timestamps)
//                  survive.
//   ssn            US social security numbers written 123-45-6789 or 123 45 6789.
//   phone          NANP numbers ((555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567)
//                  and E.164 (+4915112345678).
//   email          local@domain.tld.
//   mrn            medical record numbers; default pattern `(?i)\bMRN[\s:#-]*[A-Z0-9]{5,12}\b`,
//                  replaced wholesale by `mrn_patterns` in config.
//   patterns       extra named RE2 patterns from config.
// A match is replaced by "[REDACTED:<detector>]". Label NAMES are never changed, only values.
//
// Per-field allow-lists (`allow_fields`) exempt a field from redaction: "summary",
// "labels.<name>" (every label set: group, common and alert labels), "annotations.<name>",
// "root_cause_service", "impacted_services", "deploy.<field>", "runbook", "runbook_url",
// "external_url", "generator_url", "group_key", "gate_verdict_json". Engine-generated
// identifiers (dedup_key, incident_id, alert fingerprints, receiver) are never redacted, so
// deduplication and outbox ordering are unaffected.
//
// Limitations: detection is pattern-based; free-text names, addresses and dates of birth are not
// recognised (configure `patterns` for site-specific formats, and keep PHI out of labels).
// Unseparated 9-digit numbers are not treated as SSNs (too many false positives).
//
// Threading: immutable after Create; all methods are const and thread-safe.
#ifndef QUELL_SINKS_REDACTOR_H_
#define QUELL_SINKS_REDACTOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/notification.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace re2 {
class RE2;
}

namespace quell::sinks {

// The `redaction:` section of the config.
struct RedactionConfig {
  bool enabled = true;          // Default: true. false disables every detector (tests, non-PHI sites).
  bool secrets = true;          // Default: true. Passwords, tokens, API keys (see the file comment).
  bool payment_card = true;     // Default: true. Luhn-checked card numbers.
  bool ssn = true;              // Default: true.
  bool phone = true;            // Default: true.
  bool email = true;            // Default: true.
  // RE2 patterns for medical record numbers. Default: one pattern, see the file comment.
  std::vector<std::string> mrn_patterns = {R"((?i)\bMRN[\s:#-]*[A-Z0-9]{5,12}\b)"};
  struct Pattern {
    std::string name;           // Appears in the replacement: [REDACTED:<name>].
    std::string regex;          // RE2 syntax.
  };
  std::vector<Pattern> patterns;       // Extra detectors: `- {name: badge, regex: 'B-\d{6}'}`.
  std::vector<std::string> allow_fields;  // Fields exempt from redaction (see the file comment).
  core::SourceLocation where;
};

// Parses the `redaction:` mapping. Keys: enabled, secrets, payment_card, ssn, phone, email, mrn_patterns,
// patterns, allow_fields. Invalid regexes fail with file:line:col.
[[nodiscard]] absl::StatusOr<RedactionConfig> ParseRedactionConfig(const core::YamlNode& node);

class Redactor {
 public:
  // Compiles the config's detectors. InvalidArgument naming the pattern's location when one does
  // not compile.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Redactor>> Create(const RedactionConfig& config);
  ~Redactor();

  // Redacts `*s` in place; returns true iff anything was replaced.
  bool RedactString(std::string* s) const;
  // A redacted copy of `line`: what the logging setup calls on every formatted log message.
  std::string RedactLine(std::string_view line) const;
  // Redacts every free-text string field of `*n` except allow-listed fields (see file comment).
  // Returns the number of fields changed.
  int RedactNotification(core::Notification* n) const;

 private:
  struct Detector;
  explicit Redactor(RedactionConfig config);
  bool Allowed(std::string_view field) const;
  bool RedactField(std::string_view field, std::string* s) const;
  bool RedactLabels(std::string_view prefix, core::LabelSet* labels) const;

  RedactionConfig config_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  std::unique_ptr<re2::RE2> any_;  // All detectors as one alternation (prefilter).
};

// True iff the digits of `s` (other characters ignored) pass the Luhn check; false when fewer than
// two digits.
bool LuhnValid(std::string_view s);
// True iff `s` holds 13-19 digits with a known issuer prefix and length that pass LuhnValid.
bool LooksLikeCard(std::string_view s);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_REDACTOR_H_

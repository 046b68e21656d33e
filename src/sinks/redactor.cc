// src/sinks/redactor.cc
#include "sinks/redactor.h"

#include <utility>

#include "core/status_macros.h"
#include "fmt/format.h"
#include "re2/re2.h"

namespace quell::sinks {

struct Redactor::Detector {
  std::string name;
  std::unique_ptr<re2::RE2> re;
  bool luhn = false;   // Replace only matches that pass the Luhn check.
  bool group = false;  // Replace only capture group 1 (the secret after its key or scheme).
};

namespace {

constexpr std::string_view kCardPattern = R"(\b\d(?:[ -]?\d){12,18}\b)";
constexpr std::string_view kSsnPattern = R"(\b\d{3}([- ])\d{2}[- ]\d{4}\b)";
constexpr std::string_view kPhonePattern =
    R"((?:\+1[-. ]?)?(?:\(\d{3}\)[-. ]?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b|\+\d{10,15}\b)";
constexpr std::string_view kEmailPattern = R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})";

// The `secrets` detector: credentials by their key, header or URL position (only the secret itself
// is replaced: group 1), then tokens by their issuer's shape (replaced whole).
struct SecretPattern {
  std::string_view regex;
  bool group;
};
constexpr SecretPattern kSecretPatterns[] = {
    // password=..., "api_key": "...", client_secret: ..., token=... (not next_page_token: `\b`).
    {R"((?i)\b(?:api[_-]?key|apikey|app[_-]?key|access[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|)"
     R"(refresh[_-]?token|private[_-]?token|client[_-]?secret|token|secret|password|passwd|pwd)\b["']?\s*[:=]\s*["']?)"
     R"(([^\s"'&,;]{3,}))",
     true},
    // Authorization: Bearer ..., authorization=Basic ..., a raw header value.
    {R"((?i)\bauthorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|digest|negotiate|apikey)\s+)?([^\s"',;]{4,}))",
     true},
    {R"((?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*))", true},
    // Credentials in a URL: scheme://user:password@host.
    {R"((?i)\b[a-z][a-z0-9+.-]*://([^/\s:@"']+:[^/\s@"']+)@)", true},
    {R"(\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)", false},                          // AWS access key id.
    {R"(\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))", false},  // GitHub.
    {R"(\bxox[abposr]-[A-Za-z0-9-]{10,})", false},                         // Slack token.
    {R"(https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+)", false},     // Slack incoming webhook.
    {R"(\b[rs]k_live_[A-Za-z0-9]{16,})", false},                           // Stripe live key.
    {R"(\bAIza[0-9A-Za-z_-]{35})", false},                                 // Google API key.
    {R"(\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})", false},  // JWT.
    {R"(-----BEGIN[A-Z ]*PRIVATE KEY-----(?s:.*?)-----END[A-Z ]*PRIVATE KEY-----)", false},
};

absl::StatusOr<std::unique_ptr<re2::RE2>> Compile(std::string_view pattern, const core::SourceLocation& where,
                                                  std::string_view name) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: redaction: pattern \"{}\" does not compile: {}", where.ToString(), name, re->error()));
  }
  return re;
}

}  // namespace

bool LuhnValid(std::string_view s) {
  int sum = 0;
  int n = 0;
  for (size_t i = s.size(); i-- > 0;) {
    char c = s[i];
    if (c < '0' || c > '9') continue;
    int d = c - '0';
    if (n % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    ++n;
  }
  return n >= 2 && sum % 10 == 0;
}

bool LooksLikeCard(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (c >= '0' && c <= '9') d.push_back(c);
  }
  size_t n = d.size();
  if (n < 13 || n > 19) return false;
  auto prefix = [&](size_t k) { return std::stoi(d.substr(0, k)); };
  bool issuer = false;
  if (d[0] == '4') issuer = n == 13 || n == 16 || n == 19;                        // Visa.
  else if (prefix(2) >= 51 && prefix(2) <= 55) issuer = n == 16;                  // Mastercard.
  else if (prefix(4) >= 2221 && prefix(4) <= 2720) issuer = n == 16;              // Mastercard 2-series.
  else if (prefix(2) == 34 || prefix(2) == 37) issuer = n == 15;                  // Amex.
  else if (prefix(4) == 6011 || prefix(2) == 65 || (prefix(3) >= 644 && prefix(3) <= 649))
    issuer = n >= 16;                                                             // Discover.
  else if (prefix(2) == 36 || prefix(2) == 38 || (prefix(3) >= 300 && prefix(3) <= 305))
    issuer = n >= 14 && n <= 16;                                                  // Diners.
  else if (prefix(2) == 35) issuer = n >= 16;                                     // JCB.
  else if (prefix(2) == 62) issuer = n >= 16;                                     // UnionPay.
  return issuer && LuhnValid(d);
}

absl::StatusOr<RedactionConfig> ParseRedactionConfig(const core::YamlNode& node) {
  RedactionConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "redaction",
      {"enabled", "secrets", "payment_card", "ssn", "phone", "email", "mrn_patterns", "patterns", "allow_fields"}));
  QUELL_RETURN_IF_ERROR(node.ReadBool("secrets", &c.secrets));
  QUELL_RETURN_IF_ERROR(node.ReadBool("enabled", &c.enabled));
  QUELL_RETURN_IF_ERROR(node.ReadBool("payment_card", &c.payment_card));
  QUELL_RETURN_IF_ERROR(node.ReadBool("ssn", &c.ssn));
  QUELL_RETURN_IF_ERROR(node.ReadBool("phone", &c.phone));
  QUELL_RETURN_IF_ERROR(node.ReadBool("email", &c.email));
  QUELL_RETURN_IF_ERROR(node.ReadStringList("mrn_patterns", &c.mrn_patterns));
  QUELL_RETURN_IF_ERROR(node.ReadStringList("allow_fields", &c.allow_fields));
  if (auto mrn = node.Child("mrn_patterns")) {
    for (const auto& p : c.mrn_patterns) {
      auto re = Compile(p, mrn->location(), "mrn");
      if (!re.ok()) return re.status();
    }
  }
  if (auto pats = node.Child("patterns")) {
    QUELL_RETURN_IF_ERROR(pats->ExpectSequence("redaction: patterns"));
    for (const auto& item : pats->Items()) {
      QUELL_RETURN_IF_ERROR(item.CheckKeys("redaction pattern", {"name", "regex"}));
      RedactionConfig::Pattern p;
      QUELL_RETURN_IF_ERROR(item.RequireString("name", &p.name));
      QUELL_RETURN_IF_ERROR(item.RequireString("regex", &p.regex));
      auto re = Compile(p.regex, item.location(), p.name);
      if (!re.ok()) return re.status();
      c.patterns.push_back(std::move(p));
    }
  }
  return c;
}

Redactor::Redactor(RedactionConfig config) : config_(std::move(config)) {}
Redactor::~Redactor() = default;

absl::StatusOr<std::unique_ptr<Redactor>> Redactor::Create(const RedactionConfig& config) {
  std::unique_ptr<Redactor> r(new Redactor(config));
  if (!config.enabled) return r;
  auto add = [&](std::string_view name, std::string_view pattern, bool luhn, bool group = false) -> absl::Status {
    QUELL_ASSIGN_OR_RETURN(auto re, Compile(pattern, config.where, name));
    auto d = std::make_unique<Detector>();
    d->name = std::string(name);
    d->re = std::move(re);
    d->luhn = luhn;
    d->group = group && d->re->NumberOfCapturingGroups() >= 1;
    r->detectors_.push_back(std::move(d));
    return absl::OkStatus();
  };
  // Secrets first: a token's digits must not be taken for a phone or card number half-way.
  if (config.secrets) {
    for (const SecretPattern& p : kSecretPatterns) QUELL_RETURN_IF_ERROR(add("secret", p.regex, false, p.group));
  }
  if (config.payment_card) QUELL_RETURN_IF_ERROR(add("payment_card", kCardPattern, true));
  if (config.ssn) QUELL_RETURN_IF_ERROR(add("ssn", kSsnPattern, false));
  if (config.phone) QUELL_RETURN_IF_ERROR(add("phone", kPhonePattern, false));
  if (config.email) QUELL_RETURN_IF_ERROR(add("email", kEmailPattern, false));
  for (const auto& p : config.mrn_patterns) QUELL_RETURN_IF_ERROR(add("mrn", p, false));
  for (const auto& p : config.patterns) QUELL_RETURN_IF_ERROR(add(p.name, p.regex, false));
  // One combined scan answers "could anything match?" for the common clean string.
  std::string any;
  for (const auto& d : r->detectors_) {
    if (!any.empty()) any.push_back('|');
    any += "(?:" + d->re->pattern() + ")";
  }
  if (!any.empty()) {
    QUELL_ASSIGN_OR_RETURN(r->any_, Compile(any, config.where, "combined"));
  }
  return r;
}

bool Redactor::RedactString(std::string* s) const {
  if (s->empty() || detectors_.empty()) return false;
  if (any_ && !re2::RE2::PartialMatch(*s, *any_)) return false;
  bool changed = false;
  std::string out;
  for (const auto& d : detectors_) {
    re2::StringPiece input(*s);
    re2::StringPiece match;
    size_t pos = 0;
    bool any = false;
    out.clear();
    re2::StringPiece groups[2];
    while (pos <= s->size() &&
           d->re->Match(input, pos, s->size(), re2::RE2::UNANCHORED, groups, d->group ? 2 : 1)) {
      // A detector with a group replaces only the group (the secret, not its key), when it took part.
      match = d->group && groups[1].data() != nullptr ? groups[1] : groups[0];
      size_t start = static_cast<size_t>(match.data() - s->data());
      size_t end = start + match.size();
      if (match.data() != groups[0].data() || match.size() != groups[0].size()) {
        // Keep what the whole match holds before the group; resume after the whole match.
        const size_t whole_end = static_cast<size_t>(groups[0].data() - s->data()) + groups[0].size();
        out.append(*s, pos, start - pos);
        fmt::format_to(std::back_inserter(out), "[REDACTED:{}]", d->name);
        out.append(*s, end, whole_end - end);
        any = true;
        pos = whole_end;
        continue;
      }
      if (match.empty()) {  // A pattern that matches nothing: step over one byte.
        out.append(*s, pos, start + 1 - pos);
        pos = start + 1;
        continue;
      }
      out.append(*s, pos, start - pos);
      if (d->luhn && !LooksLikeCard(std::string_view(match.data(), match.size()))) {
        out.append(match.data(), match.size());
      } else {
        fmt::format_to(std::back_inserter(out), "[REDACTED:{}]", d->name);
        any = true;
      }
      pos = end;
    }
    if (any) {
      if (pos < s->size()) out.append(*s, pos, std::string::npos);
      s->swap(out);
      changed = true;
    }
  }
  return changed;
}

std::string Redactor::RedactLine(std::string_view line) const {
  std::string s(line);
  RedactString(&s);
  return s;
}

bool Redactor::Allowed(std::string_view field) const {
  for (const auto& f : config_.allow_fields) {
    if (f == field) return true;
  }
  return false;
}

bool Redactor::RedactField(std::string_view field, std::string* s) const {
  if (Allowed(field)) return false;
  return RedactString(s);
}

bool Redactor::RedactLabels(std::string_view prefix, core::LabelSet* labels) const {
  if (labels->empty() || detectors_.empty()) return false;
  // The common case is a clean label set: one combined scan per value, no copies. Only a set
  // with a candidate value is rebuilt (RedactField then applies the allow-list and detectors).
  if (any_) {
    bool candidate = false;
    for (const auto& l : labels->view()) {
      if (!l.value.empty() && re2::RE2::PartialMatch(re2::StringPiece(l.value.data(), l.value.size()), *any_)) {
        candidate = true;
        break;
      }
    }
    if (!candidate) return false;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(labels->size());
  bool changed = false;
  std::string field;
  for (const auto& l : labels->view()) {
    std::string v(l.value);
    field.assign(prefix);
    field.push_back('.');
    field.append(l.name);
    changed |= RedactField(field, &v);
    pairs.emplace_back(std::string(l.name), std::move(v));
  }
  if (changed) *labels = core::LabelSet::FromPairs(std::move(pairs));
  return changed;
}

int Redactor::RedactNotification(core::Notification* n) const {
  if (detectors_.empty()) return 0;
  int changed = 0;
  changed += RedactField("summary", &n->summary);
  changed += RedactField("group_key", &n->group_key);
  changed += RedactLabels("labels", &n->group_labels);
  changed += RedactLabels("labels", &n->common_labels);
  changed += RedactLabels("annotations", &n->common_annotations);
  for (auto& a : n->alerts) {
    changed += RedactLabels("labels", &a.labels);
    changed += RedactLabels("annotations", &a.annotations);
    changed += RedactField("generator_url", &a.generator_url);
  }
  changed += RedactField("root_cause_service", &n->root_cause_service);
  for (auto& s : n->impacted_services) changed += RedactField("impacted_services", &s);
  if (n->deploy) {
    changed += RedactField("deploy.service", &n->deploy->service);
    changed += RedactField("deploy.version", &n->deploy->version);
    changed += RedactField("deploy.env", &n->deploy->env);
    changed += RedactField("deploy.link", &n->deploy->link);
  }
  changed += RedactField("runbook", &n->runbook);
  changed += RedactField("runbook_url", &n->runbook_url);
  changed += RedactField("external_url", &n->external_url);
  changed += RedactField("gate_verdict_json", &n->gate_verdict_json);
  return changed;
}

}  // namespace quell::sinks

#include "correlate/matcher.h"

#include <algorithm>

#include "core/strings.h"
#include "fmt/format.h"
#include "re2/re2.h"

namespace quell::correlate {
namespace {

// Prometheus' classic label name, [a-zA-Z_][a-zA-Z0-9_]*: rendered without quotes.
bool IsClassicLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The characters that end an unquoted label name (a quoted name may hold any).
bool EndsUnquotedName(char c) {
  return IsSpace(c) || c == '{' || c == '}' || c == ',' || c == '=' || c == '!' || c == '~' || c == '"';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The index of the quote closing the quoted string that starts at s[0], or npos.
size_t ClosingQuote(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i;
    }
  }
  return std::string_view::npos;
}

// Alertmanager's unescaping (pkg/labels ParseMatcher): \n, \" and \\; a backslash before any other
// character, or at the end, is a literal backslash (so `code=~"5\d\d"` keeps its `\d`).
std::string Unescape(std::string_view q) {
  std::string out;
  out.reserve(q.size());
  for (size_t k = 0; k < q.size(); ++k) {
    if (q[k] == '\\' && k + 1 < q.size()) {
      char e = q[++k];
      if (e == 'n') {
        out += '\n';
      } else if (e == '"' || e == '\\') {
        out += e;
      } else {
        out += '\\';
        out += e;
      }
    } else {
      out += q[k];
    }
  }
  return out;
}

// `"s"` with \" \\ and \n escaped: what Unescape reads back.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

// Splits `{a="b", c="d,e"}` on commas outside quotes.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view s) {
  std::vector<std::string_view> out;
  bool in_quotes = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && in_quotes) {
      ++i;
      continue;
    }
    if (c == '"') in_quotes = !in_quotes;
    if (c == ',' && !in_quotes) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

}  // namespace

std::string_view MatchTypeOperator(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexp: return "=~";
    case MatchType::kNotRegexp: return "!~";
  }
  return "=";
}

absl::StatusOr<Matcher> Matcher::Create(MatchType type, std::string name, std::string value) {
  if (name.empty()) return absl::InvalidArgumentError("matcher: invalid label name \"\": empty");
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (m.is_regex()) {
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_shared<const RE2>("^(?:" + m.value_ + ")$", opts);
    if (!re->ok()) {
      return absl::InvalidArgumentError(fmt::format("matcher: invalid regular expression \"{}\": {}",
                                                    m.value_, re->error()));
    }
    m.re_ = std::move(re);
  }
  return m;
}

absl::StatusOr<Matcher> Matcher::Parse(std::string_view text) {
  text = Trim(text);
  std::string name;
  size_t i = 0;
  if (!text.empty() && text.front() == '"') {
    size_t close = ClosingQuote(text);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format("matcher: \"{}\": unterminated quoted label name", text));
    }
    name = Unescape(text.substr(1, close - 1));
    i = close + 1;
  } else {
    while (i < text.size() && !EndsUnquotedName(text[i])) ++i;
    name = std::string(text.substr(0, i));
  }
  std::string_view rest = Trim(text.substr(i));
  MatchType type;
  if (rest.starts_with("=~")) {
    type = MatchType::kRegexp;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!~")) {
    type = MatchType::kNotRegexp;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!=")) {
    type = MatchType::kNotEqual;
    rest.remove_prefix(2);
  } else if (rest.starts_with("=")) {
    type = MatchType::kEqual;
    rest.remove_prefix(1);
  } else {
    return absl::InvalidArgumentError(
        fmt::format("matcher: \"{}\": expected name, one of = != =~ !~, then a value", text));
  }
  rest = Trim(rest);
  std::string value;
  if (!rest.empty() && rest.front() == '"') {
    size_t close = ClosingQuote(rest);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format("matcher: \"{}\": unterminated quoted value", text));
    }
    if (close + 1 != rest.size()) {
      return absl::InvalidArgumentError(fmt::format("matcher: \"{}\": unescaped quote in value", text));
    }
    value = Unescape(rest.substr(1, close - 1));
  } else {
    // As Alertmanager's ParseMatcher: a bare value holds no quote (`service=="api"` is a typo for
    // `service="api"`, not the value `="api"` that would never match).
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '\\') {
        ++i;
      } else if (rest[i] == '"') {
        return absl::InvalidArgumentError(
            fmt::format("matcher: \"{}\": value contains an unescaped double quote", text));
      }
    }
    value = std::string(rest);
  }
  return Create(type, std::move(name), std::move(value));
}

bool Matcher::Matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual: return value == value_;
    case MatchType::kNotEqual: return value != value_;
    case MatchType::kRegexp: return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
    case MatchType::kNotRegexp: return !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  return fmt::format("{}{}{}", IsClassicLabelName(name_) ? name_ : Quote(name_), MatchTypeOperator(type_), Quote(value_));
}

bool MatchesAll(const Matchers& matchers, core::LabelView labels) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

std::string MatchersToString(const Matchers& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ',';
    out += matchers[i].ToString();
  }
  out += '}';
  return out;
}

void SortMatchers(Matchers* matchers) {
  std::stable_sort(matchers->begin(), matchers->end(), [](const Matcher& a, const Matcher& b) {
    if (a.name() != b.name()) return a.name() < b.name();
    if (a.type() != b.type()) return a.type() < b.type();
    return a.value() < b.value();
  });
}

absl::StatusOr<Matchers> ParseMatcherText(std::string_view text) {
  text = Trim(text);
  Matchers out;
  if (text.starts_with("{")) {
    if (!text.ends_with("}")) {
      return absl::InvalidArgumentError(fmt::format("matcher: \"{}\": missing closing brace", text));
    }
    text = text.substr(1, text.size() - 2);
    if (Trim(text).empty()) return out;
    for (std::string_view part : SplitOutsideQuotes(text)) {
      if (Trim(part).empty()) continue;
      auto m = Matcher::Parse(part);
      if (!m.ok()) return m.status();
      out.push_back(std::move(*m));
    }
    return out;
  }
  auto m = Matcher::Parse(text);
  if (!m.ok()) return m.status();
  out.push_back(std::move(*m));
  return out;
}

absl::StatusOr<Matchers> ParseMatcherList(const core::YamlNode& node, std::string_view what) {
  if (!node.IsSequence()) return node.Error(fmt::format("{}: expected a list of matcher strings", what));
  Matchers out;
  for (const core::YamlNode& item : node.Items()) {
    auto text = item.AsString();
    if (!text.ok()) return text.status();
    auto ms = ParseMatcherText(*text);
    if (!ms.ok()) return item.Error(fmt::format("{}: {}", what, std::string(ms.status().message())));
    for (Matcher& m : *ms) out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<Matchers> ParseLegacyMatch(const core::YamlNode& node, bool regex, std::string_view what) {
  if (!node.IsMap()) return node.Error(fmt::format("{}: expected a map of label name to value", what));
  Matchers out;
  for (const core::YamlEntry& e : node.Entries()) {
    auto value = e.value.AsString();
    if (!value.ok()) return value.status();
    auto m = Matcher::Create(regex ? MatchType::kRegexp : MatchType::kEqual, e.key, *value);
    if (!m.ok()) return e.value.Error(fmt::format("{}: {}", what, std::string(m.status().message())));
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace quell::correlate

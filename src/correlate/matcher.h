// src/correlate/matcher.h
//
// Matcher: one Alertmanager label matcher (`name="value"`, `!=`, `=~`, `!~`). Regular expressions
// are RE2 and anchored as Alertmanager anchors them (`^(?:re)$`), so `service=~"api|web"` matches
// "api" but not "api2". A label absent from the set matches as the empty string, as in
// Alertmanager (`team!="x"` matches an alert without `team`).
//
// Label names: any non-empty string. Quell's alerts carry names Alertmanager 0.25 refuses (OTLP's
// `service.name`, Datadog's `availability-zone`), and a matcher must be able to name every label
// an alert can have, so that such alerts can be silenced, inhibited, routed and filtered
// (ADR 0054). In text, a name made of other characters than whitespace, `{}`, `,`, `=`, `!`, `~`
// and `"` may stand bare; any name may be double-quoted, as newer Alertmanager's UTF-8 matchers
// write it (`"service.name"="checkout"`).
//
// Matchers (a list) match when every matcher matches. Both are immutable after construction and
// safe to share across threads (RE2 is thread-safe for matching); copies share the compiled RE2.
#ifndef QUELL_CORRELATE_MATCHER_H_
#define QUELL_CORRELATE_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/label.h"
#include "core/yaml_node.h"

namespace re2 {
class RE2;
}

namespace quell::correlate {

enum class MatchType : uint8_t { kEqual = 0, kNotEqual, kRegexp, kNotRegexp };

// "=", "!=", "=~", "!~".
std::string_view MatchTypeOperator(MatchType t);

class Matcher {
 public:
  // Errors: InvalidArgument "matcher: ..." for an empty name or a bad regular expression.
  [[nodiscard]] static absl::StatusOr<Matcher> Create(MatchType type, std::string name,
                                                      std::string value);
  // Parses Alertmanager's text form: name, operator, value, with optional whitespace between.
  // The name is bare (see above) or double-quoted; the value is double-quoted or bare (the rest of
  // the text). In quotes, \" \\ and \n are escapes and a backslash before anything else stays a
  // backslash, as Alertmanager reads it (`code=~"5\d\d"`). Examples: `service=~"api|web"`,
  // `env=prod`, `"service.name"!="checkout"`.
  [[nodiscard]] static absl::StatusOr<Matcher> Parse(std::string_view text);

  bool Matches(std::string_view value) const;
  bool Matches(core::LabelView labels) const { return Matches(core::FindLabel(labels, name_)); }

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  bool is_regex() const { return type_ == MatchType::kRegexp || type_ == MatchType::kNotRegexp; }
  bool is_equal() const { return type_ == MatchType::kEqual || type_ == MatchType::kRegexp; }

  // Alertmanager's rendering: name="value" with the value quoted and escaped; a name outside
  // [a-zA-Z_][a-zA-Z0-9_]* is quoted too, so that Parse(ToString()) gives the same matcher.
  std::string ToString() const;

 private:
  Matcher() = default;
  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // Set for regex types.
};

using Matchers = std::vector<Matcher>;

// True iff every matcher matches (an empty list matches everything).
bool MatchesAll(const Matchers& matchers, core::LabelView labels);

// "{a=\"1\",b=~\"x\"}": Alertmanager's Matchers.String() (used in route keys).
std::string MatchersToString(const Matchers& matchers);

// Sorts as Alertmanager sorts route matchers: by name, then operator, then value.
void SortMatchers(Matchers* matchers);

// Parses a YAML list of matcher strings (`matchers: ['a="b"', 'c=~"d|e"']`). Each string may also
// hold a comma-separated list in braces, as Alertmanager accepts. Errors point at the item.
[[nodiscard]] absl::StatusOr<Matchers> ParseMatcherList(const core::YamlNode& node,
                                                        std::string_view what);
// Parses one matcher string or a `{a="b", c!="d"}` list.
[[nodiscard]] absl::StatusOr<Matchers> ParseMatcherText(std::string_view text);

// Legacy `match:` (name: value) and `match_re:` (name: regex) maps.
[[nodiscard]] absl::StatusOr<Matchers> ParseLegacyMatch(const core::YamlNode& node, bool regex,
                                                        std::string_view what);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_MATCHER_H_

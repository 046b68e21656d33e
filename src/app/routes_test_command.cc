// `quell routes test`: amtool's `config routes test` (cli/test_routing.go) on Quell's routing tree,
// extended with each matched route's class, runbook and file:line and the inhibit rules the alert
// meets. What it shares with amtool behaves as amtool does:
//
//   - each label argument is parsed as a matcher and must be an equality (`name=value`,
//     `name="value"`); `name=~re`, `!=` and `!~` are refused (exit 2 here, a usage error; amtool
//     exits 1 with "Labels must be specified as key=value pairs");
//   - a name given twice keeps its last value (amtool fills a map), and an empty value means the
//     label is absent;
//   - no labels at all route the empty label set;
//   - --tree prints "Matching routes:" and the matching branch of the tree first, as amtool's
//     printMatchingTree does (treeprint's layout, leaves with "  receiver: R");
//   - the last line is the matched receivers joined by commas, unless --verify.receivers differs
//     from it (compared as a string, so order counts): then amtool's "WARNING: Expected receivers
//     did not match resolved receivers." follows on stdout and the exit status is 1.
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "app/commands.h"
#include "app/quell_config.h"
#include "core/label_set.h"
#include "correlate/compiled_rules.h"
#include "correlate/matcher.h"
#include "correlate/route.h"
#include "fmt/format.h"

namespace quell::app {
namespace {

// Parses the label arguments as amtool does: each one is a matcher, and only `=` makes a label.
// Errors: InvalidArgument naming the argument.
absl::StatusOr<core::LabelSet> ParseLabelArgs(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& arg : args) {
    absl::StatusOr<correlate::Matcher> m = correlate::Matcher::Parse(arg);
    if (!m.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("routes test: \"{}\": want label=value: {}", arg, std::string(m.status().message())));
    }
    if (m->type() != correlate::MatchType::kEqual) {
      std::string hint;
      if (m->type() == correlate::MatchType::kRegexp) {
        // `name=~v` may mean the value "~v": say how to write that.
        absl::StatusOr<correlate::Matcher> literal =
            correlate::Matcher::Create(correlate::MatchType::kEqual, m->name(), "~" + m->value());
        if (literal.ok()) {
          hint = fmt::format(" (for a value that starts with \"~\", quote it: {})", literal->ToString());
        }
      }
      return absl::InvalidArgumentError(
          fmt::format("routes test: \"{}\": labels must be specified as key=value pairs, not {} matchers{}", arg,
                      correlate::MatchTypeOperator(m->type()), hint));
    }
    pairs.emplace_back(m->name(), m->value());  // FromPairs keeps the last of a repeated name.
  }
  return core::LabelSet::FromPairs(std::move(pairs));
}

// One line of amtool's tree: the route's matchers ("default-route" without any), and for a route
// the alert ends on, its receiver (amtool's getRouteTreeSlug without "continue").
std::string TreeSlug(const correlate::RouteConfig& rc, bool with_receiver) {
  std::string slug = rc.matchers.empty() ? "default-route" : correlate::MatchersToString(rc.matchers);
  if (with_receiver) slug += "  receiver: " + rc.receiver;
  return slug;
}

struct TreeNode {
  std::string value;
  std::vector<TreeNode> children;
};

// amtool's getMatchingTree: the routes the alert walks through from route `i`, which it matches.
// The same walk as RouteTree::Match: the first matching child, and the next ones while the
// matching child has `continue: true`.
TreeNode MatchingTree(const correlate::RouteTree& tree, int i, core::LabelView labels) {
  TreeNode node;
  bool final_route = true;
  for (int c : tree.route(i).children) {
    const correlate::RouteConfig& child = *tree.route(c).config;
    if (!correlate::MatchesAll(child.matchers, labels)) continue;
    node.children.push_back(MatchingTree(tree, c, labels));
    final_route = false;
    if (!child.continue_matching) break;
  }
  node.value = TreeSlug(*tree.route(i).config, final_route);
  return node;
}

// treeprint's layout: "├── " / "└── " before each node, "│   " / "    " below it.
void PrintTreeNodes(const std::vector<TreeNode>& nodes, const std::string& prefix, std::FILE* out) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    const bool last = i + 1 == nodes.size();
    std::fprintf(out, "%s%s %s\n", prefix.c_str(), last ? "└──" : "├──", nodes[i].value.c_str());
    PrintTreeNodes(nodes[i].children, prefix + (last ? "    " : "│   "), out);
  }
}

}  // namespace

// Declared in cli.cc beside the `routes test` registration (commands.h declares the form without
// --verify.receivers and --tree, below).
int RunRoutesTest(const std::string& config_path, const std::vector<std::string>& labels,
                  const std::string& verify_receivers, bool tree, std::FILE* out, std::FILE* err) {
  // Usage errors first, before any work: they exit 2 like every other usage error of `quell`.
  absl::StatusOr<core::LabelSet> set = ParseLabelArgs(labels);
  if (!set.ok()) {
    std::fprintf(err, "%s\n", std::string(set.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<QuellConfig> cfg = config_path.empty() ? LoadEmbeddedDefault() : LoadConfig(config_path);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  std::shared_ptr<const correlate::CompiledRules> rules = correlate::CompiledRules::Build(cfg->rules);
  const correlate::RouteTree& routes = rules->routes();

  if (tree) {
    // amtool: Println("Matching routes:"); Println(tree.String()); Print("\n").
    std::fprintf(out, "Matching routes:\n.\n");
    PrintTreeNodes({MatchingTree(routes, 0, set->view())}, "", out);
    std::fprintf(out, "\n\n");
  }

  std::vector<int> hits;
  routes.Match(set->view(), &hits);
  std::fprintf(out, "alert %s\n", set->ToString().c_str());
  std::string receivers;
  for (int i : hits) {
    const correlate::Route& r = routes.route(i);
    const correlate::RouteConfig& rc = *r.config;
    std::fprintf(out, "route %s\n  receiver: %s\n  class: %s\n", r.key.c_str(), rc.receiver.c_str(),
                 std::string(correlate::RouteClassName(rc.route_class)).c_str());
    if (!rc.runbook.empty()) std::fprintf(out, "  runbook: %s\n", rc.runbook.c_str());
    std::fprintf(out, "  defined at: %s\n", rc.where.ToString().c_str());
    if (!receivers.empty()) receivers += ",";
    receivers += rc.receiver;
  }
  for (const correlate::InhibitRuleConfig& ir : cfg->rules.inhibit_rules) {
    if (correlate::MatchesAll(ir.target_matchers, set->view())) {
      std::fprintf(out, "may be inhibited by %s  [%s]\n", ir.name.c_str(), ir.where.ToString().c_str());
    }
    if (correlate::MatchesAll(ir.source_matchers, set->view())) {
      std::fprintf(out, "would inhibit targets of %s  [%s]\n", ir.name.c_str(), ir.where.ToString().c_str());
    }
  }
  // amtool's result line: the receivers, comma-separated, in tree order.
  std::fprintf(out, "%s\n", receivers.c_str());
  if (!verify_receivers.empty() && verify_receivers != receivers) {
    std::fprintf(out, "WARNING: Expected receivers did not match resolved receivers.\n");
    return 1;
  }
  return 0;
}

int RunRoutesTest(const std::string& config_path, const std::vector<std::string>& labels, std::FILE* out,
                  std::FILE* err) {
  return RunRoutesTest(config_path, labels, /*verify_receivers=*/"", /*tree=*/false, out, err);
}

}  // namespace quell::app

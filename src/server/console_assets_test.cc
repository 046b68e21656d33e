#include "server/console_assets.h"

#include <cstdio>
#include <regex>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

core::HttpResponse Get(const Router& router, const std::string& path) {
  core::HttpRequest req;
  req.method = "GET";
  req.path = path;
  return router.Handle(&req);
}

std::string Header(const core::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(ConsoleAssetsTest, ServesThePageItsScriptAndStylesWithAStrictPolicy) {
  Router router;
  ASSERT_TRUE(ConsoleAssets::Register(&router).ok());
  core::HttpResponse root = Get(router, "/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(Header(root, "Location"), "/console");

  core::HttpResponse page = Get(router, "/console");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr(R"(<script src="/console/app.js" defer></script>)"));
  EXPECT_THAT(page.body, HasSubstr(R"(<link rel="stylesheet" href="/console/app.css">)"));
  EXPECT_THAT(Header(page, "Content-Security-Policy"), HasSubstr("script-src 'self'"));
  EXPECT_THAT(Header(page, "Content-Security-Policy"), Not(HasSubstr("unsafe-inline")));
  EXPECT_EQ(Header(page, "X-Content-Type-Options"), "nosniff");

  core::HttpResponse js = Get(router, "/console/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, ConsoleAppJs());
  core::HttpResponse css = Get(router, "/console/app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get(router, "/console/other.js").status, 404);
}

// Alert labels and annotations come from anyone who can send an alert: the script writes them as
// text, never as markup, and the page has no inline script for the policy to allow.
TEST(ConsoleAssetsTest, TheScriptNeverWritesMarkup) {
  const std::string js(ConsoleAppJs());
  for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"}) {
    EXPECT_THAT(js, Not(HasSubstr(sink))) << sink;
  }
  EXPECT_THAT(std::string(ConsoleIndexHtml()), Not(HasSubstr("<script>")));
  // No inline event handlers (onclick=...).
  EXPECT_FALSE(std::regex_search(std::string(ConsoleIndexHtml()), std::regex(R"(\son[a-z]+\s*=)")));
}

// Every element the script looks up exists in the page (or is one the script creates itself), and
// the script calls the APIs the server registers (app_runtime_test checks them against a runtime).
TEST(ConsoleAssetsTest, TheScriptAndThePageAgree) {
  const std::string js(ConsoleAppJs());
  const std::string html(ConsoleIndexHtml());
  std::regex by_id(R"(getElementById\('([a-z-]+)'\))");
  std::set<std::string> ids;
  for (std::sregex_iterator it(js.begin(), js.end(), by_id), end; it != end; ++it) ids.insert((*it)[1]);
  EXPECT_GE(ids.size(), 10u);
  for (const std::string& id : ids) {
    const bool in_page = html.find("id=\"" + id + "\"") != std::string::npos;
    const bool created = js.find("id: '" + id + "'") != std::string::npos;
    EXPECT_TRUE(in_page || created) << id;
  }
  for (const char* path : {"'/api/v1/incidents'", "'/api/v1/incidents/'", "/ack`", "'/api/v2/alerts'",
                           "'/api/v2/silences'", "'/api/v2/silence/'", "'/api/v1/gates'", "/explain`",
                           "'/api/v1/noise?window='"}) {
    EXPECT_THAT(js, HasSubstr(path));
  }
}

// The script's parsers and every tab against a fake DOM and fake API answers (console/app_test.js),
// under node (the compat tests' runtime).
TEST(ConsoleAssetsTest, ScriptTestsUnderNode) {
  if (std::system("command -v node > /dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed";
  const std::string dir = std::string(QUELL_SOURCE_DIR) + "/src/server/console/";
  const std::string cmd = "node " + dir + "app_test.js " + dir + "app.js 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_EQ(out, "ok\n");
}

}  // namespace
}  // namespace quell::server

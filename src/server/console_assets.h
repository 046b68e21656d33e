// src/server/console_assets.h
//
// ConsoleAssets: the web console for on-call and the platform team, served by the one HTTP
// listener. The page, its script and its styles (src/server/console/) are compiled into the binary
// by src/server/CMakeLists.txt, so the console needs no files at run time:
//
//   GET /                   302 to /console
//   GET /console            index.html
//   GET /console/app.js     the script: incidents (ack, silence, explain), alerts, silences
//                           (create, expire), deploy gate verdicts, the noise report, from the
//                           JSON APIs
//   GET /console/app.css
//
// The assets are public (they hold no data); the APIs they call keep their scopes, and the page
// sends the API token a person pastes into it (kept in the browser tab's sessionStorage). Every
// answer carries a Content-Security-Policy that allows only the console's own script and styles
// and connections back to this server, and X-Content-Type-Options: nosniff.
#ifndef QUELL_SERVER_CONSOLE_ASSETS_H_
#define QUELL_SERVER_CONSOLE_ASSETS_H_

#include <string_view>

#include "absl/status/status.h"
#include "server/router.h"

namespace quell::server {

// The embedded files (generated from src/server/console/ at build time).
std::string_view ConsoleIndexHtml();
std::string_view ConsoleAppJs();
std::string_view ConsoleAppCss();

class ConsoleAssets {
 public:
  // Registers the routes above. Errors: the router's (a route already taken).
  [[nodiscard]] static absl::Status Register(Router* router);
};

}  // namespace quell::server

#endif  // QUELL_SERVER_CONSOLE_ASSETS_H_

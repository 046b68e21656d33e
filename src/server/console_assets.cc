// src/server/console_assets.cc
#include "server/console_assets.h"

#include <string>
#include <utility>

#include "core/status_macros.h"

namespace quell::server {
namespace {

constexpr char kCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

core::HttpResponse Asset(std::string_view content_type, std::string_view body) {
  core::HttpResponse r;
  r.status = 200;
  r.content_type = std::string(content_type);
  r.body = std::string(body);
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace

absl::Status ConsoleAssets::Register(Router* router) {
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/", [](const core::HttpRequest&) {
    core::HttpResponse r = core::HttpResponse::Text(302, "see /console\n");
    r.headers.emplace_back("Location", "/console");
    return r;
  }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/console", [](const core::HttpRequest&) {
    return Asset("text/html; charset=utf-8", ConsoleIndexHtml());
  }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/console/app.js", [](const core::HttpRequest&) {
    return Asset("text/javascript; charset=utf-8", ConsoleAppJs());
  }));
  return router->Route("GET", "/console/app.css", [](const core::HttpRequest&) {
    return Asset("text/css; charset=utf-8", ConsoleAppCss());
  });
}

}  // namespace quell::server

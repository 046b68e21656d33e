#include "server/api_tokens.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "core/json_writer.h"
#include "core/read_file.h"
#include "core/secret_ref.h"
#include "core/status_macros.h"
#include "core/yaml_node.h"
#include "fmt/format.h"

namespace quell::server {
namespace {

std::array<uint8_t, 32> Digest(std::string_view s) {
  std::array<uint8_t, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

bool ParseScope(std::string_view name, Scope* out) {
  for (Scope s : {Scope::kIngest, Scope::kRead, Scope::kSilence, Scope::kGate, Scope::kAdmin}) {
    if (name == ScopeName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

core::HttpResponse ErrorAnswer(int status, std::string_view message) {
  std::string body;
  core::JsonWriter w(&body);
  w.BeginObject();
  w.Field("error", message);
  w.EndObject();
  core::HttpResponse r = core::HttpResponse::Json(status, std::move(body));
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"quell\"");
  return r;
}

}  // namespace

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kIngest: return "ingest";
    case Scope::kRead: return "read";
    case Scope::kSilence: return "silence";
    case Scope::kGate: return "gate";
    case Scope::kAdmin: return "admin";
  }
  return "admin";
}

std::string Sha256Hex(std::string_view s) {
  std::string out;
  for (uint8_t b : Digest(s)) fmt::format_to(std::back_inserter(out), "{:02x}", b);
  return out;
}

absl::StatusOr<ApiTokens> ApiTokens::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = core::ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), fmt::format("tokens file {}", std::string(text.status().message())));
  }
  return LoadString(*text, path);
}

absl::StatusOr<ApiTokens> ApiTokens::LoadString(std::string_view yaml, const std::string& name) {
  QUELL_ASSIGN_OR_RETURN(core::YamlNode root, core::YamlNode::LoadString(yaml, name));
  QUELL_RETURN_IF_ERROR(root.CheckKeys("tokens file", {"tokens"}));
  std::optional<core::YamlNode> list = root.Child("tokens");
  if (!list) return root.Error("tokens file: missing \"tokens\"");
  QUELL_RETURN_IF_ERROR(list->ExpectSequence("tokens"));
  ApiTokens out;
  out.enabled_ = true;
  for (const core::YamlNode& item : list->Items()) {
    QUELL_RETURN_IF_ERROR(item.CheckKeys("token", {"name", "sha256", "token", "scopes"}));
    Token t;
    QUELL_RETURN_IF_ERROR(item.RequireString("name", &t.name));
    for (const Token& other : out.tokens_) {
      if (other.name == t.name) return item.Error(fmt::format("token: name \"{}\" is used twice", t.name));
    }
    std::optional<core::YamlNode> sha = item.Child("sha256");
    std::optional<core::YamlNode> ref = item.Child("token");
    if (sha.has_value() == ref.has_value()) {
      return item.Error(fmt::format("token \"{}\": give exactly one of sha256 or token", t.name));
    }
    if (sha) {
      QUELL_ASSIGN_OR_RETURN(std::string hex, sha->AsString());
      if (hex.size() != 64) return sha->Error("sha256: want 64 hex digits");
      for (size_t i = 0; i < 32; ++i) {
        unsigned v = 0;
        for (int k = 0; k < 2; ++k) {
          char c = hex[2 * i + static_cast<size_t>(k)];
          int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
          if (d < 0) return sha->Error("sha256: not hex");
          v = v * 16 + static_cast<unsigned>(d);
        }
        t.digest[i] = static_cast<uint8_t>(v);
      }
    } else {
      QUELL_ASSIGN_OR_RETURN(core::SecretRef secret, core::ParseSecretRef(*ref, "token"));
      QUELL_ASSIGN_OR_RETURN(std::string value, secret.Resolve());
      t.digest = Digest(value);
    }
    std::vector<std::string> scopes;
    QUELL_RETURN_IF_ERROR(item.ReadStringList("scopes", &scopes));
    if (scopes.empty()) return item.Error(fmt::format("token \"{}\": scopes: at least one scope", t.name));
    for (const std::string& s : scopes) {
      Scope scope;
      if (!ParseScope(s, &scope)) {
        return item.Child("scopes")->Error(fmt::format(
            "scopes: unknown scope \"{}\" (known: ingest, read, silence, gate, admin)", s));
      }
      t.scopes |= 1u << static_cast<unsigned>(scope);
    }
    out.tokens_.push_back(std::move(t));
  }
  return out;
}

ApiTokens::Decision ApiTokens::Authorize(const core::HttpRequest& request, Scope scope) const {
  Decision d;
  if (!enabled_) {
    d.allowed = true;
    d.principal = "anonymous";
    return d;
  }
  std::string_view auth = request.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || !core::EqualsIgnoreCase(auth.substr(0, kBearer.size()), kBearer)) {
    d.refusal = ErrorAnswer(401, "missing bearer token");
    return d;
  }
  std::array<uint8_t, 32> presented = Digest(auth.substr(kBearer.size()));
  const Token* match = nullptr;
  for (const Token& t : tokens_) {
    // Compare against every token (no early exit) so timing does not reveal which one matched.
    if (CRYPTO_memcmp(presented.data(), t.digest.data(), presented.size()) == 0) match = &t;
  }
  if (match == nullptr) {
    d.refusal = ErrorAnswer(401, "unknown token");
    return d;
  }
  d.principal = match->name;
  uint32_t need = (1u << static_cast<unsigned>(scope)) | (1u << static_cast<unsigned>(Scope::kAdmin));
  if ((match->scopes & need) == 0) {
    d.refusal = ErrorAnswer(403, fmt::format("token \"{}\" lacks scope {}", match->name, ScopeName(scope)));
    return d;
  }
  d.allowed = true;
  return d;
}

core::HttpHandler ApiTokens::Require(Scope scope, core::HttpHandler handler) const {
  return [this, scope, handler = std::move(handler)](const core::HttpRequest& request) {
    Decision d = Authorize(request, scope);
    if (!d.allowed) return *d.refusal;
    core::HttpRequest copy = request;
    std::erase_if(copy.headers, [](const auto& h) { return core::EqualsIgnoreCase(h.first, "X-Quell-Principal"); });
    copy.headers.emplace_back("X-Quell-Principal", d.principal);
    return handler(copy);
  };
}

}  // namespace quell::server

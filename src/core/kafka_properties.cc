// src/core/kafka_properties.cc
#include "core/kafka_properties.h"

#include "core/status_macros.h"
#include "core/strings.h"
#include "fmt/format.h"

namespace quell::core {
namespace {

constexpr std::string_view kSecretProperties[] = {
    "sasl.password", "ssl.key.password",  "ssl.keystore.password",          "ssl.key.pem",
    "ssl_key.pem",   "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret"};

}  // namespace

bool IsSecretKafkaProperty(std::string_view name) {
  for (std::string_view s : kSecretProperties) {
    if (name == s) return true;
  }
  return name.find("password") != std::string_view::npos ||
         name.find("secret") != std::string_view::npos;
}

std::string RedactKafkaProperty(std::string_view name, std::string_view value) {
  if (IsSecretKafkaProperty(name)) return "[redacted]";
  return std::string(value);
}

absl::Status ParseKafkaPropertyValue(const YamlNode& value, std::string_view context,
                                     KafkaProperty* out) {
  const std::string& name = out->name;
  if (value.IsMap()) {
    QUELL_ASSIGN_OR_RETURN(SecretRef ref, ParseSecretRef(value, fmt::format("{}: {}", context, name)));
    out->secret = std::move(ref);
    return absl::OkStatus();
  }
  if (!value.IsScalar()) {
    return value.Error(fmt::format("{}: {}: expected a string, number, bool, {{env: NAME}} or "
                                   "{{file: PATH}}",
                                   context, name));
  }
  if (IsSecretKafkaProperty(name)) {
    // The value is deliberately not echoed.
    return value.Error(fmt::format("{}: {}: secrets must be given as {{env: NAME}} or "
                                   "{{file: PATH}}, never literally",
                                   context, name));
  }
  QUELL_ASSIGN_OR_RETURN(out->literal, value.AsString());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ResolveKafkaProperties(
    const std::vector<KafkaProperty>& properties, std::string_view context) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(properties.size());
  for (const KafkaProperty& p : properties) {
    if (!p.secret) {
      out.emplace_back(p.name, p.literal);
      continue;
    }
    auto v = p.secret->Resolve();
    if (!v.ok()) {
      // Resolve's message reads "file:line:col: detail"; name the property after the position.
      std::string_view msg = FromAbsl(v.status().message());
      std::string loc = p.secret->where.ToString() + ": ";
      if (msg.substr(0, loc.size()) == loc) msg.remove_prefix(loc.size());
      return absl::Status(v.status().code(), fmt::format("{}{}: {}: {}", loc, context, p.name, msg));
    }
    out.emplace_back(p.name, std::move(v).value());
  }
  return out;
}

std::string KafkaPropertyErrorDetail(std::string_view name, std::string_view error) {
  if (IsSecretKafkaProperty(name)) return "invalid value ([redacted])";
  return std::string(error);
}

}  // namespace quell::core

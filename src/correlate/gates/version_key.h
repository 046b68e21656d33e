// src/correlate/gates/version_key.h
//
// VersionKey names one deployed version of one service in one env: the unit gates keep evidence
// for and the deployment registry keys on. VersionKeyView is its non-owning twin, so hot-path
// lookups from a Signal's string views allocate nothing (VersionKeyHash and VersionKeyEq are
// transparent). Plain values.
#ifndef QUELL_CORRELATE_GATES_VERSION_KEY_H_
#define QUELL_CORRELATE_GATES_VERSION_KEY_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace quell::gates {

struct VersionKeyView {
  std::string_view service;
  std::string_view env;
  std::string_view version;
};

struct VersionKey {
  std::string service;
  std::string env;
  std::string version;

  VersionKeyView view() const { return {service, env, version}; }
  static VersionKey Of(VersionKeyView v) {
    return {std::string(v.service), std::string(v.env), std::string(v.version)};
  }
  bool operator==(const VersionKey&) const = default;
};

struct VersionKeyHash {
  using is_transparent = void;
  size_t operator()(const VersionKeyView& k) const {
    std::hash<std::string_view> h;
    size_t x = h(k.service);
    x = x * 1000003u ^ h(k.env);
    x = x * 1000003u ^ h(k.version);
    return x;
  }
  size_t operator()(const VersionKey& k) const { return (*this)(k.view()); }
};

struct VersionKeyEq {
  using is_transparent = void;
  static bool Eq(const VersionKeyView& a, const VersionKeyView& b) {
    return a.service == b.service && a.env == b.env && a.version == b.version;
  }
  bool operator()(const VersionKey& a, const VersionKey& b) const { return Eq(a.view(), b.view()); }
  bool operator()(const VersionKey& a, const VersionKeyView& b) const { return Eq(a.view(), b); }
  bool operator()(const VersionKeyView& a, const VersionKey& b) const { return Eq(a, b.view()); }
  bool operator()(const VersionKeyView& a, const VersionKeyView& b) const { return Eq(a, b); }
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_VERSION_KEY_H_

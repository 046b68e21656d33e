// src/server/query_string.cc
#include "server/query_string.h"

namespace quell::server {

void SplitTarget(std::string_view target, std::string* path, std::string_view* raw_query) {
  size_t q = target.find('?');
  std::string_view p = target.substr(0, q);
  // Fragments are never sent by clients, but tolerate one.
  size_t hash = p.find('#');
  if (hash != std::string_view::npos) p = p.substr(0, hash);
  *path = core::UrlDecode(p, false);
  *raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  size_t qhash = raw_query->find('#');
  if (qhash != std::string_view::npos) *raw_query = raw_query->substr(0, qhash);
}

}  // namespace quell::server

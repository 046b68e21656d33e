#include "core/media_type.h"

#include "core/strings.h"

namespace quell::core {

bool MediaTypeIs(std::string_view content_type, std::string_view type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return EqualsIgnoreCase(t, type);
}

}  // namespace quell::core

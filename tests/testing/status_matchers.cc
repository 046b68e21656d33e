#include "tests/testing/status_matchers.h"

#include <fstream>
#include <sstream>

namespace quell::testing {

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SourcePath(const std::string& relative) {
#ifdef QUELL_SOURCE_DIR
  return std::string(QUELL_SOURCE_DIR) + "/" + relative;
#else
  return relative;
#endif
}

}  // namespace quell::testing

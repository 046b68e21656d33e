// Compiled into libraries whose directory has no sources yet (see quell_library in CMakeLists.txt).
namespace quell::core {
int empty_library_marker = 0;
}  // namespace quell::core

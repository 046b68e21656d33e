// tests/testing/page_edge.h
//
// PageEdge: strings placed so that they end exactly where readable memory ends (the next page is
// mapped PROT_NONE), for testing code that reads whole words or blocks past a string's end when
// that stays on the string's page. A read past the end of such a string faults, so a test that
// runs the code on them fails loudly if a page check is wrong.
//
// Thread-safety: one per test.
#ifndef QUELL_TESTS_TESTING_PAGE_EDGE_H_
#define QUELL_TESTS_TESTING_PAGE_EDGE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace quell::testing {

class PageEdge {
 public:
  PageEdge() : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))) {
    void* p = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<char*>(p);
    if (mprotect(base_ + page_, page_, PROT_NONE) != 0) std::abort();
  }
  ~PageEdge() { munmap(base_, 2 * page_); }
  PageEdge(const PageEdge&) = delete;
  PageEdge& operator=(const PageEdge&) = delete;

  // A copy of `s` whose last byte is the last readable byte (valid until the next call).
  // REQUIRES: s.size() <= one page.
  std::string_view Place(std::string_view s) {
    char* at = base_ + page_ - s.size();
    std::memcpy(at, s.data(), s.size());
    return std::string_view(at, s.size());
  }
  // A second string right before the region Place uses, `gap` bytes before the page's end, for
  // tests that need two strings near the edge at once (e.g. a name and a value).
  std::string_view PlaceAt(std::string_view s, size_t gap) {
    char* at = base_ + page_ - gap - s.size();
    std::memcpy(at, s.data(), s.size());
    return std::string_view(at, s.size());
  }

 private:
  size_t page_;
  char* base_ = nullptr;
};

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_PAGE_EDGE_H_

#include "ingest/key_table.h"

#include <algorithm>

namespace quell::ingest {

void KeyTable::Add(std::string_view key, int id) {
  if (key.size() > kMaxKey || Find(key) >= 0) return;
  entries_.push_back(Entry{std::string(key), id});
  Rebuild();
}

void KeyTable::AddOtlp(std::string_view camel, int id) {
  Add(camel, id);
  std::string snake;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      snake.push_back('_');
      snake.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      snake.push_back(c);
    }
  }
  Add(snake, id);
}

void KeyTable::Rebuild() {
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.key.size() < b.key.size(); });
  size_t i = 0;
  for (size_t n = 0; n <= kMaxKey + 1; ++n) {
    while (i < entries_.size() && entries_[i].key.size() < n) ++i;
    begin_[n] = static_cast<uint32_t>(i);
  }
}

}  // namespace quell::ingest

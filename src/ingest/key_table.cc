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
  std::vector<size_t> order(entries_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return entries_[x].key.size() < entries_[y].key.size(); });
  slots_.clear();
  for (size_t e : order) {
    const std::string& key = entries_[e].key;
    Slot s;
    Words(key.data(), key.size(), &s.a, &s.b);
    s.entry = static_cast<uint32_t>(e);
    s.id = entries_[e].id;
    slots_.push_back(s);
  }
  size_t i = 0;
  for (size_t n = 0; n <= kMaxKey + 1; ++n) {
    while (i < slots_.size() && entries_[order[i]].key.size() < n) ++i;
    begin_[n] = static_cast<uint32_t>(i);
  }
}

}  // namespace quell::ingest

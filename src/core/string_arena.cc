#include "core/string_arena.h"

#include <algorithm>

namespace quell::core {

char* StringArena::Allocate(size_t n) {
  if (!chunks_.empty() && pos_ + n <= chunks_[current_].size) {
    char* p = chunks_[current_].data.get() + pos_;
    pos_ += n;
    return p;
  }
  // Move to the next chunk that fits, reusing kept chunks first.
  while (!chunks_.empty() && current_ + 1 < chunks_.size()) {
    used_total_ += pos_;
    ++current_;
    pos_ = 0;
    if (n <= chunks_[current_].size) {
      pos_ = n;
      return chunks_[current_].data.get();
    }
  }
  size_t size = std::max(chunk_size_, n);
  chunks_.push_back(Chunk{std::unique_ptr<char[]>(new char[size]), size});
  if (chunks_.size() > 1) used_total_ += pos_;
  current_ = chunks_.size() - 1;
  pos_ = n;
  return chunks_[current_].data.get();
}

void StringArena::Clear() {
  // Oversized chunks (single huge strings) are not worth keeping.
  chunks_.erase(std::remove_if(chunks_.begin(), chunks_.end(),
                               [&](const Chunk& c) { return c.size > chunk_size_; }),
                chunks_.end());
  current_ = 0;
  pos_ = 0;
  used_total_ = 0;
}

size_t StringArena::bytes_reserved() const {
  size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

}  // namespace quell::core

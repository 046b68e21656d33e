// src/core/string_arena.h
//
// A monotonic arena for the strings of one batch (or one shard's interned labels). Copy() returns
// a view that stays valid until Clear() or destruction. Clear() keeps the chunks, so a batch that
// is refilled with data of similar size allocates nothing in steady state. Not thread-safe: one
// owner at a time (batches move between threads, they are not shared).
#ifndef QUELL_CORE_STRING_ARENA_H_
#define QUELL_CORE_STRING_ARENA_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace quell::core {

class StringArena {
 public:
  explicit StringArena(size_t chunk_size = 64 * 1024) : chunk_size_(chunk_size) {}
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  StringArena(StringArena&&) = default;
  StringArena& operator=(StringArena&&) = default;

  // Copies `s` into the arena. Empty strings cost nothing and return an empty view.
  std::string_view Copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = Allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return std::string_view(p, s.size());
  }

  // Uninitialized space for `n` bytes, valid until Clear().
  char* Allocate(size_t n);

  // Forgets every string; keeps up to the chunks in use for reuse (oversized chunks are freed).
  void Clear();

  size_t bytes_used() const { return used_total_ + pos_; }
  size_t bytes_reserved() const;

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  size_t chunk_size_;
  std::vector<Chunk> chunks_;   // chunks_[0..current_] are in use.
  size_t current_ = 0;          // Index of the chunk being filled; meaningful iff !chunks_.empty().
  size_t pos_ = 0;              // Bytes used in chunks_[current_].
  size_t used_total_ = 0;       // Bytes used in chunks before current_.
};

}  // namespace quell::core

#endif  // QUELL_CORE_STRING_ARENA_H_

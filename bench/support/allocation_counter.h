// bench/support/allocation_counter.h
//
// Replaces the global operator new/delete (every form, aligned included) with malloc/free plus a
// relaxed atomic count of allocations, so a benchmark can report heap allocations per item
// (all threads). Include it from exactly ONE translation unit of a benchmark executable (each
// *_bench.cc is its own executable): replacement allocation functions must be defined once per
// program and may not be inline. Read the count with quell::bench::AllocationCount().
#ifndef QUELL_BENCH_SUPPORT_ALLOCATION_COUNTER_H_
#define QUELL_BENCH_SUPPORT_ALLOCATION_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace quell::bench {
inline std::atomic<uint64_t> g_allocation_count{0};
// Allocations made by this process so far.
inline uint64_t AllocationCount() { return g_allocation_count.load(std::memory_order_relaxed); }
}  // namespace quell::bench

void* operator new(std::size_t n) {
  quell::bench::g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  quell::bench::g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  const std::size_t align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) & ~(align - 1))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
// These replacements pair malloc with free by design; GCC 12's -Wmismatched-new-delete cannot see
// that once operator new is replaced too, and fires where the calls are inlined.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#endif  // QUELL_BENCH_SUPPORT_ALLOCATION_COUNTER_H_

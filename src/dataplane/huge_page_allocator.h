// HugePageAllocator: a std allocator that puts large blocks (>= 2 MiB) on 2 MiB-aligned memory
// advised for transparent huge pages. With a million SAs, the SAD's hash table is tens of MiB:
// on 4 KiB pages nearly every lookup also misses the TLB; on huge pages it does not.
// Small blocks come from the ordinary heap.
#ifndef TUNNELISA_SRC_DATAPLANE_HUGE_PAGE_ALLOCATOR_H_
#define TUNNELISA_SRC_DATAPLANE_HUGE_PAGE_ALLOCATOR_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace tunnelisa::dataplane {

inline constexpr size_t kHugePageSize = size_t{1} << 21;

// AllocateHuge / FreeHuge: `bytes` rounded up to whole huge pages, 2 MiB aligned, advised
// MADV_HUGEPAGE (a hint: where THP is off the memory simply uses small pages).
inline void* AllocateHuge(size_t bytes) {
  bytes = (bytes + kHugePageSize - 1) / kHugePageSize * kHugePageSize;
  void* p = std::aligned_alloc(kHugePageSize, bytes);
  if (p == nullptr) throw std::bad_alloc();
  (void)madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}
inline void FreeHuge(void* p) { std::free(p); }

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: allocators convert implicitly

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kHugePageSize) return static_cast<T*>(AllocateHuge(bytes));
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) >= kHugePageSize) {
      FreeHuge(p);
    } else {
      std::allocator<T>().deallocate(p, n);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_HUGE_PAGE_ALLOCATOR_H_

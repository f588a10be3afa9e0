// Heap allocation counts for the benchmarks (issue 14: allocations per IKE handshake). The
// benchmark binary replaces the global operator new (bench/alloc_count.cc) and hands OpenSSL
// counting allocation functions, so a benchmark can read how many allocations a piece of work
// made: C++ allocations (containers, strings, shared_ptr control blocks) and OpenSSL's own
// (cipher / digest contexts, keys) separately. Counting costs one relaxed atomic add per
// allocation; the allocations themselves still go to malloc (glibc's, or a preloaded one).
#ifndef TUNNELISA_BENCH_ALLOC_COUNT_H_
#define TUNNELISA_BENCH_ALLOC_COUNT_H_

#include <cstdint>

namespace tunnelisa::bench {

struct AllocCounts {
  uint64_t cxx = 0;      // operator new calls (every form)
  uint64_t openssl = 0;  // OpenSSL's malloc and realloc calls (0 if it could not be hooked)
};

// Allocations so far in the whole process (all threads).
AllocCounts AllocCountsNow();
// OpensslCounted: whether OpenSSL took the counting functions (it refuses them once it has
// allocated anything; the binary installs them before main).
bool OpensslCounted();

}  // namespace tunnelisa::bench

#endif  // TUNNELISA_BENCH_ALLOC_COUNT_H_

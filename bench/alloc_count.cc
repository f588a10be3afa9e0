// The counting allocation hooks of bench/alloc_count.h: the replaceable global operator new
// forms (the matching deletes are replaced too, so every pair goes through malloc / free),
// and OpenSSL's CRYPTO_set_mem_functions, installed by a static initializer before main.
#include "bench/alloc_count.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace tunnelisa::bench {
namespace {

std::atomic<uint64_t> g_cxx{0};
std::atomic<uint64_t> g_openssl{0};

void* CountedCxx(std::size_t size) {
  g_cxx.fetch_add(1, std::memory_order_relaxed);
  // operator new(0) must return a distinct non-null pointer.
  return std::malloc(size == 0 ? 1 : size);
}

void* CountedCxxAligned(std::size_t size, std::align_val_t align) {
  g_cxx.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  // aligned_alloc wants a size that is a multiple of the alignment.
  return std::aligned_alloc(a, ((size == 0 ? 1 : size) + a - 1) / a * a);
}

void* OsslMalloc(size_t n, const char*, int) {
  g_openssl.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* OsslRealloc(void* p, size_t n, const char*, int) {
  g_openssl.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void OsslFree(void* p, const char*, int) { std::free(p); }

const bool g_openssl_counted = CRYPTO_set_mem_functions(OsslMalloc, OsslRealloc, OsslFree) == 1;

}  // namespace

AllocCounts AllocCountsNow() {
  return {g_cxx.load(std::memory_order_relaxed), g_openssl.load(std::memory_order_relaxed)};
}

bool OpensslCounted() { return g_openssl_counted; }

}  // namespace tunnelisa::bench

using tunnelisa::bench::CountedCxx;
using tunnelisa::bench::CountedCxxAligned;

void* operator new(std::size_t n) {
  if (void* p = CountedCxx(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = CountedCxx(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return CountedCxx(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return CountedCxx(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = CountedCxxAligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = CountedCxxAligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedCxxAligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedCxxAligned(n, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

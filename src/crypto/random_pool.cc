// File: crypto/random_pool.cc
#include "crypto/random_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>

namespace tunnelisa::crypto {
namespace {

// Bumped in both processes at every fork: whatever any pool held before it is discarded.
std::atomic<uint64_t> fork_generation{0};

void BumpGeneration() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

void RegisterForkHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    // prepare runs in the parent before the fork, child in the child after it: both
    // processes then see a new generation.
    if (pthread_atfork(BumpGeneration, nullptr, BumpGeneration) != 0) std::abort();
  });
}

void RandOrAbort(RandomPool::Source source, uint8_t* out, size_t size) {
  const int n = static_cast<int>(size);
  const int ok =
      source == RandomPool::Source::kPrivate ? RAND_priv_bytes(out, n) : RAND_bytes(out, n);
  if (ok != 1) std::abort();
}

}  // namespace

RandomPool::RandomPool(Source source) : source_(source) {
  RegisterForkHandler();
  generation_ = fork_generation.load(std::memory_order_relaxed);
}

RandomPool::~RandomPool() { OPENSSL_cleanse(pool_.data(), pool_.size()); }

void RandomPool::Refill() {
  RandOrAbort(source_, pool_.data(), pool_.size());
  next_ = 0;
  ++refills_;
}

void RandomPool::Fill(std::span<uint8_t> out) {
  if (const uint64_t g = fork_generation.load(std::memory_order_relaxed); g != generation_) {
    OPENSSL_cleanse(pool_.data(), pool_.size());
    next_ = kBlock;
    generation_ = g;
  }
  if (out.size() > kBlock) {
    RandOrAbort(source_, out.data(), out.size());
    return;
  }
  size_t done = 0;
  while (done < out.size()) {  // at most twice: the rest of this block, then a fresh one
    if (next_ == kBlock) Refill();
    const size_t n = std::min(out.size() - done, kBlock - next_);
    std::copy_n(pool_.data() + next_, n, out.data() + done);
    OPENSSL_cleanse(pool_.data() + next_, n);
    next_ += n;
    done += n;
  }
}

}  // namespace tunnelisa::crypto

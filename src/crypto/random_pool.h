// File: crypto/random_pool.h
//
// RandomPool: OpenSSL's RAND_bytes drawn in blocks and handed out in the small pieces IKE asks
// for (SPIs, nonces, IV counter starts: about six requests per handshake); a kPrivate pool
// does the same with RAND_priv_bytes for X25519 private keys (crypto/ike_dh.cc).
// Each RAND_bytes call checks the process id for fork safety, a system call of its own, and
// takes the DRBG's lock; one call per block instead of one per request saves most of that
// (docs/performance.md, "tunnelisa run's handshake, cold").
//
// Octets are handed out once: each is wiped from the pool as it is given away, and the rest
// when the pool is destroyed. A fork discards what the pool holds, in the parent and the child
// alike (a pthread_atfork handler bumps a generation the pool compares on every call), so the
// two processes never hand out the same octets. Requests larger than a block go straight to
// RAND_bytes (RAND_priv_bytes for a kPrivate pool).
//
// One thread at a time (the engine's control thread). Fill aborts if RAND_bytes fails: that
// does not happen on a seeded Linux system, and predictable nonces or keys are worse than
// stopping.
#ifndef TUNNELISA_SRC_CRYPTO_RANDOM_POOL_H_
#define TUNNELISA_SRC_CRYPTO_RANDOM_POOL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tunnelisa/host.h"

namespace tunnelisa::crypto {

class RandomPool final : public Random {
 public:
  static constexpr size_t kBlock = 256;
  // Where blocks come from: RAND_bytes, or RAND_priv_bytes (OpenSSL's DRBG kept for private
  // keys, whose state never also produced public values such as nonces).
  enum class Source : uint8_t { kPublic, kPrivate };

  explicit RandomPool(Source source = Source::kPublic);
  ~RandomPool() override;
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;

  void Fill(std::span<uint8_t> out) override;

  // refills: how many blocks were drawn from RAND_bytes (tests).
  uint64_t refills() const { return refills_; }

 private:
  void Refill();

  Source source_;
  std::array<uint8_t, kBlock> pool_{};
  size_t next_ = kBlock;  // pool_[next_, kBlock) not handed out yet
  uint64_t generation_ = 0;
  uint64_t refills_ = 0;
};

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_RANDOM_POOL_H_

// File: ike/negotiation/algorithm_info.h
//
// Compile-time views of the algorithm tables in tunnelisa/algorithms.h, built from the same
// X-macros, so this layer needs no link dependency on tunnelisa_crypto (which defines
// GetEncryptionInfo). Internal to ike/negotiation; any thread.
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_ALGORITHM_INFO_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_ALGORITHM_INFO_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "tunnelisa/algorithms.h"

namespace tunnelisa::ike::internal {

// EncInfo: what negotiation needs of an encryption algorithm.
struct EncInfo {
  EncryptionAlgorithm id;
  std::string_view name;  // "aes256gcm16"
  uint8_t key_size;       // without salt
  uint8_t salt_size;
  bool aead;
};

// IntegInfo: what negotiation needs of an integrity algorithm.
struct IntegInfo {
  IntegrityAlgorithm id;
  std::string_view name;  // "sha256"
  uint8_t key_size;
};

inline constexpr EncInfo kEncInfo[] = {
#define TUNNELISA_X(e, name, key, salt, iv, block, icv, aead) \
  {EncryptionAlgorithm::e, name, key, salt, aead},
    TUNNELISA_ENCRYPTION_ALGORITHMS(TUNNELISA_X)
#undef TUNNELISA_X
};

inline constexpr IntegInfo kIntegInfo[] = {
#define TUNNELISA_X(e, name, key, icv) {IntegrityAlgorithm::e, name, key},
    TUNNELISA_INTEGRITY_ALGORITHMS(TUNNELISA_X)
#undef TUNNELISA_X
};

// FindEnc / FindInteg: the entry for `a`, or nullptr for a value outside the enum.
constexpr const EncInfo* FindEnc(EncryptionAlgorithm a) {
  for (const EncInfo& e : kEncInfo) {
    if (e.id == a) return &e;
  }
  return nullptr;
}
constexpr const IntegInfo* FindInteg(IntegrityAlgorithm a) {
  for (const IntegInfo& i : kIntegInfo) {
    if (i.id == a) return &i;
  }
  return nullptr;
}

// IsAead: true for AES-GCM and ChaCha20-Poly1305; false also for unknown values.
constexpr bool IsAead(EncryptionAlgorithm a) {
  const EncInfo* e = FindEnc(a);
  return e != nullptr && e->aead;
}

static_assert(std::size(kEncInfo) == 16 && std::size(kIntegInfo) == 6,
              "a new algorithm in algorithms.h needs a transform mapping in transform_ids.cc");

}  // namespace tunnelisa::ike::internal

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_ALGORITHM_INFO_H_

// Small helpers the IKEv1 exchange files share (internal to src/ike/v1): finding payloads in a
// parsed message, comparing a received HASH in constant time, and the cookie pair as the
// 16-octet SPI of phase 1 notifications and deletes (RFC 2408 3.14, 3.15).
#ifndef TUNNELISA_SRC_IKE_V1_EXCHANGE_UTIL_H_
#define TUNNELISA_SRC_IKE_V1_EXCHANGE_UTIL_H_

#include <openssl/crypto.h>

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/codec/v1/v1_payload.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike::v1 {

// kV1NonceSize: the nonces we send (RFC 2409 5: 8..256 octets).
inline constexpr size_t kV1NonceSize = 32;

// FindPayload / FindV1: the first payload of `type` (its body as T), or nullptr.
inline const V1Payload* FindPayload(std::span<const V1Payload> payloads, V1PayloadType type) {
  for (const V1Payload& p : payloads) {
    if (p.type == type) return &p;
  }
  return nullptr;
}
template <typename T>
const T* FindV1(std::span<const V1Payload> payloads, V1PayloadType type) {
  const V1Payload* p = FindPayload(payloads, type);
  return p != nullptr ? p->As<T>() : nullptr;
}

// HashMatches: `got` equals the computed `expected` (constant time; false if it failed).
inline bool HashMatches(const absl::StatusOr<SecretBytes>& expected, const V1HashPayload* got) {
  return got != nullptr && expected.ok() && expected->size() == got->data.size() &&
         CRYPTO_memcmp(expected->data(), got->data.data(), got->data.size()) == 0;
}

// CookieBytes: CKY-I | CKY-R as on the wire.
inline std::vector<uint8_t> CookieBytes(uint64_t cky_i, uint64_t cky_r) {
  std::vector<uint8_t> out;
  for (uint64_t v : {cky_i, cky_r}) {
    for (int k = 7; k >= 0; --k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
  }
  return out;
}

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_EXCHANGE_UTIL_H_

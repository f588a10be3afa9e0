// Small helpers the IKEv2 exchange files share (internal to src/ike/v2): finding payloads in a
// decoded message, building notify payloads, nonce comparisons for the collision rules, and the
// big-endian SPI octets the key derivations take.
#ifndef TUNNELISA_SRC_IKE_V2_EXCHANGE_UTIL_H_
#define TUNNELISA_SRC_IKE_V2_EXCHANGE_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "ike/codec/payload.h"

namespace tunnelisa::ike {

// kNonceSize: the nonces we send (RFC 7296 2.10: at least half the PRF's key size, 16..256).
inline constexpr size_t kNonceSize = 32;

// FindBody: the body of the first payload of `type`, or nullptr.
template <typename T>
const T* FindBody(const std::vector<Payload>& payloads, PayloadType type) {
  for (const Payload& p : payloads) {
    if (p.type == type) return p.As<T>();
  }
  return nullptr;
}

// FirstErrorNotify: the first Notify of an error type, or nullptr.
inline const NotifyPayload* FirstErrorNotify(const std::vector<Payload>& payloads) {
  for (const Payload& p : payloads) {
    const NotifyPayload* n = p.As<NotifyPayload>();
    if (n != nullptr && n->is_error()) return n;
  }
  return nullptr;
}

// ErrorNotify: a Notify payload of `type` without data.
inline Payload ErrorNotify(NotifyType type) {
  return Payload::Make(PayloadType::kNotify, NotifyPayload::Of(type));
}

// NonceLess / MinNonce: octet-wise comparison, as RFC 7296 2.8.1 compares nonces.
inline bool NonceLess(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}
inline std::vector<uint8_t> MinNonce(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  std::span<const uint8_t> m = NonceLess(a, b) ? a : b;
  return {m.begin(), m.end()};
}

// kHandshakePayloads: room reserved for the payloads of an IKE_SA_INIT or IKE_AUTH message we
// build (usually 5-9), so the list is allocated once rather than grown.
inline constexpr size_t kHandshakePayloads = 10;

// PutBe64 / SpiBytes: an IKE SPI as the 8 octets of the wire and of the key derivations.
inline void PutBe64(uint64_t v, std::vector<uint8_t>& out) {
  for (int k = 7; k >= 0; --k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}
inline std::vector<uint8_t> SpiBytes(uint64_t spi) {
  std::vector<uint8_t> out;
  out.reserve(8);  // one allocation, not one per doubling
  PutBe64(spi, out);
  return out;
}

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_V2_EXCHANGE_UTIL_H_

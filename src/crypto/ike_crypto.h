// IKE's crypto primitives (control path; may allocate): the PRF and prf+ of RFC 7296 section
// 2.13, and the Diffie-Hellman groups IKEv2 negotiates, with the peer-value checks of RFC 6989
// done explicitly instead of OpenSSL's slow generic validation (PERFORMANCE-NOTES: a MODP-2048
// derive is 7.6x slower with EVP's full peer check).
#ifndef TUNNELISA_SRC_CRYPTO_IKE_CRYPTO_H_
#define TUNNELISA_SRC_CRYPTO_IKE_CRYPTO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::crypto {

// PrfAlgorithm: IKEv2 PRF transform IDs (RFC 7296 3.3.2, RFC 4868). The guide's ike-policy
// auth-algorithm names the PRF.
enum class PrfAlgorithm : uint16_t {
  kHmacMd5 = 1,
  kHmacSha1 = 2,
  kHmacSha256 = 5,
  kHmacSha384 = 6,
  kHmacSha512 = 7,
};

// PrfOutputSize: bytes of one PRF output (and the preferred key size, RFC 7296 2.13).
size_t PrfOutputSize(PrfAlgorithm prf);

// Prf: a keyed PRF; Compute may be called many times (the key schedule is kept). Not
// thread-safe.
class Prf {
 public:
  // Create: InvalidArgument for an empty key (RFC 7296 keys are never empty), Unavailable if
  // OpenSSL lacks the digest.
  static absl::StatusOr<std::unique_ptr<Prf>> Create(PrfAlgorithm prf,
                                                     std::span<const uint8_t> key);
  virtual ~Prf() = default;
  // Compute: prf(key, parts[0] | parts[1] | ...).
  virtual absl::StatusOr<SecretBytes> Compute(std::span<const std::span<const uint8_t>> parts) = 0;
  size_t output_size() const { return output_size_; }

 protected:
  explicit Prf(size_t output_size) : output_size_(output_size) {}

 private:
  size_t output_size_;
};

// PrfPlus: prf+ (RFC 7296 section 2.13): T1 | T2 | ... truncated to `length`, where
// T1 = prf(K, S | 0x01) and Tn = prf(K, Tn-1 | S | n). InvalidArgument when `length` needs
// more than 255 blocks (the counter is one octet).
absl::StatusOr<SecretBytes> PrfPlus(PrfAlgorithm prf, std::span<const uint8_t> key,
                                    std::span<const uint8_t> seed, size_t length);

// DhGroup (tunnelisa/algorithms.h): IKEv2 Diffie-Hellman groups by number.

// DhPublicValueSize: bytes of the KE payload's key exchange data for the group.
size_t DhPublicValueSize(DhGroup group);
std::optional<DhGroup> DhGroupFromNumber(uint16_t number);

// DhKeyPair: our ephemeral key for one exchange.
class DhKeyPair {
 public:
  // Generate: a fresh key pair. Unavailable if OpenSSL can't do the group.
  static absl::StatusOr<std::unique_ptr<DhKeyPair>> Generate(DhGroup group);
  // X25519FromPrivateForTest: a Curve25519 pair from a known private key (RFC 7748 vectors).
  static absl::StatusOr<std::unique_ptr<DhKeyPair>> X25519FromPrivateForTest(
      std::span<const uint8_t> private_key);
  virtual ~DhKeyPair() = default;
  DhGroup group() const { return group_; }
  // public_value: the KE payload data: MODP y padded to the prime's length; ECP x | y
  // (RFC 5903 section 7); Curve25519 the 32-byte u-coordinate (RFC 8031).
  const std::vector<uint8_t>& public_value() const { return public_value_; }
  // Derive: g^ir from the peer's KE data. InvalidArgument (the caller answers
  // INVALID_SYNTAX / treats it as a failed exchange) when the value has the wrong length or
  // fails the RFC 6989 checks: MODP 1 < y < p-1; ECP a point on the curve; Curve25519 a
  // non-zero shared secret. The secret is padded as RFC 7296 / 5903 / 8031 say.
  virtual absl::StatusOr<SecretBytes> Derive(std::span<const uint8_t> peer_public) const = 0;

 protected:
  DhKeyPair(DhGroup group, std::vector<uint8_t> public_value)
      : group_(group), public_value_(std::move(public_value)) {}

 private:
  DhGroup group_;
  std::vector<uint8_t> public_value_;
};

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_IKE_CRYPTO_H_

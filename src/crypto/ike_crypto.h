// IKE's crypto primitives on OpenSSL (control path; may allocate), behind the public
// IkeCryptoProvider (tunnelisa/ike_crypto.h): the PRF and prf+ of RFC 7296 section 2.13, and
// the Diffie-Hellman groups IKEv2 negotiates, with the peer-value checks of RFC 6989
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
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::crypto {

// The interface types live in the public header; IKE's own code names them crypto::.
using ::tunnelisa::DhKeyPair;
using ::tunnelisa::IkeCryptoProvider;
using ::tunnelisa::Prf;
using ::tunnelisa::PrfAlgorithm;
using ::tunnelisa::PrfOutputSize;

// OpenSslPrf: HMAC on OpenSSL's EVP_MAC (what OpenSslIkeCrypto().NewPrf returns).
absl::StatusOr<std::unique_ptr<Prf>> OpenSslPrf(PrfAlgorithm prf, std::span<const uint8_t> key);

// PrfPlus: prf+ (RFC 7296 section 2.13) with the keyed `prf`: T1 | T2 | ... truncated to
// `length`, where T1 = prf(K, S | 0x01) and Tn = prf(K, Tn-1 | S | n). InvalidArgument when
// `length` needs more than 255 blocks (the counter is one octet).
absl::StatusOr<SecretBytes> PrfPlus(Prf& prf, std::span<const uint8_t> seed, size_t length);

// DhGroup (tunnelisa/algorithms.h): IKEv2 Diffie-Hellman groups by number.

// DhPublicValueSize: bytes of the KE payload's key exchange data for the group.
size_t DhPublicValueSize(DhGroup group);
std::optional<DhGroup> DhGroupFromNumber(uint16_t number);

// OpenSslDhKeyPair: a fresh key pair on OpenSSL (what OpenSslIkeCrypto().NewDhKeyPair
// returns; Curve25519 is libsodium's arithmetic with a private key from OpenSSL's DRBG).
// Unavailable if OpenSSL can't do the group.
absl::StatusOr<std::unique_ptr<DhKeyPair>> OpenSslDhKeyPair(DhGroup group);
// X25519FromPrivateForTest: a Curve25519 pair from a known private key (RFC 7748 vectors).
absl::StatusOr<std::unique_ptr<DhKeyPair>> X25519FromPrivateForTest(
    std::span<const uint8_t> private_key);

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_IKE_CRYPTO_H_

// File: ike/v1/crypto/v1_suite.h
//
// Mappings between IKEv1's SA attribute values (ike/codec/v1/v1_constants.h) and tunnelisa's
// algorithm enums (tunnelisa/algorithms.h, tunnelisa/ike_crypto.h): phase 1's Encryption
// Algorithm + Key Length, Hash Algorithm (which is also the PRF: IKEv1's prf is the HMAC of the
// negotiated hash when no PRF attribute is negotiated, RFC 2409 section 4), and phase 2's ESP
// transform ID + Key Length and Authentication Algorithm. Pure functions; any thread.
#ifndef TUNNELISA_SRC_IKE_V1_CRYPTO_V1_SUITE_H_
#define TUNNELISA_SRC_IKE_V1_CRYPTO_V1_SUITE_H_

#include <cstdint>
#include <optional>

#include "ike/codec/v1/v1_constants.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::ike::v1 {

// V1CipherAttributes: an Encryption Algorithm / ESP transform ID and its Key Length attribute
// (bits; 0 = attribute absent, as for the fixed-size DES and 3DES).
struct V1CipherAttributes {
  uint16_t id = 0;
  uint16_t key_bits = 0;
  bool operator==(const V1CipherAttributes&) const = default;
};

// Phase1Cipher: DES-CBC (1), 3DES-CBC (5), AES-CBC (7) with Key Length 128/192/256; nullopt
// for anything else, including AES without a Key Length and DES/3DES with one other than
// their fixed size.
std::optional<EncryptionAlgorithm> Phase1Cipher(V1CipherAttributes attrs);
// Phase1CipherAttributes: the reverse; nullopt for an algorithm phase 1 cannot use (GCM,
// ChaCha20, NULL: IKEv1's ISAKMP SA has CBC ciphers only).
std::optional<V1CipherAttributes> Phase1CipherAttributes(EncryptionAlgorithm alg);

// PrfForV1Hash: HMAC of MD5 (1), SHA-1 (2), SHA2-256/384/512 (4/5/6, RFC 4868); nullopt for
// others (Tiger). V1HashFor: the reverse.
std::optional<PrfAlgorithm> PrfForV1Hash(uint16_t hash_attr);
std::optional<uint16_t> V1HashFor(PrfAlgorithm prf);
// HashForPrf: the plain hash of an HMAC PRF (for the phase-1 IVs, RFC 2409 Appendix B).
pki::HashAlgorithm HashForPrf(PrfAlgorithm prf);

// EspCipher: ESP_DES (2), ESP_3DES (3), ESP_NULL (11), ESP_AES (12, Key Length 128/192/256),
// ESP_AES_GCM_8/12/16 (18/19/20, Key Length 128/192/256); nullopt otherwise. EspCipherAttributes:
// the reverse (ChaCha20-Poly1305 has no IKEv1 number: nullopt).
std::optional<EncryptionAlgorithm> EspCipher(V1CipherAttributes attrs);
std::optional<V1CipherAttributes> EspCipherAttributes(EncryptionAlgorithm alg);

// EspIntegrity: phase 2 Authentication Algorithm HMAC-MD5 (1), HMAC-SHA (2), HMAC-SHA2-256/
// 384/512 (5/6/7; RFC 4868's truncations); nullopt otherwise. V1AuthAlgorithmFor: the reverse
// (kNone: nullopt, i.e. send no attribute, as with AES-GCM).
std::optional<IntegrityAlgorithm> EspIntegrity(uint16_t auth_attr);
std::optional<uint16_t> V1AuthAlgorithmFor(IntegrityAlgorithm integ);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_CRYPTO_V1_SUITE_H_

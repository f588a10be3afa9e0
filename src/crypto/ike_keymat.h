// IKEv2 key derivation (RFC 7296 sections 2.14, 2.17 and 2.18): SKEYSEED and the seven IKE SA
// keys, CHILD_SA key material, and the SKEYSEED of a rekeyed IKE SA. Control path.
#ifndef TUNNELISA_SRC_CRYPTO_IKE_KEYMAT_H_
#define TUNNELISA_SRC_CRYPTO_IKE_KEYMAT_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "crypto/ike_crypto.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::crypto {

// IkeKeySizes: bytes of each IKE SA key, from the negotiated transforms: SK_d, SK_pi and SK_pr
// are the PRF's preferred key size; SK_ai/SK_ar the integrity key (0 with an AEAD); SK_ei/SK_er
// the encryption key including any salt (RFC 5282: AES-GCM keys carry 4 salt bytes).
struct IkeKeySizes {
  size_t integrity = 0;
  size_t encryption = 0;
};

// IkeSaKeys: the seven keys of an IKE SA.
struct IkeSaKeys {
  SecretBytes sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

// DeriveIkeSaKeys: SKEYSEED = prf(Ni | Nr, g^ir), then
// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
// spi_i / spi_r are the 8-byte IKE SPIs. InvalidArgument on empty nonces or a wrong SPI size.
absl::StatusOr<IkeSaKeys> DeriveIkeSaKeys(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                          const IkeKeySizes& sizes,
                                          std::span<const uint8_t> nonce_i,
                                          std::span<const uint8_t> nonce_r,
                                          std::span<const uint8_t> shared_secret,
                                          std::span<const uint8_t> spi_i,
                                          std::span<const uint8_t> spi_r);

// DeriveIkeSaKeysFromSkeyseed: the prf+ step alone, for an IKE SA made by rekeying (whose
// SKEYSEED comes from DeriveRekeyedSkeyseed).
absl::StatusOr<IkeSaKeys> DeriveIkeSaKeysFromSkeyseed(const IkeCryptoProvider& provider,
                                                      PrfAlgorithm prf, const IkeKeySizes& sizes,
                                                      std::span<const uint8_t> skeyseed,
                                                      std::span<const uint8_t> nonce_i,
                                                      std::span<const uint8_t> nonce_r,
                                                      std::span<const uint8_t> spi_i,
                                                      std::span<const uint8_t> spi_r);

// DeriveRekeyedSkeyseed: the SKEYSEED of an IKE SA made by rekeying (RFC 7296 2.18):
// prf(SK_d (old), g^ir (new) | Ni | Nr).
absl::StatusOr<SecretBytes> DeriveRekeyedSkeyseed(const IkeCryptoProvider& provider,
                                                  PrfAlgorithm prf,
                                                  std::span<const uint8_t> old_sk_d,
                                                  std::span<const uint8_t> shared_secret,
                                                  std::span<const uint8_t> nonce_i,
                                                  std::span<const uint8_t> nonce_r);

// ChildSaKeys: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 2.17), split in the order
// the RFC gives: the initiator-to-responder encryption and integrity keys, then the
// responder-to-initiator ones. shared_secret is empty without PFS.
struct ChildSaKeys {
  SecretBytes encr_i, integ_i, encr_r, integ_r;
};
absl::StatusOr<ChildSaKeys> DeriveChildSaKeys(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                              std::span<const uint8_t> sk_d,
                                              std::span<const uint8_t> shared_secret,
                                              std::span<const uint8_t> nonce_i,
                                              std::span<const uint8_t> nonce_r,
                                              size_t encryption_size, size_t integrity_size);

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_IKE_KEYMAT_H_

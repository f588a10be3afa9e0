// File: ike/v1/crypto/v1_keymat.h
//
// IKEv1 key derivation and authentication hashes (RFC 2409 sections 5, 5.5, 5.7 and
// Appendix B; draft-dukes-ike-mode-cfg for the transaction exchange's hash). Everything goes
// through IkeCryptoProvider's PRF, where prf is the HMAC of the negotiated phase-1 hash
// (v1_suite.h PrfForV1Hash). Notation as in RFC 2409: `|` is concatenation, CKY-I / CKY-R the
// 8-octet cookies from the ISAKMP header, Ni_b / Nr_b the nonce payload bodies, g^xy the DH
// shared secret, SAi_b the initiator's SA payload body, IDii_b / IDir_b the ID payload bodies,
// M-ID the 4-octet message ID (all big-endian, as on the wire).
//
// Example (Main Mode with a pre-shared key, initiator):
//   absl::StatusOr<V1Phase1Keys> k = DerivePhase1Keys(provider, prf, V1AuthKind::kPreSharedKey,
//       psk, ni, nr, g_xy, icookie, rcookie, GetEncryptionInfo(cipher).key_size);
//   absl::StatusOr<SecretBytes> hash_i = Phase1Hash(provider, prf, k->skeyid, V1Side::kInitiator,
//       g_xi, g_xr, icookie, rcookie, sai_b, idii_b);   // the HASH_I payload's data
//
// Pure functions of their inputs; any thread (the provider's PRFs are created per call).
// Control path only. Results are secrets (SecretBytes) except where noted.
#ifndef TUNNELISA_SRC_IKE_V1_CRYPTO_V1_KEYMAT_H_
#define TUNNELISA_SRC_IKE_V1_CRYPTO_V1_KEYMAT_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike::v1 {

// V1AuthKind: how SKEYID is computed (RFC 2409 section 5). Signature methods (RSA, DSS, ECDSA,
// and their XAUTH variants) use kSignature; pre-shared keys (also XAUTHInitPreShared) kPsk.
// Public-key encryption methods are not supported.
enum class V1AuthKind { kPreSharedKey, kSignature };

// V1Side: whose hash: HASH_I (the initiator's) or HASH_R (the responder's).
enum class V1Side { kInitiator, kResponder };

// V1Phase1Keys: the ISAKMP SA's keys. enc_key is the cipher key drawn from SKEYID_e
// (Appendix B), exactly `enc_key_len` octets.
struct V1Phase1Keys {
  SecretBytes skeyid, skeyid_d, skeyid_a, skeyid_e, enc_key;
};

// DerivePhase1Keys:
//   signatures: SKEYID = prf(Ni_b | Nr_b, g^xy)
//   pre-shared: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
//   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
//   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
//   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
// (0, 1, 2 single octets), then the encryption key: the first enc_key_len octets of SKEYID_e,
// or, when SKEYID_e is shorter, of Ka = K1 | K2 | ... with K1 = prf(SKEYID_e, 0),
// Kn = prf(SKEYID_e, Kn-1) (Appendix B; e.g. 3DES's 24-octet key from HMAC-MD5's 16).
// Errors: InvalidArgument for an empty nonce, an empty g^xy, an empty pre-shared key with
// kPreSharedKey, enc_key_len 0 or over 255 PRF blocks; the provider's errors.
absl::StatusOr<V1Phase1Keys> DerivePhase1Keys(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                              V1AuthKind kind, std::span<const uint8_t> psk,
                                              std::span<const uint8_t> nonce_i,
                                              std::span<const uint8_t> nonce_r,
                                              std::span<const uint8_t> g_xy, uint64_t cky_i,
                                              uint64_t cky_r, size_t enc_key_len);

// Phase1Hash: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b), or
// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b): always pass the values in
// initiator / responder roles (g_xi is the initiator's KE data, cky_i the initiator cookie,
// sai_b the initiator's SA body) and `id_b` of the side whose hash it is; the function swaps
// for HASH_R. With a pre-shared key this is the HASH payload's data; with a signature method
// it is what SIG_I / SIG_R sign (RFC 2409 5.1: "SIG_I or SIG_R is the result of the negotiated
// digital signature algorithm applied to HASH_I or HASH_R respectively"). Errors:
// InvalidArgument for an empty SKEYID; the provider's errors.
absl::StatusOr<SecretBytes> Phase1Hash(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       std::span<const uint8_t> skeyid, V1Side side,
                                       std::span<const uint8_t> g_xi, std::span<const uint8_t> g_xr,
                                       uint64_t cky_i, uint64_t cky_r,
                                       std::span<const uint8_t> sai_b,
                                       std::span<const uint8_t> id_b);

// Quick Mode hashes (RFC 2409 5.5). `rest` is the message's payloads after the HASH payload,
// generic headers included, padding excluded (v1_payload.h V1ChainBytes):
//   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])   QuickHash1
//   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])   QuickHash2
//   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)   QuickHash3 (0 is one octet)
// ni_b / nr_b: the nonce payload bodies (the nonces themselves).
absl::StatusOr<SecretBytes> QuickHash1(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       std::span<const uint8_t> skeyid_a, uint32_t message_id,
                                       std::span<const uint8_t> rest);
absl::StatusOr<SecretBytes> QuickHash2(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       std::span<const uint8_t> skeyid_a, uint32_t message_id,
                                       std::span<const uint8_t> ni_b,
                                       std::span<const uint8_t> rest);
absl::StatusOr<SecretBytes> QuickHash3(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       std::span<const uint8_t> skeyid_a, uint32_t message_id,
                                       std::span<const uint8_t> ni_b,
                                       std::span<const uint8_t> nr_b);

// InformationalHash: HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 5.7), `rest` the Notify or
// Delete payload(s) after HASH as in the Quick Mode hashes.
absl::StatusOr<SecretBytes> InformationalHash(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                              std::span<const uint8_t> skeyid_a,
                                              uint32_t message_id, std::span<const uint8_t> rest);

// ModeCfgHash: the transaction exchange's HASH = prf(SKEYID_a, M-ID | Attributes)
// (draft-dukes-ike-mode-cfg 3.1, also XAUTH's), `rest` the ATTR payload after HASH. Same
// computation as InformationalHash; a separate name so each exchange says what it checks.
absl::StatusOr<SecretBytes> ModeCfgHash(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                        std::span<const uint8_t> skeyid_a, uint32_t message_id,
                                        std::span<const uint8_t> rest);

// QuickKeymat: the keying material of one IPsec SA (RFC 2409 5.5):
//   KEYMAT = K1 | K2 | K3 | ...
//   K1 = prf(SKEYID_d, [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
//   Kn = prf(SKEYID_d, Kn-1 | [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
// truncated to `length` octets. `g_qm_xy` is Quick Mode's DH secret with PFS, empty without.
// `spi` is the SPI of the SA the keys are for, i.e. the one its receiver chose (each
// direction has its own SPI and so its own KEYMAT); `protocol` the proposal's Protocol-ID
// (3 for ESP). The caller splits KEYMAT: the encryption key first, then the integrity key
// (RFC 2401 / 2407 convention, also strongSwan's and the kernels'). Errors: InvalidArgument
// for an empty SKEYID_d or nonce, `length` 0 or over 255 PRF blocks; the provider's errors.
absl::StatusOr<SecretBytes> QuickKeymat(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                        std::span<const uint8_t> skeyid_d,
                                        std::span<const uint8_t> g_qm_xy, uint8_t protocol,
                                        uint32_t spi, std::span<const uint8_t> ni_b,
                                        std::span<const uint8_t> nr_b, size_t length);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_CRYPTO_V1_KEYMAT_H_

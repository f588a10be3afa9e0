// File: ike/negotiation/transform_ids.h
//
// The mapping between the library's algorithm enums (tunnelisa/algorithms.h) and IKEv2
// transforms (RFC 7296 3.3.2, IANA "IKEv2 Parameters" Transform Types 1-5; RFC 4868 for the
// SHA-2 PRFs and integrity algorithms, RFC 5282/4106 for AES-GCM, RFC 7634 for
// ChaCha20-Poly1305, RFC 3526/5903/8031 for the D-H groups), both ways, plus names for logs in
// the spelling strongSwan and the IANA registry use ("AES_CBC_256", "HMAC_SHA2_256_128",
// "PRF_HMAC_SHA2_256", "MODP_2048").
//
// Example:
//   std::optional<Transform> t = EncrTransformFor(EncryptionAlgorithm::kAes256Cbc,
//                                                 ProtocolId::kIke);
//   // t->id == 12, t->key_length == 256
//   EncryptionFromTransform(*t, ProtocolId::kIke);  // kAes256Cbc
//
// Pure functions over constant tables; any thread. Not on the packet fast path.
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_TRANSFORM_IDS_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_TRANSFORM_IDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ike/codec/constants.h"
#include "ike/codec/sa_payload.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa::ike {

// Transform IDs this layer names, as numbers (the list is EncrId / IntegId, codec/constants.h).
inline constexpr uint16_t kEncrDes = static_cast<uint16_t>(EncrId::kDesCbc);
inline constexpr uint16_t kEncr3Des = static_cast<uint16_t>(EncrId::k3DesCbc);
inline constexpr uint16_t kEncrNull = static_cast<uint16_t>(EncrId::kNull);
inline constexpr uint16_t kEncrAesCbc = static_cast<uint16_t>(EncrId::kAesCbc);
inline constexpr uint16_t kEncrAesGcm8 = static_cast<uint16_t>(EncrId::kAesGcm8);
inline constexpr uint16_t kEncrAesGcm12 = static_cast<uint16_t>(EncrId::kAesGcm12);
inline constexpr uint16_t kEncrAesGcm16 = static_cast<uint16_t>(EncrId::kAesGcm16);
inline constexpr uint16_t kEncrChaCha20Poly1305 = static_cast<uint16_t>(EncrId::kChaCha20Poly1305);
inline constexpr uint16_t kIntegNone = static_cast<uint16_t>(IntegId::kNone);
inline constexpr uint16_t kDhNone = 0;
inline constexpr uint16_t kEsnNo = 0;
inline constexpr uint16_t kEsnYes = 1;

// EncrTransformFor: the ENCR transform for `a` in a proposal of `protocol` (kIke or kEsp):
// the ID plus, for AES (CBC and GCM), the Key Length attribute in bits. nullopt for kNull in an
// IKE proposal (ENCR_NULL is ESP-only) or an unknown enum value. Never fails otherwise.
std::optional<Transform> EncrTransformFor(EncryptionAlgorithm a, ProtocolId protocol);

// EncryptionFromTransform: the algorithm an ENCR transform names, or nullopt when the ID is not
// one we implement for `protocol`, the Key Length is missing or wrong for AES, present for a
// fixed-key cipher, or the transform carries any other attribute (which we do not understand).
std::optional<EncryptionAlgorithm> EncryptionFromTransform(const Transform& t, ProtocolId protocol);

// PrfIdFor / PrfFromId: the PRF transform ID for the hash of `a` (HMAC-MD5 1, HMAC-SHA1 2,
// HMAC-SHA2-256 5, -384 6, -512 7) and back. kNone has no PRF (nullopt); unknown IDs give
// nullopt.
std::optional<uint16_t> PrfIdFor(IntegrityAlgorithm a);
std::optional<IntegrityAlgorithm> PrfFromId(uint16_t id);

// IntegIdFor / IntegFromId: the INTEG transform ID (NONE 0, HMAC-MD5-96 1, HMAC-SHA1-96 2,
// HMAC-SHA2-256-128 12, -384-192 13, -512-256 14) and back; unknown IDs give nullopt.
std::optional<uint16_t> IntegIdFor(IntegrityAlgorithm a);
std::optional<IntegrityAlgorithm> IntegFromId(uint16_t id);

// DhGroupFromId: the group a D-H transform ID names, or nullopt for NONE (0) and for groups
// this library does not implement.
std::optional<DhGroup> DhGroupFromId(uint16_t id);

// DhGroupName: the configuration spelling ("modp2048", "ecp384", "curve25519"); unknown values
// print as "group<N>".
std::string DhGroupName(DhGroup group);

// TransformName: one transform for logs: "AES_CBC_256", "AES_GCM_16_128", "CHACHA20_POLY1305",
// "HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256", "MODP_2048", "NO_ESN". Unknown IDs print as
// "ENCR_99"; unknown types as "TYPE9_1"; attributes other than Key Length add "+attr<type>".
std::string TransformName(const Transform& t);

// ProposalString: one proposal's transforms for logs, grouped ENCR, INTEG, PRF, D-H, ESN, other
// types, joined by '/': "AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024". A protocol other
// than IKE and ESP is prefixed ("AH:").
std::string ProposalString(const Proposal& p);

// SaPayloadString: every proposal's ProposalString joined by " | ".
std::string SaPayloadString(const SaPayload& sa);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_TRANSFORM_IDS_H_

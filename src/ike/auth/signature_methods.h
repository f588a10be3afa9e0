// File: ike/auth/signature_methods.h
//
// How an IKEv2 AUTH payload carries a signature: the method numbers of RFC 7296 3.8 (RSA 1,
// DSS 3), RFC 4754 (ECDSA 9-11) and RFC 7427 (Digital Signature 14, whose data starts with
// the signature's ASN.1 AlgorithmIdentifier), and the SIGNATURE_HASH_ALGORITHMS notify that
// says which hashes a peer can verify. Pure functions over pki keys; control path.
#ifndef TUNNELISA_SRC_IKE_AUTH_SIGNATURE_METHODS_H_
#define TUNNELISA_SRC_IKE_AUTH_SIGNATURE_METHODS_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/codec/auth_payload.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::ike {

// SignatureHash: the 16-bit hash algorithm numbers a SIGNATURE_HASH_ALGORITHMS notify lists
// (RFC 7427 section 4; IANA's IKEv2 Hash Algorithms registry).
enum class SignatureHash : uint16_t {
  kSha1 = 1,
  kSha256 = 2,
  kSha384 = 3,
  kSha512 = 4,
  kIdentity = 5,  // RFC 8420: the data itself (Ed25519 / Ed448)
};

// AnnouncedSignatureHashes: our SIGNATURE_HASH_ALGORITHMS notify data: SHA2-256, SHA2-384,
// SHA2-512 and Identity (SHA-1 is not offered: RFC 8247 says it MUST NOT be used for
// signatures; we still verify it in the older methods).
std::vector<uint8_t> AnnouncedSignatureHashes();

// ParseSignatureHashes: the notify's data as hash numbers; InvalidArgument on an odd length.
absl::StatusOr<std::vector<uint16_t>> ParseSignatureHashes(std::span<const uint8_t> data);

// SignatureScheme: how we sign one AUTH payload.
struct SignatureScheme {
  AuthMethod method = AuthMethod::kDigitalSignature;
  pki::SignatureOptions options;
};

// ChooseSignatureScheme: the scheme for `key` given the hashes the peer announced (empty: it
// sent no SIGNATURE_HASH_ALGORITHMS, so only the older methods are possible):
//   - announced: Digital Signature (14) with the key's natural hash when the peer has it
//     (ECDSA: the curve's hash; RSA: SHA2-256, then 384, 512; Ed25519: Identity), RSA-PSS for
//     a key restricted to PSS or when `rsa_pss` asks for it; DSA keeps method 3;
//   - not announced: RSA (1, PKCS#1 v1.5 with SHA-1), DSS (3), ECDSA (9, 10, 11).
// FailedPrecondition when the peer cannot verify this key (Ed25519 or an RSA-PSS key without
// the notify, or no common hash).
absl::StatusOr<SignatureScheme> ChooseSignatureScheme(const pki::PrivateKey& key,
                                                      std::span<const uint16_t> peer_hashes,
                                                      bool rsa_pss = false);

// EncodeAuthData: the AUTH payload's data for `signature` made with `scheme` by a key of
// `key_type` (method 14 prefixes the AlgorithmIdentifier with its length octet).
absl::StatusOr<std::vector<uint8_t>> EncodeAuthData(pki::KeyType key_type,
                                                    const SignatureScheme& scheme,
                                                    std::span<const uint8_t> signature);

// DecodedAuth: what the peer's AUTH payload says: how to verify, and the signature octets
// (a view into the payload).
struct DecodedAuth {
  pki::SignatureOptions options;
  std::span<const uint8_t> signature;
  std::string description;  // "ecdsa-with-SHA256", "RSASSA-PSS SHA-256", for logs
};

// DecodeAuth: parses a signature AUTH payload for a key of `key_type` / `key_bits`.
// InvalidArgument naming what is wrong: a method that is not a signature, an unknown or
// malformed AlgorithmIdentifier, RSA-PSS parameters other than MGF1 with the same hash and a
// salt of the hash's length, or a method that does not fit the key (RFC 4754: method 9 is
// ECDSA on P-256 only, and so on).
absl::StatusOr<DecodedAuth> DecodeAuth(const AuthPayload& auth, pki::KeyType key_type);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_SIGNATURE_METHODS_H_

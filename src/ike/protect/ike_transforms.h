// File: ike/protect/ike_transforms.h
//
// The IKE SA's own protection suite: IKEv2 transform IDs (IANA "IKEv2 Parameters", Transform
// Type 1 and 3) for the Encrypted payload SK, and the sizes each pair implies for keys, IVs,
// padding and the ICV (RFC 7296 3.14, RFC 5282 for AES-GCM, RFC 7634 for ChaCha20-Poly1305,
// RFC 2104/2404/4868 for HMAC).
//
// The IKE task layer fills an SkSuite from the negotiated SA payload (or from configuration
// through SkSuiteFromConfig), asks SkSizesFor how much key material to draw from prf+ for
// SK_e*/SK_a*, and hands suite and keys to SkProtector (sk_protection.h).
//
// Example:
//   absl::StatusOr<SkSizes> s = SkSizesFor({IkeEncrId::kAesGcm16, 256, IkeIntegId::kNone});
//   // s->encr_key == 36 (32-byte key + 4-byte salt), s->icv == 16, s->integ_key == 0
//
// Value types and pure functions; any thread. Not on the packet fast path.
#ifndef TUNNELISA_SRC_IKE_PROTECT_IKE_TRANSFORMS_H_
#define TUNNELISA_SRC_IKE_PROTECT_IKE_TRANSFORMS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa::ike {

// IkeEncrId: IKEv2 Transform Type 1 (encryption) IDs (codec/constants.h); the IKE SA uses all
// but kNull (SkSizesFor refuses it). IkeIntegId: Transform Type 3 IDs; kNone with AEAD ciphers.
using IkeEncrId = EncrId;
using IkeIntegId = IntegId;

// SkSuite: what protects an IKE SA's SK payloads. `key_bits` is the Key Length attribute:
// 128, 192 or 256 for AES (CBC and GCM), 0 for the fixed-size ciphers (DES, 3DES,
// ChaCha20-Poly1305). AEAD ciphers take integ kNone; the others need an integrity algorithm.
struct SkSuite {
  IkeEncrId encr = IkeEncrId::kAesGcm16;
  uint16_t key_bits = 256;
  IkeIntegId integ = IkeIntegId::kNone;
  bool operator==(const SkSuite&) const = default;
};

// SkSizes: octet counts an SkSuite implies.
struct SkSizes {
  size_t encr_key = 0;   // SK_ei / SK_er length, including the salt (AEAD: key || salt)
  size_t salt = 0;       // AEAD salt at the end of SK_e* (RFC 5282 / RFC 7634: 4), else 0
  size_t iv = 0;         // IV carried in each SK/SKF payload (CBC: block size; AEAD: 8)
  size_t block = 0;      // alignment of payloads + Padding + Pad Length (AEAD: 1)
  size_t icv = 0;        // Integrity Checksum Data: truncated HMAC or AEAD tag
  size_t integ_key = 0;  // SK_ai / SK_ar length (0 for AEAD)
  bool aead = false;
  bool operator==(const SkSizes&) const = default;
};

// SkSizesFor: the sizes of `suite`. Errors (InvalidArgument): an unknown encryption or
// integrity ID, an AEAD cipher with an integrity algorithm, a non-AEAD cipher without one, or a
// key length the cipher does not take (AES: 128/192/256; others: 0). Any thread.
absl::StatusOr<SkSizes> SkSizesFor(const SkSuite& suite);

// SkSuiteFromConfig: the IKE SA suite for a configured (ESP-style) algorithm pair, e.g. the
// configuration's ike-policy transform. AEAD encryption algorithms ignore `integ`. nullopt for
// ENCR_NULL (never allowed for IKE) or a non-AEAD cipher with integrity none. Any thread.
std::optional<SkSuite> SkSuiteFromConfig(EncryptionAlgorithm encr, IntegrityAlgorithm integ);

// EncryptionAlgorithmFor / IntegrityAlgorithmFor: the reverse mapping onto algorithms.h, or
// nullopt for a suite SkSizesFor rejects (integrity kNone maps to IntegrityAlgorithm::kNone).
std::optional<EncryptionAlgorithm> EncryptionAlgorithmFor(const SkSuite& suite);
std::optional<IntegrityAlgorithm> IntegrityAlgorithmFor(IkeIntegId integ);

// SkSuiteName: a name for logs in algorithms.h spelling: "aes256gcm16", "chacha20poly1305",
// "aes128-sha256", "3des-sha1". An invalid suite is named by its numbers
// ("encr99/128-integ0"). Never contains key material. Any thread.
std::string SkSuiteName(const SkSuite& suite);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_PROTECT_IKE_TRANSFORMS_H_

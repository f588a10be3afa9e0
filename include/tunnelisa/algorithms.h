// File: tunnelisa/algorithms.h
//
// ESP encryption and integrity algorithms, their wire properties, and their names as the vendor
// guide and strongSwan spell them ("aes128", "aes256gcm16", "sha256"). The tables here are the
// single source for key, IV, block and ICV sizes.
#ifndef TUNNELISA_ALGORITHMS_H_
#define TUNNELISA_ALGORITHMS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tunnelisa {

// X(Enumerator, name, key bytes (without salt), salt bytes, IV bytes, block bytes, ICV bytes,
//   AEAD?)
// Block bytes is the alignment of (payload + pad + 2) per RFC 4303 section 2.4: the cipher's
// block size, or 4 for stream-like modes.
#define TUNNELISA_ENCRYPTION_ALGORITHMS(X)                      \
  X(kNull, "null", 0, 0, 0, 4, 0, false)           /* 2410 */   \
  X(kDesCbc, "des", 8, 0, 8, 8, 0, false)          /* 2405 */   \
  X(k3DesCbc, "3des", 24, 0, 8, 8, 0, false)       /* 2451 */   \
  X(kAes128Cbc, "aes128", 16, 0, 16, 16, 0, false) /* 3602 */   \
  X(kAes192Cbc, "aes192", 24, 0, 16, 16, 0, false)              \
  X(kAes256Cbc, "aes256", 32, 0, 16, 16, 0, false)              \
  X(kAes128Gcm8, "aes128gcm8", 16, 4, 8, 4, 8, true) /* 4106 */ \
  X(kAes128Gcm12, "aes128gcm12", 16, 4, 8, 4, 12, true)         \
  X(kAes128Gcm16, "aes128gcm16", 16, 4, 8, 4, 16, true)         \
  X(kAes192Gcm8, "aes192gcm8", 24, 4, 8, 4, 8, true)            \
  X(kAes192Gcm12, "aes192gcm12", 24, 4, 8, 4, 12, true)         \
  X(kAes192Gcm16, "aes192gcm16", 24, 4, 8, 4, 16, true)         \
  X(kAes256Gcm8, "aes256gcm8", 32, 4, 8, 4, 8, true)            \
  X(kAes256Gcm12, "aes256gcm12", 32, 4, 8, 4, 12, true)         \
  X(kAes256Gcm16, "aes256gcm16", 32, 4, 8, 4, 16, true)         \
  X(kChaCha20Poly1305, "chacha20poly1305", 32, 4, 8, 4, 16, true) /* 7634 */

// X(Enumerator, name, key bytes, ICV bytes (truncated output))
#define TUNNELISA_INTEGRITY_ALGORITHMS(X)             \
  X(kNone, "none", 0, 0)                              \
  X(kHmacMd5_96, "md5", 16, 12)        /* RFC 2403 */ \
  X(kHmacSha1_96, "sha1", 20, 12)      /* RFC 2404 */ \
  X(kHmacSha256_128, "sha256", 32, 16) /* RFC 4868 */ \
  X(kHmacSha384_192, "sha384", 48, 24)                \
  X(kHmacSha512_256, "sha512", 64, 32)

enum class EncryptionAlgorithm : uint8_t {
#define TUNNELISA_X(e, ...) e,
  TUNNELISA_ENCRYPTION_ALGORITHMS(TUNNELISA_X)
#undef TUNNELISA_X
};
enum class IntegrityAlgorithm : uint8_t {
#define TUNNELISA_X(e, ...) e,
  TUNNELISA_INTEGRITY_ALGORITHMS(TUNNELISA_X)
#undef TUNNELISA_X
};

struct EncryptionInfo {
  EncryptionAlgorithm id;
  std::string_view name;
  uint8_t key_size;   // cipher key, without the salt
  uint8_t salt_size;  // RFC 4106 / RFC 7634 salt appended to the key material
  uint8_t iv_size;    // explicit IV carried in each packet
  uint8_t block_size;
  uint8_t icv_size;  // AEAD tag; 0 for non-AEAD (the integrity algorithm supplies the ICV)
  bool aead;
  // Key material as configured = key_size + salt_size bytes.
  uint8_t keymat_size() const { return key_size + salt_size; }
};
struct IntegrityInfo {
  IntegrityAlgorithm id;
  std::string_view name;
  uint8_t key_size;
  uint8_t icv_size;
};

const EncryptionInfo& GetEncryptionInfo(EncryptionAlgorithm a);
const IntegrityInfo& GetIntegrityInfo(IntegrityAlgorithm a);
std::span<const EncryptionInfo> AllEncryptionAlgorithms();
std::span<const IntegrityInfo> AllIntegrityAlgorithms();
// Parse*: by the names above (case-sensitive, as the guide writes them); nullopt if unknown.
std::optional<EncryptionAlgorithm> ParseEncryptionAlgorithm(std::string_view name);
std::optional<IntegrityAlgorithm> ParseIntegrityAlgorithm(std::string_view name);

// EspSuite: the pair an SA uses. AEAD suites have integrity kNone.
struct EspSuite {
  EncryptionAlgorithm enc = EncryptionAlgorithm::kAes128Gcm16;
  IntegrityAlgorithm integ = IntegrityAlgorithm::kNone;
  bool operator==(const EspSuite&) const = default;
  // IcvSize: bytes of ICV on the wire for this pair.
  uint8_t icv_size() const;
};

// DhGroup: Diffie-Hellman groups by their IANA number (RFC 7296 3.3.2, RFC 3526, RFC 5903,
// RFC 8031): the configuration's `dh-group` / `pfs-dh-group` and IKE's KE payloads.
enum class DhGroup : uint16_t {
  kModp768 = 1,
  kModp1024 = 2,
  kModp1536 = 5,
  kModp2048 = 14,
  kModp3072 = 15,
  kEcp256 = 19,
  kEcp384 = 20,
  kEcp521 = 21,
  kCurve25519 = 31,
};

}  // namespace tunnelisa

#endif  // TUNNELISA_ALGORITHMS_H_

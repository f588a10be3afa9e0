#include "ike/v1/crypto/v1_suite.h"

namespace tunnelisa::ike::v1 {
namespace {

// AesCbcFor / AesGcmFor: the AES variant of `key_bits`, or nullopt.
std::optional<EncryptionAlgorithm> AesCbcFor(uint16_t key_bits) {
  switch (key_bits) {
    case 128:
      return EncryptionAlgorithm::kAes128Cbc;
    case 192:
      return EncryptionAlgorithm::kAes192Cbc;
    case 256:
      return EncryptionAlgorithm::kAes256Cbc;
    default:
      return std::nullopt;
  }
}

std::optional<EncryptionAlgorithm> AesGcmFor(V1EspTransform id, uint16_t key_bits) {
  constexpr EncryptionAlgorithm kTable[3][3] = {
      {EncryptionAlgorithm::kAes128Gcm8, EncryptionAlgorithm::kAes128Gcm12,
       EncryptionAlgorithm::kAes128Gcm16},
      {EncryptionAlgorithm::kAes192Gcm8, EncryptionAlgorithm::kAes192Gcm12,
       EncryptionAlgorithm::kAes192Gcm16},
      {EncryptionAlgorithm::kAes256Gcm8, EncryptionAlgorithm::kAes256Gcm12,
       EncryptionAlgorithm::kAes256Gcm16}};
  const int row = key_bits == 128 ? 0 : key_bits == 192 ? 1 : key_bits == 256 ? 2 : -1;
  const int col = id == V1EspTransform::kAesGcm8    ? 0
                  : id == V1EspTransform::kAesGcm12 ? 1
                  : id == V1EspTransform::kAesGcm16 ? 2
                                                    : -1;
  if (row < 0 || col < 0) return std::nullopt;
  return kTable[row][col];
}

uint16_t KeyBits(EncryptionAlgorithm alg) { return GetEncryptionInfo(alg).key_size * 8; }

// DES and 3DES have a fixed key: a Key Length attribute, if sent, must name that size.
bool FixedKeyMatches(uint16_t key_bits, EncryptionAlgorithm alg) {
  return key_bits == 0 || key_bits == KeyBits(alg);
}

}  // namespace

std::optional<EncryptionAlgorithm> Phase1Cipher(V1CipherAttributes attrs) {
  switch (static_cast<V1EncryptionAlgorithm>(attrs.id)) {
    case V1EncryptionAlgorithm::kDesCbc:
      return FixedKeyMatches(attrs.key_bits, EncryptionAlgorithm::kDesCbc)
                 ? std::optional(EncryptionAlgorithm::kDesCbc)
                 : std::nullopt;
    case V1EncryptionAlgorithm::k3DesCbc:
      return FixedKeyMatches(attrs.key_bits, EncryptionAlgorithm::k3DesCbc)
                 ? std::optional(EncryptionAlgorithm::k3DesCbc)
                 : std::nullopt;
    case V1EncryptionAlgorithm::kAesCbc:
      return AesCbcFor(attrs.key_bits);
    default:
      return std::nullopt;
  }
}

std::optional<V1CipherAttributes> Phase1CipherAttributes(EncryptionAlgorithm alg) {
  switch (alg) {
    case EncryptionAlgorithm::kDesCbc:
      return V1CipherAttributes{.id = static_cast<uint16_t>(V1EncryptionAlgorithm::kDesCbc)};
    case EncryptionAlgorithm::k3DesCbc:
      return V1CipherAttributes{.id = static_cast<uint16_t>(V1EncryptionAlgorithm::k3DesCbc)};
    case EncryptionAlgorithm::kAes128Cbc:
    case EncryptionAlgorithm::kAes192Cbc:
    case EncryptionAlgorithm::kAes256Cbc:
      return V1CipherAttributes{.id = static_cast<uint16_t>(V1EncryptionAlgorithm::kAesCbc),
                                .key_bits = KeyBits(alg)};
    default:
      return std::nullopt;
  }
}

std::optional<PrfAlgorithm> PrfForV1Hash(uint16_t hash_attr) {
  switch (static_cast<V1HashAlgorithm>(hash_attr)) {
    case V1HashAlgorithm::kMd5:
      return PrfAlgorithm::kHmacMd5;
    case V1HashAlgorithm::kSha1:
      return PrfAlgorithm::kHmacSha1;
    case V1HashAlgorithm::kSha2_256:
      return PrfAlgorithm::kHmacSha256;
    case V1HashAlgorithm::kSha2_384:
      return PrfAlgorithm::kHmacSha384;
    case V1HashAlgorithm::kSha2_512:
      return PrfAlgorithm::kHmacSha512;
    case V1HashAlgorithm::kTiger:
      break;
  }
  return std::nullopt;
}

std::optional<uint16_t> V1HashFor(PrfAlgorithm prf) {
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      return static_cast<uint16_t>(V1HashAlgorithm::kMd5);
    case PrfAlgorithm::kHmacSha1:
      return static_cast<uint16_t>(V1HashAlgorithm::kSha1);
    case PrfAlgorithm::kHmacSha256:
      return static_cast<uint16_t>(V1HashAlgorithm::kSha2_256);
    case PrfAlgorithm::kHmacSha384:
      return static_cast<uint16_t>(V1HashAlgorithm::kSha2_384);
    case PrfAlgorithm::kHmacSha512:
      return static_cast<uint16_t>(V1HashAlgorithm::kSha2_512);
  }
  return std::nullopt;
}

pki::HashAlgorithm HashForPrf(PrfAlgorithm prf) {
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      return pki::HashAlgorithm::kMd5;
    case PrfAlgorithm::kHmacSha1:
      return pki::HashAlgorithm::kSha1;
    case PrfAlgorithm::kHmacSha256:
      return pki::HashAlgorithm::kSha256;
    case PrfAlgorithm::kHmacSha384:
      return pki::HashAlgorithm::kSha384;
    case PrfAlgorithm::kHmacSha512:
      return pki::HashAlgorithm::kSha512;
  }
  return pki::HashAlgorithm::kNone;
}

std::optional<EncryptionAlgorithm> EspCipher(V1CipherAttributes attrs) {
  const auto id = static_cast<V1EspTransform>(attrs.id);
  switch (id) {
    case V1EspTransform::kDes:
      return FixedKeyMatches(attrs.key_bits, EncryptionAlgorithm::kDesCbc)
                 ? std::optional(EncryptionAlgorithm::kDesCbc)
                 : std::nullopt;
    case V1EspTransform::k3Des:
      return FixedKeyMatches(attrs.key_bits, EncryptionAlgorithm::k3DesCbc)
                 ? std::optional(EncryptionAlgorithm::k3DesCbc)
                 : std::nullopt;
    case V1EspTransform::kNull:
      return attrs.key_bits == 0 ? std::optional(EncryptionAlgorithm::kNull) : std::nullopt;
    case V1EspTransform::kAes:
      return AesCbcFor(attrs.key_bits);
    case V1EspTransform::kAesGcm8:
    case V1EspTransform::kAesGcm12:
    case V1EspTransform::kAesGcm16:
      return AesGcmFor(id, attrs.key_bits);
  }
  return std::nullopt;
}

std::optional<V1CipherAttributes> EspCipherAttributes(EncryptionAlgorithm alg) {
  auto make = [alg](V1EspTransform id, bool key_length) {
    return V1CipherAttributes{.id = static_cast<uint16_t>(id),
                              .key_bits = key_length ? KeyBits(alg) : uint16_t{0}};
  };
  switch (alg) {
    case EncryptionAlgorithm::kNull:
      return make(V1EspTransform::kNull, false);
    case EncryptionAlgorithm::kDesCbc:
      return make(V1EspTransform::kDes, false);
    case EncryptionAlgorithm::k3DesCbc:
      return make(V1EspTransform::k3Des, false);
    case EncryptionAlgorithm::kAes128Cbc:
    case EncryptionAlgorithm::kAes192Cbc:
    case EncryptionAlgorithm::kAes256Cbc:
      return make(V1EspTransform::kAes, true);
    case EncryptionAlgorithm::kAes128Gcm8:
    case EncryptionAlgorithm::kAes192Gcm8:
    case EncryptionAlgorithm::kAes256Gcm8:
      return make(V1EspTransform::kAesGcm8, true);
    case EncryptionAlgorithm::kAes128Gcm12:
    case EncryptionAlgorithm::kAes192Gcm12:
    case EncryptionAlgorithm::kAes256Gcm12:
      return make(V1EspTransform::kAesGcm12, true);
    case EncryptionAlgorithm::kAes128Gcm16:
    case EncryptionAlgorithm::kAes192Gcm16:
    case EncryptionAlgorithm::kAes256Gcm16:
      return make(V1EspTransform::kAesGcm16, true);
    case EncryptionAlgorithm::kChaCha20Poly1305:
      break;
  }
  return std::nullopt;
}

std::optional<IntegrityAlgorithm> EspIntegrity(uint16_t auth_attr) {
  switch (static_cast<V1AuthAlgorithm>(auth_attr)) {
    case V1AuthAlgorithm::kHmacMd5:
      return IntegrityAlgorithm::kHmacMd5_96;
    case V1AuthAlgorithm::kHmacSha1:
      return IntegrityAlgorithm::kHmacSha1_96;
    case V1AuthAlgorithm::kHmacSha2_256:
      return IntegrityAlgorithm::kHmacSha256_128;
    case V1AuthAlgorithm::kHmacSha2_384:
      return IntegrityAlgorithm::kHmacSha384_192;
    case V1AuthAlgorithm::kHmacSha2_512:
      return IntegrityAlgorithm::kHmacSha512_256;
    case V1AuthAlgorithm::kDesMac:
    case V1AuthAlgorithm::kKpdk:
      break;
  }
  return std::nullopt;
}

std::optional<uint16_t> V1AuthAlgorithmFor(IntegrityAlgorithm integ) {
  switch (integ) {
    case IntegrityAlgorithm::kHmacMd5_96:
      return static_cast<uint16_t>(V1AuthAlgorithm::kHmacMd5);
    case IntegrityAlgorithm::kHmacSha1_96:
      return static_cast<uint16_t>(V1AuthAlgorithm::kHmacSha1);
    case IntegrityAlgorithm::kHmacSha256_128:
      return static_cast<uint16_t>(V1AuthAlgorithm::kHmacSha2_256);
    case IntegrityAlgorithm::kHmacSha384_192:
      return static_cast<uint16_t>(V1AuthAlgorithm::kHmacSha2_384);
    case IntegrityAlgorithm::kHmacSha512_256:
      return static_cast<uint16_t>(V1AuthAlgorithm::kHmacSha2_512);
    case IntegrityAlgorithm::kNone:
      break;
  }
  return std::nullopt;
}

}  // namespace tunnelisa::ike::v1

#include "ike/protect/ike_transforms.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/str_cat.h"

namespace tunnelisa::ike {
namespace {

// Integrity: key and truncated output sizes (RFC 2403, RFC 2404, RFC 4868).
struct IntegSizes {
  size_t key = 0;
  size_t icv = 0;
};

std::optional<IntegSizes> IntegSizesFor(IkeIntegId integ) {
  switch (integ) {
    case IkeIntegId::kNone:
      return IntegSizes{};
    case IkeIntegId::kHmacMd5_96:
      return IntegSizes{16, 12};
    case IkeIntegId::kHmacSha1_96:
      return IntegSizes{20, 12};
    case IkeIntegId::kHmacSha256_128:
      return IntegSizes{32, 16};
    case IkeIntegId::kHmacSha384_192:
      return IntegSizes{48, 24};
    case IkeIntegId::kHmacSha512_256:
      return IntegSizes{64, 32};
  }
  return std::nullopt;
}

bool IsAesKeyBits(uint16_t bits) { return bits == 128 || bits == 192 || bits == 256; }

}  // namespace

absl::StatusOr<SkSizes> SkSizesFor(const SkSuite& suite) {
  SkSizes s;
  switch (suite.encr) {
    case IkeEncrId::kDesCbc:
      s = {.encr_key = 8, .iv = 8, .block = 8};
      break;
    case IkeEncrId::k3DesCbc:
      s = {.encr_key = 24, .iv = 8, .block = 8};
      break;
    case IkeEncrId::kAesCbc:
      s = {.encr_key = static_cast<size_t>(suite.key_bits / 8), .iv = 16, .block = 16};
      break;
    // RFC 5282 sections 3 and 7.1: an 8-octet explicit IV, the key followed by a 4-octet salt,
    // and no padding beyond the Pad Length octet (a stream mode: block size 1).
    case IkeEncrId::kAesGcm8:
    case IkeEncrId::kAesGcm12:
    case IkeEncrId::kAesGcm16: {
      const size_t tag = suite.encr == IkeEncrId::kAesGcm8    ? 8
                         : suite.encr == IkeEncrId::kAesGcm12 ? 12
                                                              : 16;
      s = {.encr_key = static_cast<size_t>(suite.key_bits / 8) + 4,
           .salt = 4,
           .iv = 8,
           .block = 1,
           .icv = tag,
           .aead = true};
      break;
    }
    // RFC 7634 section 4 (IKEv2): 32-octet key + 4-octet salt, 8-octet IV, 16-octet tag.
    case IkeEncrId::kChaCha20Poly1305:
      s = {.encr_key = 36, .salt = 4, .iv = 8, .block = 1, .icv = 16, .aead = true};
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown IKE encryption transform %d", static_cast<int>(suite.encr)));
  }
  const bool aes = suite.encr != IkeEncrId::kDesCbc && suite.encr != IkeEncrId::k3DesCbc &&
                   suite.encr != IkeEncrId::kChaCha20Poly1305;
  if (aes ? !IsAesKeyBits(suite.key_bits) : suite.key_bits != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s does not take a %d-bit key", SkSuiteName(suite), suite.key_bits));
  }
  std::optional<IntegSizes> integ = IntegSizesFor(suite.integ);
  if (!integ.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unknown IKE integrity transform %d", static_cast<int>(suite.integ)));
  }
  if (s.aead && suite.integ != IkeIntegId::kNone) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is AEAD and takes no integrity algorithm", SkSuiteName(suite)));
  }
  if (!s.aead && suite.integ == IkeIntegId::kNone) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s needs an integrity algorithm", SkSuiteName(suite)));
  }
  if (!s.aead) {
    s.icv = integ->icv;
    s.integ_key = integ->key;
  }
  return s;
}

std::optional<IntegrityAlgorithm> IntegrityAlgorithmFor(IkeIntegId integ) {
  switch (integ) {
    case IkeIntegId::kNone:
      return IntegrityAlgorithm::kNone;
    case IkeIntegId::kHmacMd5_96:
      return IntegrityAlgorithm::kHmacMd5_96;
    case IkeIntegId::kHmacSha1_96:
      return IntegrityAlgorithm::kHmacSha1_96;
    case IkeIntegId::kHmacSha256_128:
      return IntegrityAlgorithm::kHmacSha256_128;
    case IkeIntegId::kHmacSha384_192:
      return IntegrityAlgorithm::kHmacSha384_192;
    case IkeIntegId::kHmacSha512_256:
      return IntegrityAlgorithm::kHmacSha512_256;
  }
  return std::nullopt;
}

std::optional<SkSuite> SkSuiteFromConfig(EncryptionAlgorithm encr, IntegrityAlgorithm integ) {
  using E = EncryptionAlgorithm;
  SkSuite s{.integ = IkeIntegId::kNone};
  switch (encr) {
    case E::kNull:
      return std::nullopt;
    case E::kDesCbc:
      s.encr = IkeEncrId::kDesCbc, s.key_bits = 0;
      break;
    case E::k3DesCbc:
      s.encr = IkeEncrId::k3DesCbc, s.key_bits = 0;
      break;
    case E::kAes128Cbc:
    case E::kAes192Cbc:
    case E::kAes256Cbc:
      s.encr = IkeEncrId::kAesCbc;
      s.key_bits = encr == E::kAes128Cbc ? 128 : encr == E::kAes192Cbc ? 192 : 256;
      break;
    case E::kAes128Gcm8:
    case E::kAes192Gcm8:
    case E::kAes256Gcm8:
      s.encr = IkeEncrId::kAesGcm8;
      s.key_bits = encr == E::kAes128Gcm8 ? 128 : encr == E::kAes192Gcm8 ? 192 : 256;
      return s;
    case E::kAes128Gcm12:
    case E::kAes192Gcm12:
    case E::kAes256Gcm12:
      s.encr = IkeEncrId::kAesGcm12;
      s.key_bits = encr == E::kAes128Gcm12 ? 128 : encr == E::kAes192Gcm12 ? 192 : 256;
      return s;
    case E::kAes128Gcm16:
    case E::kAes192Gcm16:
    case E::kAes256Gcm16:
      s.encr = IkeEncrId::kAesGcm16;
      s.key_bits = encr == E::kAes128Gcm16 ? 128 : encr == E::kAes192Gcm16 ? 192 : 256;
      return s;
    case E::kChaCha20Poly1305:
      s.encr = IkeEncrId::kChaCha20Poly1305, s.key_bits = 0;
      return s;
  }
  using I = IntegrityAlgorithm;
  switch (integ) {
    case I::kNone:
      return std::nullopt;
    case I::kHmacMd5_96:
      s.integ = IkeIntegId::kHmacMd5_96;
      break;
    case I::kHmacSha1_96:
      s.integ = IkeIntegId::kHmacSha1_96;
      break;
    case I::kHmacSha256_128:
      s.integ = IkeIntegId::kHmacSha256_128;
      break;
    case I::kHmacSha384_192:
      s.integ = IkeIntegId::kHmacSha384_192;
      break;
    case I::kHmacSha512_256:
      s.integ = IkeIntegId::kHmacSha512_256;
      break;
  }
  return s;
}

std::optional<EncryptionAlgorithm> EncryptionAlgorithmFor(const SkSuite& suite) {
  using E = EncryptionAlgorithm;
  const uint16_t bits = suite.key_bits;
  auto by_bits = [bits](E e128, E e192, E e256) -> std::optional<E> {
    if (bits == 128) return e128;
    if (bits == 192) return e192;
    if (bits == 256) return e256;
    return std::nullopt;
  };
  switch (suite.encr) {
    case IkeEncrId::kDesCbc:
      return bits == 0 ? std::optional<E>(E::kDesCbc) : std::nullopt;
    case IkeEncrId::k3DesCbc:
      return bits == 0 ? std::optional<E>(E::k3DesCbc) : std::nullopt;
    case IkeEncrId::kAesCbc:
      return by_bits(E::kAes128Cbc, E::kAes192Cbc, E::kAes256Cbc);
    case IkeEncrId::kAesGcm8:
      return by_bits(E::kAes128Gcm8, E::kAes192Gcm8, E::kAes256Gcm8);
    case IkeEncrId::kAesGcm12:
      return by_bits(E::kAes128Gcm12, E::kAes192Gcm12, E::kAes256Gcm12);
    case IkeEncrId::kAesGcm16:
      return by_bits(E::kAes128Gcm16, E::kAes192Gcm16, E::kAes256Gcm16);
    case IkeEncrId::kChaCha20Poly1305:
      return bits == 0 ? std::optional<E>(E::kChaCha20Poly1305) : std::nullopt;
    case IkeEncrId::kNull:  // ESP only: never an IKE SA cipher
      return std::nullopt;
  }
  return std::nullopt;
}

std::string SkSuiteName(const SkSuite& suite) {
  std::optional<EncryptionAlgorithm> encr = EncryptionAlgorithmFor(suite);
  std::optional<IntegrityAlgorithm> integ = IntegrityAlgorithmFor(suite.integ);
  if (!encr.has_value() || !integ.has_value()) {
    return absl::StrFormat("encr%d/%d-integ%d", static_cast<int>(suite.encr), suite.key_bits,
                           static_cast<int>(suite.integ));
  }
  const EncryptionInfo& e = GetEncryptionInfo(*encr);
  if (*integ == IntegrityAlgorithm::kNone) return std::string(e.name);
  return StrCat(e.name, "-", GetIntegrityInfo(*integ).name);
}

}  // namespace tunnelisa::ike

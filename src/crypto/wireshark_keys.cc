// Wireshark's key tables (tunnelisa/key_log.h): one SA as a line of the `esp_sa` or the
// `ikev2_decryption_table` user access table of Wireshark 4.0 (Debian 12's tshark).
//
// The algorithm names are the value strings of those tables' enum columns, which Wireshark
// matches exactly (an unknown name makes the whole table fail to load, "invalid value"):
// packet-ipsec.c's ESP encryption / authentication lists and packet-isakmp.c's IKEv2 ones.
// Key lengths are checked by Wireshark too: IKEv2 AES-GCM keys include the 4-byte salt.
#include <string_view>

#include "absl/strings/str_format.h"
#include "common/hex.h"
#include "tunnelisa/key_log.h"

namespace tunnelisa {
namespace {

// EspEncryptionName: Wireshark's ESP encryption column; "" when it has none for `a`.
std::string_view EspEncryptionName(EncryptionAlgorithm a) {
  switch (a) {
    case EncryptionAlgorithm::kNull:
      return "NULL";
    case EncryptionAlgorithm::kDesCbc:
      return "DES-CBC [RFC2405]";
    case EncryptionAlgorithm::k3DesCbc:
      return "TripleDES-CBC [RFC2451]";
    case EncryptionAlgorithm::kAes128Cbc:
    case EncryptionAlgorithm::kAes192Cbc:
    case EncryptionAlgorithm::kAes256Cbc:
      return "AES-CBC [RFC3602]";  // the key length says which AES
    case EncryptionAlgorithm::kAes128Gcm8:
    case EncryptionAlgorithm::kAes192Gcm8:
    case EncryptionAlgorithm::kAes256Gcm8:
      return "AES-GCM with 8 octet ICV [RFC4106]";
    case EncryptionAlgorithm::kAes128Gcm12:
    case EncryptionAlgorithm::kAes192Gcm12:
    case EncryptionAlgorithm::kAes256Gcm12:
      return "AES-GCM with 12 octet ICV [RFC4106]";
    case EncryptionAlgorithm::kAes128Gcm16:
    case EncryptionAlgorithm::kAes192Gcm16:
    case EncryptionAlgorithm::kAes256Gcm16:
      return "AES-GCM with 16 octet ICV [RFC4106]";
    case EncryptionAlgorithm::kChaCha20Poly1305:
      return "";  // not in Wireshark 4.0's ESP table
  }
  return "";
}

std::string_view EspAuthenticationName(IntegrityAlgorithm a) {
  switch (a) {
    case IntegrityAlgorithm::kNone:
      return "NULL";
    case IntegrityAlgorithm::kHmacMd5_96:
      return "HMAC-MD5-96 [RFC2403]";
    case IntegrityAlgorithm::kHmacSha1_96:
      return "HMAC-SHA-1-96 [RFC2404]";
    case IntegrityAlgorithm::kHmacSha256_128:
      return "HMAC-SHA-256-128 [RFC4868]";
    case IntegrityAlgorithm::kHmacSha384_192:
      return "HMAC-SHA-384-192 [RFC4868]";
    case IntegrityAlgorithm::kHmacSha512_256:
      return "HMAC-SHA-512-256 [RFC4868]";
  }
  return "";
}

// Ikev2EncryptionName: Wireshark's IKEv2 encryption column (the key length is part of the
// name); "" when it has none for `a`.
std::string_view Ikev2EncryptionName(EncryptionAlgorithm a) {
  switch (a) {
    case EncryptionAlgorithm::k3DesCbc:
      return "3DES [RFC2451]";
    case EncryptionAlgorithm::kAes128Cbc:
      return "AES-CBC-128 [RFC3602]";
    case EncryptionAlgorithm::kAes192Cbc:
      return "AES-CBC-192 [RFC3602]";
    case EncryptionAlgorithm::kAes256Cbc:
      return "AES-CBC-256 [RFC3602]";
    case EncryptionAlgorithm::kAes128Gcm8:
      return "AES-GCM-128 with 8 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes192Gcm8:
      return "AES-GCM-192 with 8 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes256Gcm8:
      return "AES-GCM-256 with 8 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes128Gcm12:
      return "AES-GCM-128 with 12 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes192Gcm12:
      return "AES-GCM-192 with 12 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes256Gcm12:
      return "AES-GCM-256 with 12 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes128Gcm16:
      return "AES-GCM-128 with 16 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes192Gcm16:
      return "AES-GCM-192 with 16 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kAes256Gcm16:
      return "AES-GCM-256 with 16 octet ICV [RFC5282]";
    case EncryptionAlgorithm::kNull:  // never allowed for IKE (RFC 7296 3.3.2)
    case EncryptionAlgorithm::kDesCbc:
    case EncryptionAlgorithm::kChaCha20Poly1305:
      return "";  // not in Wireshark 4.0's IKEv2 table
  }
  return "";
}

std::string_view Ikev2IntegrityName(IntegrityAlgorithm a) {
  switch (a) {
    case IntegrityAlgorithm::kNone:
      return "NONE [RFC4306]";
    case IntegrityAlgorithm::kHmacMd5_96:
      return "HMAC_MD5_96 [RFC2403]";
    case IntegrityAlgorithm::kHmacSha1_96:
      return "HMAC_SHA1_96 [RFC2404]";
    case IntegrityAlgorithm::kHmacSha256_128:
      return "HMAC_SHA2_256_128 [RFC4868]";
    case IntegrityAlgorithm::kHmacSha384_192:
      return "HMAC_SHA2_384_192 [RFC4868]";
    case IntegrityAlgorithm::kHmacSha512_256:
      return "HMAC_SHA2_512_256 [RFC4868]";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> WiresharkEspSaLine(const EspSaKeys& sa) {
  if (sa.source.family() != sa.destination.family() || (!sa.source.is_v4() && !sa.source.is_v6())) {
    return absl::InvalidArgumentError("ESP SA addresses must be both IPv4 or both IPv6");
  }
  const std::string_view enc = EspEncryptionName(sa.suite.enc);
  const std::string_view auth = EspAuthenticationName(sa.suite.integ);
  if (enc.empty() || auth.empty()) {
    return absl::UnimplementedError(absl::StrFormat("Wireshark 4.0 cannot decrypt ESP with %s",
                                                    GetEncryptionInfo(sa.suite.enc).name));
  }
  // Keys as "0x" + hex: Wireshark reads a key without the prefix as ASCII text, and "0x"
  // alone as no key (NULL encryption / authentication).
  return absl::StrFormat(R"("%s","%s","%s","0x%08x","%s","0x%s","%s","0x%s")",
                         sa.source.is_v6() ? "IPv6" : "IPv4", sa.source.ToString(),
                         sa.destination.ToString(), sa.spi, enc, ToHex(sa.enc_key.span()), auth,
                         ToHex(sa.auth_key.span()));
}

absl::StatusOr<std::string> WiresharkIkev2Line(const Ikev2SaKeys& sa) {
  const std::string_view enc = Ikev2EncryptionName(sa.encryption);
  if (enc.empty()) {
    return absl::UnimplementedError(absl::StrFormat("Wireshark 4.0 cannot decrypt IKEv2 with %s",
                                                    GetEncryptionInfo(sa.encryption).name));
  }
  const bool aead = GetEncryptionInfo(sa.encryption).aead;
  if (!aead && sa.integrity == IntegrityAlgorithm::kNone) {
    return absl::InvalidArgumentError("IKEv2 SA with a non-AEAD cipher and no integrity");
  }
  // With an AEAD cipher there is no SK_a*: Wireshark wants "NONE" and empty key columns.
  const IntegrityAlgorithm integ = aead ? IntegrityAlgorithm::kNone : sa.integrity;
  return absl::StrFormat(R"(%016x,%016x,%s,%s,"%s",%s,%s,"%s")", sa.spi_i, sa.spi_r,
                         ToHex(sa.sk_ei.span()), ToHex(sa.sk_er.span()), enc,
                         aead ? "" : ToHex(sa.sk_ai.span()), aead ? "" : ToHex(sa.sk_ar.span()),
                         Ikev2IntegrityName(integ));
}

}  // namespace tunnelisa

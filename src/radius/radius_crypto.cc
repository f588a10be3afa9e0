#include "radius/radius_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <initializer_list>

#include "absl/status/status.h"
#include "common/bug.h"
#include "common/str_cat.h"

namespace tunnelisa::radius {
namespace {

// Md5: MD5 over the concatenation of `parts`. MD5 is in OpenSSL's default provider; a build
// without it is broken, not a peer's fault.
Authenticator Md5(std::initializer_list<std::span<const uint8_t>> parts) {
  Authenticator out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) == 1;
  for (const auto& part : parts) {
    ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  }
  unsigned int size = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &size) == 1 && size == out.size();
  EVP_MD_CTX_free(ctx);
  TUNNELISA_BUG_IF(radius_md5_failed, !ok);
  return out;
}

// Span: the bytes of `packet` between its Authenticator field and its end.
std::span<const uint8_t> AfterHeader(std::span<const uint8_t> packet) {
  return packet.subspan(kHeaderSize);
}

}  // namespace

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<std::vector<uint8_t>> HidePassword(const SecretBytes& password,
                                                  const SecretBytes& secret,
                                                  const Authenticator& request_authenticator) {
  //= https://www.rfc-editor.org/rfc/rfc2865#section-5.2
  //# The String field is between 16 and 128 octets long, inclusive.
  if (password.size() > kMaxPasswordSize) {
    return absl::InvalidArgumentError(
        StrCat("password of ", password.size(), " octets (User-Password holds at most 128)"));
  }
  //= https://www.rfc-editor.org/rfc/rfc2865#section-5.2
  //# the password is first padded at the end with nulls to a multiple of 16 octets.
  const size_t padded = std::max<size_t>(16, (password.size() + 15) / 16 * 16);
  std::vector<uint8_t> out(padded, 0);
  std::copy(password.span().begin(), password.span().end(), out.begin());
  //# b1 = MD5(S + RA)       c(1) = p1 xor b1
  //# b2 = MD5(S + c(1))     c(2) = p2 xor b2
  std::span<const uint8_t> previous = request_authenticator;
  for (size_t block = 0; block < padded; block += 16) {
    Authenticator b = Md5({secret.span(), previous});
    for (size_t i = 0; i < 16; ++i) out[block + i] ^= b[i];
    OPENSSL_cleanse(b.data(), b.size());
    previous = std::span<const uint8_t>(out).subspan(block, 16);
  }
  return out;
}

Authenticator AccountingRequestAuthenticator(std::span<const uint8_t> packet,
                                             const SecretBytes& secret) {
  if (packet.size() < kHeaderSize) return {};
  //= https://www.rfc-editor.org/rfc/rfc2866#section-3
  //# The Request Authenticator field in Accounting-Request packets contains a one-way MD5
  //# hash calculated over a stream of octets consisting of the Code + Identifier + Length +
  //# 16 zero octets + request attributes + shared secret
  const Authenticator zeros{};
  return Md5({packet.first(kAuthenticatorOffset), zeros, AfterHeader(packet), secret.span()});
}

Authenticator ResponseAuthenticator(std::span<const uint8_t> packet,
                                    const Authenticator& request_authenticator,
                                    const SecretBytes& secret) {
  if (packet.size() < kHeaderSize) return {};
  //= https://www.rfc-editor.org/rfc/rfc2865#section-3
  //# ResponseAuth =
  //# MD5(Code+ID+Length+RequestAuth+Attributes+Secret)
  return Md5({packet.first(kAuthenticatorOffset), request_authenticator, AfterHeader(packet),
              secret.span()});
}

bool VerifyResponseAuthenticator(std::span<const uint8_t> packet,
                                 const Authenticator& request_authenticator,
                                 const SecretBytes& secret) {
  if (packet.size() < kHeaderSize) return false;
  const Authenticator expected = ResponseAuthenticator(packet, request_authenticator, secret);
  return ConstantTimeEquals(expected, packet.subspan(kAuthenticatorOffset, kAuthenticatorSize));
}

std::optional<size_t> FindMessageAuthenticator(std::span<const uint8_t> packet) {
  std::optional<size_t> found;
  size_t at = kHeaderSize;
  while (at + kAttributeHeaderSize <= packet.size()) {
    const uint8_t type = packet[at];
    const size_t length = packet[at + 1];
    if (length < kAttributeHeaderSize || length > packet.size() - at) return std::nullopt;
    if (type == attr::kMessageAuthenticator) {
      // At most one per packet (RFC 3579 3.3's table: 0-1 in every Access packet).
      if (found.has_value() || length != kAttributeHeaderSize + kAuthenticatorSize) {
        return std::nullopt;
      }
      found = at + kAttributeHeaderSize;
    }
    at += length;
  }
  return found;
}

Authenticator MessageAuthenticator(std::span<const uint8_t> packet, size_t value_offset,
                                   const Authenticator& authenticator, const SecretBytes& secret) {
  Authenticator out{};
  if (packet.size() < kHeaderSize || value_offset < kHeaderSize ||
      value_offset + kAuthenticatorSize > packet.size()) {
    TUNNELISA_BUG_IF(radius_message_authenticator_offset, true);
    return out;
  }
  // RFC 3579 3.2 keeps RFC 2869's definition:
  //= https://www.rfc-editor.org/rfc/rfc2869#section-5.14
  //# Message-Authenticator = HMAC-MD5 (Type, Identifier, Length, Request Authenticator,
  //# Attributes)
  //# When the checksum is calculated the signature string should be considered to be sixteen
  //# octets of zero.
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  std::copy(authenticator.begin(), authenticator.end(), copy.begin() + kAuthenticatorOffset);
  std::fill_n(copy.begin() + static_cast<std::ptrdiff_t>(value_offset), kAuthenticatorSize, 0);
  unsigned int size = 0;
  const uint8_t* mac = HMAC(EVP_md5(), secret.data(), static_cast<int>(secret.size()), copy.data(),
                            copy.size(), out.data(), &size);
  TUNNELISA_BUG_IF(radius_hmac_md5_failed, mac == nullptr || size != out.size());
  return out;
}

void SignMessageAuthenticator(std::span<uint8_t> packet, size_t value_offset,
                              const SecretBytes& secret) {
  if (packet.size() < kHeaderSize || value_offset + kAuthenticatorSize > packet.size()) {
    TUNNELISA_BUG_IF(radius_sign_offset, true);
    return;
  }
  Authenticator own{};
  std::copy_n(packet.begin() + kAuthenticatorOffset, kAuthenticatorSize, own.begin());
  const Authenticator mac = MessageAuthenticator(packet, value_offset, own, secret);
  std::copy(mac.begin(), mac.end(), packet.begin() + static_cast<std::ptrdiff_t>(value_offset));
}

bool VerifyMessageAuthenticator(std::span<const uint8_t> packet, const Authenticator& authenticator,
                                const SecretBytes& secret) {
  const std::optional<size_t> at = FindMessageAuthenticator(packet);
  if (!at.has_value()) return false;
  const Authenticator expected = MessageAuthenticator(packet, *at, authenticator, secret);
  return ConstantTimeEquals(expected, packet.subspan(*at, kAuthenticatorSize));
}

//= https://www.rfc-editor.org/rfc/rfc2548#section-2.4.2
//# b(1) = MD5(S + R + A)    c(1) = p(1) xor b(1)   C = c(1)
//# b(2) = MD5(S + c(1))     c(2) = p(2) xor b(2)   C = C + c(2)
absl::StatusOr<SecretBytes> DecryptMppeKey(std::span<const uint8_t> value,
                                           const SecretBytes& secret,
                                           const Authenticator& request_authenticator) {
  if (value.size() < 2 + 16) {
    return absl::InvalidArgumentError(
        StrCat("MS-MPPE key of ", value.size(), " octets (at least a Salt and 16)"));
  }
  //# The most significant bit (leftmost) of the Salt field MUST be set (1).
  if ((value[0] & 0x80) == 0) {
    return absl::InvalidArgumentError("MS-MPPE key Salt without its high bit");
  }
  const std::span<const uint8_t> salt = value.first(2);
  const std::span<const uint8_t> cipher = value.subspan(2);
  if (cipher.size() % 16 != 0) {
    return absl::InvalidArgumentError(
        StrCat("MS-MPPE key String of ", cipher.size(), " octets (a multiple of 16)"));
  }
  SecretBytes plain(cipher.size());
  std::span<uint8_t> p = plain.mutable_span();
  for (size_t i = 0; i < cipher.size(); i += 16) {
    const Authenticator b = i == 0 ? Md5({secret.span(), request_authenticator, salt})
                                   : Md5({secret.span(), cipher.subspan(i - 16, 16)});
    for (size_t k = 0; k < 16; ++k) p[i + k] = cipher[i + k] ^ b[k];
  }
  const size_t length = p[0];
  if (length == 0 || 1 + length > p.size()) {
    return absl::InvalidArgumentError(
        StrCat("MS-MPPE Key-Length ", length, " beyond its ", p.size() - 1, " octets"));
  }
  return SecretBytes(p.subspan(1, length));
}

std::vector<uint8_t> EncryptMppeKey(const SecretBytes& key, uint16_t salt,
                                    const SecretBytes& secret,
                                    const Authenticator& request_authenticator) {
  // Key-Length, the key, zero padding to 16-octet blocks. Appended octet by octet: inserting
  // the key after the first octet (or writing into a sized vector) makes GCC 12 at -O2 with
  // -fsanitize=thread report out-of-bounds or null accesses that cannot happen.
  const size_t padded = (1 + key.size() + 15) / 16 * 16;
  std::vector<uint8_t> plain;
  plain.reserve(padded);
  plain.push_back(static_cast<uint8_t>(key.size()));
  for (uint8_t octet : key.span()) plain.push_back(octet);
  plain.resize(padded, 0);
  std::vector<uint8_t> out = {static_cast<uint8_t>(salt >> 8), static_cast<uint8_t>(salt)};
  const std::span<const uint8_t> salt_span(out.data(), 2);
  const std::array<uint8_t, 2> salt_copy = {salt_span[0], salt_span[1]};
  for (size_t i = 0; i < plain.size(); i += 16) {
    const Authenticator b =
        i == 0 ? Md5({secret.span(), request_authenticator, salt_copy})
               : Md5({secret.span(), std::span<const uint8_t>(out.data() + 2 + i - 16, 16)});
    for (size_t k = 0; k < 16; ++k) out.push_back(plain[i + k] ^ b[k]);
  }
  OPENSSL_cleanse(plain.data(), plain.size());
  return out;
}

}  // namespace tunnelisa::radius

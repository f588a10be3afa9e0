// File: radius/radius_crypto.h
//
// RADIUS's own cryptography, all MD5-based and all keyed with the shared secret:
//  - User-Password hiding (RFC 2865 5.2),
//  - the Accounting-Request Authenticator (RFC 2866 3),
//  - the Response Authenticator (RFC 2865 3),
//  - Message-Authenticator, HMAC-MD5 over the packet (RFC 3579 3.2).
// OpenSSL's EVP is used directly: these are fixed by the protocol, not negotiable algorithms,
// so they do not go through the IkeCryptoProvider. Every comparison is constant-time.
//
// The functions work on a packet's wire bytes (as SerializePacket made them or as received,
// trimmed to the Length field). Any thread. Not on the packet fast path.
#ifndef TUNNELISA_SRC_RADIUS_RADIUS_CRYPTO_H_
#define TUNNELISA_SRC_RADIUS_RADIUS_CRYPTO_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "radius/radius_packet.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::radius {

// kMaxPasswordSize: User-Password's limit (RFC 2865 5.2: the String field is 16..128 octets).
inline constexpr size_t kMaxPasswordSize = 128;

// HidePassword: User-Password's value for `password` (padded with zeros to a multiple of 16,
// then XORed block by block with MD5(secret + previous block), the first block's "previous"
// being the Request Authenticator). InvalidArgument over 128 octets.
absl::StatusOr<std::vector<uint8_t>> HidePassword(const SecretBytes& password,
                                                  const SecretBytes& secret,
                                                  const Authenticator& request_authenticator);

// AccountingRequestAuthenticator: MD5(Code + Identifier + Length + 16 zero octets +
// Attributes + Secret) over `packet` (whose Authenticator field is ignored).
Authenticator AccountingRequestAuthenticator(std::span<const uint8_t> packet,
                                             const SecretBytes& secret);

// ResponseAuthenticator: MD5(Code + ID + Length + RequestAuth + Attributes + Secret) over
// `packet` (whose Authenticator field is replaced by `request_authenticator`).
Authenticator ResponseAuthenticator(std::span<const uint8_t> packet,
                                    const Authenticator& request_authenticator,
                                    const SecretBytes& secret);
// VerifyResponseAuthenticator: `packet`'s Authenticator equals ResponseAuthenticator
// (constant-time). False when `packet` is shorter than a header.
bool VerifyResponseAuthenticator(std::span<const uint8_t> packet,
                                 const Authenticator& request_authenticator,
                                 const SecretBytes& secret);

// FindMessageAuthenticator: the offset of the Message-Authenticator value in `packet` (a
// well-formed packet, e.g. one ParsePacket accepted), or nullopt when it has none or more than
// one, or when the one it has is not 16 octets.
std::optional<size_t> FindMessageAuthenticator(std::span<const uint8_t> packet);

// MessageAuthenticator: HMAC-MD5 keyed with `secret` over `packet` with its Authenticator field
// replaced by `authenticator` and the 16 octets at `value_offset` zeroed.
Authenticator MessageAuthenticator(std::span<const uint8_t> packet, size_t value_offset,
                                   const Authenticator& authenticator, const SecretBytes& secret);
// SignMessageAuthenticator: writes MessageAuthenticator(packet, value_offset, packet's own
// Authenticator field) into the packet (requests: Access-Request).
void SignMessageAuthenticator(std::span<uint8_t> packet, size_t value_offset,
                              const SecretBytes& secret);
// VerifyMessageAuthenticator: `packet` has exactly one Message-Authenticator and its value is
// MessageAuthenticator(packet, at, authenticator), compared in constant time. For responses
// `authenticator` is the Request Authenticator of the request they answer.
bool VerifyMessageAuthenticator(std::span<const uint8_t> packet, const Authenticator& authenticator,
                                const SecretBytes& secret);

// DecryptMppeKey: the key in an MS-MPPE-Send-Key or MS-MPPE-Recv-Key value `value` (RFC 2548
// 2.4.2: a 2-octet Salt with its high bit set, then the encrypted String: Key-Length, the
// key, padding, a multiple of 16 octets), decrypted with `secret` and the Request
// Authenticator of the request it answers. InvalidArgument naming the fault: a value too
// short, a Salt without its high bit, a String not a multiple of 16, a Key-Length beyond the
// String.
absl::StatusOr<SecretBytes> DecryptMppeKey(std::span<const uint8_t> value,
                                           const SecretBytes& secret,
                                           const Authenticator& request_authenticator);
// EncryptMppeKey: the inverse (what a server sends), for tests: `salt` must have its high bit.
std::vector<uint8_t> EncryptMppeKey(const SecretBytes& key, uint16_t salt,
                                    const SecretBytes& secret,
                                    const Authenticator& request_authenticator);

// ConstantTimeEquals: equal sizes and contents, without a data-dependent early exit.
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace tunnelisa::radius

#endif  // TUNNELISA_SRC_RADIUS_RADIUS_CRYPTO_H_

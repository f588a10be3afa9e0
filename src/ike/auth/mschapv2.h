// File: ike/auth/mschapv2.h
//
// The MS-CHAPv2 computations a tunnelisa EAP-MSCHAPv2 client needs (RFC 2759 8, and the MPPE
// keys of RFC 3079 3 from which its EAP MSK comes): the NT-Response to an authenticator's
// challenge, the authenticator response to check, and the MSK.
//
// MD4 (the NT password hash) and single DES (ChallengeResponse) are in OpenSSL 3's legacy
// provider only; they are fetched from a library context of our own with that provider
// loaded, so the process's default context is untouched. Without the legacy provider
// installed these return FailedPrecondition (the client then cannot answer MSCHAPv2 and says
// why; EAP-MD5 still works). Any thread.
#ifndef TUNNELISA_SRC_IKE_AUTH_MSCHAPV2_H_
#define TUNNELISA_SRC_IKE_AUTH_MSCHAPV2_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike::mschapv2 {

using Challenge = std::array<uint8_t, 16>;
using NtResponse = std::array<uint8_t, 24>;

// NtPasswordHash: MD4 of the password in UTF-16LE (RFC 2759 8.3; the password is taken as
// ASCII / Latin-1 octets, each widened to 16 bits).
absl::StatusOr<SecretBytes> NtPasswordHash(const SecretBytes& password);

// GenerateNtResponse: RFC 2759 8.1. `user_name` without any domain ("DOMAIN\user" ->
// "user", RFC 2759 8.2's note).
absl::StatusOr<NtResponse> GenerateNtResponse(const Challenge& authenticator_challenge,
                                              const Challenge& peer_challenge,
                                              std::string_view user_name,
                                              const SecretBytes& password);

// AuthenticatorResponse: RFC 2759 8.7, "S=" followed by 40 upper-case hex digits.
absl::StatusOr<std::string> AuthenticatorResponse(const SecretBytes& password,
                                                  const NtResponse& nt_response,
                                                  const Challenge& peer_challenge,
                                                  const Challenge& authenticator_challenge,
                                                  std::string_view user_name);

// PeerMsk: the EAP-MSCHAPv2 MSK as the peer computes it: its MPPE send key then its receive
// key (RFC 3079 3.4, 3.5: 16 octets each), which equal the server's MS-MPPE-Recv-Key and
// MS-MPPE-Send-Key, so the NAS's Recv-Key | Send-Key is the same 32 octets.
absl::StatusOr<SecretBytes> PeerMsk(const SecretBytes& password, const NtResponse& nt_response);

}  // namespace tunnelisa::ike::mschapv2

#endif  // TUNNELISA_SRC_IKE_AUTH_MSCHAPV2_H_

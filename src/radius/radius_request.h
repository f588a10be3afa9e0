// File: radius/radius_request.h
//
// Encoding the client's two requests for one server: an Access-Request (RFC 2865 4.1) with
// Message-Authenticator (RFC 3579 3.2) and an Accounting-Request (RFC 2866 4.1), from the
// host's AccessRequest / AccountingRequest. Checks of those structs live here too, so that a
// request the client accepts can always be encoded for every server.
//
// Any thread; pure functions. Not on the packet fast path.
#ifndef TUNNELISA_SRC_RADIUS_RADIUS_REQUEST_H_
#define TUNNELISA_SRC_RADIUS_RADIUS_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "radius/radius_packet.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/radius.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::radius {

// NasIdentity: NAS-Identifier and NAS-IP-Address / NAS-IPv6-Address, from the options.
struct NasIdentity {
  std::string identifier;
  IpAddress address;
};

// CheckAccessRequest: InvalidArgument when `request` has no user name, has both or neither
// of a password and an EAP message (a State alone is allowed: RFC 2865 4.1), a password over
// 128 octets, a text field over 253 octets, or an extra attribute that the client writes
// itself (User-Password, EAP-Message, Message-Authenticator, State).
absl::Status CheckAccessRequest(const AccessRequest& request);
// CheckAccountingRequest: InvalidArgument when `request` has no session id, a text field over
// 253 octets, a terminate cause on a record that is not a Stop, or an extra attribute RFC 2866
// 4.1 forbids in accounting (User-Password, CHAP-Password, Reply-Message, State).
absl::Status CheckAccountingRequest(const AccountingRequest& request);

// EncodeAccessRequest: the Access-Request for one server: Message-Authenticator first (so a
// forged attribute cannot precede it), then the attributes, the password hidden with
// `secret` and `request_authenticator`, and Message-Authenticator signed. InvalidArgument
// when the packet would exceed 4096 octets.
absl::StatusOr<std::vector<uint8_t>> EncodeAccessRequest(const AccessRequest& request,
                                                         const NasIdentity& nas, uint8_t identifier,
                                                         const Authenticator& request_authenticator,
                                                         const SecretBytes& secret);

// EncodeAccountingRequest: the Accounting-Request for one server, `delay_seconds` as
// Acct-Delay-Time, the Request Authenticator computed over it (RFC 2866 3). InvalidArgument
// when the packet would exceed 4096 octets.
absl::StatusOr<std::vector<uint8_t>> EncodeAccountingRequest(const AccountingRequest& request,
                                                             const NasIdentity& nas,
                                                             uint32_t delay_seconds,
                                                             uint8_t identifier,
                                                             const SecretBytes& secret);

// AuthenticatorOf: the Authenticator field of an encoded packet (at least 20 octets).
Authenticator AuthenticatorOf(std::span<const uint8_t> packet);

}  // namespace tunnelisa::radius

#endif  // TUNNELISA_SRC_RADIUS_RADIUS_REQUEST_H_

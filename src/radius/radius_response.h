// File: radius/radius_response.h
//
// Checking a datagram that claims to answer one of our requests, and turning an authentic
// Access-Accept / Reject / Challenge into an AuthResult. A datagram that fails any check is
// dropped by the client (counted by verdict) and the request keeps waiting: a forged packet
// must not end it.
//
// Any thread; pure functions. Not on the packet fast path.
#ifndef TUNNELISA_SRC_RADIUS_RADIUS_RESPONSE_H_
#define TUNNELISA_SRC_RADIUS_RADIUS_RESPONSE_H_

#include <span>
#include <string>

#include "radius/radius_packet.h"
#include "tunnelisa/radius.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::radius {

enum class ResponseVerdict : uint8_t {
  kAuthentic,
  kMalformed,                // ParsePacket refused it, or its Code does not answer the request
  kBadAuthenticator,         // Response Authenticator wrong
  kBadMessageAuthenticator,  // missing where required, duplicated or wrong
};

struct CheckedResponse {
  ResponseVerdict verdict = ResponseVerdict::kMalformed;
  std::string reason;  // for logs (empty when authentic)
  Packet packet;       // set when kAuthentic
};

// CheckResponse: checks `datagram` as the answer to a request of `request_code` that carried
// `request_authenticator`, from the server sharing `secret`:
//  1. it parses (ParsePacket) and its Code answers the request (Access-Accept/Reject/
//     Challenge for an Access-Request, Accounting-Response for an Accounting-Request);
//  2. its Response Authenticator is right (RFC 2865 3);
//  3. Access-Accept/Reject/Challenge carry exactly one Message-Authenticator and it is right
//     (RFC 3579 3.2; required even without EAP, against BlastRADIUS); one in an
//     Accounting-Response is checked when present.
CheckedResponse CheckResponse(std::span<const uint8_t> datagram, PacketCode request_code,
                              const Authenticator& request_authenticator,
                              const SecretBytes& secret);

// InterpretAccessResponse: the AuthResult of an authentic Access-Accept, Access-Reject or
// Access-Challenge from `server`. An Accept or Challenge whose attributes are malformed (a
// fixed-size attribute of the wrong size, an empty attribute, EAP-Message fragments that are
// not consecutive) becomes kReject with the reason in `detail` (RFC 2865 5); `*malformed` is
// then set.
AuthResult InterpretAccessResponse(const Packet& packet, const RadiusServerAddress& server,
                                   bool* malformed);

}  // namespace tunnelisa::radius

#endif  // TUNNELISA_SRC_RADIUS_RADIUS_RESPONSE_H_

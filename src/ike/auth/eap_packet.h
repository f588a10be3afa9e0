// File: ike/auth/eap_packet.h
//
// EapPacket: one EAP packet (RFC 3748 4), as the IKEv2 EAP payload carries it between a
// client and an ipsec-gw (and the gateway relays it to RADIUS as EAP-Message). Parse checks
// the header against the octets given; the method data stays opaque here (eap_client.h reads
// the methods a tunnelisa client answers). Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_AUTH_EAP_PACKET_H_
#define TUNNELISA_SRC_IKE_AUTH_EAP_PACKET_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tunnelisa::ike {

enum class EapCode : uint8_t { kRequest = 1, kResponse = 2, kSuccess = 3, kFailure = 4 };

// EapType: the method types tunnelisa knows by name (RFC 3748 5, RFC 2759 via the IANA list).
enum class EapType : uint8_t {
  kIdentity = 1,
  kNotification = 2,
  kNak = 3,
  kMd5Challenge = 4,
  kMsChapV2 = 26,
};

struct EapPacket {
  EapCode code = EapCode::kRequest;
  uint8_t identifier = 0;
  // type and data: Request and Response only (Success and Failure have neither).
  uint8_t type = 0;
  std::vector<uint8_t> data;

  //= https://www.rfc-editor.org/rfc/rfc3748#section-4
  //# A message with the Length field set to a value larger than the number of received
  //# octets MUST be silently discarded.
  // Parse: InvalidArgument naming the fault: shorter than its header, a Length larger than the
  // octets or smaller than the header, an unknown Code, a Request/Response without a Type,
  // a Success/Failure longer than 4 octets. Octets beyond Length are padding (ignored).
  static absl::StatusOr<EapPacket> Parse(std::span<const uint8_t> octets);
  std::vector<uint8_t> Serialize() const;
  bool has_type() const { return code == EapCode::kRequest || code == EapCode::kResponse; }
};

// EapCodeName: "Request", "Response", "Success", "Failure" (for reasons and logs).
std::string EapCodeName(EapCode code);
// EapTypeName: "Identity", "MD5-Challenge", "MSCHAPv2", ... or "type N".
std::string EapTypeName(uint8_t type);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_EAP_PACKET_H_

// File: ike/codec/v1/v1_sa_payload.h
//
// V1SaPayload: the ISAKMP Security Association payload (RFC 2408 3.4) with the IPsec DOI's
// SIT_IDENTITY_ONLY situation (RFC 2407 4.6.1), its Proposal payloads (3.5) and their Transform
// payloads (3.6). Parse takes the SA payload body (after the generic header); Serialize writes
// it, computing every Next Payload, length and count field.
//
// SA payload body:                        Proposal payload:
//   +---------------------------------+     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !   Domain of Interpretation (4)  !     ! Next Payload  !   RESERVED    ! Payload Length!
//   +---------------------------------+     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !         Situation (4)           !     !  Proposal #   !  Protocol-Id  !SPI Size!# Trans!
//   +---------------------------------+     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !  Proposal payloads ...          !     !  SPI (variable)  !  Transform payloads ...     !
//
// Transform payload:
//   ! Next Payload  !   RESERVED    !        Payload Length         !
//   !  Transform #  !  Transform-Id !           RESERVED2           !
//   !                        SA Attributes                          !
//
// Proposals that share a Proposal # form one AND-ed offer (RFC 2408 3.5: e.g. ESP and AH
// together); different numbers are alternatives (OR). The codec keeps the flat list in order;
// the negotiation decides what it accepts (tunnelisa offers and accepts single-protocol
// proposals only).
//
// Value types; any thread. Parse failures carry PAYLOAD-MALFORMED (framing) or
// BAD-PROPOSAL-SYNTAX (proposal / transform structure), DOI-NOT-SUPPORTED, or
// SITUATION-NOT-SUPPORTED, and name the offset.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_SA_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_SA_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/v1/v1_attribute.h"
#include "ike/codec/v1/v1_constants.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike::v1 {

struct V1Transform {
  uint8_t number = 1;
  uint8_t id = kV1KeyIke;  // KEY_IKE in phase 1; V1EspTransform for ESP
  std::vector<V1Attribute> attributes;

  // Find: the first attribute of class `type` (a V1Phase1Attribute / V1Phase2Attribute value).
  const V1Attribute* Find(uint16_t type) const { return FindV1Attribute(attributes, type); }
  bool operator==(const V1Transform&) const = default;
};

struct V1Proposal {
  uint8_t number = 1;
  V1ProtocolId protocol = V1ProtocolId::kIsakmp;
  std::vector<uint8_t> spi;  // phase 1: empty (or 16 octets of cookies, RFC 2408 2.4); ESP: 4
  std::vector<V1Transform> transforms;
  bool operator==(const V1Proposal&) const = default;
};

struct V1SaPayload {
  uint32_t doi = kV1DoiIpsec;
  uint32_t situation = kV1SitIdentityOnly;
  std::vector<V1Proposal> proposals;

  // Parse: the SA payload body. Errors: DOI other than IPsec (DOI-NOT-SUPPORTED); a situation
  // other than SIT_IDENTITY_ONLY (SITUATION-NOT-SUPPORTED: secrecy / integrity situations add
  // labelled-domain fields we do not parse); no proposal; Next Payload values other than P(2)
  // / NONE between proposals or T(3) / NONE between transforms; lengths shorter than the
  // fixed part or running past the container; # Transforms different from what is present;
  // proposal numbers decreasing; over kV1MaxProposals / kV1MaxTransforms / kV1MaxAttributes.
  static absl::StatusOr<V1SaPayload> Parse(Reader& body);
  // Serialize: appends the body. Errors (no notify): no proposal, an SPI over 255 octets, over
  // 255 transforms, attributes that do not serialize, a length over 65535.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1SaPayload&) const = default;
};

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_SA_PAYLOAD_H_

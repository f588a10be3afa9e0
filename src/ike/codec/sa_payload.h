// File: ike/codec/sa_payload.h
//
// SaPayload: the Security Association payload (RFC 7296 3.3): proposals, each with its
// transforms, each with its attributes (of which only Key Length is defined). Parse takes the
// payload body (after the generic payload header); Serialize writes the body, computing every
// Last Substruc, length and count field itself.
//
// Value types; any thread. Parse failures carry INVALID_SYNTAX and name the proposal,
// transform or attribute and its offset.
#ifndef TUNNELISA_SRC_IKE_CODEC_SA_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_SA_PAYLOAD_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

// TransformAttribute: one attribute other than Key Length. `tv` selects the short Type/Value
// format, whose value is exactly two octets.
struct TransformAttribute {
  uint16_t type = 0;  // 15 bits
  bool tv = false;
  std::vector<uint8_t> value;
  bool operator==(const TransformAttribute&) const = default;
};

struct Transform {
  TransformType type = TransformType::kEncr;  // raw value kept if unknown
  uint16_t id = 0;
  std::optional<uint16_t> key_length;                // attribute 14, TV format, in bits
  std::vector<TransformAttribute> other_attributes;  // unknown attributes, kept for the caller
  bool operator==(const Transform&) const = default;
};

struct Proposal {
  uint8_t number = 1;
  ProtocolId protocol = ProtocolId::kIke;
  std::vector<uint8_t> spi;  // 0 octets (initial IKE), 8 (IKE rekey) or 4 (AH/ESP)
  std::vector<Transform> transforms;
  bool operator==(const Proposal&) const = default;
};

struct SaPayload {
  std::vector<Proposal> proposals;

  // Parse: the SA payload body. Errors: no proposal; a Last Substruc value that is not 0/2
  // (proposals) or 0/3 (transforms) or disagrees with what follows; a length field shorter
  // than its fixed part or running past its container; Num Transforms different from the
  // transforms present; proposal numbers out of sequence; attribute lengths that do not fit;
  // Key Length twice or in TLV form; more than kMaxProposals / kMaxTransforms.
  static absl::StatusOr<SaPayload> Parse(Reader& body);
  // Serialize: appends the body. Fails (no notify) on an SPI over 255 octets, over 255
  // transforms, a TV attribute whose value is not two octets, or a length over 65535.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const SaPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_SA_PAYLOAD_H_

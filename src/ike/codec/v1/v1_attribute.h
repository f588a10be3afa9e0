// File: ike/codec/v1/v1_attribute.h
//
// V1Attribute: ISAKMP data attributes (RFC 2408 3.3), used by SA transforms (phase 1 and
// phase 2 attributes) and by the ATTR payload (Mode Config and XAUTH):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !A!       Attribute Type        !    AF=0  Attribute Length     !
//   !F!                             !    AF=1  Attribute Value      !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   .                   AF=0  Attribute Value                       .
//   .                   AF=1  Not Transmitted                       .
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// AF=1 is the basic Type/Value form (TV, exactly two value octets), AF=0 the variable
// Type/Length/Value form (TLV). Value types and pure functions; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_ATTRIBUTE_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_ATTRIBUTE_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike::v1 {

struct V1Attribute {
  uint16_t type = 0;  // 15 bits (the AF bit is `tv`)
  std::vector<uint8_t> value;
  bool tv = false;  // basic (Type/Value) form: value is exactly two octets

  // Tv: a basic attribute. Tlv: a variable-length one.
  static V1Attribute Tv(uint16_t type, uint16_t value);
  static V1Attribute Tlv(uint16_t type, std::span<const uint8_t> value);
  // Integer: `value` in the shortest form RFC 2408 allows: TV when it fits 16 bits, else TLV of
  // 4 octets (or 8 above 32 bits). For Life Duration, which RFC 2409 declares variable.
  static V1Attribute Integer(uint16_t type, uint64_t value);

  // AsInteger: the value as a big-endian unsigned integer: a TV attribute's two octets, or a
  // TLV's 1..8 octets. InvalidArgument (ATTRIBUTES-NOT-SUPPORTED attached) for an empty or
  // longer TLV.
  absl::StatusOr<uint64_t> AsInteger() const;

  bool operator==(const V1Attribute&) const = default;
};

// FindV1Attribute: the first attribute of `type`, or nullptr.
const V1Attribute* FindV1Attribute(std::span<const V1Attribute> attributes, uint16_t type);

// ParseV1Attributes: reads attributes until `r` is empty, appending to `out`. `what` names the
// container in errors ("transform attribute"). Errors (PAYLOAD-MALFORMED): a header cut short,
// a TLV length running past the container, more than `max` attributes.
absl::Status ParseV1Attributes(Reader& r, std::string_view what, size_t max,
                               std::vector<V1Attribute>& out);

// SerializeV1Attributes: appends `attributes`. Errors (no notify): a type over 15 bits, a TV
// value that is not two octets, a TLV value over 65535 octets.
absl::Status SerializeV1Attributes(std::span<const V1Attribute> attributes, Writer& w);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_ATTRIBUTE_H_

#include "ike/codec/sa_payload.h"

#include <string>

#include "absl/strings/str_format.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

using internal::Malformed;
using internal::SerializeError;
using internal::Truncated;

constexpr uint8_t kLastProposal = 0;
constexpr uint8_t kMoreProposals = 2;
constexpr uint8_t kLastTransform = 0;
constexpr uint8_t kMoreTransforms = 3;
constexpr uint16_t kAttributeFormatTv = 0x8000;

// Transform attributes (RFC 7296 3.3.5):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |A|       Attribute Type        |    AF=0  Attribute Length     |
//   |F|                             |    AF=1  Attribute Value      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   AF=0  Attribute Value                       |
//   |                   AF=1  Not Transmitted                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::Status ParseAttributes(Reader& r, Transform& t) {
  while (!r.empty()) {
    const size_t at = r.offset();
    uint16_t type_field = 0;
    uint16_t length_or_value = 0;
    if (r.remaining() < 4 || !r.U16(type_field) || !r.U16(length_or_value)) {
      return Truncated("transform attribute", r, 4);
    }
    const bool tv = (type_field & kAttributeFormatTv) != 0;
    const uint16_t type = type_field & 0x7fff;
    TransformAttribute attr{.type = type, .tv = tv};
    if (tv) {
      attr.value = {static_cast<uint8_t>(length_or_value >> 8),
                    static_cast<uint8_t>(length_or_value)};
    } else if (!r.CopyBytes(length_or_value, attr.value)) {
      return Malformed("transform attribute", at,
                       absl::StrFormat("attribute length %d runs past the transform (%d left)",
                                       length_or_value, r.remaining()));
    }
    if (type == kAttributeKeyLength) {
      //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.5
      //# Attributes described as fixed length MUST NOT be encoded using the
      //# variable-length encoding unless that length exceeds two bytes.
      // (Key Length, the only attribute RFC 7296 defines, is basic: Type/Value.)
      if (!tv) return Malformed("Key Length attribute", at, "not in Type/Value format");
      if (t.key_length.has_value()) return Malformed("Key Length attribute", at, "repeated");
      t.key_length = length_or_value;
      continue;
    }
    t.other_attributes.push_back(std::move(attr));
  }
  return absl::OkStatus();
}

// Transform Substructure (RFC 7296 3.3.2):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Last Substruc |   RESERVED    |        Transform Length       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Transform Type |   RESERVED    |          Transform ID         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                      Transform Attributes                     ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::Status ParseTransforms(Reader& r, size_t count, Proposal& p) {
  for (size_t i = 0; i < count; ++i) {
    const size_t at = r.offset();
    uint8_t last = 0;
    uint16_t length = 0;
    uint8_t type = 0;
    uint16_t id = 0;
    if (!r.U8(last) || !r.Skip(1) || !r.U16(length)) {
      return Malformed(
          "transform", at,
          absl::StrFormat("proposal declares %d transforms but only %d are present", count, i));
    }
    if (length < 8) {
      return Malformed("transform", at, absl::StrFormat("transform length %d < 8", length));
    }
    Reader t;
    if (!r.Sub(length - 4, t)) {
      return Malformed("transform", at,
                       absl::StrFormat("transform length %d runs past the proposal", length));
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
    //# This field has a value of 0 if this was the last Transform
    //# Substructure, and a value of 3 if there are more Transform Substructures.
    const bool is_last = i + 1 == count;
    if (last != (is_last ? kLastTransform : kMoreTransforms)) {
      return Malformed(
          "transform", at,
          absl::StrFormat("Last Substruc %d disagrees with Num Transforms %d", last, count));
    }
    if (t.remaining() < 4 || !t.U8(type) || !t.Skip(1) || !t.U16(id))
      return Truncated("transform", t, 4);
    Transform transform{.type = static_cast<TransformType>(type), .id = id};
    if (absl::Status s = ParseAttributes(t, transform); !s.ok()) return s;
    p.transforms.push_back(std::move(transform));
  }
  if (!r.empty()) {
    return Malformed(
        "proposal", r.offset(),
        absl::StrFormat("%d octets after the %d declared transforms", r.remaining(), count));
  }
  return absl::OkStatus();
}

}  // namespace

// Proposal Substructure (RFC 7296 3.3.1):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Last Substruc |   RESERVED    |         Proposal Length       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                        SPI (variable)                         ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                        <Transforms>                           ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The SA payload body is one or more of these.
absl::StatusOr<SaPayload> SaPayload::Parse(Reader& body) {
  SaPayload sa;
  if (body.empty()) return Malformed("SA payload", body.offset(), "no proposal");
  bool saw_last = false;
  while (!body.empty()) {
    const size_t at = body.offset();
    if (saw_last) {
      return Malformed("SA proposal", at, "data after the proposal marked last");
    }
    if (sa.proposals.size() == kMaxProposals) {
      return Malformed("SA proposal", at, absl::StrFormat("more than %d proposals", kMaxProposals));
    }
    uint8_t last = 0;
    uint16_t length = 0;
    if (body.remaining() < 4 || !body.U8(last) || !body.Skip(1) || !body.U16(length)) {
      return Truncated("SA proposal", body, 4);
    }
    if (length < 8) {
      return Malformed("SA proposal", at, absl::StrFormat("proposal length %d < 8", length));
    }
    Reader p;
    if (!body.Sub(length - 4, p)) {
      return Malformed("SA proposal", at,
                       absl::StrFormat("proposal length %d runs past the SA payload", length));
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.1
    //# This field has a value of 0 if this was the last Proposal
    //# Substructure, and a value of 2 if there are more Proposal Substructures.
    if (last == kLastProposal) {
      saw_last = true;
    } else if (last != kMoreProposals) {
      return Malformed("SA proposal", at, absl::StrFormat("Last Substruc %d", last));
    }
    Proposal proposal;
    uint8_t protocol = 0;
    uint8_t spi_size = 0;
    uint8_t num_transforms = 0;
    if (p.remaining() < 4 || !p.U8(proposal.number) || !p.U8(protocol) || !p.U8(spi_size) ||
        !p.U8(num_transforms)) {
      return Truncated("SA proposal", p, 4);
    }
    proposal.protocol = static_cast<ProtocolId>(protocol);
    if (!p.CopyBytes(spi_size, proposal.spi)) {
      return Malformed("SA proposal", at,
                       absl::StrFormat("SPI size %d runs past the proposal", spi_size));
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.1
    //# When a proposal is made, the first proposal in an SA payload MUST be
    //# 1, and subsequent proposals MUST be one more than the previous proposal
    //# (indicating an OR of the two proposals).
    // (An accepted proposal keeps the number it was offered with, so a lone proposal may carry
    // any number.)
    if (!sa.proposals.empty()) {
      const uint8_t expected = static_cast<uint8_t>(sa.proposals.back().number + 1);
      if (sa.proposals.front().number != 1 || proposal.number != expected) {
        return Malformed("SA proposal", at,
                         absl::StrFormat("proposal number %d out of sequence", proposal.number));
      }
    }
    if (num_transforms > kMaxTransforms) {
      return Malformed("SA proposal", at,
                       absl::StrFormat("%d transforms (limit %d)", num_transforms, kMaxTransforms));
    }
    if (absl::Status s = ParseTransforms(p, num_transforms, proposal); !s.ok()) return s;
    sa.proposals.push_back(std::move(proposal));
  }
  if (!saw_last) {
    return Malformed("SA payload", body.offset(), "last proposal not marked last");
  }
  return sa;
}

absl::Status SaPayload::Serialize(Writer& w) const {
  if (proposals.empty()) return SerializeError("SA payload", "no proposal");
  for (size_t i = 0; i < proposals.size(); ++i) {
    const Proposal& p = proposals[i];
    const size_t start = w.size();
    w.U8(i + 1 == proposals.size() ? kLastProposal : kMoreProposals);
    w.U8(0);
    const size_t length_at = w.Reserve16();
    w.U8(p.number);
    w.U8(static_cast<uint8_t>(p.protocol));
    if (p.spi.size() > 0xff) return SerializeError("SA proposal", "SPI over 255 octets");
    w.U8(static_cast<uint8_t>(p.spi.size()));
    if (p.transforms.size() > 0xff) return SerializeError("SA proposal", "over 255 transforms");
    w.U8(static_cast<uint8_t>(p.transforms.size()));
    w.Bytes(p.spi);
    for (size_t j = 0; j < p.transforms.size(); ++j) {
      const Transform& t = p.transforms[j];
      const size_t t_start = w.size();
      w.U8(j + 1 == p.transforms.size() ? kLastTransform : kMoreTransforms);
      w.U8(0);
      const size_t t_length_at = w.Reserve16();
      w.U8(static_cast<uint8_t>(t.type));
      w.U8(0);
      w.U16(t.id);
      if (t.key_length.has_value()) {
        w.U16(kAttributeFormatTv | kAttributeKeyLength);
        w.U16(*t.key_length);
      }
      for (const TransformAttribute& a : t.other_attributes) {
        if (a.type > 0x7fff || a.type == kAttributeKeyLength) {
          return SerializeError("transform attribute", "type out of range or Key Length");
        }
        if (a.tv) {
          if (a.value.size() != 2) return SerializeError("transform attribute", "TV value size");
          w.U16(kAttributeFormatTv | a.type);
          w.Bytes(a.value);
        } else {
          if (a.value.size() > 0xffff) return SerializeError("transform attribute", "too long");
          w.U16(a.type);
          w.U16(static_cast<uint16_t>(a.value.size()));
          w.Bytes(a.value);
        }
      }
      if (!w.Patch16(t_length_at, w.size() - t_start)) {
        return SerializeError("transform", "over 65535 octets");
      }
    }
    if (!w.Patch16(length_at, w.size() - start)) {
      return SerializeError("SA proposal", "over 65535 octets");
    }
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike

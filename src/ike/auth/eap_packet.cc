// EapPacket (eap_packet.h): the EAP header of RFC 3748 4.
#include "ike/auth/eap_packet.h"

#include "absl/status/status.h"
#include "common/str_cat.h"

namespace tunnelisa::ike {

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Code      |  Identifier   |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Type       |  Type-Data ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<EapPacket> EapPacket::Parse(std::span<const uint8_t> octets) {
  if (octets.size() < 4) {
    return absl::InvalidArgumentError(
        StrCat("EAP packet of ", octets.size(), " octets (its header is 4)"));
  }
  const size_t length = (size_t{octets[2]} << 8) | octets[3];
  if (length > octets.size()) {
    return absl::InvalidArgumentError(
        StrCat("EAP Length ", length, " exceeds the ", octets.size(), " octets received"));
  }
  if (length < 4) return absl::InvalidArgumentError(StrCat("EAP Length ", length, " below 4"));
  EapPacket p;
  if (octets[0] < 1 || octets[0] > 4) {
    return absl::InvalidArgumentError(StrCat("unknown EAP Code ", int{octets[0]}));
  }
  p.code = static_cast<EapCode>(octets[0]);
  p.identifier = octets[1];
  if (p.has_type()) {
    if (length < 5) {
      return absl::InvalidArgumentError(StrCat("EAP ", EapCodeName(p.code), " without a Type"));
    }
    p.type = octets[4];
    p.data.assign(octets.begin() + 5, octets.begin() + static_cast<std::ptrdiff_t>(length));
  } else if (length != 4) {
    //= https://www.rfc-editor.org/rfc/rfc3748#section-4.2
    //# Length
    //#    4
    return absl::InvalidArgumentError(
        StrCat("EAP ", EapCodeName(p.code), " of Length ", length, " (must be 4)"));
  }
  return p;
}

std::vector<uint8_t> EapPacket::Serialize() const {
  const size_t length = has_type() ? 5 + data.size() : 4;
  std::vector<uint8_t> out;
  out.reserve(length);
  out.push_back(static_cast<uint8_t>(code));
  out.push_back(identifier);
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
  if (has_type()) {
    out.push_back(type);
    out.insert(out.end(), data.begin(), data.end());
  }
  return out;
}

std::string EapCodeName(EapCode code) {
  switch (code) {
    case EapCode::kRequest:
      return "Request";
    case EapCode::kResponse:
      return "Response";
    case EapCode::kSuccess:
      return "Success";
    case EapCode::kFailure:
      return "Failure";
  }
  return StrCat("code ", static_cast<int>(code));
}

std::string EapTypeName(uint8_t type) {
  switch (static_cast<EapType>(type)) {
    case EapType::kIdentity:
      return "Identity";
    case EapType::kNotification:
      return "Notification";
    case EapType::kNak:
      return "Nak";
    case EapType::kMd5Challenge:
      return "MD5-Challenge";
    case EapType::kMsChapV2:
      return "MSCHAPv2";
  }
  return StrCat("type ", int{type});
}

}  // namespace tunnelisa::ike

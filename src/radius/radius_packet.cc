#include "radius/radius_packet.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "common/str_cat.h"

namespace tunnelisa::radius {
namespace {

uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(StrCat("malformed RADIUS packet: ", what));
}

}  // namespace

absl::StatusOr<Packet> ParsePacket(std::span<const uint8_t> datagram) {
  if (datagram.size() < kMinPacketSize) {
    return Malformed(StrCat(datagram.size(), " octets, shorter than the 20-octet header"));
  }
  const size_t length = Load16(datagram.data() + 2);
  //= https://www.rfc-editor.org/rfc/rfc2865#section-3
  //# If the packet is shorter than the Length field indicates, it MUST be silently discarded.
  if (length < kMinPacketSize || length > kMaxPacketSize) {
    return Malformed(StrCat("Length ", length, " outside 20..4096"));
  }
  if (length > datagram.size()) {
    return Malformed(
        StrCat("Length ", length, " but the datagram has ", datagram.size(), " octets"));
  }
  //= https://www.rfc-editor.org/rfc/rfc2865#section-3
  //# Octets outside the range of the Length field MUST be treated as padding and ignored on
  //# reception.
  const std::span<const uint8_t> bytes = datagram.first(length);
  Packet packet;
  packet.code = bytes[0];
  packet.identifier = bytes[1];
  std::copy_n(bytes.begin() + kAuthenticatorOffset, kAuthenticatorSize,
              packet.authenticator.begin());
  size_t at = kHeaderSize;
  while (at < length) {
    if (length - at < kAttributeHeaderSize) {
      return Malformed(
          StrCat("attribute at offset ", at, " truncated (", length - at, " octet left)"));
    }
    const uint8_t type = bytes[at];
    const size_t attribute_length = bytes[at + 1];
    if (attribute_length < kAttributeHeaderSize) {
      return Malformed(StrCat("attribute ", type, " at offset ", at, " has Length ",
                              attribute_length, " (minimum 2)"));
    }
    if (attribute_length > length - at) {
      return Malformed(StrCat("attribute ", type, " at offset ", at, " has Length ",
                              attribute_length, " past the packet's end (", length - at,
                              " octets left)"));
    }
    const auto value =
        bytes.subspan(at + kAttributeHeaderSize, attribute_length - kAttributeHeaderSize);
    packet.attributes.push_back({type, std::vector<uint8_t>(value.begin(), value.end())});
    at += attribute_length;
  }
  return packet;
}

absl::StatusOr<std::vector<uint8_t>> SerializePacket(const Packet& packet) {
  size_t length = kHeaderSize;
  for (const RadiusAttribute& a : packet.attributes) {
    if (a.value.size() > kMaxAttributeValueSize) {
      return absl::InvalidArgumentError(
          StrCat("RADIUS attribute ", a.type, " has ", a.value.size(), " octets (at most 253)"));
    }
    length += kAttributeHeaderSize + a.value.size();
  }
  if (length > kMaxPacketSize) {
    return absl::InvalidArgumentError(
        StrCat("RADIUS packet would have ", length, " octets (at most 4096)"));
  }
  std::vector<uint8_t> out;
  out.reserve(length);
  out.push_back(packet.code);
  out.push_back(packet.identifier);
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
  out.insert(out.end(), packet.authenticator.begin(), packet.authenticator.end());
  for (const RadiusAttribute& a : packet.attributes) {
    out.push_back(a.type);
    out.push_back(static_cast<uint8_t>(kAttributeHeaderSize + a.value.size()));
    out.insert(out.end(), a.value.begin(), a.value.end());
  }
  return out;
}

std::optional<size_t> ExpectedValueSize(uint8_t type) {
  switch (type) {
    case attr::kNasIpAddress:
    case attr::kNasPort:
    case attr::kServiceType:
    case attr::kFramedProtocol:
    case attr::kFramedIpAddress:
    case attr::kFramedIpNetmask:
    case attr::kSessionTimeout:
    case attr::kAcctStatusType:
    case attr::kAcctDelayTime:
    case attr::kAcctInputOctets:
    case attr::kAcctOutputOctets:
    case attr::kAcctAuthentic:
    case attr::kAcctSessionTime:
    case attr::kAcctInputPackets:
    case attr::kAcctOutputPackets:
    case attr::kAcctTerminateCause:
    case attr::kAcctInputGigawords:
    case attr::kAcctOutputGigawords:
    case attr::kEventTimestamp:
    case attr::kNasPortType:
      return 4;
    case attr::kMessageAuthenticator:
    case attr::kNasIpv6Address:
      return 16;
    default:
      return std::nullopt;
  }
}

absl::Status CheckAttributeSizes(const Packet& packet) {
  for (const RadiusAttribute& a : packet.attributes) {
    //= https://www.rfc-editor.org/rfc/rfc2865#section-5
    //# Strings of length zero (0) MUST NOT be sent; omit the entire attribute instead.
    if (a.value.empty()) {
      return absl::InvalidArgumentError(StrCat("RADIUS attribute ", a.type, " is empty"));
    }
    const std::optional<size_t> expected = ExpectedValueSize(a.type);
    if (expected.has_value() && a.value.size() != *expected) {
      return absl::InvalidArgumentError(StrCat("RADIUS attribute ", a.type, " has ", a.value.size(),
                                               " octets (expected ", *expected, ")"));
    }
  }
  return absl::OkStatus();
}

const RadiusAttribute* Find(const Packet& packet, uint8_t type) {
  for (const RadiusAttribute& a : packet.attributes) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

size_t Count(const Packet& packet, uint8_t type) {
  return static_cast<size_t>(std::count_if(packet.attributes.begin(), packet.attributes.end(),
                                           [type](const auto& a) { return a.type == type; }));
}

uint32_t U32Value(const RadiusAttribute& attribute) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < attribute.value.size(); ++i) v = (v << 8) | attribute.value[i];
  return v;
}

IpAddress Ipv4Value(const RadiusAttribute& attribute) { return IpAddress::V4(U32Value(attribute)); }

RadiusAttribute U32Attribute(uint8_t type, uint32_t value) {
  return {type,
          {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
           static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)}};
}

RadiusAttribute BytesAttribute(uint8_t type, std::span<const uint8_t> value) {
  return {type, std::vector<uint8_t>(value.begin(), value.end())};
}

RadiusAttribute TextAttribute(uint8_t type, std::string_view text) {
  return {type, std::vector<uint8_t>(text.begin(), text.end())};
}

RadiusAttribute AddressAttribute(uint8_t type, const IpAddress& address) {
  return {type, std::vector<uint8_t>(address.bytes(), address.bytes() + address.size())};
}

absl::Status AppendEapMessage(std::span<const uint8_t> eap, std::vector<RadiusAttribute>& out) {
  if (eap.empty()) return absl::InvalidArgumentError("empty EAP message");
  //= https://www.rfc-editor.org/rfc/rfc3579#section-3.1
  //# If multiple EAP-Message attributes are contained within an Access-Request or
  //# Access-Challenge packet, they MUST be in order and they MUST be consecutive attributes
  //# in the packet.
  for (size_t at = 0; at < eap.size(); at += kMaxAttributeValueSize) {
    out.push_back(BytesAttribute(
        attr::kEapMessage, eap.subspan(at, std::min(kMaxAttributeValueSize, eap.size() - at))));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> JoinEapMessage(const Packet& packet) {
  std::vector<uint8_t> eap;
  bool in_run = false;
  bool run_ended = false;
  for (const RadiusAttribute& a : packet.attributes) {
    if (a.type == attr::kEapMessage) {
      if (run_ended) {
        return absl::InvalidArgumentError("EAP-Message attributes are not consecutive");
      }
      in_run = true;
      eap.insert(eap.end(), a.value.begin(), a.value.end());
    } else if (in_run) {
      in_run = false;
      run_ended = true;
    }
  }
  return eap;
}

std::string CodeName(uint8_t code) {
  switch (static_cast<PacketCode>(code)) {
    case PacketCode::kAccessRequest:
      return "Access-Request";
    case PacketCode::kAccessAccept:
      return "Access-Accept";
    case PacketCode::kAccessReject:
      return "Access-Reject";
    case PacketCode::kAccountingRequest:
      return "Accounting-Request";
    case PacketCode::kAccountingResponse:
      return "Accounting-Response";
    case PacketCode::kAccessChallenge:
      return "Access-Challenge";
  }
  return StrCat("code ", code);
}

}  // namespace tunnelisa::radius

// File: radius/radius_packet.h
//
// The RADIUS wire format (RFC 2865 section 3 and 5): a packet is a 20-octet header and a list
// of attributes. This file only moves bytes; the authenticators (MD5, HMAC-MD5) live in
// radius_crypto.h and the meaning of a response in radius_response.h.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Code      |  Identifier   |            Length             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  |                         Authenticator                         |
//  |                                                               |
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Attributes ...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-
//
// Each attribute is Type (1 octet), Length (1 octet, counting Type and Length) and Value.
// Vendor-Specific (26) is kept as raw bytes like any other attribute.
//
// Any thread; pure functions. Not on the packet fast path.
#ifndef TUNNELISA_SRC_RADIUS_RADIUS_PACKET_H_
#define TUNNELISA_SRC_RADIUS_RADIUS_PACKET_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/radius.h"

namespace tunnelisa::radius {

// Wire sizes and limits (RFC 2865 section 3 and 5).
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kAuthenticatorOffset = 4;
inline constexpr size_t kAuthenticatorSize = 16;
//= https://www.rfc-editor.org/rfc/rfc2865#section-3
//# The minimum length is 20 and maximum length is 4096.
inline constexpr size_t kMinPacketSize = 20;
inline constexpr size_t kMaxPacketSize = 4096;
inline constexpr size_t kAttributeHeaderSize = 2;
inline constexpr size_t kMaxAttributeValueSize = 253;  // 255 minus Type and Length
static_assert(kHeaderSize == kAuthenticatorOffset + kAuthenticatorSize);
static_assert(kMaxAttributeValueSize + kAttributeHeaderSize == 255);

using Authenticator = std::array<uint8_t, kAuthenticatorSize>;

// PacketCode: the Code field (RFC 2865 section 3, RFC 2866 section 3).
enum class PacketCode : uint8_t {
  kAccessRequest = 1,
  kAccessAccept = 2,
  kAccessReject = 3,
  kAccountingRequest = 4,
  kAccountingResponse = 5,
  kAccessChallenge = 11,
};

// AttributeType: the attribute numbers this library reads or writes (RFC 2865 section 5,
// RFC 2866 section 5, RFC 2869 section 5, RFC 3162 section 2.1, RFC 3579 section 3).
namespace attr {
inline constexpr uint8_t kUserName = 1;
inline constexpr uint8_t kUserPassword = 2;
inline constexpr uint8_t kChapPassword = 3;
inline constexpr uint8_t kNasIpAddress = 4;
inline constexpr uint8_t kNasPort = 5;
inline constexpr uint8_t kServiceType = 6;
inline constexpr uint8_t kFramedProtocol = 7;
inline constexpr uint8_t kFramedIpAddress = 8;
inline constexpr uint8_t kFramedIpNetmask = 9;
inline constexpr uint8_t kReplyMessage = 18;
inline constexpr uint8_t kState = 24;
inline constexpr uint8_t kClass = 25;
inline constexpr uint8_t kVendorSpecific = 26;
inline constexpr uint8_t kSessionTimeout = 27;
inline constexpr uint8_t kCalledStationId = 30;
inline constexpr uint8_t kCallingStationId = 31;
inline constexpr uint8_t kNasIdentifier = 32;
inline constexpr uint8_t kAcctStatusType = 40;
inline constexpr uint8_t kAcctDelayTime = 41;
inline constexpr uint8_t kAcctInputOctets = 42;
inline constexpr uint8_t kAcctOutputOctets = 43;
inline constexpr uint8_t kAcctSessionId = 44;
inline constexpr uint8_t kAcctAuthentic = 45;
inline constexpr uint8_t kAcctSessionTime = 46;
inline constexpr uint8_t kAcctInputPackets = 47;
inline constexpr uint8_t kAcctOutputPackets = 48;
inline constexpr uint8_t kAcctTerminateCause = 49;
inline constexpr uint8_t kAcctInputGigawords = 52;
inline constexpr uint8_t kAcctOutputGigawords = 53;
inline constexpr uint8_t kEventTimestamp = 55;
inline constexpr uint8_t kNasPortType = 61;
inline constexpr uint8_t kEapMessage = 79;
inline constexpr uint8_t kMessageAuthenticator = 80;
inline constexpr uint8_t kFramedPool = 88;
inline constexpr uint8_t kNasIpv6Address = 95;
}  // namespace attr

// Packet: a decoded packet. `attributes` keep their wire order (EAP-Message fragments and
// Reply-Messages are ordered).
struct Packet {
  uint8_t code = 0;
  uint8_t identifier = 0;
  Authenticator authenticator{};
  std::vector<RadiusAttribute> attributes;
};

// ParsePacket: decodes `datagram` strictly. InvalidArgument (the message names the field and
// its offset) when the datagram is shorter than 20 octets or than its Length field, when
// Length is outside 20..4096, or when an attribute's Length is below 2 or runs past the
// packet's end. Octets after Length are padding and ignored (RFC 2865 section 3).
absl::StatusOr<Packet> ParsePacket(std::span<const uint8_t> datagram);

// SerializePacket: the wire form of `packet`. InvalidArgument when an attribute value is
// longer than 253 octets or the packet would exceed 4096 octets.
absl::StatusOr<std::vector<uint8_t>> SerializePacket(const Packet& packet);

// ExpectedValueSize: the fixed value size of the attributes this library interprets that
// have one (integers, dates and IPv4 addresses 4, IPv6 addresses and Message-Authenticator
// 16); nullopt for variable-size ones (text, strings, VSAs, unknown types).
std::optional<size_t> ExpectedValueSize(uint8_t type);

// CheckAttributeSizes: every attribute of `packet` whose type has an ExpectedValueSize has
// exactly that size, and no attribute is empty (RFC 2865 section 5: strings and text "MUST
// NOT" be sent with length zero). InvalidArgument naming the first offender otherwise.
absl::Status CheckAttributeSizes(const Packet& packet);

// Find: the first attribute of `type`, or null.
const RadiusAttribute* Find(const Packet& packet, uint8_t type);
// Count: how many attributes of `type` `packet` has.
size_t Count(const Packet& packet, uint8_t type);

// U32Value / Ipv4Value: the value of a 4-octet attribute (checked by CheckAttributeSizes).
uint32_t U32Value(const RadiusAttribute& attribute);
IpAddress Ipv4Value(const RadiusAttribute& attribute);

// Attribute builders (values already in wire form).
RadiusAttribute U32Attribute(uint8_t type, uint32_t value);
RadiusAttribute BytesAttribute(uint8_t type, std::span<const uint8_t> value);
RadiusAttribute TextAttribute(uint8_t type, std::string_view text);
// AddressAttribute: NAS-IP-Address style (4 octets) for IPv4, the 16 octets for IPv6.
RadiusAttribute AddressAttribute(uint8_t type, const IpAddress& address);

// AppendEapMessage: `eap` split into consecutive EAP-Message attributes of at most 253
// octets each (RFC 3579 section 3.1). InvalidArgument when `eap` is empty.
absl::Status AppendEapMessage(std::span<const uint8_t> eap, std::vector<RadiusAttribute>& out);
// JoinEapMessage: the EAP packet carried by `packet`'s EAP-Message attributes, which must be
// consecutive (RFC 3579 section 3.1); an empty vector when there are none. InvalidArgument
// when they are not consecutive.
absl::StatusOr<std::vector<uint8_t>> JoinEapMessage(const Packet& packet);

// CodeName: "Access-Accept", ... ("code 7" for others).
std::string CodeName(uint8_t code);

}  // namespace tunnelisa::radius

#endif  // TUNNELISA_SRC_RADIUS_RADIUS_PACKET_H_

#include "ike/codec/cp_payload.h"

#include <string>

#include "absl/strings/str_format.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

// AllowedLength: RFC 7296 3.15.1's "Length" column: an empty value (a request) or the fixed
// size. Types the table does not fix (APPLICATION_VERSION, SUPPORTED_ATTRIBUTES, unknown) pass.
bool AllowedLength(ConfigAttributeType type, size_t size) {
  switch (type) {
    case ConfigAttributeType::kInternalIp4Address:
    case ConfigAttributeType::kInternalIp4Netmask:
    case ConfigAttributeType::kInternalIp4Dns:
    case ConfigAttributeType::kInternalIp4Nbns:
    case ConfigAttributeType::kInternalIp4Dhcp:
      return size == 0 || size == 4;
    case ConfigAttributeType::kInternalIp6Address:
    case ConfigAttributeType::kInternalIp6Subnet:
      return size == 0 || size == 17;
    case ConfigAttributeType::kInternalIp6Dns:
    case ConfigAttributeType::kInternalIp6Dhcp:
      return size == 0 || size == 16;
    case ConfigAttributeType::kInternalIp4Subnet:
      return size == 0 || size == 8;
    default:
      return true;
  }
}

}  // namespace

ConfigAttribute ConfigAttribute::Address(ConfigAttributeType type, const IpAddress& address) {
  ConfigAttribute a{.type = type};
  a.value.assign(address.bytes(), address.bytes() + address.size());
  return a;
}

std::optional<IpAddress> ConfigAttribute::address() const {
  if (value.size() == 4) return IpAddress::V4Bytes(value.data());
  if (value.size() == 16 || value.size() == 17) return IpAddress::V6Bytes(value.data());
  return std::nullopt;
}

// Configuration payload (RFC 7296 3.15):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C| RESERVED    |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   CFG Type    |                    RESERVED                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                   Configuration Attributes                    ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each attribute (RFC 7296 3.15.1):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |R|         Attribute Type      |            Length             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                             Value                             ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<CpPayload> CpPayload::Parse(Reader& body) {
  CpPayload cp;
  uint8_t cfg_type = 0;
  if (body.remaining() < 4 || !body.U8(cfg_type) || !body.Skip(3))
    return internal::Truncated("CP payload", body, 4);
  cp.cfg_type = static_cast<CfgType>(cfg_type);
  while (!body.empty()) {
    const size_t at = body.offset();
    uint16_t type_field = 0;
    uint16_t length = 0;
    if (body.remaining() < 4 || !body.U16(type_field) || !body.U16(length)) {
      return internal::Truncated("configuration attribute", body, 4);
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.15.1
    //# Reserved (1 bit) - This bit MUST be set to zero and MUST be
    //# ignored on receipt.
    ConfigAttribute attr{.type = static_cast<ConfigAttributeType>(type_field & 0x7fff)};
    if (!body.CopyBytes(length, attr.value)) {
      return internal::Malformed("configuration attribute", at,
                                 absl::StrFormat("length %d runs past the CP payload (%d left)",
                                                 length, body.remaining()));
    }
    if (!AllowedLength(attr.type, attr.value.size())) {
      return internal::Malformed("configuration attribute", at,
                                 absl::StrFormat("attribute type %d with a %d-octet value",
                                                 static_cast<int>(attr.type), attr.value.size()));
    }
    cp.attributes.push_back(std::move(attr));
  }
  return cp;
}

absl::Status CpPayload::Serialize(Writer& w) const {
  w.U8(static_cast<uint8_t>(cfg_type));
  w.Zeros(3);
  for (const ConfigAttribute& a : attributes) {
    const auto type = static_cast<uint16_t>(a.type);
    if (type > 0x7fff || a.value.size() > 0xffff || !AllowedLength(a.type, a.value.size())) {
      return internal::SerializeError("configuration attribute",
                                      absl::StrFormat("type %d, %d octets", type, a.value.size()));
    }
    w.U16(type);
    w.U16(static_cast<uint16_t>(a.value.size()));
    w.Bytes(a.value);
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike

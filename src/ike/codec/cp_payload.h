// File: ike/codec/cp_payload.h
//
// CpPayload: the Configuration payload (RFC 7296 3.15): a CFG type and a list of attributes
// (internal addresses, DNS servers, subnets, ...). Values stay bytes; the sizes of the address
// attributes RFC 7296 3.15.1 defines are checked. Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_CP_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_CP_PAYLOAD_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike {

struct ConfigAttribute {
  ConfigAttributeType type = ConfigAttributeType::kInternalIp4Address;  // 15 bits, raw kept
  std::vector<uint8_t> value;  // empty in a request for "any"

  // Address: `type` carrying `address` (4 or 16 octets).
  static ConfigAttribute Address(ConfigAttributeType type, const IpAddress& address);
  // address: the value as an address when it is exactly 4 or 16 octets (the first 16 of an
  // INTERNAL_IP6_ADDRESS's 17), else nullopt.
  std::optional<IpAddress> address() const;
  bool operator==(const ConfigAttribute&) const = default;
};

struct CpPayload {
  CfgType cfg_type = CfgType::kRequest;  // raw value kept if unknown
  std::vector<ConfigAttribute> attributes;

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets, an attribute header or value
  // running past the payload, or an address attribute whose length is not one RFC 7296 3.15.1
  // allows (e.g. INTERNAL_IP4_ADDRESS: 0 or 4).
  static absl::StatusOr<CpPayload> Parse(Reader& body);
  // Serialize: fails (no notify) on a type over 15 bits or a value length as above.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const CpPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_CP_PAYLOAD_H_

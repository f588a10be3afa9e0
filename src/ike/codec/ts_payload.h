// File: ike/codec/ts_payload.h
//
// TsPayload: the Traffic Selector payloads TSi and TSr (RFC 7296 3.13): a list of address
// ranges with an IP protocol and a port range each. Payload::type tells TSi from TSr.
// Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_TS_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_TS_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike {

// TrafficSelector: one range. The type follows from the addresses' family.
struct TrafficSelector {
  uint8_t ip_protocol = 0;  // 0: any
  uint16_t start_port = 0;
  uint16_t end_port = 0xffff;
  IpAddress start_address;
  IpAddress end_address;

  // Any: every protocol, port and address of `family`'s range (0.0.0.0-255.255.255.255 or
  // ::-ffff:...:ffff).
  static TrafficSelector Any(IpAddress::Family family);
  // ForPrefix: every protocol and port within `prefix`.
  static TrafficSelector ForPrefix(const IpPrefix& prefix);

  TsType type() const {
    return start_address.is_v6() ? TsType::kIpv6AddrRange : TsType::kIpv4AddrRange;
  }
  bool operator==(const TrafficSelector&) const = default;
};

struct TsPayload {
  std::vector<TrafficSelector> selectors;

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets, zero selectors, Number of TSs
  // disagreeing with the selectors present, an unknown TS type, or a Selector Length that does
  // not match the type (16 for IPv4, 40 for IPv6) or runs past the payload.
  static absl::StatusOr<TsPayload> Parse(Reader& body);
  // Serialize: fails (no notify) on no or over 255 selectors, or a selector whose two addresses
  // are unset or of different families.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const TsPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_TS_PAYLOAD_H_

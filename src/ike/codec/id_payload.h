// File: ike/codec/id_payload.h
//
// IdPayload: the Identification payloads IDi and IDr (RFC 7296 3.5); the same body serves both
// (Payload::type tells which). Typed constructors and accessors for the ID types we use:
// IPv4/IPv6 address, FQDN, RFC 822 address, KEY_ID; DER DN/GN stay opaque bytes.
// Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_ID_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_ID_PAYLOAD_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike {

struct IdPayload {
  IdType type = IdType::kFqdn;  // raw value kept if unknown
  std::vector<uint8_t> data;

  static IdPayload FromAddress(const IpAddress& address);  // ID_IPV4_ADDR / ID_IPV6_ADDR
  static IdPayload FromFqdn(std::string_view fqdn);
  static IdPayload FromRfc822(std::string_view address);
  static IdPayload FromKeyId(std::span<const uint8_t> key_id);

  // address: the address of an ID_IPV4_ADDR / ID_IPV6_ADDR identity, else nullopt.
  std::optional<IpAddress> address() const;
  // text: the name of an ID_FQDN / ID_RFC822_ADDR identity, else nullopt.
  std::optional<std::string_view> text() const;

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets, empty identification data, or an
  // address identity that is not exactly 4 (IPv4) or 16 (IPv6) octets.
  static absl::StatusOr<IdPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const IdPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_ID_PAYLOAD_H_

// File: ike/codec/notify_payload.h
//
// NotifyPayload: the Notify payload (RFC 7296 3.10) carrying error and status notifications,
// with typed helpers for the data formats the codec checks: NAT_DETECTION_*_IP (a SHA-1 digest,
// RFC 7296 2.23), COOKIE (1..64 octets), INVALID_KE_PAYLOAD (the accepted group),
// UNSUPPORTED_CRITICAL_PAYLOAD (the payload type). Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_NOTIFY_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_NOTIFY_PAYLOAD_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

inline constexpr size_t kNatDetectionHashSize = 20;  // SHA-1
inline constexpr size_t kMaxCookieSize = 64;

struct NotifyPayload {
  // protocol and spi: the Child SA a notification concerns (ESP/AH, 4-octet SPI). Empty for the
  // IKE SA; protocol is then kNone (it is ignored on receipt and sent as zero).
  ProtocolId protocol = ProtocolId::kNone;
  NotifyType type = NotifyType::kInvalidSyntax;  // raw value kept if unknown
  std::vector<uint8_t> spi;
  std::vector<uint8_t> data;

  // Of: an IKE SA notification (no SPI) with `data`.
  static NotifyPayload Of(NotifyType type, std::span<const uint8_t> data = {});
  // ForChildSa: a notification about the Child SA with `spi` of `protocol` (e.g. REKEY_SA).
  static NotifyPayload ForChildSa(NotifyType type, ProtocolId protocol, uint32_t spi);
  // InvalidKe: INVALID_KE_PAYLOAD naming the group the responder accepts.
  static NotifyPayload InvalidKe(uint16_t accepted_group);

  bool is_error() const { return static_cast<uint16_t>(type) < kFirstStatusNotify; }
  // spi32: the 4-octet Child SA SPI, else nullopt.
  std::optional<uint32_t> spi32() const;
  // accepted_group: the group of an INVALID_KE_PAYLOAD, else nullopt.
  std::optional<uint16_t> accepted_group() const;

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets, an SPI size past the end, or data
  // of the wrong size for NAT_DETECTION_*_IP (20), COOKIE (1..64), INVALID_KE_PAYLOAD (2) or
  // UNSUPPORTED_CRITICAL_PAYLOAD (1).
  static absl::StatusOr<NotifyPayload> Parse(Reader& body);
  // Serialize: fails (no notify) on an SPI over 255 octets or data of a wrong size as above.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const NotifyPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_NOTIFY_PAYLOAD_H_

#include "ike/codec/notify_payload.h"

#include <string>

#include "absl/strings/str_format.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

// CheckData: the data sizes the RFCs fix for the notifications the codec knows about. An empty
// string means fine; otherwise the problem.
std::string CheckData(NotifyType type, size_t size) {
  switch (type) {
    case NotifyType::kNatDetectionSourceIp:
    case NotifyType::kNatDetectionDestinationIp:
      // RFC 7296 2.23: the data is a SHA-1 digest of the SPIs, an address and a port.
      if (size != kNatDetectionHashSize) return absl::StrFormat("NAT detection hash of %d", size);
      return "";
    case NotifyType::kCookie:
      //= https://www.rfc-editor.org/rfc/rfc7296#section-2.6
      //# The data associated with this notification MUST be between 1 and 64 octets in
      //# length (inclusive), and its generation is described later in this section.
      if (size < 1 || size > kMaxCookieSize) return absl::StrFormat("COOKIE of %d octets", size);
      return "";
    case NotifyType::kInvalidKePayload:
      //= https://www.rfc-editor.org/rfc/rfc7296#section-1.3
      //# There are two octets of data associated with this notification:
      //# the accepted Diffie-Hellman group number in big endian order.
      if (size != 2) return absl::StrFormat("INVALID_KE_PAYLOAD data of %d octets", size);
      return "";
    case NotifyType::kUnsupportedCriticalPayload:
      if (size != 1) return absl::StrFormat("UNSUPPORTED_CRITICAL_PAYLOAD data of %d", size);
      return "";
    default:
      return "";
  }
}

}  // namespace

NotifyPayload NotifyPayload::Of(NotifyType type, std::span<const uint8_t> data) {
  return {.type = type, .data = {data.begin(), data.end()}};
}

NotifyPayload NotifyPayload::ForChildSa(NotifyType type, ProtocolId protocol, uint32_t spi) {
  return {.protocol = protocol,
          .type = type,
          .spi = {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16),
                  static_cast<uint8_t>(spi >> 8), static_cast<uint8_t>(spi)}};
}

NotifyPayload NotifyPayload::InvalidKe(uint16_t accepted_group) {
  return {
      .type = NotifyType::kInvalidKePayload,
      .data = {static_cast<uint8_t>(accepted_group >> 8), static_cast<uint8_t>(accepted_group)}};
}

std::optional<uint32_t> NotifyPayload::spi32() const {
  if (spi.size() != 4) return std::nullopt;
  return static_cast<uint32_t>(spi[0]) << 24 | static_cast<uint32_t>(spi[1]) << 16 |
         static_cast<uint32_t>(spi[2]) << 8 | spi[3];
}

std::optional<uint16_t> NotifyPayload::accepted_group() const {
  if (type != NotifyType::kInvalidKePayload || data.size() != 2) return std::nullopt;
  return static_cast<uint16_t>(data[0] << 8 | data[1]);
}

// Notify payload (RFC 7296 3.10):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Protocol ID  |   SPI Size    |      Notify Message Type      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                Security Parameter Index (SPI)                 ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                       Notification Data                       ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<NotifyPayload> NotifyPayload::Parse(Reader& body) {
  NotifyPayload n;
  uint8_t protocol = 0;
  uint8_t spi_size = 0;
  uint16_t type = 0;
  if (body.remaining() < 4 || !body.U8(protocol) || !body.U8(spi_size) || !body.U16(type)) {
    return internal::Truncated("Notify payload", body, 4);
  }
  n.type = static_cast<NotifyType>(type);
  const size_t at = body.offset();
  if (!body.CopyBytes(spi_size, n.spi)) {
    return internal::Malformed("Notify payload", at,
                               absl::StrFormat("SPI size %d runs past the payload", spi_size));
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.10
  //# If the SPI field is empty, this field MUST be sent as zero and MUST be
  //# ignored on receipt.
  n.protocol = n.spi.empty() ? ProtocolId::kNone : static_cast<ProtocolId>(protocol);
  const size_t data_at = body.offset();
  n.data = body.CopyRest();
  if (std::string problem = CheckData(n.type, n.data.size()); !problem.empty()) {
    return internal::Malformed(absl::StrFormat("Notify %s", NotifyTypeName(n.type)), data_at,
                               problem);
  }
  return n;
}

absl::Status NotifyPayload::Serialize(Writer& w) const {
  if (spi.size() > 0xff) return internal::SerializeError("Notify payload", "SPI over 255 octets");
  if (std::string problem = CheckData(type, data.size()); !problem.empty()) {
    return internal::SerializeError("Notify payload", problem);
  }
  w.U8(spi.empty() ? 0 : static_cast<uint8_t>(protocol));
  w.U8(static_cast<uint8_t>(spi.size()));
  w.U16(static_cast<uint16_t>(type));
  w.Bytes(spi);
  w.Bytes(data);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike

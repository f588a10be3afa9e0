#include "ike/codec/delete_payload.h"

#include "absl/strings/str_format.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

// Delete payload (RFC 7296 3.11):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Protocol ID   |   SPI Size    |          Num of SPIs          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~               Security Parameter Index(es) (SPI)              ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<DeletePayload> DeletePayload::Parse(Reader& body) {
  const size_t at = body.offset();
  uint8_t protocol = 0;
  uint8_t spi_size = 0;
  uint16_t count = 0;
  if (body.remaining() < 4 || !body.U8(protocol) || !body.U8(spi_size) || !body.U16(count)) {
    return internal::Truncated("Delete payload", body, 4);
  }
  DeletePayload d{.protocol = static_cast<ProtocolId>(protocol)};
  if (d.protocol != ProtocolId::kIke && d.protocol != ProtocolId::kAh &&
      d.protocol != ProtocolId::kEsp) {
    return internal::Malformed("Delete payload", at,
                               absl::StrFormat("unknown protocol ID %d", protocol));
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.11
  //# It MUST be zero for IKE (SPI is in message header) or four for AH and ESP.
  const uint8_t expected_size = d.protocol == ProtocolId::kIke ? 0 : 4;
  if (spi_size != expected_size) {
    return internal::Malformed("Delete payload", at,
                               absl::StrFormat("SPI size %d for protocol %d", spi_size, protocol));
  }
  if (d.protocol == ProtocolId::kIke) {
    if (!body.empty()) {
      return internal::Malformed("Delete payload", body.offset(), "data after an IKE SA delete");
    }
    return d;  // Num of SPIs carries nothing for the IKE SA.
  }
  if (body.remaining() != static_cast<size_t>(count) * spi_size) {
    return internal::Malformed(
        "Delete payload", at,
        absl::StrFormat("Num of SPIs %d but %d octets of SPIs", count, body.remaining()));
  }
  d.spis.resize(count);
  for (uint32_t& spi : d.spis) {
    if (body.remaining() < 4 || !body.U32(spi))
      return internal::Truncated("Delete payload SPI", body, 4);
  }
  return d;
}

absl::Status DeletePayload::Serialize(Writer& w) const {
  if (protocol == ProtocolId::kIke && !spis.empty()) {
    return internal::SerializeError("Delete payload", "SPIs for the IKE SA");
  }
  if (spis.size() > 0xffff) return internal::SerializeError("Delete payload", "too many SPIs");
  w.U8(static_cast<uint8_t>(protocol));
  w.U8(protocol == ProtocolId::kIke ? 0 : 4);
  w.U16(static_cast<uint16_t>(spis.size()));
  for (uint32_t spi : spis) w.U32(spi);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike

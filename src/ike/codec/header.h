// File: ike/codec/header.h
//
// Header: the fixed 28-octet header that starts every IKE message. The layout is shared by
// IKEv1 (ISAKMP) and IKEv2, so Header::Parse is version-neutral: it reads fields and checks
// nothing but length. ValidateIkev2Header then applies RFC 7296's rules (version, exchange type,
// length against the datagram, SPIs) and says which notification, if any, to answer with.
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       IKE SA Initiator's SPI                  |
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       IKE SA Responder's SPI                  |
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                          Message ID                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                            Length                             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   (RFC 7296 section 3.1, Figure 4; flags: X X R V I X X X)
#ifndef TUNNELISA_SRC_IKE_CODEC_HEADER_H_
#define TUNNELISA_SRC_IKE_CODEC_HEADER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct Header {
  uint64_t initiator_spi = 0;
  uint64_t responder_spi = 0;
  uint8_t next_payload = 0;  // raw; PayloadType for IKEv2
  uint8_t major_version = kIkev2MajorVersion;
  uint8_t minor_version = 0;
  uint8_t exchange_type = 0;  // raw; ExchangeType for IKEv2
  uint8_t flags = 0;
  uint32_t message_id = 0;
  uint32_t length = 0;  // whole message, header included

  bool initiator() const { return (flags & kFlagInitiator) != 0; }
  bool response() const { return (flags & kFlagResponse) != 0; }
  ExchangeType exchange() const { return static_cast<ExchangeType>(exchange_type); }

  // Parse: reads 28 octets from `r`. Fails (INVALID_SYNTAX attached) only when fewer remain.
  // Version-neutral: no field is interpreted.
  static absl::StatusOr<Header> Parse(Reader& r);
  // Serialize: appends the 28 octets, `length` as stored (Message::Serialize patches it).
  void Serialize(Writer& w) const;

  bool operator==(const Header&) const = default;
};

// ValidateIkev2Header: RFC 7296 3.1 checks of a parsed header against the datagram it came in
// (`datagram_size` octets, the non-ESP marker already removed). Errors: major version above 2
// (INVALID_MAJOR_VERSION attached), major version below 2 (no notify: an IKEv1 message), length
// different from the datagram or below 28, unknown exchange type, zero initiator SPI, nonzero
// responder SPI in an IKE_SA_INIT request (INVALID_SYNTAX attached). Any thread.
absl::Status ValidateIkev2Header(const Header& header, size_t datagram_size);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_HEADER_H_

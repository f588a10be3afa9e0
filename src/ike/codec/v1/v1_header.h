// File: ike/codec/v1/v1_header.h
//
// V1Header: the fixed 28-octet ISAKMP header (RFC 2408 3.1), and the checks a received one must
// pass (ValidateV1Header).
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !                          Initiator                            !
//   !                            Cookie                             !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !                          Responder                            !
//   !                            Cookie                             !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !                          Message ID                           !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   !                            Length                             !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   (RFC 2408 3.1, Figure 2; flags: X X X X X A C E)
//
// Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_HEADER_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_HEADER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/v1/v1_constants.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike::v1 {

struct V1Header {
  uint64_t icookie = 0;  // initiator cookie (CKY-I)
  uint64_t rcookie = 0;  // responder cookie (CKY-R); zero in the very first message
  V1PayloadType next_payload = V1PayloadType::kNone;
  uint8_t version = kV1Version;  // MjVer << 4 | MnVer
  V1Exchange exchange = V1Exchange::kIdentityProtection;
  uint8_t flags = 0;        // kV1Flag*
  uint32_t message_id = 0;  // 0 in phase 1; random and unique per phase 2 / informational
  uint32_t length = 0;      // whole message, header and (when encrypted) padding included

  bool encrypted() const { return (flags & kV1FlagEncryption) != 0; }
  bool commit() const { return (flags & kV1FlagCommit) != 0; }
  bool auth_only() const { return (flags & kV1FlagAuthOnly) != 0; }
  uint8_t major_version() const { return version >> 4; }

  // Parse: reads 28 octets from `r`. Fails (PAYLOAD-MALFORMED) only when fewer remain; no field
  // is interpreted (ValidateV1Header does that).
  static absl::StatusOr<V1Header> Parse(Reader& r);
  // Serialize: appends the 28 octets, `length` as stored (message serialization patches it).
  void Serialize(Writer& w) const;

  bool operator==(const V1Header&) const = default;
};

// ValidateV1Header: RFC 2408 5.1 checks of a parsed header against the datagram it came in
// (`datagram_size` octets, any non-ESP marker removed). Errors: major version other than 1
// (INVALID-MAJOR-VERSION; minor versions are not checked), Length different from the datagram
// (UNEQUAL-PAYLOAD-LENGTHS), a datagram over kV1MaxMessageSize or under 28 octets
// (PAYLOAD-MALFORMED), a zero initiator cookie (INVALID-COOKIE). Exchange types are not
// checked here (the exchange dispatch refuses the ones it does not run with
// INVALID-EXCHANGE-TYPE); reserved flag bits are ignored, as RFC 2408 allows.
absl::Status ValidateV1Header(const V1Header& header, size_t datagram_size);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_HEADER_H_

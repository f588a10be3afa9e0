// File: ike/codec/v1/v1_errors.h
//
// The IKEv1 codec's error model, the counterpart of ike/codec/errors.h: every parse failure is
// an absl::Status whose message names the payload and the byte offset, and carries the IKEv1
// notification (RFC 2408 3.14.1) that describes it: PAYLOAD-MALFORMED for most framing errors,
// INVALID-PAYLOAD-TYPE, BAD-PROPOSAL-SYNTAX, UNEQUAL-PAYLOAD-LENGTHS, INVALID-MAJOR-VERSION,
// DOI-NOT-SUPPORTED, SITUATION-NOT-SUPPORTED. Whether to send it is the exchange's decision
// (IKEv1 answers unauthenticated garbage with nothing; RFC 2408 5 says the notification "MAY"
// be sent). WithContext (errors.h) keeps the attachment.
//
// Example:
//   absl::StatusOr<V1Message> m = ParseV1Message(datagram);
//   if (!m.ok()) { if (auto n = GetV1NotifyToSend(m.status())) log(V1NotifyTypeName(n->type)); }
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_ERRORS_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_ERRORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ike/codec/v1/v1_constants.h"

namespace tunnelisa::ike::v1 {

// V1NotifyToSend: the notification a failure names.
struct V1NotifyToSend {
  V1NotifyType type = V1NotifyType::kPayloadMalformed;
  std::vector<uint8_t> data;  // notification data, e.g. the offending payload type octet
  bool operator==(const V1NotifyToSend&) const = default;
};

// V1CodecError: an InvalidArgument status with `message`, carrying `notify`. Never fails.
absl::Status V1CodecError(std::string message,
                          V1NotifyType notify = V1NotifyType::kPayloadMalformed,
                          std::vector<uint8_t> notify_data = {});

// GetV1NotifyToSend: the notification attached by V1CodecError, or nullopt (also for OK).
std::optional<V1NotifyToSend> GetV1NotifyToSend(const absl::Status& status);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_ERRORS_H_

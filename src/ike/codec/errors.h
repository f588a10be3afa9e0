// File: ike/codec/errors.h
//
// The codec's error model. Every parse or rules failure is an absl::Status whose message names
// the payload and the byte offset; when RFC 7296 says the receiver answers the failure with a
// notification, the status also carries a NotifyToSend (as a status payload), which the IKE task
// layer reads with GetNotifyToSend and puts into its response (or, for an IKE_SA_INIT request,
// its unauthenticated reply).
//
// Example:
//   absl::StatusOr<Message> m = Message::Parse(datagram);
//   if (!m.ok()) {
//     if (auto n = GetNotifyToSend(m.status())) ReplyWithNotify(n->type, n->data);
//   }
#ifndef TUNNELISA_SRC_IKE_CODEC_ERRORS_H_
#define TUNNELISA_SRC_IKE_CODEC_ERRORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ike/codec/constants.h"

namespace tunnelisa::ike {

// NotifyToSend: the notification a failure asks the receiver to send back.
struct NotifyToSend {
  NotifyType type = NotifyType::kInvalidSyntax;
  std::vector<uint8_t> data;  // notification data, e.g. the one-octet payload type
  bool operator==(const NotifyToSend&) const = default;
};

// CodecError: an InvalidArgument status (or `code`) with `message`, carrying `notify`.
// Any thread; never fails.
absl::Status CodecError(std::string message, NotifyType notify = NotifyType::kInvalidSyntax,
                        std::vector<uint8_t> notify_data = {},
                        absl::StatusCode code = absl::StatusCode::kInvalidArgument);

// PlainCodecError: an InvalidArgument status with no notification attached (for failures the
// RFC says to drop silently, or our own API misuse on the sending side).
absl::Status PlainCodecError(std::string message);

// GetNotifyToSend: the notification attached by CodecError, or nullopt (also for OK).
std::optional<NotifyToSend> GetNotifyToSend(const absl::Status& status);

// WithContext: `status` with "<context>: " prefixed to its message, payload kept. OK stays OK.
absl::Status WithContext(const absl::Status& status, const std::string& context);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_ERRORS_H_

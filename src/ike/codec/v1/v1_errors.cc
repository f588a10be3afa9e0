#include "ike/codec/v1/v1_errors.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"

namespace tunnelisa::ike::v1 {
namespace {

// A URL of its own: an IKEv1 notify number must never be read as an IKEv2 one.
constexpr char kV1NotifyUrl[] = "type.tunnelisa.dev/ike.V1NotifyToSend";

}  // namespace

absl::Status V1CodecError(std::string message, V1NotifyType notify,
                          std::vector<uint8_t> notify_data) {
  absl::Status status = absl::InvalidArgumentError(message);
  const auto type = static_cast<uint16_t>(notify);
  std::string encoded = {static_cast<char>(type >> 8), static_cast<char>(type & 0xff)};
  encoded.append(notify_data.begin(), notify_data.end());
  status.SetPayload(kV1NotifyUrl, absl::Cord(std::move(encoded)));
  return status;
}

std::optional<V1NotifyToSend> GetV1NotifyToSend(const absl::Status& status) {
  auto payload = status.GetPayload(kV1NotifyUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string bytes(*payload);
  if (bytes.size() < 2) return std::nullopt;
  V1NotifyToSend out;
  out.type = static_cast<V1NotifyType>(static_cast<uint8_t>(bytes[0]) << 8 |
                                       static_cast<uint8_t>(bytes[1]));
  out.data.assign(bytes.begin() + 2, bytes.end());
  return out;
}

}  // namespace tunnelisa::ike::v1

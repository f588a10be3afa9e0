#include "ike/codec/errors.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "common/str_cat.h"

namespace tunnelisa::ike {
namespace {

constexpr char kNotifyUrl[] = "type.tunnelisa.dev/ike.NotifyToSend";

}  // namespace

absl::Status CodecError(std::string message, NotifyType notify, std::vector<uint8_t> notify_data,
                        absl::StatusCode code) {
  absl::Status status(code, message);
  std::string encoded;
  const auto type = static_cast<uint16_t>(notify);
  encoded.push_back(static_cast<char>(type >> 8));
  encoded.push_back(static_cast<char>(type & 0xff));
  encoded.append(notify_data.begin(), notify_data.end());
  status.SetPayload(kNotifyUrl, absl::Cord(encoded));
  return status;
}

absl::Status PlainCodecError(std::string message) { return absl::InvalidArgumentError(message); }

std::optional<NotifyToSend> GetNotifyToSend(const absl::Status& status) {
  auto payload = status.GetPayload(kNotifyUrl);
  if (!payload.has_value()) return std::nullopt;
  std::string bytes(*payload);
  if (bytes.size() < 2) return std::nullopt;
  NotifyToSend out;
  out.type =
      static_cast<NotifyType>(static_cast<uint8_t>(bytes[0]) << 8 | static_cast<uint8_t>(bytes[1]));
  out.data.assign(bytes.begin() + 2, bytes.end());
  return out;
}

absl::Status WithContext(const absl::Status& status, const std::string& context) {
  if (status.ok()) return status;
  absl::Status out(status.code(), StrCat(context, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace tunnelisa::ike

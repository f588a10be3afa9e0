#include "ike/codec/id_payload.h"

#include <string>

#include "absl/strings/str_format.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

absl::Status CheckData(IdType type, size_t size, size_t offset) {
  if (size == 0) return internal::Malformed("ID payload", offset, "no identification data");
  if (type == IdType::kIpv4Addr && size != 4) {
    return internal::Malformed("ID payload", offset,
                               absl::StrFormat("ID_IPV4_ADDR of %d octets", size));
  }
  if (type == IdType::kIpv6Addr && size != 16) {
    return internal::Malformed("ID payload", offset,
                               absl::StrFormat("ID_IPV6_ADDR of %d octets", size));
  }
  return absl::OkStatus();
}

}  // namespace

IdPayload IdPayload::FromAddress(const IpAddress& address) {
  IdPayload id{.type = address.is_v6() ? IdType::kIpv6Addr : IdType::kIpv4Addr};
  id.data.assign(address.bytes(), address.bytes() + address.size());
  return id;
}

IdPayload IdPayload::FromFqdn(std::string_view fqdn) {
  return {.type = IdType::kFqdn, .data = {fqdn.begin(), fqdn.end()}};
}

IdPayload IdPayload::FromRfc822(std::string_view address) {
  return {.type = IdType::kRfc822Addr, .data = {address.begin(), address.end()}};
}

IdPayload IdPayload::FromKeyId(std::span<const uint8_t> key_id) {
  return {.type = IdType::kKeyId, .data = {key_id.begin(), key_id.end()}};
}

std::optional<IpAddress> IdPayload::address() const {
  if (type == IdType::kIpv4Addr && data.size() == 4) return IpAddress::V4Bytes(data.data());
  if (type == IdType::kIpv6Addr && data.size() == 16) return IpAddress::V6Bytes(data.data());
  return std::nullopt;
}

std::optional<std::string_view> IdPayload::text() const {
  if (type != IdType::kFqdn && type != IdType::kRfc822Addr) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
}

// Identification payload (RFC 7296 3.5):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   ID Type     |                 RESERVED                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                   Identification Data                         ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<IdPayload> IdPayload::Parse(Reader& body) {
  IdPayload id;
  uint8_t type = 0;
  if (body.remaining() < 4 || !body.U8(type) || !body.Skip(3))
    return internal::Truncated("ID payload", body, 4);
  id.type = static_cast<IdType>(type);
  const size_t at = body.offset();
  id.data = body.CopyRest();
  if (absl::Status s = CheckData(id.type, id.data.size(), at); !s.ok()) return s;
  return id;
}

absl::Status IdPayload::Serialize(Writer& w) const {
  if (absl::Status s = CheckData(type, data.size(), 0); !s.ok()) {
    return internal::SerializeError("ID payload", std::string(s.message()));
  }
  w.U8(static_cast<uint8_t>(type));
  w.Zeros(3);
  w.Bytes(data);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike

// V1IdPayload (RFC 2407 4.6.2): constructors, typed accessors, Parse / Serialize.
#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_payloads.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using internal::V1Malformed;
using internal::V1SerializeError;
using internal::V1Truncated;

// AddressSize: the octets an address-bearing identity must carry (0: not address-bearing).
size_t AddressSize(V1IdType type) {
  switch (type) {
    case V1IdType::kIpv4Addr:
      return 4;
    case V1IdType::kIpv4AddrSubnet:
    case V1IdType::kIpv4AddrRange:
      return 8;
    case V1IdType::kIpv6Addr:
      return 16;
    case V1IdType::kIpv6AddrSubnet:
    case V1IdType::kIpv6AddrRange:
      return 32;
    default:
      return 0;
  }
}

IpAddress AddressAt(const std::vector<uint8_t>& data, size_t offset, size_t size) {
  return size == 4 ? IpAddress::V4Bytes(data.data() + offset)
                   : IpAddress::V6Bytes(data.data() + offset);
}

// PrefixLength: the length of a contiguous mask, or nullopt.
std::optional<int> PrefixLength(std::span<const uint8_t> mask) {
  int length = 0;
  bool ended = false;
  for (uint8_t b : mask) {
    for (int bit = 7; bit >= 0; --bit) {
      const bool set = (b >> bit & 1) != 0;
      if (set && ended) return std::nullopt;
      if (set) ++length;
      ended = ended || !set;
    }
  }
  return length;
}

}  // namespace

V1IdPayload V1IdPayload::FromAddress(const IpAddress& address) {
  V1IdPayload id{.id_type = address.is_v6() ? V1IdType::kIpv6Addr : V1IdType::kIpv4Addr};
  id.data.assign(address.bytes(), address.bytes() + address.size());
  return id;
}

V1IdPayload V1IdPayload::FromPrefix(const IpPrefix& prefix) {
  const IpAddress& a = prefix.address();
  V1IdPayload id{.id_type = a.is_v6() ? V1IdType::kIpv6AddrSubnet : V1IdType::kIpv4AddrSubnet};
  id.data.assign(a.bytes(), a.bytes() + a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const int bits = std::clamp(prefix.length() - static_cast<int>(8 * i), 0, 8);
    id.data.push_back(static_cast<uint8_t>(0xff00 >> bits));
  }
  return id;
}

V1IdPayload V1IdPayload::FromFqdn(std::string_view fqdn) {
  return {.id_type = V1IdType::kFqdn, .data = {fqdn.begin(), fqdn.end()}};
}

V1IdPayload V1IdPayload::FromUserFqdn(std::string_view user_fqdn) {
  return {.id_type = V1IdType::kUserFqdn, .data = {user_fqdn.begin(), user_fqdn.end()}};
}

V1IdPayload V1IdPayload::FromKeyId(std::span<const uint8_t> key_id) {
  return {.id_type = V1IdType::kKeyId, .data = {key_id.begin(), key_id.end()}};
}

std::optional<IpAddress> V1IdPayload::address() const {
  if (id_type != V1IdType::kIpv4Addr && id_type != V1IdType::kIpv6Addr) return std::nullopt;
  if (data.size() != AddressSize(id_type)) return std::nullopt;
  return AddressAt(data, 0, data.size());
}

std::optional<IpPrefix> V1IdPayload::prefix() const {
  if (std::optional<IpAddress> a = address()) return IpPrefix::Make(*a, a->is_v4() ? 32 : 128);
  if (id_type != V1IdType::kIpv4AddrSubnet && id_type != V1IdType::kIpv6AddrSubnet) {
    return std::nullopt;
  }
  if (data.size() != AddressSize(id_type)) return std::nullopt;
  const size_t half = data.size() / 2;
  std::optional<int> length = PrefixLength(std::span<const uint8_t>(data).subspan(half));
  if (!length.has_value()) return std::nullopt;
  return IpPrefix::Make(AddressAt(data, 0, half), *length);
}

std::optional<std::pair<IpAddress, IpAddress>> V1IdPayload::range() const {
  if (id_type != V1IdType::kIpv4AddrRange && id_type != V1IdType::kIpv6AddrRange) {
    return std::nullopt;
  }
  if (data.size() != AddressSize(id_type)) return std::nullopt;
  const size_t half = data.size() / 2;
  return std::pair(AddressAt(data, 0, half), AddressAt(data, half, half));
}

absl::StatusOr<V1IdPayload> V1IdPayload::Parse(Reader& body) {
  const size_t at = body.offset();
  V1IdPayload id;
  uint8_t type = 0;
  if (body.remaining() < 4 || !body.U8(type) || !body.U8(id.protocol) || !body.U16(id.port)) {
    return V1Truncated("ID payload", body, 4, V1NotifyType::kInvalidIdInformation);
  }
  id.id_type = static_cast<V1IdType>(type);
  if (body.empty()) {
    return V1Malformed("ID payload", at, "no identification data",
                       V1NotifyType::kInvalidIdInformation);
  }
  const size_t want = AddressSize(id.id_type);
  if (want != 0 && body.remaining() != want) {
    return V1Malformed(
        "ID payload", at,
        absl::StrFormat("ID type %d needs %d octets of data, has %d", type, want, body.remaining()),
        V1NotifyType::kInvalidIdInformation);
  }
  id.data = body.CopyRest();
  return id;
}

absl::Status V1IdPayload::Serialize(Writer& w) const {
  if (data.empty()) return V1SerializeError("ID payload", "no identification data");
  const size_t want = AddressSize(id_type);
  if (want != 0 && data.size() != want) {
    return V1SerializeError("ID payload", "address data of the wrong size");
  }
  w.U8(static_cast<uint8_t>(id_type));
  w.U8(protocol);
  w.U16(port);
  w.Bytes(data);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike::v1

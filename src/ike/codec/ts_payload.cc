#include "ike/codec/ts_payload.h"

#include <algorithm>
#include <array>
#include <span>

#include "absl/strings/str_format.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

constexpr uint16_t kV4SelectorLength = 16;
constexpr uint16_t kV6SelectorLength = 40;

IpAddress LastOf(const IpPrefix& prefix) {
  const IpAddress& a = prefix.address();
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < a.size(); ++i) {
    const int bits_here = std::max(0, std::min(8, prefix.length() - static_cast<int>(i) * 8));
    const uint8_t host_mask = static_cast<uint8_t>(0xff >> bits_here);
    b[i] = a.bytes()[i] | host_mask;
  }
  return a.is_v6() ? IpAddress::V6Bytes(b.data()) : IpAddress::V4Bytes(b.data());
}

}  // namespace

TrafficSelector TrafficSelector::Any(IpAddress::Family family) {
  const std::array<uint8_t, 16> zeros{};
  std::array<uint8_t, 16> ones;
  ones.fill(0xff);
  if (family == IpAddress::Family::kV6) {
    return {.start_address = IpAddress::V6Bytes(zeros.data()),
            .end_address = IpAddress::V6Bytes(ones.data())};
  }
  return {.start_address = IpAddress::V4Bytes(zeros.data()),
          .end_address = IpAddress::V4Bytes(ones.data())};
}

TrafficSelector TrafficSelector::ForPrefix(const IpPrefix& prefix) {
  return {.start_address = prefix.address(), .end_address = LastOf(prefix)};
}

// Traffic Selectors payload (RFC 7296 3.13):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Number of TSs |                 RESERVED                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                       <Traffic Selectors>                     ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each Traffic Selector (RFC 7296 3.13.1):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   TS Type     |IP Protocol ID*|       Selector Length         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           Start Port*         |           End Port*           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                         Starting Address*                     ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                         Ending Address*                       ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<TsPayload> TsPayload::Parse(Reader& body) {
  const size_t at = body.offset();
  uint8_t count = 0;
  if (body.remaining() < 4 || !body.U8(count) || !body.Skip(3))
    return internal::Truncated("TS payload", body, 4);
  if (count == 0) return internal::Malformed("TS payload", at, "Number of TSs is 0");
  TsPayload ts;
  for (size_t i = 0; i < count; ++i) {
    const size_t ts_at = body.offset();
    uint8_t type = 0;
    uint16_t length = 0;
    TrafficSelector sel;
    if (!body.U8(type) || !body.U8(sel.ip_protocol) || !body.U16(length)) {
      return internal::Malformed(
          "traffic selector", ts_at,
          absl::StrFormat("Number of TSs is %d but only %d selectors are present", count, i));
    }
    size_t address_size = 0;
    if (type == static_cast<uint8_t>(TsType::kIpv4AddrRange)) {
      address_size = 4;
    } else if (type == static_cast<uint8_t>(TsType::kIpv6AddrRange)) {
      address_size = 16;
    } else {
      return internal::Malformed("traffic selector", ts_at,
                                 absl::StrFormat("unknown TS type %d", type));
    }
    const uint16_t expected = address_size == 4 ? kV4SelectorLength : kV6SelectorLength;
    if (length != expected) {
      return internal::Malformed("traffic selector", ts_at,
                                 absl::StrFormat("Selector Length %d for TS type %d (expected %d)",
                                                 length, type, expected));
    }
    std::span<const uint8_t> start;
    std::span<const uint8_t> end;
    if (!body.U16(sel.start_port) || !body.U16(sel.end_port) || !body.Bytes(address_size, start) ||
        !body.Bytes(address_size, end)) {
      return internal::Malformed("traffic selector", ts_at, "runs past the TS payload");
    }
    sel.start_address =
        address_size == 4 ? IpAddress::V4Bytes(start.data()) : IpAddress::V6Bytes(start.data());
    sel.end_address =
        address_size == 4 ? IpAddress::V4Bytes(end.data()) : IpAddress::V6Bytes(end.data());
    ts.selectors.push_back(sel);
  }
  if (!body.empty()) {
    return internal::Malformed(
        "TS payload", body.offset(),
        absl::StrFormat("%d octets after the %d declared selectors", body.remaining(), count));
  }
  return ts;
}

absl::Status TsPayload::Serialize(Writer& w) const {
  if (selectors.empty() || selectors.size() > 0xff) {
    return internal::SerializeError("TS payload", "needs 1..255 selectors");
  }
  w.U8(static_cast<uint8_t>(selectors.size()));
  w.Zeros(3);
  for (const TrafficSelector& s : selectors) {
    if (!s.start_address.is_set() || s.start_address.family() != s.end_address.family()) {
      return internal::SerializeError("traffic selector", "addresses unset or mixed families");
    }
    w.U8(static_cast<uint8_t>(s.type()));
    w.U8(s.ip_protocol);
    w.U16(s.start_address.is_v6() ? kV6SelectorLength : kV4SelectorLength);
    w.U16(s.start_port);
    w.U16(s.end_port);
    w.Bytes({s.start_address.bytes(), s.start_address.size()});
    w.Bytes({s.end_address.bytes(), s.end_address.size()});
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike

// File: tunnelisa/ip_address.h
//
// IpAddress: an IPv4 or IPv6 address held in network byte order, and IpPrefix (address +
// length). Value types, cheap to copy, hashable with absl.
#ifndef TUNNELISA_IP_ADDRESS_H_
#define TUNNELISA_IP_ADDRESS_H_

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace tunnelisa {

class IpAddress {
 public:
  enum class Family : uint8_t { kNone = 0, kV4 = 4, kV6 = 6 };

  IpAddress() = default;
  // V4, V4Bytes, V6Bytes, v4_host_order and IpPrefix::Contains are inline: the engine calls
  // them per packet (the calls were ~15 % of its own instructions on the decrypt path).
  static IpAddress V4(uint32_t host_order) {
    IpAddress a;
    a.family_ = Family::kV4;
    a.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
    a.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
    a.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
    a.bytes_[3] = static_cast<uint8_t>(host_order);
    return a;
  }
  static IpAddress V4Bytes(const uint8_t b[4]) {
    IpAddress a;
    a.family_ = Family::kV4;
    std::memcpy(a.bytes_.data(), b, 4);
    return a;
  }
  static IpAddress V6Bytes(const uint8_t b[16]) {
    IpAddress a;
    a.family_ = Family::kV6;
    std::memcpy(a.bytes_.data(), b, 16);
    return a;
  }
  // Parse: "192.0.2.1" or "2001:db8::1"; nullopt when it is neither.
  static std::optional<IpAddress> Parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  bool is_v6() const { return family_ == Family::kV6; }
  bool is_set() const { return family_ != Family::kNone; }
  // Bytes in network order: 4 for IPv4, 16 for IPv6.
  const uint8_t* bytes() const { return bytes_.data(); }
  size_t size() const { return is_v4() ? 4 : is_v6() ? 16 : 0; }
  uint32_t v4_host_order() const {
    return static_cast<uint32_t>(bytes_[0]) << 24 | static_cast<uint32_t>(bytes_[1]) << 16 |
           static_cast<uint32_t>(bytes_[2]) << 8 | bytes_[3];
  }
  std::string ToString() const;

  auto operator<=>(const IpAddress&) const = default;
  // operator==: as two 8-byte words (the engine compares addresses per packet; the defaulted
  // form called memcmp).
  bool operator==(const IpAddress& o) const {
    uint64_t a[2], b[2];
    std::memcpy(a, bytes_.data(), 16);
    std::memcpy(b, o.bytes_.data(), 16);
    return family_ == o.family_ && a[0] == b[0] && a[1] == b[1];
  }
  // AbslHashValue: an IPv4 address hashes its 4 bytes only (the other 12 are always zero), so
  // the engine's per-packet lookups hash 4 or 16 bytes, not 17.
  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& a) {
    if (a.family_ == Family::kV4) {
      uint32_t v;
      std::memcpy(&v, a.bytes_.data(), 4);
      return H::combine(std::move(h), v);
    }
    return H::combine(std::move(h), a.family_, a.bytes_);
  }

 private:
  Family family_ = Family::kNone;
  std::array<uint8_t, 16> bytes_{};
};

class IpPrefix {
 public:
  IpPrefix() = default;
  // Make: masks host bits off, so 10.1.2.3/24 becomes 10.1.2.0/24. Length is clamped to the
  // family's width.
  static IpPrefix Make(const IpAddress& addr, int length);
  // Parse: "10.0.0.0/8", "2001:db8::/32"; a bare address is a host prefix.
  static std::optional<IpPrefix> Parse(std::string_view text);

  const IpAddress& address() const { return address_; }
  int length() const { return length_; }
  bool Contains(const IpAddress& a) const {
    if (a.family() != address_.family()) return false;
    if (a.is_v4()) {
      const uint32_t mask = length_ <= 0 ? 0 : ~uint32_t{0} << (32 - length_);
      return ((a.v4_host_order() ^ address_.v4_host_order()) & mask) == 0;
    }
    return ContainsBytes(a);
  }
  std::string ToString() const;
  auto operator<=>(const IpPrefix&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const IpPrefix& p) {
    return H::combine(std::move(h), p.address_, p.length_);
  }

 private:
  bool ContainsBytes(const IpAddress& a) const;  // IPv6 (and any family), byte-wise

  IpAddress address_;
  int length_ = 0;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_IP_ADDRESS_H_

#include "dataplane/icmp_error.h"

#include <algorithm>
#include <cstring>

#include "dataplane/ip_header.h"

namespace tunnelisa::dataplane {
namespace {

// IsIcmpv4Error: types that are errors (RFC 1812 section 4.3.2.7 lists them by meaning).
bool IsIcmpv4Error(uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

bool Ipv4UnicastSource(const uint8_t* a) {
  if (a[0] == 0 || a[0] == 127 || a[0] >= 224) return false;  // this net, loopback, D, E
  return true;
}

}  // namespace

void IcmpRateLimiter::Configure(uint32_t rate_per_second, uint32_t burst) {
  tat_ns_ = std::numeric_limits<int64_t>::min();
  if (rate_per_second == 0 || burst == 0) {
    interval_ns_ = 0;
    tolerance_ns_ = 0;
    return;
  }
  interval_ns_ = std::max<int64_t>(1, 1000000000 / static_cast<int64_t>(rate_per_second));
  tolerance_ns_ = interval_ns_ * static_cast<int64_t>(burst - 1);
}

bool IcmpRateLimiter::Allow(MonoTime now) {
  if (interval_ns_ == 0) return false;
  if (tat_ns_ < now.ns) tat_ns_ = now.ns;
  if (tat_ns_ - now.ns > tolerance_ns_) return false;
  tat_ns_ += interval_ns_;
  return true;
}

bool IcmpErrorAllowed(const uint8_t* p, uint32_t len) {
  const uint8_t version = p[0] >> 4;
  if (version == 4) {
    //= https://www.rfc-editor.org/rfc/rfc1812#section-4.3.2.7
    //# A router SHOULD NOT originate an ICMP error message for a datagram destined to a
    //# multicast or broadcast address, a non-initial fragment, an ICMP error message, or
    //# a datagram whose source address does not define a single host.
    const uint32_t ihl = (p[0] & 0x0f) * 4u;
    if ((Load16(p + 6) & 0x1fff) != 0) return false;
    if (p[16] >= 224) return false;  // multicast 224/4, class E and 255.255.255.255
    if (!Ipv4UnicastSource(p + 12)) return false;
    if (p[9] == kProtoIcmp && len >= ihl + 1 && IsIcmpv4Error(p[ihl])) return false;
    return true;
  }
  if (version == 6) {
    static constexpr uint8_t kZero[16] = {};
    if (std::memcmp(p + 8, kZero, 16) == 0 || p[8] == 0xff) return false;
    // Walk Hop-by-Hop / Routing / Destination Options / Fragment headers to the upper layer.
    uint8_t nh = p[6];
    uint32_t off = 40;
    for (int hops = 0; hops < 8; ++hops) {
      if (nh == 0 || nh == 43 || nh == 60) {
        if (off + 8 > len) return true;
        nh = p[off];
        off += (p[off + 1] + 1u) * 8;
      } else if (nh == 44) {
        if (off + 8 > len) return true;
        if ((Load16(p + off + 2) & 0xfff8) != 0) return true;  // non-first fragment
        nh = p[off];
        off += 8;
      } else {
        break;
      }
    }
    //= https://www.rfc-editor.org/rfc/rfc4443#section-2.4
    //# An ICMPv6 error message MUST NOT be originated as a result of receiving ... (e.1) An
    //# ICMPv6 error message.
    if (nh == kProtoIcmpv6 && off < len && p[off] < 128) return false;
    return true;
  }
  return false;
}

DropReason BuildIcmpv4FragNeeded(PacketRef& p, const IpAddress& source, uint16_t mtu,
                                 uint16_t ip_id) {
  if (p.headroom() < kIcmpv4ErrorOverhead) return DropReason::kNoHeadroom;
  uint8_t orig_src[4];
  std::memcpy(orig_src, p.data() + 12, 4);
  p.length = std::min(p.length, kIcmpv4MaxErrorSize - kIcmpv4ErrorOverhead);
  uint8_t* h = p.Prepend(kIcmpv4ErrorOverhead);
  std::memset(h, 0, kIcmpv4ErrorOverhead);
  h[0] = 0x45;
  h[1] = 0xc0;  // RFC 1812 section 4.3.2.5: precedence 6 (internetwork control) for errors
  Store16(h + 2, static_cast<uint16_t>(p.length));
  Store16(h + 4, ip_id);
  h[8] = 64;
  h[9] = kProtoIcmp;
  std::memcpy(h + 12, source.bytes(), 4);
  std::memcpy(h + 16, orig_src, 4);
  Store16(h + 10, Ipv4HeaderChecksum(h));
  uint8_t* icmp = h + 20;
  icmp[0] = kIcmpDestUnreachable;
  icmp[1] = kIcmpCodeFragNeeded;
  //= https://www.rfc-editor.org/rfc/rfc1191#section-4
  //# the router MUST include the MTU of that next-hop network in the low-order 16 bits of
  //# the ICMP header field that is labelled "unused" in the ICMP specification.
  Store16(icmp + 6, mtu);
  Store16(icmp + 2, InternetChecksum(icmp, p.length - 20));
  return DropReason::kNone;
}

DropReason BuildIcmpv6PacketTooBig(PacketRef& p, const IpAddress& source, uint32_t mtu) {
  if (p.headroom() < kIcmpv6ErrorOverhead) return DropReason::kNoHeadroom;
  uint8_t orig_src[16];
  std::memcpy(orig_src, p.data() + 8, 16);
  p.length = std::min(p.length, kIcmpv6MaxErrorSize - kIcmpv6ErrorOverhead);
  uint8_t* h = p.Prepend(kIcmpv6ErrorOverhead);
  std::memset(h, 0, kIcmpv6ErrorOverhead);
  const uint32_t icmp_len = p.length - 40;
  h[0] = 0x60;
  Store16(h + 4, static_cast<uint16_t>(icmp_len));
  h[6] = kProtoIcmpv6;
  h[7] = 64;
  std::memcpy(h + 8, source.bytes(), 16);
  std::memcpy(h + 24, orig_src, 16);
  uint8_t* icmp = h + 40;
  icmp[0] = kIcmpv6PacketTooBig;
  icmp[1] = 0;
  Store32(icmp + 4, mtu);
  // RFC 4443 section 2.3: the checksum covers the pseudo-header of RFC 8200 section 8.1.
  uint32_t sum = 0;
  for (int b = 8; b < 40; b += 2) sum += Load16(h + b);
  sum += icmp_len + kProtoIcmpv6;
  Store16(icmp + 2, InternetChecksum(icmp, icmp_len, sum));
  return DropReason::kNone;
}

}  // namespace tunnelisa::dataplane

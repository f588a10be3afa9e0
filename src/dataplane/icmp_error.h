// ICMP errors a tunnel sends back to payload senders when a packet exceeds its ip-mtu:
// ICMPv4 Destination Unreachable / Fragmentation Needed (RFC 792, RFC 1191) and ICMPv6 Packet
// Too Big (RFC 4443 section 3.2), built in place over the invoking packet, plus the rules that
// forbid an error (RFC 1812 section 4.3.2.7, RFC 4443 section 2.4 (e)) and a per-tunnel rate
// limiter (RFC 1812 section 4.3.2.8, RFC 4443 section 2.4 (f)).
#ifndef TUNNELISA_SRC_DATAPLANE_ICMP_ERROR_H_
#define TUNNELISA_SRC_DATAPLANE_ICMP_ERROR_H_

#include <cstdint>
#include <limits>

#include "tunnelisa/drop_reason.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/time.h"

namespace tunnelisa::dataplane {

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kIcmpDestUnreachable = 3;
inline constexpr uint8_t kIcmpCodeFragNeeded = 4;
inline constexpr uint8_t kIcmpv6PacketTooBig = 2;
inline constexpr uint32_t kIcmpv4HeaderSize = 8;
inline constexpr uint32_t kIcmpv6HeaderSize = 8;
// RFC 1812 section 4.3.2.3: an ICMPv4 error quotes as much of the invoking packet as fits in
// 576 bytes. RFC 4443 section 2.4 (c): an ICMPv6 error does not exceed the minimum IPv6 MTU.
inline constexpr uint32_t kIcmpv4MaxErrorSize = 576;
inline constexpr uint32_t kIcmpv6MaxErrorSize = 1280;
// Bytes prepended to the (truncated) invoking packet.
inline constexpr uint32_t kIcmpv4ErrorOverhead = 20 + kIcmpv4HeaderSize;
inline constexpr uint32_t kIcmpv6ErrorOverhead = 40 + kIcmpv6HeaderSize;

// IcmpRateLimiter: a token bucket (as GCRA: one timestamp, no division per call) allowing
// `burst` errors at once and `rate` per second after that. rate 0 allows none. Worker-owned,
// not thread-safe; fast path (Allow is a compare and an add).
class IcmpRateLimiter {
 public:
  void Configure(uint32_t rate_per_second, uint32_t burst);
  // Allow: takes a token if one is available at `now`.
  bool Allow(MonoTime now);

 private:
  int64_t interval_ns_ = 0;                               // one token's worth of time; 0 = disabled
  int64_t tolerance_ns_ = 0;                              // (burst - 1) intervals
  int64_t tat_ns_ = std::numeric_limits<int64_t>::min();  // theoretical arrival time
};

// IcmpErrorAllowed: whether an error may be sent about the IP packet `p` of `len` bytes
// (already validated by ParseInnerIp). IPv4: not about an ICMP error, a non-initial fragment,
// a multicast/broadcast destination, or a source that is not a unicast address. IPv6: not
// about an ICMPv6 error or from the unspecified or a multicast source (a multicast
// destination is allowed for Packet Too Big, RFC 4443 section 2.4 (e.3)).
bool IcmpErrorAllowed(const uint8_t* p, uint32_t len);

// BuildIcmpv4FragNeeded: turns the IPv4 packet in `p` into an ICMP type 3 code 4 error from
// `source` to the packet's source, next-hop MTU `mtu` (RFC 1191 section 4), quoting the
// packet's first bytes, in place (prepends kIcmpv4ErrorOverhead bytes). kNoHeadroom when the
// buffer lacks them (p unchanged). Not fast path (errors are rate-limited).
DropReason BuildIcmpv4FragNeeded(PacketRef& p, const IpAddress& source, uint16_t mtu,
                                 uint16_t ip_id);

// BuildIcmpv6PacketTooBig: turns the IPv6 packet in `p` into an ICMPv6 Packet Too Big (type 2
// code 0) from `source` to its source, MTU `mtu`, in place (prepends kIcmpv6ErrorOverhead
// bytes). kNoHeadroom when the buffer lacks them (p unchanged).
DropReason BuildIcmpv6PacketTooBig(PacketRef& p, const IpAddress& source, uint32_t mtu);

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_ICMP_ERROR_H_

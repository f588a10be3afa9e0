// IPv4 fragmentation of payload packets before they enter a tunnel (RFC 791 section 3.2,
// "An Example Fragmentation Procedure"), for the tunnel's ip-mtu.
#ifndef TUNNELISA_SRC_DATAPLANE_FRAGMENT_H_
#define TUNNELISA_SRC_DATAPLANE_FRAGMENT_H_

#include <cstdint>
#include <span>

#include "tunnelisa/drop_reason.h"
#include "tunnelisa/packet.h"

namespace tunnelisa::dataplane {

// Ipv4FragmentPlan: how an IPv4 packet splits at an MTU.
struct Ipv4FragmentPlan {
  uint32_t first_header = 0;  // header bytes of the first fragment (all options)
  uint32_t other_header = 0;  // header bytes of the others (options with the copy flag only)
  uint32_t first_chunk = 0;   // data bytes in the first fragment (multiple of 8)
  uint32_t other_chunk = 0;   // data bytes in each later fragment but the last (multiple of 8)
  uint32_t extra = 0;         // fragments after the first
};

// PlanIpv4Fragments: for the IPv4 packet `p` (validated by ParseInnerIp, length == its total
// length > mtu, 68 <= mtu). Fast path, no writes.
Ipv4FragmentPlan PlanIpv4Fragments(const uint8_t* p, uint32_t mtu);

// FragmentIpv4: splits the IPv4 packet in `p` (DF clear, length > mtu) into fragments of at
// most `mtu` bytes: the first stays in `p` (truncated, MF set, checksum fixed), fragment k+1
// is written at out[k].offset with out[k].length set, for k < plan.extra. A packet that was
// itself a fragment keeps its offset base and its last piece keeps its MF. kNoSpareBuffer (no
// byte written) when out has fewer than plan.extra buffers or one lacks the room. Fast path
// but copies the data of the later fragments (inevitable).
DropReason FragmentIpv4(PacketRef& p, const Ipv4FragmentPlan& plan, std::span<PacketRef> out);

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_FRAGMENT_H_

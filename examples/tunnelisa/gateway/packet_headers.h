// File: examples/tunnelisa/gateway/packet_headers.h
//
// The IP/UDP header work of `tunnelisa run`. The engine works on whole IP packets, while the
// kernel hands a UDP socket (and an IPv6 raw socket) only the payload: on receive the gateway
// writes the outer headers the kernel consumed back in front of the payload (into the
// buffer's headroom), and on send it reads the engine's headers to pick the way out.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PACKET_HEADERS_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PACKET_HEADERS_H_

#include <cstdint>
#include <optional>
#include <span>

#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"

namespace tunnelisa::gateway {

// ChecksumAdd / FoldChecksum: RFC 1071 one's complement sum of `data` added to `sum` (not yet
// folded or inverted; pass the result to FoldChecksum).
uint32_t ChecksumAdd(std::span<const uint8_t> data, uint32_t sum = 0);
uint16_t FoldChecksum(uint32_t sum);

// OuterFields: what the kernel told us about a received packet whose headers it stripped.
struct OuterFields {
  IpAddress src;
  IpAddress dst;
  uint8_t tos = 0;  // IPv4 TOS / IPv6 traffic class (DSCP + ECN: RFC 6040 decapsulation)
  uint8_t ttl = 64;
};

// PrependUdp: `p` holds a UDP payload; writes an IPv4 or IPv6 header (family of m.src) and a
// UDP header from sport to dport in front of it. IPv4 gets a header checksum and UDP checksum
// 0 (RFC 768 allows it); IPv6 a real UDP checksum (RFC 8200 forbids 0). The caller checked
// headroom (48 bytes) and that the result fits an IP packet.
void PrependUdp(PacketRef& p, const OuterFields& m, uint16_t sport, uint16_t dport);

// PrependIpv6: `p` holds what an IPv6 raw socket returned (the payload after the IPv6 header);
// writes the IPv6 header with `next_header` in front of it.
void PrependIpv6(PacketRef& p, const OuterFields& m, uint8_t next_header);

// OutboundInfo: the outer headers of a packet the engine sends.
struct OutboundInfo {
  IpAddress src;
  IpAddress dst;
  uint8_t proto = 0;         // IPv4 protocol / IPv6 next header
  uint8_t tos = 0;           // IPv4 TOS / IPv6 traffic class
  uint32_t header_size = 0;  // IP header bytes (IPv4 IHL*4, IPv6 40)
  bool udp = false;          // an unfragmented UDP datagram with a whole UDP header
  uint16_t sport = 0;        // udp only
  uint16_t dport = 0;        // udp only
};

// ParseOutbound: nullopt for a packet that is not a well-formed IPv4/IPv6 packet.
std::optional<OutboundInfo> ParseOutbound(std::span<const uint8_t> packet);

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PACKET_HEADERS_H_

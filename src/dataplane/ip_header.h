// Minimal IPv4/IPv6 header reading and writing for the data plane: just what encapsulation
// and decapsulation need, inline, bounds-checked by the caller's length.
#ifndef TUNNELISA_SRC_DATAPLANE_IP_HEADER_H_
#define TUNNELISA_SRC_DATAPLANE_IP_HEADER_H_

#include <cstdint>
#include <cstring>

#include "tunnelisa/drop_reason.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::dataplane {

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void Store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// InternetChecksum: RFC 1071 one's-complement sum over `len` bytes, folded and inverted.
uint16_t InternetChecksum(const uint8_t* data, size_t len, uint32_t initial = 0);
// Ipv4HeaderChecksum: for a 20-byte header whose checksum field is zero.
uint16_t Ipv4HeaderChecksum(const uint8_t* header);

// InnerIp: what the data plane needs of an inner (payload) IP packet.
struct InnerIp {
  uint8_t version = 0;  // 4 or 6
  uint8_t tos = 0;      // IPv4 TOS / IPv6 traffic class (DSCP << 2 | ECN)
  bool df = false;      // IPv4 DF bit
  uint32_t length = 0;  // total length from the header (<= the bytes available)
};

// ParseInnerIp: validates version, header length and total length against `available`.
// Returns kNone or kMalformedInner.
DropReason ParseInnerIp(const uint8_t* p, uint32_t available, InnerIp& out);

// InnerSource / InnerDestination: addresses of a packet ParseInnerIp accepted.
IpAddress InnerSource(const uint8_t* p, uint8_t version);
IpAddress InnerDestination(const uint8_t* p, uint8_t version);

// ClearIpv4Df: clears the DF bit of an IPv4 header, updating its checksum incrementally
// (RFC 1624 eqn. 3). For a tunnel's clear-df-bit.
void ClearIpv4Df(uint8_t* header);

// SetInnerEcnCe: marks an inner packet Congestion Experienced (fixing the IPv4 checksum).
void SetInnerEcnCe(uint8_t* p, uint8_t version);

// OuterIp: a received outer packet's header.
struct OuterIp {
  uint8_t version = 0;
  uint8_t protocol = 0;     // next header after the IP header
  uint32_t header_len = 0;  // bytes up to the transport header
  uint32_t total_len = 0;   // bytes of the whole packet per the header
  uint8_t tos = 0;
  IpAddress src;
  IpAddress dst;
};

// ParseOuterIp: validates an outer IPv4/IPv6 header. Errors: kTruncated, kBadLength,
// kBadOuterHeader, kOuterFragment. IPv6 extension headers other than a fragment header are
// not walked: such packets are kNotForUs (ESP tunnels never need them).
DropReason ParseOuterIp(const uint8_t* p, uint32_t available, OuterIp& out, bool want_addresses);

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_IP_HEADER_H_

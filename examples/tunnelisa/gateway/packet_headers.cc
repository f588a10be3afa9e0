// File: examples/tunnelisa/gateway/packet_headers.cc
#include "examples/tunnelisa/gateway/packet_headers.h"

#include <cstring>

#include "tunnelisa/wire_constants.h"

namespace tunnelisa::gateway {
namespace {

void Put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

void WriteIpv6(uint8_t* h, const OuterFields& m, uint8_t next_header, uint32_t payload_length) {
  h[0] = static_cast<uint8_t>(0x60 | (m.tos >> 4));
  h[1] = static_cast<uint8_t>((m.tos & 0x0f) << 4);
  h[2] = h[3] = 0;  // flow label: the kernel does not report it
  Put16(h + 4, payload_length);
  h[6] = next_header;
  h[7] = m.ttl;
  std::memcpy(h + 8, m.src.bytes(), 16);
  std::memcpy(h + 24, m.dst.bytes(), 16);
}

}  // namespace

uint32_t ChecksumAdd(std::span<const uint8_t> data, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
  // 32 Ki 16-bit words (a 64 KiB datagram) cannot overflow 32 bits; fold once at the end.
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

uint16_t FoldChecksum(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

void PrependUdp(PacketRef& p, const OuterFields& m, uint16_t sport, uint16_t dport) {
  const uint32_t udp_length = p.length + static_cast<uint32_t>(kUdpHeaderSize);
  uint8_t* u = p.Prepend(static_cast<uint32_t>(kUdpHeaderSize));
  Put16(u, sport);
  Put16(u + 2, dport);
  Put16(u + 4, udp_length);
  Put16(u + 6, 0);
  if (m.src.is_v4()) {
    uint8_t* h = p.Prepend(static_cast<uint32_t>(kIpv4HeaderSize));
    h[0] = 0x45;
    h[1] = m.tos;
    Put16(h + 2, p.length);
    Put16(h + 4, 0);  // identification
    Put16(h + 6, 0);  // the kernel reassembled the datagram: no fragment bits to report
    h[8] = m.ttl;
    h[9] = kProtoUdp;
    Put16(h + 10, 0);
    std::memcpy(h + 12, m.src.bytes(), 4);
    std::memcpy(h + 16, m.dst.bytes(), 4);
    Put16(h + 10, FoldChecksum(ChecksumAdd({h, kIpv4HeaderSize})));
    return;
  }
  // IPv6 pseudo-header (RFC 8200 section 8.1), then the UDP header and payload.
  uint32_t sum = ChecksumAdd({m.src.bytes(), 16});
  sum = ChecksumAdd({m.dst.bytes(), 16}, sum);
  sum += udp_length + kProtoUdp;
  sum = ChecksumAdd({u, udp_length}, sum);
  uint16_t checksum = FoldChecksum(sum);
  Put16(u + 6, checksum == 0 ? 0xffff : checksum);
  uint8_t* h = p.Prepend(static_cast<uint32_t>(kIpv6HeaderSize));
  WriteIpv6(h, m, kProtoUdp, udp_length);
}

void PrependIpv6(PacketRef& p, const OuterFields& m, uint8_t next_header) {
  const uint32_t payload_length = p.length;
  uint8_t* h = p.Prepend(static_cast<uint32_t>(kIpv6HeaderSize));
  WriteIpv6(h, m, next_header, payload_length);
}

std::optional<OutboundInfo> ParseOutbound(std::span<const uint8_t> d) {
  OutboundInfo o;
  bool fragment = false;
  if (d.size() >= kIpv4HeaderSize && (d[0] >> 4) == 4) {
    o.header_size = static_cast<uint32_t>(d[0] & 0x0f) * 4;
    if (o.header_size < kIpv4HeaderSize || o.header_size > d.size()) return std::nullopt;
    o.tos = d[1];
    o.proto = d[9];
    o.src = IpAddress::V4Bytes(&d[12]);
    o.dst = IpAddress::V4Bytes(&d[16]);
    fragment = (Get16(&d[6]) & 0x3fff) != 0;  // MF or a non-zero offset
  } else if (d.size() >= kIpv6HeaderSize && (d[0] >> 4) == 6) {
    o.header_size = static_cast<uint32_t>(kIpv6HeaderSize);
    o.tos = static_cast<uint8_t>((d[0] & 0x0f) << 4 | d[1] >> 4);
    o.proto = d[6];
    o.src = IpAddress::V6Bytes(&d[8]);
    o.dst = IpAddress::V6Bytes(&d[24]);
    fragment = o.proto == 44;  // the engine puts no other extension header first
  } else {
    return std::nullopt;
  }
  if (o.proto == kProtoUdp && !fragment && d.size() >= o.header_size + kUdpHeaderSize) {
    o.udp = true;
    o.sport = Get16(&d[o.header_size]);
    o.dport = Get16(&d[o.header_size + 2]);
  }
  return o;
}

}  // namespace tunnelisa::gateway

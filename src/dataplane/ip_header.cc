#include "dataplane/ip_header.h"

namespace tunnelisa::dataplane {

uint16_t InternetChecksum(const uint8_t* data, size_t len, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < len) sum += static_cast<uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t Ipv4HeaderChecksum(const uint8_t* h) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

DropReason ParseInnerIp(const uint8_t* p, uint32_t available, InnerIp& out) {
  if (available < 1) return DropReason::kMalformedInner;
  out.version = p[0] >> 4;
  if (out.version == 4) {
    if (available < 20) return DropReason::kMalformedInner;
    uint32_t ihl = (p[0] & 0x0f) * 4u;
    uint32_t total = Load16(p + 2);
    if (ihl < 20 || total < ihl || total > available) return DropReason::kMalformedInner;
    out.tos = p[1];
    out.df = (p[6] & 0x40) != 0;
    out.length = total;
    return DropReason::kNone;
  }
  if (out.version == 6) {
    if (available < 40) return DropReason::kMalformedInner;
    uint32_t total = 40u + Load16(p + 4);
    if (total > available) return DropReason::kMalformedInner;
    out.tos = static_cast<uint8_t>((p[0] & 0x0f) << 4 | p[1] >> 4);
    out.df = true;  // IPv6 routers never fragment
    out.length = total;
    return DropReason::kNone;
  }
  return DropReason::kMalformedInner;
}

IpAddress InnerSource(const uint8_t* p, uint8_t version) {
  return version == 4 ? IpAddress::V4Bytes(p + 12) : IpAddress::V6Bytes(p + 8);
}
IpAddress InnerDestination(const uint8_t* p, uint8_t version) {
  return version == 4 ? IpAddress::V4Bytes(p + 16) : IpAddress::V6Bytes(p + 24);
}

void ClearIpv4Df(uint8_t* h) {
  const uint16_t old_word = Load16(h + 6);
  const uint16_t new_word = old_word & ~0x4000;
  Store16(h + 6, new_word);
  uint32_t sum = static_cast<uint16_t>(~Load16(h + 10)) + static_cast<uint16_t>(~old_word) +
                 static_cast<uint32_t>(new_word);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  Store16(h + 10, static_cast<uint16_t>(~sum));
}

void SetInnerEcnCe(uint8_t* p, uint8_t version) {
  if (version == 4) {
    p[1] |= 0x03;
    p[10] = p[11] = 0;
    Store16(p + 10, InternetChecksum(p, (p[0] & 0x0f) * 4u));
  } else {
    p[1] |= 0x30;  // traffic class low bits sit in the high nibble of byte 1
  }
}

DropReason ParseOuterIp(const uint8_t* p, uint32_t available, OuterIp& out, bool want_addresses) {
  if (available < 1) return DropReason::kTruncated;
  out.version = p[0] >> 4;
  if (out.version == 4) {
    if (available < 20) return DropReason::kTruncated;
    uint32_t ihl = (p[0] & 0x0f) * 4u;
    uint32_t total = Load16(p + 2);
    if (ihl < 20) return DropReason::kBadOuterHeader;
    if (total < ihl || total > available) return DropReason::kBadLength;
    if ((Load16(p + 6) & 0x3fff) != 0) return DropReason::kOuterFragment;  // MF or offset
    out.protocol = p[9];
    out.header_len = ihl;
    out.total_len = total;
    out.tos = p[1];
    if (want_addresses) {
      out.src = IpAddress::V4Bytes(p + 12);
      out.dst = IpAddress::V4Bytes(p + 16);
    }
    return DropReason::kNone;
  }
  if (out.version == 6) {
    if (available < 40) return DropReason::kTruncated;
    uint32_t total = 40u + Load16(p + 4);
    if (total > available) return DropReason::kBadLength;
    out.protocol = p[6];
    if (out.protocol == 44) return DropReason::kOuterFragment;
    out.header_len = 40;
    out.total_len = total;
    out.tos = static_cast<uint8_t>((p[0] & 0x0f) << 4 | p[1] >> 4);
    if (want_addresses) {
      out.src = IpAddress::V6Bytes(p + 8);
      out.dst = IpAddress::V6Bytes(p + 24);
    }
    return DropReason::kNone;
  }
  return DropReason::kBadOuterHeader;
}

}  // namespace tunnelisa::dataplane

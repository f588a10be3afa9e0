// IpTunnelDataplane decapsulation: outer IPv4/IPv6 packet carrying GRE (47), IPv4 (4) or IPv6
// (41) in, payload packet out, in place. Per packet: outer header checks, GRE header checks,
// tunnel lookup by (local, remote[, key]) so that only configured remotes are accepted, GRE
// checksum, payload checks, ECN combination (RFC 6040 section 4.2). Fragments go to the
// reassembler when the tunnel wants them.
#include <algorithm>

#include "dataplane/gre_tunnel.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/reassembly.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

using dataplane::InnerIp;
using dataplane::IpTunnel;
using dataplane::Load16;
using dataplane::Load32;
using dataplane::OuterIp;
using dataplane::Store16;

namespace {

// ECN codepoints (RFC 3168 section 5).
constexpr uint8_t kNotEct = 0;
constexpr uint8_t kEct1 = 1;
constexpr uint8_t kEct0 = 2;
constexpr uint8_t kCe = 3;

// SetInnerEcn: rewrites the ECN field of a payload packet (IPv4 checksum updated).
void SetInnerEcn(uint8_t* p, uint8_t version, uint8_t ecn) {
  if (version == 4) {
    p[1] = static_cast<uint8_t>((p[1] & 0xfc) | ecn);
    p[10] = p[11] = 0;
    Store16(p + 10, dataplane::InternetChecksum(p, (p[0] & 0x0f) * 4u));
  } else {
    p[1] = static_cast<uint8_t>((p[1] & 0xcf) | ecn << 4);
  }
}

}  // namespace

uint32_t IpTunnelDataplane::Impl::Lookup(const uint8_t* p, uint8_t version, uint8_t kind,
                                         uint32_t key) const {
  if (version == 4) {
    const uint64_t addrs = uint64_t{Load32(p + 16)} << 32 | Load32(p + 12);
    auto it = demux4_.find(dataplane::V4DemuxKey{addrs, key, kind});
    return it == demux4_.end() ? 0 : it->second;
  }
  auto it = demux_.find(
      dataplane::DemuxKey{IpAddress::V6Bytes(p + 24), IpAddress::V6Bytes(p + 8), kind, key});
  return it == demux_.end() ? 0 : it->second;
}

void IpTunnelDataplane::Impl::Decap(std::span<PacketRef> packets, std::span<Verdict> verdicts,
                                    MonoTime now, SpareBuffers* spares) {
  const size_t n = std::min(packets.size(), verdicts.size());
  for (size_t i = 0; i < n; ++i) {
    DecapOne(packets[i], verdicts[i], now, spares, static_cast<uint32_t>(i), false);
  }
}

void IpTunnelDataplane::Impl::Reassemble(PacketRef& p, Verdict& v, MonoTime now,
                                         SpareBuffers* spares, uint32_t index,
                                         const dataplane::PairInfo& pair) {
  if (options_.reassembler == nullptr || pair.reassembly == 0) {
    Drop(v, nullptr, DropReason::kReassemblyDisabled);
    return;
  }
  PacketRef none;
  size_t k = 0;
  PacketRef* out = &none;
  if (spares != nullptr) {
    const size_t cap =
        std::min({spares->packets.size(), spares->verdicts.size(), spares->origin.size()});
    if (spares->used < cap) {
      k = spares->used;
      out = &spares->packets[k];
    }
  }
  ReassemblyResult r = options_.reassembler->Add(p.bytes(), now, *out);
  if (r.status == ReassemblyResult::kDropped) {
    Drop(v, nullptr, r.reason);
    return;
  }
  v.action = Verdict::Action::kConsumed;
  if (r.status == ReassemblyResult::kHeld) return;
  ++counters_.reassembled;
  spares->used = k + 1;
  spares->origin[k] = index;
  DecapOne(*out, spares->verdicts[k], now, spares, index, true);
}

void IpTunnelDataplane::Impl::DecapOne(PacketRef& p, Verdict& v, MonoTime now, SpareBuffers* spares,
                                       uint32_t index, bool nested) {
  v = Verdict{};
  const uint8_t* d = p.data();
  if (p.length > kMaxIpPacketSize) {
    Drop(v, nullptr, DropReason::kOversized);
    return;
  }
  OuterIp o;
  DropReason r = dataplane::ParseOuterIp(d, p.length, o, /*want_addresses=*/false);
  if (r == DropReason::kOuterFragment) {
    if (nested) {  // a reassembled datagram that is a fragment again
      Drop(v, nullptr, DropReason::kFragmentMalformed);
      return;
    }
    const bool v4 = o.version == 4;
    const IpAddress src = v4 ? IpAddress::V4Bytes(d + 12) : IpAddress::V6Bytes(d + 8);
    const IpAddress dst = v4 ? IpAddress::V4Bytes(d + 16) : IpAddress::V6Bytes(d + 24);
    auto it = pairs_.find(std::pair{dst, src});
    if (it == pairs_.end()) {
      Drop(v, nullptr, DropReason::kNotForUs);
      return;
    }
    Reassemble(p, v, now, spares, index, it->second);
    return;
  }
  if (r != DropReason::kNone) {
    Drop(v, nullptr, r);
    return;
  }
  const uint32_t len = o.total_len;  // bytes after the IP length are link padding
  uint32_t off = o.header_len;
  uint8_t version;
  IpTunnel* t = nullptr;
  if (o.protocol == kProtoGre) {
    if (len - off < 4) {
      Drop(v, nullptr, DropReason::kTruncated);
      return;
    }
    const uint8_t* g = d + off;
    const uint16_t flags = Load16(g);
    //= https://www.rfc-editor.org/rfc/rfc2784#section-2.3
    //# A receiver MUST discard a packet where any of bits 1-5 are non-zero, unless that
    //# receiver implements RFC 1701.
    if ((flags & dataplane::kGreMustBeZero) != 0 || (flags & dataplane::kGreVersionMask) != 0) {
      Drop(v, nullptr, DropReason::kGreBadHeader);
      return;
    }
    const bool csum = flags & dataplane::kGreChecksumPresent;
    const bool has_key = flags & dataplane::kGreKeyPresent;
    const bool seq = flags & dataplane::kGreSeqPresent;
    const uint32_t gre_len = 4u + (csum ? 4 : 0) + (has_key ? 4 : 0) + (seq ? 4 : 0);
    if (len - off < gre_len) {
      Drop(v, nullptr, DropReason::kTruncated);
      return;
    }
    const uint32_t key = has_key ? Load32(g + (csum ? 8 : 4)) : 0;
    const uint32_t ti = Lookup(d, o.version, has_key ? 1 : 0, key);
    if (ti == 0) {
      const bool v4 = o.version == 4;
      const IpAddress src = v4 ? IpAddress::V4Bytes(d + 12) : IpAddress::V6Bytes(d + 8);
      const IpAddress dst = v4 ? IpAddress::V4Bytes(d + 16) : IpAddress::V6Bytes(d + 24);
      auto pit = pairs_.find(std::pair{dst, src});
      Drop(v, nullptr,
           pit != pairs_.end() && pit->second.gre_tunnels > 0 ? DropReason::kGreKeyMismatch
                                                              : DropReason::kNotForUs);
      return;
    }
    t = tunnels_[ti].get();
    if (csum && dataplane::InternetChecksum(g, len - off) != 0) {
      Drop(v, t, DropReason::kGreBadChecksum);
      return;
    }
    // RFC 2890 section 2.2: sequence numbers are accepted; this receiver does not reorder.
    const uint16_t ptype = Load16(g + 2);
    if (ptype == dataplane::kEtherTypeIpv4) {
      version = 4;
    } else if (ptype == dataplane::kEtherTypeIpv6) {
      version = 6;
    } else {
      Drop(v, t, DropReason::kBadNextHeader);
      return;
    }
    off += gre_len;
  } else if (o.protocol == kProtoIpv4InIp || o.protocol == kProtoIpv6InIp) {
    const uint32_t ti = Lookup(d, o.version, 2, 0);
    if (ti == 0) {
      Drop(v, nullptr, DropReason::kNotForUs);
      return;
    }
    t = tunnels_[ti].get();
    version = o.protocol == kProtoIpv4InIp ? 4 : 6;
  } else {
    Drop(v, nullptr, DropReason::kNotForUs);
    return;
  }
  v.sa = t->index;
  InnerIp inner;
  uint8_t* ip = p.mutable_data() + off;
  if (dataplane::ParseInnerIp(ip, len - off, inner) != DropReason::kNone ||
      inner.version != version) {
    Drop(v, t, DropReason::kMalformedInner);
    return;
  }
  //= https://www.rfc-editor.org/rfc/rfc6040#section-4.2
  //# If the arriving outer header is CE but the inner header is Not-ECT, the decapsulator
  //# MUST drop the packet.
  const uint8_t outer_ecn = o.tos & 3;
  const uint8_t inner_ecn = inner.tos & 3;
  if (outer_ecn == kCe && inner_ecn == kNotEct) {
    Drop(v, t, DropReason::kEcnCeNotEct);
    return;
  }
  // Figure 4 of RFC 6040: CE outer marks an ECT inner CE; ECT(1) outer turns ECT(0) inner into
  // ECT(1); every other combination keeps the inner field.
  if (outer_ecn == kCe && inner_ecn != kCe) {
    SetInnerEcn(ip, version, kCe);
  } else if (outer_ecn == kEct1 && inner_ecn == kEct0) {
    SetInnerEcn(ip, version, kEct1);
  }
  p.offset += off;
  p.length = inner.length;
  v.action = Verdict::Action::kDeliver;
  ++t->counters.in_packets;
  t->counters.in_octets += inner.length;
  ++counters_.decapsulated;
}

}  // namespace tunnelisa

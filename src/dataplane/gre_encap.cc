// IpTunnelDataplane encapsulation (RFC 2784 / RFC 2890 GRE, RFC 2003 IP-IP, IPv6 in IP with
// next header 41): payload packet in, outer packet out, written in place into the headroom.
//
//   before:                       [payload IP packet]
//   after:  [outer IP][GRE header][payload IP packet]      (IP-IP: no GRE header)
//
// With an ip-mtu, an IPv4 payload packet larger than it is first fragmented (RFC 791) or, with
// DF set, replaced by an ICMP error (RFC 1191); an IPv6 one by an ICMPv6 Packet Too Big
// (RFC 4443, RFC 8201).
#include <algorithm>
#include <cstring>

#include "dataplane/fragment.h"
#include "dataplane/gre_tunnel.h"
#include "dataplane/icmp_error.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

using dataplane::InnerIp;
using dataplane::IpTunnel;
using dataplane::Load16;
using dataplane::Store16;
using dataplane::Store32;

DropReason IpTunnelDataplane::Impl::EncapOne(IpTunnel& t, PacketRef& p, uint8_t version,
                                             uint8_t tos_inner, bool df) {
  if (p.headroom() < t.header_size) return DropReason::kNoHeadroom;
  const uint32_t payload = p.length;
  const uint32_t total = payload + t.header_size;
  if ((t.outer_v6 ? total - kIpv6HeaderSize : total) > kMaxIpPacketSize) {
    return DropReason::kOversized;
  }
  if (p.headroom() >= dataplane::kTemplateSize) {
    std::memcpy(p.mutable_data() - dataplane::kTemplateSize, t.header_template.data(),
                dataplane::kTemplateSize);
  } else {
    std::memcpy(p.mutable_data() - t.header_size,
                t.header_template.data() + dataplane::kTemplateSize - t.header_size, t.header_size);
  }
  uint8_t* o = p.Prepend(t.header_size);
  const uint8_t dscp = t.dscp != 0xff ? t.dscp : static_cast<uint8_t>(tos_inner >> 2);
  //= https://www.rfc-editor.org/rfc/rfc6040#section-4.1
  //# the encapsulator MUST copy the ECN field from the inner header to the outer header.
  const uint8_t tos = static_cast<uint8_t>(dscp << 2 | (tos_inner & 0x3));
  const uint8_t ipip_proto = version == 4 ? kProtoIpv4InIp : kProtoIpv6InIp;
  if (!t.outer_v6) {
    const uint16_t id = t.ip_id++;
    //= https://www.rfc-editor.org/rfc/rfc2003#section-3.1
    //# Don't Fragment: Copied from the inner IP header.
    const uint16_t frag = df ? 0x4000 : 0;
    const uint8_t proto = t.gre ? kProtoGre : ipip_proto;
    o[1] = tos;
    Store16(o + 2, static_cast<uint16_t>(total));
    Store16(o + 4, id);
    Store16(o + 6, frag);
    o[9] = proto;
    // RFC 1071: the header checksum from the template's sum and the per-packet words.
    uint32_t sum = t.ip_sum + tos + total + id + frag + (uint32_t{t.ttl} << 8 | proto);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    Store16(o + 10, static_cast<uint16_t>(~sum));
  } else {
    o[0] = static_cast<uint8_t>(0x60 | tos >> 4);
    o[1] = static_cast<uint8_t>(tos << 4);
    Store16(o + 4, static_cast<uint16_t>(total - kIpv6HeaderSize));
    if (!t.gre) o[6] = ipip_proto;
  }
  if (t.gre) {
    uint8_t* g = o + t.ip_size;
    Store16(g + 2, version == 4 ? dataplane::kEtherTypeIpv4 : dataplane::kEtherTypeIpv6);
    if (t.seq_offset != 0) Store32(g + t.seq_offset, t.seq++);
    if (t.gre_csum) {
      //= https://www.rfc-editor.org/rfc/rfc2784#section-2.5
      //# the one's complement of the one's complement sum of all 16 bit words in the GRE
      //# header and the payload packet. For purposes of computing the checksum, the value of
      //# the checksum field is zero.
      Store16(g + 4, dataplane::InternetChecksum(g, t.gre_size + payload));
    }
  }
  return DropReason::kNone;
}

void IpTunnelDataplane::Impl::TooBig(IpTunnel& t, PacketRef& p, Verdict& v, uint8_t version,
                                     MonoTime now) {
  Drop(v, &t, DropReason::kTooBigForMtu);
  const IpAddress& source = version == 4 ? t.config.icmp_source_v4 : t.config.icmp_source_v6;
  if (!source.is_set() || !dataplane::IcmpErrorAllowed(p.data(), p.length)) {
    ++t.counters.icmp_suppressed;
    return;
  }
  if (!t.icmp.Allow(now)) {
    ++t.counters.icmp_rate_limited;
    return;
  }
  DropReason r = version == 4 ? dataplane::BuildIcmpv4FragNeeded(p, source, t.ip_mtu, t.ip_id++)
                              : dataplane::BuildIcmpv6PacketTooBig(
                                    p, source, std::max<uint32_t>(t.ip_mtu, 1280));
  if (r != DropReason::kNone) {
    ++t.counters.icmp_suppressed;
    return;
  }
  ++t.counters.icmp_sent;
  v.action = Verdict::Action::kDeliver;
}

void IpTunnelDataplane::Impl::Encap(IpTunnelHandle handle, std::span<PacketRef> packets,
                                    std::span<Verdict> verdicts, MonoTime now,
                                    SpareBuffers* spares) {
  const size_t n = std::min(packets.size(), verdicts.size());
  IpTunnel* tp = Get(handle);
  if (tp == nullptr) {
    for (size_t i = 0; i < n; ++i) {
      verdicts[i] = Verdict{};
      Drop(verdicts[i], nullptr, DropReason::kNotForUs);
    }
    return;
  }
  IpTunnel& t = *tp;
  for (size_t i = 0; i < n; ++i) {
    PacketRef& p = packets[i];
    Verdict& v = verdicts[i];
    v = Verdict{};
    v.sa = t.index;
    if (p.length > kMaxIpPacketSize) {
      Drop(v, &t, DropReason::kOversized);
      continue;
    }
    InnerIp inner;
    if (DropReason r = dataplane::ParseInnerIp(p.data(), p.length, inner); r != DropReason::kNone) {
      Drop(v, &t, r);
      continue;
    }
    p.length = inner.length;  // bytes past the IP length (link padding) are not payload
    if (inner.version == 4 && inner.df && t.clear_df) {
      dataplane::ClearIpv4Df(p.mutable_data());
      inner.df = false;
    }
    const bool v4 = inner.version == 4;
    if (t.ip_mtu != 0) {
      const uint32_t limit = v4 ? t.ip_mtu : std::max<uint32_t>(t.ip_mtu, 1280);
      if (inner.length > limit && (!v4 || inner.df)) {
        TooBig(t, p, v, inner.version, now);
        continue;
      }
      if (inner.length > limit) {
        const dataplane::Ipv4FragmentPlan plan = dataplane::PlanIpv4Fragments(p.data(), limit);
        const size_t base = spares != nullptr ? spares->used : 0;
        const size_t cap =
            spares != nullptr
                ? std::min({spares->packets.size(), spares->verdicts.size(), spares->origin.size()})
                : 0;
        const size_t room = cap > base ? cap - base : 0;
        if (room < plan.extra ||
            dataplane::FragmentIpv4(p, plan, spares->packets.subspan(base, plan.extra)) !=
                DropReason::kNone) {
          Drop(v, &t, DropReason::kNoSpareBuffer);
          continue;
        }
        for (uint32_t k = 0; k < plan.extra; ++k) {
          PacketRef& f = spares->packets[base + k];
          Verdict& fv = spares->verdicts[base + k];
          spares->origin[base + k] = static_cast<uint32_t>(i);
          fv = Verdict{};
          fv.sa = t.index;
          const uint32_t flen = f.length;
          if (DropReason r = EncapOne(t, f, 4, inner.tos, false); r != DropReason::kNone) {
            Drop(fv, &t, r);
            continue;
          }
          fv.action = Verdict::Action::kForward;
          ++t.counters.out_packets;
          t.counters.out_octets += flen;
          ++t.counters.fragments_made;
          ++counters_.encapsulated;
        }
        spares->used = base + plan.extra;
      }
    }
    const uint32_t len = p.length;
    if (DropReason r = EncapOne(t, p, inner.version, inner.tos, v4 && inner.df);
        r != DropReason::kNone) {
      Drop(v, &t, r);
      continue;
    }
    v.action = Verdict::Action::kForward;
    ++t.counters.out_packets;
    t.counters.out_octets += len;
    ++counters_.encapsulated;
  }
}

}  // namespace tunnelisa

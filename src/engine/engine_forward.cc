// The engine's packet paths (fast path): public packets are demultiplexed to their tunnel and
// decapsulated; payload packets are routed by their service's route table into a tunnel (or to
// the host); encapsulated packets are routed by the delivery service. Each step may recurse
// (GRE over IPsec), bounded by kMaxTunnelLayers. No allocation per packet: extra outputs use
// the engine's SparePool, route and name lookups do not allocate.
#include <algorithm>
#include <cstring>
#include <new>
#include <type_traits>

#include "dataplane/fragment.h"
#include "dataplane/icmp_error.h"
#include "dataplane/ip_header.h"
#include "engine/engine_impl.h"
#include "engine/slot_runner.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

PacketInfo ParsePacket(const PacketRef& p) {
  PacketInfo r;
  const uint8_t* d = p.data();
  if (p.length < 1) return r;
  const uint8_t version = d[0] >> 4;
  size_t header = 0;
  if (version == 4) {
    header = static_cast<size_t>(d[0] & 0x0f) * 4;
    if (p.length < kIpv4HeaderSize || header < kIpv4HeaderSize || header > p.length) return r;
    r.proto = d[9];
    r.src = IpAddress::V4Bytes(d + 12);
    r.dst = IpAddress::V4Bytes(d + 16);
    const uint16_t frag = static_cast<uint16_t>((d[6] << 8) | d[7]);
    r.fragment = (frag & 0x3fff) != 0;  // MF or a non-zero offset
  } else if (version == 6) {
    header = kIpv6HeaderSize;
    if (p.length < kIpv6HeaderSize) return r;
    r.proto = d[6];
    r.src = IpAddress::V6Bytes(d + 8);
    r.dst = IpAddress::V6Bytes(d + 24);
    r.fragment = r.proto == 44;
  } else {
    return r;
  }
  if (r.proto == kProtoUdp && !r.fragment && p.length >= header + kUdpHeaderSize) {
    r.dport = static_cast<uint16_t>((d[header + 2] << 8) | d[header + 3]);
  }
  r.ok = true;
  return r;
}

size_t IpHeaderLength(const PacketRef& p) {
  if (p.length < 1) return 0;
  return (p.data()[0] >> 4) == 4 ? static_cast<size_t>(p.data()[0] & 0x0f) * 4 : kIpv6HeaderSize;
}

bool IsIkeDatagram(const PacketRef& p, const PacketInfo& ip) {
  if (ip.proto != kProtoUdp || ip.fragment) return false;
  if (ip.dport == kIkePort) return true;
  const size_t payload = IpHeaderLength(p) + kUdpHeaderSize;
  return ip.dport == kNatTPort && p.length >= payload + 4 &&
         dataplane::Load32(p.data() + payload) == 0;
}

void SlotRunner::Drop(EngineVerdict& v, DropReason reason) {
  v.action = Verdict::Action::kDrop;
  v.reason = reason;
  ++counters.drops[static_cast<size_t>(reason)];
}

void SlotRunner::Emit(EngineVerdict& v, Verdict::Action action) {
  v.action = action;
  ++v.outputs;
  if (action == Verdict::Action::kForward) {
    ++counters.sent_public;
  } else {
    ++counters.delivered_private;
  }
}

void SlotRunner::Count(TunnelTraffic* c, bool in, uint32_t inner_octets, uint32_t outer_octets) {
  if (c == nullptr) return;
  if (in) {
    ++c->inner.in_packets;
    c->inner.in_octets += inner_octets;
    ++c->outer.in_packets;
    c->outer.in_octets += outer_octets;
  } else {
    ++c->inner.out_packets;
    c->inner.out_octets += inner_octets;
    ++c->outer.out_packets;
    c->outer.out_octets += outer_octets;
  }
}

void SlotRunner::BeginBurst(std::span<PacketRef> packets) {
  burst_ = packets;
  seals_.clear();
  opens_.clear();
  ip_decaps_.clear();
}

void SlotRunner::FlushEsp(MonoTime now) {
  RunPending(now);
  burst_ = {};
}

void SlotRunner::RunPending(MonoTime now) {
  running_pending_ = true;
  // Each round takes one more tunnel layer at most (a decrypted packet may be sealed again,
  // e.g. IPsec transit), so kMaxTunnelLayers + 1 rounds empty the lists.
  for (int round = 0; round <= kMaxTunnelLayers && HasPending(); ++round) {
    RunIpDecaps(now);
    RunOpens(now);
    RunSeals(now);
  }
  for (const PendingEsp& e : opens_) Drop(*e.verdict, DropReason::kTooManyTunnelLayers);
  for (const PendingEsp& e : seals_) Drop(*e.verdict, DropReason::kTooManyTunnelLayers);
  for (const PendingIp& e : ip_decaps_) Drop(*e.verdict, DropReason::kTooManyTunnelLayers);
  opens_.clear();
  seals_.clear();
  ip_decaps_.clear();
  running_pending_ = false;
}

void SlotRunner::KeepOrder(MonoTime now) {
  if (!running_pending_ && HasPending()) RunPending(now);
}

void SlotRunner::RunIpDecaps(MonoTime now) {
  if (ip_decaps_.empty()) return;
  ip_work_.swap(ip_decaps_);  // continuations below may add new ones
  ip_decaps_.clear();
  BatchBySlot(ip_work_, [&](EngineSlot& slot) {
    slot.ip->Decap(batch_packets_, batch_verdicts_, now);  // no fragments here: no spares
    for (size_t j = 0; j < batch_items_.size(); ++j) {
      PendingIp& e = ip_work_[batch_items_[j]];
      *e.packet = batch_packets_[j];
      DecapIpResult(slot, *e.packet, batch_verdicts_[j], e.length, e.depth, now, *e.verdict);
    }
  });
  ip_work_.clear();
}

void SlotRunner::RunSeals(MonoTime now) {
  if (seals_.empty()) return;
  esp_work_.swap(seals_);  // continuations below may add new seals
  seals_.clear();
  BatchBySlot(esp_work_, [&](EngineSlot& slot) {
    batch_sas_.clear();
    for (size_t k : batch_items_) batch_sas_.push_back(esp_work_[k].tunnel->outbound);
    slot.esp->EncryptEach(batch_sas_, batch_packets_, batch_verdicts_, now);
    for (size_t j = 0; j < batch_items_.size(); ++j) {
      PendingEsp& e = esp_work_[batch_items_[j]];
      *e.packet = batch_packets_[j];
      const Verdict& dv = batch_verdicts_[j];
      if (dv.action != Verdict::Action::kForward) {
        Drop(*e.verdict, dv.reason);
      } else {
        Count(e.tunnel->traffic, /*in=*/false, e.length, e.packet->length);
        SendOuter(*e.tunnel, *e.packet, e.depth, now, *e.verdict);
      }
    }
  });
  esp_work_.clear();
}

void SlotRunner::RunOpens(MonoTime now) {
  if (opens_.empty()) return;
  esp_work_.swap(opens_);
  opens_.clear();
  BatchBySlot(esp_work_, [&](EngineSlot& slot) {
    slot.esp->Decrypt(batch_packets_, batch_verdicts_, now);
    for (size_t j = 0; j < batch_items_.size(); ++j) {
      PendingEsp& e = esp_work_[batch_items_[j]];
      *e.packet = batch_packets_[j];
      DecapEspResult(*e.tunnel, *e.packet, batch_verdicts_[j], e.length, e.depth, now, *e.verdict);
    }
  });
  esp_work_.clear();
}

void SlotRunner::SendOuter(TunnelPlacement& t, PacketRef& p, int depth, MonoTime now,
                           EngineVerdict& v) {
  const OuterEgress& e = t.egress;
  if (e.valid && p.length >= kIpv6HeaderSize) {
    // Still to the remote it was resolved for (the outer header's destination)?
    const uint8_t* d = p.data();
    const bool same = (d[0] >> 4) == 4
                          ? e.remote.is_v4() && std::memcmp(d + 16, e.remote.bytes(), 4) == 0
                          : e.remote.is_v6() && std::memcmp(d + 24, e.remote.bytes(), 16) == 0;
    if (same) {
      e_.options.host.transport->SendPublic(
          Egress{t.delivery_svc->id, e.interface, e.next_hop, e.interface_id}, p);
      return Emit(v, Verdict::Action::kForward);
    }
  }
  Forward(*t.delivery_svc, p, /*outer=*/true, depth + 1, now, v);
}

void SlotRunner::Public(std::optional<uint32_t> service, std::span<PacketRef> packets,
                        std::span<EngineVerdict> verdicts, MonoTime now) {
  EngineService* in = nullptr;  // the receiving delivery service, when the host says
  if (service) {
    auto s = e_.services.find(*service);
    if (s != e_.services.end()) in = &s->second;
  }
  BeginBurst(packets);
  if (service && in == nullptr) {
    for (size_t i = 0; i < packets.size(); ++i) {
      ++counters.public_in;
      verdicts[i] = EngineVerdict{};
      Drop(verdicts[i], DropReason::kUnknownService);
    }
  } else {
    for (size_t base = 0; base < packets.size(); base += kDemuxChunk) {
      const size_t n = std::min(kDemuxChunk, packets.size() - base);
      PublicChunk(in, service.has_value(), packets.subspan(base, n), verdicts.subspan(base, n),
                  now);
    }
  }
  FlushEsp(now);
}

void SlotRunner::PublicChunk(EngineService* in, bool qualified, std::span<PacketRef> packets,
                             std::span<EngineVerdict> verdicts, MonoTime now) {
  // Passes over the chunk, so that the misses of its packets overlap instead of queueing
  // (with 1000s of tunnels each step's entry is a miss): (1) parse every outer header and
  // prefetch its destination's owner entry; (2) find the owner, prefetch its endpoint entry;
  // (3) find the tunnel, prefetch its first line; (4) terminate, in packet order.
  struct Demux {
    PacketInfo ip;
    EngineService* owner;
    EndpointTunnels tunnels;
  };
  // Each entry is constructed from ParsePacket's result in place: value-initialising the
  // array first and copying each result into it is work the parse does not need.
  static_assert(std::is_trivially_destructible_v<Demux>);
  alignas(Demux) unsigned char storage[sizeof(Demux) * kDemuxChunk];
  Demux* d = reinterpret_cast<Demux*>(storage);
  const size_t n = packets.size();
  for (size_t i = 0; i < n; ++i) {
    ++counters.public_in;
    verdicts[i] = EngineVerdict{};
    new (&d[i]) Demux{ParsePacket(packets[i]), nullptr, {}};
    if (!d[i].ip.ok) continue;
    if (qualified) {
      in->local.Prefetch(d[i].ip.dst);
    } else {
      e_.public_owner_v4.Prefetch(d[i].ip.dst);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!d[i].ip.ok) continue;
    const PacketInfo& ip = d[i].ip;
    if (qualified) {
      d[i].owner = (in->local.Find(ip.dst) & AddressIndex::kTerminated) ? in : nullptr;
    } else {
      d[i].owner = e_.PublicOwner(ip.dst);
    }
    if (d[i].owner != nullptr) PrefetchEndpoints(*d[i].owner, ip);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!d[i].ip.ok || d[i].owner == nullptr) continue;
    d[i].tunnels = FindEndpoints(*d[i].owner, d[i].ip);
    if (d[i].tunnels.ipsec != nullptr) __builtin_prefetch(d[i].tunnels.ipsec);
    if (d[i].tunnels.ip != nullptr) __builtin_prefetch(d[i].tunnels.ip);
  }
  for (size_t i = 0; i < n; ++i) {
    EngineVerdict& v = verdicts[i];
    if (!d[i].ip.ok) {
      Drop(v, DropReason::kBadOuterHeader);
      continue;
    }
    // Not a terminated address: the guide's "Security": not answered.
    if (d[i].owner == nullptr) {
      Drop(v, DropReason::kNotForUs);
      continue;
    }
    Terminate(*d[i].owner, packets[i], d[i].ip, d[i].tunnels, 0, now, v);
  }
}

void SlotRunner::PublicOne(EngineService* in, bool qualified, PacketRef& p, int depth, MonoTime now,
                           EngineVerdict& v) {
  PacketInfo ip = ParsePacket(p);
  if (!ip.ok) return Drop(v, DropReason::kBadOuterHeader);
  EngineService* owner = in;
  if (!qualified) {
    owner = e_.PublicOwner(ip.dst);
  } else if (!(owner->local.Find(ip.dst) & AddressIndex::kTerminated)) {
    owner = nullptr;
  }
  // Not a terminated address: the guide's "Security": not answered.
  if (owner == nullptr) return Drop(v, DropReason::kNotForUs);
  Terminate(*owner, p, ip, FindEndpoints(*owner, ip), depth, now, v);
}

void SlotRunner::Private(uint32_t service, std::span<PacketRef> packets,
                         std::span<EngineVerdict> verdicts, MonoTime now) {
  auto s = e_.services.find(service);
  BeginBurst(packets);
  for (size_t i = 0; i < packets.size(); ++i) {
    ++counters.private_in;
    EngineVerdict& v = verdicts[i];
    v = EngineVerdict{};
    if (s == e_.services.end()) {
      Drop(v, DropReason::kUnknownService);
      continue;
    }
    Forward(s->second, packets[i], /*outer=*/false, 0, now, v);
  }
  FlushEsp(now);
}

void SlotRunner::Forward(EngineService& s, PacketRef& p, bool outer, int depth, MonoTime now,
                         EngineVerdict& v) {
  PacketInfo ip = ParsePacket(p);
  if (!ip.ok) return Drop(v, outer ? DropReason::kBadOuterHeader : DropReason::kMalformedInner);
  const uint8_t local = s.local.Find(ip.dst);
  if (local & AddressIndex::kTerminated) {
    return Terminate(s, p, ip, FindEndpoints(s, ip), depth, now, v);
  }
  if (local & AddressIndex::kOwn) {
    e_.options.host.transport->DeliverPrivate(Egress{s.id, {}, {}}, p);
    return Emit(v, Verdict::Action::kDeliver);
  }
  int index = s.routes.LookupIndex(ip.dst);
  const config::Route* r = index < 0 ? nullptr : &s.routes.route(static_cast<size_t>(index));
  const RouteTarget* target = index < 0 ? nullptr : &s.route_targets[static_cast<size_t>(index)];
  if (s.has_gw_routes) {
    // ipsec-gw sessions' routes compete with the configured ones by prefix length.
    const int g = s.gw_routes.LookupIndex(ip.dst);
    if (g >= 0) {
      const config::Route& gr = s.gw_routes.route(static_cast<size_t>(g));
      if (r == nullptr || gr.prefix.length() > r->prefix.length()) {
        r = &gr;
        target = &s.gw_routes.target(static_cast<size_t>(g));
      }
    }
  }
  if (r == nullptr) return Drop(v, DropReason::kNoRoute);
  // Into a tunnel: one the route names, or the private tunnel interface the route (or its
  // resolved next hop) leads out of, whose subnet is the far end of its tunnel (dest-ip).
  const SlotHandoff::Kind handoff =
      outer ? SlotHandoff::Kind::kOuterRoute : SlotHandoff::Kind::kPrivate;
  if (IpTunnelState* t = target->ip; t != nullptr) {
    if (!Owns(t->slot)) return HandOff(p, v, *t->slot, handoff, s.id, depth);
    return EncapIp(*t, p, depth, now, v);
  }
  if (IpsecTunnelState* t = target->ipsec; t != nullptr) {
    if (!Owns(t->slot)) return HandOff(p, v, *t->slot, handoff, s.id, depth);
    return EncapEsp(*t, p, depth, now, v);
  }
  if (target->names_tunnel) return Drop(v, DropReason::kTunnelDown);
  if (target->clients_only) return Drop(v, DropReason::kNoRoute);
  Egress e{s.id, r->interface, r->gateway, target->interface_id};
  if (outer) {
    e_.options.host.transport->SendPublic(e, p);
    return Emit(v, Verdict::Action::kForward);
  }
  e_.options.host.transport->DeliverPrivate(e, p);
  Emit(v, Verdict::Action::kDeliver);
}

namespace {

bool IpTunnelProto(const PacketInfo& ip) {
  return ip.proto == kProtoGre || ip.proto == kProtoIpv4InIp || ip.proto == kProtoIpv6InIp;
}
bool IpsecProto(const PacketInfo& ip) {
  return ip.proto == kProtoEsp || ip.proto == kProtoUdp || ip.fragment;
}

}  // namespace

EndpointTunnels SlotRunner::FindEndpoints(const EngineService& s, const PacketInfo& ip) {
  EndpointTunnels t;
  if (IpTunnelProto(ip) || ip.fragment) t.ip = s.ip_by_endpoints.Find(ip.dst, ip.src);
  if (IpsecProto(ip)) t.ipsec = s.ipsec_by_endpoints.Find(ip.dst, ip.src);
  return t;
}

void SlotRunner::PrefetchEndpoints(const EngineService& s, const PacketInfo& ip) {
  if (IpTunnelProto(ip) || ip.fragment) s.ip_by_endpoints.Prefetch(ip.dst, ip.src);
  if (IpsecProto(ip)) s.ipsec_by_endpoints.Prefetch(ip.dst, ip.src);
}

void SlotRunner::Terminate(EngineService& s, PacketRef& p, const PacketInfo& ip,
                           const EndpointTunnels& found, int depth, MonoTime now,
                           EngineVerdict& v) {
  if (depth >= kMaxTunnelLayers) return Drop(v, DropReason::kTooManyTunnelLayers);
  const bool ip_tunnel_proto = IpTunnelProto(ip);
  if (ip_tunnel_proto || ip.fragment) {
    if (IpTunnelState* t = found.ip; t != nullptr) {
      if (!Owns(t->slot)) return HandOff(p, v, *t->slot, SlotHandoff::Kind::kPublic, s.id, depth);
      return DecapIp(*t, p, ip.fragment, depth, now, v);
    }
    if (ip_tunnel_proto) return Drop(v, DropReason::kNotForUs);
  }
  if (IpsecProto(ip)) {
    // Point-to-point tunnels listen only to their configured peer (the guide's "Security").
    IpsecTunnelState* t = found.ipsec;
    if (t == nullptr) {
      // An ipsec-gw answers IKE from anyone (UDP 500, or 4500 with the non-ESP marker).
      if (ip.proto == kProtoUdp && !ip.fragment && s.gw_addresses.contains(ip.dst) &&
          IsIkeDatagram(p, ip)) {
        v.action = Verdict::Action::kToControl;
        ++counters.to_control;
        return;
      }
      return Drop(v, DropReason::kNotForUs);
    }
    // IKE goes to the control thread from any slot; ESP and fragments (the slot's
    // reassembler) to the slot owning the tunnel.
    if (!Owns(t->slot) && !(ip.proto == kProtoUdp && !ip.fragment && ip.dport == kIkePort)) {
      return HandOff(p, v, *t->slot, SlotHandoff::Kind::kPublic, s.id, depth);
    }
    // Outer fragments (the public network split an ESP or ESP-in-UDP packet): reassembled
    // first when the tunnel group has reassembly on.
    if (ip.fragment) return ReassembleEsp(*t, p, depth, now, v);
    if (ip.proto == kProtoUdp && ip.dport == kIkePort) {
      v.action = Verdict::Action::kToControl;
      ++counters.to_control;
      return;
    }
    if (ip.proto == kProtoUdp && ip.dport != kNatTPort) return Drop(v, DropReason::kNotForUs);
    return DecapEsp(*t, p, depth, now, v);
  }
  Drop(v, DropReason::kNotForUs);
}

void SlotRunner::DecapIp(IpTunnelState& t, PacketRef& p, bool fragment, int depth, MonoTime now,
                         EngineVerdict& v) {
  EngineSlot& slot = *t.slot;
  const uint32_t outer_len = p.length;
  if (!fragment && InBurst(p)) {
    ip_decaps_.push_back({&t, &p, &v, depth, outer_len});  // with the burst (FlushEsp)
    return;
  }
  KeepOrder(now);
  const size_t mark = spares_.mark();
  // Spare buffers only for a fragment (the datagram it may complete is written to one).
  SpareBuffers sp = fragment ? spares_.TakeFree() : SpareBuffers{};
  Verdict dv;
  slot.ip->Decap({&p, 1}, {&dv, 1}, now, fragment ? &sp : nullptr);
  if (fragment) spares_.Commit(sp);
  DecapIpResult(slot, p, dv, outer_len, depth, now, v);
  for (size_t k = 0; k < sp.used; ++k) {
    PacketRef& q = sp.packets[k];
    // A reassembled datagram was written at kPacketHeadroom, then decapsulated in place.
    const uint32_t outer = q.length + (q.offset - static_cast<uint32_t>(kPacketHeadroom));
    EngineVerdict sv;
    DecapIpResult(slot, q, sp.verdicts[k], outer, depth, now, sv);
    v.outputs = static_cast<uint16_t>(v.outputs + sv.outputs);
  }
  spares_.Release(mark);
}

void SlotRunner::DecapIpResult(EngineSlot& slot, PacketRef& p, const Verdict& dv,
                               uint32_t outer_len, int depth, MonoTime now, EngineVerdict& v) {
  switch (dv.action) {
    case Verdict::Action::kDeliver: {
      auto t = slot.ip_by_index.find(dv.sa);
      if (t == slot.ip_by_index.end() || t->second->private_svc == nullptr) {
        return Drop(v, DropReason::kWrongTunnel);
      }
      Count(t->second->traffic, /*in=*/true, p.length, outer_len);
      return Forward(*t->second->private_svc, p, /*outer=*/false, depth + 1, now, v);
    }
    case Verdict::Action::kConsumed:
      v.action = Verdict::Action::kConsumed;
      ++counters.consumed;
      return;
    case Verdict::Action::kDrop:
      return Drop(v, dv.reason);
    default:
      return Drop(v, DropReason::kNotForUs);
  }
}

void SlotRunner::DecapEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now,
                          EngineVerdict& v) {
  const uint32_t outer_len = p.length;
  if (InBurst(p) && t.slot != nullptr) {
    opens_.push_back({&t, &p, &v, depth, outer_len});  // decrypted with the burst (FlushEsp)
    // Counted after decryption (DecapEspResult): the line loads meanwhile.
    if (t.traffic != nullptr) __builtin_prefetch(t.traffic, 1);
    return;
  }
  Verdict dv;
  t.slot->esp->Decrypt({&p, 1}, {&dv, 1}, now);
  DecapEspResult(t, p, dv, outer_len, depth, now, v);
}

void SlotRunner::DecapEspResult(IpsecTunnelState& t, PacketRef& p, const Verdict& dv,
                                uint32_t outer_len, int depth, MonoTime now, EngineVerdict& v) {
  switch (dv.action) {
    case Verdict::Action::kDeliver: {
      IpsecTunnelState* owner = t.slot->ipsec_by_sa.Find(dv.sa);
      // An SA of another peer's tunnel is refused, except that the sessions of one ipsec-gw
      // with peers behind one NAT address share the addresses the packet was demultiplexed
      // by: the SA (found by its SPI) says which of them it is.
      if (owner != &t && (owner == nullptr || t.ike_peer == 0 || owner->ike_peer != t.ike_peer ||
                          owner->peer != t.peer)) {
        return Drop(v, DropReason::kWrongTunnel);
      }
      if (owner->private_svc == nullptr) return Drop(v, DropReason::kTunnelDown);
      Count(owner->traffic, /*in=*/true, p.length, outer_len);
      return Forward(*owner->private_svc, p, /*outer=*/false, depth + 1, now, v);
    }
    case Verdict::Action::kConsumed:
      v.action = Verdict::Action::kConsumed;
      ++counters.consumed;
      return;
    case Verdict::Action::kToControl:
      v.action = Verdict::Action::kToControl;
      ++counters.to_control;
      return;
    case Verdict::Action::kDrop:
      return Drop(v, dv.reason);
    default:
      return Drop(v, DropReason::kNotForUs);
  }
}

void SlotRunner::EncapIp(IpTunnelState& t, PacketRef& p, int depth, MonoTime now,
                         EngineVerdict& v) {
  if (!t.installed || t.delivery_svc == nullptr) return Drop(v, DropReason::kTunnelDown);
  if (depth >= kMaxTunnelLayers) return Drop(v, DropReason::kTooManyTunnelLayers);
  // Encapsulated at once, not grouped with the burst's others as ESP is: the data-plane call
  // has no per-call cost to share, and grouping measured slower (BM_EngineGreEncap 1886 vs
  // 1622 ns per burst of 32). Spare buffers only for a packet that may be fragmented (above
  // the ip-mtu); its fragments go after the burst's earlier packets (KeepOrder).
  const bool may_fragment = t.installed_mtu != 0 && p.length > t.installed_mtu;
  if (may_fragment) KeepOrder(now);
  const size_t mark = spares_.mark();
  SpareBuffers sp = may_fragment ? spares_.TakeFree() : SpareBuffers{};
  Verdict dv;
  t.slot->ip->Encap(t.handle, {&p, 1}, {&dv, 1}, now, may_fragment ? &sp : nullptr);
  if (may_fragment) spares_.Commit(sp);
  EncapIpResult(t, p, dv, depth, now, v);
  for (size_t k = 0; k < sp.used; ++k) {  // the fragments after the first
    EngineVerdict sv;
    EncapIpResult(t, sp.packets[k], sp.verdicts[k], depth, now, sv);
    v.outputs = static_cast<uint16_t>(v.outputs + sv.outputs);
  }
  spares_.Release(mark);
}

void SlotRunner::EncapIpResult(IpTunnelState& t, PacketRef& p, const Verdict& dv, int depth,
                               MonoTime now, EngineVerdict& v) {
  switch (dv.action) {
    case Verdict::Action::kForward: {
      const uint32_t inner = p.length > t.overhead ? p.length - t.overhead : 0;
      Count(t.traffic, /*in=*/false, inner, p.length);
      return SendOuter(t, p, depth, now, v);
    }
    case Verdict::Action::kDeliver:
      // Too big for the ip-mtu with DF set: `p` is now the ICMP error for the sender, routed
      // back in the tunnel's private service. The payload packet counts as dropped.
      ++counters.drops[static_cast<size_t>(DropReason::kTooBigForMtu)];
      if (t.private_svc == nullptr) return Drop(v, DropReason::kTunnelDown);
      Forward(*t.private_svc, p, /*outer=*/false, depth, now, v);
      if (!v.dropped()) v.reason = DropReason::kTooBigForMtu;
      return;
    default:
      return Drop(v, dv.reason);
  }
}

void SlotRunner::ReassembleEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now,
                               EngineVerdict& v) {
  if (!t.reassembly || t.slot == nullptr) return Drop(v, DropReason::kReassemblyDisabled);
  KeepOrder(now);
  const size_t mark = spares_.mark();
  SpareBuffers sp = spares_.TakeFree();
  PacketRef none;  // no spare: a fragment can still be held; completing one then fails
  PacketRef& out = sp.packets.empty() ? none : sp.packets[0];
  const ReassemblyResult r = t.slot->reassembler->Add(p.bytes(), now, out);
  if (r.status == ReassemblyResult::kComplete) sp.used = 1;
  spares_.Commit(sp);
  if (r.status == ReassemblyResult::kDropped) {
    spares_.Release(mark);
    return Drop(v, r.reason);
  }
  v.action = Verdict::Action::kConsumed;
  ++counters.consumed;
  if (r.status == ReassemblyResult::kComplete) {
    // The datagram came from the fragments' addresses (the peer, to the local gateway); it
    // must be ESP or ESP-in-UDP. An IKE message is not handed back reassembled (kToControl
    // means the input packet as it is): dropped as not-for-us.
    EngineVerdict sv;
    const PacketInfo ip = ParsePacket(out);
    if (!ip.ok || ip.fragment) {
      Drop(sv, DropReason::kFragmentMalformed);
    } else if (ip.proto == kProtoEsp || (ip.proto == kProtoUdp && ip.dport == kNatTPort)) {
      DecapEsp(t, out, depth, now, sv);
    } else {
      Drop(sv, DropReason::kNotForUs);
    }
    v.outputs = static_cast<uint16_t>(v.outputs + sv.outputs);
  }
  spares_.Release(mark);
}

void SlotRunner::EspTooBig(IpsecTunnelState& t, PacketRef& p, uint8_t version, int depth,
                           MonoTime now, EngineVerdict& v) {
  const IpAddress& source = version == 4 ? t.icmp_source_v4 : t.icmp_source_v6;
  if (!source.is_set() || t.private_svc == nullptr ||
      !dataplane::IcmpErrorAllowed(p.data(), p.length) || !t.icmp.Allow(now)) {
    return Drop(v, DropReason::kTooBigForMtu);
  }
  const DropReason built =
      version == 4
          ? dataplane::BuildIcmpv4FragNeeded(p, source, static_cast<uint16_t>(t.ip_mtu),
                                             t.icmp_ip_id++)
          : dataplane::BuildIcmpv6PacketTooBig(p, source, std::max<uint32_t>(t.ip_mtu, 1280));
  if (built != DropReason::kNone) return Drop(v, DropReason::kTooBigForMtu);
  // As for ip-tunnels: the payload packet counts as dropped; the error goes back to the
  // sender in the tunnel's private service.
  ++counters.drops[static_cast<size_t>(DropReason::kTooBigForMtu)];
  Forward(*t.private_svc, p, /*outer=*/false, depth, now, v);
  if (!v.dropped()) v.reason = DropReason::kTooBigForMtu;
}

void SlotRunner::EncapEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now,
                          EngineVerdict& v) {
  if (!t.installed && t.ike_peer != 0 && t.delivery_svc != nullptr) {
    Engine::Impl::Acquire(t, now);
    return Drop(v, DropReason::kIkeNegotiating);
  }
  if (!t.installed || t.delivery_svc == nullptr) return Drop(v, DropReason::kTunnelDown);
  if (depth >= kMaxTunnelLayers) return Drop(v, DropReason::kTooManyTunnelLayers);
  if (t.ip_mtu == 0) return EncryptEsp(t, p, depth, now, v, /*may_defer=*/true);
  dataplane::InnerIp inner;
  if (dataplane::ParseInnerIp(p.data(), p.length, inner) != DropReason::kNone) {
    return Drop(v, DropReason::kMalformedInner);
  }
  p.length = inner.length;  // bytes past the IP length (link padding) are not payload
  const bool v4 = inner.version == 4;
  if (v4 && inner.df && t.clear_df) {
    dataplane::ClearIpv4Df(p.mutable_data());
    inner.df = false;
  }
  const uint32_t limit = v4 ? t.ip_mtu : std::max<uint32_t>(t.ip_mtu, 1280);
  if (inner.length <= limit) return EncryptEsp(t, p, depth, now, v, /*may_defer=*/true);
  if (!v4 || inner.df) return EspTooBig(t, p, inner.version, depth, now, v);
  // RFC 791 fragmentation before encryption: the first fragment stays in `p`, the others go to
  // spare buffers; each is encrypted and sent on its own.
  KeepOrder(now);
  const dataplane::Ipv4FragmentPlan plan = dataplane::PlanIpv4Fragments(p.data(), limit);
  const size_t mark = spares_.mark();
  SpareBuffers sp = spares_.TakeFree();
  if (sp.packets.size() < plan.extra ||
      dataplane::FragmentIpv4(p, plan, sp.packets.first(plan.extra)) != DropReason::kNone) {
    spares_.Commit(sp);
    spares_.Release(mark);
    return Drop(v, DropReason::kNoSpareBuffer);
  }
  sp.used = plan.extra;
  spares_.Commit(sp);
  EncryptEsp(t, p, depth, now, v);
  for (size_t k = 0; k < sp.used; ++k) {
    EngineVerdict sv;
    EncryptEsp(t, sp.packets[k], depth, now, sv);
    v.outputs = static_cast<uint16_t>(v.outputs + sv.outputs);
  }
  spares_.Release(mark);
}

void SlotRunner::EncryptEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now,
                            EngineVerdict& v, bool may_defer) {
  const uint32_t inner = p.length;
  if (may_defer && InBurst(p)) {
    seals_.push_back({&t, &p, &v, depth, inner});  // sealed with the burst (FlushEsp)
    return;
  }
  Verdict dv;
  t.slot->esp->Encrypt(t.outbound, {&p, 1}, {&dv, 1}, now);
  if (dv.action != Verdict::Action::kForward) return Drop(v, dv.reason);
  Count(t.traffic, /*in=*/false, inner, p.length);
  SendOuter(t, p, depth, now, v);
}

}  // namespace tunnelisa

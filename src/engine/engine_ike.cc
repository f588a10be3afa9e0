// Engine's IKE side: the IkeHost bridge between the IkeManager and the engine's slots and
// services, and the Engine's control entry points (control packets, initiation, shutdown and
// the session log). Control path only.

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/str_cat.h"
#include "dataplane/ip_header.h"
#include "engine/engine_impl.h"
#include "engine/slot_runner.h"
#include "tunnelisa/key_log.h"

namespace tunnelisa {
namespace {

using dataplane::Store16;

// BuildUdpPacket: an IPv4/IPv6 + UDP packet around `payload` in `buffer` (with the engine's
// headroom and tailroom), ready for the delivery service's route table.
PacketRef BuildUdpPacket(std::vector<uint8_t>& buffer, const ike::IkeEndpoint& from,
                         const ike::IkeEndpoint& to, std::span<const uint8_t> payload) {
  const bool v6 = from.address.is_v6();
  const uint32_t ip_len = v6 ? kIpv6HeaderSize : kIpv4HeaderSize;
  const uint32_t total = ip_len + kUdpHeaderSize + static_cast<uint32_t>(payload.size());
  buffer.assign(kPacketHeadroom + total + kPacketTailroom, 0);
  PacketRef p = PacketRef::WithHeadroom(buffer.data(), static_cast<uint32_t>(buffer.size()),
                                        static_cast<uint32_t>(kPacketHeadroom));
  uint8_t* ip = p.Append(total);
  uint8_t* udp = ip + ip_len;
  Store16(udp, from.port);
  Store16(udp + 2, to.port);
  Store16(udp + 4, static_cast<uint16_t>(kUdpHeaderSize + payload.size()));
  std::memcpy(udp + kUdpHeaderSize, payload.data(), payload.size());
  if (!v6) {
    ip[0] = 0x45;
    Store16(ip + 2, static_cast<uint16_t>(total));
    ip[6] = 0x40;  // DF: IKE fragments itself (RFC 7383) rather than rely on IP fragments
    ip[8] = 64;
    ip[9] = kProtoUdp;
    std::memcpy(ip + 12, from.address.bytes(), 4);
    std::memcpy(ip + 16, to.address.bytes(), 4);
    Store16(ip + 10, dataplane::Ipv4HeaderChecksum(ip));
    // UDP checksum 0: allowed over IPv4 (RFC 768), as ESP-in-UDP does (RFC 3948 2.1).
  } else {
    ip[0] = 0x60;
    Store16(ip + 4, static_cast<uint16_t>(kUdpHeaderSize + payload.size()));
    ip[6] = kProtoUdp;
    ip[7] = 64;
    std::memcpy(ip + 8, from.address.bytes(), 16);
    std::memcpy(ip + 24, to.address.bytes(), 16);
    // The pseudo-header sum: addresses, upper-layer length and next header.
    uint32_t sum = 0;
    for (int k = 8; k < 40; k += 2) sum += dataplane::Load16(ip + k);
    sum += static_cast<uint32_t>(kUdpHeaderSize + payload.size()) + kProtoUdp;
    uint16_t c = dataplane::InternetChecksum(udp, kUdpHeaderSize + payload.size(), sum);
    Store16(udp + 6, c == 0 ? 0xffff : c);
  }
  return p;
}

}  // namespace

// IkeBridge: the engine as IKE's host.
class Engine::Impl::IkeBridge final : public ike::IkeHost {
 public:
  explicit IkeBridge(Engine::Impl& e) : e_(e) {}

  void SendIke(const ike::IkeEndpoint& local, const ike::IkeEndpoint& remote,
               std::span<const uint8_t> datagram) override {
    EngineService* svc = nullptr;
    if (auto o = e_.public_owner.find(local.address); o != e_.public_owner.end()) {
      svc = o->second;
    } else if (auto d = e_.departing_owner_.find(local.address); d != e_.departing_owner_.end()) {
      // A reconfiguration removed the tunnel or session: its IKE Delete still goes out
      // through the service that held the address (Reconcile).
      if (auto s = e_.services.find(d->second); s != e_.services.end()) svc = &s->second;
    }
    if (svc == nullptr) {
      ++e_.control_counters.ike_drops;
      return;
    }
    std::vector<uint8_t> buffer;
    PacketRef p = BuildUdpPacket(buffer, local, remote, datagram);
    EngineVerdict v;
    e_.ForwardControl(*svc, p, v);
  }

  absl::StatusOr<ike::ChildSaPair> InstallChild(uint64_t peer, ike::ChildInstall in,
                                                MonoTime now) override {
    IpsecTunnelState* t = e_.TunnelForChild(peer, &in, SaHandle{}, /*create=*/true);
    if (t == nullptr || t->slot == nullptr) return absl::NotFoundError("tunnel is gone");
    auto make = [&](bool inbound) {
      SaConfig c;
      c.direction = inbound ? SaDirection::kInbound : SaDirection::kOutbound;
      c.spi = inbound ? in.inbound_spi : in.outbound_spi;
      c.suite = in.suite;
      c.enc_key = inbound ? std::move(in.inbound_enc) : std::move(in.outbound_enc);
      c.auth_key = inbound ? std::move(in.inbound_integ) : std::move(in.outbound_integ);
      c.local = in.local;
      c.remote = in.remote;
      c.udp_encap = in.udp_encap;
      c.df = t->clear_df ? DfPolicy::kClear : DfPolicy::kCopy;
      if (inbound) {
        c.local_selectors = in.local_selectors;
        c.remote_selectors = in.remote_selectors;
      }
      c.soft_lifetime = in.soft_lifetime;
      c.hard_lifetime = in.hard_lifetime;
      c.cookie = in.cookie;
      return c;
    };
    SaConfig in_config = make(true);
    SaConfig out_config = make(false);
    e_.LogEspKeys(in_config);
    e_.LogEspKeys(out_config);
    absl::StatusOr<SaHandle> inbound = t->slot->esp->Install(std::move(in_config), now);
    if (!inbound.ok()) return inbound.status();
    absl::StatusOr<SaHandle> outbound = t->slot->esp->Install(std::move(out_config), now);
    if (!outbound.ok()) {
      (void)t->slot->esp->Delete(*inbound);
      return outbound.status();
    }
    t->inbound.push_back(*inbound);
    t->slot->ipsec_by_sa.Set(inbound->index, t);
    t->ike_outbound.push_back(*outbound);
    if (Engine::Impl::GwState* gw = e_.GwForPeer(peer)) {
      gw->session_by_outbound[outbound->index] = {t->peer, t->gw_port};
      // An ipsec-gw session routes what the peer's selectors cover into the secure service.
      for (const IpPrefix& prefix : in.remote_selectors) {
        if (std::find(t->gw_routes.begin(), t->gw_routes.end(), prefix) == t->gw_routes.end()) {
          t->gw_routes.push_back(prefix);
        }
      }
    }
    return ike::ChildSaPair{*inbound, *outbound};
  }

  void ActivateChild(uint64_t peer, const ike::ChildSaPair& pair) override {
    IpsecTunnelState* t = e_.TunnelForChild(peer, nullptr, pair.inbound, false);
    if (t == nullptr) return;
    t->outbound = pair.outbound;
    t->installed = true;
    // An ipsec-gw session: its links and routes (a rekey's CHILD SA may bring selectors).
    if (Engine::Impl::GwState* gw = e_.GwForPeer(peer)) e_.RelinkGwSession(*gw, *t);
  }

  void RemoveChild(uint64_t peer, const ike::ChildSaPair& pair) override {
    IpsecTunnelState* t = e_.TunnelForChild(peer, nullptr, pair.inbound, false);
    if (t == nullptr || t->slot == nullptr) return;  // removed with its tunnel already
    Engine::Impl::GwState* gw = e_.GwForPeer(peer);
    if (gw != nullptr) {
      // The session's accounting keeps what the SAs counted.
      e_.RetireGwSa(*t, pair.inbound);
      e_.RetireGwSa(*t, pair.outbound);
    }
    if (pair.inbound.valid()) {
      std::erase(t->inbound, pair.inbound);
      t->slot->ipsec_by_sa.Erase(pair.inbound.index);
      (void)t->slot->esp->Delete(pair.inbound);
    }
    if (pair.outbound.valid()) {
      std::erase(t->ike_outbound, pair.outbound);
      if (gw != nullptr) gw->session_by_outbound.erase(pair.outbound.index);
      (void)t->slot->esp->Delete(pair.outbound);
      if (t->outbound == pair.outbound) {
        t->outbound = SaHandle{};
        t->installed = false;
      }
    }
    if (gw != nullptr) e_.DropGwSessionIfEmpty(*gw, *t);
  }

  void UpdateChild(uint64_t peer, const ike::ChildSaPair& pair, const SaUpdate& update) override {
    IpsecTunnelState* t = e_.TunnelForChild(peer, nullptr, pair.inbound, false);
    if (t == nullptr || t->slot == nullptr) return;
    (void)t->slot->esp->Update(pair.inbound, update);
    (void)t->slot->esp->Update(pair.outbound, update);
  }
  // (An ipsec-gw session keeps its key, the address IKE first saw: a NAT rebinding that
  // changes the address as well is followed by the SAs, not by the session's lookup key.)

  absl::StatusOr<SaStats> QueryChild(uint64_t peer, SaHandle sa) const override {
    IpsecTunnelState* t = e_.TunnelForChild(peer, nullptr, sa, false);
    if (t == nullptr || t->slot == nullptr) return absl::NotFoundError("tunnel is gone");
    return t->slot->esp->Query(sa);
  }

  void RandomBytes(std::span<uint8_t> out) override {
    if (e_.options.host.random != nullptr) {
      e_.options.host.random->Fill(out);
    } else {
      e_.random_pool.Fill(out);  // RAND_bytes by the block (aborts if it ever fails)
    }
  }

  WallTime WallNow() override {
    return e_.options.host.wall_clock != nullptr ? e_.options.host.wall_clock->Now()
                                                 : SystemWallNow();
  }

  void Event(const IkeEvent& event) override {
    e_.OnIkeEvent(event);
    if (e_.options.host.events != nullptr) e_.options.host.events->OnIke(event);
  }

  void IkeSaKeysDerived(uint64_t peer, const Ikev2SaKeys& keys) override {
    (void)peer;
    if (e_.options.host.key_log != nullptr) e_.options.host.key_log->OnIkev2Sa(keys);
  }

  void Log(LogLevel level, std::string_view message) override {
    if (e_.options.host.log != nullptr) e_.options.host.log->Log(level, message);
  }

 private:
  Engine::Impl& e_;
};

void Engine::Impl::StartIke() {
  ike_bridge = std::make_unique<IkeBridge>(*this);
  ike::IkeOptions o;
  o.retransmit_timeout = options.ike_retransmit_timeout;
  o.max_retransmits = options.ike_max_retransmits;
  o.cookie_threshold = options.ike_cookie_threshold;
  o.half_open_limit = options.ike_half_open_limit;
  o.init_rate_per_peer = options.ike_init_rate_per_peer;
  o.crypto = options.host.ike_crypto;
  ike = std::make_unique<ike::IkeManager>(ike_bridge.get(), o);
  ike_v1 = std::make_unique<ike::v1::Ikev1Manager>(ike_bridge.get(), o);
}

void Engine::Impl::SetIkePeers(std::vector<ike::IkePeerConfig> peers, MonoTime now) {
  std::vector<ike::IkePeerConfig> v1;
  std::vector<ike::IkePeerConfig> v2;
  for (ike::IkePeerConfig& p : peers) (p.ike_version == 1 ? v1 : v2).push_back(std::move(p));
  ike->SetPeers(std::move(v2), now);
  ike_v1->SetPeers(std::move(v1), now);
}

absl::Status Engine::Impl::IkeInitiate(uint64_t peer, MonoTime now) {
  return ike_v1->HasPeer(peer) ? ike_v1->Initiate(peer, now) : ike->Initiate(peer, now);
}

MonoTime Engine::Impl::IkeTimer(MonoTime now) {
  return std::min(ike->OnTimer(now), ike_v1->OnTimer(now));
}

Engine::Impl::~Impl() {
  // IKE first: its SAs hold the gateways' EAP relays and XAUTH verifiers, whose destructors
  // cancel their RADIUS requests and so need the RADIUS clients (`radius`, declared after the
  // managers, is destroyed before them); the gateways hold them too.
  ike.reset();
  ike_v1.reset();
  gws.clear();
}

IpsecTunnelState* Engine::Impl::TunnelForPeer(uint64_t peer) {
  auto k = ike_peer_keys.find(peer);
  if (k == ike_peer_keys.end()) return nullptr;
  auto t = ipsec_tunnels.find(k->second);
  if (t == ipsec_tunnels.end() || t->second.ike_peer != peer) return nullptr;
  return &t->second;
}

IpsecTunnelState* Engine::Impl::TunnelForChild(uint64_t peer, const ike::ChildInstall* install,
                                               SaHandle inbound, bool create) {
  GwState* g = GwForPeer(peer);
  if (g == nullptr) return TunnelForPeer(peer);
  if (install != nullptr) {
    const uint16_t port = install->udp_encap ? install->udp_encap->remote_port : 0;
    return GwSession(*g, {install->remote, port}, create);
  }
  if (g->slot == nullptr) return nullptr;
  if (IpsecTunnelState* t = g->slot->ipsec_by_sa.Find(inbound.index)) return t;
  // An outbound handle (QueryChild of either SA): the session that installed it.
  auto o = g->session_by_outbound.find(inbound.index);
  if (o == g->session_by_outbound.end()) return nullptr;
  IpsecTunnelState* st = GwSession(*g, o->second, /*create=*/false);
  if (st == nullptr || std::find(st->ike_outbound.begin(), st->ike_outbound.end(), inbound) ==
                           st->ike_outbound.end()) {
    return nullptr;
  }
  return st;
}

void Engine::Impl::ForwardControl(EngineService& svc, PacketRef& p, EngineVerdict& v) {
  control_runner->RouteOuter(svc, p, v);
}

void Engine::Impl::IndexIkeNames() {
  // In the order a scan would meet them, the last one of a name winning (a gateway over a
  // tunnel), as the session records have always named their service.
  service_by_ike_name.clear();
  for (const auto& [k, t] : ipsec_tunnels) service_by_ike_name[t.ike_name] = t.private_service;
  for (const auto& [name, g] : gws) service_by_ike_name[g.name] = g.secure_service;
}

void Engine::Impl::OnIkeEvent(const IkeEvent& e) {
  auto key = [&] { return std::make_pair(e.ike_spi_i, e.ike_spi_r); };
  switch (e.kind) {
    case IkeEventKind::kIkeUp: {
      Engine::SessionRecord r;
      r.tunnel = std::string(e.tunnel);
      r.peer = e.peer;
      r.peer_id = std::string(e.peer_id);
      r.algorithms = StrCat("IKE ", e.detail);
      r.setup = e.at;
      if (e.inner_address.is_set()) r.inner_address = e.inner_address;
      r.user = std::string(e.user);
      // (Abseil's own string_view here: this Abseil does not take std::string_view.)
      if (auto s = service_by_ike_name.find(absl::string_view(e.tunnel.data(), e.tunnel.size()));
          s != service_by_ike_name.end()) {
        r.service = s->second;
      }
      sessions.push_back(std::move(r));
      session_by_ike[key()] = sessions_dropped + sessions.size() - 1;
      break;
    }
    case IkeEventKind::kIkeRekeyed:
      // The rekeyed IKE SA continues the session of the one it replaced: found by that one's
      // SPIs (not by the tunnel's name, which all of an ipsec-gw's sessions share).
      if (auto s = session_by_ike.find(std::make_pair(e.prior_ike_spi_i, e.prior_ike_spi_r));
          s != session_by_ike.end()) {
        const size_t idx = s->second;
        session_by_ike.erase(s);
        session_by_ike[key()] = idx;
      }
      break;
    case IkeEventKind::kChildUp:
    case IkeEventKind::kChildRekeyed:
      GwSessionUp(e);  // remote-access accounting: Start (once per session)
      if (auto s = session_by_ike.find(key());
          s != session_by_ike.end() && s->second >= sessions_dropped) {
        Engine::SessionRecord& r = sessions[s->second - sessions_dropped];
        if (r.algorithms.find(", ESP ") == std::string::npos) {
          StrAppend(r.algorithms, ", ESP ", e.detail);
        }
        // IKEv1 Mode Config gives the address after the connection is up.
        if (!r.inner_address && e.inner_address.is_set()) r.inner_address = e.inner_address;
      }
      break;
    case IkeEventKind::kIkeDown:
      // The Stops of the sessions this IKE SA's CHILD SAs ended: the reason is the cause.
      accounting->IkeDown(e.peer, e.peer_port, e.detail, e.at);
      if (auto s = session_by_ike.find(key()); s != session_by_ike.end()) {
        if (s->second >= sessions_dropped) {
          Engine::SessionRecord& r = sessions[s->second - sessions_dropped];
          r.teardown = e.at;
          r.teardown_reason = std::string(e.detail);
        }
        session_by_ike.erase(s);
      }
      break;
    default:
      break;
  }
  // Keep indexes meaningful when the oldest records are dropped.
  while (sessions.size() > Engine::kMaxSessionLog) {
    sessions.pop_front();
    ++sessions_dropped;
  }
}

void Engine::Impl::Control(const PacketRef& packet, MonoTime now) {
  accounting->Flush(now);  // the time sessions this datagram ends end at
  ++control_counters.ike_in;
  const PacketInfo info = ParsePacket(packet);
  if (!info.ok || info.proto != kProtoUdp || info.fragment) {
    ++control_counters.ike_drops;
    return;
  }
  const size_t header = IpHeaderLength(packet);
  if (packet.length < header + kUdpHeaderSize) {
    ++control_counters.ike_drops;
    return;
  }
  const uint8_t* udp = packet.data() + header;
  const uint16_t sport = dataplane::Load16(udp);
  const uint16_t dport = dataplane::Load16(udp + 2);
  std::span<const uint8_t> payload = packet.bytes().subspan(header + kUdpHeaderSize);
  const bool natt = dport == kNatTPort;
  if (natt) {
    // On the NAT-T port IKE carries the non-ESP marker; a 0xFF keepalive is absorbed.
    if (payload.size() < 4 || dataplane::Load32(payload.data()) != 0) {
      ++control_counters.ike_drops;
      return;
    }
    payload = payload.subspan(4);
  } else if (dport != kIkePort) {
    ++control_counters.ike_drops;
    return;
  }
  // The ISAKMP header's version octet (offset 17) says which IKE this is: major 1 or 2.
  if (payload.size() > 17 && (payload[17] >> 4) == 1) {
    ike_v1->OnDatagram({info.dst, dport}, {info.src, sport}, payload, natt, now);
    return;
  }
  ike->OnDatagram({info.dst, dport}, {info.src, sport}, payload, natt, now);
}

absl::Status Engine::Impl::Initiate(const config::TunnelKey& tunnel, MonoTime now) {
  auto it = ipsec_tunnels.find(tunnel);
  if (it == ipsec_tunnels.end()) {
    return absl::NotFoundError(
        StrCat("no ipsec-tunnel \"", tunnel.name, "\" in service ", tunnel.service));
  }
  if (it->second.ike_peer == 0) {
    return absl::FailedPreconditionError(StrCat(
        "ipsec-tunnel \"", tunnel.name, "\" is not an operationally up dynamic-keying tunnel",
        it->second.down_reason.empty() ? "" : ": ", it->second.down_reason));
  }
  return IkeInitiate(it->second.ike_peer, now);
}

void Engine::Impl::Acquire(IpsecTunnelState& t, MonoTime now) {
  // The first packet routed into a dynamic tunnel without SAs starts IKE (at most once a
  // second per tunnel, so a flood of packets does not make a flood of attempts). Fast path:
  // only queued on the tunnel's slot; the control path initiates (DH key generation is no
  // per-packet work).
  if (t.ike_peer == 0 || t.slot == nullptr ||
      (t.last_acquire.ns != 0 && now < t.last_acquire + Duration::Seconds(1))) {
    return;
  }
  t.last_acquire = now;
  t.slot->Queue({.kind = ControlWork::kAcquire, .peer = t.ike_peer});
}

bool Engine::Impl::ControlWorkPending() const {
  for (const auto& [isa, slot] : slots) {
    if (!slot->control_queue.empty()) return true;
  }
  return false;
}

void Engine::Impl::DrainControl(MonoTime now) {
  // Work queued while draining (a rekey's SA install raising another event) waits for the
  // next drain: the loop is bounded by what was queued when it started.
  std::vector<ControlWork> work;
  for (auto& [isa, slot] : slots) {
    if (slot->control_queue.empty()) continue;
    work.insert(work.end(), slot->control_queue.begin(), slot->control_queue.end());
    slot->control_queue.clear();
  }
  for (const ControlWork& w : work) {
    switch (w.kind) {
      case ControlWork::kAcquire:
        (void)IkeInitiate(w.peer, now);
        break;
      case ControlWork::kLifetime:
        // IKE's CHILD SAs carry their inbound SPI as cookie (IKEv1's with a tag above it);
        // manual SAs carry 0.
        if ((w.event.cookie & ike::v1::kV1ChildCookieTag) != 0) {
          ike_v1->OnChildLifetime(w.event.cookie, w.event.hard, w.event.at);
        } else if (w.event.cookie != 0) {
          ike->OnChildLifetime(w.event.cookie, w.event.hard, w.event.at);
        }
        if (options.host.events != nullptr) options.host.events->OnSaLifetime(w.event);
        break;
    }
  }
}

void Engine::Impl::Shutdown(MonoTime now) {
  accounting->Flush(now);
  ike->Shutdown(now);
  ike_v1->Shutdown(now);
  accounting->Flush(now);  // the Stops of sessions no IKE SA's down event explained
}

void Engine::OnControlPacket(const PacketRef& packet, MonoTime now) {
  ControlWindow w(*impl_);
  impl_->Control(packet, now);
}

absl::Status Engine::Initiate(const config::TunnelKey& tunnel, MonoTime now) {
  ControlWindow w(*impl_);
  return impl_->Initiate(tunnel, now);
}

void Engine::Shutdown(MonoTime now) {
  ControlWindow w(*impl_);
  impl_->Shutdown(now);
}

absl::Status Engine::Rekey(const config::TunnelKey& tunnel, bool ike, MonoTime now) {
  ControlWindow w(*impl_);
  auto it = impl_->ipsec_tunnels.find(tunnel);
  if (it == impl_->ipsec_tunnels.end()) {
    return absl::NotFoundError(
        StrCat("no ipsec-tunnel \"", tunnel.name, "\" in service ", tunnel.service));
  }
  if (it->second.ike_peer == 0) {
    return absl::FailedPreconditionError(
        StrCat("ipsec-tunnel \"", tunnel.name, "\" is not dynamically keyed (or is down)"));
  }
  const uint64_t peer = it->second.ike_peer;
  if (impl_->ike_v1->HasPeer(peer)) {
    return ike ? impl_->ike_v1->RekeyIke(peer, now) : impl_->ike_v1->RekeyChild(peer, now);
  }
  return ike ? impl_->ike->RekeyIke(peer, now) : impl_->ike->RekeyChild(peer, now);
}

std::vector<Engine::SessionRecord> Engine::IkeSessions() const {
  return {impl_->sessions.begin(), impl_->sessions.end()};
}

IkeCounters Engine::ike_counters() const {
  // IKEv1 and IKEv2 together: the counters mean the same in both.
  const ike::IkeStats& s = impl_->ike->stats();
  const ike::IkeStats& s1 = impl_->ike_v1->stats();
  IkeCounters c;
  c.ike_sas = impl_->ike->ike_sa_count() + impl_->ike_v1->ike_sa_count();
  c.half_open = impl_->ike->half_open_count() + impl_->ike_v1->half_open_count();
  c.datagrams_in = s.datagrams_in + s1.datagrams_in;
  c.dropped = s.dropped + s1.dropped;
  c.retransmits = s.retransmits + s1.retransmits;
  c.responses_replayed = s.responses_replayed + s1.responses_replayed;
  c.cookies_sent = s.cookies_sent + s1.cookies_sent;
  c.half_open_refused = s.half_open_refused + s1.half_open_refused;
  c.auth_failures = s.auth_failures + s1.auth_failures;
  c.addresses_assigned = s.addresses_assigned;
  c.address_failures = s.address_failures;
  c.redundant_ike_sas = s.redundant_ike_sas;  // IKEv2 only
  return c;
}

}  // namespace tunnelisa

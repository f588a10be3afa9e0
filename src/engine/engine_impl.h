// Engine::Impl: the engine's state and the functions over it, split by job:
//   engine.cc          the facade, counters and getters;
//   engine_apply.cc    turning a configuration into slots, installed tunnels/SAs and routes;
//   engine_forward.cc  the packet paths (fast path);
//   engine_view.cc     the RuntimeView with live oper states.
// Internal to src/engine; not installed.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_IMPL_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_IMPL_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "crypto/random_pool.h"
#include "dataplane/icmp_error.h"
#include "engine/address_index.h"
#include "engine/engine_accounting.h"
#include "engine/engine_eap.h"
#include "engine/engine_pki.h"
#include "engine/engine_radius.h"
#include "engine/engine_view.h"
#include "engine/engine_xauth.h"
#include "engine/gw_routes.h"
#include "engine/isa_groups.h"
#include "engine/slot_gate.h"
#include "engine/spare_pool.h"
#include "ike/auth/address_pool.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v2/ike_manager.h"
#include "tunnelisa/config/diff.h"
#include "tunnelisa/config/route_table.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/esp_dataplane.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/reassembly.h"

namespace tunnelisa {

struct IpTunnelState;
struct IpsecTunnelState;
struct EngineService;
class SlotRunner;

// PacketInfo: the IP header fields the engine routes and demultiplexes on.
struct PacketInfo {
  IpAddress src;
  IpAddress dst;
  uint8_t proto = 0;      // IPv4 protocol / IPv6 next header
  bool fragment = false;  // IPv4 MF or offset, or an IPv6 Fragment header first
  uint16_t dport = 0;     // UDP destination port (unfragmented UDP only)
  bool ok = false;        // false: not a well-formed IPv4/IPv6 header
};
// EndpointTunnels: the tunnels a public packet's (destination, source) pair names in the
// service that terminates the destination (either may be null).
struct EndpointTunnels {
  IpTunnelState* ip = nullptr;
  IpsecTunnelState* ipsec = nullptr;
};
// ParsePacket: fast path; never reads past p.length.
PacketInfo ParsePacket(const PacketRef& p);
// IpHeaderLength: the IPv4 header (with options) or IPv6 fixed header length of a packet
// ParsePacket accepted.
size_t IpHeaderLength(const PacketRef& p);
// IsIkeDatagram: UDP to 500, or to 4500 with the non-ESP marker (RFC 3948 2.2).
bool IsIkeDatagram(const PacketRef& p, const PacketInfo& ip);

// ControlWork: control work found on the fast path (a packet for a dynamic tunnel without SAs;
// SA lifetime events, which rekey or remove CHILD SAs), queued per slot and done by the control
// path (Engine::Impl::DrainControl).
struct ControlWork {
  enum Kind : uint8_t { kAcquire, kLifetime } kind = kAcquire;
  uint64_t peer = 0;      // kAcquire: the tunnel's IKE peer
  SaLifetimeEvent event;  // kLifetime
};

// Slot: one ISA slot: its ESP and GRE/IP-IP data planes and reassembler. Created when a
// tunnel group first uses the ISA; kept for the engine's life (SAs and tunnels are removed).
// Whoever runs the slot (its worker inside a burst, or the control thread inside a control
// window, see SlotGate) is the only one touching it at that time.
struct EngineSlot {
  config::IsaSlot isa;
  uint16_t number = 0;
  std::unique_ptr<Reassembler> reassembler;
  std::unique_ptr<EspDataplane> esp;
  std::unique_ptr<IpTunnelDataplane> ip;
  // The slot's control work, bounded (kMaxControlQueue; more is counted and retried by the
  // next packet or lifetime event). `queue_events` puts the data plane's lifetime events here.
  static constexpr size_t kMaxControlQueue = 4096;
  std::vector<ControlWork> control_queue;
  uint64_t control_overflows = 0;
  void Queue(const ControlWork& work) {
    if (control_queue.size() >= kMaxControlQueue) {
      ++control_overflows;
      return;
    }
    control_queue.push_back(work);
  }
  class QueueEvents final : public EventListener {
   public:
    explicit QueueEvents(EngineSlot* slot) : slot_(slot) {}
    // Raised inside a data-plane call (fast path, or a timer): queued for the control path.
    void OnSaLifetime(const SaLifetimeEvent& event) override {
      slot_->Queue({.kind = ControlWork::kLifetime, .event = event});
    }

   private:
    EngineSlot* slot_;
  };
  QueueEvents queue_events{this};
  // ipsec_by_sa: the tunnel of each inbound SA, by the SA's arena index (dense, reused), so
  // the owner check after decryption is one array read.
  class SaOwners {
   public:
    void Set(uint32_t index, IpsecTunnelState* t) {
      if (index >= owners_.size()) owners_.resize(index + 1, nullptr);
      owners_[index] = t;
    }
    void Erase(uint32_t index) {
      if (index < owners_.size()) owners_[index] = nullptr;
    }
    IpsecTunnelState* Find(uint32_t index) const {
      return index < owners_.size() ? owners_[index] : nullptr;
    }

   private:
    std::vector<IpsecTunnelState*> owners_;
  };
  SaOwners ipsec_by_sa;
  absl::flat_hash_map<uint32_t, IpTunnelState*> ip_by_index;  // tunnel index
};

// TunnelTraffic: one tunnel's traffic counters, written only on the fast path of the slot the
// tunnel is on (so two workers never write one counter), read on the control path. `inner`
// counts payload packets and octets (the tunnel's own figures, and its private SAP's and
// service's), `outer` the outer packets (its public SAP's and delivery service's). A SAP's or
// service's counters are sums over its tunnels, taken when read (Engine::Impl::Traffic*).
// Cache-line aligned: tunnels of different slots are neighbours in memory, and their workers
// write these per packet.
struct alignas(64) TunnelTraffic {
  TrafficCounters inner;
  TrafficCounters outer;
};

// AddSince: to += now - base (a tunnel's traffic since it was linked to a SAP or service).
inline void AddSince(TrafficCounters& to, const TrafficCounters& now, const TrafficCounters& base) {
  to.in_packets += now.in_packets - base.in_packets;
  to.in_octets += now.in_octets - base.in_octets;
  to.out_packets += now.out_packets - base.out_packets;
  to.out_octets += now.out_octets - base.out_octets;
}

// CounterLink: where one tunnel's traffic counts besides the tunnel itself (control path):
// what the tunnel counted since `base` (its figures when it was linked there) belongs to these
// SAPs and services. When a tunnel leaves them (removed, moved to another SAP), that part is
// added to their retired totals.
struct CounterLink {
  TunnelTraffic* traffic = nullptr;
  std::pair<uint32_t, config::TunnelSapId> private_sap;
  uint32_t private_service = 0;
  std::optional<std::pair<uint32_t, config::TunnelSapId>> public_sap;  // a public SAP's subnet
  std::optional<uint32_t> delivery_service;                            // holds the source
  TunnelTraffic base;
  bool SameTargets(const CounterLink& o) const {
    return private_sap == o.private_sap && private_service == o.private_service &&
           public_sap == o.public_sap && delivery_service == o.delivery_service;
  }
};

// TunnelPlacement: where a configured tunnel sits: its private SAP and service and its
// delivery service (both kinds of tunnel have one).
// OuterEgress: where a tunnel's outer packets leave when its delivery service routes the
// remote address straight out (not into another tunnel, not to a local address): resolved when
// the routes are built, so the fast path does not route every outer packet again. `remote` is
// what it was resolved for: a packet to another address (a peer that moved) is routed.
struct OuterEgress {
  bool valid = false;
  IpAddress remote;
  std::string_view interface;  // the delivery service's route (lives as long as its table)
  IpAddress next_hop;
  uint32_t interface_id = 0;
};

// What every packet of the tunnel reads comes first, together (the fast path's cache lines; a
// host with 1000s of tunnels misses them per packet): the services, slot, counters, egress.
struct TunnelPlacement {
  EngineService* private_svc = nullptr;  // set by BuildServices
  EngineService* delivery_svc = nullptr;
  EngineSlot* slot = nullptr;
  TunnelTraffic* traffic = nullptr;  // null: not counted (ipsec-gw sessions)
  bool installed = false;            // GRE / IP-IP: operationally up; ipsec-tunnel: SAs installed
  OuterEgress egress;                // set by BuildServices / RelinkGws (CacheEgress)
  config::TunnelKey key;
  config::TunnelSapId sap;
  uint32_t private_service = 0;
  uint32_t delivery_service = 0;
};

// IpTunnelState: one configured GRE/IP-IP tunnel; `installed` while operationally up.
struct IpTunnelState : TunnelPlacement {
  IpTunnelHandle handle;
  uint32_t installed_mtu = 0;
  uint32_t overhead = 0;  // outer header bytes the encapsulation adds
  // What the installed tunnel was built from (a change reinstalls it).
  config::IpTunnel installed_config;
  std::optional<config::InterfaceAddress> installed_interface;
  bool installed_reassembly = false;
  TunnelRemote active = TunnelRemote::kPrimary;
};

// IpsecTunnelState: one configured ipsec-tunnel; SAs installed while manual keying applies.
struct IpsecTunnelState : TunnelPlacement {
  // The fast path's fields first (with TunnelPlacement's): see TunnelPlacement.
  SaHandle outbound;
  // Dynamic keying: the tunnel's IKE peer id (0: none, manual keying or down).
  uint64_t ike_peer = 0;
  // Payload size limit (the guide's "IP Fragmentation and Reassembly for IP Tunnels"), set at
  // each ApplyConfig: IPv4 payload above ip_mtu is fragmented before encryption (DF clear, or
  // cleared by clear-df-bit) or refused with ICMP "fragmentation needed"; IPv6 payload above
  // max(ip_mtu, 1280) with ICMPv6 Packet Too Big. 0: no limit.
  uint32_t ip_mtu = 0;
  bool clear_df = false;
  // reassembly: the tunnel group's `reassembly` is on: outer fragments from the peer go through
  // the slot's Reassembler before decryption; otherwise they are dropped (reassembly-disabled).
  bool reassembly = false;
  IpAddress local;
  IpAddress peer;
  // Fingerprint of the installed SAs: the tunnel, its transforms and security policy, slot.
  config::IpsecTunnel installed_config;
  std::vector<config::IpsecTransform> installed_transforms;
  std::optional<config::SecurityPolicy> installed_policy;
  std::vector<SaHandle> inbound;
  std::string down_reason;  // why the engine keeps it down ("" when up or down by config)
  // Sources of those ICMP errors: the private tunnel interface's address (unset: no error of
  // that family; the packet is still dropped). Errors are rate-limited per tunnel like an
  // ip-tunnel's (IpTunnelConfig's icmp_rate / icmp_burst).
  IpAddress icmp_source_v4;
  IpAddress icmp_source_v6;
  dataplane::IcmpRateLimiter icmp;
  bool icmp_configured = false;
  uint16_t icmp_ip_id = 0;
  // Dynamic keying: the tunnel's name in IKE events, every outbound SA IKE installed (the
  // active one is `outbound`; inbound SAs are all in `inbound`), and the last traffic-triggered
  // initiation.
  std::string ike_name;
  std::vector<SaHandle> ike_outbound;
  MonoTime last_acquire;
  // ipsec-gw sessions: the peer's traffic selectors, routed to it in the secure service, and
  // the peer's NAT-T port (GwState::SessionKey).
  std::vector<IpPrefix> gw_routes;
  uint16_t gw_port = 0;
  // ipsec-gw sessions: what the SAs it no longer has counted (RetireGwSa), so that the
  // session's accounting totals survive CHILD SA rekeys (GwSessionCounters).
  SessionCounters gw_retired;
  // Manual keying: the outbound SA's last sequence number as last seen by OnTimer. A tunnel
  // re-established on another ISA (failover: the failed ISA's state is lost) sends above it,
  // with a margin, so that the peer's anti-replay window accepts what follows.
  uint32_t snapshot_spi = 0;
  uint64_t snapshot_sequence = 0;
};

// EngineService: one routing instance, rebuilt at each ApplyConfig.
struct EngineService {
  uint32_t id = 0;
  config::RouteTable routes;
  std::vector<RouteTarget> route_targets;  // by route index (RouteTable::route)
  std::map<std::string, IpTunnelState*, std::less<>> ip_by_name;
  std::map<std::string, IpsecTunnelState*, std::less<>> ipsec_by_name;
  // Private tunnel interfaces: local routes over them go into their tunnel.
  std::map<std::string, IpTunnelState*, std::less<>> ip_by_interface;
  std::map<std::string, IpsecTunnelState*, std::less<>> ipsec_by_interface;
  absl::flat_hash_set<IpAddress> own_addresses;      // interface addresses: for the host
  absl::flat_hash_set<IpAddress> terminated;         // tunnel sources / local gateways here
  EndpointMap<IpTunnelState> ip_by_endpoints;        // (local, remote)
  EndpointMap<IpsecTunnelState> ipsec_by_endpoints;  // (local gateway, peer)
  // ipsec-gw gateway addresses here (IKE from any peer goes to the control plane) and, in a
  // secure service, the routes to the gateways' sessions (looked up beside `routes`).
  absl::flat_hash_set<IpAddress> gw_addresses;
  // gw_routes changes one session at a time (RelinkGwSession); has_gw_routes: it routes
  // something (the fast path's test before the lookup).
  GwRoutes gw_routes;
  bool has_gw_routes = false;
  // ResolveTargets: route_targets from `routes` and the name / interface maps above;
  // `interface_ids` numbers the interfaces.
  void ResolveTargets(const std::map<std::pair<uint32_t, std::string>, uint32_t>& interface_ids);
  // local: `terminated` and `own_addresses` for the fast path; IndexLocal rebuilds it after
  // either changes.
  AddressIndex local;
  void IndexLocal();
};

// The IKE view of a dynamic-keying ipsec-tunnel (its security policy's prefixes as traffic
// selectors) and of an ipsec-gw (engine_ike_peers.cc). Fail with the reason it stays down.
absl::StatusOr<ike::IkePeerConfig> IkePeerForTunnel(
    const config::Config& config, const config::IpsecTunnel& t,
    const config::DynamicKeying& dynamic, std::vector<IpPrefix> local_ts,
    std::vector<IpPrefix> remote_ts, const config::TunnelGroup* group, const EnginePki* pki);
absl::StatusOr<ike::IkePeerConfig> IkePeerForGw(const config::Config& config,
                                                const config::IpsecGw& gw, const EnginePki* pki);

class Engine::Impl {
 public:
  explicit Impl(const EngineOptions& options);
  ~Impl();

  // engine_apply.cc
  absl::Status Apply(const config::Config& candidate, MonoTime now);
  // Reconcile: slots, SAs, tunnels, routes and IKE peers to the running configuration and the
  // tunnel groups' assignments (after Apply, and after an ISA's health changed); `cause` says
  // which, for the TunnelEvents it raises at the end.
  void Reconcile(MonoTime now, std::string_view cause);
  // engine_tunnel_events.cc: each tunnel whose operational state changed since the last
  // report, reported once (EventListener::OnTunnel) and logged.
  void RaiseTunnelEvents(MonoTime now, std::string_view cause);
  struct ReportedTunnel {
    TunnelKind kind = TunnelKind::kIpsec;
    config::TunnelKey key;
    auto operator<=>(const ReportedTunnel&) const = default;
  };
  // reported_tunnels_: every configured tunnel and whether it was last reported up.
  std::map<ReportedTunnel, bool> reported_tunnels_;
  // engine_isa.cc: ISA health and tunnel-group failover.
  absl::Status SetIsaHealth(const config::IsaSlot& isa, bool healthy, MonoTime now);
  void RaiseIsaEvents(const std::vector<IsaGroups::Change>& changes, MonoTime now);
  std::vector<config::IsaMemberState> IsaMembers(uint32_t group) const;
  // SnapshotSequences: each manual outbound SA's last sequence number, at most once per
  // kSnapshotInterval (OnTimer runs often; a pass over the tunnels is not per-timer work).
  // It does not set OnTimer's deadline: hosts call OnTimer at least once a second.
  void SnapshotSequences(MonoTime now);
  static constexpr Duration kSnapshotInterval = Duration::Seconds(1);
  MonoTime next_snapshot_;

  // The fast path's runners (slot_runner.h): `control_runner` serves the one-thread calls
  // (Engine::OnPublicPackets ...) on any slot, inside a control window; each EngineWorker has
  // its own for one slot. `gate` keeps the control thread's changes and the workers' bursts
  // apart without making a worker wait (slot_gate.h).
  std::unique_ptr<SlotRunner> control_runner;
  std::map<config::IsaSlot, std::unique_ptr<SlotRunner>> workers;
  SlotGate gate;
  std::vector<WorkerFlag*> worker_flags;  // the workers' gate flags (rebuilt on attach / detach)
  // engine_worker.cc
  absl::StatusOr<std::unique_ptr<EngineWorker>> AttachWorker(const config::IsaSlot& isa);
  void DetachWorker(const config::IsaSlot& isa);
  // CheckWorkers: a worker silent for EngineOptions::worker_timeout fails its ISA ("worker
  // hung"); one that calls in again recovers it.
  void CheckWorkers(MonoTime now);
  std::vector<Engine::SlotState> Slots() const;
  // Counters the control path keeps (IKE datagrams); the engine's counters are these plus
  // every runner's plus the slots' control-queue overflows (Counters, in a control window).
  EngineCounters control_counters;
  EngineCounters Counters() const;
  // OneThreadBurst: a one-thread burst call (engine.cc): `run(control_runner)` in a control
  // window, then the queued control work when EngineOptions::control_on_fast_path.
  template <typename Run>
  void OneThreadBurst(MonoTime now, Run run);
  // RunSlotTimers: the data-plane timers of the slots no worker serves (workers run their
  // own); the earliest deadline.
  MonoTime RunSlotTimers(MonoTime now);

  // engine_ike.cc (control path)
  class IkeBridge;
  void StartIke();
  void Control(const PacketRef& packet, MonoTime now);
  absl::Status Initiate(const config::TunnelKey& tunnel, MonoTime now);
  // The two IKE managers as one: peers split by ike-version, each peer's calls to its own.
  void SetIkePeers(std::vector<ike::IkePeerConfig> peers, MonoTime now);
  absl::Status IkeInitiate(uint64_t peer, MonoTime now);
  MonoTime IkeTimer(MonoTime now);
  // Acquire: fast path (the runner of t's slot): a packet for a dynamic tunnel without SAs
  // queues an initiation on the slot, at most once a second per tunnel.
  static void Acquire(IpsecTunnelState& t, MonoTime now);
  // DrainControl: the control work the slots queued (ControlWork): done on the control path
  // (OnTimer; and after each one-thread burst call when EngineOptions::control_on_fast_path).
  void DrainControl(MonoTime now);
  bool ControlWorkPending() const;
  void Shutdown(MonoTime now);
  IpsecTunnelState* TunnelForPeer(uint64_t peer);
  void ForwardControl(EngineService& svc, PacketRef& p, EngineVerdict& v);
  void OnIkeEvent(const IkeEvent& event);
  // The tunnel an IKE CHILD SA belongs to: a static tunnel by IKE peer, an ipsec-gw session by
  // the peer's IKE endpoint (`install`: created when `create`) or by the pair's inbound SA.
  IpsecTunnelState* TunnelForChild(uint64_t peer, const ike::ChildInstall* install,
                                   SaHandle inbound, bool create);

  // engine_gw.cc: ipsec-gw (dynamic LAN-to-LAN responder)
  struct GwState {
    uint64_t peer = 0;  // IKE peer id
    std::string name;   // "ipsec-gw NAME"
    EngineSlot* slot = nullptr;
    IpAddress address;
    uint32_t delivery_service = 0;
    uint32_t secure_service = 0;
    std::string interface;
    // Sessions by the peer's IKE endpoint as we see it: its address, and its UDP port when
    // NAT traversal is in use (0 otherwise), so two peers behind one NAT address are two
    // sessions. (Not by IKE SA SPIs: an IKE rekey changes those, the session stays.)
    struct SessionKey {
      IpAddress address;
      uint16_t port = 0;
      bool operator<(const SessionKey& o) const {
        return address == o.address ? port < o.port : address < o.address;
      }
    };
    std::map<SessionKey, std::unique_ptr<IpsecTunnelState>> sessions;
    // session_by_outbound: the session of each IKE-installed outbound SA (`ike_outbound`), by
    // the SA's arena index, so a call naming an outbound SA (QueryChild) finds its session
    // without a scan (issue 14). Holds the session's key, not a pointer: an entry a removal
    // left behind finds no session, or one that does not hold that SA (TunnelForChild checks).
    absl::flat_hash_map<uint32_t, SessionKey> session_by_outbound;
    // pool: the local-address-assignment pool (null: none). Kept across reloads that keep a
    // pool (SetRange), so leases still inside the range survive; IKE SAs holding a lease keep
    // the pool alive (shared) until they release it.
    std::shared_ptr<ike::AddressPool> pool;
    // xauth: the XAUTH users' checker of an IKEv1 gateway with auth-method plain-psk-xauth
    // (RADIUS, through xauth_server_policy); null otherwise. Kept across reloads that keep
    // the radius-server-policy; an ISAKMP SA whose check is in flight keeps its own.
    std::shared_ptr<RadiusXauthVerifier> xauth;
    std::string xauth_server_policy;
    // eap_relay: auth-method eap: the clients' EAP relayed to RADIUS (engine_eap.h); kept
    // while the radius-server-policy stays, so conversations in progress survive a reload.
    std::shared_ptr<RadiusEapRelay> eap_relay;
  };
  // ReconcileXauth: g.xauth as ipsec-gw `gw` needs it.
  void ReconcileXauth(GwState& g, const std::string& name, const config::Config& config,
                      const config::IpsecGw& gw);
  void ReconcileGws(const config::Config& config, const config::RuntimeView& base,
                    std::vector<ike::IkePeerConfig>& peers);
  // RemoveGwSessions: the gateway's sessions end (their accounting Stops say `cause`).
  void RemoveGwSessions(GwState& g, AcctTerminateCause cause);
  // ReconcilePool: the gateway's local-address-assignment pool after a configuration change:
  // created, resized (revoked leases queued in revoked_leases_) or dropped.
  absl::Status ReconcilePool(GwState& g, const config::IpsecGw& gw);
  // ReconcileEapRelay: the gateway's RadiusEapRelay after a configuration change (auth-method
  // eap with a radius-authentication-policy: created or kept; otherwise dropped).
  void ReconcileEapRelay(GwState& g, const std::string& name, const config::Config& config,
                         const config::IpsecGw& gw);
  GwState* GwForPeer(uint64_t peer);
  IpsecTunnelState* GwSession(GwState& g, const GwState::SessionKey& key, bool create);
  // RelinkGws: after BuildServices: terminated addresses, endpoints, names and the secure
  // services' gw routes, for every gateway and session.
  void RelinkGws();
  // RelinkGwSession: after one session's change (SAs activated or removed): that session's
  // links and routes only (O(log n) in the sessions held; issue 14); the same state RelinkGws
  // would leave. DropGwSessionIfEmpty unlinks a session that goes.
  void RelinkGwSession(GwState& g, IpsecTunnelState& st);
  static GwRoutes::SessionRank RankOf(const GwState& g, const IpsecTunnelState& st);
  // GwRoutesChanged: after `secure`'s gw routes changed: has_gw_routes, and the cached egress
  // of the tunnels it delivers when that flipped (CacheEgress resolves none while it has them).
  void GwRoutesChanged(EngineService& secure);
  // CheckGwRoutes: with CheckGwRoutesForTesting on, every service's gw routes against a full
  // build from every installed session (RelinkGws's); aborts on a difference.
  void CheckGwRoutes() const;
  void DropGwSessionIfEmpty(GwState& g, IpsecTunnelState& st);
  // Accounting of ipsec-gw sessions (engine_gw.cc): a CHILD SA event's session comes up in
  // `accounting`; an SA about to be deleted adds its counters to the session's retired ones;
  // a session's counters are those plus its live SAs'.
  void GwSessionUp(const IkeEvent& e);
  void RetireGwSa(IpsecTunnelState& st, SaHandle sa);
  SessionCounters GwSessionCounters(const IpsecTunnelState& st) const;
  // gw_session_by_key: every ipsec-gw session by its TunnelKey (the accounting's session key).
  std::map<config::TunnelKey, IpsecTunnelState*> gw_session_by_key;

  // engine_view.cc helper: SA counters of an ipsec tunnel.
  std::optional<config::IpsecTunnelCounters> IpsecCounters(const config::TunnelKey& key) const;
  // engine_metrics.cc: a tunnel's statistics for `show ... statistics` (drops: its SAs', or
  // the IP tunnel data plane's for it) and the view's statistics functions. Control path,
  // inside a control window (WireStatistics' functions take their own; Engine::Metrics takes
  // short ones, see WindowedReads there).
  std::optional<config::TrafficStatistics> TunnelStatistics(const config::TunnelKey& key,
                                                            bool ipsec) const;
  void WireStatistics();

  EngineOptions options;
  // IKE's random octets when the host gives no Random (control thread only).
  crypto::RandomPool random_pool;
  config::RunningConfig running;
  IsaGroups groups;  // ISA health and the tunnel groups' active ISAs
  EngineView view;
  std::map<config::IsaSlot, std::unique_ptr<EngineSlot>> slots;
  std::map<config::TunnelKey, IpTunnelState> ip_tunnels;
  std::map<config::TunnelKey, IpsecTunnelState> ipsec_tunnels;
  std::map<uint32_t, EngineService> services;
  // Interface numbers (Egress::interface_id): given at first sight, never reused, so a host's
  // table stays valid across configuration changes.
  std::map<std::pair<uint32_t, std::string>, uint32_t> interface_ids;
  uint32_t next_interface_id = 1;
  absl::flat_hash_map<IpAddress, EngineService*> public_owner;  // terminated address -> service
  // public_owner_v4: public_owner's IPv4 addresses as BuildServices made it, for the public
  // path's first probe (integer-keyed, prefetched per burst). Only BuildServices changes an
  // address's owner (RelinkGws adds owners for addresses that had none), so an address found
  // here has this owner in public_owner too; one not found here is looked up there.
  OwnerIndex<EngineService> public_owner_v4;
  // PublicOwner: the service that owns public address `a` (terminates it; the lowest id when
  // two do), or nullptr. Fast path.
  EngineService* PublicOwner(const IpAddress& a) const {
    if (EngineService* s = public_owner_v4.Find(a)) return s;
    auto o = public_owner.find(a);
    return o == public_owner.end() ? nullptr : o->second;
  }
  // Traffic counters, kept across ApplyConfig for objects that stay: each tunnel's own
  // (nodes are stable: the tunnel states point at them), where each counts besides
  // (LinkCounters), and what tunnels that left a SAP or service counted there.
  std::map<config::TunnelKey, TunnelTraffic> ip_traffic;
  std::map<config::TunnelKey, TunnelTraffic> ipsec_traffic;
  std::map<std::pair<bool, config::TunnelKey>, CounterLink> counter_links;  // (ipsec, tunnel)
  std::map<uint32_t, TrafficCounters> retired_service_traffic;
  std::map<std::pair<uint32_t, config::TunnelSapId>, TrafficCounters> retired_sap_traffic;
  // ServiceTraffic / SapTraffic: the sums (control path); nullopt when not configured.
  std::optional<TrafficCounters> ServiceTraffic(uint32_t service) const;
  std::optional<TrafficCounters> SapTraffic(uint32_t service, const config::TunnelSapId& sap) const;
  // IKE session log, at most kMaxSessionLog: a deque, so that dropping the oldest record once
  // the log is full costs O(1), not a move of every other record per new session (issue 14).
  std::deque<Engine::SessionRecord> sessions;
  size_t sessions_dropped = 0;  // records dropped from the front
  // IKE SA (SPIi, SPIr) -> absolute session index (sessions_dropped + position). An IKE rekey
  // moves the entry from the old SA's SPIs (IkeEvent::prior_ike_spi_*) to the new one's.
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, size_t> session_by_ike;
  // IKE peer name (IkeEvent::tunnel: an ipsec-tunnel's ike_name, an ipsec-gw's name) -> the
  // private / secure service its session records name, so an IKE-up event does not scan every
  // tunnel (issue 14). Rebuilt by IndexIkeNames whenever Reconcile changed the tunnels.
  absl::flat_hash_map<std::string, uint32_t> service_by_ike_name;
  void IndexIkeNames();
  std::unique_ptr<ike::IkeHost> ike_bridge;       // an IkeBridge (engine_ike.cc)
  std::unique_ptr<ike::IkeManager> ike;           // IKEv2 peers
  std::unique_ptr<ike::v1::Ikev1Manager> ike_v1;  // IKEv1 peers (ike-version 1)
  // The running configuration's PKI files, loaded at Apply (null: it names none).
  std::shared_ptr<const EnginePki> pki;
  // The RADIUS clients of the running configuration's radius-server-policies (Reconcile).
  EngineRadius radius;
  // RADIUS accounting of the ipsec-gws' sessions (after `radius`: it sends through it).
  std::unique_ptr<EngineAccounting> accounting;
  std::map<uint64_t, config::TunnelKey> ike_peer_keys;  // IKE peer id -> tunnel
  std::map<config::TunnelKey, uint64_t> ike_peer_ids;   // stable ids per tunnel
  uint64_t next_ike_peer = 1;
  std::map<std::string, GwState> gws;             // by ipsec-gw name
  std::map<uint64_t, std::string> gw_peer_names;  // IKE peer id -> ipsec-gw name

  // LogEspKeys: tells Host::key_log (when set) the keys of `c`, an SA about to be installed
  // (key_log.h; debugging only). engine_apply.cc.
  void LogEspKeys(const SaConfig& c) const;

 private:
  // engine_apply.cc
  void Log(LogLevel level, const std::string& message) const;
  absl::StatusOr<EngineSlot*> SlotFor(const config::IsaSlot& isa, const config::Config& config);
  // TunnelSlot: the slot a tunnel of `group` runs on: `current` while its ISA is still active
  // for the group, else the least-loaded active ISA (multi-active placement; single-active
  // groups have one). Tracks the load (tunnels per ISA) in `isa_load`.
  absl::StatusOr<EngineSlot*> TunnelSlot(const config::RuntimeView& runtime, uint32_t group,
                                         EngineSlot* current, const config::Config& config);
  // CountIsaLoad: isa_load from the tunnels as they are now.
  void CountIsaLoad();
  std::map<config::IsaSlot, size_t> isa_load;
  // Dynamic tunnels that moved to another ISA in this Reconcile: initiated afterwards.
  std::vector<uint64_t> reinitiate_;
  // revoked_leases_: address leases a reloaded pool gave up (ReconcileGws); their IKE SAs end
  // once the new peers are set.
  std::vector<uint64_t> revoked_leases_;
  // departing_owner_: during Reconcile, the public addresses the engine terminated before the
  // change, with their delivery service: the IKE Deletes of tunnels and sessions the change
  // removed leave from such an address after BuildServices forgot it (IkeBridge::SendIke).
  // Empty outside Reconcile.
  absl::flat_hash_map<IpAddress, uint32_t> departing_owner_;
  // kFailoverSequenceMargin: sequence numbers skipped when a manual-keyed tunnel is
  // re-established on another ISA: more than a tunnel sends between two snapshots
  // (kSnapshotInterval: a million packets is a second at 1 Mpps), far less than the 2^32 a
  // key may seal.
  static constexpr uint64_t kFailoverSequenceMargin = 1 << 20;
  // ReconcileIpsec: installs manual SAs; returns the IKE peers of dynamic-keying tunnels.
  std::vector<ike::IkePeerConfig> ReconcileIpsec(const config::Config& config,
                                                 const config::RuntimeView& base, MonoTime now);
  void UninstallIpsec(IpsecTunnelState& t);
  void ReconcileIp(const config::Config& config);
  void UninstallIp(IpTunnelState& t);
  void BuildServices(const config::Config& config);
  // CacheEgress: t.egress for outer packets to `remote` in t's delivery service.
  static void CacheEgress(TunnelPlacement& t, const IpAddress& remote);
  void LinkCounters(const config::Config& config);
};

// ControlWindow: a control-path call's hold on what the workers use (SlotGate): opened by each
// Engine method, nested calls included; bursts in progress end first.
class ControlWindow {
 public:
  explicit ControlWindow(Engine::Impl& e) : e_(e) { e_.gate.Open(e_.worker_flags); }
  ~ControlWindow() { e_.gate.Close(); }
  ControlWindow(const ControlWindow&) = delete;
  ControlWindow& operator=(const ControlWindow&) = delete;

 private:
  Engine::Impl& e_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_IMPL_H_

// File: tunnelisa/engine.h
//
// Engine: the host-facing facade (DESIGN.md, "The host contract"). Built from a typed
// configuration (config/model.h), it terminates the configured GRE and IP-IP tunnels and
// IPsec tunnels (manual keying, and dynamic keying negotiated by its IKEv2: static
// ipsec-tunnels as initiator or responder, ipsec-gw as a responder to any matching peer) in
// the host's own packet loop:
//
//  - Public side (OnPublicPackets): a packet received by a delivery service is demultiplexed
//    by its destination (a tunnel's source / local-gateway-address), its source (the tunnel's
//    remote, backup remote or peer) and protocol (GRE 47, IP-IP 4/41, ESP 50, ESP-in-UDP;
//    IKE datagrams go back to the host as kToControl), decapsulated (decrypted) and handed to
//    the tunnel's private service, whose route table forwards it: to the host
//    (Transport::DeliverPrivate) or into another tunnel (GRE over IPsec, the guide's
//    Figure 27). Packets for addresses the configuration does not terminate, or from sources
//    it does not know, are not answered: counted (kNotForUs) and dropped.
//  - Private side (OnPrivatePackets): the service's route table picks the way out; a tunnel
//    next hop fragments at the tunnel's ip-mtu (or answers with an ICMP error), encapsulates
//    (encrypts), and the delivery service's route table forwards the outer packet (again
//    possibly into a tunnel); Transport::SendPublic sends it.
//  - A packet passes through at most kMaxTunnelLayers tunnel operations (encapsulations plus
//    decapsulations) in one call; more is a counted drop (routing loops, nested-GRE attacks).
//
// Tunnels live in the ISA slots of their tunnel group: each slot has one EspDataplane and one
// IpTunnelDataplane. A tunnel runs on an active ISA of its group (the primary, the backup after
// a failover, the least-loaded active member of a multi-active group); see SetIsaHealth.
//
// Threads (DESIGN.md, "Groups, slots, redundancy"): two ways to drive an engine.
//  - One thread: every Engine method from one thread; the burst calls below serve every slot.
//  - One worker thread per ISA slot plus one control thread: AttachWorker gives an
//    EngineWorker per slot, whose burst and timer calls run on that slot's worker, all
//    concurrently; every Engine method (configuration, IKE, timers, counters, show, and the
//    one-thread burst calls too) runs on the control thread. A worker never waits for the
//    control thread: while the control thread changes what workers use, a worker's burst is
//    parked (copied into the worker's own buffers, kConsumed) and processed at its next call;
//    the control thread waits for bursts in progress to end (so a Transport must not block).
//    A packet given to the worker of another slot than the one owning its tunnel comes back
//    untouched or half-way (kWrongSlot with a SlotHandoff naming the owner and where to go on).
// Burst calls are the fast path: no allocation, lock or string per packet; one virtual call
// per packet leaving through the Transport (called on the thread running the burst).
//
// Example:
//   auto engine = Engine::Create({.crypto = registry.get(), .host = {.transport = &t}}).value();
//   absl::Status s = engine->ApplyConfig(LoadConfigText(text, "a.cfg").config, now);
//   std::array<EngineVerdict, 32> v;
//   engine->OnPublicPackets(received, v, now);        // outputs went through `t`
//   engine->OnPrivatePackets(101, from_lan, v, now);
//   std::string show = engine->Show({"ip", "tunnel"}).value();
#ifndef TUNNELISA_ENGINE_H_
#define TUNNELISA_ENGINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/config/runtime_view.h"
#include "tunnelisa/config/show.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/handoff.h"
#include "tunnelisa/host.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/reassembly.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

namespace radius {
struct RadiusServerAddress;  // radius.h
}  // namespace radius
namespace pki {
class PkiStore;  // pki/store.h
}  // namespace pki

// kMaxTunnelLayers: tunnel operations (encapsulations + decapsulations) one packet may go
// through in one burst call. GRE over IPsec in one direction takes 2; a transit router
// decapsulating GRE over IPsec into another GRE over IPsec tunnel takes 4.
inline constexpr int kMaxTunnelLayers = 4;

// EngineVerdict: what became of one input packet (parallel to the burst).
//   action kForward: sent through Transport::SendPublic; kDeliver: through DeliverPrivate;
//   kConsumed: held (a fragment awaiting reassembly) or absorbed (NAT keepalive);
//   kToControl: an IKE datagram the host should give to its control plane (the packet is
//   unchanged); kDrop: see `reason`.
//   A payload packet too big for a tunnel's ip-mtu that became an ICMP error for its sender
//   has the action of that error (kDeliver usually) and reason kTooBigForMtu.
//   A packet whose tunnel another slot owns (a worker's call only) is kDrop with reason
//   kWrongSlot and `handoff` filled in: it is not lost, the host gives it (as it is now) to
//   the owner's EngineWorker::OnHandoff (HandoffQueue carries it between threads).

struct EngineVerdict {
  Verdict::Action action = Verdict::Action::kDrop;
  DropReason reason = DropReason::kNone;
  // outputs: packets this input made leave through the Transport (fragments and reassembled
  // datagrams included).
  uint16_t outputs = 0;
  SlotHandoff handoff;  // reason kWrongSlot only
  bool dropped() const { return action == Verdict::Action::kDrop; }
  bool handed_off() const { return reason == DropReason::kWrongSlot; }
};

// EngineCounters: packets, not bytes; every packet (input or extra output such as a
// fragment) that is dropped is counted once, by reason.
struct EngineCounters {
  uint64_t public_in = 0;          // packets given to OnPublicPackets
  uint64_t private_in = 0;         // packets given to OnPrivatePackets
  uint64_t sent_public = 0;        // Transport::SendPublic calls
  uint64_t delivered_private = 0;  // Transport::DeliverPrivate calls
  uint64_t consumed = 0;
  uint64_t to_control = 0;
  uint64_t ike_in = 0;     // datagrams given to OnControlPacket
  uint64_t ike_drops = 0;  // of those, dropped unanswered (malformed, forged, unexpected)
  uint64_t control_queue_overflows = 0;  // control work not queued (queue full; retried later)
  uint64_t handoff_in = 0;               // packets given to EngineWorker::OnHandoff
  uint64_t handed_off = 0;               // packets returned as kWrongSlot (handed on, not dropped)
  uint64_t parked = 0;                   // worker bursts' packets parked during a control window
  std::array<uint64_t, kNumDropReasons> drops{};
  uint64_t total_drops() const;
  EngineCounters& operator+=(const EngineCounters& o);
};

// IkeCounters: IKE's own counters (control path).
struct IkeCounters {
  uint64_t ike_sas = 0;             // IKE SAs now (any state)
  uint64_t half_open = 0;           // responder IKE SAs waiting for IKE_AUTH now
  uint64_t datagrams_in = 0;        // IKE messages handed to IKE
  uint64_t dropped = 0;             // malformed, unknown SPI, failed ICV, out of window
  uint64_t retransmits = 0;         // our requests sent again
  uint64_t responses_replayed = 0;  // cached responses sent for retransmitted requests
  uint64_t cookies_sent = 0;        // COOKIE challenges (RFC 7296 2.6)
  uint64_t half_open_refused = 0;   // IKE_SA_INIT dropped at the half-open limit
  uint64_t auth_failures = 0;       // AUTHENTICATION_FAILED, either way
  uint64_t addresses_assigned = 0;  // remote-access clients given an inner address (CP)
  uint64_t address_failures = 0;    // CP requests refused: INTERNAL_ADDRESS_FAILURE
  // Duplicate IKE SAs of one LAN-to-LAN ipsec-tunnel (both ends initiated at once) found by
  // IKEv2; of each pair the one created with the lowest nonce is deleted by its creator
  // (docs/ike.md, "Duplicate IKE SAs"). Counted at both ends.
  uint64_t redundant_ike_sas = 0;
};

// AccountingCounters: RADIUS accounting of remote-access sessions (RFC 2866; ipsec-gws with a
// radius-accounting-policy), since the engine started (control path).
struct AccountingCounters {
  uint64_t sessions = 0;  // sessions accounted now (Start sent, no Stop yet)
  uint64_t starts = 0;    // Accounting-Requests handed to the RADIUS client, by type
  uint64_t interims = 0;
  uint64_t stops = 0;
  uint64_t responses = 0;         // acknowledged by a server (Accounting-Response)
  uint64_t timeouts = 0;          // every server of the policy was tried; none answered
  uint64_t refused = 0;           // the RADIUS client refused them (queue full, no client)
  uint64_t interims_skipped = 0;  // due while the session's previous one was unanswered
  uint64_t stops_resent = 0;      // unanswered Stops sent again on a rebuilt RADIUS client
  uint64_t stops_lost = 0;        // unanswered Stops whose radius-server-policy went away
};

// TrafficCounters: the guide's billing statistics ("Statistics Collection"). For a tunnel:
// in = payload packets decapsulated from it, out = payload packets encapsulated into it
// (each fragment counts), octets of the payload (inner) packets. For a private SAP the same
// summed over its tunnels; for a public SAP the outer packets its tunnels received and sent
// (outer octets); for a service the sum over its SAPs.
struct TrafficCounters {
  uint64_t in_packets = 0;
  uint64_t in_octets = 0;
  uint64_t out_packets = 0;
  uint64_t out_octets = 0;
  bool operator==(const TrafficCounters&) const = default;
};

struct EngineOptions {
  CryptoRegistry* crypto = nullptr;  // required; not owned, outlives the engine
  Host host;                         // host.transport required
  // Spare buffers the engine owns for extra outputs (fragments of a packet above a tunnel's
  // ip-mtu, datagrams completed by reassembly): how many, and payload bytes each (the
  // headroom and tailroom of wire_constants.h come on top).
  uint32_t spare_buffers = 64;
  uint32_t spare_buffer_size = 9216;
  // Per-slot reassembly pool (bytes) and pending datagrams, used by tunnels with reassembly.
  size_t reassembly_memory = 1 << 20;
  uint32_t reassembly_datagrams = 64;
  // IKE (RFC 7296 2.1, 2.6): first retransmission timeout (doubled per retry) and retries;
  // half-open IKE SAs allowed before COOKIEs are demanded, and at all; IKE_SA_INIT requests
  // per peer address per second before a COOKIE is demanded anyway.
  Duration ike_retransmit_timeout = Duration::Seconds(1);
  int ike_max_retransmits = 5;
  size_t ike_cookie_threshold = 64;
  size_t ike_half_open_limit = 1024;
  uint32_t ike_init_rate_per_peer = 10;
  // CHILD SA lifetime in payload bytes per direction (0: none; the configuration's
  // ipsec-lifetime limits time). Soft at 90 %: the CHILD SA is rekeyed before it runs out.
  uint64_t ike_child_lifetime_bytes = 0;
  // control_on_fast_path: control work that a burst finds (a packet for a dynamic tunnel
  // without SAs starts IKE; SA lifetime events rekey or remove CHILD SAs) is queued in any
  // case; with true (the one-thread convenience) the burst call does it before returning,
  // with false only OnTimer does (a host whose workers must never run IKE: it calls OnTimer
  // on its control thread, and soon when ControlWorkPending() says so).
  bool control_on_fast_path = true;
  // Workers (AttachWorker): packets each worker can park while the control thread holds a
  // control window (buffers of spare_buffer_size; more is dropped, slot-busy), and how long a
  // worker may go without calling in (any EngineWorker call, OnTimer at least) before
  // OnTimer declares its ISA failed ("worker hung": its tunnels fail over as SetIsaHealth
  // says; it recovers when the worker calls in again). Zero: never.
  uint32_t park_buffers = 128;
  Duration worker_timeout = Duration::Seconds(2);
  // pki_store: the PKI directory the configuration's ca-profiles and cert blocks name files
  // in (pki/store.h), read at every ApplyConfig (a re-imported certificate or a new CRL takes
  // effect at the next one). Null: a configuration naming PKI files is refused
  // (FailedPrecondition). Not owned; outlives the engine.
  const pki::PkiStore* pki_store = nullptr;
};

// EngineWorker: the fast path of one ISA slot, for the one thread that serves it (see
// "Threads" above). From Engine::AttachWorker; destroyed on the control thread once its
// thread stopped calling it, and before the Engine (the slot is then served by the one-thread
// calls again; what it had parked is processed then).
class EngineWorker {
 public:
  ~EngineWorker();
  EngineWorker(const EngineWorker&) = delete;
  EngineWorker& operator=(const EngineWorker&) = delete;
  const config::IsaSlot& isa() const { return isa_; }

  // The burst calls of Engine, for this slot's tunnels: a packet whose tunnel another slot
  // owns is returned kWrongSlot with its SlotHandoff. Fast path; this worker's thread only.
  void OnPublicPackets(std::span<PacketRef> packets, std::span<EngineVerdict> verdicts,
                       MonoTime now);
  void OnPublicPackets(uint32_t delivery_service, std::span<PacketRef> packets,
                       std::span<EngineVerdict> verdicts, MonoTime now);
  void OnPrivatePackets(uint32_t service, std::span<PacketRef> packets,
                        std::span<EngineVerdict> verdicts, MonoTime now);
  // OnHandoff: packets another worker returned as kWrongSlot naming this slot, each with the
  // SlotHandoff it came with (parallel spans).
  void OnHandoff(std::span<PacketRef> packets, std::span<const SlotHandoff> handoffs,
                 std::span<EngineVerdict> verdicts, MonoTime now);
  // OnTimer: the slot's SA lifetimes and reassembly timeouts (their control work is queued for
  // the control thread's Engine::OnTimer), and parked packets; returns the next deadline.
  // Call it at that deadline and at least every EngineOptions::worker_timeout / 2: it is how
  // the control thread knows the worker is alive.
  MonoTime OnTimer(MonoTime now);

  class Impl;

 private:
  friend class Engine;
  explicit EngineWorker(std::unique_ptr<Impl> impl);
  void Public(std::optional<uint32_t> service, std::span<PacketRef> packets,
              std::span<EngineVerdict> verdicts, MonoTime now);
  std::unique_ptr<Impl> impl_;
  config::IsaSlot isa_;
};

// EngineClassifier: steering for a host's receive threads (one classifier per thread): which
// ISA slot's worker owns each packet, without processing it, so the host can queue it to that
// worker (DESIGN.md: "the host's receive threads send each packet to the slot that owns it").
// From Engine::AttachClassifier; destroyed on the control thread once its thread stopped
// calling it, and before the Engine. It reads the engine's tables under the same gate as a worker:
// while the control thread changes them, a Classify call returns false at once (give those packets
// to any worker: it parks them or hands them on). Fast path; no allocation, lock or string.
class EngineClassifier {
 public:
  ~EngineClassifier();
  EngineClassifier(const EngineClassifier&) = delete;
  EngineClassifier& operator=(const EngineClassifier&) = delete;
  // ClassifyPublic: owners[i] is the slot owning packets[i] by its tunnel's endpoints (GRE,
  // IP-IP, ESP, ESP-in-UDP and outer fragments from a tunnel's remote; an ipsec-gw's sessions
  // on their gateway's slot), or nullopt when no slot owns it (IKE, not terminated, malformed:
  // any worker answers or drops it). `delivery_service` 0: the unqualified lookup.
  [[nodiscard]] bool ClassifyPublic(uint32_t delivery_service, std::span<const PacketRef> packets,
                                    std::span<std::optional<config::IsaSlot>> owners);
  // ClassifyPrivate: by `service`'s route table: the slot of the tunnel the route enters;
  // nullopt when it enters none (delivered to the host, or dropped).
  [[nodiscard]] bool ClassifyPrivate(uint32_t service, std::span<const PacketRef> packets,
                                     std::span<std::optional<config::IsaSlot>> owners);

  class Impl;

 private:
  friend class Engine;
  explicit EngineClassifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Engine {
 public:
  // Create: control path. InvalidArgument without a crypto registry or transport.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ApplyConfig: control path. The first call builds everything; later calls go through
  // config::RunningConfig: InvalidArgument for an invalid candidate, FailedPrecondition for
  // a change the guide forbids in the current state (one refusal per line); otherwise the
  // candidate becomes the running configuration: tunnels whose settings did not change keep
  // their SAs, sequence numbers and counters; others are (re)installed or removed; routes,
  // oper states and the backup-remote choice are recomputed. On failure nothing changes.
  // Tunnels that cannot be installed (e.g. a manual SA the backend refuses) stay
  // operationally down with the reason; that is not a failure of the call.
  absl::Status ApplyConfig(const config::Config& config, MonoTime now);

  // OnPublicPackets: fast path. Packets received from the public network by some delivery
  // service (whole outer IPv4/IPv6 packets with the headroom/tailroom of wire_constants.h).
  // verdicts.size() >= packets.size(). Outputs leave through the Transport during the call.
  void OnPublicPackets(std::span<PacketRef> packets, std::span<EngineVerdict> verdicts,
                       MonoTime now);
  // OnPublicPackets (service-qualified): packets that delivery service `delivery_service`
  // received (the host knows which routing instance a port belongs to): demultiplexed within
  // that service only, so one public address used in two routing instances is not confused.
  // The unqualified call gives each address to the lowest-numbered service that terminates
  // it. kUnknownService for a service the configuration lacks.
  void OnPublicPackets(uint32_t delivery_service, std::span<PacketRef> packets,
                       std::span<EngineVerdict> verdicts, MonoTime now);
  // OnPrivatePackets: fast path. Packets the host injects into service `service` (from its
  // LAN or own stack), routed by the service's route table.
  void OnPrivatePackets(uint32_t service, std::span<PacketRef> packets,
                        std::span<EngineVerdict> verdicts, MonoTime now);

  // OnHandoff: fast path, one-thread use: packets an EngineWorker returned as kWrongSlot for
  // an ISA slot that has no worker (say, one a reload added), as EngineWorker::OnHandoff.
  void OnHandoff(std::span<PacketRef> packets, std::span<const SlotHandoff> handoffs,
                 std::span<EngineVerdict> verdicts, MonoTime now);

  // OnTimer: SA lifetimes, reassembly timeouts, the queued control work (see
  // EngineOptions::control_on_fast_path) and IKE's timers (retransmissions, DPD, rekeying,
  // half-open expiry); returns the next deadline (MonoTime::Infinite() when none).
  MonoTime OnTimer(MonoTime now);
  // ControlWorkPending: whether bursts queued control work that OnTimer should do now (with
  // control_on_fast_path false; otherwise the bursts did it). Control path, between bursts.
  bool ControlWorkPending() const;

  // OnControlPacket: control path. An IKE datagram as a whole IPv4/IPv6 + UDP packet, i.e. a
  // packet OnPublicPackets returned as kToControl (UDP 500, or 4500 with the non-ESP marker).
  // IKE answers leave through Transport::SendPublic as whole IP/UDP packets from the tunnel's
  // local gateway address, routed by its delivery service. Malformed, forged or unexpected
  // datagrams are counted (ike_drops) and dropped, or answered as RFC 7296 says.
  void OnControlPacket(const PacketRef& packet, MonoTime now);

  // OnRadiusDatagram: control path. A UDP datagram the host received from a RADIUS server's
  // port (`from`: the server's address and the port it answered from) on the socket behind
  // Host::radius. Answers complete the RADIUS requests they authentically answer; anything
  // else (unknown sources, forged or malformed datagrams) is counted by the RADIUS client and
  // dropped. The bytes are read during the call only.
  void OnRadiusDatagram(const radius::RadiusServerAddress& from, std::span<const uint8_t> datagram,
                        MonoTime now);

  // Initiate: control path. Starts IKE for a dynamic-keying ipsec-tunnel now (what
  // auto-establish does at ApplyConfig, and what the first packet routed into a tunnel without
  // SAs does). OK if an IKE SA exists or is being set up; NotFound for an unknown tunnel;
  // FailedPrecondition when the tunnel is administratively or operationally down, is not
  // dynamically keyed, or its tunnel group is ipsec-responder-only.
  absl::Status Initiate(const config::TunnelKey& tunnel, MonoTime now);

  // Rekey: control path. Rekeys a dynamic-keying tunnel's CHILD SA (`ike` false) or its IKE SA
  // (`ike` true) now, as its soft lifetime would (an operator's "rekey now", tests). Queued
  // behind an exchange in progress. FailedPrecondition when no IKE SA / CHILD SA is
  // established; NotFound for an unknown tunnel.
  absl::Status Rekey(const config::TunnelKey& tunnel, bool ike, MonoTime now);

  // SetIsaHealth: control path. The host reports that an ISA (a card/mda of the
  // configuration's tunnel groups; for a software host, the worker serving that slot) failed or
  // recovered. The tunnel groups react as the guide's "Redundancy" says (isa-* and group-*
  // events through EventListener::OnIsa):
  //  - single-active: the primary's tunnels are re-established on the backup (cold standby),
  //    unless that backup already serves another failed-over group ("no double failure"), in
  //    which case the group is operationally down with that reason. GRE / IP-IP resume at once;
  //    manual-keyed SAs are installed on the backup sending above the last sequence number
  //    OnTimer saw (plus a margin), so the peer's anti-replay window accepts them; dynamic
  //    tunnels renegotiate from the backup at once (INITIAL_CONTACT: the peer drops its stale
  //    SAs), or, in an ipsec-responder-only group, wait for the peer.
  //  - multi-active: a standby replaces a failed active ISA and takes its tunnels; with no
  //    standby left the group is operationally down.
  //  - No revert: a recovered ISA becomes a standby. A group down for want of an ISA comes up
  //    on the first that recovers; shutting a group down and up starts it on its primary.
  // Unknown ISAs are accepted (they may be configured later). InvalidArgument for 0/x.
  absl::Status SetIsaHealth(const config::IsaSlot& isa, bool healthy, MonoTime now);
  // AttachWorker: control path. The fast path of ISA slot `isa` for one worker thread; from
  // then on only that worker runs the slot's data planes (the one-thread burst calls hand
  // nothing to it: they still serve every slot, inside a control window). AlreadyExists when
  // the slot has a worker; InvalidArgument for 0/x. The ISA need not be configured yet.
  absl::StatusOr<std::unique_ptr<EngineWorker>> AttachWorker(const config::IsaSlot& isa);
  // AttachClassifier: control path. A classifier for one receive thread (EngineClassifier).
  std::unique_ptr<EngineClassifier> AttachClassifier();
  // SlotState: one ISA slot as the control thread sees it.
  struct SlotState {
    config::IsaSlot isa;
    bool healthy = true;  // not failed (SetIsaHealth, or a hung worker)
    bool worker = false;  // an EngineWorker serves it
    bool hung = false;    // its worker stopped calling in (EngineOptions::worker_timeout)
    std::vector<uint32_t> active_in;  // tunnel groups it is active in
    size_t tunnels = 0;               // tunnels on it (all groups)
    uint64_t sas = 0;                 // SAs installed on it
    EngineCounters counters;          // its worker's (zero without one)
    // Its reassembler (EngineOptions::reassembly_memory, reassembly_datagrams): pool bytes in
    // use now (at most reassembly_pool, which is allocated once), datagrams pending, and its
    // counters: fragments == fragments_reassembled + held + sum(drops); the drops include what
    // no verdict shows, held fragments discarded later (reassembly-timeout, reassembly-memory
    // evictions, a datagram abandoned by a later fragment).
    size_t reassembly_memory = 0;
    size_t reassembly_pool = 0;
    size_t reassembly_pending = 0;
    ReassemblyCounters reassembly;
  };
  // Slots: every ISA slot the engine knows (configured or given a worker), in order. Control
  // path.
  std::vector<SlotState> Slots() const;
  // InterfaceId: control path. The number Egress::interface_id carries for interface
  // `interface` of `service` (given when a configuration first names it, never reused); 0 for
  // an interface no applied configuration had.
  uint32_t InterfaceId(uint32_t service, std::string_view interface) const;
  // TunnelIsa: the ISA an ip-tunnel (`ipsec` false) or ipsec-tunnel runs on; nullopt when it is
  // down or unknown. Multi-active groups place each tunnel on their least-loaded active ISA.
  std::optional<config::IsaSlot> TunnelIsa(const config::TunnelKey& tunnel, bool ipsec) const;

  // Shutdown: control path. Deletes every IKE SA (an INFORMATIONAL Delete to each peer, sent
  // once, not retransmitted) and its CHILD SAs; manual and GRE tunnels are untouched. Used
  // before a host exits (`tunnelisa run` on SIGTERM). Remote-access sessions with RADIUS
  // accounting send their Stops (Acct-Terminate-Cause NAS-Reboot) from here: a host that wants
  // them acknowledged keeps calling OnTimer and OnRadiusDatagram until accounting_counters()
  // shows as many responses plus timeouts as records sent.
  void Shutdown(MonoTime now);

  // IkeSessions: the session log (the guide's "Statistics Collection"): one record per IKE SA
  // negotiated since the engine started, newest last, at most `kMaxSessionLog` kept.
  struct SessionRecord {
    std::string tunnel;    // "ipsec-tunnel 200/to-b" or "ipsec-gw gw1"
    uint32_t service = 0;  // the private service the session is mapped to
    IpAddress peer;
    std::string peer_id;
    std::string algorithms;  // "IKE aes256-sha256-modp2048, ESP aes256gcm16"
    // inner_address: remote access: the address an ipsec-gw assigned to the client (IKEv2 CP,
    // IKEv1 Mode Config), or the one a tunnel with request-address was given; unset for
    // LAN-to-LAN sessions.
    std::optional<IpAddress> inner_address;
    // user: remote access, the user the client authenticated as (IKEv1 XAUTH, IKEv2 EAP); ""
    // otherwise.
    std::string user;
    MonoTime setup;
    std::optional<MonoTime> teardown;
    std::string teardown_reason;
  };
  static constexpr size_t kMaxSessionLog = 1024;
  std::vector<SessionRecord> IkeSessions() const;

  // counters: the sums over every worker and the one-thread calls (control path).
  EngineCounters counters() const;
  IkeCounters ike_counters() const;
  // accounting_counters: RADIUS accounting of the ipsec-gws' sessions (docs/configuration.md,
  // "What accounting sends").
  AccountingCounters accounting_counters() const;
  // Traffic counters; nullopt for an object the running configuration lacks.
  std::optional<TrafficCounters> IpTunnelTraffic(const config::TunnelKey& tunnel) const;
  std::optional<TrafficCounters> IpsecTunnelTraffic(const config::TunnelKey& tunnel) const;
  std::optional<TrafficCounters> ServiceTraffic(uint32_t service) const;
  std::optional<TrafficCounters> SapTraffic(uint32_t service, const config::TunnelSapId& sap) const;
  // Metrics: the engine's counters in Prometheus' text exposition format (metrics_text.h;
  // docs/gateway.md lists the families): engine-wide packets and drops by reason; per
  // ip-tunnel and ipsec-tunnel oper state, payload packets and octets in / out and drops by
  // reason; per SA (ipsec-tunnels' and ipsec-gw sessions') packets, octets and drops by
  // reason; per tunnel SAP and service packets and octets; per ISA slot health, tunnels, SAs,
  // data-plane packets and drops by reason; IKE and RADIUS accounting counters. Every name
  // starts with "tunnelisa_"; a host adds its own families with a MetricsText of its own.
  // Control path. The workers are held out only while their counters are read, a few hundred
  // objects per control window (at most one burst each parks), never while the text is
  // rendered: a scrape of 100k tunnels does not stall the data plane. Each series is read at
  // one instant; two series may be read a few microseconds apart.
  std::string Metrics() const;
  // ActiveRemote: which remote an operationally up ip-tunnel sends to (remote-ip while it has
  // a route in the delivery service, else backup-remote-ip); nullopt when down or unknown.
  std::optional<TunnelRemote> ActiveRemote(const config::TunnelKey& tunnel) const;

  // runtime: live oper states (with reasons), active ISAs and SA counters, for config::Show*
  // and config::PlanChange. Valid as long as the engine.
  const config::RuntimeView& runtime() const;
  const config::Config& config() const;
  // Show: config::RenderShow over the running configuration and live state.
  absl::StatusOr<std::string> Show(std::span<const std::string> words,
                                   config::ShowFormat format = config::ShowFormat::kText) const;

  class Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_ENGINE_H_

// File: tunnelisa/events.h
//
// EventListener: how tunnelisa tells the host (and its own upper layers, such as IKE and
// redundancy) that something happened. An Engine calls them on its control thread (inside an
// Engine method: a one-thread burst call, OnTimer, a control call), never from an
// EngineWorker and never from inside per-packet code; an EspDataplane used alone calls them on
// the thread of its burst or timer call. Default implementations ignore the event.
#ifndef TUNNELISA_EVENTS_H_
#define TUNNELISA_EVENTS_H_

#include <cstdint>
#include <string_view>

#include "tunnelisa/ip_address.h"
#include "tunnelisa/sa_installer.h"

namespace tunnelisa {

enum class LifetimeKind : uint8_t { kTime, kBytes, kPackets, kSequence };
// LifetimeKindName: "time", "bytes", "packets", "sequence" (logs, syslog).
std::string_view LifetimeKindName(LifetimeKind kind);

// SaLifetimeEvent: an SA reached a soft limit (rekey now) or a hard one (it no longer passes
// traffic). kSequence: outbound sequence numbers are used up (RFC 4303 section 3.3.3: the SA
// must be rekeyed, the counter never cycles).
struct SaLifetimeEvent {
  SaHandle sa;
  uint32_t spi = 0;
  SaDirection direction = SaDirection::kOutbound;
  LifetimeKind kind = LifetimeKind::kTime;
  bool hard = false;
  uint64_t cookie = 0;
  MonoTime at;
};

// IkeEventKind: what happened to an IKE SA or one of its CHILD SAs.
enum class IkeEventKind : uint8_t {
  kIkeUp,              // IKE SA established (IKE_AUTH done)
  kIkeDown,            // IKE SA gone (deleted, expired, peer dead); detail says why
  kIkeRekeyed,         // replaced by a rekeyed IKE SA (new SPIs in the event, old in prior_*)
  kChildUp,            // CHILD SA installed and carrying traffic
  kChildDown,          // CHILD SA removed
  kChildRekeyed,       // CHILD SA replaced by a rekeyed one (new SPIs in the event)
  kAuthFailed,         // AUTHENTICATION_FAILED, sent or received; peer and ID in the event
  kNegotiationFailed,  // proposals, selectors or KE did not match; detail says what
};
std::string_view IkeEventKindName(IkeEventKind kind);

// IkeEvent: one IKE happening. The string views are valid during the call only.
struct IkeEvent {
  IkeEventKind kind = IkeEventKind::kIkeUp;
  std::string_view tunnel;  // "ipsec-tunnel <service>/<name>" or "ipsec-gw <name>"
  IpAddress peer;
  uint16_t peer_port = 0;
  std::string_view peer_id;  // the peer's IKE identity once known ("" before IKE_AUTH)
  uint64_t ike_spi_i = 0;
  uint64_t ike_spi_r = 0;
  // kIkeRekeyed: the SPIs of the IKE SA (IKEv1: ISAKMP SA cookies) the new one replaced, so a
  // host that keys its own records by SPIs moves them without searching (0 for other kinds).
  uint64_t prior_ike_spi_i = 0;
  uint64_t prior_ike_spi_r = 0;
  uint32_t child_spi_in = 0;   // CHILD events: our inbound SPI
  uint32_t child_spi_out = 0;  // CHILD events: the peer's (our outbound) SPI
  std::string_view detail;     // algorithms on up, the reason on down / failure
  MonoTime at;
  // inner_address: remote access, the connection's inner address (set from kIkeUp on): the one
  // an ipsec-gw assigned to the client through the configuration payload, or, for a tunnel
  // with request-address, the one the gateway gave us. Unset otherwise.
  IpAddress inner_address;
  // user: remote access, the user the client authenticated as (IKEv1 XAUTH, IKEv2 EAP; ""
  // otherwise).
  std::string_view user;
};

// IsaEventKind: ISA health (reported by the host, or declared by the engine) and the tunnel
// groups' reaction to it (the guide's "Redundancy").
enum class IsaEventKind : uint8_t {
  kIsaFailed,     // the ISA failed (Engine::SetIsaHealth); its tunnels move or go down
  kIsaRecovered,  // the ISA is healthy again (it becomes a standby: no revert)
  kIsaActive,     // the ISA became active for `group` (detail: why, e.g. which ISA failed)
  kIsaStandby,    // the ISA is no longer active for `group` (detail: why)
  kGroupDown,     // `group` is operationally down: no ISA can carry it (detail: why)
  kGroupUp,       // `group` is operationally up again on an ISA
};
std::string_view IsaEventKindName(IsaEventKind kind);  // "isa-failed", "group-down", ...

// IsaEvent: one ISA or tunnel-group change. `group` is 0 for kIsaFailed / kIsaRecovered.
// The detail view is valid during the call only.
struct IsaEvent {
  IsaEventKind kind = IsaEventKind::kIsaFailed;
  uint32_t group = 0;
  uint8_t card = 0;  // the ISA (card/mda); 0/0 for group events without one
  uint8_t mda = 0;
  std::string_view detail;
  MonoTime at;
};

// TunnelKind: which kind of tunnel a TunnelEvent names.
enum class TunnelKind : uint8_t {
  kIpsec,  // an ipsec-tunnel (manual or dynamic keying)
  kGre,    // an ip-tunnel with gre-header
  kIpIp,   // an ip-tunnel without it (IP-IP)
};
std::string_view TunnelKindName(TunnelKind kind);  // "ipsec-tunnel", "gre-tunnel", "ip-ip-tunnel"

// TunnelEvent: a tunnel's operational state, as `show service id S ipsec-tunnel NAME` /
// `... ip-tunnel NAME` print it (Oper State, Oper Down Reason), changed.
//
// When: the engine compares every configured ipsec-tunnel and ip-tunnel with what it last
// reported at the end of each ApplyConfig and each ISA health change (SetIsaHealth, the worker
// watchdog): tunnel-group failover, a group going down or up, a change of configuration. It
// reports each tunnel whose state changed, once, in (kind, service, name) order, after the
// IsaEvents of the same change. A tunnel that appears is reported once with its first state
// (up, or down with its reasons); a tunnel removed while up is reported down with the reason
// "removed from the configuration"; a tunnel that stays down for another reason is not
// reported again.
//
// Not here: a dynamic ipsec-tunnel's Oper State does not follow its IKE SA (it is up, for
// routing, before its SAs exist; packets into it start IKE): its IKE and CHILD SAs coming and
// going are IkeEvents (kIkeUp / kIkeDown / kChildUp / kChildDown). ipsec-gw sessions are
// IkeEvents too.
//
// The string views are valid during the call only.
struct TunnelEvent {
  TunnelKind kind = TunnelKind::kIpsec;
  uint32_t service = 0;   // the private service (VPRN) the tunnel belongs to
  std::string_view name;  // the tunnel's configured name
  bool up = false;
  // reasons: down: the show's Oper Down Reasons, joined with "; " (e.g. "tunnel-group 2 is
  // operationally down"); up: "".
  std::string_view reasons;
  // cause: what the engine was doing: "configuration applied", "ISA 1/1 failed",
  // "ISA 1/1 recovered".
  std::string_view cause;
  MonoTime at;
};

class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnSaLifetime(const SaLifetimeEvent& event) { (void)event; }
  virtual void OnIke(const IkeEvent& event) { (void)event; }
  virtual void OnIsa(const IsaEvent& event) { (void)event; }
  virtual void OnTunnel(const TunnelEvent& event) { (void)event; }
};

}  // namespace tunnelisa

#endif  // TUNNELISA_EVENTS_H_

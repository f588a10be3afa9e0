// File: tunnelisa/host.h
//
// The Host bundle: what an Engine calls out to. tunnelisa owns no socket, thread or clock: the
// host passes packets and `now` into the Engine, and takes packets out through its Transport.
//
//  - Transport: packets leaving the engine. SendPublic for packets a delivery service sends
//    toward the public network (encapsulated tunnel packets); DeliverPrivate for packets a
//    service's route table hands to the host (its LAN, its own stack).
//  - EventListener (events.h): SA lifetimes and other happenings.
//  - LogSink: control-path messages (configuration applied, SA install failures).
//  - Random: IKE's nonces, SPIs and IVs (tests pass a seeded one; the default is OpenSSL's
//    RAND_bytes).
//  - WallClock: the date, for certificate validity and CRL next-update only (the default is
//    the system clock); every timer runs on the monotonic `now` the host passes in.
//  - IkeCryptoProvider (ike_crypto.h): IKE's PRF, DH, hashes and signatures (the default is
//    OpenSSL).
//  - radius::RadiusTransport (radius.h): UDP datagrams to the RADIUS servers of the
//    configuration's radius-server-policies; their answers come back through
//    Engine::OnRadiusDatagram.
//  - KeyLog (key_log.h): for debugging only, the keys of every ESP and IKEv2 SA the engine
//    installs, e.g. as Wireshark's key tables. Off (null) by default.
//
// Example:
//   class MyTransport final : public tunnelisa::Transport {
//     void SendPublic(const Egress& e, const PacketRef& p) override { nic.Send(p.bytes()); }
//     void DeliverPrivate(const Egress& e, const PacketRef& p) override { tap.Write(p.bytes()); }
//   };
#ifndef TUNNELISA_HOST_H_
#define TUNNELISA_HOST_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "tunnelisa/events.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

struct SlotHandoff;       // handoff.h
class IkeCryptoProvider;  // ike_crypto.h
class KeyLog;             // key_log.h
namespace radius {
class RadiusTransport;  // radius.h
}  // namespace radius

// Egress: where a packet leaves the engine: the service whose route table chose the way out,
// the interface of that route ("" when none) and the directly connected IP next hop the route
// resolved to (a static route's next hop, or the neighbour a recursive next hop resolved
// through; unset for a local route: the destination itself is on the interface's subnet).
struct Egress {
  uint32_t service = 0;
  std::string_view interface;  // valid during the call only
  IpAddress next_hop;
  // interface_id: the interface as a number (Engine::InterfaceId), for hosts that index their
  // ports by integer on the fast path; 0 when `interface` is "".
  uint32_t interface_id = 0;
};

// Transport: the host's way out. Called by the Engine on the thread running the burst call
// (OnPublicPackets / OnPrivatePackets, an EngineWorker's calls, or a control call for IKE),
// once per packet leaving the engine, in order; with EngineWorkers, from several threads at
// once (the implementation must allow that). The
// packet is valid only during the call: the host sends or copies it before returning (the
// buffer may be the caller's own packet, or a spare buffer the engine reuses right after).
// Implementations must not call back into the Engine.
class Transport {
 public:
  virtual ~Transport() = default;
  // SendPublic: an encapsulated (outer) packet a delivery service sends toward the network.
  virtual void SendPublic(const Egress& egress, const PacketRef& packet) = 0;
  // DeliverPrivate: a packet a service's route table forwards to the host: decapsulated
  // payload for the LAN, packets for the router's own addresses, ICMP errors for senders.
  virtual void DeliverPrivate(const Egress& egress, const PacketRef& packet) = 0;
  // HandOff: a packet an EngineWorker parked (engine.h, "Threads") that turned out to belong
  // to another slot's worker: the host copies it to that worker (HandoffQueue) before
  // returning true. The default drops it (counted wrong-slot). Packets of the burst itself
  // come back in their verdicts instead (kWrongSlot), without a copy.
  virtual bool HandOff(const SlotHandoff& handoff, const PacketRef& packet) {
    (void)handoff;
    (void)packet;
    return false;
  }
  // ToControl: a packet an EngineWorker parked that turned out to be an IKE datagram (what a
  // burst's verdict reports as kToControl): the host copies it to its control thread, which
  // gives it to Engine::OnControlPacket, and returns true. The default drops it (counted
  // slot-busy; the peer retransmits).
  virtual bool ToControl(const PacketRef& packet) {
    (void)packet;
    return false;
  }
};

enum class LogLevel : uint8_t { kInfo, kWarning, kError };

// LogSink: control-path log messages (never called per packet). Must not call back into the
// Engine.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

// Random: cryptographically strong random bytes for IKE (nonces, SPIs, IVs; DH private keys
// come from OpenSSL's private DRBG). Control path. A test may pass a seeded generator so two
// engines in one process negotiate the same way on every run; a real host leaves Host::random
// null (OpenSSL's RAND_bytes, drawn 256 octets at a time and handed out once each; a fork
// discards what was drawn) or passes its own DRBG. Must not call back into the Engine.
class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// WallClock: the host's idea of the date (UTC), read on the control thread when IKE checks a
// certificate's validity or a CRL's next-update. A test passes a settable one; a real host
// leaves Host::wall_clock null (SystemWallNow). Must not call back into the Engine.
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual WallTime Now() = 0;
};

// SystemWallNow: the system's real-time clock (CLOCK_REALTIME).
WallTime SystemWallNow();

// Host: the bundle an Engine is created with. Nothing is owned; everything set must outlive
// the Engine. `transport` is required; the others may be null (defaults as above).
struct Host {
  Transport* transport = nullptr;
  EventListener* events = nullptr;
  LogSink* log = nullptr;
  Random* random = nullptr;
  WallClock* wall_clock = nullptr;
  const IkeCryptoProvider* ike_crypto = nullptr;
  // radius: the way to the RADIUS servers (one UDP socket: every datagram to a server leaves
  // from the same local address and port, and what comes back from a server's port goes to
  // Engine::OnRadiusDatagram). Null: the engine asks no RADIUS server, and ipsec-gws whose
  // ike-policy checks users through RADIUS (plain-psk-xauth ...) stay down with that reason.
  // Called on the control thread, from inside the Engine's control calls.
  radius::RadiusTransport* radius = nullptr;
  // key_log: DEBUGGING ONLY. Null (the default): no key leaves the engine. Set, it is told the
  // keys of every ESP SA before it is installed and of every IKEv2 SA when its keys are
  // derived (key_log.h), on the control thread.
  KeyLog* key_log = nullptr;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_HOST_H_

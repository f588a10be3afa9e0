// File: tunnelisa/drop_reason.h
//
// DropReason: why the data plane refused a packet. One X-macro list generates the enum, the
// names printed by tools and `show` commands, and the counter arrays (global and per SA), so a
// new reason cannot be added without a name and a counter.
#ifndef TUNNELISA_DROP_REASON_H_
#define TUNNELISA_DROP_REASON_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tunnelisa {

// X(Enumerator, "name", "description")
#define TUNNELISA_DROP_REASONS(X)                                                            \
  X(kNone, "none", "not dropped")                                                            \
  X(kTruncated, "truncated", "packet shorter than its headers")                              \
  X(kBadLength, "bad-length", "IP length field disagrees with the packet")                   \
  X(kOversized, "oversized", "packet larger than the protocol or buffer allows")             \
  X(kBadOuterHeader, "bad-outer-header", "outer IP header malformed")                        \
  X(kNotForUs, "not-for-us", "protocol or address this endpoint does not terminate")         \
  X(kOuterFragment, "outer-fragment", "fragmented outer packet (needs reassembly)")          \
  X(kBadUdpLength, "bad-udp-length", "UDP length field disagrees with the packet")           \
  X(kUnknownSpi, "unknown-spi", "no inbound SA with this SPI")                               \
  X(kSeqZero, "seq-zero", "sequence number 0 is never sent")                                 \
  X(kReplayed, "replayed", "sequence number already received")                               \
  X(kLeftOfWindow, "left-of-window", "sequence number older than the replay window")         \
  X(kBadEspLength, "bad-esp-length", "ciphertext length not a multiple of the block size")   \
  X(kBadIcv, "bad-icv", "integrity check failed")                                            \
  X(kBadPadding, "bad-padding", "ESP padding bytes or pad length invalid")                   \
  X(kBadNextHeader, "bad-next-header", "inner protocol not IPv4/IPv6 in tunnel mode")        \
  X(kMalformedInner, "malformed-inner", "inner IP packet malformed")                         \
  X(kSelectorMismatch, "selector-mismatch", "inner addresses outside the SA's selectors")    \
  X(kDummyPacket, "dummy-packet", "ESP dummy packet (next header 59) discarded")             \
  X(kSaExpired, "sa-expired", "SA reached a hard lifetime")                                  \
  X(kSeqExhausted, "seq-exhausted", "outbound sequence numbers used up; rekey needed")       \
  X(kSaNotActive, "sa-not-active", "SA handle unknown or deleted")                           \
  X(kNoHeadroom, "no-headroom", "buffer lacks the headroom the contract requires")           \
  X(kNoTailroom, "no-tailroom", "buffer lacks the tailroom the contract requires")           \
  X(kCryptoError, "crypto-error", "crypto backend failed")                                   \
  X(kWrongSlot, "wrong-slot", "SA owned by another ISA slot")                                \
  X(kGreBadHeader, "gre-bad-header", "GRE version, routing or reserved bits not zero")       \
  X(kGreBadChecksum, "gre-bad-checksum", "GRE checksum (RFC 2784) does not verify")          \
  X(kGreKeyMismatch, "gre-key-mismatch", "GRE key absent or not the tunnel's (RFC 2890)")    \
  X(kEcnCeNotEct, "ecn-ce-not-ect", "outer CE over a Not-ECT inner packet (RFC 6040)")       \
  X(kTooBigForMtu, "too-big-for-mtu", "larger than the tunnel ip-mtu and may not fragment")  \
  X(kNoSpareBuffer, "no-spare-buffer", "extra output packet needed but no spare buffer fit") \
  X(kReassemblyDisabled, "reassembly-disabled", "fragment received with reassembly off")     \
  X(kFragmentOverlap, "fragment-overlap", "fragment overlaps another; datagram discarded")   \
  X(kFragmentDuplicate, "fragment-duplicate", "exact duplicate of a held fragment")          \
  X(kFragmentTiny, "fragment-tiny", "first fragment too short to hold the headers")          \
  X(kFragmentMalformed, "fragment-malformed", "fragment length, offset or headers invalid")  \
  X(kFragmentTooMany, "fragment-too-many", "datagram exceeded the per-datagram fragments")   \
  X(kReassemblyMemory, "reassembly-memory", "reassembly memory or datagram records full")    \
  X(kReassemblyTimeout, "reassembly-timeout", "datagram not complete before the timeout")    \
  X(kNoRoute, "no-route", "no active route for the destination in the service")              \
  X(kTunnelDown, "tunnel-down", "the route's tunnel is operationally down or has no SA")     \
  X(kTooManyTunnelLayers, "too-many-tunnel-layers", "more tunnel operations than the limit") \
  X(kUnknownService, "unknown-service", "private packets for a service not configured")      \
  X(kWrongTunnel, "wrong-tunnel", "SA of another tunnel than the packet's addresses name")   \
  X(kIkeNegotiating, "ike-negotiating", "dynamic tunnel without SAs yet; IKE was started")   \
  X(kSlotBusy, "slot-busy", "worker met a control change with its park buffers full")

enum class DropReason : uint8_t {
#define TUNNELISA_X_ENUM(e, name, desc) e,
  TUNNELISA_DROP_REASONS(TUNNELISA_X_ENUM)
#undef TUNNELISA_X_ENUM
};

#define TUNNELISA_X_COUNT(e, name, desc) +1
inline constexpr size_t kNumDropReasons = 0 TUNNELISA_DROP_REASONS(TUNNELISA_X_COUNT);
#undef TUNNELISA_X_COUNT

// DropReasonName: the short name ("bad-icv"); thread-safe, never null.
std::string_view DropReasonName(DropReason r);
// DropReasonDescription: one sentence for logs and `show` output.
std::string_view DropReasonDescription(DropReason r);

// Verdict: what became of one packet of a burst. Parallel to the burst's packets.
struct Verdict {
  enum class Action : uint8_t {
    kDrop = 0,   // see `reason`; the packet's bytes are unspecified
    kForward,    // encapsulated: send the outer packet on the public side
    kDeliver,    // decapsulated: hand the inner packet to the private side
    kToControl,  // an IKE message on the NAT-T port: give it to the control plane
    kConsumed,   // recognised and counted (e.g. NAT keepalive), nothing to send
  };
  Action action = Action::kDrop;
  DropReason reason = DropReason::kNone;
  uint16_t owner_slot = 0;  // with kWrongSlot: the slot that owns the SA
  uint32_t sa = 0;          // the SA that handled the packet (0 = none)

  bool dropped() const { return action == Action::kDrop; }
};
static_assert(sizeof(Verdict) == 8);

}  // namespace tunnelisa

#endif  // TUNNELISA_DROP_REASON_H_

// File: tunnelisa/gre_ipip.h
//
// IpTunnelDataplane: GRE (RFC 2784, with the key and sequence number of RFC 2890) and IP-IP
// (RFC 2003 IPv4-in-IP, and IPv6-in-IP with next header 41) tunnels of one ISA slot:
// encapsulation and decapsulation in bursts over caller-owned PacketRefs, per-tunnel counters,
// fragmentation of IPv4 payload before encapsulation at the tunnel's ip-mtu (RFC 791), ICMP
// "fragmentation needed" (RFC 1191) / ICMPv6 Packet Too Big (RFC 4443) for packets that may not
// be fragmented, and optional reassembly of fragmented outer packets through a Reassembler.
//
// Outer header: written from a per-tunnel template into the packet's headroom (no payload copy,
// no allocation per packet). DSCP: the tunnel's, else the inner one. ECN: RFC 6040 normal mode
// (copied on encap; combined on decap, CE over Not-ECT dropped). DF: copied from an IPv4 inner
// header (RFC 2003 section 3.1), clear for IPv6 inner packets.
//
// Threads: Encap/Decap run on the one worker owning the slot; Add/Remove/SetActiveRemote must
// not run concurrently with them (the Engine serialises them).
//
// Example:
//   auto dp = IpTunnelDataplane::Create({}).value();
//   IpTunnelHandle t = dp->Add({.type = IpTunnelType::kGre, .local = a, .remote = b}).value();
//   dp->Encap(t, packets, verdicts, now);   // kForward: packets hold outer IP/GRE packets
//   dp->Decap(received, verdicts, now);     // kDeliver: received hold the inner packets
#ifndef TUNNELISA_GRE_IPIP_H_
#define TUNNELISA_GRE_IPIP_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

class Reassembler;

enum class IpTunnelType : uint8_t { kGre, kIpIp };
enum class TunnelRemote : uint8_t { kPrimary, kBackup };

struct IpTunnelConfig {
  IpTunnelType type = IpTunnelType::kGre;
  IpAddress local;          // outer source; the public-side address we terminate on
  IpAddress remote;         // outer destination (primary)
  IpAddress backup_remote;  // optional, same family; decap accepts it too
  // GRE only: the key (RFC 2890) sent on encap and required on decap; nullopt: no key.
  std::optional<uint32_t> key;
  bool gre_checksum = false;    // GRE only: send the RFC 2784 checksum (always checked if sent)
  bool gre_sequence = false;    // GRE only: send RFC 2890 sequence numbers (accepted on decap)
  std::optional<uint8_t> dscp;  // outer DSCP (0..63); nullopt: copy the inner DSCP
  uint8_t ttl = 64;             // outer TTL / hop limit
  // ip_mtu: payload packets larger than this are fragmented (IPv4, DF clear) or refused with an
  // ICMP error before encapsulation; 0: no limit. For IPv6 payload the limit is
  // max(ip_mtu, 1280) (RFC 8200 section 5: a link carries 1280 bytes).
  uint16_t ip_mtu = 0;
  bool clear_df = false;  // clear-df-bit: clear DF of IPv4 payload so it can be fragmented
  // Sources of the ICMP errors this tunnel sends back to payload senders (its private-side
  // addresses); unset: no ICMP error of that family (the packet is still dropped).
  IpAddress icmp_source_v4;
  IpAddress icmp_source_v6;
  // ICMP error rate limit per tunnel: token bucket of `icmp_burst` refilled at `icmp_rate`
  // per second; rate 0 sends none.
  uint32_t icmp_rate = 10;
  uint32_t icmp_burst = 10;
  // reassembly: fragments of this tunnel's outer packets are reassembled (when the data plane
  // has a Reassembler) instead of dropped with kReassemblyDisabled.
  bool reassembly = false;
};

// IpTunnelHandle: names a tunnel of one IpTunnelDataplane; index 0 is never valid.
struct IpTunnelHandle {
  uint32_t index = 0;
  uint32_t generation = 0;
  bool valid() const { return index != 0; }
  auto operator<=>(const IpTunnelHandle&) const = default;
};

struct IpTunnelCounters {
  uint64_t in_packets = 0;         // decapsulated and delivered
  uint64_t in_octets = 0;          // inner bytes of those
  uint64_t out_packets = 0;        // encapsulated and forwarded (each fragment counts)
  uint64_t out_octets = 0;         // inner bytes of those
  uint64_t fragments_made = 0;     // extra packets produced by fragmentation
  uint64_t icmp_sent = 0;          // ICMP errors produced
  uint64_t icmp_rate_limited = 0;  // ICMP errors suppressed by the token bucket
  uint64_t icmp_suppressed = 0;    // suppressed by rule (multicast, ICMP error, no source...)
  std::array<uint64_t, kNumDropReasons> drops{};
};

struct IpTunnelGlobalCounters {
  uint64_t encapsulated = 0;
  uint64_t decapsulated = 0;
  uint64_t reassembled = 0;
  std::array<uint64_t, kNumDropReasons> drops{};  // including packets of no tunnel
};

// SpareBuffers: caller-owned empty buffers (length 0, with kPacketHeadroom of headroom) for
// the extra packets one input may produce: the fragments after the first of an oversized IPv4
// packet (Encap), or a datagram completed by reassembly (Decap). The data plane fills them
// from the front: for k < used, packets[k] holds an output with verdict verdicts[k], produced
// by input packet origin[k] (in order). The three spans must be the same size; the host resets
// `used` (and the buffers' offset/length) before reusing the struct.
struct SpareBuffers {
  std::span<PacketRef> packets;
  std::span<Verdict> verdicts;
  std::span<uint32_t> origin;
  size_t used = 0;
};

struct IpTunnelOptions {
  // reassembler: optional, not owned, must outlive the data plane; used by Decap for the
  // fragments of tunnels with `reassembly` set.
  Reassembler* reassembler = nullptr;
  uint16_t slot = 0;
};

class IpTunnelDataplane {
 public:
  // kMaxOverhead: the most bytes a tunnel prepends (outer IPv6 + GRE with checksum, key and
  // sequence number).
  static constexpr uint32_t kMaxOverhead = 40 + 16;

  static absl::StatusOr<std::unique_ptr<IpTunnelDataplane>> Create(const IpTunnelOptions& o);
  ~IpTunnelDataplane();
  IpTunnelDataplane(const IpTunnelDataplane&) = delete;
  IpTunnelDataplane& operator=(const IpTunnelDataplane&) = delete;

  // Add: control path. InvalidArgument for an inconsistent config (families, dscp > 63,
  // ip_mtu below 68, key or checksum on IP-IP, ...); AlreadyExists when another tunnel already
  // terminates the same (local, remote-or-backup, type, key).
  absl::StatusOr<IpTunnelHandle> Add(const IpTunnelConfig& config);
  // Remove: control path; NotFound for a stale handle.
  absl::Status Remove(IpTunnelHandle t);
  // SetActiveRemote: control path; later Encap calls send to that remote. FailedPrecondition
  // when selecting a backup the tunnel lacks; NotFound for a stale handle.
  absl::Status SetActiveRemote(IpTunnelHandle t, TunnelRemote which);

  // Encap: fast path. Each packet holds an IPv4 or IPv6 payload packet with the headroom of
  // wire_constants.h. Verdicts (verdicts.size() >= packets.size()):
  //   kForward: the packet holds the outer packet. An IPv4 packet above ip_mtu with DF clear
  //             is fragmented first: the first fragment stays here, the others go to `spares`
  //             (each encapsulated, verdict kForward); without enough spares: kNoSpareBuffer.
  //   kDeliver with reason kTooBigForMtu: the packet was too big and may not be fragmented;
  //             it now holds the ICMP/ICMPv6 error to hand back to the private side.
  //   kDrop: see reason (kTooBigForMtu when the ICMP error was rate-limited or not allowed).
  void Encap(IpTunnelHandle t, std::span<PacketRef> packets, std::span<Verdict> verdicts,
             MonoTime now, SpareBuffers* spares = nullptr);

  // Decap: fast path. Each packet is a whole outer IPv4/IPv6 packet (protocol 47, 4 or 41).
  // kDeliver: it holds the inner packet, verdict.sa = tunnel index. A fragment of a tunnel with
  // reassembly on is given to the Reassembler (verdict kConsumed); the datagram it completes
  // is written to the next spare, decapsulated there, with its own verdict (no spare:
  // kNoSpareBuffer). Only packets from a tunnel's remote or backup remote to its local address
  // are accepted.
  void Decap(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
             SpareBuffers* spares = nullptr);

  // Find: the tunnel terminating (local, remote) with this GRE key (or IP-IP when type says).
  std::optional<IpTunnelHandle> Find(IpTunnelType type, const IpAddress& local,
                                     const IpAddress& remote,
                                     std::optional<uint32_t> key = std::nullopt) const;
  // Counters: the tunnel's counters; nullptr for a stale handle. Valid until Remove.
  const IpTunnelCounters* Counters(IpTunnelHandle t) const;
  const IpTunnelGlobalCounters& counters() const;
  size_t tunnel_count() const;

  class Impl;

 private:
  explicit IpTunnelDataplane(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_GRE_IPIP_H_

// IpTunnel and IpTunnelDataplane::Impl: shared by the control path (gre_tunnel.cc), the
// encapsulation path (gre_encap.cc) and the decapsulation path (gre_decap.cc).
#ifndef TUNNELISA_SRC_DATAPLANE_GRE_TUNNEL_H_
#define TUNNELISA_SRC_DATAPLANE_GRE_TUNNEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dataplane/icmp_error.h"
#include "tunnelisa/gre_ipip.h"

namespace tunnelisa::dataplane {

// GRE flag bits (RFC 2784 section 2, RFC 2890 section 2).
inline constexpr uint16_t kGreChecksumPresent = 0x8000;
inline constexpr uint16_t kGreRoutingPresent = 0x4000;  // RFC 1701 only: refused
inline constexpr uint16_t kGreKeyPresent = 0x2000;
inline constexpr uint16_t kGreSeqPresent = 0x1000;
// Bits 1, 4 and 5 (routing, strict source route, recursion's top bit) must be zero
// (RFC 2784 section 2.3); bits 6-12 are ignored; version bits 13-15 must be zero.
inline constexpr uint16_t kGreMustBeZero = 0x4c00;
inline constexpr uint16_t kGreVersionMask = 0x0007;
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

inline constexpr uint32_t kTemplateSize = 64;

// IpTunnel: one tunnel. The per-packet part first (one cache line plus the template).
struct alignas(64) IpTunnel {
  uint8_t header_size = 0;  // outer IP + GRE bytes prepended
  uint8_t ip_size = 0;      // 20 or 40
  uint8_t gre_size = 0;     // 0 for IP-IP, else 4..16
  uint8_t seq_offset = 0;   // offset of the GRE sequence number in the GRE header (0: none)
  bool outer_v6 = false;
  bool gre = false;
  bool gre_csum = false;
  bool clear_df = false;
  bool reassembly = false;
  uint8_t dscp = 0xff;  // 0xff: copy the inner DSCP
  uint16_t ip_mtu = 0;
  uint16_t ip_id = 0;
  uint32_t seq = 0;
  uint32_t index = 0;
  // IPv4 outer: one's-complement sum of the template's constant header words (version/IHL,
  // source, destination), so the checksum is finished from registers, never re-read.
  uint32_t ip_sum = 0;
  uint8_t ttl = 64;
  // header_template: the outer header, right-aligned: its header_size bytes end at byte 64, so
  // that a fixed 64-byte copy ending at the payload writes it (bytes before it land in the
  // headroom, which is free).
  alignas(64) std::array<uint8_t, kTemplateSize> header_template{};
  IcmpRateLimiter icmp;
  IpTunnelCounters counters;
  IpTunnelConfig config;
  TunnelRemote active = TunnelRemote::kPrimary;
  uint32_t generation = 0;
  bool in_use = false;
};

// DemuxKey: what an inbound packet is matched on.
struct DemuxKey {
  IpAddress local;
  IpAddress remote;
  uint8_t kind = 0;  // 0: GRE without key, 1: GRE with key, 2: IP-IP
  uint32_t key = 0;
  bool operator==(const DemuxKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const DemuxKey& k) {
    return H::combine(std::move(h), k.local, k.remote, k.kind, k.key);
  }
};

// V4DemuxKey: DemuxKey for IPv4 outer addresses, cheap to hash on the fast path.
struct V4DemuxKey {
  uint64_t addrs = 0;  // local << 32 | remote, host order
  uint32_t key = 0;
  uint8_t kind = 0;
  bool operator==(const V4DemuxKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const V4DemuxKey& k) {
    return H::combine(std::move(h), k.addrs, k.key, k.kind);
  }
};

inline V4DemuxKey ToV4(const DemuxKey& k) {
  return {uint64_t{k.local.v4_host_order()} << 32 | k.remote.v4_host_order(), k.key, k.kind};
}

// PairInfo: tunnels sharing an outer address pair (for fragments, which carry no GRE key, and
// to tell a key mismatch from an unknown peer).
struct PairInfo {
  uint32_t gre_tunnels = 0;
  uint32_t tunnels = 0;
  uint32_t reassembly = 0;  // how many have reassembly on
};

}  // namespace tunnelisa::dataplane

namespace tunnelisa {

class IpTunnelDataplane::Impl {
 public:
  explicit Impl(const IpTunnelOptions& options) : options_(options) {
    tunnels_.emplace_back();  // index 0 is never valid
  }

  absl::StatusOr<IpTunnelHandle> Add(const IpTunnelConfig& config);
  absl::Status Remove(IpTunnelHandle t);
  absl::Status SetActiveRemote(IpTunnelHandle t, TunnelRemote which);
  std::optional<IpTunnelHandle> Find(IpTunnelType type, const IpAddress& local,
                                     const IpAddress& remote, std::optional<uint32_t> key) const;
  const IpTunnelCounters* Counters(IpTunnelHandle t) const;
  const IpTunnelGlobalCounters& counters() const { return counters_; }
  size_t tunnel_count() const { return live_tunnels_; }

  void Encap(IpTunnelHandle t, std::span<PacketRef> packets, std::span<Verdict> verdicts,
             MonoTime now, SpareBuffers* spares);
  void Decap(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
             SpareBuffers* spares);

 private:
  dataplane::IpTunnel* Get(IpTunnelHandle t) const;
  static std::vector<dataplane::DemuxKey> KeysOf(const IpTunnelConfig& c);
  void WriteTemplate(dataplane::IpTunnel& t);

  // EncapOne: prepends the outer header to the payload packet `p` (an IPv4/IPv6 packet of
  // p.length bytes with this TOS and DF). kNone, kNoHeadroom or kOversized.
  DropReason EncapOne(dataplane::IpTunnel& t, PacketRef& p, uint8_t version, uint8_t tos, bool df);
  // TooBig: the packet exceeds the MTU and may not be fragmented: drop, or replace it with the
  // ICMP error when the rules and the rate limit allow.
  void TooBig(dataplane::IpTunnel& t, PacketRef& p, Verdict& v, uint8_t version, MonoTime now);
  // DecapOne: one whole outer packet; `nested` when it came out of the reassembler.
  void DecapOne(PacketRef& p, Verdict& v, MonoTime now, SpareBuffers* spares, uint32_t index,
                bool nested);
  // Reassemble: a fragment of a known address pair, given to the reassembler.
  void Reassemble(PacketRef& p, Verdict& v, MonoTime now, SpareBuffers* spares, uint32_t index,
                  const dataplane::PairInfo& pair);

  void Drop(Verdict& v, dataplane::IpTunnel* t, DropReason r) {
    v.action = Verdict::Action::kDrop;
    v.reason = r;
    ++counters_.drops[static_cast<size_t>(r)];
    if (t != nullptr) {
      ++t->counters.drops[static_cast<size_t>(r)];
      v.sa = t->index;
    }
  }

  IpTunnelOptions options_;
  std::vector<std::unique_ptr<dataplane::IpTunnel>> tunnels_;
  std::vector<uint32_t> free_;
  // Lookup: the tunnel index terminating an outer packet (`p`: its IP header) with this
  // demultiplexing kind and key; 0 when none. Fast path.
  uint32_t Lookup(const uint8_t* p, uint8_t version, uint8_t kind, uint32_t key) const;

  absl::flat_hash_map<dataplane::DemuxKey, uint32_t> demux_;
  absl::flat_hash_map<dataplane::V4DemuxKey, uint32_t> demux4_;  // the IPv4 entries again
  absl::flat_hash_map<std::pair<IpAddress, IpAddress>, dataplane::PairInfo> pairs_;
  size_t live_tunnels_ = 0;
  IpTunnelGlobalCounters counters_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_DATAPLANE_GRE_TUNNEL_H_

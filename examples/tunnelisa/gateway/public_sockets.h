// File: examples/tunnelisa/gateway/public_sockets.h
//
// PublicSockets: the public side of `tunnelisa run`.
//
//  - UDP: for every public IPsec address of the configuration, one socket on the IKE port and
//    one on the NAT-T port (default 500 / 4500; --ike-port / --natt-port move them). What they
//    receive gets a synthesized IP + UDP header with the peer as source and our address with
//    the STANDARD port (500 / 4500) as destination, so the engine's demultiplexing sees IKE and
//    ESP-in-UDP whatever port the host really listens on. The engine's UDP packets from port
//    500 / 4500 leave through the matching socket (the mapping reversed), headers stripped.
//  - Raw: one receive socket per (family, protocol) the configuration terminates (ESP 50,
//    GRE 47, IP-IP 4 and 41); IPv4 ones return the IP header, IPv6 ones do not, so an IPv6
//    header is synthesized from the ancillary data. Everything else the engine sends (ESP,
//    GRE, IP-IP, UDP from other ports) goes out one IPPROTO_RAW socket per family (header
//    included). Without CAP_NET_RAW the raw sockets are skipped (logged once): UDP still works.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PUBLIC_SOCKETS_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PUBLIC_SOCKETS_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "examples/tunnelisa/gateway/gateway_log.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::gateway {

// RawListen: a protocol to receive on raw sockets, per address family.
struct RawListen {
  IpAddress::Family family = IpAddress::Family::kV4;
  uint8_t proto = 0;
  auto operator<=>(const RawListen&) const = default;
};

struct PublicSocketOptions {
  uint16_t ike_port = kIkePort;
  uint16_t natt_port = kNatTPort;
  bool freebind = false;  // IP_FREEBIND: bind addresses not (yet) configured on the host
  bool raw = true;        // false: UDP only (--no-raw)
};

class PublicSockets {
 public:
  enum class Kind : uint8_t { kUdp, kRaw4, kRaw6 };
  // Source: one receiving socket.
  struct Source {
    int fd = -1;
    Kind kind = Kind::kUdp;
    IpAddress local;        // kUdp: the bound address
    uint16_t std_port = 0;  // kUdp: the port the engine sees (500 or 4500)
    uint8_t proto = 0;      // raw: the protocol
  };

  // Open: binds the UDP sockets of `udp_addresses` (any failure is an error naming the address
  // and port) and the raw sockets of `raw` (a permission failure is logged and skipped).
  static absl::StatusOr<std::unique_ptr<PublicSockets>> Open(
      std::span<const IpAddress> udp_addresses, std::span<const RawListen> raw,
      const PublicSocketOptions& options, GatewayLog& log);
  ~PublicSockets();
  PublicSockets(const PublicSockets&) = delete;
  PublicSockets& operator=(const PublicSockets&) = delete;

  // IsLocalAddress: `a` is an address of this host (a UDP socket can bind to it).
  static bool IsLocalAddress(const IpAddress& a);

  const std::vector<Source>& sources() const { return sources_; }
  bool raw_send_available(bool v6) const { return (v6 ? raw6_send_ : raw4_send_) >= 0; }

  // RecvScratch: recvmmsg's per-message arrays for one reading thread (the sockets are shared
  // between threads; the scratch is not). About 21 KB: keep one per thread, not per call.
  static constexpr size_t kMaxBurst = 64;
  struct RecvScratch {
    std::array<mmsghdr, kMaxBurst> msgs;
    std::array<iovec, kMaxBurst> iov;
    std::array<sockaddr_storage, kMaxBurst> peers;
    struct alignas(cmsghdr) Control {
      uint8_t bytes[128];
    };
    std::array<Control, kMaxBurst> control;
  };
  // BurstResult: what one ReceiveBurst call got.
  struct BurstResult {
    size_t packets = 0;    // whole packets, at the front of the span
    size_t oversize = 0;   // datagrams larger than kMaxIpPacketSize: dropped
    size_t errors = 0;     // unusable datagrams (an IPv6 one without IPV6_PKTINFO), or 1 when
                           // the call failed (errno: e.g. ECONNREFUSED from an earlier send's
                           // ICMP error)
    bool drained = false;  // the socket had fewer datagrams than asked for (or failed)
  };
  // ReceiveBurst: up to packets.size() (at most kMaxBurst) datagrams from `s` with one
  // recvmmsg, each into its PacketRef (empty, at least kPacketHeadroom of headroom). The first
  // `packets` of the span then hold whole IPv4/IPv6 packets of at most kMaxIpPacketSize bytes
  // (the rest may have been written to). One system call for a whole burst, and none to learn
  // that the socket is empty when it returned fewer than asked for.
  BurstResult ReceiveBurst(const Source& s, std::span<PacketRef> packets, RecvScratch& scratch);

  enum class SendStatus : uint8_t { kUdp, kRaw, kNoSocket, kMalformed, kError };
  // Send: a whole IP packet the engine sends (Transport::SendPublic). kNoSocket: no UDP socket
  // for its source and no raw socket of its family.
  SendStatus Send(std::span<const uint8_t> packet);

 private:
  PublicSockets() = default;
  absl::Status OpenUdp(const IpAddress& address, uint16_t port, uint16_t std_port,
                       const PublicSocketOptions& options);
  void OpenRaw(std::span<const RawListen> raw, GatewayLog& log);
  const Source* FindUdp(const IpAddress& local, uint16_t std_port) const;

  std::vector<Source> sources_;
  int raw4_send_ = -1;
  int raw6_send_ = -1;
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PUBLIC_SOCKETS_H_

// File: examples/tunnelisa/gateway/public_sockets.cc
#include "examples/tunnelisa/gateway/public_sockets.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/packet_headers.h"
#include "examples/tunnelisa/gateway/sockaddr.h"

namespace tunnelisa::gateway {
namespace {

constexpr int kSocketBuffer = 1 << 20;  // best effort: the kernel caps it at [rw]mem_max

// FromSockaddr: the peer of a received packet.
IpAddress FromSockaddr(const sockaddr_storage& ss, uint16_t* port) {
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    *port = ntohs(sin->sin_port);
    return IpAddress::V4Bytes(reinterpret_cast<const uint8_t*>(&sin->sin_addr));
  }
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  *port = ntohs(sin6->sin6_port);
  return IpAddress::V6Bytes(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr));
}

void SetInt(int fd, int level, int option, int value) {
  // Best effort: these only add information (TOS, TTL) or capacity.
  (void)setsockopt(fd, level, option, &value, sizeof value);
}

// ReadAncillary: TOS/TTL (IPv4) or traffic class/hop limit/destination (IPv6) of a packet.
void ReadAncillary(msghdr& msg, OuterFields& f) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    const uint8_t* d = CMSG_DATA(c);
    int v = 0;
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
      f.tos = d[0];
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      std::memcpy(&v, d, sizeof v);
      f.ttl = static_cast<uint8_t>(v);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
      std::memcpy(&v, d, sizeof v);
      f.tos = static_cast<uint8_t>(v);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      std::memcpy(&v, d, sizeof v);
      f.ttl = static_cast<uint8_t>(v);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, d, sizeof info);
      f.dst = IpAddress::V6Bytes(reinterpret_cast<const uint8_t*>(&info.ipi6_addr));
    }
  }
}

absl::Status BindError(const IpAddress& a, uint16_t port, int err) {
  std::string hint;
  if (err == EADDRNOTAVAIL) hint = " (not an address of this host: `ip addr add` it first)";
  if (err == EADDRINUSE) hint = " (another IKE daemon? see --ike-port / --natt-port)";
  return absl::UnavailableError(absl::StrFormat("cannot bind UDP %s port %d: %s%s", a.ToString(),
                                                port, std::strerror(err), hint));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PublicSockets>> PublicSockets::Open(
    std::span<const IpAddress> udp_addresses, std::span<const RawListen> raw,
    const PublicSocketOptions& options, GatewayLog& log) {
  std::unique_ptr<PublicSockets> s(new PublicSockets());
  for (const IpAddress& a : udp_addresses) {
    for (auto [port, std_port] :
         {std::pair{options.ike_port, kIkePort}, std::pair{options.natt_port, kNatTPort}}) {
      if (absl::Status st = s->OpenUdp(a, port, std_port, options); !st.ok()) return st;
      log.Info(absl::StrFormat("listening on UDP %s port %d (engine sees %d)", a.ToString(), port,
                               std_port));
    }
  }
  if (options.raw) {
    s->OpenRaw(raw, log);
  } else {
    log.Info("raw sockets disabled (--no-raw): ESP, GRE and IP-IP are neither sent nor received");
  }
  return s;
}

bool PublicSockets::IsLocalAddress(const IpAddress& a) {
  int fd = socket(a.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_storage ss;
  socklen_t len = ToSockaddr(a, 0, ss);
  bool local = bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  close(fd);
  return local;
}

PublicSockets::~PublicSockets() {
  for (const Source& s : sources_) close(s.fd);
  if (raw4_send_ >= 0) close(raw4_send_);
  if (raw6_send_ >= 0) close(raw6_send_);
}

absl::Status PublicSockets::OpenUdp(const IpAddress& a, uint16_t port, uint16_t std_port,
                                    const PublicSocketOptions& options) {
  const bool v6 = a.is_v6();
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return BindError(a, port, errno);
  if (options.freebind) SetInt(fd, IPPROTO_IP, IP_FREEBIND, 1);
  if (v6) {
    SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    SetInt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    SetInt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  } else {
    SetInt(fd, IPPROTO_IP, IP_RECVTOS, 1);
    SetInt(fd, IPPROTO_IP, IP_RECVTTL, 1);
  }
  SetInt(fd, SOL_SOCKET, SO_RCVBUF, kSocketBuffer);
  sockaddr_storage ss;
  socklen_t len = ToSockaddr(a, port, ss);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    int err = errno;
    close(fd);
    return BindError(a, port, err);
  }
  sources_.push_back({.fd = fd, .kind = Kind::kUdp, .local = a, .std_port = std_port});
  return absl::OkStatus();
}

void PublicSockets::OpenRaw(std::span<const RawListen> raw, GatewayLog& log) {
  bool want[2] = {false, false};  // v4, v6
  for (const RawListen& r : raw) want[r.family == IpAddress::Family::kV6] = true;
  for (int v6 = 0; v6 < 2; ++v6) {
    if (!want[v6]) continue;
    const int family = v6 ? AF_INET6 : AF_INET;
    const char* fname = v6 ? "IPv6" : "IPv4";
    // IPPROTO_RAW means "header included" for sending (IPv6 too since Linux 4.5).
    int send_fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    if (send_fd < 0) {
      log.WarnOnce("raw", absl::StrFormat("raw %s sockets unavailable (%s): ESP, GRE and IP-IP "
                                          "are neither sent nor received; UDP (IKE, ESP-in-UDP) "
                                          "goes on",
                                          fname, std::strerror(errno)));
      continue;
    }
    SetInt(send_fd, SOL_SOCKET, SO_SNDBUF, kSocketBuffer);
    (v6 ? raw6_send_ : raw4_send_) = send_fd;
    for (const RawListen& r : raw) {
      if ((r.family == IpAddress::Family::kV6) != (v6 == 1)) continue;
      int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, r.proto);
      if (fd < 0) {
        log.Warning(absl::StrFormat("raw %s socket for protocol %d: %s", fname, r.proto,
                                    std::strerror(errno)));
        continue;
      }
      SetInt(fd, SOL_SOCKET, SO_RCVBUF, kSocketBuffer);
      if (v6) {
        SetInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        SetInt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
        SetInt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
      }
      sources_.push_back({.fd = fd, .kind = v6 ? Kind::kRaw6 : Kind::kRaw4, .proto = r.proto});
      log.Info(absl::StrFormat("receiving %s protocol %d on a raw socket", fname, r.proto));
    }
  }
}

namespace {

// SynthesizedHeaderSize: the headers Finish prepends to what `s` receives, so the packet
// never exceeds kMaxIpPacketSize.
uint32_t SynthesizedHeaderSize(const PublicSockets::Source& s) {
  if (s.kind == PublicSockets::Kind::kUdp) {
    return static_cast<uint32_t>((s.local.is_v4() ? kIpv4HeaderSize : kIpv6HeaderSize) +
                                 kUdpHeaderSize);
  }
  return s.kind == PublicSockets::Kind::kRaw6 ? static_cast<uint32_t>(kIpv6HeaderSize) : 0;
}

// Finish: makes the `n` bytes received into `p` (after `synth` bytes of room) a whole IP
// packet. False when it cannot be demultiplexed (an IPv6 datagram without IPV6_PKTINFO).
bool Finish(const PublicSockets::Source& s, msghdr& msg, const sockaddr_storage& peer,
            uint32_t synth, size_t n, PacketRef& p) {
  p.offset += synth;
  p.length = static_cast<uint32_t>(n);
  if (s.kind == PublicSockets::Kind::kRaw4) return true;  // the kernel kept the IPv4 header
  OuterFields f;
  uint16_t peer_port = 0;
  f.src = FromSockaddr(peer, &peer_port);
  ReadAncillary(msg, f);
  if (s.kind == PublicSockets::Kind::kUdp) {
    f.dst = s.local;  // bound to it: nothing else can arrive here
    PrependUdp(p, f, peer_port, s.std_port);
    return true;
  }
  if (!f.dst.is_set()) return false;
  PrependIpv6(p, f, s.proto);
  return true;
}

}  // namespace

PublicSockets::BurstResult PublicSockets::ReceiveBurst(const Source& s,
                                                       std::span<PacketRef> packets,
                                                       RecvScratch& scratch) {
  BurstResult r;
  const size_t want = std::min(packets.size(), kMaxBurst);
  if (want == 0) return r;
  const uint32_t synth = SynthesizedHeaderSize(s);
  for (size_t i = 0; i < want; ++i) {
    PacketRef& p = packets[i];
    const uint32_t room = p.capacity - p.offset - static_cast<uint32_t>(kPacketTailroom) - synth;
    scratch.iov[i] = {p.buffer + p.offset + synth,
                      std::min<size_t>(room, kMaxIpPacketSize - synth)};
    msghdr& msg = scratch.msgs[i].msg_hdr;
    msg = {};
    msg.msg_name = &scratch.peers[i];
    msg.msg_namelen = sizeof(sockaddr_storage);
    msg.msg_iov = &scratch.iov[i];
    msg.msg_iovlen = 1;
    msg.msg_control = scratch.control[i].bytes;
    msg.msg_controllen = sizeof scratch.control[i].bytes;
    scratch.msgs[i].msg_len = 0;
  }
  const int got =
      recvmmsg(s.fd, scratch.msgs.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
  if (got < 0) {
    r.drained = true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) r.errors = 1;
    return r;
  }
  r.drained = static_cast<size_t>(got) < want;
  for (size_t i = 0; i < static_cast<size_t>(got); ++i) {
    msghdr& msg = scratch.msgs[i].msg_hdr;
    if ((msg.msg_flags & MSG_TRUNC) != 0) {
      ++r.oversize;
      continue;
    }
    // Compacted: packets[i] received into its own buffer; a dropped one before it leaves a gap
    // that the next whole packet's PacketRef fills (the buffer moves, not the bytes).
    PacketRef p = packets[i];
    if (!Finish(s, msg, scratch.peers[i], synth, scratch.msgs[i].msg_len, p)) {
      ++r.errors;
      continue;
    }
    packets[i] = packets[r.packets];
    packets[r.packets++] = p;
  }
  return r;
}

const PublicSockets::Source* PublicSockets::FindUdp(const IpAddress& local,
                                                    uint16_t std_port) const {
  for (const Source& s : sources_) {
    if (s.kind == Kind::kUdp && s.std_port == std_port && s.local == local) return &s;
  }
  return nullptr;
}

PublicSockets::SendStatus PublicSockets::Send(std::span<const uint8_t> packet) {
  std::optional<OutboundInfo> o = ParseOutbound(packet);
  if (!o) return SendStatus::kMalformed;
  sockaddr_storage dst;
  if (o->udp && (o->sport == kIkePort || o->sport == kNatTPort)) {
    if (const Source* s = FindUdp(o->src, o->sport)) {
      socklen_t len = ToSockaddr(o->dst, o->dport, dst);
      const size_t skip = o->header_size + kUdpHeaderSize;
      iovec iov{const_cast<uint8_t*>(packet.data() + skip), packet.size() - skip};
      alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int))] = {};
      msghdr msg{};
      msg.msg_name = &dst;
      msg.msg_namelen = len;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      if (o->tos != 0) {  // DSCP/ECN the engine chose for the outer header (RFC 6040)
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = o->src.is_v4() ? IPPROTO_IP : IPPROTO_IPV6;
        c->cmsg_type = o->src.is_v4() ? IP_TOS : IPV6_TCLASS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        int tos = o->tos;
        std::memcpy(CMSG_DATA(c), &tos, sizeof tos);
      }
      return sendmsg(s->fd, &msg, MSG_DONTWAIT) == static_cast<ssize_t>(iov.iov_len)
                 ? SendStatus::kUdp
                 : SendStatus::kError;
    }
  }
  int fd = o->src.is_v4() ? raw4_send_ : raw6_send_;
  if (fd < 0) return SendStatus::kNoSocket;
  socklen_t len = ToSockaddr(o->dst, 0, dst);
  ssize_t n = sendto(fd, packet.data(), packet.size(), MSG_DONTWAIT,
                     reinterpret_cast<sockaddr*>(&dst), len);
  return n == static_cast<ssize_t>(packet.size()) ? SendStatus::kRaw : SendStatus::kError;
}

}  // namespace tunnelisa::gateway

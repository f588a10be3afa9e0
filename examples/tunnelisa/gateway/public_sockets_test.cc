// File: examples/tunnelisa/gateway/public_sockets_test.cc
//
// PublicSockets::ReceiveBurst on loopback: a burst is what the socket holds (up to what was
// asked for), each datagram becomes a whole IP + UDP packet with the standard port, a burst
// shorter than asked for says the socket is drained, and an oversize datagram in the middle
// is counted and leaves no gap.
#include "examples/tunnelisa/gateway/public_sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "examples/tunnelisa/gateway/sockaddr.h"
#include "gtest/gtest.h"

namespace tunnelisa::gateway {
namespace {

constexpr size_t kBufferSize = kPacketHeadroom + kMaxIpPacketSize + kPacketTailroom;

// Buffers: `n` fresh receive buffers, as the gateway gives ReceiveBurst.
struct Buffers {
  explicit Buffers(size_t n) : storage(n * kBufferSize), packets(n) {
    for (size_t i = 0; i < n; ++i) {
      packets[i] = PacketRef::WithHeadroom(storage.data() + i * kBufferSize,
                                           static_cast<uint32_t>(kBufferSize),
                                           static_cast<uint32_t>(kPacketHeadroom));
    }
  }
  std::vector<uint8_t> storage;
  std::vector<PacketRef> packets;
};

// Harness: PublicSockets on one loopback address (ephemeral ports; the engine sees 500 /
// 4500), and a client socket that sends to the IKE-port socket.
class Harness {
 public:
  explicit Harness(const IpAddress& local) {
    auto log = GatewayLog::Open("");
    EXPECT_TRUE(log.ok());
    log_ = *std::move(log);
    const IpAddress addresses[] = {local};
    auto s =
        PublicSockets::Open(addresses, {}, {.ike_port = 0, .natt_port = 0, .raw = false}, *log_);
    EXPECT_TRUE(s.ok()) << s.status();
    sockets_ = *std::move(s);
    for (const PublicSockets::Source& src : sockets_->sources()) {
      if (src.std_port == kIkePort) ike_ = &src;
    }
    EXPECT_NE(ike_, nullptr);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    EXPECT_EQ(getsockname(ike_->fd, reinterpret_cast<sockaddr*>(&ss), &len), 0);
    to_ = ss;
    to_len_ = len;
    client_ = socket(local.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(client_, 0);
    sockaddr_storage any{};
    socklen_t any_len = ToSockaddr(local, 0, any);
    EXPECT_EQ(bind(client_, reinterpret_cast<sockaddr*>(&any), any_len), 0);
    len = sizeof client_addr_;
    EXPECT_EQ(getsockname(client_, reinterpret_cast<sockaddr*>(&client_addr_), &len), 0);
  }
  ~Harness() {
    if (client_ >= 0) close(client_);
  }

  // Send: one datagram of `size` octets, every octet `fill`.
  void Send(size_t size, uint8_t fill) {
    std::vector<uint8_t> d(size, fill);
    ASSERT_EQ(sendto(client_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to_), to_len_),
              static_cast<ssize_t>(size));
  }
  uint16_t client_port() const {
    return ntohs(client_addr_.ss_family == AF_INET
                     ? reinterpret_cast<const sockaddr_in*>(&client_addr_)->sin_port
                     : reinterpret_cast<const sockaddr_in6*>(&client_addr_)->sin6_port);
  }
  PublicSockets& sockets() { return *sockets_; }
  const PublicSockets::Source& ike() { return *ike_; }

 private:
  std::unique_ptr<GatewayLog> log_;
  std::unique_ptr<PublicSockets> sockets_;
  const PublicSockets::Source* ike_ = nullptr;
  sockaddr_storage to_{};
  socklen_t to_len_ = 0;
  int client_ = -1;
  sockaddr_storage client_addr_{};
};

// CheckDatagram: `p` is an IP + UDP packet from the client to port 500 carrying `size` octets
// of `fill`.
void CheckDatagram(const PacketRef& p, bool v6, uint16_t client_port, size_t size, uint8_t fill) {
  const size_t ip = v6 ? kIpv6HeaderSize : kIpv4HeaderSize;
  ASSERT_EQ(p.length, ip + kUdpHeaderSize + size);
  const uint8_t* d = p.data();
  EXPECT_EQ(d[0] >> 4, v6 ? 6 : 4);
  EXPECT_EQ((d[ip] << 8) | d[ip + 1], client_port);
  EXPECT_EQ((d[ip + 2] << 8) | d[ip + 3], kIkePort);
  for (size_t i = 0; i < size; ++i) {
    ASSERT_EQ(d[ip + kUdpHeaderSize + i], fill) << "octet " << i;
  }
}

// Receive: ReceiveBurst with a bounded wait for the first datagram (loopback delivers at
// once, but the test never depends on timing: up to 200 tries of 5 ms).
PublicSockets::BurstResult Receive(Harness& h, std::span<PacketRef> packets) {
  PublicSockets::RecvScratch scratch;
  PublicSockets::BurstResult r;
  for (int tries = 0; tries < 200; ++tries) {
    r = h.sockets().ReceiveBurst(h.ike(), packets, scratch);
    if (r.packets + r.oversize + r.errors > 0) break;
    usleep(5000);
  }
  return r;
}

TEST(PublicSocketsTest, ABurstIsWhatTheSocketHoldsAndAShortOneMeansDrained) {
  Harness h(IpAddress::V4(0x7f000001));
  for (uint8_t k = 0; k < 5; ++k) h.Send(100 + k, k);

  Buffers three(3);  // asks for fewer than are there: not drained
  PublicSockets::BurstResult r = Receive(h, three.packets);
  EXPECT_EQ(r.packets, 3u);
  EXPECT_FALSE(r.drained);
  EXPECT_EQ(r.oversize, 0u);
  EXPECT_EQ(r.errors, 0u);
  for (uint8_t k = 0; k < 3; ++k)
    CheckDatagram(three.packets[k], false, h.client_port(), 100 + k, k);

  Buffers many(32);  // the other two, and the socket is drained
  r = Receive(h, many.packets);
  EXPECT_EQ(r.packets, 2u);
  EXPECT_TRUE(r.drained);
  for (uint8_t k = 0; k < 2; ++k) {
    CheckDatagram(many.packets[k], false, h.client_port(), 103 + k, static_cast<uint8_t>(3 + k));
  }

  PublicSockets::RecvScratch scratch;  // empty now: drained, nothing counted
  r = h.sockets().ReceiveBurst(h.ike(), many.packets, scratch);
  EXPECT_EQ(r.packets, 0u);
  EXPECT_TRUE(r.drained);
  EXPECT_EQ(r.errors, 0u);
}

TEST(PublicSocketsTest, AnOversizeDatagramIsCountedAndLeavesNoGap) {
  // Over IPv6 a UDP datagram can carry more than an IP packet of 65535 octets can hold once
  // the gateway has put the IPv6 and UDP headers back in front of it.
  Harness h(IpAddress::V6Bytes(in6addr_loopback.s6_addr));
  h.Send(10, 1);
  h.Send(65500, 2);
  h.Send(20, 3);
  PublicSockets::BurstResult r;
  PublicSockets::RecvScratch scratch;
  size_t seen = 0;
  std::vector<std::pair<size_t, uint8_t>> whole;
  // The three may arrive over more than one call; bounded.
  for (int tries = 0; tries < 200 && seen < 3; ++tries) {
    Buffers b(8);
    r = h.sockets().ReceiveBurst(h.ike(), b.packets, scratch);
    seen += r.packets + r.oversize + r.errors;
    EXPECT_EQ(r.errors, 0u);
    for (size_t i = 0; i < r.packets; ++i) {
      const size_t payload = b.packets[i].length - kIpv6HeaderSize - kUdpHeaderSize;
      const uint8_t fill = b.packets[i].data()[kIpv6HeaderSize + kUdpHeaderSize];
      CheckDatagram(b.packets[i], true, h.client_port(), payload, fill);
      whole.push_back({payload, fill});
    }
    EXPECT_LE(r.oversize, 1u);
    if (seen < 3) usleep(5000);
  }
  ASSERT_EQ(seen, 3u);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[0], (std::pair<size_t, uint8_t>{10, 1}));
  EXPECT_EQ(whole[1], (std::pair<size_t, uint8_t>{20, 3}));
}

}  // namespace
}  // namespace tunnelisa::gateway

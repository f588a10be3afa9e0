// RadiusSocket (radius_socket.h): UDP sockets to the RADIUS servers.
#include "examples/tunnelisa/gateway/radius_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/sockaddr.h"

namespace tunnelisa::gateway {
namespace {

// OpenBound: a non-blocking UDP socket of `family` on an ephemeral port of any address; -1
// when the family is not available.
int OpenBound(int family) {
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len = sizeof(sockaddr_in);
  if (family == AF_INET6) {
    int only = 1;  // IPv4 servers go through the IPv4 socket
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    len = sizeof(sockaddr_in6);
  }
  ss.ss_family = static_cast<sa_family_t>(family);  // any address, port 0: the kernel picks
  if (bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RadiusSocket>> RadiusSocket::Create() {
  int fd4 = OpenBound(AF_INET);
  if (fd4 < 0) {
    return absl::UnavailableError(
        absl::StrFormat("RADIUS socket: cannot open a UDP socket: %s", std::strerror(errno)));
  }
  return std::unique_ptr<RadiusSocket>(new RadiusSocket(fd4, OpenBound(AF_INET6)));
}

RadiusSocket::~RadiusSocket() {
  if (fd4_ >= 0) close(fd4_);
  if (fd6_ >= 0) close(fd6_);
}

void RadiusSocket::Send(const radius::RadiusServerAddress& to, std::span<const uint8_t> datagram) {
  sockaddr_storage ss{};
  const socklen_t len = ToSockaddr(to.address, to.port, ss);
  const int fd = to.address.is_v4() ? fd4_ : to.address.is_v6() ? fd6_ : -1;
  if (fd < 0 || sendto(fd, datagram.data(), datagram.size(), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&ss), len) < 0) {
    ++send_errors_;
  }
}

void RadiusSocket::AddPollFds(std::vector<pollfd>& fds) const {
  fds.push_back({fd4_, POLLIN, 0});
  fds.push_back({fd6_, POLLIN, 0});  // -1 without IPv6: poll skips it
}

void RadiusSocket::Read(std::span<const pollfd> fds, Engine& engine, MonoTime now) {
  // RFC 2865 3: a RADIUS packet is at most 4096 octets; one more tells a longer one (dropped
  // by the client as malformed rather than cut to size here).
  uint8_t buf[4097];
  for (const pollfd& p : fds) {
    if (p.fd < 0 || (p.revents & POLLIN) == 0) continue;
    for (int n = 0; n < 256; ++n) {  // bounded: the loop has other sockets to serve
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      ssize_t got =
          recvfrom(p.fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), &len);
      if (got < 0) break;  // EAGAIN, or an ICMP error reported on the socket
      radius::RadiusServerAddress from;
      if (ss.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
        from = {IpAddress::V4Bytes(reinterpret_cast<const uint8_t*>(&sin->sin_addr)),
                ntohs(sin->sin_port)};
      } else if (ss.ss_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        from = {IpAddress::V6Bytes(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr)),
                ntohs(sin6->sin6_port)};
      } else {
        continue;
      }
      engine.OnRadiusDatagram(from, std::span<const uint8_t>(buf, static_cast<size_t>(got)), now);
    }
  }
}

}  // namespace tunnelisa::gateway

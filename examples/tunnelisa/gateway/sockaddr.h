// File: examples/tunnelisa/gateway/sockaddr.h
//
// ToSockaddr: an IpAddress and port as the sockaddr the socket calls take, for every socket of
// the gateway (public sockets, RADIUS, syslog, the metrics listener). Header-only: a handful of
// lines each caller would otherwise write again.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_SOCKADDR_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_SOCKADDR_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

#include "tunnelisa/ip_address.h"

namespace tunnelisa::gateway {

// ToSockaddr: fills `ss` with `a` (IPv4 or IPv6) and `port`; returns the length to pass with
// it. An unset address gives an IPv6 any-address (::).
inline socklen_t ToSockaddr(const IpAddress& a, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, a.bytes(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, a.bytes(), 16);
  return sizeof(sockaddr_in6);
}

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_SOCKADDR_H_

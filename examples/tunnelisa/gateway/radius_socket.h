// File: examples/tunnelisa/gateway/radius_socket.h
//
// RadiusSocket: the gateway's way to its RADIUS servers (Host::radius): one non-blocking UDP
// socket per address family, bound to an ephemeral port on any address, so every request to
// one server leaves from the same address and port (RFC 2865 3: the server tells
// retransmissions by source and Identifier). The gateway's poll loop reads what comes back
// and gives it to Engine::OnRadiusDatagram. Control thread only.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_RADIUS_SOCKET_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_RADIUS_SOCKET_H_

#include <poll.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/radius.h"

namespace tunnelisa::gateway {

class RadiusSocket final : public radius::RadiusTransport {
 public:
  // Create: the IPv4 socket (required) and the IPv6 one (when the host has IPv6).
  static absl::StatusOr<std::unique_ptr<RadiusSocket>> Create();
  ~RadiusSocket() override;
  RadiusSocket(const RadiusSocket&) = delete;
  RadiusSocket& operator=(const RadiusSocket&) = delete;

  // Send: one datagram; a failure (no route, full queue) is a lost datagram: the RADIUS client
  // retransmits.
  void Send(const radius::RadiusServerAddress& to, std::span<const uint8_t> datagram) override;
  // AddPollFds / Read: the sockets to poll for input, and reading every datagram waiting on
  // those `fds` (as AddPollFds listed them) into `engine`.
  void AddPollFds(std::vector<pollfd>& fds) const;
  void Read(std::span<const pollfd> fds, Engine& engine, MonoTime now);
  uint64_t send_errors() const { return send_errors_; }

 private:
  RadiusSocket(int fd4, int fd6) : fd4_(fd4), fd6_(fd6) {}
  int fd4_ = -1;
  int fd6_ = -1;
  uint64_t send_errors_ = 0;
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_RADIUS_SOCKET_H_

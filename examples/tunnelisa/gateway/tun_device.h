// File: examples/tunnelisa/gateway/tun_device.h
//
// TunDevice: one Linux TUN interface (IFF_TUN | IFF_NO_PI: each read or write is one whole IP
// packet) carrying a private service's traffic between the host's stack and the engine. The
// device is brought up but gets no address or route: that is the operator's (or the test's)
// job with `ip`. It disappears when the descriptor closes, unless it existed before as a
// persistent device (`ip tuntap add`), which is then left as it was.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_TUN_DEVICE_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_TUN_DEVICE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace tunnelisa::gateway {

class TunDevice {
 public:
  // Create: opens /dev/net/tun, attaches (creating it if needed) the interface `name`, makes
  // the descriptor non-blocking and sets the interface up. Unavailable / PermissionDenied /
  // InvalidArgument with the system's reason.
  static absl::StatusOr<std::unique_ptr<TunDevice>> Create(const std::string& name);
  ~TunDevice();
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  // Read: one packet into `out`; its length, 0 when none is waiting, -1 on an error (errno).
  ssize_t Read(std::span<uint8_t> out);
  // Write: one packet to the host's stack; false on an error (errno; EAGAIN when the queue is
  // full: the packet is dropped, like a full NIC ring).
  bool Write(std::span<const uint8_t> packet);

 private:
  TunDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  int fd_;
  std::string name_;
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_TUN_DEVICE_H_

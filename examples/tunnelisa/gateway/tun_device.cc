// File: examples/tunnelisa/gateway/tun_device.cc
#include "examples/tunnelisa/gateway/tun_device.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace tunnelisa::gateway {
namespace {

absl::Status Errno(const std::string& what, int err) {
  std::string message = absl::StrFormat("%s: %s", what, std::strerror(err));
  if (err == EPERM || err == EACCES) return absl::PermissionDeniedError(message);
  if (err == EBUSY || err == ENOENT || err == ENODEV) return absl::UnavailableError(message);
  return absl::InvalidArgumentError(message);
}

// SetUp: SIOCSIFFLAGS |= IFF_UP. Needs some socket to carry the ioctl; any family will do.
absl::Status SetUp(const std::string& name) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return Errno("socket for SIOCSIFFLAGS", errno);
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  absl::Status status = absl::OkStatus();
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    status = Errno("SIOCGIFFLAGS " + name, errno);
  } else if ((ifr.ifr_flags & IFF_UP) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) status = Errno("SIOCSIFFLAGS " + name, errno);
  }
  close(s);
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TunDevice>> TunDevice::Create(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return absl::InvalidArgumentError(
        absl::StrFormat("TUN name '%s' must have 1 to %d characters", name, IFNAMSIZ - 1));
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Errno("open /dev/net/tun", errno);
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return Errno("TUNSETIFF " + name, err);
  }
  auto dev = std::unique_ptr<TunDevice>(new TunDevice(fd, name));
  if (absl::Status s = SetUp(name); !s.ok()) return s;
  return dev;
}

TunDevice::~TunDevice() { close(fd_); }

ssize_t TunDevice::Read(std::span<uint8_t> out) {
  ssize_t n = read(fd_, out.data(), out.size());
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return n;
}

bool TunDevice::Write(std::span<const uint8_t> packet) {
  ssize_t n = write(fd_, packet.data(), packet.size());
  return n == static_cast<ssize_t>(packet.size());
}

}  // namespace tunnelisa::gateway

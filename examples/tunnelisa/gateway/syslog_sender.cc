// File: examples/tunnelisa/gateway/syslog_sender.cc
#include "examples/tunnelisa/gateway/syslog_sender.h"

#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "examples/tunnelisa/gateway/sockaddr.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::gateway {

absl::StatusOr<std::unique_ptr<SyslogSender>> SyslogSender::Open(
    std::string_view target, std::function<void(const std::string&)> warn) {
  std::unique_ptr<SyslogSender> s(new SyslogSender());
  s->target_ = std::string(target);
  s->warn_ = std::move(warn);
  int family;
  if (target.starts_with("unix:")) {
    const std::string_view path = target.substr(5);
    sockaddr_un un{};
    if (path.empty() || path.size() >= sizeof un.sun_path) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--syslog %s: a socket path of 1 to %d bytes expected", target, sizeof un.sun_path - 1));
    }
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    std::memcpy(&s->to_, &un, sizeof un);
    s->to_len_ = sizeof un;
    family = AF_UNIX;
  } else if (target.starts_with("udp:")) {
    std::string_view rest = target.substr(4);
    const size_t colon = rest.rfind(':');
    std::string_view host = colon == std::string_view::npos ? "" : rest.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    uint32_t port = 0;
    std::optional<IpAddress> address = IpAddress::Parse(host);
    if (!address || colon == std::string_view::npos ||
        !absl::SimpleAtoi(ToAbsl(rest.substr(colon + 1)), &port) || port == 0 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--syslog %s: expected udp:ADDRESS:PORT (udp:[IPV6]:PORT), an address literal", target));
    }
    s->to_len_ = ToSockaddr(*address, static_cast<uint16_t>(port), s->to_);
    family = address->is_v4() ? AF_INET : AF_INET6;
  } else {
    return absl::InvalidArgumentError(
        absl::StrFormat("--syslog %s: expected unix:PATH or udp:ADDRESS:PORT", target));
  }
  // Unconnected: every message is a sendto, so a collector that starts (or restarts) after us
  // gets the next message without a reconnect.
  s->fd_ = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd_ < 0) {
    return absl::InternalError(
        absl::StrFormat("--syslog %s: socket: %s", target, std::strerror(errno)));
  }
  return s;
}

SyslogSender::~SyslogSender() {
  if (fd_ >= 0) close(fd_);
}

void SyslogSender::Send(std::string_view message) {
  //= https://www.rfc-editor.org/rfc/rfc5426#section-3.1
  //# Each syslog UDP datagram MUST contain only one syslog message
  const ssize_t n = sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                           reinterpret_cast<const sockaddr*>(&to_), to_len_);
  if (n == static_cast<ssize_t>(message.size())) {
    sent_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const int err = n < 0 ? errno : EMSGSIZE;
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (!warned_.exchange(true) && warn_) {
    warn_(
        absl::StrFormat("syslog %s: message not sent: %s (counted as syslog-errors; warned "
                        "once)",
                        target_, std::strerror(err)));
  }
}

}  // namespace tunnelisa::gateway

// File: examples/tunnelisa/gateway/control_server.cc
#include "examples/tunnelisa/gateway/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/control_protocol.h"

namespace tunnelisa::gateway {
namespace {

constexpr size_t kMaxClients = 16;

absl::StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "control socket path '%s' must have 1 to %d characters", path, sizeof sa.sun_path - 1));
  }
  std::memcpy(sa.sun_path, path.data(), path.size());
  return sa;
}

// RemoveStale: OK when `path` is free (or was a dead gateway's socket, now removed).
absl::Status RemoveStale(const std::string& path, const sockaddr_un& sa) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return absl::OkStatus();
  if (!S_ISSOCK(st.st_mode)) {
    return absl::AlreadyExistsError(path + " exists and is not a socket");
  }
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return absl::InternalError(std::strerror(errno));
  bool live = connect(probe, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
  close(probe);
  if (live) return absl::AlreadyExistsError("another gateway is listening on " + path);
  unlink(path.c_str());
  return absl::OkStatus();
}

std::string Reply(const absl::StatusOr<std::string>& r) {
  if (r.ok()) return "OK\n" + *r;
  std::string text(r.status().message());
  if (!text.empty() && text.back() != '\n') text += '\n';
  return absl::StrFormat("ERR %s\n%s", absl::StatusCodeToString(r.status().code()), text);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Listen(const std::string& path) {
  absl::StatusOr<sockaddr_un> sa = UnixAddress(path);
  if (!sa.ok()) return sa.status();
  if (absl::Status s = RemoveStale(path, *sa); !s.ok()) return s;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrFormat("socket: %s", std::strerror(errno)));
  // Created 0600 from the start: no window in which others could connect.
  mode_t old_mask = umask(0177);
  int rc = bind(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof *sa);
  int err = errno;
  umask(old_mask);
  if (rc != 0 || listen(fd, 16) != 0) {
    if (rc == 0) err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrFormat("cannot listen on control socket %s: %s", path, std::strerror(err)));
  }
  return std::unique_ptr<ControlServer>(new ControlServer(fd, path));
}

ControlServer::~ControlServer() {
  for (Client& c : clients_) close(c.fd);
  close(fd_);
  unlink(path_.c_str());
}

void ControlServer::AddPollFds(std::vector<pollfd>& fds) const {
  fds.push_back({fd_, POLLIN, 0});
  for (const Client& c : clients_) {
    fds.push_back({c.fd, static_cast<short>(c.replying ? POLLOUT : POLLIN), 0});
  }
}

void ControlServer::Service(std::span<const pollfd> fds, int64_t now_ms, const Handler& handler) {
  // fds[1..] match clients_ as AddPollFds listed them (Accept only appends after this loop).
  for (size_t i = 0; i < clients_.size() && i + 1 < fds.size(); ++i) {
    Client& c = clients_[i];
    const short ev = fds[i + 1].revents;
    if (ev == 0) continue;
    bool open = c.replying ? Write(c) : Read(c, handler);
    if (!open || (ev & (POLLERR | POLLNVAL)) != 0) {
      close(c.fd);
      c.fd = -1;
    }
  }
  for (Client& c : clients_) {
    if (c.fd >= 0 && now_ms >= c.deadline_ms) {
      close(c.fd);
      c.fd = -1;
    }
  }
  std::erase_if(clients_, [](const Client& c) { return c.fd < 0; });
  if (!fds.empty() && (fds[0].revents & POLLIN) != 0) Accept(now_ms);
}

void ControlServer::Accept(int64_t now_ms) {
  for (;;) {
    int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a client that went away meanwhile
    if (clients_.size() >= kMaxClients) {
      close(fd);  // refuse rather than queue: each client costs a buffer
      continue;
    }
    clients_.push_back({.fd = fd, .deadline_ms = now_ms + kClientTimeoutMs});
  }
}

bool ControlServer::Read(Client& c, const Handler& handler) {
  char buf[1024];
  bool eof = false;
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      if (c.in.size() > kMaxRequest || c.in.find('\n') != std::string::npos) break;
      continue;
    }
    if (n == 0) {
      eof = true;  // a client may end its request by shutting down its side instead
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  size_t nl = c.in.find('\n');
  if (nl == std::string::npos && !eof && c.in.size() <= kMaxRequest) return true;  // more to come
  absl::StatusOr<std::string> result;
  if (nl == std::string::npos && c.in.size() > kMaxRequest) {
    result =
        absl::InvalidArgumentError(absl::StrFormat("request longer than %d bytes", kMaxRequest));
  } else {
    std::optional<std::vector<std::string>> words =
        SplitRequest(std::string_view(c.in).substr(0, std::min(nl, c.in.size())));
    if (!words) {
      result = absl::InvalidArgumentError("unterminated quote in the request");
    } else if (words->empty()) {
      result = absl::InvalidArgumentError("empty request");
    } else {
      result = handler(*words);
    }
  }
  c.out = Reply(result);
  c.replying = true;
  return Write(c);
}

bool ControlServer::Write(Client& c) {
  while (c.sent < c.out.size()) {
    ssize_t n =
        send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<size_t>(n);
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // wait for POLLOUT, or done
  }
  return false;  // all sent: close, which tells the client the reply is complete
}

}  // namespace tunnelisa::gateway

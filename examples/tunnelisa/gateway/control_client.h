// File: examples/tunnelisa/gateway/control_client.h
//
// The client side of the control socket (control_protocol.h): `tunnelisa show --control PATH
// WORDS...` sends one request to a running `tunnelisa run` and prints its reply. Every step
// is bounded by kClientTimeoutMs, so a wedged gateway cannot hang the client. Header-only:
// config_commands.cc, which uses it, is also compiled into config_test, which links none of the
// gateway.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_CLIENT_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_CLIENT_H_

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/control_protocol.h"

namespace tunnelisa::gateway {

// ControlReply: the gateway's answer: ok, or the status code name of its error ("NOT_FOUND").
struct ControlReply {
  bool ok = false;
  std::string error_code;
  std::string text;
};

namespace control_internal {

inline absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrFormat("%s %s: %s", what, path, errno == EAGAIN ? "timed out" : strerror(errno)));
}

}  // namespace control_internal

// SendControlRequest: one request; an error status when the socket can't be reached or the
// reply is cut short or malformed.
inline absl::StatusOr<ControlReply> SendControlRequest(const std::string& path,
                                                       std::span<const std::string> words) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path) {
    return absl::InvalidArgumentError("control socket path too long: " + path);
  }
  std::memcpy(sa.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return control_internal::Errno("socket for", path);
  // Bounded: every send and receive gives up after the server's own client timeout.
  timeval tv{kClientTimeoutMs / 1000, (kClientTimeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string request = JoinRequest(words) + "\n";
  absl::Status status = absl::OkStatus();
  std::string reply;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    status = control_internal::Errno("cannot connect to", path);
  } else if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
             static_cast<ssize_t>(request.size())) {
    status = control_internal::Errno("cannot send to", path);
  } else {
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        status = control_internal::Errno("cannot read from", path);
        break;
      }
      reply.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (!status.ok()) return status;
  size_t nl = reply.find('\n');
  if (nl == std::string::npos) {
    return absl::DataLossError("no reply from " + path + " (gateway busy or shutting down?)");
  }
  ControlReply r;
  std::string head = reply.substr(0, nl);
  r.text = reply.substr(nl + 1);
  if (head == "OK") {
    r.ok = true;
  } else if (head.rfind("ERR ", 0) == 0) {
    r.error_code = head.substr(4);
  } else {
    return absl::DataLossError("malformed reply from " + path + ": " + head);
  }
  return r;
}

// RunControlShow: what `tunnelisa show --control PATH [--json] WORDS...` does: words not
// starting with a control request (`sessions`, `counters`, `metrics`, `initiate`, `rekey`,
// `config`, `isa CARD/MDA fail|recover`) are sent as `show WORDS`. Prints the text (to stderr on
// error); exit code 0, 1 for NOT_FOUND (like `tunnelisa show`), 2 for other errors or an
// unreachable socket.
inline int RunControlShow(const std::string& path, bool json, std::span<const std::string> words) {
  std::vector<std::string> request;
  // `isa CARD/MDA fail|recover` is a request; `isa tunnel-group [ID]` a show command.
  const bool isa_request =
      words.size() == 3 && words[0] == "isa" && (words[2] == "fail" || words[2] == "recover");
  const bool control_word =
      !words.empty() && (words[0] == "sessions" || words[0] == "counters" ||
                         words[0] == "initiate" || words[0] == "rekey" || words[0] == "show" ||
                         words[0] == "config" || words[0] == "metrics" || isa_request);
  if (!control_word) request.push_back("show");
  if (json && !control_word) request.push_back("--json");
  request.insert(request.end(), words.begin(), words.end());
  absl::StatusOr<ControlReply> r = SendControlRequest(path, request);
  if (!r.ok()) {
    std::fprintf(stderr, "tunnelisa show: %s\n", std::string(r.status().message()).c_str());
    return 2;
  }
  if (r->ok) {
    std::fwrite(r->text.data(), 1, r->text.size(), stdout);
    return 0;
  }
  std::fprintf(stderr, "tunnelisa show: %s", r->text.c_str());
  return r->error_code == "NOT_FOUND" ? 1 : 2;
}

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_CLIENT_H_

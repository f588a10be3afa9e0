// File: examples/tunnelisa/gateway/control_server.h
//
// ControlServer: the gateway's side of the control socket (control_protocol.h). Non-blocking
// and driven by the gateway's poll loop, so a slow or silent client never stalls packets:
// requests are read and replies written as the sockets allow, and a client that has not
// finished within kClientTimeoutMs is dropped.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_SERVER_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_SERVER_H_

#include <poll.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tunnelisa::gateway {

class ControlServer {
 public:
  // Handler: runs one request (its words); the status becomes the status line, the string
  // (or the status message on error) the text.
  using Handler = std::function<absl::StatusOr<std::string>(const std::vector<std::string>&)>;

  // Listen: binds `path` (mode 0600: the socket can start IKE). A stale socket file left by a
  // dead gateway is replaced; a live one (something accepts on it) is an error, as is a path
  // that exists and is not a socket.
  static absl::StatusOr<std::unique_ptr<ControlServer>> Listen(const std::string& path);
  ~ControlServer();  // closes every connection and removes the socket file
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }

  // AddPollFds: appends the listener and every client connection to `fds`.
  void AddPollFds(std::vector<pollfd>& fds) const;
  // Service: `fds` are the entries AddPollFds appended, with their revents. Accepts, reads,
  // runs complete requests through `handler`, writes replies, and drops clients past their
  // deadline (`now_ms`: a monotonic clock in milliseconds).
  void Service(std::span<const pollfd> fds, int64_t now_ms, const Handler& handler);

 private:
  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    size_t sent = 0;
    bool replying = false;
    int64_t deadline_ms = 0;
  };
  ControlServer(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void Accept(int64_t now_ms);
  // Read / Write: false once the client is finished (closed by the caller).
  bool Read(Client& c, const Handler& handler);
  bool Write(Client& c);

  int fd_;
  std::string path_;
  std::vector<Client> clients_;
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_SERVER_H_

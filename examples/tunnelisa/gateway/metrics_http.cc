// File: examples/tunnelisa/gateway/metrics_http.cc
#include "examples/tunnelisa/gateway/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/sockaddr.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::gateway {
namespace {

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// WaitFd: poll `fd` for `events` until `deadline_ms`; false on timeout or error.
bool WaitFd(int fd, short events, int64_t deadline_ms) {
  for (;;) {  // bounded by the deadline: each round waits for what is left of it
    const int64_t left = deadline_ms - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, static_cast<int>(left));
    if (rc > 0) return true;
    if (rc == 0 || errno != EINTR) return false;
  }
}

// SendAll: the whole of `data` by `deadline_ms`; false when the client does not take it.
bool SendAll(int fd, std::string_view data, int64_t deadline_ms) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    if (!WaitFd(fd, POLLOUT, deadline_ms)) return false;
  }
  return true;
}

std::string Response(int code, std::string_view reason, std::string_view content_type,
                     std::string_view body, bool head, std::string_view extra = "") {
  std::string r = absl::StrFormat(
      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n",
      code, reason, content_type, body.size(), extra);
  if (!head) r.append(body);
  return r;
}

std::string Error(int code, std::string_view reason, std::string_view extra = "") {
  return Response(code, reason, "text/plain; charset=utf-8", absl::StrFormat("%s\n", reason),
                  /*head=*/false, extra);
}

struct Request {
  std::string method;
  std::string target;
  std::string version;
};

// Split: `text` cut at each `sep` (std::string_view: Debian's Abseil has its own string_view).
std::vector<std::string_view> Split(std::string_view text, std::string_view sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t at = text.find(sep);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + sep.size());
  }
}

// ParseHead: the request line and header fields (RFC 9112 3 and 5); nullopt when malformed.
std::optional<Request> ParseHead(std::string_view head) {
  std::vector<std::string_view> lines = Split(head, "\r\n");
  if (lines.empty()) return std::nullopt;
  std::vector<std::string_view> parts = Split(lines[0], " ");
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[1][0] != '/') {
    return std::nullopt;
  }
  for (char c : parts[0]) {
    if (c < 'A' || c > 'Z') return std::nullopt;
  }
  if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0") return std::nullopt;
  Request r{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
  bool host = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;  // the blank line ending the head
    size_t colon = lines[i].find(':');
    if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    std::string_view name = lines[i].substr(0, colon);
    for (char c : name) {
      if (c == ' ' || c == '\t') return std::nullopt;  // RFC 9112 5.1: no blank before ':'
    }
    host = host || (name.size() == 4 && strncasecmp(name.data(), "host", 4) == 0);
  }
  //= https://www.rfc-editor.org/rfc/rfc9112#section-3.2
  //# A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
  //# message that lacks a Host header field
  if (r.version == "HTTP/1.1" && !host) return std::nullopt;
  return r;
}

}  // namespace

std::optional<MetricsHttpServer::ListenAddress> MetricsHttpServer::ParseListenAddress(
    std::string_view text) {
  ListenAddress a;
  std::string_view port;
  if (text.starts_with("[")) {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    a.address = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    a.v6 = true;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    a.address = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535) {
    return std::nullopt;
  }
  a.port = static_cast<uint16_t>(p);
  in6_addr probe;
  if (inet_pton(a.v6 ? AF_INET6 : AF_INET, a.address.c_str(), &probe) != 1) return std::nullopt;
  return a;
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Listen(
    std::string_view text) {
  std::optional<ListenAddress> a = ParseListenAddress(text);
  if (!a) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--metrics-listen %s: expected IPv4:PORT or [IPv6]:PORT with literal addresses", text));
  }
  // ParseListenAddress accepted only a literal of the family it names.
  std::optional<IpAddress> address = IpAddress::Parse(a->address);
  if (!address) return absl::InvalidArgumentError(absl::StrFormat("--metrics-listen %s", text));
  sockaddr_storage ss{};
  socklen_t len = ToSockaddr(*address, a->port, ss);
  int fd = socket(a->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrFormat("socket: %s", strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (a->v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 8) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrFormat("--metrics-listen %s: cannot listen: %s", text, strerror(err)));
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  const uint16_t port = ntohs(a->v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  const std::string bound = a->v6 ? absl::StrFormat("[%s]:%d", a->address, port)
                                  : absl::StrFormat("%s:%d", a->address, port);
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0 || stop < 0) {
    const int err = errno;
    close(fd);
    if (wake >= 0) close(wake);
    if (stop >= 0) close(stop);
    return absl::InternalError(absl::StrFormat("eventfd: %s", strerror(err)));
  }
  return std::unique_ptr<MetricsHttpServer>(new MetricsHttpServer(fd, wake, stop, bound));
}

MetricsHttpServer::MetricsHttpServer(int listen_fd, int wake_fd, int stop_fd, std::string address)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), stop_fd_(stop_fd), address_(std::move(address)) {
  thread_ = std::thread([this] { Loop(); });
}

MetricsHttpServer::~MetricsHttpServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  answered_.notify_all();
  const uint64_t one = 1;
  (void)!write(stop_fd_, &one, sizeof one);
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
  close(stop_fd_);
}

void MetricsHttpServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, 1000) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client went away meanwhile
    Serve(fd);             // one connection at a time: others wait in the backlog
    close(fd);
  }
}

void MetricsHttpServer::Serve(int fd) {
  const int64_t read_deadline = NowMs() + kReadTimeoutMs;
  std::string in;
  size_t end = std::string::npos;
  while (end == std::string::npos) {  // bounded by kMaxRequest and the read deadline
    if (in.size() > kMaxRequest) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      SendAll(fd, Error(431, "Request Header Fields Too Large"), NowMs() + kWriteTimeoutMs);
      return;
    }
    char buf[2048];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      in.append(buf, static_cast<size_t>(n));
      end = in.find("\r\n\r\n");
      continue;
    }
    if (n == 0) {  // closed before a whole request head
      if (!in.empty()) dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return;
    if (!WaitFd(fd, POLLIN, read_deadline)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      SendAll(fd, Error(408, "Request Timeout"), NowMs() + kWriteTimeoutMs);
      return;
    }
  }
  if (end > kMaxRequest) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    SendAll(fd, Error(431, "Request Header Fields Too Large"), NowMs() + kWriteTimeoutMs);
    return;
  }
  std::optional<Request> r = ParseHead(std::string_view(in).substr(0, end + 2));
  std::string reply;
  if (!r) {
    reply = Error(400, "Bad Request");
  } else if (r->method != "GET" && r->method != "HEAD") {
    reply = Error(405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
  } else if (r->target.substr(0, r->target.find('?')) != "/metrics") {
    reply = Error(404, "Not Found");
  } else if (std::optional<std::string> text = Render()) {
    reply =
        Response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", *text, r->method == "HEAD");
  } else {
    reply = Error(503, "Service Unavailable");
  }
  const bool ok = reply.starts_with("HTTP/1.1 200");
  (ok ? served_ : refused_).fetch_add(1, std::memory_order_relaxed);
  if (!SendAll(fd, reply, NowMs() + kWriteTimeoutMs)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::optional<std::string> MetricsHttpServer::Render() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return std::nullopt;
  waiting_ = true;
  answer_.reset();
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  answered_.wait_for(lock, std::chrono::milliseconds(kRenderTimeoutMs),
                     [this] { return answer_.has_value() || stopping_; });
  waiting_ = false;
  std::optional<std::string> out = std::move(answer_);
  answer_.reset();
  return out;
}

void MetricsHttpServer::Answer(const std::function<std::string()>& render) {
  uint64_t ignored;
  (void)!read(wake_fd_, &ignored, sizeof ignored);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!waiting_) return;  // the scrape gave up (503) before we got here
  }
  std::string text = render();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!waiting_) return;
    answer_ = std::move(text);
  }
  answered_.notify_all();
}

}  // namespace tunnelisa::gateway

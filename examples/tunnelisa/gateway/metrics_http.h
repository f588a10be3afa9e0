// File: examples/tunnelisa/gateway/metrics_http.h
//
// MetricsHttpServer: `tunnelisa run --metrics-listen ADDR:PORT`, a minimal HTTP/1.1 server on
// its own thread for a Prometheus scraper: `GET /metrics` answers 200 with the gateway's
// metrics (Content-Type "text/plain; version=0.0.4"), HEAD the same headers; another path
// 404, another method 405, a malformed request 400, a request head above kMaxRequest bytes
// 431. One connection at a time, closed after each answer ("Connection: close"); a client
// that has not sent its request head within kReadTimeoutMs, or does not take the answer
// within kWriteTimeoutMs, is dropped, so a slow client holds the server for a bounded time.
//
// The metrics are the engine's, and the engine is the control thread's (engine.h,
// "Threads"): the server thread does not render them. A scrape makes wake_fd() readable and
// waits (at most kRenderTimeoutMs; then 503) until the control thread's poll loop calls
// Answer, which renders the text there.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_METRICS_HTTP_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_METRICS_HTTP_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace tunnelisa::gateway {

class MetricsHttpServer {
 public:
  static constexpr size_t kMaxRequest = 8192;  // request line and headers
  static constexpr int kReadTimeoutMs = 2000;
  static constexpr int kWriteTimeoutMs = 2000;
  static constexpr int kRenderTimeoutMs = 3000;

  // Listen: binds ADDR:PORT ("127.0.0.1:9464", "[::1]:9464"; port 0 picks a free one) and
  // starts the server thread. InvalidArgument for text of another form, Unavailable when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Listen(std::string_view address);
  // Stops the thread (it notices within 100 ms) and closes the sockets.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // address: what is bound, as ADDR:PORT (the port the kernel chose for port 0).
  const std::string& address() const { return address_; }
  // wake_fd: readable while a scrape waits for Answer. Control thread: poll it.
  int wake_fd() const { return wake_fd_; }
  // Answer: control thread, when wake_fd() is readable: clears it and, if a scrape waits,
  // renders the metrics with `render` and hands them to the server thread.
  void Answer(const std::function<std::string()>& render);

  // Counters (any thread).
  uint64_t served() const { return served_.load(std::memory_order_relaxed); }    // 200s
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }  // 4xx, 5xx
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }  // timeouts

  // ParseListenAddress: "ADDR:PORT" -> (address, port); nullopt for other text. Exposed for
  // tests.
  struct ListenAddress {
    std::string address;  // without brackets
    uint16_t port = 0;
    bool v6 = false;
  };
  static std::optional<ListenAddress> ParseListenAddress(std::string_view text);

 private:
  MetricsHttpServer(int listen_fd, int wake_fd, int stop_fd, std::string address);
  void Loop();
  void Serve(int fd);
  // Render: asks the control thread for the text; nullopt when it did not answer in time or
  // the server is stopping.
  std::optional<std::string> Render();

  int listen_fd_;
  int wake_fd_;  // eventfd: server -> control thread
  int stop_fd_;  // eventfd: destructor -> server thread
  std::string address_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable answered_;
  bool waiting_ = false;  // a scrape waits for Answer (guarded by mutex_)
  std::optional<std::string> answer_;
  bool stopping_ = false;
  std::atomic<uint64_t> served_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_METRICS_HTTP_H_

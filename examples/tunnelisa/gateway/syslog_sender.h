// File: examples/tunnelisa/gateway/syslog_sender.h
//
// SyslogSender: the datagram socket `tunnelisa run --syslog` sends RFC 5424 messages through
// (tunnelisa::SyslogSink). `unix:PATH` is a local Unix datagram socket such as /dev/log
// (rsyslog and syslog-ng accept RFC 5424 there); `udp:HOST:PORT` is RFC 5426 syslog over UDP,
// "Each syslog UDP datagram MUST contain only one syslog message": one Send, one datagram.
//
// It never blocks the gateway: sends are MSG_DONTWAIT, a full queue or an absent collector
// loses the message, counts it (errors()) and warns once, and is never fatal: the next
// message is tried again (a restarted collector gets messages at once). Any thread may Send.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_SYSLOG_SENDER_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_SYSLOG_SENDER_H_

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tunnelisa/syslog_events.h"

namespace tunnelisa::gateway {

class SyslogSender final : public SyslogSink {
 public:
  // Open: a socket for `target`, "unix:PATH" or "udp:ADDRESS:PORT" (an IPv4 or IPv6 literal,
  // IPv6 in brackets: udp:[2001:db8::1]:514; no name lookup, so nothing here can block).
  // InvalidArgument for a malformed target; an error naming the cause when the socket
  // cannot be made. The collector need not be up yet. `warn` gets the first send failure.
  static absl::StatusOr<std::unique_ptr<SyslogSender>> Open(
      std::string_view target, std::function<void(const std::string&)> warn);
  ~SyslogSender() override;
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;

  void Send(std::string_view message) override;

  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  const std::string& target() const { return target_; }

 private:
  SyslogSender() = default;

  int fd_ = -1;
  sockaddr_storage to_{};
  socklen_t to_len_ = 0;
  std::string target_;
  std::function<void(const std::string&)> warn_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<bool> warned_{false};
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_SYSLOG_SENDER_H_

// File: examples/tunnelisa/gateway/gateway.h
//
// Gateway: the reference host around tunnelisa::Engine that `tunnelisa run` is. It owns what
// the library does not: the TUN devices of the private services, the public UDP and raw
// sockets, the control socket, the clock and one poll() loop over all of them (one thread):
//
//   TUN read      -> Engine::OnPrivatePackets(service)   (bursts of up to kBurst)
//   socket read   -> Engine::OnPublicPackets; verdict kToControl -> Engine::OnControlPacket
//   deadline      -> Engine::OnTimer (at the deadline it returned, and at least once a second
//                    because packets can create timers the last deadline did not know of)
//   Transport     -> SendPublic: UDP socket or raw socket; DeliverPrivate: the service's TUN
//   SIGTERM/INT   -> Engine::Shutdown (IKE deletes go out), then everything is closed
//   SIGHUP        -> Reload of the configuration file (as the control request
//                    `config reload [FILE]`)
//
// Nothing blocks: sockets and TUNs are non-blocking, poll() waits at most a second, and a full
// kernel queue drops the packet (counted), as a NIC would.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "examples/tunnelisa/gateway/control_server.h"
#include "examples/tunnelisa/gateway/gateway_log.h"
#include "examples/tunnelisa/gateway/gateway_plan.h"
#include "examples/tunnelisa/gateway/public_sockets.h"
#include "examples/tunnelisa/gateway/tun_device.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/engine.h"

namespace tunnelisa::gateway {

struct GatewayOptions {
  std::string config_path;  // for messages
  PublicSocketOptions sockets;
  std::map<uint32_t, std::string> tun_names;  // --tun overrides
  std::string control_path;                   // "" = no control socket
  std::string crypto = "auto";                // auto | openssl | sodium
  std::string ready_file;                     // "" = none
};

// GatewayCounters: what the gateway itself counts (the engine counts the rest).
struct GatewayCounters {
  uint64_t rx_udp = 0;            // datagrams from the UDP sockets
  uint64_t rx_raw = 0;            // packets from the raw sockets
  uint64_t rx_tun = 0;            // packets read from TUNs
  uint64_t rx_oversize = 0;       // larger than an IP packet / our buffer: dropped
  uint64_t rx_errors = 0;         // receive errors (ICMP errors reported on a UDP socket...)
  uint64_t tx_udp = 0;            // SendPublic through a UDP socket
  uint64_t tx_raw = 0;            // SendPublic through a raw socket
  uint64_t tx_tun = 0;            // DeliverPrivate written to a TUN
  uint64_t tx_errors = 0;         // send or TUN write failed (queue full, no route...)
  uint64_t tx_no_socket = 0;      // SendPublic with no socket for it (no raw sockets)
  uint64_t tx_malformed = 0;      // SendPublic of something that is not an IP packet
  uint64_t tx_no_tun = 0;         // DeliverPrivate to a service without a TUN
  uint64_t control_requests = 0;  // control socket requests served
};

class Gateway final : private Transport {
 public:
  // Create: opens everything and applies `config`. On failure `*exit_code` is 2 for a
  // configuration the engine refuses or a bad --crypto, 1 for a resource (TUN, socket, file).
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(const GatewayOptions& options,
                                                         const config::Config& config,
                                                         GatewayLog& log, int* exit_code);
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Run: the poll loop, until SIGTERM or SIGINT; then Engine::Shutdown. Returns the exit code.
  int Run();

  // Reload: loads `path` ("" = the file the gateway started with, or last reloaded) and
  // applies it through Engine::ApplyConfig, so the guide's run-time rules hold: established
  // SAs survive a transform or ike-policy change, forbidden changes are refused. On success
  // later reloads without a FILE read `path`; new private services get their TUNs. Errors,
  // with nothing changed: the loader's diagnostics (InvalidArgument), each refusal in the
  // rule's words (FailedPrecondition), or a change that needs public sockets the gateway did
  // not open at start (FailedPrecondition: restart it). Called from the loop's thread.
  absl::Status Reload(const std::string& path);

  static constexpr size_t kBurst = 32;

 private:
  Gateway(const GatewayOptions& options, GatewayLog& log) : options_(options), log_(log) {}
  absl::Status Open(const config::Config& config, int* exit_code);
  absl::Status WriteReadyFile() const;
  // OpenTuns: a TUN device for each service of `plan` that has none yet.
  absl::Status OpenTuns(const GatewayPlan& plan);

  // Transport: called by the engine during our calls into it.
  void SendPublic(const Egress& egress, const PacketRef& packet) override;
  void DeliverPrivate(const Egress& egress, const PacketRef& packet) override;

  void ReadTun(uint32_t service, TunDevice& tun);
  void ReadPublic(const PublicSockets::Source& source);
  PacketRef FreshBuffer(size_t i);
  void RefreshTimer(MonoTime now);

  // Control requests (gateway_control.cc).
  absl::StatusOr<std::string> HandleControl(const std::vector<std::string>& words);
  std::string FormatCounters() const;
  std::string FormatSessions(MonoTime now) const;

  GatewayOptions options_;
  GatewayLog& log_;
  GatewayPlan plan_;
  std::map<uint32_t, std::unique_ptr<TunDevice>> tuns_;
  std::set<uint32_t> failed_tuns_;  // read failed for good (deleted under us): not polled
  std::unique_ptr<PublicSockets> public_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<CryptoRegistry> crypto_;
  std::unique_ptr<Engine> engine_;
  int signal_fd_ = -1;
  MonoTime next_timer_;
  std::vector<uint8_t> storage_;  // kBurst buffers of kBufferSize
  std::array<PacketRef, kBurst> packets_;
  std::array<EngineVerdict, kBurst> verdicts_;
  GatewayCounters counters_;
};

// Now: CLOCK_MONOTONIC as the engine's MonoTime.
MonoTime Now();

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_H_

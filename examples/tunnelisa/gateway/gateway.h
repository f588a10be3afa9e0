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
//   RADIUS socket -> Engine::OnRadiusDatagram (Host::radius: RadiusSocket, ephemeral port)
//   SIGTERM/INT   -> Engine::Shutdown (IKE deletes go out), then everything is closed
//   metrics wake  -> MetricsHttpServer::Answer (--metrics-listen: a scrape waits for the text)
//   SIGHUP        -> Reload of the configuration file (as the control request
//                    `config reload [FILE]`)
//
// Nothing blocks: sockets and TUNs are non-blocking, poll() waits at most a second, and a full
// kernel queue drops the packet (counted), as a NIC would.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "examples/tunnelisa/gateway/control_server.h"
#include "examples/tunnelisa/gateway/gateway_log.h"
#include "examples/tunnelisa/gateway/gateway_plan.h"
#include "examples/tunnelisa/gateway/metrics_http.h"
#include "examples/tunnelisa/gateway/public_sockets.h"
#include "examples/tunnelisa/gateway/radius_socket.h"
#include "examples/tunnelisa/gateway/tun_device.h"
#include "examples/tunnelisa/key_export.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::gateway {

struct GatewayOptions {
  std::string config_path;  // for messages
  PublicSocketOptions sockets;
  std::map<uint32_t, std::string> tun_names;  // --tun overrides
  std::string control_path;                   // "" = no control socket
  std::string metrics_listen;                 // --metrics-listen ADDR:PORT; "" = none
  std::string crypto = "auto";                // auto | openssl | sodium | ipsecmb
  std::string ready_file;                     // "" = none
  // workers: worker threads (each serving ISA slots of the configuration as EngineWorkers);
  // -1: one per configured ISA, at most the CPU count; 0: none (one thread does everything).
  int workers = -1;
  // pki_dir: the PKI directory (tunnelisa pki) the configuration's ca-profiles and cert blocks
  // name files in; opened at start when given or when the configuration names PKI files.
  std::string pki_dir = "system-pki";
  bool pki_dir_given = false;
  // export_keys: --export-keys DIR, a Wireshark configuration directory the keys of every SA
  // go to (key_export.h; debugging only); "" = off.
  std::string export_keys;
};

// Counter: written by one thread (++ / +=, no read-modify-write instruction), read by any.
class Counter {
 public:
  Counter& operator++() { return *this += 1; }
  Counter& operator+=(uint64_t n) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    return *this;
  }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// GatewayCounters: what the gateway itself counts (the engine counts the rest), one set per
// thread (the loop's, each worker's); `counters` sums them.
struct GatewayCounters {
  Counter rx_udp;            // datagrams from the UDP sockets
  Counter rx_raw;            // packets from the raw sockets
  Counter rx_tun;            // packets read from TUNs
  Counter rx_oversize;       // larger than an IP packet / our buffer: dropped
  Counter rx_errors;         // receive errors (ICMP errors reported on a UDP socket...)
  Counter tx_udp;            // SendPublic through a UDP socket
  Counter tx_raw;            // SendPublic through a raw socket
  Counter tx_tun;            // DeliverPrivate written to a TUN
  Counter tx_errors;         // send or TUN write failed (queue full, no route...)
  Counter tx_no_socket;      // SendPublic with no socket for it (no raw sockets)
  Counter tx_malformed;      // SendPublic of something that is not an IP packet
  Counter tx_no_tun;         // DeliverPrivate to a service without a TUN
  Counter control_requests;  // control socket requests served
  Counter handoffs;          // packets moved to another thread (worker or control)
  Counter handoff_drops;     // not moved: the other thread's ring was full
  static constexpr std::pair<const char*, Counter GatewayCounters::*> kFields[] = {
      {"rx-udp", &GatewayCounters::rx_udp},
      {"rx-raw", &GatewayCounters::rx_raw},
      {"rx-tun", &GatewayCounters::rx_tun},
      {"rx-oversize", &GatewayCounters::rx_oversize},
      {"rx-errors", &GatewayCounters::rx_errors},
      {"tx-udp", &GatewayCounters::tx_udp},
      {"tx-raw", &GatewayCounters::tx_raw},
      {"tx-tun", &GatewayCounters::tx_tun},
      {"tx-errors", &GatewayCounters::tx_errors},
      {"tx-no-socket", &GatewayCounters::tx_no_socket},
      {"tx-malformed", &GatewayCounters::tx_malformed},
      {"tx-no-tun", &GatewayCounters::tx_no_tun},
      {"control-requests", &GatewayCounters::control_requests},
      {"handoffs", &GatewayCounters::handoffs},
      {"handoff-drops", &GatewayCounters::handoff_drops},
  };
};

struct WorkerThread;  // gateway_workers.cc

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
  Gateway(const GatewayOptions& options, GatewayLog& log);
  absl::Status Open(const config::Config& config, int* exit_code);
  absl::Status WriteReadyFile() const;
  // OpenTuns: a TUN device for each service of `plan` that has none yet.
  absl::Status OpenTuns(const GatewayPlan& plan);

  // Transport: called by the engine during our calls into it.
  void SendPublic(const Egress& egress, const PacketRef& packet) override;
  void DeliverPrivate(const Egress& egress, const PacketRef& packet) override;
  // A worker's parked packets that turned out to be another thread's: copied to that thread
  // (gateway_workers.cc).
  bool HandOff(const SlotHandoff& handoff, const PacketRef& packet) override;
  bool ToControl(const PacketRef& packet) override;

  void ReadTun(uint32_t service, TunDevice& tun);
  void ReadPublic(const PublicSockets::Source& source);
  PacketRef FreshBuffer(size_t i);
  void RefreshTimer(MonoTime now);

  // Worker threads (gateway_workers.cc). Each reads its share of the TUNs and sockets, runs
  // the EngineWorkers of its ISAs, hands packets another thread's ISA owns to that thread and
  // IKE datagrams to the loop's thread (the control thread), through PacketRings.
  absl::Status StartWorkers(const config::Config& config);
  void StopWorkers();
  void WorkerLoop(WorkerThread& w);
  // WorkerBurst: `packets` read by worker `w` (TUN of `service`, or public with service 0).
  void WorkerBurst(WorkerThread& w, bool tun, uint32_t service, std::span<PacketRef> packets);
  // Settle: where each packet of a worker's call goes on (another EngineWorker, thread or the
  // control thread); bounded by the engine's tunnel-layer limit.
  void Settle(WorkerThread& w, std::span<PacketRef> packets, std::span<EngineVerdict> verdicts,
              int round);
  void RunHandoffs(WorkerThread& w, std::span<PacketRef> packets, std::span<const SlotHandoff> how,
                   std::span<EngineVerdict> verdicts, int round);
  // DrainWorkers: the control thread's share: IKE datagrams and packets for ISAs no worker
  // serves.
  void DrainWorkers(MonoTime now);
  void Wake(int event_fd);
  GatewayCounters& Counters();           // the calling thread's
  TunDevice* FindTun(uint32_t service);  // as the calling thread sees the TUNs
  static const std::vector<std::pair<uint32_t, TunDevice*>>& WorkerTuns(const WorkerThread& w);
  static std::vector<int> WorkerSourceFds(const WorkerThread& w);
  static const GatewayCounters& WorkerCounters(const WorkerThread& w);

  // Control requests (gateway_control.cc).
  absl::StatusOr<std::string> HandleControl(const std::vector<std::string>& words);
  std::string FormatCounters() const;
  std::string FormatSessions(MonoTime now) const;
  // FormatMetrics: Engine::Metrics plus the gateway's own counters (the `metrics` request and
  // --metrics-listen).
  std::string FormatMetrics() const;

  GatewayOptions options_;
  GatewayLog& log_;
  GatewayPlan plan_;
  std::map<uint32_t, std::unique_ptr<TunDevice>> tuns_;
  std::set<uint32_t> failed_tuns_;  // read failed for good (deleted under us): not polled
  std::unique_ptr<PublicSockets> public_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsHttpServer> metrics_;  // --metrics-listen
  std::unique_ptr<CryptoRegistry> crypto_;
  std::optional<pki::PkiStore> pki_store_;  // --pki-dir, when open
  std::unique_ptr<RadiusSocket> radius_;    // Host::radius (null: it could not be opened)
  std::unique_ptr<cli::WiresharkKeyFiles> key_files_;  // Host::key_log (--export-keys)
  std::unique_ptr<Engine> engine_;
  int signal_fd_ = -1;
  MonoTime next_timer_;
  std::vector<uint8_t> storage_;  // kBurst buffers of kBufferSize
  std::array<PacketRef, kBurst> packets_;
  std::array<EngineVerdict, kBurst> verdicts_;
  std::unique_ptr<PublicSockets::RecvScratch> recv_scratch_ =
      std::make_unique<PublicSockets::RecvScratch>();
  GatewayCounters counters_;  // the loop's thread
  std::vector<std::unique_ptr<WorkerThread>> workers_;
  std::map<config::IsaSlot, WorkerThread*> worker_of_;  // which thread serves each ISA
  int control_event_fd_ = -1;  // workers wake the loop when they queued control work
  // TUNs as the workers see them: a copy per worker, renewed when the generation changes
  // (Reload adds TUNs under the mutex).
  std::mutex tun_mutex_;
  std::atomic<uint64_t> tun_generation_{0};
};

// Now: CLOCK_MONOTONIC as the engine's MonoTime.
MonoTime Now();

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_H_

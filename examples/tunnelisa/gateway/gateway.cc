// File: examples/tunnelisa/gateway/gateway.cc
#include "examples/tunnelisa/gateway/gateway.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/worker_thread.h"
#include "examples/tunnelisa/pki_command.h"
#include "tunnelisa/config/pki_files.h"

namespace tunnelisa::gateway {
namespace {

// One buffer holds the largest IP packet with the engine's headroom and tailroom.
constexpr size_t kBufferSize = kPacketHeadroom + kMaxIpPacketSize + kPacketTailroom;
// A busy descriptor gets this many bursts per wake-up, so one flood cannot starve the others.
constexpr int kBurstsPerWakeup = 8;
// poll() never waits longer, so the loop looks at the clock (and the engine's timers) often.
constexpr int64_t kMaxWaitNs = 1000 * 1000 * 1000;

}  // namespace

MonoTime Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return MonoTime{static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec};
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(const GatewayOptions& options,
                                                         const config::Config& config,
                                                         GatewayLog& log, int* exit_code) {
  std::unique_ptr<Gateway> g(new Gateway(options, log));
  if (absl::Status s = g->Open(config, exit_code); !s.ok()) return s;
  return g;
}

absl::Status Gateway::Open(const config::Config& config, int* exit_code) {
  *exit_code = 1;
  // Signals first: a SIGTERM during start-up then waits in the signalfd instead of killing us
  // with TUNs and the control socket half set up.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return absl::InternalError(absl::StrFormat("signalfd: %s", strerror(errno)));

  absl::StatusOr<GatewayPlan> plan = MakePlan(config, options_.tun_names);
  if (!plan.ok()) {
    *exit_code = 2;
    return plan.status();
  }
  plan_ = *std::move(plan);

  crypto_ = CryptoRegistry::CreateDefault();
  if (options_.crypto != "auto") {
    if (absl::Status s = crypto_->PreferForAll(options_.crypto); !s.ok()) {
      *exit_code = 2;
      return absl::InvalidArgumentError(
          absl::StrFormat("--crypto %s: %s", options_.crypto, s.message()));
    }
  }
  for (const std::string& failure : crypto_->FailedSuites()) {
    log_.Warning("crypto self-test: " + failure);
  }

  if (absl::Status s = OpenTuns(plan_); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<PublicSockets>> sockets =
      PublicSockets::Open(plan_.udp_addresses, plan_.raw, options_.sockets, log_);
  if (!sockets.ok()) return sockets.status();
  public_ = *std::move(sockets);
  for (const auto& [address, what] : plan_.ip_tunnel_sources) {
    if (!PublicSockets::IsLocalAddress(address) && !options_.sockets.freebind) {
      log_.Warning(
          absl::StrFormat("%s: source %s is not an address of this host: its packets "
                          "will not arrive",
                          what, address.ToString()));
    }
  }
  if (!options_.control_path.empty()) {
    absl::StatusOr<std::unique_ptr<ControlServer>> control =
        ControlServer::Listen(options_.control_path);
    if (!control.ok()) return control.status();
    control_ = *std::move(control);
    log_.Info("control socket " + options_.control_path);
  }

  if (options_.pki_dir_given || config::UsesPkiFiles(config)) {
    absl::StatusOr<pki::PkiStore> store = cli::pki_cli::OpenPkiDir(options_.pki_dir);
    if (!store.ok()) {
      *exit_code = 2;
      return absl::InvalidArgumentError(absl::StrFormat("--pki-dir: %s", store.status().message()));
    }
    pki_store_.emplace(*std::move(store));
    log_.Info("PKI directory " + options_.pki_dir);
  }
  storage_.resize(kBurst * kBufferSize);
  // The RADIUS socket: without it the gateway still runs; gateways that check users through
  // RADIUS stay down and say why.
  if (absl::StatusOr<std::unique_ptr<RadiusSocket>> r = RadiusSocket::Create(); r.ok()) {
    radius_ = *std::move(r);
  } else {
    log_.Error(std::string(r.status().message()));
  }
  if (!options_.export_keys.empty()) {
    absl::StatusOr<std::unique_ptr<cli::WiresharkKeyFiles>> keys = cli::WiresharkKeyFiles::Open(
        options_.export_keys, [this](std::string_view message) { log_.Warning(message); });
    if (!keys.ok()) return keys.status();
    key_files_ = *std::move(keys);
    log_.Warning("exporting the keys of every SA to " + options_.export_keys +
                 " (esp_sa, ikev2_decryption_table): for debugging only, they are live keys");
  }
  Host host{.transport = this,
            .events = &log_,
            .log = &log_,
            .radius = radius_.get(),
            .key_log = key_files_.get()};
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(
      {.crypto = crypto_.get(), .host = host, .pki_store = pki_store_ ? &*pki_store_ : nullptr});
  if (!engine.ok()) return engine.status();
  engine_ = *std::move(engine);
  const MonoTime now = Now();
  if (absl::Status s = engine_->ApplyConfig(config, now); !s.ok()) {
    *exit_code = 2;
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the engine refused the configuration: %s", options_.config_path, s.message()));
  }
  next_timer_ = now;
  if (absl::Status s = StartWorkers(config); !s.ok()) return s;
  if (!options_.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> m =
        MetricsHttpServer::Listen(options_.metrics_listen);
    if (!m.ok()) {
      if (m.status().code() == absl::StatusCode::kInvalidArgument) *exit_code = 2;
      return m.status();
    }
    metrics_ = *std::move(m);
    log_.Info("metrics on http://" + metrics_->address() + "/metrics");
  }
  if (absl::Status s = WriteReadyFile(); !s.ok()) return s;
  *exit_code = 0;
  return absl::OkStatus();
}

absl::Status Gateway::OpenTuns(const GatewayPlan& plan) {
  for (const auto& [service, name] : plan.tuns) {
    if (tuns_.contains(service)) continue;
    absl::StatusOr<std::unique_ptr<TunDevice>> tun = TunDevice::Create(name);
    if (!tun.ok()) {
      return absl::Status(tun.status().code(), absl::StrFormat("TUN for service %d: %s", service,
                                                               tun.status().message()));
    }
    log_.Info(absl::StrFormat("service %d: TUN %s is up", service, name));
    std::lock_guard<std::mutex> lock(tun_mutex_);  // the workers copy the table under it
    tuns_[service] = *std::move(tun);
    tun_generation_.fetch_add(1, std::memory_order_release);
  }
  return absl::OkStatus();
}

absl::Status Gateway::WriteReadyFile() const {
  if (options_.ready_file.empty()) return absl::OkStatus();
  std::string text = absl::StrFormat("pid %d\n", getpid());
  if (control_) absl::StrAppendFormat(&text, "control %s\n", control_->path());
  if (metrics_) absl::StrAppendFormat(&text, "metrics %s\n", metrics_->address());
  for (const auto& [service, tun] : tuns_)
    absl::StrAppendFormat(&text, "tun %d %s\n", service, tun->name());
  // Written aside and renamed: whoever waits for the file never reads half of it.
  const std::string tmp = options_.ready_file + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr) ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), options_.ready_file.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrFormat("cannot write ready file %s: %s", options_.ready_file, strerror(errno)));
  }
  return absl::OkStatus();
}

Gateway::Gateway(const GatewayOptions& options, GatewayLog& log) : options_(options), log_(log) {}

Gateway::~Gateway() {
  if (!workers_.empty()) StopWorkers();
  engine_.reset();  // before the sockets and TUNs its transport (this) uses
  if (signal_fd_ >= 0) close(signal_fd_);
  if (!options_.ready_file.empty()) unlink(options_.ready_file.c_str());
}

int Gateway::Run() {
  // This thread's lines are written before it next sends, delivers, answers or waits
  // (gateway_log.h), not one write each.
  log_.DeferFlushOnThisThread();
  log_.Info(absl::StrFormat("running %s: %d TUN(s), %d public socket(s)", options_.config_path,
                            tuns_.size(), public_->sources().size()));
  std::vector<pollfd> fds;
  std::vector<uint32_t> tun_services;
  // TUNs and sockets the workers read are not read here (with workers this loop is the
  // control thread: signals, the control socket, IKE the workers hand over, timers).
  std::set<uint32_t> worker_tuns;
  std::set<int> worker_fds;
  for (const auto& w : workers_) {
    for (const auto& [service, tun] : WorkerTuns(*w)) worker_tuns.insert(service);
    for (int fd : WorkerSourceFds(*w)) worker_fds.insert(fd);
  }
  for (;;) {
    tun_services.clear();  // a reload may have added TUNs
    for (const auto& [service, tun] : tuns_) {
      if (!worker_tuns.contains(service)) tun_services.push_back(service);
    }
    MonoTime now = Now();
    if (now >= next_timer_) RefreshTimer(now);
    // Per-packet errors are reported from the counters, once a second at most (gateway_log.h).
    if (log_.DropPollDue(now)) log_.PollDrops(now, engine_->counters().drops);
    const int64_t wait_ns = std::clamp<int64_t>((next_timer_ - now).ns, 0, kMaxWaitNs);
    const int timeout_ms = static_cast<int>((wait_ns + 999999) / 1000000);

    fds.clear();
    fds.push_back({signal_fd_, POLLIN, 0});
    const size_t control_at = fds.size();
    if (control_) control_->AddPollFds(fds);
    const size_t tuns_at = fds.size();
    for (uint32_t service : tun_services) {
      // A failed TUN stays in the list as fd -1 (poll skips it) so the indices still match.
      fds.push_back({failed_tuns_.contains(service) ? -1 : tuns_[service]->fd(), POLLIN, 0});
    }
    const size_t public_at = fds.size();
    for (const PublicSockets::Source& s : public_->sources()) {
      fds.push_back({worker_fds.contains(s.fd) ? -1 : s.fd, POLLIN, 0});
    }
    const size_t event_at = fds.size();
    if (control_event_fd_ >= 0) fds.push_back({control_event_fd_, POLLIN, 0});
    const size_t metrics_at = fds.size();
    if (metrics_) fds.push_back({metrics_->wake_fd(), POLLIN, 0});
    const size_t radius_at = fds.size();
    if (radius_) radius_->AddPollFds(fds);

    log_.FlushDeferred();  // what this iteration logged, before we sleep
    if (poll(fds.data(), fds.size(), timeout_ms) < 0) {
      if (errno == EINTR) continue;
      log_.Error(absl::StrFormat("poll: %s", strerror(errno)));
      log_.FlushDeferred();
      return 1;
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      ssize_t n = read(signal_fd_, &info, sizeof info);
      if (n == static_cast<ssize_t>(sizeof info) && info.ssi_signo == SIGHUP) {
        if (absl::Status s = Reload(""); !s.ok()) {
          log_.Error(absl::StrFormat("SIGHUP: configuration not reloaded: %s", s.message()));
        }
      } else if (n == static_cast<ssize_t>(sizeof info)) {
        log_.Info(
            absl::StrFormat("%s: shutting down", strsignal(static_cast<int>(info.ssi_signo))));
        break;
      }
    }
    for (size_t i = 0; i < tun_services.size(); ++i) {
      if (fds[tuns_at + i].revents != 0) ReadTun(tun_services[i], *tuns_[tun_services[i]]);
    }
    for (size_t i = 0; i < public_->sources().size(); ++i) {
      if (fds[public_at + i].revents != 0) ReadPublic(public_->sources()[i]);
    }
    if (radius_) radius_->Read(std::span<const pollfd>(fds).subspan(radius_at), *engine_, Now());
    if (control_event_fd_ >= 0 && fds[event_at].revents != 0) {
      uint64_t ignored;
      (void)!read(control_event_fd_, &ignored, sizeof ignored);
      DrainWorkers(Now());
    }
    if (metrics_ && fds[metrics_at].revents != 0) {
      metrics_->Answer([this] { return FormatMetrics(); });
    }
    if (control_) {
      control_->Service(std::span<const pollfd>(fds).subspan(control_at, tuns_at - control_at),
                        Now().ns / 1000000, [this](const std::vector<std::string>& words) {
                          absl::StatusOr<std::string> answer = HandleControl(words);
                          log_.FlushDeferred();  // what the request logged, before its answer
                          return answer;
                        });
    }
  }
  StopWorkers();
  // IKE deletes leave through the transport during this call; the sockets are still open.
  engine_->Shutdown(Now());
  const EngineCounters c = engine_->counters();
  log_.Info(absl::StrFormat(
      "stopped: %d public in, %d private in, %d sent public, "
      "%d delivered, %d dropped",
      c.public_in, c.private_in, c.sent_public, c.delivered_private, c.total_drops()));
  log_.FlushDeferred();
  return 0;
}

void Gateway::RefreshTimer(MonoTime now) {
  next_timer_ = std::min(engine_->OnTimer(now), now + Duration::Nanoseconds(kMaxWaitNs));
}

PacketRef Gateway::FreshBuffer(size_t i) {
  return PacketRef::WithHeadroom(storage_.data() + i * kBufferSize,
                                 static_cast<uint32_t>(kBufferSize),
                                 static_cast<uint32_t>(kPacketHeadroom));
}

void Gateway::ReadTun(uint32_t service, TunDevice& tun) {
  for (int round = 0; round < kBurstsPerWakeup; ++round) {
    size_t n = 0;
    while (n < kBurst) {
      packets_[n] = FreshBuffer(n);
      ssize_t len = tun.Read({packets_[n].mutable_data(), kMaxIpPacketSize});
      if (len < 0 && errno != EINTR) {
        // E.g. EBADFD: the interface was deleted under us. Polling it again would spin.
        ++Counters().rx_errors;
        failed_tuns_.insert(service);
        log_.Error(absl::StrFormat("TUN %s of service %d: %s; no longer read", tun.name(), service,
                                   strerror(errno)));
      }
      if (len <= 0) break;
      packets_[n].length = static_cast<uint32_t>(len);
      ++n;
    }
    if (n == 0) return;
    Counters().rx_tun += n;
    engine_->OnPrivatePackets(service, {packets_.data(), n}, {verdicts_.data(), n}, Now());
    if (n < kBurst) return;
  }
}

void Gateway::ReadPublic(const PublicSockets::Source& source) {
  for (int round = 0; round < kBurstsPerWakeup; ++round) {
    for (size_t i = 0; i < kBurst; ++i) packets_[i] = FreshBuffer(i);
    const PublicSockets::BurstResult got =
        public_->ReceiveBurst(source, {packets_.data(), kBurst}, *recv_scratch_);
    Counters().rx_oversize += got.oversize;
    Counters().rx_errors += got.errors;  // e.g. a reported ICMP error: look again next wake-up
    const bool drained = got.drained;
    const size_t n = got.packets;
    if (n == 0) {
      if (drained) return;
      continue;  // a burst of only oversize datagrams: there may be more
    }
    (source.kind == PublicSockets::Kind::kUdp ? Counters().rx_udp : Counters().rx_raw) += n;
    const MonoTime now = Now();
    engine_->OnPublicPackets({packets_.data(), n}, {verdicts_.data(), n}, now);
    bool control = false;
    for (size_t i = 0; i < n; ++i) {
      if (verdicts_[i].action != Verdict::Action::kToControl) continue;
      engine_->OnControlPacket(packets_[i], now);  // the packet is unchanged (engine.h)
      control = true;
    }
    if (control) RefreshTimer(now);  // IKE may have armed a retransmission or expiry timer
    if (drained) return;
  }
}

void Gateway::SendPublic(const Egress& egress, const PacketRef& packet) {
  (void)egress;  // the kernel routes the outer packet; the engine's next hop is informational
  log_.FlushDeferred();  // the lines about what this packet answers reach the file first
  switch (public_->Send(packet.bytes())) {
    case PublicSockets::SendStatus::kUdp:
      ++Counters().tx_udp;
      return;
    case PublicSockets::SendStatus::kRaw:
      ++Counters().tx_raw;
      return;
    case PublicSockets::SendStatus::kNoSocket:
      ++Counters().tx_no_socket;
      log_.WarnOnce("tx-no-socket",
                    "a public packet needs a raw socket, and there is none: dropped (counted)");
      return;
    case PublicSockets::SendStatus::kMalformed:
      ++Counters().tx_malformed;
      return;
    case PublicSockets::SendStatus::kError: {
      const int err = errno;
      ++Counters().tx_errors;
      log_.WarnOnce(
          absl::StrFormat("tx-error-%d", err),
          absl::StrFormat("public send failed: %s (further ones only counted)", strerror(err)));
      return;
    }
  }
}

void Gateway::DeliverPrivate(const Egress& egress, const PacketRef& packet) {
  log_.FlushDeferred();
  TunDevice* tun = FindTun(egress.service);
  if (tun == nullptr) {
    ++Counters().tx_no_tun;
    log_.WarnOnce(absl::StrFormat("no-tun-%d", egress.service),
                  absl::StrFormat("service %d has no TUN: packets it delivers to the host are "
                                  "dropped (give it one with --tun %d=NAME)",
                                  egress.service, egress.service));
    return;
  }
  if (tun->Write(packet.bytes())) {
    ++Counters().tx_tun;
    return;
  }
  const int err = errno;
  ++Counters().tx_errors;
  log_.WarnOnce(absl::StrFormat("tun-error-%s-%d", tun->name(), err),
                absl::StrFormat("write to %s failed: %s (further ones only counted)", tun->name(),
                                strerror(err)));
}

}  // namespace tunnelisa::gateway

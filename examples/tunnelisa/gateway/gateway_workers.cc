// File: examples/tunnelisa/gateway/gateway_workers.cc
//
// `tunnelisa run`'s worker threads (docs/gateway.md, "Threads"): each serves some of the
// configuration's ISA slots through EngineWorkers and reads a share of the TUNs and public
// sockets. A packet it reads for a tunnel of another thread's ISA comes back kWrongSlot and is
// copied into that thread's PacketRing; IKE datagrams (kToControl) go to the control thread
// (the poll loop of gateway.cc), which runs configuration, IKE, timers and the control socket.
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/gateway.h"
#include "examples/tunnelisa/gateway/packet_ring.h"
#include "examples/tunnelisa/gateway/worker_thread.h"

namespace tunnelisa::gateway {
namespace {

constexpr size_t kRingSlots = 256;
constexpr uint32_t kRingPayload = 9216;  // jumbo frames; larger handoffs are counted drops
constexpr size_t kBufferSize = kPacketHeadroom + kMaxIpPacketSize + kPacketTailroom;
constexpr int kBurstsPerWakeup = 8;
constexpr int64_t kMaxWorkerWaitNs = 100 * 1000 * 1000;  // workers call in at least this often

// The thread a Transport call runs on: its counters and its copy of the TUN table.
thread_local WorkerThread* tls_worker = nullptr;

}  // namespace

GatewayCounters& Gateway::Counters() {
  return tls_worker != nullptr ? tls_worker->counters : counters_;
}

TunDevice* Gateway::FindTun(uint32_t service) {
  if (tls_worker != nullptr) {
    auto it = tls_worker->tun_table.find(service);
    return it == tls_worker->tun_table.end() ? nullptr : it->second;
  }
  auto it = tuns_.find(service);
  return it == tuns_.end() ? nullptr : it->second.get();
}

const std::vector<std::pair<uint32_t, TunDevice*>>& Gateway::WorkerTuns(const WorkerThread& w) {
  return w.tuns;
}

const GatewayCounters& Gateway::WorkerCounters(const WorkerThread& w) { return w.counters; }

std::vector<int> Gateway::WorkerSourceFds(const WorkerThread& w) {
  std::vector<int> fds;
  for (const PublicSockets::Source* s : w.sources) fds.push_back(s->fd);
  return fds;
}

bool Gateway::HandOff(const SlotHandoff& handoff, const PacketRef& packet) {
  WorkerThread* w = tls_worker;
  if (w == nullptr) return false;
  auto owner = worker_of_.find(handoff.owner);
  WorkerThread* to = owner == worker_of_.end() ? nullptr : owner->second;
  if (to == w) return false;  // its own ISA: cannot happen for a packet it just handed on
  PacketRing* ring = to == nullptr ? w->to_control.get() : to->inbox[w->index].get();
  if (!ring->Push(packet, {.kind = PacketRing::Kind::kHandoff, .handoff = handoff})) {
    ++w->counters.handoff_drops;
    return false;
  }
  ++w->counters.handoffs;
  Wake(to == nullptr ? control_event_fd_ : to->event_fd);
  return true;
}

bool Gateway::ToControl(const PacketRef& packet) {
  WorkerThread* w = tls_worker;
  if (w == nullptr || !w->to_control->Push(packet, {.kind = PacketRing::Kind::kControl})) {
    if (w != nullptr) ++w->counters.handoff_drops;
    return false;
  }
  ++w->counters.handoffs;
  Wake(control_event_fd_);
  return true;
}

void Gateway::Wake(int event_fd) {
  const uint64_t one = 1;
  (void)!write(event_fd, &one, sizeof one);  // EAGAIN: already pending
}

absl::Status Gateway::StartWorkers(const config::Config& config) {
  std::set<config::IsaSlot> isas;
  for (const auto& [id, g] : config.tunnel_groups) {
    if (g.primary) isas.insert(*g.primary);
    if (g.backup) isas.insert(*g.backup);
    for (const config::IsaSlot& m : g.mdas) isas.insert(m);
  }
  size_t threads = options_.workers >= 0 ? static_cast<size_t>(options_.workers) : isas.size();
  if (options_.workers < 0) {
    threads = std::min<size_t>(threads, std::max(1u, std::thread::hardware_concurrency()));
  }
  threads = std::min({threads, isas.size(), size_t{64}});
  if (threads == 0) return absl::OkStatus();  // the one-thread loop
  control_event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (control_event_fd_ < 0) {
    return absl::InternalError(absl::StrFormat("eventfd: %s", strerror(errno)));
  }
  for (size_t i = 0; i < threads; ++i) {
    auto w = std::make_unique<WorkerThread>();
    w->index = i;
    w->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->event_fd < 0) {
      return absl::InternalError(absl::StrFormat("eventfd: %s", strerror(errno)));
    }
    w->to_control = std::make_unique<PacketRing>(kRingSlots, kRingPayload);
    w->storage.resize(kBurst * kBufferSize);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    for (size_t from = 0; from < threads; ++from) {
      w->inbox.push_back(from == w->index ? nullptr
                                          : std::make_unique<PacketRing>(kRingSlots, kRingPayload));
    }
  }
  // ISAs round-robin over the threads; so are the TUNs and sockets they read.
  size_t k = 0;
  for (const config::IsaSlot& isa : isas) {
    WorkerThread& w = *workers_[k++ % threads];
    absl::StatusOr<std::unique_ptr<EngineWorker>> e = engine_->AttachWorker(isa);
    if (!e.ok()) return e.status();
    w.engines.push_back(*std::move(e));
    worker_of_[isa] = &w;
  }
  k = 0;
  for (auto& [service, tun] : tuns_) workers_[k++ % threads]->tuns.push_back({service, tun.get()});
  for (const PublicSockets::Source& s : public_->sources()) {
    // The IKE port's sockets carry only IKE (ESP-in-UDP uses the NAT-T port, RFC 3948; the
    // engine answers anything else on port 500 with a drop): the control thread reads them
    // itself, rather than a worker reading each datagram only to queue it for the control
    // thread and wake it (two thread wake-ups and four more system calls per datagram).
    if (s.kind == PublicSockets::Kind::kUdp && s.std_port == kIkePort) continue;
    workers_[k++ % threads]->sources.push_back(&s);
  }
  for (auto& w : workers_) {
    WorkerThread* raw = w.get();
    raw->thread = std::thread([this, raw] { WorkerLoop(*raw); });
  }
  log_.Info(absl::StrFormat("%d worker thread(s) for %d ISA(s)", threads, isas.size()));
  return absl::OkStatus();
}

void Gateway::StopWorkers() {
  for (auto& w : workers_) {
    w->stop.store(true);
    Wake(w->event_fd);
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  DrainWorkers(Now());  // what they queued for the control thread last
  for (auto& w : workers_) {
    w->engines.clear();  // detached: the engine serves their slots again
    close(w->event_fd);
  }
  workers_.clear();
  worker_of_.clear();
  if (control_event_fd_ >= 0) close(control_event_fd_);
  control_event_fd_ = -1;
}

void Gateway::WorkerLoop(WorkerThread& w) {
  tls_worker = &w;
  // Named for `top -H`, `ps -L` and profilers (at most 15 characters; best effort).
  (void)pthread_setname_np(pthread_self(), absl::StrFormat("tl-worker-%d", w.index).c_str());
  std::vector<pollfd> fds;
  std::array<PacketRef, kBurst> in;
  std::array<PacketRing::Meta, kBurst> meta;
  std::array<SlotHandoff, kBurst> how;
  std::array<EngineVerdict, kBurst> verdicts;
  w.next_timer = Now();
  while (!w.stop.load(std::memory_order_relaxed)) {
    if (const uint64_t g = tun_generation_.load(std::memory_order_acquire); g != w.tun_generation) {
      std::lock_guard<std::mutex> lock(tun_mutex_);
      w.tun_table.clear();
      for (auto& [service, tun] : tuns_) w.tun_table[service] = tun.get();
      w.tun_generation = g;
    }
    MonoTime now = Now();
    if (now >= w.next_timer) {
      w.next_timer = now + Duration::Nanoseconds(kMaxWorkerWaitNs);
      for (auto& e : w.engines) w.next_timer = std::min(w.next_timer, e->OnTimer(now));
    }
    fds.clear();
    fds.push_back({w.event_fd, POLLIN, 0});
    for (const auto& [service, tun] : w.tuns) {
      fds.push_back({w.failed_fds.contains(tun->fd()) ? -1 : tun->fd(), POLLIN, 0});
    }
    for (const PublicSockets::Source* s : w.sources) fds.push_back({s->fd, POLLIN, 0});
    const int64_t wait_ns = std::clamp<int64_t>((w.next_timer - now).ns, 0, kMaxWorkerWaitNs);
    if (poll(fds.data(), fds.size(), static_cast<int>((wait_ns + 999999) / 1000000)) < 0 &&
        errno != EINTR) {
      log_.Error(absl::StrFormat("worker %d: poll: %s", w.index, strerror(errno)));
      return;
    }
    if (fds[0].revents != 0) {
      uint64_t ignored;
      (void)!read(w.event_fd, &ignored, sizeof ignored);
    }
    // Packets the other workers handed to this one's ISAs, first.
    for (auto& ring : w.inbox) {
      if (!ring) continue;
      for (int round = 0; round < kBurstsPerWakeup; ++round) {
        const size_t n = ring->Peek(in, meta);
        if (n == 0) break;
        for (size_t i = 0; i < n; ++i) how[i] = meta[i].handoff;
        RunHandoffs(w, {in.data(), n}, {how.data(), n}, {verdicts.data(), n}, 1);
        ring->Release(n);
      }
    }
    size_t at = 1;
    for (const auto& [service, tun] : w.tuns) {
      if (fds[at++].revents == 0) continue;
      for (int round = 0; round < kBurstsPerWakeup; ++round) {
        size_t n = 0;
        while (n < kBurst) {
          w.packets[n] = PacketRef::WithHeadroom(w.storage.data() + n * kBufferSize,
                                                 static_cast<uint32_t>(kBufferSize),
                                                 static_cast<uint32_t>(kPacketHeadroom));
          ssize_t len = tun->Read({w.packets[n].mutable_data(), kMaxIpPacketSize});
          if (len < 0 && errno != EINTR) {
            ++w.counters.rx_errors;
            w.failed_fds.insert(tun->fd());
            log_.Error(absl::StrFormat("TUN %s of service %d: %s; no longer read", tun->name(),
                                       service, strerror(errno)));
          }
          if (len <= 0) break;
          w.packets[n].length = static_cast<uint32_t>(len);
          ++n;
        }
        if (n == 0) break;
        w.counters.rx_tun += n;
        WorkerBurst(w, true, service, {w.packets.data(), n});
        if (n < kBurst) break;
      }
    }
    for (const PublicSockets::Source* s : w.sources) {
      if (fds[at++].revents == 0) continue;
      for (int round = 0; round < kBurstsPerWakeup; ++round) {
        for (size_t i = 0; i < kBurst; ++i) {
          w.packets[i] = PacketRef::WithHeadroom(w.storage.data() + i * kBufferSize,
                                                 static_cast<uint32_t>(kBufferSize),
                                                 static_cast<uint32_t>(kPacketHeadroom));
        }
        const PublicSockets::BurstResult got =
            public_->ReceiveBurst(*s, {w.packets.data(), kBurst}, w.recv_scratch);
        w.counters.rx_oversize += got.oversize;
        w.counters.rx_errors += got.errors;
        const bool drained = got.drained;
        const size_t n = got.packets;
        if (n == 0) {
          if (drained) break;
          continue;  // only oversize or unusable datagrams: there may be more
        }
        (s->kind == PublicSockets::Kind::kUdp ? w.counters.rx_udp : w.counters.rx_raw) += n;
        WorkerBurst(w, false, 0, {w.packets.data(), n});
        if (drained) break;
      }
    }
  }
  tls_worker = nullptr;
}

void Gateway::WorkerBurst(WorkerThread& w, bool tun, uint32_t service,
                          std::span<PacketRef> packets) {
  // Any of the thread's EngineWorkers takes the burst: what another ISA owns comes back.
  EngineWorker& e = *w.engines.front();
  std::span<EngineVerdict> v(w.verdicts.data(), packets.size());
  if (tun) {
    e.OnPrivatePackets(service, packets, v, Now());
  } else {
    e.OnPublicPackets(packets, v, Now());
  }
  Settle(w, packets, v, 0);
}

void Gateway::RunHandoffs(WorkerThread& w, std::span<PacketRef> packets,
                          std::span<const SlotHandoff> how, std::span<EngineVerdict> verdicts,
                          int round) {
  // Consecutive packets for one ISA make one call.
  for (size_t i = 0; i < packets.size();) {
    size_t j = i + 1;
    while (j < packets.size() && how[j].owner == how[i].owner) ++j;
    std::span<PacketRef> part = packets.subspan(i, j - i);
    std::span<EngineVerdict> v = verdicts.subspan(i, j - i);
    if (EngineWorker* e = w.EngineFor(how[i].owner); e != nullptr) {
      e->OnHandoff(part, how.subspan(i, j - i), v, Now());
      Settle(w, part, v, round);
    } else {
      w.counters.handoff_drops += j - i;  // not this thread's ISA (any more)
    }
    i = j;
  }
}

void Gateway::Settle(WorkerThread& w, std::span<PacketRef> packets,
                     std::span<EngineVerdict> verdicts, int round) {
  std::array<PacketRef, kBurst> again;
  std::array<SlotHandoff, kBurst> how;
  std::array<EngineVerdict, kBurst> v;
  bool woke_control = false;
  uint64_t woke = 0;  // workers to wake, by index (at most 64 threads)
  size_t n_again = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    const EngineVerdict& r = verdicts[i];
    if (r.action == Verdict::Action::kToControl) {
      if (w.to_control->Push(packets[i], {.kind = PacketRing::Kind::kControl})) {
        ++w.counters.handoffs;
        woke_control = true;
      } else {
        ++w.counters.handoff_drops;
      }
      continue;
    }
    if (!r.handed_off()) continue;
    auto owner = worker_of_.find(r.handoff.owner);
    WorkerThread* to = owner == worker_of_.end() ? nullptr : owner->second;
    if (to == &w) {
      // Another ISA of this thread: round again, in place (bounded: each round is a tunnel
      // operation further, and the engine stops at kMaxTunnelLayers).
      if (round <= kMaxTunnelLayers) {
        again[n_again] = packets[i];
        how[n_again++] = r.handoff;
      } else {
        ++w.counters.handoff_drops;
      }
      continue;
    }
    PacketRing* ring = to == nullptr ? w.to_control.get() : to->inbox[w.index].get();
    if (ring->Push(packets[i], {.kind = PacketRing::Kind::kHandoff, .handoff = r.handoff})) {
      ++w.counters.handoffs;
      if (to == nullptr) {
        woke_control = true;
      } else {
        woke |= uint64_t{1} << to->index;
      }
    } else {
      ++w.counters.handoff_drops;
    }
  }
  for (size_t k = 0; k < workers_.size(); ++k) {
    if (woke & (uint64_t{1} << k)) Wake(workers_[k]->event_fd);
  }
  if (woke_control) Wake(control_event_fd_);
  if (n_again > 0) {
    RunHandoffs(w, {again.data(), n_again}, {how.data(), n_again}, {v.data(), n_again}, round + 1);
  }
}

void Gateway::DrainWorkers(MonoTime now) {
  std::array<PacketRef, kBurst> in;
  std::array<PacketRing::Meta, kBurst> meta;
  std::array<EngineVerdict, kBurst> v;
  bool control = false;
  for (auto& w : workers_) {
    // Bounded: what is there now, a ring's worth at most.
    for (size_t rounds = 0; rounds < kRingSlots / kBurst + 1; ++rounds) {
      const size_t n = w->to_control->Peek(in, meta);
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) {
        if (meta[i].kind == PacketRing::Kind::kControl) {
          engine_->OnControlPacket(in[i], now);  // the packet is unchanged (engine.h)
          control = true;
          continue;
        }
        // An ISA no worker serves (the engine's one-thread calls serve it).
        engine_->OnHandoff({&in[i], 1}, {&meta[i].handoff, 1}, {&v[i], 1}, now);
      }
      w->to_control->Release(n);
    }
  }
  if (control) RefreshTimer(now);  // IKE may have armed a retransmission or expiry timer
}

}  // namespace tunnelisa::gateway

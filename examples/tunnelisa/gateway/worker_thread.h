// File: examples/tunnelisa/gateway/worker_thread.h
//
// WorkerThread: one of `tunnelisa run`'s worker threads (gateway_workers.cc): the ISA slots it
// serves (EngineWorkers), the TUNs and sockets it reads, its rings from the other workers and
// to the control thread, its counters and its copy of the TUN table.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_WORKER_THREAD_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_WORKER_THREAD_H_

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "examples/tunnelisa/gateway/gateway.h"
#include "examples/tunnelisa/gateway/packet_ring.h"
#include "examples/tunnelisa/gateway/public_sockets.h"
#include "examples/tunnelisa/gateway/tun_device.h"
#include "tunnelisa/engine.h"

namespace tunnelisa::gateway {

struct WorkerThread {
  size_t index = 0;
  std::vector<std::unique_ptr<EngineWorker>> engines;  // one per ISA it serves
  std::vector<std::pair<uint32_t, TunDevice*>> tuns;   // TUNs it reads
  std::vector<const PublicSockets::Source*> sources;   // sockets it reads
  std::set<int> failed_fds;
  int event_fd = -1;                               // others wake it
  std::vector<std::unique_ptr<PacketRing>> inbox;  // from each other worker, by index
  std::unique_ptr<PacketRing> to_control;
  GatewayCounters counters;
  std::map<uint32_t, TunDevice*> tun_table;  // DeliverPrivate's view
  uint64_t tun_generation = ~uint64_t{0};
  std::vector<uint8_t> storage;  // kBurst read buffers
  std::array<PacketRef, Gateway::kBurst> packets;
  std::array<EngineVerdict, Gateway::kBurst> verdicts;
  PublicSockets::RecvScratch recv_scratch;
  std::thread thread;
  std::atomic<bool> stop{false};
  MonoTime next_timer;

  EngineWorker* EngineFor(const config::IsaSlot& isa) {
    for (auto& e : engines) {
      if (e->isa() == isa) return e.get();
    }
    return nullptr;
  }
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_WORKER_THREAD_H_

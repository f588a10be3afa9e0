// File: tunnelisa/handoff.h
//
// Moving packets between ISA slot workers (engine.h, "Threads"): SlotHandoff says where a
// packet that another slot owns goes on; HandoffQueue is a lock-free single-producer /
// single-consumer ring for hosts without their own (VPP's handoff): one per (from, to) pair of
// workers, the producer pushes what its verdicts returned as kWrongSlot, the consumer pops
// and gives the packets to its EngineWorker::OnHandoff.
//
// Example (worker A, after a burst):
//   for (size_t i = 0; i < n; ++i)
//     if (verdicts[i].handed_off()) to[verdicts[i].handoff.owner]->TryPush({pkts[i],
//     verdicts[i].handoff});
// (worker B, before its own burst):
//   HandedOff batch[32]; size_t k = from_a.TryPopBurst(batch);  ... OnHandoff(...)
#ifndef TUNNELISA_HANDOFF_H_
#define TUNNELISA_HANDOFF_H_

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "tunnelisa/config/model.h"
#include "tunnelisa/packet.h"

namespace tunnelisa {

// SlotHandoff: where a packet handed to another slot goes on.
struct SlotHandoff {
  enum class Kind : uint8_t {
    kPublic,      // as received: demultiplexed in delivery service `service` (0: the
                  // unqualified public entry)
    kPrivate,     // a payload packet routed by `service`'s route table (a tunnel's inner
                  // packet, or one of the host's)
    kOuterRoute,  // an outer packet routed by delivery service `service`
  };
  config::IsaSlot owner;  // the ISA slot owning the tunnel
  Kind kind = Kind::kPublic;
  uint8_t depth = 0;  // tunnel operations done on it already (kMaxTunnelLayers holds)
  uint32_t service = 0;
};

// HandedOff: one packet in a HandoffQueue. The buffer travels with it: whoever popped it
// owns it (the host's buffer management decides how it is freed).
struct HandedOff {
  PacketRef packet;
  SlotHandoff handoff;
};

// HandoffQueue: bounded SPSC ring (capacity rounded up to a power of two). TryPush only on the
// producer's thread, TryPop / TryPopBurst only on the consumer's; no lock, no allocation after
// construction; head and tail on separate cache lines. Full: TryPush returns false (the
// producer drops or retries; a worker must not wait for another).
class HandoffQueue {
 public:
  explicit HandoffQueue(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
        slots_(std::make_unique<HandedOff[]>(mask_ + 1)) {}
  HandoffQueue(const HandoffQueue&) = delete;
  HandoffQueue& operator=(const HandoffQueue&) = delete;

  bool TryPush(const HandedOff& item) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ > mask_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ > mask_) return false;
    }
    slots_[tail & mask_] = item;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  // TryPopBurst: up to out.size() items, oldest first; how many.
  size_t TryPopBurst(std::span<HandedOff> out) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (tail_cache_ - head < out.size()) tail_cache_ = tail_.load(std::memory_order_acquire);
    size_t n = tail_cache_ - head;
    if (n > out.size()) n = out.size();
    for (size_t i = 0; i < n; ++i) out[i] = slots_[(head + i) & mask_];
    head_.store(head + n, std::memory_order_release);
    return n;
  }
  bool TryPop(HandedOff& out) { return TryPopBurst({&out, 1}) == 1; }
  size_t capacity() const { return mask_ + 1; }

 private:
  const size_t mask_;
  std::unique_ptr<HandedOff[]> slots_;
  alignas(64) std::atomic<size_t> head_{0};  // consumer's
  size_t tail_cache_ = 0;                    // consumer's view of tail_
  alignas(64) std::atomic<size_t> tail_{0};  // producer's
  size_t head_cache_ = 0;                    // producer's view of head_
};

}  // namespace tunnelisa

#endif  // TUNNELISA_HANDOFF_H_

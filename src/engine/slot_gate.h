// SlotGate: keeps the control thread's changes and the slot workers' bursts apart without a
// worker ever waiting for the control thread (DESIGN.md, "Groups, slots, redundancy").
//
// A worker enters before each call and leaves after it. Entering never blocks: it fails while
// the control thread holds a control window, and the worker then parks its burst (copies it
// into buffers of its own, processed at its next call: at most one burst late). The control
// thread opens a window before it changes or reads what workers use (configuration, SAs,
// routes, counters) and waits for the bursts in progress to end; it closes the window when it
// is done. Each side publishes with one sequentially consistent store and then checks the
// other (Dekker's protocol), so a worker inside a burst and an open window never coexist, and
// what either side wrote is visible to the other afterwards (release / acquire).
#ifndef TUNNELISA_SRC_ENGINE_SLOT_GATE_H_
#define TUNNELISA_SRC_ENGINE_SLOT_GATE_H_

#include <atomic>
#include <cstdint>
#include <new>
#include <thread>
#include <vector>

namespace tunnelisa {

// WorkerFlag: one per worker, on its own cache line (no line shared between workers).
struct alignas(64) WorkerFlag {
  std::atomic<uint32_t> busy{0};
};

class SlotGate {
 public:
  // Enter: the worker owning `flag`; false while a control window is open (then it must not
  // touch shared state; it parks its burst).
  static bool Enter(WorkerFlag& flag, const SlotGate& gate) {
    flag.busy.store(1, std::memory_order_seq_cst);
    if (gate.window_.load(std::memory_order_seq_cst) == 0) return true;
    flag.busy.store(0, std::memory_order_release);
    return false;
  }
  static void Leave(WorkerFlag& flag) { flag.busy.store(0, std::memory_order_release); }

  // Open / Close: the control thread only; windows nest (a control call inside another).
  // Open waits for every flag in `flags` to be clear: the bursts in progress end (a burst is
  // bounded work; a Transport that blocks inside one stalls the control thread, see engine.h).
  void Open(const std::vector<WorkerFlag*>& flags) {
    if (depth_++ > 0) return;
    window_.store(1, std::memory_order_seq_cst);
    for (WorkerFlag* f : flags) {
      for (uint32_t spins = 0; f->busy.load(std::memory_order_seq_cst) != 0; ++spins) {
        if (spins > 64) std::this_thread::yield();
      }
    }
  }
  void Close() {
    if (--depth_ > 0) return;
    window_.store(0, std::memory_order_release);
  }
  bool open() const { return depth_ > 0; }

 private:
  alignas(64) std::atomic<uint32_t> window_{0};
  int depth_ = 0;  // control thread only
};

// GateEntry: one call of a worker (or classifier) inside the gate, left when it ends; in()
// false when a control window kept it out (it must not touch shared state then).
class GateEntry {
 public:
  GateEntry(WorkerFlag& flag, const SlotGate& gate)
      : flag_(flag), in_(SlotGate::Enter(flag, gate)) {}
  ~GateEntry() {
    if (in_) SlotGate::Leave(flag_);
  }
  GateEntry(const GateEntry&) = delete;
  GateEntry& operator=(const GateEntry&) = delete;
  bool in() const { return in_; }

 private:
  WorkerFlag& flag_;
  const bool in_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_SLOT_GATE_H_

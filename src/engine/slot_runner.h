// SlotRunner: the engine's fast path as one thread runs it (engine_forward.cc): the burst
// calls' demultiplexing, routing and tunnel steps over the engine's tables, with the mutable
// state a thread needs of its own: counters, spare buffers, the burst's pending ESP work and a
// park for bursts met by a control window. An EngineWorker's runner serves one ISA slot (a
// packet for a tunnel on another slot is returned with a SlotHandoff); the control runner
// serves every slot (the one-thread calls, inside a control window). Internal to src/engine.
#ifndef TUNNELISA_SRC_ENGINE_SLOT_RUNNER_H_
#define TUNNELISA_SRC_ENGINE_SLOT_RUNNER_H_

#include <atomic>
#include <optional>
#include <span>
#include <vector>

#include "engine/engine_impl.h"
#include "engine/slot_gate.h"
#include "engine/spare_pool.h"
#include "tunnelisa/handoff.h"

namespace tunnelisa {

class SlotRunner {
 public:
  // `isa` nullopt: the control runner (every slot).
  SlotRunner(Engine::Impl& engine, std::optional<config::IsaSlot> isa);

  // Public: `service` is the receiving delivery service, or nullopt: the service that owns
  // the destination address (the lowest id when two share it).
  void Public(std::optional<uint32_t> service, std::span<PacketRef> packets,
              std::span<EngineVerdict> verdicts, MonoTime now);
  void Private(uint32_t service, std::span<PacketRef> packets, std::span<EngineVerdict> verdicts,
               MonoTime now);
  // Handoff: packets with where each goes on (from another worker, or this one's park).
  void Handoff(std::span<PacketRef> packets, std::span<const SlotHandoff> how,
               std::span<EngineVerdict> verdicts, MonoTime now);

  // RouteOuter: an outer packet the control path made (IKE), routed by delivery service `s`.
  void RouteOuter(EngineService& s, PacketRef& p, EngineVerdict& v) {
    Forward(s, p, /*outer=*/true, /*depth=*/0, MonoTime{}, v);
  }

  // Workers: Park copies a burst met by a control window (kConsumed, or slot-busy when the
  // park is full); `how` is parallel to `packets`, or one entry for all of them; Unpark processes
  // what was parked (inside the gate). Outcomes are counted; a parked packet owned by another slot
  // goes to Transport::HandOff.
  void Park(std::span<PacketRef> packets, std::span<const SlotHandoff> how,
            std::span<EngineVerdict> verdicts);
  void Unpark(MonoTime now);
  bool has_parked() const { return park_.mark() > 0; }

  const std::optional<config::IsaSlot>& isa() const { return isa_; }
  // counters: this runner's thread writes them inside the gate; read in a control window.
  EngineCounters counters;
  // ParkCounts: what a worker counts outside the gate (a burst met by a control window):
  // written by the worker alone, read by the control thread at any time.
  struct ParkCounts {
    std::atomic<uint64_t> public_in{0};
    std::atomic<uint64_t> private_in{0};
    std::atomic<uint64_t> handoff_in{0};
    std::atomic<uint64_t> parked{0};
    std::atomic<uint64_t> slot_busy{0};
    static void Add(std::atomic<uint64_t>& c, uint64_t n) {
      c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  };
  ParkCounts park_counts;
  // AllCounters: `counters` plus `park_counts` (control thread, in a window).
  EngineCounters AllCounters() const;
  WorkerFlag flag;                       // SlotGate
  std::atomic<int64_t> last_call_ns{0};  // a worker's last call (hung-worker detection)
  bool hung = false;                     // control thread: declared hung (ISA failed)

 private:
  // Owns: whether this runner runs slot `s` (the control runner runs all).
  bool Owns(const EngineSlot* s) const { return !isa_ || s == nullptr || s->isa == *isa_; }
  // HandOff: packet `p` goes on in slot `owner`: a packet of the burst gets verdict kWrongSlot
  // naming it; an extra output (a fragment, a reassembled datagram) goes to
  // Transport::HandOff, or is dropped wrong-slot.
  void HandOff(PacketRef& p, EngineVerdict& v, const EngineSlot& owner, SlotHandoff::Kind kind,
               uint32_t service, int depth);
  // PublicOne: one public packet received by `in` (`qualified`) or by whichever service
  // terminates its destination.
  void PublicOne(EngineService* in, bool qualified, PacketRef& p, int depth, MonoTime now,
                 EngineVerdict& v);
  // Dispatch: one packet of a Handoff burst.
  void Dispatch(PacketRef& p, const SlotHandoff& how, MonoTime now, EngineVerdict& v);
  // SendOuter: an outer packet of tunnel `t`: straight out by t.egress when it applies, else
  // routed by the delivery service.
  void SendOuter(TunnelPlacement& t, PacketRef& p, int depth, MonoTime now, EngineVerdict& v);
  static void Count(TunnelTraffic* c, bool in, uint32_t inner_octets, uint32_t outer_octets);

  void Forward(EngineService& s, PacketRef& p, bool outer, int depth, MonoTime now,
               EngineVerdict& v);
  // Terminate: packet `p` to an address service `s` terminates, with the tunnels of its
  // (destination, source) pair (FindEndpoints).
  void Terminate(EngineService& s, PacketRef& p, const PacketInfo& ip, const EndpointTunnels& found,
                 int depth, MonoTime now, EngineVerdict& v);
  // FindEndpoints: the tunnels of `s` that `ip`'s (destination, source) may be for: an
  // ip-tunnel for GRE / IP-IP and fragments, an ipsec-tunnel for ESP, UDP and fragments.
  static EndpointTunnels FindEndpoints(const EngineService& s, const PacketInfo& ip);
  static void PrefetchEndpoints(const EngineService& s, const PacketInfo& ip);
  // PublicChunk: Public for at most kDemuxChunk packets (a received service: `qualified`).
  static constexpr size_t kDemuxChunk = 32;
  void PublicChunk(EngineService* in, bool qualified, std::span<PacketRef> packets,
                   std::span<EngineVerdict> verdicts, MonoTime now);
  // DecapIp: `fragment`: an outer fragment (it may complete a datagram: spare buffers).
  void DecapIp(IpTunnelState& t, PacketRef& p, bool fragment, int depth, MonoTime now,
               EngineVerdict& v);
  void DecapIpResult(EngineSlot& slot, PacketRef& p, const Verdict& dv, uint32_t outer_len,
                     int depth, MonoTime now, EngineVerdict& v);
  void DecapEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now, EngineVerdict& v);
  void EncapIp(IpTunnelState& t, PacketRef& p, int depth, MonoTime now, EngineVerdict& v);
  // EncapIpResult: what follows the encapsulation of one packet (or fragment) of tunnel `t`.
  void EncapIpResult(IpTunnelState& t, PacketRef& p, const Verdict& dv, int depth, MonoTime now,
                     EngineVerdict& v);
  void EncapEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now, EngineVerdict& v);
  // ReassembleEsp: an outer fragment from an ipsec-tunnel's peer: held, or completing a
  // datagram (in a spare buffer) that is then decrypted; `v` is kConsumed unless the fragment
  // is refused (reassembly-disabled, or the Reassembler's reason).
  void ReassembleEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now, EngineVerdict& v);
  // EncryptEsp: encrypts one payload packet (already within the ip-mtu) and routes the ESP
  // packet by the delivery service. With `may_defer`, a packet of the burst being processed
  // (not a spare buffer) joins the burst's pending seals instead (FlushEsp).
  void EncryptEsp(IpsecTunnelState& t, PacketRef& p, int depth, MonoTime now, EngineVerdict& v,
                  bool may_defer = false);
  // Bursts as bursts: a burst call routes every packet first; the ESP work it finds on the
  // burst's own buffers is deferred and then done per ISA slot in one data-plane call each
  // (EspDataplane::EncryptEach / Decrypt), after which each packet goes on its way. Spare
  // buffers (fragments, reassembled datagrams) are never deferred: they are reused as soon as
  // the step that made them returns.
  struct PendingEsp {
    IpsecTunnelState* tunnel;
    PacketRef* packet;
    EngineVerdict* verdict;
    int depth;
    uint32_t length;  // the payload (seal) or outer (open) length before the operation
  };
  bool InBurst(const PacketRef& p) const {
    return !burst_.empty() && &p >= burst_.data() && &p < burst_.data() + burst_.size();
  }
  // BeginBurst / FlushEsp: around a burst call; FlushEsp runs the pending seals and opens,
  // and whatever they lead to, until none is left (bounded by kMaxTunnelLayers rounds).
  void BeginBurst(std::span<PacketRef> packets);
  void FlushEsp(MonoTime now);
  // RunPending: the pending work's rounds (FlushEsp without ending the burst).
  void RunPending(MonoTime now);
  bool HasPending() const { return !opens_.empty() || !seals_.empty() || !ip_decaps_.empty(); }
  // KeepOrder: before a packet of the burst takes a path that sends at once (fragmentation,
  // reassembly), the earlier packets still waiting for their data-plane call go first, so a
  // flow's packets leave in the order they came. Inside RunPending the runs keep their order.
  void KeepOrder(MonoTime now);
  bool running_pending_ = false;
  void RunSeals(MonoTime now);
  void RunOpens(MonoTime now);
  // DecapEspResult: what follows the decryption of one packet of tunnel `t`.
  void DecapEspResult(IpsecTunnelState& t, PacketRef& p, const Verdict& dv, uint32_t outer_len,
                      int depth, MonoTime now, EngineVerdict& v);
  std::span<PacketRef> burst_;
  std::vector<PendingEsp> seals_, opens_, esp_work_;
  // GRE / IP-IP decapsulations of the burst's own (unfragmented) packets, done per slot in one
  // IpTunnelDataplane::Decap each (RunIpDecaps, from FlushEsp). Encapsulation is not grouped
  // (EncapIp says why).
  struct PendingIp {
    IpTunnelState* tunnel;
    PacketRef* packet;
    EngineVerdict* verdict;
    int depth;
    uint32_t length;  // the outer length before decapsulation
  };
  std::vector<PendingIp> ip_decaps_, ip_work_;
  void RunIpDecaps(MonoTime now);
  // BatchBySlot: `work`'s items (pending ESP or GRE / IP-IP work) one slot at a time, the slots
  // in order of first appearance: fills batch_items_ (indices into `work`), batch_packets_ and
  // room in batch_verdicts_ with that slot's items, then run(slot) makes the data-plane call
  // and takes the results. Runs may queue new work (on other lists).
  template <typename Item, typename Run>
  void BatchBySlot(std::vector<Item>& work, Run run) {
    work_done_.assign(work.size(), 0);
    for (size_t first = 0; first < work.size(); ++first) {
      if (work_done_[first]) continue;  // taken by an earlier slot's call
      EngineSlot* slot = work[first].tunnel->slot;
      batch_packets_.clear();
      batch_items_.clear();
      for (size_t k = first; k < work.size(); ++k) {
        if (work_done_[k] || work[k].tunnel->slot != slot) continue;
        work_done_[k] = 1;
        batch_packets_.push_back(*work[k].packet);
        batch_items_.push_back(k);
      }
      batch_verdicts_.resize(batch_packets_.size());
      run(*slot);
    }
  }
  // Per-slot gathering for one data-plane call (reused, never shrunk).
  std::vector<SaHandle> batch_sas_;
  std::vector<PacketRef> batch_packets_;
  std::vector<Verdict> batch_verdicts_;
  std::vector<size_t> batch_items_;
  std::vector<uint8_t> work_done_;  // work items already handed to their slot's call
  // EspTooBig: a payload packet above the ip-mtu that may not be fragmented: counted
  // too-big-for-mtu and, when allowed and not rate-limited, turned into the ICMP error that
  // goes back to its sender through the private service.
  void EspTooBig(IpsecTunnelState& t, PacketRef& p, uint8_t version, int depth, MonoTime now,
                 EngineVerdict& v);
  void Drop(EngineVerdict& v, DropReason reason);
  void Emit(EngineVerdict& v, Verdict::Action action);

  Engine::Impl& e_;
  std::optional<config::IsaSlot> isa_;
  SparePool spares_;
  // The park: copies of a burst met by a control window, and where each goes on.
  SparePool park_;
  uint32_t park_payload_ = 0;
  std::vector<PacketRef> parked_;
  std::vector<SlotHandoff> parked_how_;
  std::vector<EngineVerdict> unpark_verdicts_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_SLOT_RUNNER_H_

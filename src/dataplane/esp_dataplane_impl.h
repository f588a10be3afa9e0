// EspDataplane::Impl: shared by the control path (esp_dataplane.cc), the outbound path
// (esp_outbound.cc) and the inbound path (esp_inbound.cc).
#ifndef TUNNELISA_SRC_DATAPLANE_ESP_DATAPLANE_IMPL_H_
#define TUNNELISA_SRC_DATAPLANE_ESP_DATAPLANE_IMPL_H_

#include <vector>

#include "absl/container/btree_set.h"
#include "dataplane/sad.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa {

class EspDataplane::Impl {
 public:
  explicit Impl(const DataplaneOptions& options) : options_(options), sad_(options.lookup) {
    pending_events_.reserve(4 * kMaxBurst);
  }

  absl::StatusOr<SaHandle> Install(SaConfig config, MonoTime now);
  absl::Status Update(SaHandle h, const SaUpdate& update);
  absl::StatusOr<SaStats> Query(SaHandle h) const;
  absl::Status Delete(SaHandle h);
  MonoTime OnTimer(MonoTime now);

  void Encrypt(SaHandle h, std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now);
  void Decrypt(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
               InboundFormat format);

  const DataplaneCounters& counters() const { return counters_; }
  dataplane::Sad& sad() { return sad_; }
  const dataplane::Sad& sad() const { return sad_; }
  absl::Status SetNextIv(SaHandle h, std::span<const uint8_t> iv);

 private:
  void EncryptChunk(dataplane::Sa& sa, std::span<PacketRef> packets, std::span<Verdict> verdicts,
                    MonoTime now);
  void DecryptChunk(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
                    InboundFormat format);
  // InboundPending: a packet that passed the pre-crypto checks, waiting for its crypto op.
  struct InboundPending {
    dataplane::Sa* sa;
    uint64_t seq;
    uint8_t outer_tos;
    uint8_t index;  // position in the burst
  };
  // CompleteInbound: runs the crypto of `n` pending packets and finishes each one.
  void CompleteInbound(CryptoOp* ops, InboundPending* pend, size_t n, std::span<PacketRef> packets,
                       std::span<Verdict> verdicts, MonoTime now);
  // Account: counts a passed packet against the SA's lifetimes, queueing events.
  void Account(dataplane::Sa& sa, uint32_t bytes, MonoTime now);
  void Expire(dataplane::Sa& sa, LifetimeKind kind, bool hard, MonoTime now);
  void Drop(Verdict& v, dataplane::Sa* sa, DropReason r) {
    v.action = Verdict::Action::kDrop;
    v.reason = r;
    ++counters_.drops[static_cast<size_t>(r)];
    if (sa != nullptr) {
      ++sa->drops[static_cast<size_t>(r)];
      v.sa = sa->hot.index;
    }
  }
  // DropDeferred: like Drop, but the SA's own counter (a cold cache line with many SAs) is
  // prefetched now and incremented by FlushDeferredDrops at the end of the burst.
  void DropDeferred(Verdict& v, dataplane::Sa& sa, DropReason r) {
    v.action = Verdict::Action::kDrop;
    v.reason = r;
    v.sa = sa.hot.index;
    ++counters_.drops[static_cast<size_t>(r)];
    __builtin_prefetch(&sa.drops[static_cast<size_t>(r)], 1);
    deferred_drops_[num_deferred_drops_++] = {&sa, r};
  }
  void FlushDeferredDrops() {
    for (size_t i = 0; i < num_deferred_drops_; ++i) {
      ++deferred_drops_[i].sa->drops[static_cast<size_t>(deferred_drops_[i].reason)];
    }
    num_deferred_drops_ = 0;
  }
  void FlushEvents();
  void ScheduleDeadlines(dataplane::Sa& sa);

  DataplaneOptions options_;
  dataplane::Sad sad_;
  DataplaneCounters counters_;
  std::vector<SaLifetimeEvent> pending_events_;
  // batch_epoch_: numbers the batches of crypto ops, so an SA's `batch_top` (highest sequence
  // number of its packets in the current batch) resets when a batch completes.
  uint64_t batch_epoch_ = 0;
  struct DeferredDrop {
    dataplane::Sa* sa;
    DropReason reason;
  };
  DeferredDrop deferred_drops_[kMaxBurst];  // at most one per packet of a chunk
  size_t num_deferred_drops_ = 0;
  // Time-lifetime deadlines: (deadline ns, SA index, generation, hard?).
  struct Deadline {
    int64_t at;
    uint32_t index;
    uint32_t generation;
    bool hard;
    auto operator<=>(const Deadline&) const = default;
  };
  absl::btree_set<Deadline> deadlines_;
};

namespace dataplane {
// BuildOuterTemplate: the outer IP (+UDP) header of an outbound SA with fixed fields filled.
void BuildOuterTemplate(Sa& sa);
}  // namespace dataplane

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_DATAPLANE_ESP_DATAPLANE_IMPL_H_

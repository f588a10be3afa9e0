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
  void EncryptEach(std::span<const SaHandle> sas, std::span<PacketRef> packets,
                   std::span<Verdict> verdicts, MonoTime now);
  void Decrypt(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
               InboundFormat format);

  const DataplaneCounters& counters() const { return counters_; }
  dataplane::Sad& sad() { return sad_; }
  const dataplane::Sad& sad() const { return sad_; }
  absl::Status SetNextIv(SaHandle h, std::span<const uint8_t> iv);

 private:
  void EncryptChunk(dataplane::Sa& sa, std::span<PacketRef> packets, std::span<Verdict> verdicts,
                    MonoTime now);
  // PrepareSeal: one packet of `sa` with sequence number `seq` made ready for its crypto op
  // (trailer, ESP header, IV, outer header; `op` filled); false after dropping it (verdict set).
  bool PrepareSeal(dataplane::Sa& sa, PacketRef& p, Verdict& v, uint64_t seq, CryptoOp& op,
                   MonoTime now);
  // FinishSeal: after the op ran: the verdict on failure, the IPv6 UDP checksum, counters.
  void FinishSeal(dataplane::Sa& sa, const CryptoOp& op, PacketRef& p, Verdict& v);
  void DecryptChunk(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
                    InboundFormat format);
  // InboundPending: a packet that passed the pre-crypto checks, waiting for its crypto op.
  struct InboundPending {
    dataplane::Sa* sa;
    dataplane::InboundRecord* rec;  // sa's record (refreshed when the window moves)
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
  // DropPreAuth: like Drop, for a drop the pre-crypto checks found: the SA's counter is the
  // one in its InboundRecord (the cache line the checks read anyway). Fast path.
  void DropPreAuth(Verdict& v, dataplane::InboundRecord& rec, DropReason r) {
    v.action = Verdict::Action::kDrop;
    v.reason = r;
    v.sa = rec.index;
    ++counters_.drops[static_cast<size_t>(r)];
    const size_t slot = dataplane::InboundRecord::Slot(r);
    if (slot == dataplane::InboundRecord::kNumCounted) {
      ++sad_.Live(rec.index).drops[static_cast<size_t>(r)];
    } else if (++rec.drops[slot] == 0) {
      CarryDrop(rec, r);
    }
  }
  // CarryDrop: a record's 32-bit drop counter wrapped: add 2^32 to the Sa's.
  [[gnu::noinline, gnu::cold]] void CarryDrop(const dataplane::InboundRecord& rec, DropReason r) {
    sad_.Live(rec.index).drops[static_cast<size_t>(r)] += uint64_t{1} << 32;
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

// Anti-replay window for inbound ESP SAs: RFC 6479's ring of 64-bit blocks, with extended
// sequence numbers inferred per RFC 4303 appendix A2.
//
// The check and the update are separate on purpose (RFC 4303 section 3.4.3): a packet is
// checked before decryption without changing state, and the window moves only after its ICV
// verified. Update re-checks, so two copies of one packet in the same burst are caught.
#ifndef TUNNELISA_SRC_DATAPLANE_ANTI_REPLAY_H_
#define TUNNELISA_SRC_DATAPLANE_ANTI_REPLAY_H_

#include <cstdint>
#include <memory>

#include "tunnelisa/drop_reason.h"

namespace tunnelisa::dataplane {

class ReplayWindow {
 public:
  // window: packets (0 disables the replay check; ESN inference still runs); esn: whether the
  // SA uses 64-bit sequence numbers. Control path (allocates the bitmap).
  ReplayWindow(uint32_t window, bool esn) { Configure(window, esn); }
  // The default window is off (no replay check, no ESN); Configure it before use.
  ReplayWindow() { Configure(0, false); }
  ReplayWindow(const ReplayWindow&) = delete;  // bits_ may point into this object
  ReplayWindow& operator=(const ReplayWindow&) = delete;

  // CheckResult: kNone when acceptable; `seq` is the full (ESN-inferred) sequence number.
  // ambiguous: with ESN, packets checked earlier in the same burst (not yet authenticated,
  // highest `burst_top`) would move the window far enough to infer other high-order bits:
  // the caller must finish those packets (verify + Update) and check this one again.
  struct CheckResult {
    DropReason reason;
    uint64_t seq;
    bool ambiguous = false;
  };
  // Check: fast path, no state change. burst_top: the highest sequence number checked but not
  // yet updated in the current burst (0 if none).
  CheckResult Check(uint32_t seq_low, uint64_t burst_top = 0) const;
  // Configure: (re)starts the window empty. Control path.
  void Configure(uint32_t window, bool esn);
  // Update: fast path; call after the ICV verified. Returns kNone, or kReplayed /
  // kLeftOfWindow if the window moved (or the packet arrived twice) since Check.
  DropReason Update(uint64_t seq);

  uint64_t top() const { return top_; }
  uint32_t window() const { return window_; }
  size_t bitmap_bytes() const { return static_cast<size_t>(mask_words_ + 1) * 8; }

 private:
  uint64_t InferEsn(uint64_t top, uint32_t seq_low) const;

  // Small windows (up to 192 packets, the common case) keep their ring inline, in the SA's
  // own cache lines: one memory access less per packet than a separate allocation.
  static constexpr uint32_t kInlineBlocks = 4;

  // Laid out so that the per-packet fields and a small ring share one cache line.
  uint64_t top_ = 0;          // highest authenticated sequence number
  uint64_t* bits_ = inline_;  // inline_ or heap_
  uint32_t window_ = 0;
  uint32_t mask_words_ = 0;  // number of 64-bit blocks - 1 (a power of two minus one)
  bool esn_ = false;
  uint64_t inline_[kInlineBlocks] = {};
  std::unique_ptr<uint64_t[]> heap_;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_ANTI_REPLAY_H_

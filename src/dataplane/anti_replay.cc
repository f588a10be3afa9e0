#include "dataplane/anti_replay.h"

#include <algorithm>
#include <bit>

namespace tunnelisa::dataplane {

void ReplayWindow::Configure(uint32_t window, bool esn) {
  window_ = window;
  esn_ = esn;
  top_ = 0;
  // RFC 6479: one block more than the window needs, so the window can slide inside the ring
  // while the block being entered is cleared.
  uint32_t blocks = std::bit_ceil((std::max<uint32_t>(window, 1) + 63) / 64 + 1);
  mask_words_ = blocks - 1;
  std::fill(std::begin(inline_), std::end(inline_), 0);
  if (blocks <= kInlineBlocks) {
    heap_.reset();
    bits_ = inline_;
  } else {
    heap_ = std::make_unique<uint64_t[]>(blocks);
    bits_ = heap_.get();
  }
}

//= https://www.rfc-editor.org/rfc/rfc4303#appendix-A.2.2
//# If Tl >= W - 1 (window within one subspace): if Seql >= Tl - W + 1 then Seqh = Th, else
//# Seqh = Th + 1. If Tl < W - 1 (window spans two subspaces): if Seql >= Tl - W + 1 then
//# Seqh = Th - 1, else Seqh = Th.
uint64_t ReplayWindow::InferEsn(uint64_t top, uint32_t seq_low) const {
  const uint32_t th = static_cast<uint32_t>(top >> 32);
  const uint32_t tl = static_cast<uint32_t>(top);
  // Without a replay window, infer with the largest window that keeps the two cases apart.
  const uint32_t w = window_ != 0 ? window_ : 0x80000000u;
  const uint32_t bottom = tl - w + 1;  // mod 2^32
  uint32_t seqh;
  if (tl >= w - 1) {
    seqh = seq_low >= bottom ? th : th + 1;
  } else {
    if (seq_low >= bottom) {
      // No subspace precedes 0: with Th = 0 the packet is ahead of T in subspace 0.
      seqh = th == 0 ? 0 : th - 1;
    } else {
      seqh = th;
    }
  }
  return static_cast<uint64_t>(seqh) << 32 | seq_low;
}

ReplayWindow::CheckResult ReplayWindow::Check(uint32_t seq_low, uint64_t burst_top) const {
  const uint64_t seq = esn_ ? InferEsn(top_, seq_low) : seq_low;
  // Only authenticated state decides (a forged packet earlier in the burst must not change
  // how later ones are read), but a burst that crosses into the next subspace needs its
  // earlier packets verified first.
  if (esn_ && burst_top > top_ && InferEsn(burst_top, seq_low) != seq) {
    return {DropReason::kNone, seq, true};
  }
  //= https://www.rfc-editor.org/rfc/rfc4303#section-3.3.3
  //# the sender's counter ... the first packet sent using a given SA will contain a sequence
  //# number of 1.
  if (seq == 0) return {DropReason::kSeqZero, seq};
  if (window_ == 0 || seq > top_) return {DropReason::kNone, seq};
  if (seq + window_ <= top_) return {DropReason::kLeftOfWindow, seq};
  const uint64_t bit = seq & 63;
  const uint64_t block = (seq >> 6) & mask_words_;
  if (bits_[block] >> bit & 1) return {DropReason::kReplayed, seq};
  return {DropReason::kNone, seq};
}

DropReason ReplayWindow::Update(uint64_t seq) {
  if (window_ == 0) {
    top_ = std::max(top_, seq);
    return DropReason::kNone;
  }
  if (seq > top_) {
    // Clear the blocks the window slides over (at most the whole ring).
    const uint64_t old_block = top_ >> 6;
    const uint64_t new_block = seq >> 6;
    const uint64_t steps = std::min<uint64_t>(new_block - old_block, mask_words_ + 1);
    for (uint64_t i = 1; i <= steps; ++i) bits_[(old_block + i) & mask_words_] = 0;
    top_ = seq;
  } else if (seq + window_ <= top_) {
    return DropReason::kLeftOfWindow;
  }
  uint64_t& word = bits_[(seq >> 6) & mask_words_];
  const uint64_t bit = uint64_t{1} << (seq & 63);
  if (word & bit) return DropReason::kReplayed;
  word |= bit;
  return DropReason::kNone;
}

}  // namespace tunnelisa::dataplane

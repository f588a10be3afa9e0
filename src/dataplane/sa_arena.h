// SaArena: where a data plane's SAs live. Fixed-size chunks of Sa objects that never move,
// so an SA's index names it for life and the fast path reaches it with one multiply-add.
// Chunks after the first are 2 MiB aligned and advised for transparent huge pages: with a
// million SAs the per-packet lookup then misses the cache but not the TLB.
#ifndef TUNNELISA_SRC_DATAPLANE_SA_ARENA_H_
#define TUNNELISA_SRC_DATAPLANE_SA_ARENA_H_

#include <cstdint>
#include <vector>

#include "dataplane/sa.h"

namespace tunnelisa::dataplane {

class SaArena {
 public:
  static constexpr uint32_t kChunkShift = 12;  // 4096 SAs per chunk
  static constexpr uint32_t kChunkSize = 1u << kChunkShift;

  SaArena() = default;
  ~SaArena();
  SaArena(const SaArena&) = delete;
  SaArena& operator=(const SaArena&) = delete;

  // Allocate: a default-constructed Sa and its index. Control path.
  Sa* Allocate(uint32_t& index);
  // Free: destroys the Sa at a live index. Control path.
  void Free(uint32_t index);
  // At: the live Sa at index, or nullptr. Fast path.
  Sa* At(uint32_t index) const {
    if (index >= live_.size() || !live_[index]) return nullptr;
    return chunks_[index >> kChunkShift] + (index & (kChunkSize - 1));
  }
  // Live: the Sa at an index known to be live (e.g. a published InboundRecord's), without
  // the liveness check. Fast path.
  Sa& Live(uint32_t index) const { return chunks_[index >> kChunkShift][index & (kChunkSize - 1)]; }
  size_t live_count() const { return live_count_; }

 private:
  std::vector<Sa*> chunks_;
  std::vector<bool> live_;
  std::vector<uint32_t> free_;
  size_t live_count_ = 0;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SA_ARENA_H_

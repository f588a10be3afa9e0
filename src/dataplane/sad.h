// Sad: the SA database of one data plane. Owns the SAs; maps handles to SAs and inbound SPIs
// (or SPI + destination) to SAs. Lookups are fast path; changes are control path.
#ifndef TUNNELISA_SRC_DATAPLANE_SAD_H_
#define TUNNELISA_SRC_DATAPLANE_SAD_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "dataplane/sa.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa::dataplane {

class Sad {
 public:
  explicit Sad(SadLookup lookup) : lookup_(lookup) {}

  // Add: takes ownership; assigns the handle. AlreadyExists for a duplicate inbound key.
  absl::StatusOr<SaHandle> Add(std::unique_ptr<Sa> sa);
  // Remove: NotFound for a stale handle.
  absl::Status Remove(SaHandle h);

  // Get: the SA of a live handle, or nullptr. Fast path.
  Sa* Get(SaHandle h) const {
    if (h.index >= slots_.size()) return nullptr;
    const Slot& s = slots_[h.index];
    return s.generation == h.generation ? s.sa.get() : nullptr;
  }
  Sa* AtIndex(uint32_t index) const {
    return index < slots_.size() ? slots_[index].sa.get() : nullptr;
  }

  // FindInbound: fast path. `dst` is ignored with SadLookup::kSpi.
  Sa* FindInbound(uint32_t spi, const IpAddress& dst) const;
  // FindInboundBurst: looks up n SPIs at once, prefetching the hash slots first, so a burst
  // pays memory latency once rather than n times (kSpi mode). out[i] = nullptr if unknown.
  void FindInboundBurst(const uint32_t* spis, size_t n, Sa** out) const;

  SadLookup lookup() const { return lookup_; }
  size_t size() const { return live_; }
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.sa) f(*s.sa);
    }
  }

 private:
  struct Slot {
    std::unique_ptr<Sa> sa;
    uint32_t generation = 0;
  };
  struct SpiDst {
    uint32_t spi;
    IpAddress dst;
    bool operator==(const SpiDst&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const SpiDst& k) {
      return H::combine(std::move(h), k.spi, k.dst);
    }
  };

  SadLookup lookup_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
  absl::flat_hash_map<uint32_t, uint32_t> by_spi_;
  absl::flat_hash_map<SpiDst, uint32_t> by_spi_dst_;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SAD_H_

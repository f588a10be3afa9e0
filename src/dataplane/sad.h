// Sad: the SA database of one data plane. Owns the SAs (in an SaArena); maps handles to SAs
// and inbound SPIs (or SPI + destination) to SAs. Lookups are fast path; changes are control
// path.
#ifndef TUNNELISA_SRC_DATAPLANE_SAD_H_
#define TUNNELISA_SRC_DATAPLANE_SAD_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "dataplane/sa_arena.h"
#include "dataplane/spi_table.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa::dataplane {

class Sad {
 public:
  explicit Sad(SadLookup lookup) : lookup_(lookup) {}

  // CheckInboundKeyFree: AlreadyExists if an inbound SA with this SPI (and destination, with
  // kSpiAndDestination) is installed.
  absl::Status CheckInboundKeyFree(uint32_t spi, const IpAddress& dst) const;
  // Allocate: a fresh Sa with its handle set; not yet findable. Fill it, then Publish it (or
  // Remove it). Control path.
  Sa* Allocate();
  // Publish: makes an inbound SA findable by SPI (no-op for outbound).
  void Publish(Sa& sa);
  // Remove: NotFound for a stale handle.
  absl::Status Remove(SaHandle h);

  // Get: the SA of a live handle, or nullptr. Fast path.
  Sa* Get(SaHandle h) const {
    Sa* sa = arena_.At(h.index);
    return sa != nullptr && generations_[h.index] == h.generation ? sa : nullptr;
  }
  Sa* AtIndex(uint32_t index) const { return arena_.At(index); }

  // PrefetchInbound: starts loading the hash slot for `spi` (kSpi mode), so that a burst can
  // overlap its lookups' memory latency. Fast path.
  void PrefetchInbound(uint32_t spi) const {
    if (lookup_ == SadLookup::kSpi) by_spi_.Prefetch(spi);
  }
  // FindInbound: fast path. `dst` is ignored with SadLookup::kSpi.
  Sa* FindInbound(uint32_t spi, const IpAddress& dst) const;
  // FindInboundBurst: kSpi lookups of a burst, hash lines prefetched first so their misses
  // overlap; out[i] = nullptr when spis[i] is unknown. Fast path.
  void FindInboundBurst(std::span<const uint32_t> spis, Sa** out) const {
    for (uint32_t spi : spis) by_spi_.Prefetch(spi);
    for (size_t i = 0; i < spis.size(); ++i) {
      const uint32_t index = by_spi_.Find(spis[i]);
      out[i] = index == SpiTable::kNotFound ? nullptr : arena_.At(index);
    }
  }

  SadLookup lookup() const { return lookup_; }
  size_t size() const { return arena_.live_count(); }

 private:
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
  SaArena arena_;
  std::vector<uint32_t> generations_;  // per arena index; survives Free
  SpiTable by_spi_;                    // SadLookup::kSpi: one cache line per lookup
  absl::flat_hash_map<SpiDst, uint32_t> by_spi_dst_;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SAD_H_

// SpiTable: inbound SPI -> InboundRecord, an open-addressing hash table built for the
// per-packet lookup: the buckets are the records themselves (64 bytes, one cache line each),
// so a packet's lookup and its pre-crypto checks read one line, which a burst prefetches.
// Linear probing, deletion by backward shift (no tombstones), load factor <= 1/2, storage on
// huge pages once large (HugePageAllocator). Records move when the table changes: a pointer
// from Find is valid until the next Insert or Erase.
#ifndef TUNNELISA_SRC_DATAPLANE_SPI_TABLE_H_
#define TUNNELISA_SRC_DATAPLANE_SPI_TABLE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/huge_page_allocator.h"
#include "dataplane/sa.h"

namespace tunnelisa::dataplane {

class SpiTable {
 public:
  SpiTable() { Rehash(16); }

  // Find: the record stored for `spi`, or nullptr. Fast path.
  InboundRecord* Find(uint32_t spi) {
    for (size_t i = Home(spi);; i = (i + 1) & mask_) {
      InboundRecord& r = buckets_[i];
      if (r.index == InboundRecord::kNoIndex) return nullptr;
      if (r.spi == spi) return &r;
    }
  }
  const InboundRecord* Find(uint32_t spi) const { return const_cast<SpiTable*>(this)->Find(spi); }
  // FindBurst: out[k] = Find(spis[k]) for a burst whose home buckets were prefetched
  // (Prefetch). A probe that goes past its home bucket does not wait there: all such probes
  // go on together, one bucket per round with the next buckets prefetched, so their misses
  // overlap too (with random SPIs at load 0.48 about a quarter of the records sit past their
  // home bucket). Fast path.
  void FindBurst(const uint32_t* spis, size_t n, InboundRecord** out) {
    for (size_t base = 0; base < n; base += kMaxBurstLookups) {
      FindBurstChunk(spis + base, std::min(n - base, kMaxBurstLookups), out + base);
    }
  }
  // Prefetch: starts loading the bucket where `spi`'s probe starts, for writing (the record
  // counts drops). Fast path. Always inlined: g++ 12 judges an out-of-line function that only
  // prefetches to be side-effect free and deletes the call (seen in DecryptChunk).
  [[gnu::always_inline]] void Prefetch(uint32_t spi) const {
    __builtin_prefetch(&buckets_[Home(spi)], 1);
  }
  bool Contains(uint32_t spi) const { return Find(spi) != nullptr; }

  // Insert: adds `record` under record.spi, or replaces the record stored there; returns the
  // stored copy. record.index must not be kNoIndex. Control path (may grow the table).
  InboundRecord& Insert(const InboundRecord& record);
  // Erase: removes `spi` if present. Control path.
  void Erase(uint32_t spi);
  size_t size() const { return size_; }
  size_t capacity() const { return buckets_.size(); }

 private:
  size_t Home(uint32_t spi) const {
    // Fibonacci hashing: SPIs from a counter or a random source both spread well.
    return static_cast<size_t>((spi * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }
  static constexpr size_t kMaxBurstLookups = 64;

  // FindBurstChunk: FindBurst for n <= kMaxBurstLookups. Branch-free first round (whether a
  // probe ends in its home bucket is a coin toss with random SPIs): a probe that goes on
  // prefetches its next bucket, one that ended prefetches its own (a no-op).
  void FindBurstChunk(const uint32_t* spis, size_t n, InboundRecord** out) {
    size_t pos[kMaxBurstLookups];
    uint8_t pending[kMaxBurstLookups];  // lookups whose probe goes on
    size_t npending = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = Home(spis[k]);
      InboundRecord& r = buckets_[i];
      out[k] = nullptr;
      if (r.index == InboundRecord::kNoIndex) continue;
      if (r.spi == spis[k]) {
        out[k] = &r;
        continue;
      }
      pos[k] = (i + 1) & mask_;
      __builtin_prefetch(&buckets_[pos[k]], 1);
      pending[npending++] = static_cast<uint8_t>(k);
    }
    while (npending != 0) {
      size_t still = 0;
      for (size_t j = 0; j < npending; ++j) {
        const size_t k = pending[j];
        InboundRecord& r = buckets_[pos[k]];
        if (r.index == InboundRecord::kNoIndex) continue;
        if (r.spi == spis[k]) {
          out[k] = &r;
          continue;
        }
        pos[k] = (pos[k] + 1) & mask_;
        __builtin_prefetch(&buckets_[pos[k]], 1);
        pending[still++] = static_cast<uint8_t>(k);
      }
      npending = still;
    }
  }
  // Place: stores `record`; `added` tells whether its SPI was new.
  InboundRecord& Place(const InboundRecord& record, bool& added);
  void Rehash(size_t capacity);

  std::vector<InboundRecord, HugePageAllocator<InboundRecord>> buckets_;
  size_t mask_ = 0;
  unsigned shift_ = 0;
  size_t size_ = 0;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SPI_TABLE_H_

// SpiTable: inbound SPI -> SA index, an open-addressing hash table built for the per-packet
// lookup: each entry is 8 bytes (SPI and index together), so a lookup reads one cache line
// (absl::flat_hash_map reads its control bytes and its slots from two arrays), and a burst can
// prefetch it. Linear probing, deletion by backward shift (no tombstones), load factor <= 1/2,
// storage on huge pages once large (HugePageAllocator).
#ifndef TUNNELISA_SRC_DATAPLANE_SPI_TABLE_H_
#define TUNNELISA_SRC_DATAPLANE_SPI_TABLE_H_

#include <cstdint>
#include <vector>

#include "dataplane/huge_page_allocator.h"

namespace tunnelisa::dataplane {

class SpiTable {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  SpiTable() { Rehash(16); }

  // Find: the index stored for `spi`, or kNotFound. Fast path.
  uint32_t Find(uint32_t spi) const {
    for (size_t i = Home(spi);; i = (i + 1) & mask_) {
      const uint64_t e = entries_[i];
      if (e == kEmpty) return kNotFound;
      if (static_cast<uint32_t>(e >> 32) == spi) return static_cast<uint32_t>(e);
    }
  }
  // Prefetch: starts loading the line where `spi` would be. Fast path.
  void Prefetch(uint32_t spi) const { __builtin_prefetch(&entries_[Home(spi)]); }
  bool Contains(uint32_t spi) const { return Find(spi) != kNotFound; }

  // Insert: adds or replaces. Control path (may grow the table).
  void Insert(uint32_t spi, uint32_t index) {
    if ((size_ + 1) * 2 > entries_.size()) Rehash(entries_.size() * 2);
    if (Place(spi, index)) ++size_;
  }
  // Erase: removes `spi` if present. Control path.
  void Erase(uint32_t spi);
  size_t size() const { return size_; }

 private:
  // An entry packs (spi << 32 | index); index kNotFound never occurs, so all-ones is empty.
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  size_t Home(uint32_t spi) const {
    // Fibonacci hashing: SPIs from a counter or a random source both spread well.
    return static_cast<size_t>((spi * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }
  bool Place(uint32_t spi, uint32_t index);  // true if the SPI was new
  void Rehash(size_t capacity);

  std::vector<uint64_t, HugePageAllocator<uint64_t>> entries_;
  size_t mask_ = 0;
  unsigned shift_ = 0;
  size_t size_ = 0;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SPI_TABLE_H_

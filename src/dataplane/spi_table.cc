#include "dataplane/spi_table.h"

#include <bit>

namespace tunnelisa::dataplane {

bool SpiTable::Place(uint32_t spi, uint32_t index) {
  const uint64_t entry = static_cast<uint64_t>(spi) << 32 | index;
  for (size_t i = Home(spi);; i = (i + 1) & mask_) {
    const uint64_t e = entries_[i];
    if (e == kEmpty) {
      entries_[i] = entry;
      return true;
    }
    if (static_cast<uint32_t>(e >> 32) == spi) {
      entries_[i] = entry;
      return false;
    }
  }
}

void SpiTable::Erase(uint32_t spi) {
  size_t i = Home(spi);
  for (;; i = (i + 1) & mask_) {
    if (entries_[i] == kEmpty) return;
    if (static_cast<uint32_t>(entries_[i] >> 32) == spi) break;
  }
  // Backward-shift deletion: move later members of the probe run into the hole when their
  // home position does not lie cyclically in (hole, j].
  size_t hole = i;
  for (size_t j = (i + 1) & mask_; entries_[j] != kEmpty; j = (j + 1) & mask_) {
    const size_t home = Home(static_cast<uint32_t>(entries_[j] >> 32));
    const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      entries_[hole] = entries_[j];
      hole = j;
    }
  }
  entries_[hole] = kEmpty;
  --size_;
}

void SpiTable::Rehash(size_t capacity) {
  capacity = std::bit_ceil(capacity);
  std::vector<uint64_t, HugePageAllocator<uint64_t>> old(capacity, kEmpty);
  old.swap(entries_);
  mask_ = capacity - 1;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  for (uint64_t e : old) {
    if (e != kEmpty) Place(static_cast<uint32_t>(e >> 32), static_cast<uint32_t>(e));
  }
}

}  // namespace tunnelisa::dataplane

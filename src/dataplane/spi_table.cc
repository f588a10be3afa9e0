#include "dataplane/spi_table.h"

#include <bit>

namespace tunnelisa::dataplane {

InboundRecord& SpiTable::Insert(const InboundRecord& record) {
  if ((size_ + 1) * 2 > buckets_.size()) Rehash(buckets_.size() * 2);
  bool added = false;
  InboundRecord& r = Place(record, added);
  if (added) ++size_;
  return r;
}

InboundRecord& SpiTable::Place(const InboundRecord& record, bool& added) {
  for (size_t i = Home(record.spi);; i = (i + 1) & mask_) {
    InboundRecord& r = buckets_[i];
    if (r.index == InboundRecord::kNoIndex || r.spi == record.spi) {
      added = r.index == InboundRecord::kNoIndex;
      r = record;
      return r;
    }
  }
}

void SpiTable::Erase(uint32_t spi) {
  size_t i = Home(spi);
  for (;; i = (i + 1) & mask_) {
    if (buckets_[i].index == InboundRecord::kNoIndex) return;
    if (buckets_[i].spi == spi) break;
  }
  // Backward-shift deletion: move later members of the probe run into the hole when their
  // home position does not lie cyclically in (hole, j].
  size_t hole = i;
  for (size_t j = (i + 1) & mask_; buckets_[j].index != InboundRecord::kNoIndex;
       j = (j + 1) & mask_) {
    const size_t home = Home(buckets_[j].spi);
    const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      buckets_[hole] = buckets_[j];
      hole = j;
    }
  }
  buckets_[hole] = InboundRecord{};
  --size_;
}

void SpiTable::Rehash(size_t capacity) {
  capacity = std::bit_ceil(capacity);
  std::vector<InboundRecord, HugePageAllocator<InboundRecord>> old(capacity);
  old.swap(buckets_);
  mask_ = capacity - 1;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  bool added = false;
  for (const InboundRecord& r : old) {
    if (r.index != InboundRecord::kNoIndex) Place(r, added);
  }
}

}  // namespace tunnelisa::dataplane

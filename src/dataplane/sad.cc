#include "dataplane/sad.h"

#include "absl/strings/str_format.h"
#include "common/str_cat.h"

namespace tunnelisa::dataplane {

absl::StatusOr<SaHandle> Sad::Add(std::unique_ptr<Sa> sa) {
  const bool inbound = sa->config.direction == SaDirection::kInbound;
  const uint32_t spi = sa->config.spi;
  if (inbound) {
    bool taken = lookup_ == SadLookup::kSpi ? by_spi_.contains(spi)
                                            : by_spi_dst_.contains({spi, sa->config.local});
    if (taken) {
      return absl::AlreadyExistsError(absl::StrFormat(
          "an inbound SA with SPI 0x%08x%s exists", spi,
          lookup_ == SadLookup::kSpi ? ""
                                     : StrCat(" and destination ", sa->config.local.ToString())));
    }
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  // Generations start at 1 (0 marks an invalid handle) and skip 0 when they wrap.
  slot.generation = slot.generation + 1 == 0 ? 1 : slot.generation + 1;
  SaHandle h{index, slot.generation};
  sa->handle = h;
  slot.sa = std::move(sa);
  if (inbound) {
    if (lookup_ == SadLookup::kSpi) {
      by_spi_.emplace(spi, index);
    } else {
      by_spi_dst_.emplace(SpiDst{spi, slot.sa->config.local}, index);
    }
  }
  ++live_;
  return h;
}

absl::Status Sad::Remove(SaHandle h) {
  Sa* sa = Get(h);
  if (sa == nullptr) return absl::NotFoundError("no SA with that handle (deleted?)");
  if (sa->config.direction == SaDirection::kInbound) {
    if (lookup_ == SadLookup::kSpi) {
      by_spi_.erase(sa->config.spi);
    } else {
      by_spi_dst_.erase(SpiDst{sa->config.spi, sa->config.local});
    }
  }
  slots_[h.index].sa.reset();
  free_.push_back(h.index);
  --live_;
  return absl::OkStatus();
}

Sa* Sad::FindInbound(uint32_t spi, const IpAddress& dst) const {
  if (lookup_ == SadLookup::kSpi) {
    auto it = by_spi_.find(spi);
    return it == by_spi_.end() ? nullptr : slots_[it->second].sa.get();
  }
  auto it = by_spi_dst_.find(SpiDst{spi, dst});
  return it == by_spi_dst_.end() ? nullptr : slots_[it->second].sa.get();
}

void Sad::FindInboundBurst(const uint32_t* spis, size_t n, Sa** out) const {
  for (size_t i = 0; i < n; ++i) by_spi_.prefetch(spis[i]);
  uint32_t index[64];
  for (size_t base = 0; base < n; base += 64) {
    size_t m = std::min<size_t>(64, n - base);
    for (size_t i = 0; i < m; ++i) {
      auto it = by_spi_.find(spis[base + i]);
      index[i] = it == by_spi_.end() ? UINT32_MAX : it->second;
      if (index[i] != UINT32_MAX) __builtin_prefetch(&slots_[index[i]]);
    }
    for (size_t i = 0; i < m; ++i) {
      out[base + i] = index[i] == UINT32_MAX ? nullptr : slots_[index[i]].sa.get();
    }
  }
}

}  // namespace tunnelisa::dataplane

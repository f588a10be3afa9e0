#include "dataplane/sad.h"

#include "absl/strings/str_format.h"

namespace tunnelisa::dataplane {

absl::Status Sad::CheckInboundKeyFree(uint32_t spi, const IpAddress& dst) const {
  bool taken =
      lookup_ == SadLookup::kSpi ? by_spi_.Contains(spi) : by_spi_dst_.contains(SpiDst{spi, dst});
  if (!taken) return absl::OkStatus();
  return absl::AlreadyExistsError(
      lookup_ == SadLookup::kSpi
          ? absl::StrFormat("an inbound SA with SPI 0x%08x exists", spi)
          : absl::StrFormat("an inbound SA with SPI 0x%08x and destination %s exists", spi,
                            dst.ToString()));
}

Sa* Sad::Allocate() {
  uint32_t index = 0;
  Sa* sa = arena_.Allocate(index);
  if (index >= generations_.size()) generations_.resize(index + 1, 0);
  // Generations start at 1 (0 marks an invalid handle) and skip 0 when they wrap.
  uint32_t& g = generations_[index];
  g = g + 1 == 0 ? 1 : g + 1;
  sa->handle = SaHandle{index, g};
  return sa;
}

void Sad::Publish(Sa& sa) {
  if (sa.config.direction != SaDirection::kInbound) return;
  if (lookup_ == SadLookup::kSpi) {
    by_spi_.Insert(sa.config.spi, sa.handle.index);
  } else {
    by_spi_dst_.emplace(SpiDst{sa.config.spi, sa.config.local}, sa.handle.index);
  }
}

absl::Status Sad::Remove(SaHandle h) {
  Sa* sa = Get(h);
  if (sa == nullptr) return absl::NotFoundError("no SA with that handle (deleted?)");
  if (sa->config.direction == SaDirection::kInbound) {
    // Only the published SA of this key is unpublished (a half-installed one never was).
    if (lookup_ == SadLookup::kSpi) {
      if (by_spi_.Find(sa->config.spi) == h.index) by_spi_.Erase(sa->config.spi);
    } else {
      auto it = by_spi_dst_.find(SpiDst{sa->config.spi, sa->config.local});
      if (it != by_spi_dst_.end() && it->second == h.index) by_spi_dst_.erase(it);
    }
  }
  arena_.Free(h.index);
  return absl::OkStatus();
}

Sa* Sad::FindInbound(uint32_t spi, const IpAddress& dst) const {
  if (lookup_ == SadLookup::kSpi) {
    const uint32_t index = by_spi_.Find(spi);
    return index == SpiTable::kNotFound ? nullptr : arena_.At(index);
  }
  auto it = by_spi_dst_.find(SpiDst{spi, dst});
  return it == by_spi_dst_.end() ? nullptr : arena_.At(it->second);
}

}  // namespace tunnelisa::dataplane

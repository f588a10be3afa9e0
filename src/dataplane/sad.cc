#include "dataplane/sad.h"

#include "absl/strings/str_format.h"

namespace tunnelisa::dataplane {
namespace {

InboundRecord MakeRecord(const Sa& sa) {
  const SaHot& h = sa.hot;
  InboundRecord r;
  r.spi = sa.config.spi;
  r.index = sa.handle.index;
  r.generation = sa.handle.generation;
  r.iv_size = h.iv_size;
  r.icv_size = h.icv_size;
  r.block_size = h.block_size;
  r.flags = static_cast<uint8_t>((h.esn ? InboundRecord::kEsn : 0) |
                                 (h.replay_on ? InboundRecord::kReplayOn : 0));
  r.hard_deadline_ns = h.expired ? INT64_MIN : h.hard_deadline_ns;
  r.top = h.replay_on ? sa.replay.top() : 0;
  return r;
}

}  // namespace

absl::Status Sad::CheckInboundKeyFree(uint32_t spi, const IpAddress& dst) const {
  if (FindRecord(spi, dst) == nullptr) return absl::OkStatus();
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
    by_spi_.Insert(MakeRecord(sa));
  } else {
    by_spi_dst_.insert_or_assign(SpiDst{sa.config.spi, sa.config.local}, MakeRecord(sa));
  }
}

InboundRecord* Sad::RecordOf(const Sa& sa) {
  if (sa.config.direction != SaDirection::kInbound) return nullptr;
  InboundRecord* r = FindRecord(sa.config.spi, sa.config.local);
  return r != nullptr && r->index == sa.handle.index && r->generation == sa.handle.generation
             ? r
             : nullptr;
}

absl::Status Sad::Remove(SaHandle h) {
  Sa* sa = Get(h);
  if (sa == nullptr) return absl::NotFoundError("no SA with that handle (deleted?)");
  // Only the published SA of this key is unpublished (a half-installed one never was).
  if (RecordOf(*sa) != nullptr) {
    if (lookup_ == SadLookup::kSpi) {
      by_spi_.Erase(sa->config.spi);
    } else {
      by_spi_dst_.erase(SpiDst{sa->config.spi, sa->config.local});
    }
  }
  arena_.Free(h.index);
  return absl::OkStatus();
}

}  // namespace tunnelisa::dataplane

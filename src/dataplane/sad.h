// Sad: the SA database of one data plane. Owns the SAs (in an SaArena); maps handles to SAs
// and inbound SPIs (or SPI + destination) to the SAs' InboundRecords, which live inside the
// lookup structure itself (SpiTable buckets, or the nodes of the SPI + destination map).
// Lookups are fast path; changes are control path.
#ifndef TUNNELISA_SRC_DATAPLANE_SAD_H_
#define TUNNELISA_SRC_DATAPLANE_SAD_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/node_hash_map.h"
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
  // Publish: makes a filled inbound SA findable by SPI, with an InboundRecord made from its
  // hot state (no-op for outbound). Control path.
  void Publish(Sa& sa);
  // Remove: NotFound for a stale handle.
  absl::Status Remove(SaHandle h);

  // Get: the SA of a live handle, or nullptr. Fast path.
  Sa* Get(SaHandle h) const {
    Sa* sa = arena_.At(h.index);
    return sa != nullptr && generations_[h.index] == h.generation ? sa : nullptr;
  }
  Sa* AtIndex(uint32_t index) const { return arena_.At(index); }
  // Live: the Sa of a published record's index (always live). Fast path.
  Sa& Live(uint32_t index) const { return arena_.Live(index); }

  // PrefetchInbound: starts loading the record for `spi` (kSpi mode), so that a burst can
  // overlap its lookups' memory latency. Fast path; always inlined (see SpiTable::Prefetch).
  [[gnu::always_inline]] void PrefetchInbound(uint32_t spi) const {
    if (lookup_ == SadLookup::kSpi) by_spi_.Prefetch(spi);
  }
  // FindRecord: the record of the inbound SA for `spi` (and `dst` with kSpiAndDestination;
  // ignored with kSpi), or nullptr. Valid until the next Publish or Remove. Fast path.
  InboundRecord* FindRecord(uint32_t spi, const IpAddress& dst) {
    if (lookup_ == SadLookup::kSpi) return by_spi_.Find(spi);
    auto it = by_spi_dst_.find(SpiDst{spi, dst});
    return it == by_spi_dst_.end() ? nullptr : &it->second;
  }
  const InboundRecord* FindRecord(uint32_t spi, const IpAddress& dst) const {
    return const_cast<Sad*>(this)->FindRecord(spi, dst);
  }
  // FindRecordBurst: kSpi mode only: out[k] = FindRecord(spis[k]) for a burst whose records
  // were prefetched (PrefetchInbound), overlapping the misses of probes that go past their
  // first bucket (SpiTable::FindBurst). Fast path.
  void FindRecordBurst(const uint32_t* spis, size_t n, InboundRecord** out) {
    by_spi_.FindBurst(spis, n, out);
  }
  // RecordOf: the published record of `sa`, or nullptr (outbound, not published, or another
  // SA holds its key). One lookup: control path, and fast-path events (expiry, counter carry).
  InboundRecord* RecordOf(const Sa& sa);
  const InboundRecord* RecordOf(const Sa& sa) const { return const_cast<Sad*>(this)->RecordOf(sa); }
  // FindInbound: the handle of the inbound SA for `spi` (and `dst`), read from its record
  // alone. Fast path.
  std::optional<SaHandle> FindInbound(uint32_t spi, const IpAddress& dst) const {
    const InboundRecord* r = FindRecord(spi, dst);
    if (r == nullptr) return std::nullopt;
    return SaHandle{r->index, r->generation};
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
  // SadLookup::kSpiAndDestination: records in nodes (they never move).
  absl::node_hash_map<SpiDst, InboundRecord> by_spi_dst_;
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SAD_H_

// What the benchmark files share: the burst and buffer geometry every figure uses (so ESP,
// GRE, raw and engine figures touch the same cache footprint), the buffer arena, the counters
// Google Benchmark reports, and an IPv4/UDP payload writer. Bench-only.
#ifndef TUNNELISA_BENCH_BENCH_UTIL_H_
#define TUNNELISA_BENCH_BENCH_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "benchmark/benchmark.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::bench {

inline constexpr size_t kBurst = 32;       // packets per call
inline constexpr size_t kArenas = 8;       // bursts of buffers cycled through
inline constexpr uint32_t kStride = 1728;  // bytes per packet buffer: 27 cache lines (not 2^n)
static_assert(kPacketHeadroom + 1420 + kPacketTailroom <= kStride);

// Arena: kArenas x kBurst packet buffers of kStride bytes, 64-byte aligned, zeroed; `refs`
// start as empty views with kPacketHeadroom.
struct Arena {
  Arena() : mem(static_cast<uint8_t*>(std::aligned_alloc(64, kArenas * kBurst * kStride))) {
    std::memset(mem.get(), 0, kArenas * kBurst * kStride);
    for (size_t a = 0; a < kArenas; ++a) {
      for (size_t i = 0; i < kBurst; ++i) {
        refs[a][i] = PacketRef::WithHeadroom(buf(a, i), kStride, kPacketHeadroom);
      }
    }
  }
  uint8_t* buf(size_t a, size_t i) const { return mem.get() + (a * kBurst + i) * kStride; }
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> mem;
  PacketRef refs[kArenas][kBurst];
};

// SetCounters: items and bytes per packet (one iteration = one burst of kBurst packets).
inline void SetCounters(benchmark::State& state, uint32_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBurst * bytes));
}

// WriteUdp: an IPv4 UDP packet of `bytes` bytes (>= 28) from `src` to `dst` at `p`, with a
// valid header checksum, IP ID and payload pattern from `seed`, UDP checksum 0.
inline void WriteUdp(uint8_t* p, uint32_t bytes, const uint8_t src[4], const uint8_t dst[4],
                     uint32_t seed) {
  using dataplane::Store16;
  std::memset(p, 0, 28);
  p[0] = 0x45;
  Store16(p + 2, static_cast<uint16_t>(bytes));
  Store16(p + 4, static_cast<uint16_t>(seed));
  p[8] = 64;
  p[9] = kProtoUdp;
  std::memcpy(p + 12, src, 4);
  std::memcpy(p + 16, dst, 4);
  Store16(p + 10, dataplane::Ipv4HeaderChecksum(p));
  Store16(p + 20, 12345);
  Store16(p + 22, 53);
  Store16(p + 24, static_cast<uint16_t>(bytes - 20));
  for (uint32_t i = 28; i < bytes; ++i) p[i] = static_cast<uint8_t>(seed + i);
}

}  // namespace tunnelisa::bench

#endif  // TUNNELISA_BENCH_BENCH_UTIL_H_

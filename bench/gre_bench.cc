// GRE / IP-IP benchmarks, compiled into tunnelisa_bench (esp_bench.cc owns main()). Each
// protocol figure sits beside a raw baseline measured in the same binary, so the report is a
// ratio (DESIGN.md "Tests and figures").
//
// Benchmarks (one iteration = one burst of kBurst packets; items and bytes are per packet,
// bytes are payload IPv4 packet bytes):
//   BM_RawPrepend/<bytes>    baseline: per packet, copy a 24-byte outer IPv4 + GRE template into
//                            the headroom, fill TOS, total length, identification, the IPv4
//                            header checksum and the GRE protocol type. What any encapsulator
//                            must do at the least.
//   BM_GreEncap/<bytes>      IpTunnelDataplane::Encap on a plain GRE tunnel (no key/checksum).
//   BM_GreEncapCsum/<bytes>  the same with key and GRE checksum (sums the whole payload).
//   BM_IpIpEncap/<bytes>     IpTunnelDataplane::Encap on an IP-IP tunnel.
//   BM_GreDecap/<bytes>      IpTunnelDataplane::Decap of plain GRE packets (tunnel lookup by
//                            outer addresses, GRE and payload checks).
//
// Both sides work in place on the same arena of kArenas x kBurst buffers; encapsulation and
// decapsulation only move offset/length, so restoring the inputs is a PacketRef copy per
// packet, done by both the protocol and the raw benchmarks.
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "bench/bench_util.h"
#include "benchmark/benchmark.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::bench {
namespace {

using dataplane::Store16;

// MakePayload: an IPv4 UDP packet of `bytes` bytes (valid header checksum).
void MakePayload(uint8_t* p, uint32_t bytes, uint32_t seed) {
  const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 1, 1};
  WriteUdp(p, bytes, src, dst, seed);
}

// Arena: kArenas bursts of buffers, each holding one payload packet at kPacketHeadroom.
struct Arena {
  std::vector<uint8_t> mem;
  std::array<std::array<PacketRef, kBurst>, kArenas> initial;
  std::array<PacketRef, kBurst> work;
  std::array<Verdict, kBurst> verdicts;

  explicit Arena(uint32_t bytes) : mem(kArenas * kBurst * kStride + 64) {
    uint8_t* base = mem.data() + (64 - reinterpret_cast<uintptr_t>(mem.data()) % 64) % 64;
    for (size_t a = 0; a < kArenas; ++a) {
      for (size_t i = 0; i < kBurst; ++i) {
        uint8_t* buf = base + (a * kBurst + i) * kStride;
        PacketRef p = PacketRef::WithHeadroom(buf, kStride, kPacketHeadroom);
        MakePayload(p.Append(bytes), bytes, static_cast<uint32_t>(a * kBurst + i));
        initial[a][i] = p;
      }
    }
  }
  // Restore: the work burst for iteration `it`.
  std::span<PacketRef> Restore(size_t it) {
    work = initial[it % kArenas];
    return work;
  }
};

IpTunnelConfig Config(IpTunnelType type, bool csum) {
  IpTunnelConfig c;
  c.type = type;
  c.local = *IpAddress::Parse("192.0.2.1");
  c.remote = *IpAddress::Parse("198.51.100.1");
  if (csum) {
    c.key = 0x1234;
    c.gre_checksum = true;
  }
  return c;
}

void Finish(benchmark::State& state, uint32_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBurst * bytes));
}

void BM_RawPrepend(benchmark::State& state) {
  const uint32_t bytes = static_cast<uint32_t>(state.range(0));
  Arena arena(bytes);
  alignas(16) uint8_t tmpl[24] = {0x45, 0, 0,   0, 0, 0, 0,   0,  64,  kProtoGre,
                                  0,    0, 192, 0, 2, 1, 198, 51, 100, 1};
  uint16_t id = 0;
  size_t it = 0;
  for (auto _ : state) {
    std::span<PacketRef> burst = arena.Restore(it++);
    for (PacketRef& p : burst) {
      const uint8_t tos = p.data()[1];
      uint8_t* o = p.Prepend(24);
      std::memcpy(o, tmpl, 24);
      o[1] = tos;
      Store16(o + 2, static_cast<uint16_t>(p.length));
      Store16(o + 4, id++);
      Store16(o + 10, dataplane::Ipv4HeaderChecksum(o));
      Store16(o + 22, 0x0800);
    }
    benchmark::DoNotOptimize(burst.data());
    benchmark::ClobberMemory();
  }
  Finish(state, bytes);
}

void RunEncap(benchmark::State& state, IpTunnelType type, bool csum) {
  const uint32_t bytes = static_cast<uint32_t>(state.range(0));
  Arena arena(bytes);
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(Config(type, csum)).value();
  size_t it = 0;
  for (auto _ : state) {
    std::span<PacketRef> burst = arena.Restore(it++);
    dp->Encap(t, burst, arena.verdicts, MonoTime{});
    benchmark::DoNotOptimize(arena.verdicts.data());
    benchmark::ClobberMemory();
  }
  if (arena.verdicts[0].action != Verdict::Action::kForward) state.SkipWithError("not forwarded");
  Finish(state, bytes);
}

void BM_GreEncap(benchmark::State& state) { RunEncap(state, IpTunnelType::kGre, false); }
void BM_GreEncapCsum(benchmark::State& state) { RunEncap(state, IpTunnelType::kGre, true); }
void BM_IpIpEncap(benchmark::State& state) { RunEncap(state, IpTunnelType::kIpIp, false); }

void BM_GreDecap(benchmark::State& state) {
  const uint32_t bytes = static_cast<uint32_t>(state.range(0));
  Arena arena(bytes);
  // The peer's tunnel encapsulates the arena once; ours decapsulates it every iteration.
  auto peer = IpTunnelDataplane::Create({}).value();
  IpTunnelConfig pc = Config(IpTunnelType::kGre, false);
  std::swap(pc.local, pc.remote);
  IpTunnelHandle pt = peer->Add(pc).value();
  for (auto& burst : arena.initial) {
    peer->Encap(pt, burst, arena.verdicts, MonoTime{});
  }
  auto dp = IpTunnelDataplane::Create({}).value();
  (void)dp->Add(Config(IpTunnelType::kGre, false)).value();
  size_t it = 0;
  for (auto _ : state) {
    std::span<PacketRef> burst = arena.Restore(it++);
    dp->Decap(burst, arena.verdicts, MonoTime{});
    benchmark::DoNotOptimize(arena.verdicts.data());
    benchmark::ClobberMemory();
  }
  if (arena.verdicts[0].action != Verdict::Action::kDeliver) state.SkipWithError("not delivered");
  Finish(state, bytes);
}

BENCHMARK(BM_RawPrepend)->Arg(64)->Arg(512)->Arg(1420);
BENCHMARK(BM_GreEncap)->Arg(64)->Arg(512)->Arg(1420);
BENCHMARK(BM_GreEncapCsum)->Arg(64)->Arg(512)->Arg(1420);
BENCHMARK(BM_IpIpEncap)->Arg(64)->Arg(512)->Arg(1420);
BENCHMARK(BM_GreDecap)->Arg(64)->Arg(512)->Arg(1420);

}  // namespace
}  // namespace tunnelisa::bench
